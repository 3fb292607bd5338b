// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI sysfs (Linux: drivers/pci/pci-sysfs.c): the per-device files lspci,
 * driverctl and dpdk-devbind read, with Linux's formats and errnos, and
 * /sys/bus/pci/{rescan,slots}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

/* kstrtoul(buf, 0): a whole number with an optional trailing newline. */
static int kstrtoul(const char *buf, unsigned long *val)
{
	char *end;

	if (!*buf || *buf == '-' || *buf == ' ')
		return -EINVAL;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	if (*end == '\n')
		end++;
	return *end ? -EINVAL : 0;
}

#define PDEV(owner) to_pci_dev((struct device *)(owner))

#define ID_ATTR(field, fmt)								\
static ssize_t field##_show(void *owner, const struct sysfs_attr *attr, char *buf)	\
{											\
	return snprintf(buf, PAGE_SIZE, fmt "\n", PDEV(owner)->field);			\
}											\
static const struct sysfs_attr dev_attr_##field = {					\
	.name = #field, .mode = 0444, .show = field##_show,				\
}
ID_ATTR(vendor, "0x%04x");
ID_ATTR(device, "0x%04x");
ID_ATTR(subsystem_vendor, "0x%04x");
ID_ATTR(subsystem_device, "0x%04x");
ID_ATTR(revision, "0x%02x");
ID_ATTR(class, "0x%06x");
ID_ATTR(irq, "%u");

static ssize_t numa_node_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, PAGE_SIZE, "%d\n", -1);
}

/* One CPU, no NUMA: every device is local to CPU 0 (cpu_online_mask). */
static ssize_t local_cpus_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, PAGE_SIZE, "1\n");
}

static ssize_t local_cpulist_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, PAGE_SIZE, "0\n");
}

static ssize_t dma_mask_bits_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	u64 m = PDEV(owner)->dev.dma_mask;

	return snprintf(buf, PAGE_SIZE, "%d\n", m ? 64 - __builtin_clzll(m) : 0);
}

static ssize_t consistent_dma_mask_bits_show(void *owner, const struct sysfs_attr *attr,
					     char *buf)
{
	u64 m = PDEV(owner)->dev.coherent_dma_mask;

	return snprintf(buf, PAGE_SIZE, "%d\n", m ? 64 - __builtin_clzll(m) : 0);
}

static ssize_t msi_bus_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, PAGE_SIZE, "%u\n", !PDEV(owner)->no_msi);
}

static ssize_t modalias_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct pci_dev *p = PDEV(owner);

	return snprintf(buf, PAGE_SIZE, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
			p->vendor, p->device, p->subsystem_vendor, p->subsystem_device,
			(u8)(p->class >> 16), (u8)(p->class >> 8), (u8)p->class);
}

static ssize_t resource_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct pci_dev *p = PDEV(owner);
	int max = p->subordinate ? DEVICE_COUNT_RESOURCE : PCI_BRIDGE_RESOURCES;
	size_t n = 0;

	for (int i = 0; i < max; i++) {
		const struct resource *r = &p->resource[i];
		bool set = r->flags && !(r->flags & IORESOURCE_UNSET) && r->end;
		unsigned long long s = set ? r->start : 0, e = set ? r->end : 0;
		unsigned long long f = r->end ? r->flags & ~IORESOURCE_UNSET : 0;

		n += (size_t)snprintf(buf + n, PAGE_SIZE - n, "0x%016llx 0x%016llx 0x%016llx\n",
				      s, e, f);
	}
	return (ssize_t)n;
}

static ssize_t enable_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, PAGE_SIZE, "%u\n", PDEV(owner)->enable_cnt);
}

static ssize_t enable_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			    size_t len)
{
	struct pci_dev *p = PDEV(owner);
	unsigned long val;
	int ret = 0;

	if (kstrtoul(buf, &val))
		return -EINVAL;
	if (p->dev.driver)
		ret = -EBUSY;
	else if (val)
		ret = pci_enable_device(p);
	else if (pci_is_enabled(p))
		pci_disable_device(p);
	else
		ret = -EIO;
	return ret < 0 ? ret : (ssize_t)len;
}

static ssize_t remove_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			    size_t len)
{
	unsigned long val;

	if (kstrtoul(buf, &val))
		return -EINVAL;
	if (val)
		pci_stop_and_remove_bus_device_locked(PDEV(owner));
	return (ssize_t)len;
}

static ssize_t dev_rescan_store(void *owner, const struct sysfs_attr *attr, const char *buf,
				size_t len)
{
	unsigned long val;

	if (kstrtoul(buf, &val))
		return -EINVAL;
	if (val)
		pci_rescan_bus(PDEV(owner)->bus);
	return (ssize_t)len;
}

static ssize_t reset_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			   size_t len)
{
	unsigned long val;
	int ret;

	if (kstrtoul(buf, &val))
		return -EINVAL;
	if (val != 1)
		return -EINVAL;
	ret = pci_reset_function(PDEV(owner));
	return ret < 0 ? ret : (ssize_t)len;
}

