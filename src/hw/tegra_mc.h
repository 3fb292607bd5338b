/*
 * The stream-ID block of NVIDIA's Tegra186/194/234 memory controller
 * (docs/devices.md, "nvidia,tegra*-mc").
 */
#ifndef LAB_HW_TEGRA_MC_H
#define LAB_HW_TEGRA_MC_H

#include <stddef.h>

#include "common/types.h"

struct machine;

int tegra_mc_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

#endif
