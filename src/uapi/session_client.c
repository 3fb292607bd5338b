/*
 * Lab sessions: the client's side of the protocol (session.h): connect
 * and say hello, one request and its reply, and joining the session's
 * namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "session.h"

int session_connect(const char *dir, enum session_kind kind)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct session_hello hello = {
		.magic = SESSION_MAGIC, .version = SESSION_VERSION,
		.kind = kind, .pid = getpid(),
	};
	int sock, ret;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(sock);
		return ret;
	}
	ret = (int)session_call(sock, SESSION_HELLO, &hello, sizeof(hello), NULL, 0, NULL, 0,
				NULL, NULL, NULL);
	if (ret < 0) {
		close(sock);
		return ret;
	}
	return sock;
}

int64_t session_call(int sock, uint32_t op, const void *req, size_t reqlen, const int *fds,
		     unsigned int nfds, void *rep, size_t repsize, size_t *replen, int *rfds,
		     unsigned int *nrfds)
{
	static uint64_t seq;
	struct session_hdr hdr = { .op = op, .len = (uint32_t)reqlen, .seq = ++seq };
	struct session_hdr in;
	char *buf;
	int ret;

	if (reqlen > SESSION_MAX_PAYLOAD)
		return -E2BIG;
	ret = session_send(sock, &hdr, req, fds, nfds);
	if (ret)
		return ret;
	/* The whole reply, then what the caller has room for. */
	buf = malloc(SESSION_MAX_PAYLOAD);
	if (!buf)
		return -ENOMEM;
	int got[SESSION_MAX_FDS];
	unsigned int ngot = 0;
	/* A reply to an earlier, abandoned request (a signal cut it short) is dropped. */
	for (;;) {
		ret = session_recv(sock, &in, buf, SESSION_MAX_PAYLOAD, got, &ngot);
		if (ret || in.seq == hdr.seq)
			break;
		for (unsigned int i = 0; i < ngot; i++)
			close(got[i]);
	}
	if (ret) {
		free(buf);
		return ret;
	}
	size_t n = in.len < repsize ? in.len : repsize;
	if (n)
		memcpy(rep, buf, n);
	free(buf);
	if (replen)
		*replen = in.len;
	for (unsigned int i = 0; i < ngot; i++) {
		if (rfds)
			rfds[i] = got[i];
		else
			close(got[i]);
	}
	if (nrfds)
		*nrfds = rfds ? ngot : 0;
	return in.ret;
}

pid_t session_server_pid(const char *dir)
{
	char path[PATH_MAX];
	long pid = 0;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/pid", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		pid = -EINVAL;
	fclose(f);
	return (pid_t)pid;
}

static int open_ns(pid_t pid, const char *which)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, which);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int session_join(const char *dir)
{
	char cwd[PATH_MAX];
	pid_t pid = session_server_pid(dir);
	int userns, mntns, ret = 0;

	if (pid < 0)
		return pid;
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	userns = open_ns(pid, "user");
	if (userns < 0)
		return userns;
	mntns = open_ns(pid, "mnt");
	if (mntns < 0) {
		close(userns);
		return mntns;
	}
	if (setns(userns, CLONE_NEWUSER) < 0 || setns(mntns, CLONE_NEWNS) < 0)
		ret = -errno;
	close(userns);
	close(mntns);
	/* setns on a mount namespace moves to its root: back where we were. */
	if (!ret && chdir(cwd) < 0)
		ret = chdir("/") < 0 ? -errno : 0;
	return ret;
}
