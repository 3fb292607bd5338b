/*
 * sysfs writes: each input is a run of records [u16 file][u8 len][len
 * bytes], each one write(2) of those bytes to one of the lab's writable
 * sysfs files (listed once from a booted lab), in a fresh lab per input.
 * Bad values get Linux's errno and change nothing; nothing may crash,
 * leak or let a device escape. lab_skip_tlbi, a test hook, is left out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "iommulab/fd.h"
#include "fuzz_util.h"

static char **files;
static size_t nr_files;

struct names {
	char **v;
	unsigned char *type;
	size_t n;
};

/* lab_listdir holds the lab's lock while it calls back: only collect here. */
static int collect(void *opaque, const char *name, unsigned char type)
{
	struct names *ns = opaque;

	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;

	ns->v = realloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->type = realloc(ns->type, ns->n + 1);
	ns->v[ns->n] = strdup(name);
	ns->type[ns->n++] = type;
	return 0;
}

static void walk(const char *dir)
{
	struct names ns = { 0 };
	char path[1024];
	struct stat st;

	lab_listdir(dir, collect, &ns);
	for (size_t i = 0; i < ns.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ns.v[i]);
		if (ns.type[i] == DT_DIR) {
			if (strlen(path) < 200)
				walk(path);
		} else if (ns.type[i] == DT_REG && !lab_stat(path, &st) && (st.st_mode & 0222) &&
			   !strstr(path, "lab_skip_tlbi")) {
			files = realloc(files, (nr_files + 1) * sizeof(*files));
			files[nr_files++] = strdup(path);
		}
		free(ns.v[i]);
	}
	free(ns.v);
	free(ns.type);
}

static void list_files(void)
{
	fuzz_boot("");
	walk("/sys");
	fuzz_shutdown();
	if (!nr_files)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!files)
		list_files();
	fuzz_boot("");
	for (size_t at = 0; at + 3 <= size;) {
		const char *path = files[(data[at] | data[at + 1] << 8) % nr_files];
		size_t len = data[at + 2];

		at += 3;
		if (len > size - at)
			len = size - at;
		int fd = lab_open(path, O_WRONLY, 0);
		if (fd >= 0) {
			lab_write(fd, data + at, len);
			lab_close(fd);
		}
		at += len;
	}
	fuzz_shutdown();
	return 0;
}
