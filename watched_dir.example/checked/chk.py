# checker INPUT OUTPUT ANSWER: exit 0 accepted, 1 wrong answer.
import sys

n = int(open(sys.argv[1]).read())
try:
    a, b = map(int, open(sys.argv[2]).read().split())
except ValueError:
    sys.exit(1)
sys.exit(0 if a > 0 and b > 0 and a + b == n else 1)
