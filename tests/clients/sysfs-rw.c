/*
 * sysfs-rw: a plain C program, linked statically by the session tests (no
 * libc of the host's, no shim: only the kernel's filesystem reaches it).
 *   sysfs-rw write PATH VALUE    one write(2); "PATH: ERRNO-TEXT" on failure
 *   sysfs-rw read PATH           the file's text
 *   sysfs-rw link PATH           the symlink's target
 *   sysfs-rw pread PATH OFFSET N N bytes at OFFSET, in hex
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc >= 4 && !strcmp(argv[1], "write")) {
		fd = open(argv[2], O_WRONLY);
		if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0) {
			printf("%s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return close(fd) ? 1 : 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "read")) {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			printf("%s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		return n < 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "link")) {
		n = readlink(argv[2], buf, sizeof(buf) - 1);
		if (n < 0) {
			printf("%s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		buf[n] = 0;
		printf("%s\n", buf);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "pread")) {
		size_t want = strtoul(argv[4], NULL, 0);
		fd = open(argv[2], O_RDONLY);
		if (fd < 0 || want > sizeof(buf)) {
			printf("%s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		n = pread(fd, buf, want, strtol(argv[3], NULL, 0));
		for (ssize_t i = 0; i < n; i++)
			printf("%02x", (unsigned char)buf[i]);
		printf("\n");
		return n < 0;
	}
	fprintf(stderr, "usage: sysfs-rw write|read|link|pread PATH [...]\n");
	return 2;
}
