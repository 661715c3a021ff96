# Shell helpers shared by the live integration tests (tests/integ/live_*.sh),
# sourced with `. "$SRC/tests/live_lib.sh"`.

# Waits (at most 60 s) until process $1 has exited, then reaps it: the
# caller fails (sh -e) unless it exited with status 0.
wait_exit() {
	_n=0
	while kill -0 "$1" 2> /dev/null; do
		_n=$((_n + 1))
		test $_n -lt 600 || { echo "process $1 did not stop" >&2; exit 1; }
		sleep 0.1
	done
	wait "$1"
}

# wait_for PATTERN FILE [PID [ERRFILE]]: waits (at most 60 s) until FILE
# has a line matching PATTERN. Fails, showing FILE and ERRFILE, on timeout
# or as soon as process PID (when given) is gone.
wait_for() {
	_n=0
	until grep -qs "$1" "$2"; do
		_n=$((_n + 1))
		if [ $_n -gt 600 ]; then
			echo "timed out waiting for '$1' in $2" >&2
			cat "$2" ${4:+"$4"} >&2 || true
			exit 1
		fi
		if [ -n "${3:-}" ] && ! kill -0 "$3" 2> /dev/null; then
			echo "process $3 died while waiting for '$1' in $2" >&2
			cat ${4:+"$4"} /dev/null >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

# last_round FILE: N of the last "heartbeat N ..." line of FILE.
last_round() { sed -n 's/^heartbeat \([0-9]*\)\( .*\)\{0,1\}$/\1/p' "$1" | tail -1; }
