/*
 * The identity a bus master's transactions carry, shared by the machine
 * (hw: who issued a DMA), the kernel (which device that is) and the
 * checker (whose grants to judge it against). It is not a device-tree
 * node: a platform master is named by its node, a PCI function by its
 * segment and requester ID, which no node describes.
 */
#ifndef LAB_COMMON_MASTER_ID_H
#define LAB_COMMON_MASTER_ID_H

#include "common/types.h"

enum master_bus {
	MASTER_BUS_NONE,      /* not a bus master (no identity known) */
	MASTER_BUS_PLATFORM,  /* a device-tree node: AMBA/platform devices */
	MASTER_BUS_PCI,       /* a PCI function: segment and requester ID */
};

struct master_id {
	enum master_bus bus;
	int node;             /* PLATFORM: the node's offset in the machine's blob */
	u16 segment;          /* PCI: the PCI domain (segment) number */
	u16 rid;              /* PCI: bus << 8 | devfn */
};

static inline struct master_id master_id_none(void)
{
	return (struct master_id){ .bus = MASTER_BUS_NONE, .node = -1 };
}

static inline struct master_id master_id_platform(int node)
{
	return (struct master_id){ .bus = MASTER_BUS_PLATFORM, .node = node };
}

static inline struct master_id master_id_pci(u16 segment, u16 rid)
{
	return (struct master_id){ .bus = MASTER_BUS_PCI, .node = -1, .segment = segment,
				   .rid = rid };
}

/* Same bus and same id on it. Two NONE identities are equal. */
static inline bool master_id_equal(const struct master_id *a, const struct master_id *b)
{
	if (a->bus != b->bus)
		return false;
	switch (a->bus) {
	case MASTER_BUS_PLATFORM:
		return a->node == b->node;
	case MASTER_BUS_PCI:
		return a->segment == b->segment && a->rid == b->rid;
	default:
		return true;
	}
}

/* "platform", "pci" or "none". */
const char *master_bus_name(enum master_bus bus);

/*
 * Prints @id into @buf (always NUL terminated when @size > 0): the node's
 * path for a platform master when @fdt is given ("/soc/dma@0"), else
 * "of-node@OFFSET"; Linux's PCI name for a function ("0000:00:01.0");
 * "none". Returns snprintf's count, as snprintf does.
 */
int master_id_name(const struct master_id *id, const void *fdt, char *buf, size_t size);

#endif
