# Shell helpers shared by integration tests, sourced with
# `. "$SRC/tests/integ_lib.sh"`. A skip exits 77 (CTest's "skipped") after
# one line saying why.

# normal_build_only WHAT: heavy checks (WHAT names them) skip in a
# sanitizer build; they run once, in the normal build.
normal_build_only() {
	case "${LUAHEAP_SANITIZE:-OFF}" in
	ON|on|1|TRUE|true) echo "skip: $1 runs in the normal build only"; exit 77 ;;
	esac
}

# need_commands WHAT CMD...: skip unless every CMD is on the PATH.
need_commands() {
	_what=$1
	shift
	for _c in "$@"; do
		if ! command -v "$_c" > /dev/null; then
			echo "skip: $_what needs $_c (scripts/install-deps.sh installs it)"
			exit 77
		fi
	done
}

# expect STATUS CMD...: runs CMD with its output in out.txt and err.txt;
# fails, showing err.txt, unless it exits with STATUS.
expect() {
	_want=$1
	shift
	set +e
	"$@" > out.txt 2> err.txt
	_rc=$?
	set -e
	if [ $_rc -ne "$_want" ]; then
		echo "'$*' exited $_rc, expected $_want" >&2
		cat err.txt >&2
		exit 1
	fi
}
