#!/bin/sh
# make bench: every figure of SPEC section 9, measured side by side.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench.py "$@"
