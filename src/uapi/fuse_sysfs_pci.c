/*
 * /proc/bus/pci for a session, from the lab's sysfs (fuse_sysfs_pci.h):
 * what libpci's proc method and older tools read when /sys/bus/pci is
 * not there. Built from /sys/bus/pci/devices only, so it shows whatever
 * PCI functions the lab's kernel registered, and nothing on a
 * platform-only lab (an empty "devices", no bus folders).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/base/uaccess.h"
#include "fuse_sysfs_pci.h"

#define PCI_DEVS "/sys/bus/pci/devices"
#define MAX_FUNCS 256

struct pci_fn {
	unsigned int domain, bus, dev, fn;
	char name[32];		/* DDDD:BB:DD.F */
};

struct fn_list {
	struct pci_fn f[MAX_FUNCS];
	unsigned int nr;
};

static int add_fn(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct fn_list *l = opaque;
	struct pci_fn *f = &l->f[l->nr];

	if (l->nr == MAX_FUNCS ||
	    sscanf(name, "%x:%x:%x.%x", &f->domain, &f->bus, &f->dev, &f->fn) != 4)
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	l->nr++;
	return 0;
}

static struct fn_list *list_fns(void)
{
	struct fn_list *l = kzalloc(sizeof(*l));

	if (l)
		sysfs_readdir(PCI_DEVS, add_fn, l);	/* none: no PCI in this lab */
	return l;
}

static void bus_name(const struct pci_fn *f, char *buf, size_t size)
{
	if (f->domain)
		snprintf(buf, size, "%04x:%02x", f->domain, f->bus);
	else
		snprintf(buf, size, "%02x", f->bus);
}

