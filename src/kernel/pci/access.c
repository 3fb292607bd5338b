// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configuration space accessors (Linux: drivers/pci/access.c): every
 * access goes through the bus's pci_ops; a host bridge's ECAM driver
 * supplies them. Sizes must be aligned; a disconnected device reads all
 * ones without a hardware access, as pci_dev_is_disconnected makes Linux
 * do.
 */
#include <errno.h>

#include "kernel/kernel.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

int pcibios_err_to_errno(int err)
{
	if (err <= PCIBIOS_SUCCESSFUL)
		return err;	/* already an errno (or 0) */
	switch (err) {
	case PCIBIOS_FUNC_NOT_SUPPORTED:
		return -ENOENT;
	case PCIBIOS_BAD_VENDOR_ID:
		return -ENOTTY;
	case PCIBIOS_DEVICE_NOT_FOUND:
		return -ENODEV;
	case PCIBIOS_BAD_REGISTER_NUMBER:
		return -EFAULT;
	case PCIBIOS_SET_FAILED:
		return -EIO;
	case PCIBIOS_BUFFER_TOO_SMALL:
		return -ENOSPC;
	}
	return -ERANGE;
}

int pci_generic_config_read(struct pci_bus *bus, unsigned devfn, int where, int size,
			    u32 *val)
{
	u64 addr = bus->ops->map_bus(bus, devfn, where);

	if (!addr) {
		*val = ~0u;
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	if (size == 1)
		*val = readb(addr);
	else if (size == 2)
		*val = readw(addr);
	else
		*val = readl(addr);
	return PCIBIOS_SUCCESSFUL;
}

int pci_generic_config_write(struct pci_bus *bus, unsigned devfn, int where, int size,
			     u32 val)
{
	u64 addr = bus->ops->map_bus(bus, devfn, where);

	if (!addr)
		return PCIBIOS_DEVICE_NOT_FOUND;
	if (size == 1)
		writeb((u8)val, addr);
	else if (size == 2)
		writew((u16)val, addr);
	else
		writel(val, addr);
	return PCIBIOS_SUCCESSFUL;
}

static int bus_read(struct pci_bus *bus, unsigned devfn, int where, int size, u32 *val)
{
	if (where < 0 || (where & (size - 1)) || where >= PCI_CFG_SPACE_EXP_SIZE) {
		*val = ~0u;
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}
	int ret = bus->ops->read(bus, devfn, where, size, val);
	if (ret)
		*val = ~0u;
	return ret;
}

static int bus_write(struct pci_bus *bus, unsigned devfn, int where, int size, u32 val)
{
	if (where < 0 || (where & (size - 1)) || where >= PCI_CFG_SPACE_EXP_SIZE)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	return bus->ops->write(bus, devfn, where, size, val);
}

#define BUS_ACCESSORS(type, size)						\
int pci_bus_read_config_##type(struct pci_bus *bus, unsigned devfn, int where,	\
			       u##size *val)					\
{										\
	u32 v;									\
	int ret = bus_read(bus, devfn, where, size / 8, &v);			\
	*val = (u##size)v;							\
	return ret;								\
}										\
int pci_bus_write_config_##type(struct pci_bus *bus, unsigned devfn, int where,	\
				u##size val)					\
{										\
	return bus_write(bus, devfn, where, size / 8, val);			\
}
BUS_ACCESSORS(byte, 8)
BUS_ACCESSORS(word, 16)
BUS_ACCESSORS(dword, 32)

#define DEV_ACCESSORS(type, size)						\
int pci_read_config_##type(const struct pci_dev *dev, int where, u##size *val)	\
{										\
	if (pci_dev_is_disconnected(dev)) {					\
		*val = (u##size)~0u;						\
		return PCIBIOS_DEVICE_NOT_FOUND;				\
	}									\
	return pci_bus_read_config_##type(dev->bus, dev->devfn, where, val);	\
}										\
int pci_write_config_##type(const struct pci_dev *dev, int where, u##size val)	\
{										\
	if (pci_dev_is_disconnected(dev))					\
		return PCIBIOS_DEVICE_NOT_FOUND;				\
	return pci_bus_write_config_##type(dev->bus, dev->devfn, where, val);	\
}										\
int pci_user_read_config_##type(struct pci_dev *dev, int where, u##size *val)	\
{										\
	int ret = pci_read_config_##type(dev, where, val);			\
	if (ret == PCIBIOS_DEVICE_NOT_FOUND)					\
		return 0;	/* all ones for a disconnected device */	\
	return pcibios_err_to_errno(ret);					\
}										\
int pci_user_write_config_##type(struct pci_dev *dev, int where, u##size val)	\
{										\
	int ret = pci_write_config_##type(dev, where, val);			\
	if (ret == PCIBIOS_DEVICE_NOT_FOUND)					\
		return 0;							\
	return pcibios_err_to_errno(ret);					\
}
DEV_ACCESSORS(byte, 8)
DEV_ACCESSORS(word, 16)
DEV_ACCESSORS(dword, 32)

/* ---- PCI Express capability registers --------------------------------- */

int pcie_capability_read_word(struct pci_dev *dev, int pos, u16 *val)
{
	*val = 0;
	if (!pci_is_pcie(dev) || pos & 1)
		return pos & 1 ? PCIBIOS_BAD_REGISTER_NUMBER : 0;
	int ret = pci_read_config_word(dev, dev->pcie_cap + pos, val);
	if (ret)
		*val = 0;
	return ret;
}

int pcie_capability_read_dword(struct pci_dev *dev, int pos, u32 *val)
{
	*val = 0;
	if (!pci_is_pcie(dev) || pos & 3)
		return pos & 3 ? PCIBIOS_BAD_REGISTER_NUMBER : 0;
	int ret = pci_read_config_dword(dev, dev->pcie_cap + pos, val);
	if (ret)
		*val = 0;
	return ret;
}

int pcie_capability_write_word(struct pci_dev *dev, int pos, u16 val)
{
	if (pos & 1)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	if (!pci_is_pcie(dev))
		return 0;
	return pci_write_config_word(dev, dev->pcie_cap + pos, val);
}

int pcie_capability_clear_and_set_word(struct pci_dev *dev, int pos, u16 clear, u16 set)
{
	u16 v;
	int ret = pcie_capability_read_word(dev, pos, &v);

	if (ret)
		return ret;
	return pcie_capability_write_word(dev, pos, (u16)((v & ~clear) | set));
}
