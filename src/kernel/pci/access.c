// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configuration space accessors (Linux: drivers/pci/access.c).
 */
#include "kernel/pci/pci.h"
