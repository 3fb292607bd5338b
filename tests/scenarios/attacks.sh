#!/bin/sh
# attacks.sh IOMMULAB: `iommulab attacks` (docs/attacks.md).
# - the matrix is tests/scenarios/attacks-matrix.txt, exactly: both tables,
#   the platform-bus attacks and the PCI ones (attack-pci*.dts);
# - every cell of `--json` replays: `attacks --scenario A C`, saved next to
#   a platforms/ folder as in tests/scenarios/, runs with `iommulab run`
#   and exits with the cell's replay_status (1 for an escape, through the
#   escape alone: no failed check), and its last line names the verdict;
# - `attacks --help` on stdout, status 0; bad usage status 2.
lab=${1:?usage: attacks.sh IOMMULAB}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
"$lab" attacks >"$tmp/matrix" 2>&1 || { echo "attacks: exit status $?"; fail=1; }
diff -u "$here/attacks-matrix.txt" "$tmp/matrix" || { echo "attacks: matrix differs"; fail=1; }

mkdir "$tmp/platforms" && cp "$here"/platforms/attack-*.dts "$tmp/platforms/"
"$lab" attacks --json >"$tmp/json" || { echo "attacks --json: exit status $?"; fail=1; }
cells=0
while IFS= read -r line; do
	a=$(echo "$line" | sed -n 's/.*"attack":"\([^"]*\)".*/\1/p')
	c=$(echo "$line" | sed -n 's/.*"config":"\([^"]*\)".*/\1/p')
	v=$(echo "$line" | sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p')
	want=$(echo "$line" | sed -n 's/.*"replay_status":\([0-9]*\).*/\1/p')
	cells=$((cells + 1))
	"$lab" attacks --scenario "$a" "$c" >"$tmp/cell.lab" || { echo "$a $c: --scenario failed"; fail=1; continue; }
	tail -n 1 "$tmp/cell.lab" | grep -qx "# verdict: $v" || { echo "$a $c: scenario does not end in verdict $v"; fail=1; }
	"$lab" run "$tmp/cell.lab" >"$tmp/out" 2>&1
	st=$?
	if [ "$st" != "$want" ] || grep -q 'checks failed' "$tmp/out"; then
		echo "$a $c ($v): replay exit status $st, wanted $want:"; cat "$tmp/out"; fail=1
	fi
	if [ "$want" = 1 ] && ! grep -q 'oracle: ESCAPE' "$tmp/out"; then
		echo "$a $c: exit 1 without the oracle's escape"; fail=1
	fi
done <"$tmp/json"
[ $cells -eq 50 ] || { echo "attacks --json: $cells cells, wanted 50"; fail=1; }

# --pci-platform: the PCI cells on a platform file; the scenario names it.
"$lab" attacks --pci-platform "$here/platforms/attack-pci-noacs.dts" --scenario p2p-no-acs no-acs \
	>"$tmp/cell.lab" || { echo "attacks --pci-platform: exit status $?"; fail=1; }
head -n 1 "$tmp/cell.lab" | grep -qx "#! platform $here/platforms/attack-pci-noacs.dts" &&
	tail -n 1 "$tmp/cell.lab" | grep -qx '# verdict: escape' ||
	{ echo "attacks --pci-platform: not the platform's escape:"; cat "$tmp/cell.lab"; fail=1; }

"$lab" attacks --help >"$tmp/out" 2>"$tmp/err"; st=$?
head -n 1 "$tmp/out" | grep -q '^usage: iommulab attacks ' && [ $st -eq 0 ] && [ ! -s "$tmp/err" ] ||
	{ echo "attacks --help: status $st, or not the usage on stdout"; fail=1; }
bad() {
	"$lab" attacks "$@" >"$tmp/out" 2>"$tmp/err"; st=$?
	[ $st -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q '^iommulab: attacks: ' "$tmp/err" ||
		{ echo "attacks $*: status $st, wanted 2 and a message on stderr"; fail=1; }
}
bad --frobnicate
bad extra
bad --platform
bad --scenario rogue-write
bad --scenario no-such default
bad --scenario rogue-write no-such
bad --scenario p2p-no-acs default
bad --scenario rogue-write acs
bad --pci-platform
bad --json --scenario rogue-write default
[ $fail -eq 0 ] && echo "attacks: matrix, $cells cell replays, help and usage ok"
exit $fail
