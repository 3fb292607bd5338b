/*
 * The stream-ID block of the Tegra186/194/234 memory controller: the first
 * `reg` window of an "nvidia,tegra186-mc", "nvidia,tegra194-mc" or
 * "nvidia,tegra234-mc" node (the MC-SID window, 64 KiB at most decoded).
 * Each memory client has a pair of 32-bit registers, at an 8-aligned
 * offset the SoC fixes: the stream-ID override (bits 7:0, the stream ID
 * the client's transactions carry to the SMMU) and, 4 bytes above, its
 * security configuration (bit 8: the override is in force, set by
 * software; bit 16: firmware has locked the client, read-only). The model
 * keeps every pair of the window as such a pair: it does not know which
 * offsets are clients (the SoC tables are the driver's).
 *
 * Reset: overrides 0, security 0x100, as the boot firmware leaves the
 * clients it does not lock (Linux's tegra186_mc_client_sid_override
 * expects firmware to have set the override or locked the client).
 * `iommulab,firmware-sid = <offset override security>...` on the node
 * gives the pair at @offset the values firmware left instead (masked to
 * their bits): with bit 16 in @security the client is locked and neither
 * register takes a write from the kernel.
 * The override's effect: a platform master whose `interconnects` name a
 * memory client of this MC that the model knows (its own tables below,
 * from the SoC's client list: the clients of the tests/boards trees)
 * carries, for a read or a write, the stream ID of its read or write
 * client's override register while that client's override is in force,
 * whatever its `iommus` says (hw_sid_override_register). Not modelled:
 * the IDs clients carry with the override off (the `iommus` ID stands),
 * the MC's other windows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw/hw_internal.h"
#include "hw/tegra_mc.h"

#define TEGRA_MC_SID_WINDOW		0x10000u
#define TEGRA_MC_SID_OVERRIDE_MASK	0xffu
#define TEGRA_MC_SID_SEC_OVERRIDE	BIT(8)
#define TEGRA_MC_SID_SEC_LOCKED		BIT(16)   /* WRITE_ACCESS_DISABLED */

/* A memory client: its ID (dt-bindings), its pair's offset, its direction. */
struct tegra_mc_client {
	u32 id, offset;
	bool write;
};

/* Tegra194 (dt-bindings/memory/tegra194-mc.h, the SoC's client list). */
static const struct tegra_mc_client tegra194_clients[] = {
	{ 0x15, 0x0a8, false }, { 0x16, 0x0b0, false }, { 0x35, 0x1a8, true },
	{ 0x4a, 0x250, false }, { 0x4b, 0x258, true },  { 0x4c, 0x260, false },
	{ 0x4d, 0x268, true },  { 0x60, 0x300, false }, { 0x62, 0x310, false },
	{ 0x63, 0x318, false }, { 0x64, 0x320, true },  { 0x66, 0x330, true },
	{ 0x67, 0x338, true },  { 0x8e, 0x470, false }, { 0x8f, 0x478, true },
	{ 0, 0, false },
};

/* Tegra234 (dt-bindings/memory/tegra234-mc.h). */
static const struct tegra_mc_client tegra234_clients[] = {
	{ 0x15, 0x0a8, false }, { 0x35, 0x1a8, true },  { 0x58, 0x2c0, false },
	{ 0x5c, 0x2e0, true },  { 0x63, 0x318, false }, { 0x67, 0x338, true },
	{ 0, 0, false },
};

struct tegra_mc_model {
	u32 size;
	const struct tegra_mc_client *clients;   /* NULL: none known (Tegra186) */
	u32 regs[TEGRA_MC_SID_WINDOW / 4];
};

static bool is_security(u64 off)
{
	return off & 4;
}

static u64 tegra_mc_read(void *opaque, u64 off, unsigned size)
{
	struct tegra_mc_model *mc = opaque;

	if (size != 4 || off & 3 || off >= mc->size)
		return 0;
	return mc->regs[off / 4];
}

