#!/bin/sh
# session-bench.sh BUILDDIR: the cost of one sysfs read and one write
# through a session's filesystem (FUSE, the server's kernel thread) and in
# process (`iommulab preload`, the shim). Printed, not asserted.
B=${1:-build}
N=${N:-2000}
export XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-bench.XXXXXX)
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
cat >"$XDG_RUNTIME_DIR/bench.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}
int main(int argc, char **argv)
{
	int n = atoi(argv[1]);
	char buf[4096];
	double t0 = now();
	for (int i = 0; i < n; i++) {
		int fd = open("/sys/bus/platform/devices/a001000.dma/uevent", O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			return 1;
		close(fd);
	}
	double t1 = now();
	for (int i = 0; i < n; i++) {
		int fd = open("/sys/bus/platform/devices/a001000.dma/driver_override", O_WRONLY);
		if (fd < 0 || write(fd, "vfio-platform", 13) != 13)
			return 1;
		close(fd);
	}
	double t2 = now();
	printf("%-28s read %8.1f us   write %8.1f us\n", argv[2], (t1 - t0) / n / 1e3,
	       (t2 - t1) / n / 1e3);
	return 0;
}
C
gcc -O2 -o "$XDG_RUNTIME_DIR/bench" "$XDG_RUNTIME_DIR/bench.c" || exit 1
echo "sysfs open+read+close and open+write+close, $N each (median of nothing: one run):"
IOMMULAB_PRELOAD=$B/libiommulab-preload.so "$B/iommulab" preload -- "$XDG_RUNTIME_DIR/bench" "$N" "in process (preload)"
"$B/iommulab" up --name bench >/dev/null || exit 1
"$B/iommulab" exec --name bench -- "$XDG_RUNTIME_DIR/bench" "$N" "session (FUSE)"
"$B/iommulab" down --name bench >/dev/null
