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
