# Sourced by the integration tests that cannot always run: each skip exits
# 77 (CTest's "skipped") after one line saying why.

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