static ssize_t reset_method_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct pci_dev *p = PDEV(owner);
	size_t n = 0;

	for (int i = 0; i < PCI_NUM_RESET_METHODS && p->reset_methods[i]; i++)
		n += (size_t)snprintf(buf + n, PAGE_SIZE - n, "%s%s", n ? " " : "",
				      pci_reset_method_name(p->reset_methods[i] - 1));
	if (n)
		buf[n++] = '\n';
	return (ssize_t)n;
}

/* reset_method_store: "default", "" (none), or supported names in order. */
static ssize_t reset_method_store(void *owner, const struct sysfs_attr *attr, const char *buf,
				  size_t len)
{
	struct pci_dev *p = PDEV(owner);
	u8 supported[PCI_NUM_RESET_METHODS], methods[PCI_NUM_RESET_METHODS] = { 0 };
	char *copy, *tok, *save;
	int n = 0;

	memcpy(supported, p->reset_methods, sizeof(supported));
	if (sysfs_streq(buf, "default")) {
		pci_init_reset_methods(p);
		return (ssize_t)len;
	}
	copy = kstrdup(buf);
	if (!copy)
		return -ENOMEM;
	pci_init_reset_methods(p);	/* what the device can do */
	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		int m = -1;

		for (int k = 0; k < PCI_NUM_RESET_METHODS; k++)
			if (!strcmp(tok, pci_reset_method_name(k)))
				m = k;
		bool ok = false;
		for (int k = 0; m >= 0 && k < PCI_NUM_RESET_METHODS; k++)
			ok |= p->reset_methods[k] == m + 1;
		if (!ok || n >= PCI_NUM_RESET_METHODS) {
			memcpy(p->reset_methods, supported, sizeof(supported));
			kfree(copy);
			return -EINVAL;
		}
		methods[n++] = (u8)(m + 1);
	}
	kfree(copy);
	memcpy(p->reset_methods, methods, sizeof(methods));
	return (ssize_t)len;
}

static ssize_t driver_override_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev = owner;

	return snprintf(buf, PAGE_SIZE, "%s\n",
			dev->driver_override ? dev->driver_override : "(null)");
}

static ssize_t driver_override_store(void *owner, const struct sysfs_attr *attr,
				     const char *buf, size_t len)
{
	struct device *dev = owner;
	int ret = driver_set_override(dev, &dev->driver_override, buf, len);

	return ret ? ret : (ssize_t)len;
}

static ssize_t secondary_bus_number_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	u8 v;

	pci_read_config_byte(PDEV(owner), PCI_SECONDARY_BUS, &v);
	return snprintf(buf, PAGE_SIZE, "%u\n", v);
}

static ssize_t subordinate_bus_number_show(void *owner, const struct sysfs_attr *attr,
					   char *buf)
{
	u8 v;

	pci_read_config_byte(PDEV(owner), PCI_SUBORDINATE_BUS, &v);
	return snprintf(buf, PAGE_SIZE, "%u\n", v);
}

/* config: little-endian bytes, split into aligned accesses (pci_read_config). */
static ssize_t config_read(void *owner, const struct sysfs_attr *attr, char *buf, size_t size)
{
	struct pci_dev *p = PDEV(owner);
	size_t n = (size_t)p->cfg_size < size ? (size_t)p->cfg_size : size;

	for (size_t off = 0; off + 4 <= n; off += 4) {
		u32 v;

		pci_user_read_config_dword(p, (int)off, &v);
		memcpy(buf + off, &v, 4);
	}
	return (ssize_t)(n & ~3ul);
}

static ssize_t config_write(void *owner, const struct sysfs_attr *attr, const char *buf,
			    size_t len, u64 off)
{
	struct pci_dev *p = PDEV(owner);
	size_t done = 0;

	if (off >= (u64)p->cfg_size)
		return 0;
	if (off + len > (u64)p->cfg_size)
		len = (size_t)((u64)p->cfg_size - off);
	while (done < len) {
		int where = (int)(off + done);
		size_t left = len - done;

		if (!(where & 3) && left >= 4) {
			u32 v;

			memcpy(&v, buf + done, 4);
			pci_user_write_config_dword(p, where, v);
			done += 4;
		} else if (!(where & 1) && left >= 2) {
			u16 v;

			memcpy(&v, buf + done, 2);
			pci_user_write_config_word(p, where, v);
			done += 2;
		} else {
			pci_user_write_config_byte(p, where, (u8)buf[done]);
			done += 1;
		}
	}
	return (ssize_t)len;
}

#define RO(n) static const struct sysfs_attr dev_attr_##n = { .name = #n, .mode = 0444, .show = n##_show }
RO(numa_node);
RO(local_cpus);
RO(local_cpulist);
RO(dma_mask_bits);
RO(consistent_dma_mask_bits);
RO(msi_bus);
RO(modalias);
RO(resource);
RO(secondary_bus_number);
RO(subordinate_bus_number);

