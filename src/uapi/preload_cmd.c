/*
 * `iommulab preload [--platform P] [--cmdline ARGS] [--setup SCRIPT] -- PROG ARGS...`:
 * runs PROG with libiommulab-preload.so, which boots the lab inside it.
 * The command passes its options through the environment the shim reads
 * (IOMMULAB_PLATFORM, IOMMULAB_CMDLINE, IOMMULAB_SETUP) and finds the shim
 * next to its own executable unless IOMMULAB_PRELOAD names it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/types.h"

LAB_API int lab_preload_main(int argc, char **argv);

static const char synopsis[] =
	"usage: iommulab preload [--platform PLATFORM] [--cmdline ARGS] [--setup SCRIPT] -- PROGRAM [ARGS...]\n";

static int usage(void)
{
	fprintf(stderr, "%sTry 'iommulab preload --help' for more information.\n", synopsis);
	return 2;
}

/* `iommulab preload --help`: on standard output, status 0, as every command's. */
static int help(void)
{
	fputs(synopsis, stdout);
	fputs("\n"
	      "Run PROGRAM with libiommulab-preload.so, which boots the lab inside it:\n"
	      "/dev/vfio and /sys are the lab's, everything else the host's. Exit\n"
	      "status: PROGRAM's; before PROGRAM starts, 2 for bad usage, a platform\n"
	      "that does not boot or a failing --setup line, 127 PROGRAM not found,\n"
	      "126 PROGRAM cannot be run. Details: docs/uapi.md.\n"
	      "\n"
	      "  --platform PLATFORM a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	      "  --cmdline ARGS      the kernel command line, one quoted string\n"
	      "  --setup SCRIPT      shell commands to run before PROGRAM starts\n"
	      "  IOMMULAB_PRELOAD    environment: the shim's path, if not next to iommulab\n", stdout);
	return 0;
}

static int find_shim(char *buf, size_t size)
{
	const char *env = getenv("IOMMULAB_PRELOAD");
	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	if (strlen(self) + sizeof("/libiommulab-preload.so") > size)
		return -ENAMETOOLONG;
	strcpy(buf, self);
	strcat(buf, "/libiommulab-preload.so");
	return access(buf, R_OK) ? -ENOENT : 0;
}

/* Absolute paths: the program may change directory before the shim reads them. */
static int set_path_env(const char *name, const char *path)
{
	char abs[PATH_MAX];
	if (!realpath(path, abs)) {
		fprintf(stderr, "iommulab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return setenv(name, abs, 1);
}

/*
 * A sanitizer build of the shim needs the sanitizer runtime loaded before
 * it: when this command runs with ASan, its runtime goes first in LD_PRELOAD.
 */
static const char *asan_runtime(void)
{
	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "__asan_init");
	if (!sym || !dladdr(sym, &info) || !info.dli_fname || !strstr(info.dli_fname, ".so"))
		return NULL;
	return info.dli_fname;
}

int lab_preload_main(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return help();
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--platform")) {
			if (set_path_env("IOMMULAB_PLATFORM", argv[++i]))
				return 2;
		} else if (!strcmp(argv[i], "--setup")) {
			if (set_path_env("IOMMULAB_SETUP", argv[++i]))
				return 2;
		} else if (!strcmp(argv[i], "--cmdline")) {
			setenv("IOMMULAB_CMDLINE", argv[++i], 1);
		} else {
			return usage();
		}
	}
	if (i >= argc)
		return usage();
	char shim[PATH_MAX];
	if (find_shim(shim, sizeof(shim))) {
		fprintf(stderr, "iommulab: cannot find libiommulab-preload.so (set IOMMULAB_PRELOAD)\n");
		return 2;
	}
	const char *old = getenv("LD_PRELOAD");
	const char *asan = asan_runtime();
	char *pre;
	if (asprintf(&pre, "%s%s%s%s%s", asan ? asan : "", asan ? ":" : "", shim,
		     old && *old ? ":" : "", old ? old : "") < 0)
		return 2;
	setenv("LD_PRELOAD", pre, 1);
	free(pre);
	/*
	 * The lab is the program's own: a session's name in the environment
	 * (exported to pick one, or inherited under `iommulab exec`) would put
	 * the shim in session-client mode, where /sys is the host's.
	 */
	unsetenv("IOMMULAB_SESSION");
	execvp(argv[i], &argv[i]);
	fprintf(stderr, "iommulab: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
