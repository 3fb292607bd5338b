/*
 * `iommulab explore` (docs/explore.md): generates sequences of the
 * operations a user, a driver and a device can perform, runs each on a
 * copy of a booted lab (fork), checks the oracle and the invariants after
 * every operation, steers toward states not seen before, and shrinks a
 * break to a minimal `.lab` scenario.
 *
 * Operations are shell lines, so a found sequence is a scenario: the op
 * table (explore_ops.c) generates them from the platform's vocabulary
 * (its devices, drivers, groups, modules) and lists the errno values Linux
 * can return for each. New kinds (PCI remove/rescan, hot add/remove,
 * new_id) are new table entries.
 */
#ifndef LAB_TOOLS_EXPLORE_H
#define LAB_TOOLS_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include "common/types.h"

#define EX_MAX_OPS 192		/* operations in one run */
#define EX_LINE 144		/* one operation's shell line */
#define EX_NAMES 24
#define EX_NAME 64

struct ex_rng {
	u64 s;
};

static inline u64 ex_rand(struct ex_rng *r)
{
	/* splitmix64: one word of state, fine statistics, identical everywhere */
	u64 z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned ex_below(struct ex_rng *r, unsigned n)
{
	return n ? (unsigned)(ex_rand(r) % n) : 0;
}

/* What the platform offers to operate on, read from the booted lab. */
struct ex_vocab {
	char devs[EX_NAMES][EX_NAME];	/* platform devices, those in a group first */
	unsigned ndevs, ngrouped;
	char drvs[EX_NAMES][EX_NAME];	/* platform drivers: vfio-platform and the */
	unsigned ndrvs, nhot;		/* drivers of grouped devices (nhot) first */
	char mods[EX_NAMES][EX_NAME];	/* the module table */
	unsigned nmods;
	unsigned ngroups;		/* IOMMU groups at boot */
	int dev_group[EX_NAMES];	/* each device's group at boot, -1 for none */
	int focus;			/* the device a run's new operations favour, -1 */
	char pdevs[EX_NAMES][EX_NAME];	/* PCI functions, endpoints (bound to no */
	unsigned npdevs, nendpoints;	/* pcieport) first: nendpoints of them */
	int pdev_group[EX_NAMES];	/* each function's group at boot, -1 for none */
	char pdrvs[EX_NAMES][EX_NAME];	/* PCI drivers, vfio-pci included */
	unsigned npdrvs;
};

struct ex_op {
	unsigned short kind;		/* index in ex_op_kinds */
	char line[EX_LINE];
};

/* One entry of the op table. */
struct ex_op_kind {
	const char *name;
	unsigned weight;		/* relative frequency */
	void (*gen)(struct ex_rng *r, const struct ex_vocab *v, char *line, size_t size);
	const int *errnos;		/* what Linux can return for it, 0-terminated */
};

extern const struct ex_op_kind ex_op_kinds[];
extern const size_t ex_nr_op_kinds;

/* Reads the vocabulary from the booted lab. */
void ex_vocab_read(struct ex_vocab *v);
/* A random operation, or a story of several, into @ops (room for @room); returns how many. */
int ex_op_gen(struct ex_rng *r, const struct ex_vocab *v, struct ex_op *ops, int room);
/* Is @err one Linux can return for @op's call? */
bool ex_errno_allowed(const struct ex_op *op, int err);

/* The errno of the lab shell's last failed command (tools/lab.c). */
int lab_last_errno(void);

/* `iommulab explore` (argv[0] is "explore"). */
int lab_explore_main(int argc, char **argv);

#endif
