/*
 * iommulab: the public API.
 *
 * Boot an emulated ARM platform with the lab's kernel on it, run shell
 * commands against it (the same verbs the `iommulab` command offers), run
 * scenario files, and shut it down. One lab exists per process at a time.
 *
 * Errors are small negative codes (LAB_ERR_*), in the style of libfdt;
 * lab_strerror() names them, and the calls that can fail for a reason worth
 * reading also fill a caller's message buffer with one line.
 */
#ifndef IOMMULAB_LAB_H
#define IOMMULAB_LAB_H

#include <stddef.h>
#include <stdio.h>

#ifndef LAB_API
#define LAB_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum lab_error {
	LAB_OK = 0,
	LAB_ERR_NOTFOUND = -1,     /* a platform or script file does not exist */
	LAB_ERR_BADPLATFORM = -2,  /* the platform does not parse or has no machine */
	LAB_ERR_BADSCRIPT = -3,    /* the scenario does not parse */
	LAB_ERR_BOOT = -4,         /* the kernel failed to boot on the machine */
	LAB_ERR_STATE = -5,        /* booted twice, or not booted */
	LAB_ERR_NOMEM = -6,
	LAB_ERR_USAGE = -7,        /* a bad argument to the API */
};

/* Exit statuses of lab_run_script() and of the iommulab command. */
enum lab_status {
	LAB_EXIT_OK = 0,
	LAB_EXIT_FAILED = 1,       /* a failed expectation (or an isolation escape) */
	LAB_EXIT_USAGE = 2,        /* bad usage or bad input */
};

/* A name for an LAB_ERR_* code ("bad platform", ...). */
LAB_API const char *lab_strerror(int err);

/*
 * Boots a platform: @platform is a .dts or .dtb path, or NULL for the
 * built-in platform (iommulab-virt). @cmdline is the kernel command line
 * (NULL: the tree's /chosen/bootargs). Returns LAB_OK or an LAB_ERR_* code
 * with a one-line reason in @msg (may be NULL).
 */
LAB_API int lab_boot(const char *platform, const char *cmdline, char *msg, size_t msglen);
/* The same from a blob already in memory (copied; the caller keeps it). */
LAB_API int lab_boot_blob(const void *fdt, size_t size, const char *cmdline,
			  char *msg, size_t msglen);
/*
 * Tears the lab down; a no-op returning 0 when nothing is booted. The
 * isolation oracle watches the teardown too (a transfer a device still
 * had in flight when its VFIO device closed, a driver's remove): returns
 * the number of escapes it counted over the lab's whole life, teardown
 * included.
 */
LAB_API unsigned long long lab_shutdown(void);
/*
 * The isolation oracle's report on the booted lab, or after lab_shutdown()
 * on the lab shut down last, its teardown included: a line of counters,
 * then one line per escape. Empty after a new boot attempt that failed or
 * before any boot. As snprintf: returns the length the whole report needs.
 */
LAB_API int lab_oracle_report(char *buf, size_t size);

/*
 * Runs one shell line (e.g. "echo a000000.dma > /sys/bus/platform/drivers/
 * dma-copy/unbind") and writes everything it prints, errors included, to
 * @out. Returns the command's exit status as a shell would (0 success, 1
 * failure, 2 usage, 127 unknown command), or LAB_ERR_STATE when not booted.
 * The current directory persists from line to line.
 */
LAB_API int lab_exec(const char *line, FILE *out);

/* lab_run_script() flags. */
enum {
	LAB_RUN_ECHO = 1,          /* print each command as "$ cmd" before its output */
};

/*
 * Runs a scenario file (or standard input for "-"): boots the platform its
 * "#! platform" header names (overridden by @platform when not NULL; the
 * built-in one when neither), with the "#! cmdline" header's command line
 * (overridden by @cmdline), runs it, prints its log and a report of every
 * failed expectation to @out, and shuts the lab down. Returns an exit
 * status: LAB_EXIT_OK, LAB_EXIT_FAILED or LAB_EXIT_USAGE (bad script or
 * platform; the reason is printed to @err).
 */
LAB_API int lab_run_script(const char *path, const char *platform, const char *cmdline,
			   unsigned flags, FILE *out, FILE *err);

/* The shell's current directory ("/sys" after boot). */
LAB_API const char *lab_cwd(void);
/* Non-zero once an "exit" command ran. */
LAB_API int lab_exit_requested(void);

/*
 * The booted machine as its kernel sees it (`iommulab graph`): its IOMMUs,
 * DMA masters with their stream IDs, groups with their default domain and
 * DMA owner, and what is unisolated. @format is "summary" (one line, as
 * make boards prints), "dot" (Graphviz) or "json"; @title names the
 * machine. Returns LAB_OK, LAB_ERR_STATE (not booted), LAB_ERR_USAGE (an
 * unknown format) or LAB_ERR_NOMEM.
 */
LAB_API int lab_graph(const char *format, const char *title, FILE *out);
/*
 * 1 when the platform file (.dts or .dtb) has an enabled master of an
 * enabled IOMMU (`iommus`, `iommu-map`, `mmu-masters`), 0 when not, or an
 * LAB_ERR_* code with a one-line reason in @msg.
 */
LAB_API int lab_platform_uses_iommu(const char *platform, char *msg, size_t msglen);

/*
 * Completion for an interactive shell: candidates for the word @text (a
 * path or a verb when @first_word), as a NULL-terminated malloc'ed array
 * of malloc'ed strings (NULL when none). Directories end in "/".
 */
LAB_API char **lab_complete(const char *text, int first_word);

#ifdef __cplusplus
}
#endif

#endif
