/*
 * The public API (include/iommulab/lab.h): one lab per process, a machine
 * from a device tree, the kernel booted on it, the isolation oracle
 * watching, and the shell wired to the kernel's sysfs, modules and log.
 */
#include "iommulab/lab.h"
#include "iommulab/fd.h"

/* src/uapi/vfio_verb.c */
void lab_vfio_reset(void);

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "check/invariants.h"
#include "kernel/base/kalloc.h"
#include "check/oracle.h"
#include "common/dt.h"
#include "common/memparse.h"
#include "hw/machine.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/nvme.h"
#include "kernel/pci/pci.h"
#include "kernel/kernel.h"
#include "graph.h"
#include "scenario.h"
#include "shell.h"

/* The built-in platform, linked in from platforms/ (see embed.sh). */
extern const char lab_platform_virt_start[], lab_platform_virt_end[];

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define LAB_SEED 1

static struct {
	bool booted;
	struct machine *m;
	struct shell sh;
	u64 last_escapes;		/* the oracle's figures of the lab shut down last */
	char *last_report;
} lab;

static void set_msg(char *msg, size_t msglen, const char *fmt, ...) __printf(3, 4);

static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

const char *lab_strerror(int err)
{
	switch (err) {
	case LAB_OK: return "success";
	case LAB_ERR_NOTFOUND: return "file not found";
	case LAB_ERR_BADPLATFORM: return "bad platform";
	case LAB_ERR_BADSCRIPT: return "bad script";
	case LAB_ERR_BOOT: return "boot failed";
	case LAB_ERR_STATE: return "wrong state (already booted, or not booted)";
	case LAB_ERR_NOMEM: return "out of memory";
	case LAB_ERR_USAGE: return "bad argument";
	}
	return "unknown error";
}

/* ---- the shell's view of the kernel ------------------------------------ */

/* The shell's filesystem is "/" holding "sys"; everything else is sysfs. */
static bool is_root(const char *path)
{
	return path[0] == '/' && path[strspn(path, "/")] == '\0';
}

static int k_stat(const char *path, struct sysfs_stat *st)
{
	if (is_root(path)) {
		*st = (struct sysfs_stat){ SYSFS_DIR, 0755 };
		return 0;
	}
	return sysfs_stat(path, st);
}

static int k_lstat(const char *path, struct sysfs_stat *st)
{
	if (is_root(path))
		return k_stat(path, st);
	return sysfs_lstat(path, st);
}

static ssize_t k_read(const char *path, char *buf, size_t size)
{
	return is_root(path) ? -EISDIR : sysfs_read(path, buf, size);
}

static ssize_t k_write(const char *path, const char *buf, size_t len)
{
	ssize_t ret;

	if (is_root(path))
		return -EISDIR;
	ret = sysfs_write(path, buf, len);
	kernel_run_pending();
	return ret;
}

static ssize_t k_readlink(const char *path, char *buf, size_t size)
{
	return is_root(path) ? -EINVAL : sysfs_readlink(path, buf, size);
}

static int k_realpath(const char *path, char *buf, size_t size)
{
	if (is_root(path)) {
		snprintf(buf, size, "/");
		return 0;
	}
	return sysfs_realpath(path, buf, size);
}

static int k_readdir(const char *path,
		     int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		     void *opaque)
{
	if (is_root(path)) {
		struct sysfs_stat st = { SYSFS_DIR, 0555 };
		fn(opaque, "sys", &st);
		return 0;
	}
	return sysfs_readdir(path, fn, opaque);
}

static int k_modprobe(const char *name, const char *params)
{
	int ret = kernel_modprobe(name, params);
	kernel_run_pending();
	return ret;
}

static int k_rmmod(const char *name)
{
	int ret = kernel_rmmod(name);
	kernel_run_pending();
	return ret;
}

static const char *k_dmesg(size_t *len)
{
	return dmesg_text(len);
}

static void k_dmesg_clear(void)
{
	dmesg_clear();
}

static void k_sleep(u64 ns)
{
	kernel_sleep(ns);
}

