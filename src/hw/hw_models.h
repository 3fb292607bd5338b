/* Create functions of the models in src/hw/, for the table in hw_models.c. */
#ifndef LAB_HW_MODELS_H
#define LAB_HW_MODELS_H

#include "hw_internal.h"

int dma_copy_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

#endif
