/* Printing a bus master's identity (master_id.h). */
#include <stdio.h>

#include "common/dt.h"
#include "common/master_id.h"

const char *master_bus_name(enum master_bus bus)
{
	switch (bus) {
	case MASTER_BUS_PLATFORM:
		return "platform";
	case MASTER_BUS_PCI:
		return "pci";
	default:
		return "none";
	}
}

int master_id_name(const struct master_id *id, const void *fdt, char *buf, size_t size)
{
	switch (id->bus) {
	case MASTER_BUS_PLATFORM:
		if (fdt && id->node >= 0 && size && !dt_node_path(fdt, id->node, buf, size))
			return snprintf(NULL, 0, "%s", buf);
		return snprintf(buf, size, "of-node@%d", id->node);
	case MASTER_BUS_PCI:
		return snprintf(buf, size, "%04x:%02x:%02x.%u", id->segment, id->rid >> 8,
				(id->rid >> 3) & 0x1f, id->rid & 7);
	default:
		return snprintf(buf, size, "none");
	}
}