static int k_dmatest(const char *dev, size_t len, char *msg, size_t msglen)
{
	return dma_copy_test(dev, len, msg, msglen);
}

/*
 * The bus master of device @dev: the kernel device of that name gives its
 * master identity (dev_master_id: the DT node of a platform device, later
 * segment and requester ID of a PCI function), which names the machine's
 * master (hw_master_by_id).
 */
static struct hw_dma_master *master_of(const char *dev, char *msg, size_t msglen, int *err)
{
	static const struct { const char *name; struct bus_type *bus; } buses[] = {
		{ "platform", &platform_bus_type }, { "amba", &amba_bustype },
		{ "pci", &pci_bus_type },
	};
	char path[512], name[256];
	struct device *kdev = NULL;
	struct sysfs_stat st;
	bool found = false;

	*err = -ENODEV;
	for (size_t i = 0; i < ARRAY_SIZE(buses) && !found; i++) {
		snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s", buses[i].name, dev);
		found = strchr(dev, '/') == NULL && sysfs_stat(path, &st) == 0;
		if (found)
			kdev = bus_find_device_by_name(buses[i].bus, dev);
	}
	if (!found) {
		set_msg(msg, msglen, "No such device");
		return NULL;
	}
	struct master_id id = dev_master_id(kdev);
	if (id.bus == MASTER_BUS_NONE) {
		set_msg(msg, msglen, "no device-tree node");
		return NULL;
	}
	struct hw_dma_master *master = hw_master_by_id(lab.m, &id);
	if (!master) {
		master_id_name(&id, machine_fdt(lab.m), name, sizeof(name));
		set_msg(msg, msglen, "%s is not a bus master", name);
	}
	return master;
}

static int k_dma(const char *dev, bool write, u64 addr, size_t len, u32 fill, unsigned width,
		 char *msg, size_t msglen)
{
	int err;
	struct hw_dma_master *master = master_of(dev, msg, msglen, &err);
	struct hw_route route = { .sid = 0 };
	u8 *buf;

	if (!master)
		return err;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0, len);
	for (size_t i = 0; write && i < len; i++)
		buf[i] = (u8)(fill >> (8 * (i % width)));
	/* The stream ID its fabric gives the master's first stream, for the output. */
	hw_master_route(master, 0, addr, write ? HW_WRITE : HW_READ, &route);
	int ret = hw_dma(lab.m, master, addr, buf, len, write ? HW_WRITE : HW_READ);
	const char *verdict = oracle_verdict_name(oracle_last_verdict());
	int n = snprintf(msg, msglen, "%s %zu bytes at 0x%llx (stream 0x%x): %s", write ? "write" : "read",
			 len, (unsigned long long)addr, route.sid, ret ? "faulted" : "ok");
	if (n >= 0 && (size_t)n < msglen)
		n += snprintf(msg + n, msglen - n, " [oracle: %s]", verdict);
	if (!ret && !write) {
		for (size_t i = 0; i < len && i < 16 && n >= 0 && (size_t)n < msglen; i++)
			n += snprintf(msg + n, msglen - n, "%s%02x", i ? " " : ": ", buf[i]);
	}
	free(buf);
	kernel_run_pending();
	return ret ? -EFAULT : 0;
}

static ssize_t k_pwrite(const char *path, const char *buf, size_t len, u64 off)
{
	ssize_t ret;

	if (is_root(path))
		return -EISDIR;
	ret = sysfs_pwrite(path, buf, len, off);
	kernel_run_pending();
	return ret;
}

/* A one-node blob describing the function to hot add (as a DT child would). */
static int hotadd_blob(const char *compat, char *blob, size_t size)
{
	int ret = fdt_create_empty_tree(blob, (int)size);
	int node;

	if (ret)
		return -EINVAL;
	node = fdt_add_subnode(blob, 0, "dev");
	if (node < 0 || fdt_setprop_string(blob, node, "compatible", compat))
		return -EINVAL;
	return node;
}

