#!/bin/sh
# A session stays consistent whatever its clients do: a client killed in
# the middle of its work, a client that never closes its files, two
# sessions at once that do not see each other, `iommulab down` while
# clients run (they end; the report is complete), every command's --help.
#   session-robust.sh IOMMULAB
. "$(dirname "$0")/lib.sh"
need bash python3 timeout
D=/sys/bus/platform/devices/a001000.dma

# Two sessions: what one binds, the other does not see.
up one
up two
X1() { "$IOMMULAB" exec --name one -- "$@" 2>&1; }
X2() { "$IOMMULAB" exec --name two -- "$@" 2>&1; }
got=$(X1 bash -c "echo a001000.dma > $D/driver/unbind; [ -e $D/driver ] || echo one: unbound")
check "session one unbinds" "one: unbound" "$got"
got=$(X2 bash -c "basename \$(readlink $D/driver)")
check "session two still bound" "dma-copy" "$got"

# Clients at once: 4 programs, 50 rebinds each, on different devices.
got=$(X1 bash -c '
for dev in a000000.dma a002000.dma a003000.dma; do
	( for i in $(seq 50); do
		echo $dev > /sys/bus/platform/drivers/dma-copy/unbind &&
		echo $dev > /sys/bus/platform/drivers/dma-copy/bind || echo "$dev: $i failed"
	done ) &
done
( for i in $(seq 200); do cat /sys/bus/platform/devices/*/uevent >/dev/null || echo read failed; done ) &
wait
for dev in a000000.dma a002000.dma a003000.dma; do basename $(readlink /sys/bus/platform/devices/$dev/driver); done')
check "concurrent clients" "dma-copy
dma-copy
dma-copy" "$got"

# A client killed mid-operation (SIGKILL in a loop of reads and writes),
# and one that never closes its files: the server carries on.
X1 python3 -c "
import os
fds = [os.open('$D/uevent', os.O_RDONLY) for _ in range(100)]
os.kill(os.getpid(), 9)
"
"$IOMMULAB" exec --name one -- bash -c "while :; do echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind; echo a000000.dma > /sys/bus/platform/drivers/dma-copy/bind; done" 2>/dev/null &
loop=$!
sleep 0.5
kill -9 $loop
wait $loop 2>/dev/null
got=$(X1 bash -c "echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind 2>/dev/null; echo a000000.dma > /sys/bus/platform/drivers/dma-copy/bind; basename \$(readlink /sys/bus/platform/devices/a000000.dma/driver); head -1 $D/uevent")
check "consistent after killed clients" "dma-copy
OF_NAME=dma" "$got"
got=$(printf 'ls /sys/bus/platform/drivers/dma-copy\nexit 3\n' | "$IOMMULAB" shell --name one; echo "status $?")
check "the lab's shell on the server's kernel" "a000000.dma
a002000.dma
a003000.dma
bind
uevent
unbind
status 3" "$got"

# down while clients run: they end, the report is complete.
"$IOMMULAB" exec --name one -- sleep 1000 &
sleeper=$!
"$IOMMULAB" exec --name one -- bash -c "while :; do cat $D/uevent >/dev/null; done" &
reader=$!
sleep 0.3
# The report's counts depend on how far the clients got: N for the numbers.
got=$("$IOMMULAB" down --name one; echo "status $?")
got=$(printf '%s\n' "$got" | sed -E 's/^oracle: [0-9]+ DMA pages checked: [0-9]+ ok,/oracle: N DMA pages checked: N ok,/')
check "down with clients running" "isolation escapes: 0
oracle: N DMA pages checked: N ok, 0 escapes (0 stale), 0 lazy, 0 unisolated, 0 faults
status 0" "$got"
wait $sleeper
s1=$?
wait $reader
s2=$?
check "its clients ended by SIGTERM" "143 143" "$s1 $s2"
got=$("$IOMMULAB" exec --name one -- true 2>&1; echo "status $?")
check "no session after down" "iommulab: no session at $XDG_RUNTIME_DIR/iommulab/one (start one with 'iommulab up')
status 2" "$got"
got=$(X2 bash -c "basename \$(readlink $D/driver)")
check "session two unaffected" "dma-copy" "$got"
got=$("$IOMMULAB" up --name two 2>&1; echo "status $?")
check "up twice" "iommulab: session $XDG_RUNTIME_DIR/iommulab/two is already up (server pid $(cat "$XDG_RUNTIME_DIR/iommulab/two/pid"))
status 2" "$got"
# A session named by its directory: up's hints name that directory, so
# the commands they show reach it (not $XDG_RUNTIME_DIR/iommulab/lab).
mkdir "$XDG_RUNTIME_DIR/by-path"
P=$XDG_RUNTIME_DIR/by-path/lab
got=$("$IOMMULAB" up --name "$P" | tail -n 3)
sessions="$sessions $P"
check "up --name DIR: the hints" "  iommulab exec --name $P -- PROGRAM [ARGS...]   run a program in it
  iommulab shell --name $P                      the lab's shell
  iommulab down --name $P                       end it, print the oracle's report" "$got"
got=$("$IOMMULAB" exec --name "$P" -- cat $D/driver_override 2>&1)
check "exec --name DIR" "(null)" "$got"

got=$(grep -c "fuse.sysfs" /proc/self/mountinfo)
check "no host mounts" "0" "$got"

for c in up exec shell down; do
	out=$("$IOMMULAB" $c --help) || { echo "FAIL: $c --help exit status"; failed=1; }
	first=$(printf '%s\n' "$out" | head -1)
	check "$c --help" "usage: iommulab $c" "$(printf '%s' "$first" | cut -d' ' -f1-3)"
done
finish
