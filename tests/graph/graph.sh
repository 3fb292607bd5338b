#!/bin/sh
# graph.sh IOMMULAB GOLDENDIR: `iommulab graph` on the built-in platform
# against the golden DOT, JSON and summary; SVG through Graphviz's dot
# (a missing dot fails, never skips); --help on stdout with status 0; bad
# usage and a tree that cannot boot exit 2.
lab=${1:?usage: graph.sh IOMMULAB GOLDENDIR}
gold=${2:?usage: graph.sh IOMMULAB GOLDENDIR}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "graph: $*"; fail=1; }

for f in dot json summary; do
	"$lab" graph --format "$f" >"$tmp/out.$f" 2>"$tmp/err" || bad "--format $f: status $?"
	[ -s "$tmp/err" ] && bad "--format $f wrote to stderr: $(cat "$tmp/err")"
	diff -u "$gold/iommulab-virt.$f" "$tmp/out.$f" || bad "--format $f differs from the golden"
done
# The default format is DOT; --output writes the same to a file.
"$lab" graph >"$tmp/default" && cmp -s "$tmp/default" "$gold/iommulab-virt.dot" || bad "default format is not DOT"
"$lab" graph --format json --output "$tmp/o.json" && cmp -s "$tmp/o.json" "$gold/iommulab-virt.json" ||
	bad "--output differs"

command -v dot >/dev/null || bad "dot (Debian's graphviz) is not installed"
"$lab" graph --format svg >"$tmp/out.svg" || bad "--format svg: status $?"
grep -q '<svg' "$tmp/out.svg" || bad "--format svg: no <svg> element"
grep -q 'a002000.dma' "$tmp/out.svg" || bad "--format svg: a002000.dma not drawn"
"$lab" graph --format svg --output "$tmp/o.svg" && grep -q '<svg' "$tmp/o.svg" || bad "--format svg --output"

"$lab" graph --help >"$tmp/help" 2>"$tmp/err"; st=$?
[ $st -eq 0 ] || bad "--help: status $st"
head -n 1 "$tmp/help" | grep -q '^usage: iommulab graph ' || bad "--help: no synopsis on stdout"
[ -s "$tmp/err" ] && bad "--help wrote to stderr"

expect2() {
	"$lab" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?
	[ $st -eq 2 ] || bad "iommulab $*: status $st, wanted 2"
	[ -s "$tmp/err" ] || bad "iommulab $*: no reason on stderr"
}
expect2 graph --format png
expect2 graph --frobnicate
expect2 graph --format
expect2 graph a.dtb b.dtb
expect2 graph "$tmp/no-such.dtb"
printf 'garbage' >"$tmp/garbage.dtb"
expect2 graph --format summary "$tmp/garbage.dtb"
grep -q '^garbage: not booted: ' "$tmp/out" || bad "summary of an unbootable tree: $(cat "$tmp/out")"
# --if-iommu: the built-in platform uses its SMMU, so it is drawn.
"$lab" graph --if-iommu --format summary >"$tmp/out" && cmp -s "$tmp/out" "$gold/iommulab-virt.summary" ||
	bad "--if-iommu skipped the built-in platform"
# No enabled node names an enabled IOMMU: nothing printed, status 0, no boot.
"$lab" graph --if-iommu --format summary "$gold/no-iommu-users.dts" >"$tmp/out" 2>&1; st=$?
[ $st -eq 0 ] && [ ! -s "$tmp/out" ] || bad "--if-iommu on no-iommu-users.dts: status $st, '$(cat "$tmp/out")'"
# Masters left without a group, each with the reason (platforms.summary).
: >"$tmp/platforms"
for p in defer-no-driver smmu-smr2 smmuv3-virt; do
	"$lab" graph --format summary "$gold/../scenarios/platforms/$p.dts" >>"$tmp/platforms" ||
		bad "summary of $p: status $?"
done
diff -u "$gold/platforms.summary" "$tmp/platforms" || bad "platform summaries differ from the golden"
[ $fail -eq 0 ] && echo "graph: golden DOT, JSON and summary, SVG through dot, --help, bad usage"
exit $fail