static int k_pci_hotplug(bool add, unsigned seg, unsigned bus, unsigned devfn,
			 const char *compat, char *msg, size_t msglen)
{
	char blob[1024];
	int ret, node;

	if (!add) {
		ret = hw_pci_surprise_remove(lab.m, (u16)seg, (u16)(bus << 8 | devfn));
		if (!ret)
			ret = pciehp_unconfigure_device((int)seg, (u16)(bus << 8 | devfn));
		kernel_run_pending();
		return ret;
	}
	node = hotadd_blob(compat, blob, sizeof(blob));
	if (node < 0)
		return node;
	ret = hw_pci_hot_add(lab.m, (u16)seg, (u8)bus, (u8)devfn, blob, node, msg, msglen);
	if (!ret)
		ret = pciehp_configure_device((int)seg, bus);
	kernel_run_pending();
	return ret;
}

/* hexdump -C: 16 bytes a line, a run of equal lines as one '*'. */
static void hexdump(FILE *o, const u8 *p, size_t len)
{
	bool starred = false;

	for (size_t off = 0; off < len; off += 16) {
		size_t n = MIN((size_t)16, len - off);

		if (off && n == 16 && !memcmp(p + off, p + off - 16, 16)) {
			if (!starred)
				fprintf(o, "*\n");
			starred = true;
			continue;
		}
		starred = false;
		fprintf(o, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', o);
			if (i < n)
				fprintf(o, " %02x", p[off + i]);
			else
				fprintf(o, "   ");
		}
		fprintf(o, "  |");
		for (size_t i = 0; i < n; i++)
			fputc(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.', o);
		fprintf(o, "|\n");
	}
	fprintf(o, "%08zx\n", len);
}

static bool parse_num(const char *s, u64 *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

/*
 * nvme id DEV | nvme read DEV LBA COUNT | nvme write DEV LBA COUNT PATTERN
 * (PATTERN's bytes repeated over the blocks).
 */
static int k_nvme(int argc, char **argv, FILE *o, char *msg, size_t msglen)
{
	u64 lba, count;
	u32 lba_size;
	size_t len;
	u8 *buf;
	int ret;

	if (argc < 3)
		return -EINVAL;
	if (!strcmp(argv[1], "id") && argc == 3) {
		ret = nvme_lab_info(argv[2], NULL, msg, msglen);
		if (!ret)
			fprintf(o, "%s\n", msg);
		return ret;
	}
	bool write = !strcmp(argv[1], "write");
	if ((!write && strcmp(argv[1], "read")) || argc != (write ? 6 : 5) ||
	    !parse_num(argv[3], &lba) || !parse_num(argv[4], &count) || count > 0xffffffffull ||
	    (write && !argv[5][0]))
		return -EINVAL;
	ret = nvme_lab_info(argv[2], &lba_size, msg, msglen);
	if (ret)
		return ret;
	if (!count || count > NVME_MAX_BYTES / lba_size) {
		snprintf(msg, msglen, "%s: COUNT must be 1 to %u blocks", argv[2],
			 NVME_MAX_BYTES / lba_size);
		return -EINVAL;
	}
	len = (size_t)count * lba_size;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0, n = write ? strlen(argv[5]) : 0; write && i < len; i++)
		buf[i] = (u8)argv[5][i % n];
	ret = nvme_lab_io(argv[2], write, lba, (u32)count, buf, &len, msg, msglen);
	if (!ret) {
		fprintf(o, "%s\n", msg);
		/* The first 256 bytes, as `hexdump -C` shows them; then how many were left out. */
		if (!write)
			hexdump(o, buf, MIN(len, (size_t)256));
		if (!write && len > 256)
			fprintf(o, "(%zu more bytes)\n", len - 256);
	}
	free(buf);
	kernel_run_pending();
	return ret;
}

static const struct shell_ops kernel_ops = {
	.stat = k_stat, .lstat = k_lstat, .read = k_read, .write = k_write,
	.readlink = k_readlink, .realpath = k_realpath, .readdir = k_readdir,
	.modprobe = k_modprobe, .rmmod = k_rmmod, .dmesg = k_dmesg,
	.dmesg_clear = k_dmesg_clear, .sleep = k_sleep, .dmatest = k_dmatest, .dma = k_dma,
	.invariants = invariants_check, .fail_nth = kalloc_fail_nth,
	.pwrite = k_pwrite, .pci_hotplug = k_pci_hotplug,
	.nvme = k_nvme,
};

/* ---- boot and shutdown ------------------------------------------------- */

/* Forgets the oracle's figures of the lab shut down last. */
static void last_oracle_clear(void)
{
	free(lab.last_report);
	lab.last_report = NULL;
	lab.last_escapes = 0;
}

/*
 * The bootloader's reading of the command line: the last `mem=` (as the
 * kernel's early_param takes the last) sizes RAM where the tree leaves it
 * open. The machine is built before the kernel runs, so this is the only
 * way the value reaches it; the kernel reads `mem=` again as its limit.
 */
static u64 cmdline_mem(const char *cmdline)
{
	u64 mem = 0;

	for (const char *p = cmdline; p && *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "mem=", 4))
			mem = memparse(p + 4, NULL);
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return mem;
}