static unsigned long long read_hex(const struct pci_fn *f, const char *attr)
{
	char path[96], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVS "/%s/%s", f->name, attr);
	n = sysfs_read(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

/* Linux's show_device: bus/devfn, ids, irq, 7 regions' starts|flags and sizes, driver. */
static int devices_line(const struct pci_fn *f, char *out, size_t size)
{
	unsigned long long start[7] = { 0 }, len[7] = { 0 };
	char path[96], res[1024], drv[256];
	int n = 0;

	snprintf(path, sizeof(path), PCI_DEVS "/%s/resource", f->name);
	ssize_t rn = sysfs_read(path, res, sizeof(res) - 1);
	if (rn > 0) {
		res[rn] = 0;
		char *p = res;
		for (int i = 0; i < 7 && *p; i++) {
			unsigned long long s, e, fl;
			if (sscanf(p, "%llx %llx %llx", &s, &e, &fl) == 3) {
				start[i] = s | (fl & 0xf);
				len[i] = (s || e) && e >= s ? e - s + 1 : 0;
			}
			p = strchr(p, '\n');
			if (!p)
				break;
			p++;
		}
	}
	n += snprintf(out + n, size - (size_t)n, "%02x%02x\t%04llx%04llx\t%llx", f->bus,
		      (f->dev << 3) | f->fn, read_hex(f, "vendor"), read_hex(f, "device"),
		      read_hex(f, "irq"));
	for (int i = 0; i < 7; i++)
		n += snprintf(out + n, size - (size_t)n, "\t%16llx", start[i]);
	for (int i = 0; i < 7; i++)
		n += snprintf(out + n, size - (size_t)n, "\t%16llx", len[i]);
	snprintf(path, sizeof(path), PCI_DEVS "/%s/driver", f->name);
	ssize_t dn = sysfs_readlink(path, drv, sizeof(drv) - 1);
	if (dn > 0) {
		drv[dn] = 0;
		const char *slash = strrchr(drv, '/');
		n += snprintf(out + n, size - (size_t)n, "\t%s", slash ? slash + 1 : drv);
	}
	n += snprintf(out + n, size - (size_t)n, "\n");
	return n;
}

/* The function at "/BB/DD.F" (or "/DDDD:BB/DD.F"), or NULL. */
static const struct pci_fn *find_fn(const struct fn_list *l, const char *path, bool bus_only)
{
	char bus[16], entry[16];

	for (unsigned int i = 0; i < l->nr; i++) {
		bus_name(&l->f[i], bus, sizeof(bus));
		size_t bl = strlen(bus);
		if (path[0] != '/' || strncmp(path + 1, bus, bl))
			continue;
		if (bus_only && !path[bl + 1])
			return &l->f[i];
		snprintf(entry, sizeof(entry), "%02x.%x", l->f[i].dev, l->f[i].fn);
		if (!bus_only && path[bl + 1] == '/' && !strcmp(path + bl + 2, entry))
			return &l->f[i];
	}
	return NULL;
}

static ssize_t read_config(const struct pci_fn *f, char *buf, size_t size)
{
	char path[96];

	snprintf(path, sizeof(path), PCI_DEVS "/%s/config", f->name);
	return sysfs_read(path, buf, size);
}

int procpci_getattr(const char *path, struct kstat *st)
{
	struct fn_list *l;
	const struct pci_fn *f;
	int ret = 0;

	st->rdev = 0;
	st->size = 0;
	if (!*path) {
		st->mode = S_IFDIR | 0555;
		return 0;
	}
	if (!strcmp(path, "/devices")) {
		st->mode = S_IFREG | 0444;
		return 0;
	}
	l = list_fns();
	if (!l)
		return -ENOMEM;
	if (find_fn(l, path, true)) {
		st->mode = S_IFDIR | 0555;
	} else if ((f = find_fn(l, path, false))) {
		char *cfg = kmalloc(PAGE_SIZE + 1);
		ssize_t n = cfg ? read_config(f, cfg, PAGE_SIZE + 1) : -ENOMEM;
		kfree(cfg);
		st->mode = S_IFREG | 0644;
		st->size = n > 0 ? n : 0;
	} else {
		ret = -ENOENT;
	}
	kfree(l);
	return ret;
}

int procpci_readdir(const char *path, int (*fn)(void *opaque, const char *name), void *opaque)
{
	struct fn_list *l = list_fns();
	char name[16], prev[16] = "";
	int ret = 0;

	if (!l)
		return -ENOMEM;
	if (!*path) {
		ret = fn(opaque, "devices");
		for (unsigned int i = 0; i < l->nr && !ret; i++) {
			bus_name(&l->f[i], name, sizeof(name));
			if (strcmp(name, prev))
				ret = fn(opaque, name);
			snprintf(prev, sizeof(prev), "%s", name);
		}
	} else if (find_fn(l, path, true)) {
		for (unsigned int i = 0; i < l->nr && !ret; i++) {
			bus_name(&l->f[i], name, sizeof(name));
			if (strcmp(path + 1, name))
				continue;
			snprintf(name, sizeof(name), "%02x.%x", l->f[i].dev, l->f[i].fn);
			ret = fn(opaque, name);
		}
	} else {
		ret = -ENOTDIR;
	}
	kfree(l);
	return ret;
}

/* ---- the files: a snapshot taken at open -------------------------------- */

struct proc_snap {
	char *buf;
	size_t len;
};

static ssize_t snap_read(struct file *file, char *ubuf, size_t count, loff_t *ppos)
{
	struct proc_snap *s = file->private_data;

	if (*ppos < 0)
		return -EINVAL;
	if ((size_t)*ppos >= s->len)
		return 0;
	size_t n = MIN(count, s->len - (size_t)*ppos);
	if (copy_to_user(ubuf, s->buf + *ppos, n))
		return -EFAULT;
	*ppos += (loff_t)n;
	return (ssize_t)n;
}

static int snap_release(struct inode *inode, struct file *file)
{
	struct proc_snap *s = file->private_data;

	kfree(s->buf);
	kfree(s);
	return 0;
}

static const struct file_operations snap_fops = {
	.read = snap_read,
	.llseek = default_llseek,
	.release = snap_release,
};

static int make_snapshot(const struct fn_list *l, const char *path, struct proc_snap *s)
{
	const struct pci_fn *f;
	size_t cap = 512 + (size_t)l->nr * 320;

	s->buf = kmalloc(MAX(cap, (size_t)PAGE_SIZE + 1));
	if (!s->buf)
		return -ENOMEM;
	if (!strcmp(path, "/devices")) {
		for (unsigned int i = 0; i < l->nr; i++)
			s->len += (size_t)devices_line(&l->f[i], s->buf + s->len, cap - s->len);
		return 0;
	}
	f = find_fn(l, path, false);
	if (!f)
		return find_fn(l, path, true) || !*path ? -EISDIR : -ENOENT;
	ssize_t n = read_config(f, s->buf, PAGE_SIZE + 1);
	if (n < 0)
		return (int)n;
	s->len = (size_t)n;
	return 0;
}

int procpci_open(const char *path, unsigned int flags, struct file **out)
{
	struct fn_list *l = list_fns();
	struct proc_snap *s = kzalloc(sizeof(*s));
	int ret = l && s ? 0 : -ENOMEM;

	/* The lab's config space is read-only through proc, as an unprivileged reader's. */
	if (!ret && (flags & O_ACCMODE) != O_RDONLY)
		ret = -EACCES;
	if (!ret)
		ret = make_snapshot(l, path, s);
	kfree(l);
	if (!ret) {
		*out = alloc_file(&snap_fops, flags, s);
		if (*out)
			return 0;
		ret = -ENOMEM;
	}
	if (s)
		kfree(s->buf);
	kfree(s);
	return ret;
}
