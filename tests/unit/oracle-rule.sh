#!/bin/sh
# oracle-rule.sh DIR: the unit tests in DIR boot and shut down only through
# the helpers that apply the oracle rule (kt_boot*/kt_shutdown in
# kernel_test.h, tu_lab_boot/tu_lab_shutdown in test_util.h), so that no
# test runs without the isolation oracle or ignores an escape. A line that
# must call the kernel or the lab directly says why with "oracle-rule: ok".
dir=${1:?usage: oracle-rule.sh DIR}
bad=$(grep -nE '(^|[^_[:alnum:]])(lab_boot|lab_boot_blob|lab_shutdown|kernel_boot|kernel_shutdown)[[:space:]]*\(' \
	"$dir"/test_*.c | grep -v 'oracle-rule: ok')
if [ -n "$bad" ]; then
	echo "$bad"
	echo "oracle-rule: boot and shut down through kt_boot*/kt_shutdown or tu_lab_boot/tu_lab_shutdown (docs/hacking.md)" >&2
	exit 1
fi
exit 0