static const struct sysfs_attr dev_attr_enable = {
	.name = "enable", .mode = 0644, .show = enable_show, .store = enable_store,
};
static const struct sysfs_attr dev_attr_remove = {
	.name = "remove", .mode = 0200, .store = remove_store,
};
static const struct sysfs_attr dev_attr_rescan = {
	.name = "rescan", .mode = 0200, .store = dev_rescan_store,
};
static const struct sysfs_attr dev_attr_reset = {
	.name = "reset", .mode = 0200, .store = reset_store,
};
static const struct sysfs_attr dev_attr_reset_method = {
	.name = "reset_method", .mode = 0644, .show = reset_method_show,
	.store = reset_method_store,
};
static const struct sysfs_attr dev_attr_driver_override = {
	.name = "driver_override", .mode = 0644, .show = driver_override_show,
	.store = driver_override_store,
};
static const struct sysfs_attr dev_attr_config = {
	.name = "config", .mode = 0644, .read = config_read, .write = config_write,
};
/* resourceN: present for each BAR that has a size; mapping them is not modelled. */
static const struct sysfs_attr dev_attr_resource_n[PCI_STD_NUM_BARS] = {
	{ .name = "resource0", .mode = 0600 }, { .name = "resource1", .mode = 0600 },
	{ .name = "resource2", .mode = 0600 }, { .name = "resource3", .mode = 0600 },
	{ .name = "resource4", .mode = 0600 }, { .name = "resource5", .mode = 0600 },
};

static const struct sysfs_attr *const pci_dev_attrs[] = {
	&dev_attr_vendor, &dev_attr_device, &dev_attr_subsystem_vendor,
	&dev_attr_subsystem_device, &dev_attr_revision, &dev_attr_class, &dev_attr_irq,
	&dev_attr_numa_node, &dev_attr_local_cpus, &dev_attr_local_cpulist,
	&dev_attr_dma_mask_bits, &dev_attr_consistent_dma_mask_bits, &dev_attr_msi_bus,
	&dev_attr_modalias, &dev_attr_resource, &dev_attr_enable, &dev_attr_remove,
	&dev_attr_rescan, &dev_attr_driver_override, &dev_attr_config,
};

int pci_create_sysfs_dev_files(struct device *dev)
{
	struct pci_dev *p = to_pci_dev(dev);
	int ret = 0;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(pci_dev_attrs); i++)
		ret = sysfs_create_file(dev->kobj, pci_dev_attrs[i], dev, NULL);
	/* reset and reset_method only for a device with a reset method. */
	if (!ret && pci_reset_supported(p))
		ret = sysfs_create_file(dev->kobj, &dev_attr_reset, dev, NULL);
	if (!ret && pci_reset_supported(p))
		ret = sysfs_create_file(dev->kobj, &dev_attr_reset_method, dev, NULL);
	if (!ret && pci_is_bridge(p))
		ret = sysfs_create_file(dev->kobj, &dev_attr_secondary_bus_number, dev, NULL);
	if (!ret && pci_is_bridge(p))
		ret = sysfs_create_file(dev->kobj, &dev_attr_subordinate_bus_number, dev, NULL);
	for (int i = 0; !ret && i < PCI_STD_NUM_BARS; i++)
		if (pci_resource_len(p, i))
			ret = sysfs_create_file(dev->kobj, &dev_attr_resource_n[i], dev, NULL);
	return ret;
}

int pci_uevent_lines(const struct device *dev, char *buf, size_t size)
{
	const struct pci_dev *p = to_pci_dev(dev);
	int n = snprintf(buf, size,
			 "PCI_CLASS=%04X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
			 "PCI_SLOT_NAME=%s\n"
			 "MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
			 p->class, p->vendor, p->device, p->subsystem_vendor, p->subsystem_device,
			 pci_name(p), p->vendor, p->device, p->subsystem_vendor,
			 p->subsystem_device, (u8)(p->class >> 16), (u8)(p->class >> 8),
			 (u8)p->class);
	return n < 0 || (size_t)n >= size ? 0 : n;
}

/* ---- /sys/bus/pci ----------------------------------------------------------- */

static ssize_t bus_rescan_store(void *owner, const struct sysfs_attr *attr, const char *buf,
				size_t len)
{
	unsigned long val;
	struct pci_bus *b, *n;

	if (kstrtoul(buf, &val))
		return -EINVAL;
	if (val)
		list_for_each_entry_safe(b, n, &kstate->pci.root_buses, node)
			pci_rescan_bus(b);
	return (ssize_t)len;
}

static const struct sysfs_attr bus_attr_rescan = {
	.name = "rescan", .mode = 0200, .store = bus_rescan_store,
};

int pci_bus_create_files(void)
{
	struct sysfs_node *dir = bus_to_subsys(&pci_bus_type)->dir;
	int ret = sysfs_create_file(dir, &bus_attr_rescan, NULL, NULL);

	if (!ret)
		ret = sysfs_create_dir(dir, "slots", &kstate->pci.slots_dir);
	return ret;
}
