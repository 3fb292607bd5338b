/*
 * The explorer's op table: each kind of operation a user, a driver or a
 * device can perform, how to generate one from the platform's vocabulary,
 * and the errno values Linux can return for it. A kind is one entry; the
 * PCI core's user operations are one ("pci"), weighted only on a platform
 * with PCI functions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "kernel/base/sysfs.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- vocabulary --------------------------------------------------------- */

struct name_list {
	char (*names)[EX_NAME];
	unsigned *n;
};

static int add_name(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct name_list *l = opaque;

	if (st->type != SYSFS_DIR && st->type != SYSFS_LINK)
		return 0;
	if (*l->n < EX_NAMES && strlen(name) < EX_NAME)
		snprintf(l->names[(*l->n)++], EX_NAME, "%s", name);
	return 0;
}

static int count_entry(void *opaque, const char *name, const struct sysfs_stat *st)
{
	(*(unsigned *)opaque)++;
	return 0;
}

static void add_unique(char (*names)[EX_NAME], unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return;
	if (*n < EX_NAMES)
		snprintf(names[(*n)++], EX_NAME, "%s", name);
}

/* The devices in an IOMMU group first, and the drivers they are bound to. */
static void vocab_order(struct ex_vocab *v, char (*all)[EX_NAME], unsigned nall,
			char (*drvs)[EX_NAME], unsigned ndrvs)
{
	char path[512], target[512];

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < nall; i++) {
			snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", all[i]);
			bool grouped = sysfs_readlink(path, target, sizeof(target)) >= 0;
			if (grouped != (pass == 0))
				continue;
			add_unique(v->devs, &v->ndevs, all[i]);
			v->dev_group[v->ndevs - 1] = -1;
			if (!grouped)
				continue;
			ssize_t g = sysfs_readlink(path, target, sizeof(target) - 1);
			target[g > 0 ? g : 0] = '\0';
			v->dev_group[v->ndevs - 1] = g > 0 ? atoi(strrchr(target, '/') ? strrchr(target, '/') + 1 : target) : -1;
			v->ngrouped = v->ndevs;
			snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", all[i]);
			ssize_t n = sysfs_readlink(path, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				add_unique(v->drvs, &v->ndrvs, strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
			}
		}
		if (pass == 0)
			v->nhot = v->ndrvs;
	}
	for (unsigned i = 0; i < ndrvs; i++)
		add_unique(v->drvs, &v->ndrvs, drvs[i]);
}

/* PCI functions, endpoints first (a port's pcieport binding is not what a user hands over). */
static void vocab_pci(struct ex_vocab *v)
{
	static char all[EX_NAMES][EX_NAME];
	unsigned nall = 0;
	struct name_list devs = { all, &nall }, drvs = { v->pdrvs, &v->npdrvs };
	char path[512], target[512];

	sysfs_readdir("/sys/bus/pci/devices", add_name, &devs);
	sysfs_readdir("/sys/bus/pci/drivers", add_name, &drvs);
	if (!nall)
		return;
	add_unique(v->pdrvs, &v->npdrvs, "vfio-pci");
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < nall; i++) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", all[i]);
			ssize_t n = sysfs_readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			bool port = n > 0 && strstr(target, "/pcieport");
			if (port == (pass == 0))
				continue;
			add_unique(v->pdevs, &v->npdevs, all[i]);
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", all[i]);
			n = sysfs_readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			v->pdev_group[v->npdevs - 1] = n > 0 && strrchr(target, '/') ?
						       atoi(strrchr(target, '/') + 1) : -1;
		}
		if (pass == 0)
			v->nendpoints = v->npdevs;
	}
}

