#!/bin/sh
# command-help.sh IOMMULAB: `iommulab COMMAND --help` (and -h) for every
# command prints that command's synopsis first on standard output, nothing
# on standard error, and exits 0; so does `iommulab --help`.
lab=${1:?usage: command-help.sh IOMMULAB}
out=$(mktemp) && err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT
fail=0
check() {
	want=$1; shift
	"$lab" "$@" >"$out" 2>"$err" </dev/null
	st=$?
	first=$(head -n 1 "$out")
	case $first in
	"$want"*) ;;
	*) echo "iommulab $*: first line on stdout: '$first', wanted '$want...'"; fail=1 ;;
	esac
	[ $st -eq 0 ] || { echo "iommulab $*: exit status $st, wanted 0"; fail=1; }
	[ -s "$err" ] && { echo "iommulab $*: wrote to stderr:"; cat "$err"; fail=1; }
}
for cmd in boot run preload graph explore; do
	check "usage: iommulab $cmd " $cmd --help
	check "usage: iommulab $cmd " $cmd -h
done
# After other options too, as GNU tools do.
check "usage: iommulab run " run --echo --help
check "usage: iommulab boot " boot --cmdline quiet --help
check "usage: iommulab preload " preload --cmdline quiet --help
check "usage: iommulab explore " explore --seed 3 --help
check "usage: iommulab boot " --help
[ $fail -eq 0 ] && echo "command-help: every command's --help on stdout, status 0"
exit $fail
