# Shared by the session tests (sourced): a private session directory, the
# programs a test needs (missing: the test FAILS, it never skips), whole
# output compared with what Linux would print, and no session left behind.
#   $1: the iommulab command; the rest are the test's own arguments.
IOMMULAB=$1
shift
XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-test.XXXXXX) || exit 1
export XDG_RUNTIME_DIR
unset IOMMULAB_SESSION
LC_ALL=C
export LC_ALL
failed=0
sessions=""

cleanup() {
	for s in $sessions; do
		"$IOMMULAB" down --name "$s" >/dev/null 2>&1
	done
	rm -rf "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT

need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 && continue
		echo "FAIL: $p is missing (Debian: make deps installs it)"
		exit 1
	done
}

# up NAME [ARGS...]: a session, torn down at exit.
up() {
	name=$1
	shift
	"$IOMMULAB" up --name "$name" "$@" >/dev/null || { echo "FAIL: up $name"; exit 1; }
	sessions="$sessions $name"
}

# check WHAT EXPECTED ACTUAL: the whole output, or a diff and a failure.
check() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		printf '%s\n' "$2" >"$XDG_RUNTIME_DIR/want"
		printf '%s\n' "$3" >"$XDG_RUNTIME_DIR/got"
		diff -u "$XDG_RUNTIME_DIR/want" "$XDG_RUNTIME_DIR/got" | sed 's/^/    /'
		failed=1
	fi
}

finish() {
	[ $failed -eq 0 ] && echo "all checks passed"
	exit $failed
}

# What dpdk-devbind.py --status prints for the device classes after
# Network, none of which the lab's platforms have: "No 'CLASS' devices
# detected", underlined, a blank line between.
dpdk_no_other_devices() {
	for c in Baseband Crypto DMA Eventdev Mempool Compress 'Misc (rawdev)' Regex; do
		line="No '$c' devices detected"
		printf '\n%s\n%s\n' "$line" "$(printf '%s' "$line" | tr -c '' '=')"
	done
}
