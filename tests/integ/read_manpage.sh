# man/luaheap-snapshot.5 and include/luaheap/format.h describe one format:
# every type, list, weak mode, status, root kind and edge kind name of the
# header appears in the page (each edge kind with its number), and so do
# the magic, the version, the frame limit and the record tags.
h="$SRC/include/luaheap/format.h"
man="$SRC/man/luaheap-snapshot.5"
test -f "$h"
test -f "$man"
names() {   # the quoted names of the array $1 in format.h
	sed -n "/$1\[/,/};/p" "$h" | grep -o '"[^"]*"' | tr -d '"'
}
n=0
for arr in lh_type_names lh_list_names lh_thread_status_names lh_root_kind_names; do
	for name in $(names $arr); do
		[ "$name" = "?" ] && continue
		if ! grep -q "$name" "$man"; then
			echo "$arr: '$name' is not in the man page" >&2
			exit 1
		fi
		n=$((n + 1))
	done
done
i=0
for name in $(names lh_edge_kind_names); do
	if [ $i -gt 0 ] && ! grep -q "^$i	$name	" "$man"; then
		echo "edge kind $i '$name' is not in the man page's table" >&2
		exit 1
	fi
	i=$((i + 1))
	n=$((n + 1))
done
test "$i" -eq "$(sed -n 's/.*LH_E_COUNT *= *\([0-9]*\).*/\1/p' "$h")"
for tag in HEADER OBJECT ROOT WATCH END; do
	num=$(sed -n "s/.*LH_REC_$tag *= *\([0-9]*\).*/\1/p" "$h")
	grep -q "tag $num)" "$man"
done
grep -q '^#define LH_MAGIC  *"\\x89LHSNAP\\n"' "$h"
grep -q '89 4c 48 53 4e 41 50 0a' "$man"
grep -q '^#define LH_FORMAT_VERSION  *1$' "$h"
grep -q 'The format version, 1\.' "$man"
grep -q '^#define LH_FRAME_MAX  *(1u << 20)' "$h"
grep -q '1048576' "$man"
echo "$n names agree"
