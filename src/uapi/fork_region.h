/*
 * A session client's region mappings across fork() (fork_region.c). Not
 * public API.
 */
#ifndef IOMMULAB_UAPI_FORK_REGION_H
#define IOMMULAB_UAPI_FORK_REGION_H

#include <stdint.h>
#include <sys/types.h>

/* A region mapping: the server's handle for it, in the process that holds it. */
struct fwd_map {
	int handle;
	pid_t pid;
	uint64_t epoch;		/* cl.epoch at its last answered access (0: none yet) */
	struct fwd_map *next;
};

/* A mapping made (SESSION_MMAP answered) and one released. */
void fork_region_add(struct fwd_map *m);
void fork_region_del(struct fwd_map *m);
/*
 * In a fork()ed child, once its connection adopted the parent's files:
 * each inherited mapping's handle becomes the child's (@map: the parent's
 * handle -> the child's, @nr of them; -1 none), and the mapping the
 * child's own.
 */
void fork_region_adopt(const int32_t *map, int64_t nr);

#endif
