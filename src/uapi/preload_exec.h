/*
 * Handing a session's forwarded descriptors to a new program
 * (preload_exec.c), shared by the exec family and by posix_spawn, system
 * and popen (preload_spawn.c).
 */
#ifndef IOMMULAB_UAPI_PRELOAD_EXEC_H
#define IOMMULAB_UAPI_PRELOAD_EXEC_H

#include <stdbool.h>
#include <stdint.h>

/* A forwarded descriptor: its number, the server's handle, close-on-exec. */
struct exec_fd {
	int fd;
	int handle;
	bool cloexec;
};

/* The process's forwarded descriptors (malloc'd into *@fds): how many. */
unsigned int exec_fds(struct exec_fd **fds);

/* Whether one of @fds is not close-on-exec. */
bool exec_fds_kept(const struct exec_fd *fds, unsigned int n);

/*
 * @envp with IOMMULAB_EXEC_FILES naming each of @fds not close-on-exec
 * (any old value dropped), for the program @who (its pid; for a spawned
 * one -(its parent's pid)), whose shim adopts @ticket and then closes
 * @sock (-1: none). NULL when none is kept, or on no memory.
 */
char **exec_handover_env(char *const *envp, long who, uint64_t ticket, int sock,
			 const struct exec_fd *fds, unsigned int n);
void exec_handover_env_free(char **env);

/* A ticket no program will adopt: the server's references under it go. */
void exec_ticket_drop(uint64_t ticket);

#endif
