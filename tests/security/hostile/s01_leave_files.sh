# S01: leave files in every writable place for the next job; argv[1]
# "leave" writes them, "look" looks for them.  Prints "PATH: OUTCOME".
for p in /dev/shm/s01 /tmp/s01 /var/tmp/s01 /work/s01 /tmp/.X11-unix/s01; do
	if [ "$1" = leave ]; then
		mkdir -p "$(dirname "$p")" 2>/dev/null
		if echo "secret from job A" >"$p" 2>/dev/null; then echo "$p: written"; else echo "$p: refused"; fi
	elif [ -e "$p" ]; then
		echo "$p: $(cat "$p")"
	else
		echo "$p: absent"
	fi
done