/* The kernel's first error line during a boot: why a failed boot failed. */
static void boot_err_sink(void *opaque, int level, const char *line)
{
	char *last = opaque;

	const char *text = line[0] == '[' && strstr(line, "] ") ? strstr(line, "] ") + 2 : line;

	if (level <= LOGLEVEL_ERR && !last[0])
		snprintf(last, 200, "%s", text);
}

int lab_boot_blob(const void *fdt, size_t size, const char *cmdline, char *msg, size_t msglen)
{
	struct machine_firmware fw = { .mem_size = cmdline_mem(cmdline) };
	char last_err[200] = "";
	char why[256] = "";
	int ret;

	if (lab.booted) {
		set_msg(msg, msglen, "a lab is already booted");
		return LAB_ERR_STATE;
	}
	if (!fdt) {
		set_msg(msg, msglen, "no device tree");
		return LAB_ERR_USAGE;
	}
	last_oracle_clear();
	ret = machine_create_fw(fdt, size, LAB_SEED, &fw, &lab.m, why, sizeof(why));
	if (ret == -ENOMEM) {
		set_msg(msg, msglen, "out of memory");
		return LAB_ERR_NOMEM;
	}
	if (ret) {
		set_msg(msg, msglen, "%s", why[0] ? why : strerror(-ret));
		return LAB_ERR_BADPLATFORM;
	}
	ret = oracle_attach(lab.m);
	printk_set_sink(boot_err_sink, last_err);
	if (!ret)
		ret = kernel_boot(lab.m, cmdline);
	printk_set_sink(NULL, NULL);
	if (ret) {
		size_t l = strlen(last_err);

		while (l && last_err[l - 1] == '\n')
			last_err[--l] = 0;
		if (last_err[0])
			set_msg(msg, msglen, "kernel boot failed: %s", last_err);
		else
			set_msg(msg, msglen, "kernel boot failed: %s", strerror(-ret));
		kernel_shutdown();
		oracle_detach();
		machine_destroy(lab.m);
		lab.m = NULL;
		return LAB_ERR_BOOT;
	}
	kernel_run_pending();
	shell_init(&lab.sh, &kernel_ops);
	strcpy(lab.sh.cwd, "/sys");
	lab.booted = true;
	return LAB_OK;
}

int lab_boot(const char *platform, const char *cmdline, char *msg, size_t msglen)
{
	char why[256] = "";
	void *blob = NULL;
	size_t size;
	int ret;

	if (!platform)
		return lab_boot_blob(lab_platform_virt_start,
				     (size_t)(lab_platform_virt_end - lab_platform_virt_start),
				     cmdline, msg, msglen);
	ret = dt_load_file(platform, &blob, &size, why, sizeof(why));
	if (ret == -ENOENT) {
		set_msg(msg, msglen, "%s: No such file or directory", platform);
		return LAB_ERR_NOTFOUND;
	}
	if (ret) {
		/* The loader's reason may name the file already: name it once. */
		if (why[0] && strstr(why, platform))
			set_msg(msg, msglen, "%s", why);
		else
			set_msg(msg, msglen, "%s: %s", platform, why[0] ? why : strerror(-ret));
		return ret == -ENOMEM ? LAB_ERR_NOMEM : LAB_ERR_BADPLATFORM;
	}
	ret = lab_boot_blob(blob, size, cmdline, why, sizeof(why));
	if (ret)
		set_msg(msg, msglen, "%s: %s", platform, why);
	free(blob);
	return ret;
}