void ex_vocab_read(struct ex_vocab *v)
{
	static char all[EX_NAMES][EX_NAME], drv_all[EX_NAMES][EX_NAME];
	unsigned nall = 0, ndrv = 0;
	struct name_list devs = { all, &nall }, drvs = { drv_all, &ndrv };

	memset(v, 0, sizeof(*v));
	sysfs_readdir("/sys/bus/platform/devices", add_name, &devs);
	sysfs_readdir("/sys/bus/platform/drivers", add_name, &drvs);
	/* Loadable drivers are not registered before their module loads. */
	add_unique(v->drvs, &v->ndrvs, "vfio-platform");
	vocab_order(v, all, nall, drv_all, ndrv);
#define LAB_MODULE(n, b, i, e, p, d, m) add_unique(v->mods, &v->nmods, n);
#include "kernel/base/modules.def"
#undef LAB_MODULE
	sysfs_readdir("/sys/kernel/iommu_groups", count_entry, &v->ngroups);
	vocab_pci(v);
}

/* ---- generators ------------------------------------------------------------ */

static const char *pick(struct ex_rng *r, const char (*names)[EX_NAME], unsigned n)
{
	return n ? names[ex_below(r, n)] : "none";
}

/* Mostly among the first @hot names (the ones that matter for isolation), sometimes any. */
static const char *pick_hot(struct ex_rng *r, const char (*names)[EX_NAME], unsigned hot, unsigned n)
{
	return hot && ex_below(r, 8) ? names[ex_below(r, hot)] : pick(r, names, n);
}

/*
 * A run's new operations favour one device and its group (v->focus), so
 * that the several steps of one story (override, unbind, bind to VFIO,
 * open the group, attach it, map, DMA) come together often enough.
 */
static const char *dev_pick(struct ex_rng *r, const struct ex_vocab *v)
{
	if (v->focus >= 0 && ex_below(r, 4))
		return v->devs[v->focus];
	return pick_hot(r, v->devs, v->ngrouped, v->ndevs);
}

#define DEV(r, v) dev_pick(r, v)
#define DRV(r, v) pick_hot(r, (v)->drvs, (v)->nhot, (v)->ndrvs)

static unsigned group(struct ex_rng *r, const struct ex_vocab *v)
{
	if (v->focus >= 0 && v->dev_group[v->focus] >= 0 && ex_below(r, 4))
		return (unsigned)v->dev_group[v->focus];
	return ex_below(r, v->ngroups + 1);
}

static void gen_bind(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	snprintf(l, n, "echo %s > /sys/bus/platform/drivers/%s/bind", DEV(r, v), DRV(r, v));
}

static void gen_unbind(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	const char *d = DEV(r, v);

	snprintf(l, n, "echo %s > /sys/bus/platform/devices/%s/driver/unbind", d, d);
}

static void gen_override(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	const char *d = DEV(r, v);

	if (ex_below(r, 3) == 0)
		snprintf(l, n, "echo > /sys/bus/platform/devices/%s/driver_override", d);
	else
		snprintf(l, n, "echo %s > /sys/bus/platform/devices/%s/driver_override",
			 ex_below(r, 2) ? "vfio-platform" : DRV(r, v), d);
}

static void gen_drivers_probe(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	snprintf(l, n, "echo %s > /sys/bus/platform/drivers_probe", DEV(r, v));
}

static void gen_modprobe(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	snprintf(l, n, "modprobe %s", pick(r, v->mods, v->nmods));
}

static void gen_rmmod(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	snprintf(l, n, "rmmod %s", pick(r, v->mods, v->nmods));
}

static void gen_group_type(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	static const char *const types[] = { "DMA", "DMA-FQ", "identity", "auto" };

	snprintf(l, n, "echo %s > /sys/kernel/iommu_groups/%u/type", types[ex_below(r, 4)],
		 group(r, v));
}

static const u64 iovas[] = { 0x100000, 0x200000, 0xfffff000, 0xffffe000 };

static void gen_vfio(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	switch (ex_below(r, 12)) {
	case 0: snprintf(l, n, "vfio container"); break;
	case 1: snprintf(l, n, "vfio group %u", group(r, v)); break;
	case 2: snprintf(l, n, "vfio set-container %u", group(r, v)); break;
	case 3: snprintf(l, n, "vfio unset-container %u", group(r, v)); break;
	case 4: snprintf(l, n, "vfio set-iommu type1v2"); break;
	case 5: snprintf(l, n, "vfio map 0x%llx 0x1000", (unsigned long long)iovas[ex_below(r, 4)]); break;
	case 6: snprintf(l, n, "vfio unmap 0x%llx 0x1000", (unsigned long long)iovas[ex_below(r, 4)]); break;
	case 7: snprintf(l, n, "vfio device %s", DEV(r, v)); break;
	case 8: snprintf(l, n, "vfio close device %s", DEV(r, v)); break;
	case 9: snprintf(l, n, "vfio close group %u", group(r, v)); break;
	case 10: snprintf(l, n, "vfio close container"); break;
	default: snprintf(l, n, "vfio reset %s", DEV(r, v)); break;
	}
}

