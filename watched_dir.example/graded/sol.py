# Prints the sum of the numbers on its one line of input.
words = input().split()
print(sum(float(w) if "." in w else int(w) for w in words))
