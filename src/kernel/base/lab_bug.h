/*
 * The bug catalogue's kernel side: known bugs of the Linux stack, each
 * re-introducible in the lab's kernel with `lab.bug=NAME[,NAME...]` on the
 * command line (`iommulab explore --bug NAME` passes it). Off by default.
 * A bug lives in the kernel as one `if (lab_bug(LAB_BUG_X))` at the place
 * Linux had it, with a comment naming the thread; docs/explore.md lists
 * them, and `iommulab explore --list-bugs` prints this table.
 */
#ifndef LAB_KERNEL_BASE_LAB_BUG_H
#define LAB_KERNEL_BASE_LAB_BUG_H

#include "common/types.h"

enum lab_bug_id {
	LAB_BUG_GROUP_REF,		/* group-ref */
	LAB_BUG_SME_FREED_ON_UNBIND,	/* sme-freed-on-unbind */
	LAB_BUG_OWNER_WHILE_KERNEL,	/* owner-while-kernel */
	LAB_BUG_MISSED_TLBI,		/* missed-tlbi */
	LAB_BUG_FQ_NOT_DRAINED,		/* fq-not-drained */
	LAB_BUG_MSI_LEFT_MAPPED,	/* msi-left-mapped */
	LAB_BUG_VFIO_UNMAP_KEEPS,	/* vfio-unmap-keeps-mapping */
	LAB_BUG_OVERRIDE_RESCAN,	/* override-ignored-on-rescan */
	NR_LAB_BUGS
};

struct lab_bug_info {
	const char *name;
	const char *summary;	/* one line: what goes wrong */
	const char *history;	/* where Linux had (or nearly had) it */
	const char *cmdline;	/* the configuration that shows it ("" for the default) */
	const char *platform;	/* NULL: the built-in platform; else a path in the source tree */
	const char *needs;	/* NULL, or what the lab still lacks to reach it ("PCI") */
};

/* The catalogue, NR_LAB_BUGS entries (constant, not state). */
extern const struct lab_bug_info lab_bug_table[NR_LAB_BUGS];

/* The bug switches of the running kernel (struct kernel's lab_bug member). */
struct lab_bug_state {
	u32 on;			/* bit per enum lab_bug_id */
};

/* Index of @name in the catalogue, or -1. */
int lab_bug_by_name(const char *name);
/* Reads lab.bug= at boot: each known name switched on, an unknown one warned about. */
void lab_bug_init(void);
/* Is bug @id switched on in the running kernel? */
bool lab_bug(enum lab_bug_id id);

#endif
