/*
 * Lab sessions: the pieces of the protocol both ends use (session.h):
 * where a session lives, and one message with its descriptors over a
 * SOCK_SEQPACKET socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "session.h"

static bool name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..");
}

int session_dir(const char *name, char *buf, size_t size)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int n;

	if (!name || !*name)
		name = getenv(SESSION_ENV);
	if (!name || !*name)
		name = "default";
	if (strchr(name, '/'))
		n = snprintf(buf, size, "%s", name);
	else if (!name_ok(name))
		return -EINVAL;
	else if (rt && *rt == '/')
		n = snprintf(buf, size, "%s/iommulab/%s", rt, name);
	else
		n = snprintf(buf, size, "/tmp/iommulab-%u/%s", (unsigned)getuid(), name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int session_send(int sock, struct session_hdr *hdr, const void *payload, const int *fds,
		 unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SESSION_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)payload, .iov_len = hdr->len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = hdr->len ? 2 : 1 };

	if (nfds > SESSION_MAX_FDS || hdr->len > SESSION_MAX_PAYLOAD)
		return -EINVAL;
	hdr->magic = SESSION_MAGIC;
	hdr->nfds = nfds;
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Takes the descriptors out of @msg's control messages; closes what does not fit. */
static unsigned int take_fds(struct msghdr *msg, int *fds)
{
	unsigned int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *in = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < cnt; i++) {
			if (fds && n < SESSION_MAX_FDS)
				fds[n++] = in[i];
			else
				close(in[i]);
		}
	}
	return n;
}

int session_recv(int sock, struct session_hdr *hdr, void *payload, size_t size, int *fds,
		 unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SESSION_MAX_FDS * 2)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = payload, .iov_len = size },
	};
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	unsigned int got = take_fds(&msg, fds);
	if (nfds)
		*nfds = got;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n < sizeof(*hdr) || hdr->magic != SESSION_MAGIC ||
	    hdr->len != (size_t)n - sizeof(*hdr) || (msg.msg_flags & MSG_TRUNC)) {
		for (unsigned int i = 0; fds && i < got; i++)
			close(fds[i]);
		if (nfds)
			*nfds = 0;
		return (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : -EPROTO;
	}
	return 0;
}