unsigned long long lab_shutdown(void)
{
	if (!lab.booted)
		return 0;
	/* User-space first: the VFIO verb's session and every lab descriptor. */
	lab_vfio_reset();
	lab_close_all();
	/*
	 * The oracle watches the whole teardown: closing a VFIO device resets
	 * it, and a reset waits for a transfer in flight, which then DMAs;
	 * drivers' remove paths run too. Its figures are kept for
	 * lab_oracle_report() once the kernel is down. machine_destroy drops
	 * the events still pending without running them: no DMA after this.
	 */
	kernel_shutdown();
	last_oracle_clear();
	lab.last_escapes = oracle_escapes();
	int n = oracle_report(NULL, 0);
	lab.last_report = malloc((size_t)n + 1);
	if (lab.last_report)
		oracle_report(lab.last_report, (size_t)n + 1);
	oracle_detach();
	machine_destroy(lab.m);
	lab.m = NULL;
	lab.booted = false;
	return lab.last_escapes;
}

int lab_oracle_report(char *buf, size_t size)
{
	if (lab.booted)
		return oracle_report(buf, size);
	return snprintf(buf, size, "%s", lab.last_report ? lab.last_report : "");
}

/* ---- commands ------------------------------------------------------------ */

/* The errno of the last command's failure (0 if none): the explorer's errno check. */
int lab_last_errno(void)
{
	return lab.booted ? lab.sh.err : 0;
}

int lab_exec(const char *line, FILE *out)
{
	if (!lab.booted)
		return LAB_ERR_STATE;
	if (!line || !out)
		return LAB_ERR_USAGE;
	return shell_exec(&lab.sh, line, out);
}

const char *lab_cwd(void)
{
	return lab.booted ? lab.sh.cwd : "/";
}

int lab_exit_requested(void)
{
	return lab.booted && lab.sh.exit_requested;
}

static char *read_all(FILE *f, size_t *len)
{
	char *text = NULL;
	size_t cap = 0;
	*len = 0;

	for (;;) {
		if (cap - *len < 4096) {
			char *t = realloc(text, cap ? 2 * cap : 8192);
			if (!t) {
				free(text);
				return NULL;
			}
			text = t;
			cap = cap ? 2 * cap : 8192;
		}
		size_t n = fread(text + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	text[*len] = '\0';
	return text;
}

int lab_run_script(const char *path, const char *platform, const char *cmdline,
		   unsigned flags, FILE *out, FILE *err)
{
	struct scenario s;
	char why[512];
	size_t len;
	char *text;
	int failed, ret;

	if (!path || !out || !err)
		return LAB_EXIT_USAGE;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(err, "iommulab: %s: %s\n", path, strerror(errno));
		return LAB_EXIT_USAGE;
	}
	text = read_all(f, &len);
	if (f != stdin)
		fclose(f);
	if (!text || strlen(text) != len) {
		fprintf(err, "iommulab: %s: %s\n", path, text ? "not a text file" : strerror(ENOMEM));
		free(text);
		return LAB_EXIT_USAGE;
	}
	ret = scenario_parse(path, text, &s, why, sizeof(why));
	free(text);
	if (ret) {
		fprintf(err, "iommulab: %s\n", why);
		return LAB_EXIT_USAGE;
	}
	ret = lab_boot(platform ? platform : s.platform, cmdline ? cmdline : s.cmdline,
		       why, sizeof(why));
	if (ret) {
		fprintf(err, "iommulab: %s\n", why);
		scenario_free(&s);
		return LAB_EXIT_USAGE;
	}
	failed = scenario_run(&s, &lab.sh, (flags & LAB_RUN_ECHO) ? SCENARIO_ECHO : 0, out);
	/* Judged after the teardown: DMA still running then counts too. */
	u64 escapes = lab_shutdown();
	if (escapes) {
		char rep[4096];
		lab_oracle_report(rep, sizeof(rep));
		fprintf(out, "%s: isolation escape(s) detected:\n%s", path, rep);
	}
	scenario_free(&s);
	return failed || escapes ? LAB_EXIT_FAILED : LAB_EXIT_OK;
}

/* ---- the graph ---------------------------------------------------------------- */

int lab_graph(const char *format, const char *title, FILE *out)
{
	static const struct { const char *name; enum graph_format fmt; } formats[] = {
		{ "summary", GRAPH_SUMMARY }, { "dot", GRAPH_DOT }, { "json", GRAPH_JSON },
	};

	if (!lab.booted)
		return LAB_ERR_STATE;
	if (!format || !out)
		return LAB_ERR_USAGE;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(format, formats[i].name))
			return graph_print(formats[i].fmt, title ? title : "iommulab-virt", out) ?
			       LAB_ERR_NOMEM : LAB_OK;
	return LAB_ERR_USAGE;
}

