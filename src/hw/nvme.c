/*
 * iommulab,nvme: the PCI face (IDs, BAR0, PM, MSI, MSI-X, PCI Express with
 * FLR), its device-tree properties, and the resets: the bus calls
 * nvme_model.reset after any reset of the function (conventional, FLR,
 * D3hot -> D0), which resets the controller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_internal.h"
#include "nvme_priv.h"

#define DEFAULT_NS_SIZE (64ull << 20)
#define MAX_NS_SIZE (1ull << 40)

/* ---- resets ---------------------------------------------------------------- */

/* The bus tells us after the function's config space is back at reset values. */
void nvme_reset(void *state, enum pci_reset_kind kind)
{
	struct nvme *n = state;

	(void)kind;
	/* Every PCI reset is a controller reset with the registers at power-on. */
	n->cc = n->aqa = 0;
	n->asq = n->acq = 0;
	n->csts = 0;
	nvme_ctrl_reset(n);
}

/* ---- device tree ------------------------------------------------------------ */

struct nvme_dt {
	u32 nr_ns, lba_size;
	u64 ns_size;              /* 0: default, or from the file */
	const char *file;
};

static int dt_u32(const void *fdt, int node, const char *name, u32 *out, char *why, size_t whylen)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p)
		return 0;
	if (len != 4) {
		hw_why(why, whylen, "nvme: %s must be one cell", name);
		return -EINVAL;
	}
	*out = fdt32_to_cpu(*p);
	return 0;
}

static int read_dt(const void *fdt, int node, struct nvme_dt *dt, char *why, size_t whylen)
{
	const fdt32_t *p;
	int len;

	*dt = (struct nvme_dt){ .nr_ns = 1, .lba_size = 512 };
	if (dt_u32(fdt, node, "iommulab,namespaces", &dt->nr_ns, why, whylen) ||
	    dt_u32(fdt, node, "iommulab,lba-size", &dt->lba_size, why, whylen))
		return -EINVAL;
	if (dt->nr_ns < 1 || dt->nr_ns > NVME_MAX_NS) {
		hw_why(why, whylen, "nvme: iommulab,namespaces = %u (1 to %u)", dt->nr_ns, NVME_MAX_NS);
		return -EINVAL;
	}
	if (dt->lba_size != 512 && dt->lba_size != 4096) {
		hw_why(why, whylen, "nvme: iommulab,lba-size = %u (512 or 4096)", dt->lba_size);
		return -EINVAL;
	}
	p = fdt_getprop(fdt, node, "iommulab,namespace-size", &len);
	if (p) {
		if (len != 4 && len != 8) {
			hw_why(why, whylen, "nvme: iommulab,namespace-size must be 1 or 2 cells");
			return -EINVAL;
		}
		dt->ns_size = len == 4 ? fdt32_to_cpu(p[0]) :
			      (u64)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
		if (!dt->ns_size || dt->ns_size % dt->lba_size || dt->ns_size > MAX_NS_SIZE) {
			hw_why(why, whylen,
			       "nvme: iommulab,namespace-size = %llu (a multiple of the LBA size, up to 1 TiB)",
			       (unsigned long long)dt->ns_size);
			return -EINVAL;
		}
	}
	dt->file = fdt_getprop(fdt, node, "iommulab,backing-file", &len);
	if (dt->file && (len < 2 || dt->file[len - 1] != 0 || strlen(dt->file) != (size_t)len - 1)) {
		hw_why(why, whylen, "nvme: iommulab,backing-file must be one non-empty string");
		return -EINVAL;
	}
	return 0;
}