static void tegra_mc_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct tegra_mc_model *mc = opaque;
	u32 *r;

	if (size != 4 || off & 3 || off >= mc->size)
		return;
	r = &mc->regs[off / 4];
	if (!is_security(off)) {
		/* A locked client's override belongs to the firmware. */
		if (!(mc->regs[off / 4 + 1] & TEGRA_MC_SID_SEC_LOCKED))
			*r = (u32)val & TEGRA_MC_SID_OVERRIDE_MASK;
		return;
	}
	if (!(*r & TEGRA_MC_SID_SEC_LOCKED))
		*r = (u32)val & TEGRA_MC_SID_SEC_OVERRIDE;
}

/* The stream ID client @id's accesses of kind @acc carry, if its override is in force. */
static int tegra_mc_sid(void *opaque, u32 id, enum hw_access acc, u32 *sid)
{
	const struct tegra_mc_model *mc = opaque;

	for (const struct tegra_mc_client *c = mc->clients; c && c->id; c++) {
		if (c->id != id || c->write != (acc == HW_WRITE) || c->offset + 8 > mc->size)
			continue;
		if (!(mc->regs[c->offset / 4 + 1] & TEGRA_MC_SID_SEC_OVERRIDE))
			return -ENOENT;
		*sid = mc->regs[c->offset / 4];
		return 0;
	}
	return -ENOENT;
}

static const struct hw_mmio_ops tegra_mc_ops = {
	.read = tegra_mc_read,
	.write = tegra_mc_write,
};

/* `iommulab,firmware-sid`: what the boot firmware left in some pairs. */
static int tegra_mc_firmware(struct tegra_mc_model *mc, const void *fdt, int node,
			     const char *name, char *why, size_t whylen)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, "iommulab,firmware-sid", &len);

	if (!v)
		return 0;
	if (len <= 0 || len % 12) {
		hw_why(why, whylen, "%s: iommulab,firmware-sid is not <offset override security>...",
		       name);
		return -EINVAL;
	}
	for (int i = 0; i < len / 4; i += 3) {
		u32 off = fdt32_to_cpu(v[i]);

		if (off % 8 || off >= mc->size) {
			hw_why(why, whylen, "%s: iommulab,firmware-sid offset 0x%x is not a client's",
			       name, off);
			return -EINVAL;
		}
		mc->regs[off / 4] = fdt32_to_cpu(v[i + 1]) & TEGRA_MC_SID_OVERRIDE_MASK;
		mc->regs[off / 4 + 1] = fdt32_to_cpu(v[i + 2]) &
					(TEGRA_MC_SID_SEC_OVERRIDE | TEGRA_MC_SID_SEC_LOCKED);
	}
	return 0;
}

int tegra_mc_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	struct tegra_mc_model *mc;
	u64 base, size;
	int ret;

	if (dt_reg(fdt, node, 0, &base, &size) || size < 8) {
		hw_why(why, whylen, "%s: missing or untranslatable reg", name);
		return -EINVAL;
	}
	mc = hw_model_alloc(m, sizeof(*mc), NULL);
	if (!mc)
		return -ENOMEM;
	mc->size = (u32)MIN(size, (u64)TEGRA_MC_SID_WINDOW) & ~7u;
	for (u32 i = 1; i < mc->size / 4; i += 2)
		mc->regs[i] = TEGRA_MC_SID_SEC_OVERRIDE;
	if (!fdt_node_check_compatible(fdt, node, "nvidia,tegra194-mc"))
		mc->clients = tegra194_clients;
	else if (!fdt_node_check_compatible(fdt, node, "nvidia,tegra234-mc"))
		mc->clients = tegra234_clients;
	ret = tegra_mc_firmware(mc, fdt, node, name, why, whylen);
	if (!ret)
		ret = hw_sid_override_register(m, node, tegra_mc_sid, mc);
	if (ret)
		return ret;
	return hw_mmio_map_node(m, base, mc->size, &tegra_mc_ops, mc, name, "window", why,
				whylen);
}