/* A master: a platform device, or now and then a PCI endpoint (whose DMA also fires an MSI). */
static const char *master(struct ex_rng *r, const struct ex_vocab *v)
{
	if (v->nendpoints && !ex_below(r, 4))
		return v->pdevs[ex_below(r, v->nendpoints)];
	return DEV(r, v);
}

static void gen_dmatest(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	snprintf(l, n, "dmatest %s", master(r, v));
}

/* Rogue DMA: any master, to an IOVA someone may have mapped, or straight at RAM. */
static void gen_dma(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	static const u64 ram[] = { 0x40000000, 0x40100000 };
	u64 addr = ex_below(r, 4) ? iovas[ex_below(r, 4)] : ram[ex_below(r, 2)];

	snprintf(l, n, "dma %s %s 0x%llx 16", master(r, v), ex_below(r, 3) ? "write" : "read",
		 (unsigned long long)addr);
}

/* Virtual time: a flush-queue timeout (10 ms), a second, the deferred-probe timeout (10 s). */
static void gen_sleep(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	static const char *const t[] = { "0.02", "1", "11" };

	snprintf(l, n, "sleep %s", t[ex_below(r, 3)]);
}

/*
 * The PCI core's user operations (docs/explore.md): bind, unbind,
 * driver_override, drivers_probe, remove a function, rescan the buses,
 * drivers_autoprobe off and on.
 */
static void gen_pci(struct ex_rng *r, const struct ex_vocab *v, char *l, size_t n)
{
	const char *f = pick_hot(r, v->pdevs, v->nendpoints, v->npdevs);
	const char *sys = "/sys/bus/pci";

	switch (ex_below(r, 9)) {
	case 0: snprintf(l, n, "echo %s > %s/drivers/%s/bind", f, sys, pick(r, v->pdrvs, v->npdrvs)); break;
	case 1: snprintf(l, n, "echo %s > %s/devices/%s/driver/unbind", f, sys, f); break;
	case 2: snprintf(l, n, "echo vfio-pci > %s/devices/%s/driver_override", sys, f); break;
	case 3: snprintf(l, n, "echo %s > %s/devices/%s/driver_override",
			 pick(r, v->pdrvs, v->npdrvs), sys, f); break;
	case 4: snprintf(l, n, "echo > %s/devices/%s/driver_override", sys, f); break;
	case 5: snprintf(l, n, "echo %s > %s/drivers_probe", f, sys); break;
	case 6: snprintf(l, n, "echo 1 > %s/devices/%s/remove", sys, f); break;
	case 7: snprintf(l, n, "echo 1 > %s/rescan", sys); break;
	default: snprintf(l, n, "echo %u > %s/drivers_autoprobe", ex_below(r, 2), sys); break;
	}
}

/* ---- stories: the several steps a user takes as one ------------------------ */

/*
 * Some states need a short story of steps that only make sense together:
 * handing a group to VFIO (load vfio-platform, then for each member set
 * driver_override, unbind, reprobe), opening it in a container with an
 * IOMMU set, mapping a buffer and letting the device DMA to the IOVA it
 * was given (or, after the unmap, still DMA to it), or changing a group's domain type (which wants its drivers
 * unbound first). Generated one operation at a time their odds are tiny;
 * a story emits them in order, each still its own line (its own errno
 * table, its own step for the shrinker to drop).
 */
enum { K_BIND, K_UNBIND, K_OVERRIDE, K_PROBE, K_MODPROBE, K_RMMOD, K_TYPE, K_VFIO, K_DMATEST,
       K_DMA, K_SLEEP, K_STORY, K_FAIL_NTH, K_PCI };

