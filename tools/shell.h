/*
 * The lab's shell: the interpreter behind `iommulab boot`, `iommulab run`
 * and lab_exec(). It speaks to the lab through a table of operations, so
 * the same interpreter runs over the real kernel (tools/lab.c) and over a
 * fake tree in its unit tests.
 */
#ifndef LAB_TOOLS_SHELL_H
#define LAB_TOOLS_SHELL_H

#include <stdio.h>
#include "common/types.h"
#include "kernel/base/sysfs.h"

/* What the shell needs from the lab. Paths are absolute ("/sys/..."). */
struct shell_ops {
	int (*stat)(const char *path, struct sysfs_stat *st);
	int (*lstat)(const char *path, struct sysfs_stat *st);
	ssize_t (*read)(const char *path, char *buf, size_t size);
	ssize_t (*write)(const char *path, const char *buf, size_t len);
	ssize_t (*readlink)(const char *path, char *buf, size_t size);
	int (*realpath)(const char *path, char *buf, size_t size);
	int (*readdir)(const char *path,
		       int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		       void *opaque);
	int (*modprobe)(const char *name, const char *params);
	int (*rmmod)(const char *name);
	const char *(*dmesg)(size_t *len);
	void (*dmesg_clear)(void);
	void (*sleep)(u64 ns);
	/* dmatest DEV LEN: 0 and a result line in @msg, or -errno (reason in @msg, may be empty). */
	int (*dmatest)(const char *dev, size_t len, char *msg, size_t msglen);
	/*
	 * dma DEV read|write: 0 when the DMA completed, -EFAULT when it faulted,
	 * other -errno. A write fills with @fill, @width bytes (1 or 4, little
	 * endian) repeated.
	 */
	int (*dma)(const char *dev, bool write, u64 addr, size_t len, u32 fill, unsigned width,
		   char *msg, size_t msglen);
	/* invariants: the number broken, one line each in @buf (NULL: the verb is not offered). */
	int (*invariants)(char *buf, size_t size);
	/* pwrite(2) of a sysfs binary file (setpci on `config`); may be NULL. */
	ssize_t (*pwrite)(const char *path, const char *buf, size_t len, u64 off);
	/*
	 * pci hotadd / surprise-remove: the machine changes (hw_pci_hot_add
	 * with a node of compatible @compat, or hw_pci_surprise_remove), then
	 * the kernel reacts as pciehp would. 0 or -errno (reason in @msg). May be NULL.
	 */
	int (*pci_hotplug)(bool add, unsigned seg, unsigned bus, unsigned devfn,
			   const char *compat, char *msg, size_t msglen);
	/*
	 * nvme id|read|write DEV ...: the kernel nvme driver's blocks
	 * (argv[0] is "nvme"); output to @o, or -errno with the reason in
	 * @msg; -EINVAL with an empty @msg is a usage error.
	 */
	int (*nvme)(int argc, char **argv, FILE *o, char *msg, size_t msglen);
	/*
	 * fail-nth N CMD...: the Nth kernel allocation from now fails (0
	 * disarms), as Linux's /proc/thread-self/fail-nth. May be NULL.
	 */
	void (*fail_nth)(unsigned long n);
};

/*
 * Twice PATH_MAX: a word of PATH_MAX bytes or more still reaches sysfs
 * whole enough to be refused there with ENAMETOOLONG, as getname() does.
 */
#define SHELL_PATH_MAX 8192

struct shell {
	const struct shell_ops *ops;
	char cwd[SHELL_PATH_MAX];
	int err;          /* errno of the last command's failure, 0 if none */
	FILE *out;        /* where errors go (the command's stderr) */
	FILE *errs;       /* when set, error lines are copied here too (the runner) */
	bool exit_requested;
};

/* Shell statuses beyond 0/1. */
enum { SHELL_USAGE = 2, SHELL_NOT_FOUND = 127 };

void shell_init(struct shell *sh, const struct shell_ops *ops);
/* Runs one line; output and errors go to @out. Returns the exit status. */
int shell_exec(struct shell *sh, const char *line, FILE *out);

/* NULL when @line splits into words, else the syntax error shell_exec would print. */
const char *shell_syntax_error(const char *line);

/* "ENODEV" -> 19; 0 if unknown. And back (NULL if unknown). */
int shell_errno_by_name(const char *name);
const char *shell_errno_name(int err);

/* The verbs, for help and completion: NULL-terminated. */
extern const char *const shell_verbs[];

#endif
