# Sourced by install-deps.sh and fetch-lua-src.sh: a private deb-src list
# for one Debian suite, so that `apt-get source` works without touching the
# system's own apt configuration.
# debsrc_setup DIR SUITE: writes DIR/sources.list (the machine's own mirror
# and keyring, Debian's defaults otherwise), updates DIR/lists, and sets
# $aptopts for the apt-get and apt-cache calls that follow. The update's
# output goes to DIR/log. Returns 1 when the update fails.
debsrc_setup() {
	_dir=$1
	mkdir -p "$_dir/lists/partial"
	_uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	_key=$(sed -n 's/^Signed-By: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$_uri" ] || _uri=http://deb.debian.org/debian
	[ -n "$_key" ] || _key=/usr/share/keyrings/debian-archive-keyring.gpg
	echo "deb-src [signed-by=$_key] $_uri $2 main" > "$_dir/sources.list"
	aptopts="-o Dir::Etc::SourceList=$_dir/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$_dir/lists"
	[ "$(id -u)" -ne 0 ] || aptopts="$aptopts -o APT::Sandbox::User=root"
	apt-get $aptopts update -qq > "$_dir/log" 2>&1
}
