/* `iommulab graph`: the booted kernel's IOMMUs, masters and groups (graph.c). */
#ifndef LAB_TOOLS_GRAPH_H
#define LAB_TOOLS_GRAPH_H

#include <stdio.h>

enum graph_format {
	GRAPH_SUMMARY,		/* one line: make boards */
	GRAPH_DOT,		/* Graphviz */
	GRAPH_JSON,
};

/* Prints the booted kernel's graph, titled @name; 0 or -ENOMEM. */
int graph_print(enum graph_format fmt, const char *name, FILE *out);

/*
 * 1 when some enabled node uses an enabled IOMMU (`iommus`, `iommu-map`, or an
 * SMMU's `mmu-masters`), else 0. @fdt is checked (dt_check_blob).
 */
int graph_fdt_uses_iommu(const void *fdt);

#endif
