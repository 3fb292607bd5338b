#!/bin/sh
# What a vfio-pci program and a shell see as on Linux, in a session and
# in-process (docs/sessions.md): an ioeventfd's write done when the
# eventfd is written, nothing else done to the device; /dev/vfio listed
# and stat'ed (bash, coreutils, a static busybox), the host's /dev still
# there around it; a forked child's accesses through a region mapping it
# inherited reach the device after the parent unmapped it; descriptors
# not close-on-exec stay the same files across exec; the memfd behind
# shared anonymous memory goes with its munmap; and across posix_spawn,
# system and popen, with file actions (session-gaps-spawn.c).
#   session-gaps.sh IOMMULAB CLIENT SETUP SPAWN-CLIENT
. "$(dirname "$0")/lib.sh"
client=$1 setup=$2 spawn=$3
BDF=0000:06:01.0
need busybox

want="ioeventfd: copy started by the eventfd, interrupt taken, bytes checked
status 0"
got=$(timeout 60 "$IOMMULAB" preload --setup "$setup" -- "$client" ioeventfd $BDF 2>&1; echo "status $?")
check "ioeventfd in-process" "$want" "$got"
nodes="crw------- fe 9 /dev/vfio/9
crw-rw-rw- a c4 /dev/vfio/vfio"
got=$(timeout 60 "$IOMMULAB" preload --setup "$setup" -- ls /dev/vfio 2>&1; echo "status $?")
check "ls /dev/vfio in-process" "9
vfio
status 0" "$got"
got=$(timeout 60 "$IOMMULAB" preload --setup "$setup" -- stat -c '%A %t %T %n' /dev/vfio/9 /dev/vfio/vfio 2>&1)
check "stat /dev/vfio/* in-process" "$nodes" "$got"

up gaps
got=$(grep -v '^#' "$setup" | "$IOMMULAB" shell --name gaps 2>&1; echo "status $?")
check "setup in the session" "status 0" "$got"
got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" ioeventfd $BDF 2>&1; echo "status $?")
check "ioeventfd in a session" "$want" "$got"

# Alone on the bus behind its PCIe-to-PCI bridge: a bus reset touches it alone.
got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" hotreset $BDF 2>&1; echo "status $?")
check "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO in a session" "hot reset info: 1 affected
  0000:06:01.0 group 9
status 0" "$got"

got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" fork $BDF 2>&1; echo "status $?")
check "a forked child's inherited region mapping" "child: ID 0x444d4143 through the inherited mapping
child: SRC_LO 0x5a5a0000 after its store
parent: child exited 0, SRC_LO 0x5a5a0000 through pread
status 0" "$got"

got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" exec $BDF 2>&1; echo "status $?")
check "descriptors kept across exec" "after exec: container API version 0
after exec: group viable, container set
after exec: device 9 regions, ID 0x444d4143
after exec: the close-on-exec container closed
status 0" "$got"
# posix_spawn, system, popen: what a fork and exec keeps, file actions
# honoured; a program that is not there leaves no reference behind (the
# group, closed, opens again).
got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$spawn" spawn $BDF 2>&1; echo "status $?")
check "descriptors across posix_spawn, system and popen" "inherited:
  fd 7: group viable, container set
dup2 to 10, chdir /:
  in /
  fd 10: group viable, container set
addclose:
  fd 7: Bad file descriptor
addopen of /dev/null over it:
  fd 7: Inappropriate ioctl for device
a close-on-exec dup:
  fd 20: Bad file descriptor
addclosefrom_np 8:
  fd 7: group viable, container set
system:
  fd 7: group viable, container set
popen:
  read:  fd 7: group viable, container set
execv of a missing program: No such file or directory
  fd 7: group viable, container set
after execv: group opens again
posix_spawn of a missing program: No such file or directory
  fd 7: group viable, container set
after posix_spawn: group opens again
posix_spawnp of a missing program: No such file or directory
  fd 7: group viable, container set
after posix_spawnp: group opens again
status 0" "$got"
# A shell hands a descriptor to the program it starts (QEMU's fd=N).
got=$(timeout 60 "$IOMMULAB" exec --name gaps -- bash -c 'exec 7<>/dev/vfio/vfio; "$0" api 7' "$client" 2>&1)
check "a descriptor bash opened, in the program it starts" "fd 7: VFIO API version 0" "$got"

# A forged hand-over (this pid, a ticket, descriptor 0 as the "socket") is
# refused before anything is closed: the program keeps its stdin.
got=$(echo hello | timeout 60 "$IOMMULAB" exec --name gaps -- \
	sh -c 'exec env IOMMULAB_EXEC_FILES=$$:1:0: sh -c "read x; echo got \$x"' 2>&1)
check "a forged IOMMULAB_EXEC_FILES closes nothing" "got hello" "$got"

got=$(timeout 60 "$IOMMULAB" exec --name gaps -- "$client" memfd 2>&1; echo "status $?")
check "shared anonymous memory's memfd closed at munmap" "mapped: 1 memfd(s)
unmapped: 0 memfd(s)
status 0" "$got"

got=$("$IOMMULAB" exec --name gaps -- bash -c 'ls /dev/vfio; stat -c "%A %t %T %n" /dev/vfio/*
test -e /dev/vfio/vfio && echo "vfio: there"; test -d /dev/vfio && echo "a folder"
echo x >/dev/null && echo "/dev/null: written"; test -c /dev/zero && echo "/dev/zero: there"' 2>&1)
check "ls, stat, test on /dev/vfio in a session (bash, coreutils)" "9
vfio
$nodes
vfio: there
a folder
/dev/null: written
/dev/zero: there" "$got"
got=$("$IOMMULAB" exec --name gaps -- busybox ls /dev/vfio 2>&1; echo "status $?")
check "ls /dev/vfio, a static binary" "9
vfio
status 0" "$got"
# A device handed back to its driver: its group's node goes, as on Linux.
got=$("$IOMMULAB" exec --name gaps -- sh -c 'echo 0000:06:01.0 > /sys/bus/pci/drivers/vfio-pci/unbind
ls /dev/vfio' 2>&1)
check "the group's node gone after unbind" "vfio" "$got"
finish
