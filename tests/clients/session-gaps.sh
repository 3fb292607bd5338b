#!/bin/sh
# What a vfio-pci program and a shell see as on Linux, in a session and
# in-process (docs/sessions.md): an ioeventfd's write done when the
# eventfd is written, nothing else done to the device.
#   session-gaps.sh IOMMULAB CLIENT SETUP
. "$(dirname "$0")/lib.sh"
client=$1 setup=$2
BDF=0000:06:01.0

want="ioeventfd: copy started by the eventfd, interrupt taken, bytes checked
status 0"
got=$(timeout 60 "$IOMMULAB" preload --setup "$setup" -- "$client" ioeventfd $BDF 2>&1; echo "status $?")
check "ioeventfd in-process" "$want" "$got"

up gaps
got=$(grep -v '^#' "$setup" | "$IOMMULAB" shell --name gaps 2>&1; echo "status $?")
check "setup in the session" "status 0" "$got"
got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" ioeventfd $BDF 2>&1; echo "status $?")
check "ioeventfd in a session" "$want" "$got"
finish