/* Opens the backing file and settles the namespace size against it. */
static int open_file(struct nvme *n, struct nvme_dt *dt, char *why, size_t whylen)
{
	struct stat sb;
	u64 need;

	n->fd = open(dt->file, O_RDWR | O_CLOEXEC);
	if (n->fd < 0 || fstat(n->fd, &sb)) {
		int err = -errno;

		hw_why(why, whylen, "nvme: cannot open backing file %s: %s", dt->file, strerror(errno));
		return err;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
		hw_why(why, whylen, "nvme: backing file %s is not a regular file", dt->file);
		return -EINVAL;
	}
	if (!dt->ns_size) {
		dt->ns_size = MIN((u64)sb.st_size / dt->nr_ns / dt->lba_size * dt->lba_size,
				  MAX_NS_SIZE);
		if (!dt->ns_size) {
			hw_why(why, whylen, "nvme: backing file %s holds less than one LBA per namespace",
			       dt->file);
			return -EINVAL;
		}
	}
	need = dt->ns_size * dt->nr_ns;
	if ((u64)sb.st_size < need) {
		hw_why(why, whylen, "nvme: backing file %s has %llu bytes, the namespaces need %llu",
		       dt->file, (unsigned long long)sb.st_size, (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}

static void make_serial(struct nvme *n, const void *fdt, int node)
{
	char path[256] = "";
	u32 h = 2166136261u;

	dt_node_path(fdt, node, path, sizeof(path));
	for (const char *p = path; *p; p++)
		h = (h ^ (u8)*p) * 16777619u;
	snprintf(n->serial, sizeof(n->serial), "LAB%08X", h);
}

/* ---- the function ---------------------------------------------------------- */

static int build_func(struct nvme *n, struct pci_ep_ctx *ctx)
{
	static const struct pci_func_id id = {
		.vendor = NVME_PCI_VENDOR, .device = NVME_PCI_DEVICE,
		.subsystem_vendor = NVME_PCI_VENDOR, .subsystem = NVME_PCI_DEVICE,
		.revision = 1, .class = NVME_PCI_CLASS, .intx_pin = 1,
	};
	struct pci_func *f = ctx->func;
	int ret = pci_func_init(f, 0, &id, ctx->func_ops, ctx->func_owner);

	if (ret)
		return ret;
	if ((ret = pci_func_add_bar(f, 0, NVME_BAR0_SIZE, PCI_BAR_MEM64)) < 0 ||
	    (ret = pci_cap_add_pm(f, false)) < 0 ||
	    (ret = pci_cap_add_msi(f, 1, PCI_MSI_64BIT | PCI_MSI_MASKBIT)) < 0 ||
	    (ret = pci_cap_add_msix(f, NVME_NR_VECTORS, 0, NVME_MSIX_TABLE, NVME_MSIX_PBA)) < 0 ||
	    (ret = pci_cap_add_pcie(f, PCIE_TYPE_ENDPOINT, PCIE_CAP_FLR)) < 0) {
		pci_func_exit(f);
		return ret;
	}
	ctx->bar_ops[0] = &nvme_bar0_ops;
	ctx->bar_opaque[0] = n;
	return 0;
}

static void free_nvme(struct nvme *n)
{
	if (n->event)
		hw_event_cancel(n->m, n->event);
	for (unsigned i = 0; i < NVME_MAX_NS; i++)
		nvme_mem_free(&n->ns[i].mem);
	if (n->fd >= 0)
		close(n->fd);
	free(n->bounce);
	free(n);
}

int nvme_create(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen)
{
	struct nvme_dt dt;
	struct nvme *n;
	int ret = read_dt(ctx->fdt, ctx->node, &dt, why, whylen);

	if (ret)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->bounce = malloc(NVME_MAX_XFER))) {
		free(n);
		return -ENOMEM;
	}
	n->fd = -1;
	if (dt.file && (ret = open_file(n, &dt, why, whylen))) {
		free_nvme(n);
		return ret;
	}
	if (!dt.ns_size)
		dt.ns_size = DEFAULT_NS_SIZE - DEFAULT_NS_SIZE % dt.lba_size;
	n->nr_ns = dt.nr_ns;
	for (unsigned i = 0; i < dt.nr_ns; i++) {
		n->ns[i].lba_shift = dt.lba_size == 512 ? 9 : 12;
		n->ns[i].nlba = dt.ns_size / dt.lba_size;
		n->ns[i].file_off = (u64)i * dt.ns_size;
		if (n->fd < 0 && nvme_mem_init(&n->ns[i].mem, dt.ns_size)) {
			hw_why(why, whylen, "nvme: cannot reserve %llu bytes for namespace %u",
			       (unsigned long long)dt.ns_size, i + 1);
			free_nvme(n);
			return -ENOMEM;
		}
	}
	make_serial(n, ctx->fdt, ctx->node);
	n->m = ctx->m;
	n->func = ctx->func;
	n->dma = ctx->dma;
	n->bus = ctx->bus;
	ret = build_func(n, ctx);
	if (ret) {
		hw_why(why, whylen, "nvme: cannot build the PCI function (%d)", ret);
		free_nvme(n);
		return ret;
	}
	nvme_ctrl_reset(n);
	*state = n;
	return 0;
}

void nvme_destroy(void *state)
{
	if (state)
		free_nvme(state);
}

const struct pci_ep_model nvme_model = {
	.compatible = "iommulab,nvme",
	.create = nvme_create,
	.destroy = nvme_destroy,
	.reset = nvme_reset,
};
