#!/bin/sh
# The vfio-pci example run as a user would run it: in-process under
# `iommulab preload` and under `iommulab exec` in a session, the whole
# output compared both times, then the session's oracle report: the
# copies' DMA judged, no escape, no fault.
#   vfio-pci-dma-copy.sh IOMMULAB PROGRAM SETUP
. "$(dirname "$0")/../tests/clients/lib.sh"
prog=$1 setup=$2
BDF=0000:06:01.0
want="$BDF: group 9, 1de5:0010, class 088000, 9 regions, 5 irq indexes
BAR0: 4096 bytes, mapped with mmap
MSI-X: 1 vector(s), vector 0 on an eventfd
copied 32768 bytes 3 times through the BAR0 mapping, each completion an MSI-X interrupt taken with poll: ok
done
status 0"

got=$(timeout 60 "$IOMMULAB" preload --setup "$setup" -- "$prog" $BDF 2>&1; echo "status $?")
check "in-process (iommulab preload)" "$want" "$got"

up expci
got=$(grep -v '^#' "$setup" | "$IOMMULAB" shell --name expci 2>&1; echo "status $?")
check "setup in the session" "status 0" "$got"
got=$(timeout 60 "$IOMMULAB" exec --name expci -- "$prog" $BDF 2>&1; echo "status $?")
check "in a session (iommulab exec)" "$want" "$got"
# The device is still vfio-pci's, the program gone: a second run works too.
got=$(timeout 60 "$IOMMULAB" exec --name expci -- "$prog" $BDF 2>&1; echo "status $?")
check "a second run in the session" "$want" "$got"

report=$("$IOMMULAB" down --name expci)
status=$?
sessions=""
got=$(printf '%s\n' "$report" | sed -E 's/^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok,/oracle: N DMA pages checked: N ok,/'; echo "status $status")
check "iommulab down: the copies judged, no escape, no fault" "isolation escapes: 0
oracle: N DMA pages checked: N ok, 0 escapes (0 stale), 0 lazy, 0 unisolated, 0 faults
status 0" "$got"
finish