int lab_platform_uses_iommu(const char *platform, char *msg, size_t msglen)
{
	char why[256] = "";
	void *blob = NULL;
	size_t size;
	int ret;

	if (!platform)
		return graph_fdt_uses_iommu(lab_platform_virt_start);
	ret = dt_load_file(platform, &blob, &size, why, sizeof(why));
	if (ret) {
		set_msg(msg, msglen, "%s: %s", platform, why[0] ? why : strerror(-ret));
		return ret == -ENOENT ? LAB_ERR_NOTFOUND :
		       ret == -ENOMEM ? LAB_ERR_NOMEM : LAB_ERR_BADPLATFORM;
	}
	ret = graph_fdt_uses_iommu(blob);
	free(blob);
	return ret;
}

/* ---- completion ------------------------------------------------------------ */

struct cands {
	char **v;
	size_t nr, cap;
	const char *dir, *prefix;   /* the word's directory part (as typed) and last component */
	const char *abs_dir;
};

static void cand_add(struct cands *c, char *s)
{
	if (!s)
		return;
	if (c->nr + 2 > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			free(s);
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->nr++] = s;
	c->v[c->nr] = NULL;
}

static int cand_entry(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct cands *c = opaque;
	char child[SHELL_PATH_MAX], *s;
	struct sysfs_stat tst = *st;

	if (strncmp(name, c->prefix, strlen(c->prefix)))
		return 0;
	snprintf(child, sizeof(child), "%s/%s", strcmp(c->abs_dir, "/") ? c->abs_dir : "", name);
	if (st->type == SYSFS_LINK)
		k_stat(child, &tst);
	if (asprintf(&s, "%s%s%s", c->dir, name, tst.type == SYSFS_DIR ? "/" : "") < 0)
		s = NULL;
	cand_add(c, s);
	return 0;
}

char **lab_complete(const char *text, int first_word)
{
	struct cands c = { 0 };
	char dir[SHELL_PATH_MAX], abs[SHELL_PATH_MAX];

	if (!text)
		return NULL;
	if (first_word && !strchr(text, '/')) {
		for (size_t i = 0; shell_verbs[i]; i++)
			if (!strncmp(shell_verbs[i], text, strlen(text)))
				cand_add(&c, strdup(shell_verbs[i]));
		return c.v;
	}
	if (!lab.booted)
		return NULL;
	const char *slash = strrchr(text, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - text + 1) : 0, text);
	c.dir = dir;
	c.prefix = slash ? slash + 1 : text;
	if (dir[0] == '/')
		snprintf(abs, sizeof(abs), "%s", dir);
	else
		snprintf(abs, sizeof(abs), "%s/%s", strcmp(lab.sh.cwd, "/") ? lab.sh.cwd : "", dir);
	size_t n = strlen(abs);
	while (n > 1 && abs[n - 1] == '/')
		abs[--n] = '\0';
	c.abs_dir = abs;
	k_readdir(abs, cand_entry, &c);
	return c.v;
}
