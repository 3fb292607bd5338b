// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the device tree to IOMMU firmware specs, and the DMA-configure hooks
 * the driver core calls around every probe (of_dma_configure's IOMMU part
 * plus DMA ownership).
 */
#include <errno.h>
#include <libfdt.h>

#include "kernel/base/device.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/of/of.h"
#include "kernel/of/of_iommu.h"
#include "kernel/of/of_msi.h"
#include "kernel/pci/pci.h"

int iommu_dev_fdt_node(struct device *dev)
{
	return dev && dev->of_node ? dev->of_node->fdt_offset : -1;
}

static int of_iommu_xlate(struct device *dev, const struct device_node *iommu_np,
			  const struct of_phandle_args *args, bool from_probe)
{
	const struct iommu_ops *ops;
	int ret;

	if (!of_device_is_available(iommu_np))
		return -ENODEV;
	ops = iommu_ops_from_fwnode(iommu_np->fdt_offset);
	ret = iommu_fwspec_init(dev, iommu_np->fdt_offset, ops);
	if (ret)
		return ret;
	if (!ops)
		/* The IOMMU exists but its driver does not (yet). */
		return from_probe ? driver_deferred_probe_check_supplier(dev, iommu_np) :
				    -EPROBE_DEFER;
	if (!ops->of_xlate)
		return -ENODEV;
	return ops->of_xlate(dev, args);
}

struct of_pci_iommu_alias_info {
	struct device *dev;
	const struct device_node *np;	/* the host bridge's */
	bool from_probe;
};

/*
 * One DMA alias of a PCI function: its RID through the host bridge's
 * iommu-map. An RID no entry covers leaves the target NULL, and
 * of_iommu_xlate's availability check then says -ENODEV: no IOMMU for
 * the device, as Linux (docs/devices.md: the hardware aborts it).
 */
static int of_pci_iommu_init(struct pci_dev *pdev, u16 alias, void *data)
{
	struct of_pci_iommu_alias_info *info = data;
	struct device_node *iommu_np = NULL;
	struct of_phandle_args args = { .np = -1 };
	u32 sid;
	int ret;

	ret = of_map_id(info->np, alias, "iommu-map", "iommu-map-mask", &iommu_np, &sid);
	if (ret)
		return ret;
	if (!iommu_np || !of_device_is_available(iommu_np))
		return -ENODEV;
	args.np = iommu_np->fdt_offset;
	args.args_count = 1;
	args.args[0] = sid;
	return of_iommu_xlate(info->dev, iommu_np, &args, info->from_probe);
}

static int of_iommu_configure_dev(struct device *dev, const struct device_node *np,
				  bool from_probe);

int of_iommu_configure(struct device *dev, bool from_probe)
{
	const struct device_node *np = dev->of_node;
	struct iommu_fwspec *fw;
	int ret;

	/* A PCI function is described by its host bridge (pci_dma_configure). */
	if (dev_is_pci(dev)) {
		struct device *host = pci_get_host_bridge_device(to_pci_dev(dev));

		np = host ? host->of_node : NULL;
	}
	if (!np)
		return -ENODEV;
	fw = dev_iommu_fwspec_get(dev);
	if (fw && fw->ops) {
		ret = 0;
		goto probe;
	}
	/* A spec left by an earlier deferral: parse again from scratch. */
	iommu_fwspec_free(dev);
	if (dev_is_pci(dev)) {
		struct of_pci_iommu_alias_info info = {
			.dev = dev, .np = np, .from_probe = from_probe,
		};

		/* On a DT system this is what lets ACS be enabled (pci_request_acs). */
		pci_request_acs();
		ret = pci_for_each_dma_alias(to_pci_dev(dev), of_pci_iommu_init, &info);
		pci_acs_iommu_configured(to_pci_dev(dev));
	} else {
		ret = of_iommu_configure_dev(dev, np, from_probe);
	}
	if (ret == -EPROBE_DEFER)
		return ret;
	if (ret) {
		iommu_fwspec_free(dev);
		if (ret != -ENODEV)
			dev_dbg(dev, "Adding to IOMMU failed: %d", ret);
		return ret;
	}
probe:
	/* The IOMMU driver may have missed this device: replay its probe. */
	if (from_probe && !dev->iommu_group) {
		ret = iommu_probe_device(dev);
		if (ret == -ENODEV)
			ret = 0;
	}
	return ret;
}

/* `iommus`: each specifier through the IOMMU driver's of_xlate. */
static int of_iommu_configure_dev(struct device *dev, const struct device_node *np,
				  bool from_probe)
{
	int len, ret = -ENODEV;
	const fdt32_t *p = of_get_property(np, "iommus", &len);
	int cells = p ? len / 4 : 0;
	for (int i = 0; i < cells;) {
		struct device_node *iommu_np = of_find_node_by_phandle(fdt32_to_cpu(p[i]));
		struct of_phandle_args args = { .np = -1 };
		u32 n = 0;

		if (!iommu_np || of_property_read_u32(iommu_np, "#iommu-cells", &n) ||
		    n > ARRAY_SIZE(args.args) || i + 1 + (int)n > cells) {
			ret = -EINVAL;
			break;
		}
		args.np = iommu_np->fdt_offset;
		args.args_count = (int)n;
		for (u32 k = 0; k < n; k++)
			args.args[k] = fdt32_to_cpu(p[i + 1 + (int)k]);
		ret = of_iommu_xlate(dev, iommu_np, &args, from_probe);
		if (ret)
			break;
		i += 1 + (int)n;
	}
	return ret;
}

/* fw_configure: deferral goes up; any other failure means "no IOMMU". */
static int of_dma_configure_iommu(struct device *dev)
{
	int ret = of_iommu_configure(dev, true);

	return ret == -EPROBE_DEFER ? ret : 0;
}

static const struct dma_configure_ops iommu_dma_configure_ops = {
	.fw_configure = of_dma_configure_iommu,
	.use_default_domain = iommu_device_use_default_domain,
	.unuse_default_domain = iommu_device_unuse_default_domain,
};

void iommu_install_dma_configure(void)
{
	dma_configure_set_ops(&iommu_dma_configure_ops);
}
