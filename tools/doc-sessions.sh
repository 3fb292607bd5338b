#!/bin/sh
# doc-sessions.sh IOMMULAB DOC...: the documentation's examples are tests.
#
# In each Markdown DOC, every fenced block whose info string is one of
# these runs, and the test fails unless it runs exactly as shown:
#
#   ```lab-session   a shell session. `root@iommulab:DIR# CMD` (the
#                    interactive prompt: DIR is checked too) or `$ CMD`
#                    lines are commands, the lines under each its output,
#                    `...` any lines, `#` a comment, `#!` a scenario header
#                    (docs/scenarios.md). A first line `$ iommulab boot
#                    [PLATFORM] [--cmdline ARGS]` (or ./build/iommulab)
#                    boots that way; the lines under it are the boot log.
#                    Run as a transcript by `iommulab run`: must exit 0.
#   ```lab-script    a plain script (one command a line, no output):
#                    `iommulab run` must exit 0.
#   ```lab-help      lines that `iommulab --help` prints, in that order.
#   ```lab-host      host commands from the top of the source tree: `$ CMD`
#                    lines (./build/ stands for IOMMULAB's folder), each
#                    followed by exactly what it prints (stdout and stderr).
#
# A .lab DOC is run as it is; `--escape` before it says the run must exit
# 1 through an isolation escape alone, every check passing (the tour's
# deliberate stale-IOTLB escape).
#
# Failures name the document's own file:line. PLATFORM paths are relative
# to the top of the source tree, where the README's commands run.
lab=$1; shift
[ -n "$lab" ] && [ $# -gt 0 ] || { echo "usage: doc-sessions.sh IOMMULAB [--escape] DOC..." >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0; blocks=0

# run_block DOC FIRSTLINE KIND: runs $tmp/b.lab, mapping its lines back through $tmp/b.map.
run_block() {
	doc=$1; at=$2; kind=$3
	blocks=$((blocks + 1))
	"$lab" run "$tmp/b.lab" >"$tmp/out" 2>&1
	st=$?
	if [ $st -ne 0 ]; then
		echo "$doc:$at: $kind block failed (iommulab run exit status $st):"
		awk -v t="$tmp/b.lab" -v d="$doc" 'NR == FNR { m[FNR] = $0; next }
			{ out = ""; s = $0
			  while ((i = index(s, t ":")) > 0 && substr(s, i + length(t) + 1, 1) ~ /[0-9]/) {
				r = substr(s, i + length(t) + 1); n = r + 0
				out = out substr(s, 1, i - 1) d ":" m[n]; s = substr(r, length(n "") + 1)
			  }
			  out = out s; gsub(t, d, out); print out }' "$tmp/b.map" "$tmp/out"
		fail=$((fail + 1))
	fi
}

# help_block DOC FIRSTLINE: $tmp/b.lab's lines must appear, in order and together, in --help.
help_block() {
	blocks=$((blocks + 1))
	"$lab" --help >"$tmp/help" 2>&1
	if ! awk 'NR == FNR { want[++n] = $0; next }
		  { got[++m] = $0 }
		  END { for (s = 0; s + n <= m; s++) { for (i = 1; i <= n && got[s + i] == want[i]; i++);
			  if (i > n) exit 0 }
			exit 1 }' "$tmp/b.lab" "$tmp/help"; then
		echo "$1:$2: lab-help block is not what 'iommulab --help' prints:"
		diff -u "$tmp/b.lab" "$tmp/help" | sed 1,2d
		fail=$((fail + 1))
	fi
}

# host_block DOC FIRSTLINE: `$ CMD` lines of $tmp/b.lab run by sh, outputs compared.
# Sessions (`iommulab up`) live in a private $XDG_RUNTIME_DIR, so a block may
# use the default name and never meets another run's session; one a failed
# block left up is ended after it.
host_block() {
	blocks=$((blocks + 1))
	bin=$(cd "$(dirname "$lab")" && pwd)
	: >"$tmp/want"; : >"$tmp/got"
	rm -rf "$tmp/run"; mkdir -m 700 "$tmp/run"
	while IFS= read -r l; do
		case $l in
		'$ '*)
			c=${l#\$ }
			echo "$l" >>"$tmp/want"; echo "$l" >>"$tmp/got"
			# ASan's once-per-process notes on swapcontext (QEMU's coroutines
			# under the ASan build's shim) are not the command's output.
			(cd "$top" && unset IOMMULAB_SESSION && export XDG_RUNTIME_DIR="$tmp/run" &&
				eval "$(echo "$c" | sed "s|\./build/|$bin/|g")") 2>&1 </dev/null |
				grep -v -E "^==[0-9]+==WARNING: ASan (doesn't fully support makecontext/swapcontext|is ignoring requested __asan_handle_no_return)|^False positive error reports may follow$|^For details see https://github.com/google/sanitizers/issues/189$" >>"$tmp/got" ;;
		*) echo "$l" >>"$tmp/want" ;;
		esac
	done <"$tmp/b.lab"
	for d in "$tmp/run/iommulab"/*; do
		[ -S "$d/sock" ] && XDG_RUNTIME_DIR="$tmp/run" "$lab" down --name "${d##*/}" >/dev/null 2>&1
	done
	if ! cmp -s "$tmp/want" "$tmp/got"; then
		echo "$1:$2: lab-host block does not print what it shows:"
		diff -u "$tmp/want" "$tmp/got" | sed 1,2d
		fail=$((fail + 1))
	fi
}

