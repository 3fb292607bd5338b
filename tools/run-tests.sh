#!/bin/sh
# run-tests.sh BUILDDIR...: runs every meson test in each build dir and ends
# with one line summed over all of them: "N passed, N failed".
pass=0; fail=0; rc=0
for b in "$@"; do
	echo "== tests in $b"
	meson test -C "$b" --print-errorlogs --num-processes 2 || rc=1
	j="$b/meson-logs/testlog.json"
	if [ -f "$j" ]; then
		p=$(grep -c '"result": "OK"' "$j")
		f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$j")
		pass=$((pass + p)); fail=$((fail + f))
	fi
done
[ $rc -ne 0 ] && [ $fail -eq 0 ] && fail=1
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