struct story {
	struct ex_op *ops;
	int n, room;
};

static void emit(struct story *s, unsigned kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit(struct story *s, unsigned kind, const char *fmt, ...)
{
	va_list ap;

	if (s->n >= s->room)
		return;
	s->ops[s->n].kind = (unsigned short)kind;
	va_start(ap, fmt);
	vsnprintf(s->ops[s->n].line, sizeof(s->ops[0].line), fmt, ap);
	va_end(ap);
	s->n++;
}

/* The story's device: the focus, else any device in a group. */
static int story_dev(struct ex_rng *r, const struct ex_vocab *v)
{
	if (v->focus >= 0)
		return v->focus;
	return v->ngrouped ? (int)ex_below(r, v->ngrouped) : -1;
}

static void story_to_vfio(struct story *s, const struct ex_vocab *v, int g)
{
	emit(s, K_MODPROBE, "modprobe vfio-platform");
	for (unsigned i = 0; i < v->ngrouped; i++) {
		const char *d = v->devs[i];
		if (v->dev_group[i] != g)
			continue;
		emit(s, K_OVERRIDE, "echo vfio-platform > /sys/bus/platform/devices/%s/driver_override", d);
		emit(s, K_UNBIND, "echo %s > /sys/bus/platform/devices/%s/driver/unbind", d, d);
		emit(s, K_PROBE, "echo %s > /sys/bus/platform/drivers_probe", d);
	}
}

static void story_open(struct story *s, int g)
{
	emit(s, K_VFIO, "vfio container");
	emit(s, K_VFIO, "vfio group %d", g);
	emit(s, K_VFIO, "vfio set-container %d", g);
	emit(s, K_VFIO, "vfio set-iommu type1v2");
}

static void story_type(struct ex_rng *r, struct story *s, const struct ex_vocab *v, int g)
{
	static const char *const types[] = { "DMA", "DMA-FQ", "identity", "auto" };

	for (unsigned i = 0; i < v->ngrouped; i++)
		if (v->dev_group[i] == g)
			emit(s, K_UNBIND, "echo %s > /sys/bus/platform/devices/%s/driver/unbind",
			     v->devs[i], v->devs[i]);
	emit(s, K_TYPE, "echo %s > /sys/kernel/iommu_groups/%d/type", types[ex_below(r, 4)], g);
}

/* driverctl's set-override, or a user's: vfio-pci for one function, then a reprobe. */
static void story_pci_to_vfio(struct ex_rng *r, struct story *s, const struct ex_vocab *v)
{
	const char *f = pick_hot(r, v->pdevs, v->nendpoints, v->npdevs);

	if (ex_below(r, 2))
		emit(s, K_MODPROBE, "modprobe vfio-pci");
	emit(s, K_PCI, "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", f);
	emit(s, K_PCI, "echo %s > /sys/bus/pci/devices/%s/driver/unbind", f, f);
	if (ex_below(r, 2))
		emit(s, K_PCI, "echo %s > /sys/bus/pci/drivers_probe", f);
	else
		emit(s, K_PCI, "echo 1 > /sys/bus/pci/rescan");
}

/*
 * A function's DMA (its completion MSI goes through the doorbell page of
 * its DMA domain), then its group's drivers unbound and the group's type
 * changed: the domain that held the doorbell is freed.
 */
static void story_pci_type(struct ex_rng *r, struct story *s, const struct ex_vocab *v)
{
	static const char *const types[] = { "identity", "DMA", "DMA-FQ" };
	unsigned f = ex_below(r, v->nendpoints);
	int g = v->pdev_group[f];

	if (g < 0)
		return;
	emit(s, K_DMATEST, "dmatest %s", v->pdevs[f]);
	for (unsigned i = 0; i < v->npdevs; i++)
		if (v->pdev_group[i] == g)
			emit(s, K_PCI, "echo %s > /sys/bus/pci/devices/%s/driver/unbind",
			     v->pdevs[i], v->pdevs[i]);
	emit(s, K_TYPE, "echo %s > /sys/kernel/iommu_groups/%d/type", types[ex_below(r, 3)], g);
}

static int gen_story(struct ex_rng *r, const struct ex_vocab *v, struct ex_op *ops, int room)
{
	struct story s = { ops, 0, room };
	int d = story_dev(r, v);
	int g = d >= 0 ? v->dev_group[d] : -1;

	if (v->nendpoints && !ex_below(r, 8)) {
		if (ex_below(r, 2))
			story_pci_to_vfio(r, &s, v);
		else
			story_pci_type(r, &s, v);
		return s.n;
	}
	if (g < 0)
		return 0;
	switch (ex_below(r, 6)) {
	case 0:
		story_to_vfio(&s, v, g);
		break;
	case 4:
		/* The whole hand-over, as a user (or driverctl and a VFIO program) does it. */
		story_to_vfio(&s, v, g);
		story_open(&s, g);
		break;
	case 1:
		story_open(&s, g);
		break;
	case 2: {
		/* The device DMAs to the IOVA it was given. */
		unsigned long long iova = (unsigned long long)iovas[ex_below(r, 2)];
		emit(&s, K_VFIO, "vfio map 0x%llx 0x1000", iova);
		emit(&s, K_DMA, "dma %s %s 0x%llx 16", v->devs[d], ex_below(r, 2) ? "write" : "read", iova);
		break;
	}
	case 3: {
		/* The user takes the buffer back; the device still DMAs to its IOVA. */
		unsigned long long iova = (unsigned long long)iovas[ex_below(r, 2)];
		emit(&s, K_VFIO, "vfio unmap 0x%llx 0x1000", iova);
		emit(&s, K_DMA, "dma %s write 0x%llx 16", v->devs[d], iova);
		break;
	}
	default:
		story_type(r, &s, v, g);
		break;
	}
	return s.n;
}

/* ---- errno tables (what Linux can return for each call) ------------------- */

/* Opening a sysfs path in bash: missing directory, missing file, read-only file. */
#define OPEN_ERRS ENOENT, EACCES, ENOTDIR, EISDIR

static const int bind_errs[] = { OPEN_ERRS, ENODEV, EBUSY, ENOMEM, EINVAL, ENXIO, ENOSPC, 0 };
static const int unbind_errs[] = { OPEN_ERRS, ENODEV, 0 };
static const int override_errs[] = { OPEN_ERRS, EINVAL, ENOMEM, 0 };
static const int probe_errs[] = { OPEN_ERRS, ENODEV, EINVAL, 0 };
static const int modprobe_errs[] = { ENOENT, EEXIST, ENODEV, ENOMEM, EBUSY, EINVAL, ENOSPC, 0 };
static const int rmmod_errs[] = { ENOENT, EBUSY, EPERM, EWOULDBLOCK, 0 };
/* An attach that finds no free context bank fails the write with ENOSPC, as in Linux. */
static const int type_errs[] = { OPEN_ERRS, EINVAL, EBUSY, ENOMEM, EPERM, ENODEV, ENOSPC, 0 };
/* The VFIO ioctls' values (docs/uapi.md), and the verb's "nothing open" ones. */
static const int vfio_errs[] = { ENOENT, EBUSY, EPERM, EINVAL, ENODEV, EFAULT, ENOSPC, EEXIST,
				 ENOMEM, ENOTTY, EBADFD, EBADF, ENXIO, ERANGE, EAGAIN, ENOTSUP, 0 };
static const int dmatest_errs[] = { ENODEV, EIO, ETIMEDOUT, ENOMEM, EFAULT, EBUSY, ENXIO, ENOSPC,
				    EINVAL, 0 };
static const int dma_errs[] = { EFAULT, ENODEV, 0 };
static const int no_errs[] = { 0 };
/* The PCI files: bind's and drivers_probe's, driver_override's, remove's and rescan's. */
static const int pci_errs[] = { OPEN_ERRS, ENODEV, EBUSY, ENOMEM, EINVAL, ENXIO, ENOSPC, 0 };

const struct ex_op_kind ex_op_kinds[] = {
	[K_BIND] = { "bind", 10, gen_bind, bind_errs },
	[K_UNBIND] = { "unbind", 10, gen_unbind, unbind_errs },
	[K_OVERRIDE] = { "driver_override", 8, gen_override, override_errs },
	[K_PROBE] = { "drivers_probe", 4, gen_drivers_probe, probe_errs },
	[K_MODPROBE] = { "modprobe", 4, gen_modprobe, modprobe_errs },
	[K_RMMOD] = { "rmmod", 3, gen_rmmod, rmmod_errs },
	[K_TYPE] = { "group_type", 5, gen_group_type, type_errs },
	[K_VFIO] = { "vfio", 28, gen_vfio, vfio_errs },
	[K_DMATEST] = { "dmatest", 6, gen_dmatest, dmatest_errs },
	[K_DMA] = { "dma", 10, gen_dma, dma_errs },
	[K_SLEEP] = { "sleep", 3, gen_sleep, no_errs },
	[K_STORY] = { "story", 8, NULL, no_errs },	/* gen_story: its steps carry their own kinds */
	[K_FAIL_NTH] = { "fail-nth", 3, NULL, no_errs },	/* gen_fail_nth: the kind of the call it prefixes */
	[K_PCI] = { "pci", 10, gen_pci, pci_errs },	/* only on a platform with PCI functions */
};
const size_t ex_nr_op_kinds = ARRAY_SIZE(ex_op_kinds);
_Static_assert(ARRAY_SIZE(ex_op_kinds) == K_PCI + 1, "a K_* kind for every ex_op_kinds entry");

/* One operation of the plain kinds (below K_STORY), by weight. */
static void gen_plain(struct ex_rng *r, const struct ex_vocab *v, struct ex_op *op)
{
	unsigned total = 0, x;

	for (size_t i = 0; i < K_STORY; i++)
		total += ex_op_kinds[i].weight;
	x = ex_below(r, total);
	for (size_t i = 0; i < K_STORY; i++) {
		if (x < ex_op_kinds[i].weight) {
			op->kind = (unsigned short)i;
			ex_op_kinds[i].gen(r, v, op->line, sizeof(op->line));
			return;
		}
		x -= ex_op_kinds[i].weight;
	}
}

/*
 * The failure of the Nth kernel allocation of one call (the shell's
 * fail-nth prefix): mostly early ones, where the error paths are.
 */
static void gen_fail_nth(struct ex_rng *r, const struct ex_vocab *v, struct ex_op *op)
{
	char inner[EX_LINE];

	gen_plain(r, v, op);
	snprintf(inner, sizeof(inner), "%s", op->line);
	snprintf(op->line, sizeof(op->line), "fail-nth %u %s",
		 1 + ex_below(r, ex_below(r, 2) ? 4 : 16), inner);
}

/* A kind's weight on this platform: the PCI operations need PCI functions. */
static unsigned kind_weight(const struct ex_vocab *v, size_t i)
{
	return i == K_PCI && !v->npdevs ? 0 : ex_op_kinds[i].weight;
}

int ex_op_gen(struct ex_rng *r, const struct ex_vocab *v, struct ex_op *ops, int room)
{
	unsigned total = 0, x;

	if (room <= 0)
		return 0;
	for (size_t i = 0; i < ex_nr_op_kinds; i++)
		total += kind_weight(v, i);
	x = ex_below(r, total);
	for (size_t i = 0; i < ex_nr_op_kinds; i++) {
		if (x < kind_weight(v, i)) {
			if (i == K_STORY)
				return gen_story(r, v, ops, room);
			if (i == K_FAIL_NTH) {
				gen_fail_nth(r, v, ops);
				return 1;
			}
			ops->kind = (unsigned short)i;
			ex_op_kinds[i].gen(r, v, ops->line, sizeof(ops->line));
			return 1;
		}
		x -= kind_weight(v, i);
	}
	return 0;
}

bool ex_errno_allowed(const struct ex_op *op, int err)
{
	/* A failed allocation: any call may return ENOMEM (write(2), ioctl(2), init_module(2)). */
	if (err == ENOMEM && !strncmp(op->line, "fail-nth ", 9))
		return true;
	for (const int *e = ex_op_kinds[op->kind].errnos; *e; e++)
		if (*e == err)
			return true;
	return false;
}
