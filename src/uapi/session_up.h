/*
 * Starting a session server (`iommulab up`, tools/session_cmd.c): the
 * server's entry points. Not public API.
 */
#ifndef IOMMULAB_UAPI_SESSION_UP_H
#define IOMMULAB_UAPI_SESSION_UP_H

#include <stddef.h>

struct session_up_opts {
	const char *dir;	/* the session directory (exists, 0700) */
	const char *platform;	/* NULL: the built-in platform */
	const char *cmdline;
	const char *self;	/* the iommulab executable (the kmod helpers run it) */
};

/*
 * In the process that will serve (single-threaded still): enters the
 * namespace, boots, mounts, listens. 0, or -errno with the reason in @msg.
 */
int session_server_start(const struct session_up_opts *o, char *msg, size_t msglen);
/* Serves until `iommulab down` or a signal; then tears down. */
int session_server_loop(void);

/*
 * modprobe, rmmod and lsmod in the namespace (session_kmod.c): a helper
 * bind-mounted over each that runs `iommulab kmod` against the session.
 */
int session_kmod_install(const struct session_up_opts *o, char *msg, size_t msglen);

#endif
