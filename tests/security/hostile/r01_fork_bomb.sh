# R01: the bash fork bomb.  Each copy waits for its children, so the
# processes stay until the process limit stops the forks.
:(){ :|:& wait; };:
