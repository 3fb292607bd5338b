/*
 * `iommulab attacks`: a library of DMA attacks run against each
 * configuration of the IOMMU and MSI stack, the matrix of outcomes, and
 * each cell as a replayable scenario (docs/attacks.md).
 */
#ifndef LAB_TOOLS_ATTACKS_H
#define LAB_TOOLS_ATTACKS_H

/* argv[0] is "attacks"; returns the exit status (0, 1 an escape, 2 usage). */
int attacks_main(int argc, char **argv);

#endif