doc_md() {
	doc=$1
	# Split DOC into blocks: b<N>.lab, b<N>.map (doc line of each line), b<N>.kind.
	rm -f "$tmp"/b[0-9]*
	awk -v dir="$tmp" -v top="$top" -v q="'" '
	function emit(s, n) { print s > lab; print n > map }
	function boot(s, n,    cmd, plat) {
		sub(/^\$ (\.\/build\/)?iommulab boot */, "", s)
		if (match(s, /--cmdline "[^"]*"/) || match(s, "--cmdline " q "[^" q "]*" q)) {
			cmd = substr(s, RSTART + 11, RLENGTH - 12)
			s = substr(s, 1, RSTART - 1) substr(s, RSTART + RLENGTH)
		} else if (match(s, /--cmdline [^ ]+/)) {
			cmd = substr(s, RSTART + 10, RLENGTH - 10)
			s = substr(s, 1, RSTART - 1) substr(s, RSTART + RLENGTH)
		}
		gsub(/^ +| +$/, "", s); plat = s
		if (plat != "") emit("#! platform " (plat ~ /^\// ? plat : top "/" plat), n)
		if (cmd != "") emit("#! cmdline " cmd, n)
		emit("$ dmesg", n)
	}
	!kind && /^```lab-(session|script|help|host) *$/ {
		kind = substr($0, 8); gsub(/ /, "", kind); nb++; first = 1
		lab = dir "/b" nb ".lab"; map = dir "/b" nb ".map"
		print kind " " NR > (dir "/b" nb ".kind")
		next
	}
	kind && /^``` *$/ { close(lab); close(map); kind = ""; next }
	!kind { next }
	kind == "session" && first && /^\$ (\.\/build\/)?iommulab boot( |$)/ { boot($0, NR); first = 0; next }
	kind == "session" && /^root@iommulab:[^#]*#( |$)/ {
		d = $0; sub(/^root@iommulab:/, "", d); sub(/#.*/, "", d)
		c = $0; sub(/^root@iommulab:[^#]*# ?/, "", c)
		emit("$ pwd", NR); emit(d, NR)
		if (c != "") emit("$ " c, NR)
		first = 0; next
	}
	{ emit($0, NR); first = 0 }
	' "$doc"
	for k in "$tmp"/b[0-9]*.kind; do
		[ -f "$k" ] || continue
		b=${k%.kind}
		read -r kind at <"$k"
		if [ -f "$b.lab" ]; then mv "$b.lab" "$tmp/b.lab"; else : >"$tmp/b.lab"; fi
		if [ -f "$b.map" ]; then mv "$b.map" "$tmp/b.map"; else : >"$tmp/b.map"; fi
		if [ "$kind" = help ]; then
			help_block "$doc" "$at"
		elif [ "$kind" = host ]; then
			host_block "$doc" "$at"
		else
			run_block "$doc" "$at" "lab-$kind"
		fi
	done
}

escape=0
for doc in "$@"; do
	case $doc in
	--escape) escape=1; continue ;;
	*.md) doc_md "$doc" ;;
	*)
		blocks=$((blocks + 1))
		"$lab" run --echo "$doc" >"$tmp/out" 2>&1
		st=$?
		if [ $escape -eq 1 ]; then
			if [ $st -ne 1 ] || grep -q 'checks failed$' "$tmp/out" ||
			   ! grep -q 'isolation escape(s) detected' "$tmp/out"; then
				cat "$tmp/out"
				echo "$doc: wanted exit status 1 from the oracle's escape alone, got $st"
				fail=$((fail + 1))
			fi
		elif [ $st -ne 0 ]; then
			cat "$tmp/out"
			echo "$doc: iommulab run exit status $st"
			fail=$((fail + 1))
		fi
		;;
	esac
	escape=0
done
echo "doc-sessions: $blocks blocks, $fail failed"
[ $blocks -gt 0 ] && [ $fail -eq 0 ]
