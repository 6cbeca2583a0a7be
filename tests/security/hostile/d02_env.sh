# D02: the environment a job gets: every variable name, and the values of
# the ones whose values matter.  Prints "env NAME: VALUE" lines (bash's own
# variables excluded: env lists only the exported ones), then python's
# view.
env | while IFS='=' read -r name value; do echo "env $name: $value"; done
python3 -c 'import os; print("python env: " + ",".join(sorted(os.environ)))'
