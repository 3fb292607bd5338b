#!/bin/sh
# One session, five kinds of program: bash (builtins and external
# commands), dash, python3 and a static binary each bind and unbind a
# device through the session's /sys and read back what the others did;
# a refused write gives Linux's errno in each.
#   session-langs.sh IOMMULAB SRCDIR
. "$(dirname "$0")/lib.sh"
SRC=$1
need bash dash python3 gcc
STATIC="$XDG_RUNTIME_DIR/sysfs-rw"
gcc -static -O2 -o "$STATIC" "$SRC/sysfs-rw.c" || { echo "FAIL: gcc -static (libc6-dev's libc.a)"; exit 1; }
file_type=$(od -An -tx1 -j16 -N2 "$STATIC" | tr -d ' ')
[ "$file_type" = 0200 ] || { echo "FAIL: $STATIC is not a static executable"; exit 1; }
up langs
X() { "$IOMMULAB" exec --name langs -- "$@" 2>&1; }
D=/sys/bus/platform/devices/a001000.dma

# bash's builtin echo unbinds; dash sees it and sets the override.
got=$(X bash -c "echo a001000.dma > $D/driver/unbind; echo \$?")
check "bash builtin unbind" "0" "$got"
got=$(X dash -c "[ -e $D/driver ] || echo unbound; modprobe vfio-platform && echo vfio-platform > $D/driver_override; echo \$?")
check "dash sees it, loads vfio-platform, sets driver_override" "unbound
0" "$got"
# python3 reads the override and probes; the static binary reads the link.
got=$(X python3 -c "
import os
d = '$D'
print(open(d + '/driver_override').read(), end='')
with open('/sys/bus/platform/drivers_probe', 'w') as f:
    f.write('a001000.dma')
print(os.path.basename(os.readlink(d + '/driver')))
")
check "python3 reads it, probes" "vfio-platform
vfio-platform" "$got"
got=$(X "$STATIC" link $D/driver)
check "static binary reads the link" "../../../../bus/platform/drivers/vfio-platform" "$got"
# The static binary unbinds; bash's external echo clears the override and probes.
got=$(X "$STATIC" write /sys/bus/platform/drivers/vfio-platform/unbind a001000.dma; echo $?)
check "static binary unbinds" "0" "$got"
got=$(X bash -c "/bin/echo > $D/driver_override && /bin/echo a001000.dma > /sys/bus/platform/drivers_probe; echo \$?; readlink $D/driver")
check "bash external commands rebind" "0
../../../../bus/platform/drivers/dma-copy" "$got"
got=$(X python3 -c "import os; print(os.path.basename(os.readlink('$D/driver')))")
check "python3 sees dma-copy" "dma-copy" "$got"

# Refused writes: Linux's errno, as each program reports it.
got=$(X bash -c "echo nosuch.dev > /sys/bus/platform/drivers/dma-copy/bind; echo \$?")
check "bash: ENODEV" "bash: line 1: echo: write error: No such device
1" "$got"
got=$(X dash -c "echo a001000.dma > /sys/bus/platform/drivers/dma-copy/bind; echo \$?")
check "dash: EBUSY (bound already)" "dash: 1: echo: echo: I/O error
1" "$got"
got=$(X python3 -c "
import errno, os
def write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    except OSError as e:
        print(errno.errorcode[e.errno])
    os.close(fd)
write('/sys/bus/platform/drivers/dma-copy/bind', 'nosuch.dev')
write('$D/driver_override', 'x' * 5000)
try:
    open('/sys/bus/platform/drivers_probe', 'r')
except OSError as e:
    print(errno.errorcode[e.errno])
")
check "python3: ENODEV, EINVAL, EACCES" "ENODEV
EINVAL
EACCES" "$got"
got=$(X "$STATIC" write /sys/bus/platform/drivers/dma-copy/unbind nosuch.dev)
check "static binary: ENODEV" "/sys/bus/platform/drivers/dma-copy/unbind: No such device" "$got"
got=$(X bash -c "mkdir /sys/foo; touch /sys/bus/new; rm $D/uevent" 2>&1)
check "sysfs takes no new files" "mkdir: cannot create directory '/sys/foo': Operation not permitted
touch: cannot touch '/sys/bus/new': Permission denied
rm: cannot remove '$D/uevent': Operation not permitted" "$got"

# Modes, links and binary files as Linux's.
got=$(X bash -c "cd $D && stat -c '%A %n' driver_override uevent driver iommu_group subsystem of_node/compatible && readlink subsystem")
check "modes and links" "-rw-r--r-- driver_override
-rw-r--r-- uevent
lrwxrwxrwx driver
lrwxrwxrwx iommu_group
lrwxrwxrwx subsystem
-r--r--r-- of_node/compatible
../../../../bus/platform" "$got"
got=$(X "$STATIC" pread $D/of_node/compatible 9 8)
check "a binary file read at an offset" "646d612d636f7079" "$got"
finish
