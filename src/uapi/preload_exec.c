/*
 * exec() in a session client (the preload shim's interposers, only in
 * libiommulab-preload.so). On Linux exec keeps the process's open files
 * but those marked close-on-exec: a program started with an inherited
 * VFIO descriptor uses it (QEMU started with fd=N by its manager). A
 * forwarded descriptor is a /dev/null descriptor the shim maps to a
 * server handle, and that map dies with the old program's memory; so
 * before the exec the shim has the server keep the process's files under
 * a ticket (as for fork, session_fork.c), keeps its connection open
 * across the exec, and tells the new program which descriptor was which
 * handle in IOMMULAB_EXEC_FILES:
 *
 *     PID:TICKET:SOCK:FD.HANDLE,FD.HANDLE,...
 *
 * The new program's shim (its constructor) adopts the ticket on its own
 * connection, maps each descriptor still open to its new handle (a second
 * descriptor of one handle, which a spawn's dup2 makes, a dup of the
 * first), closes what no descriptor kept (the close-on-exec files, region
 * mappings, which exec unmaps), then the old connection's socket. PID is
 * the new program's own, or for a spawned one -(its parent's): a variable
 * a child inherited from its own parent is not its to adopt. A failed
 * exec leaves the program as it was and the ticket's references are given
 * back (exec_ticket_drop).
 *
 * Interposed: execve, execv, execvp, execvpe, execl, execlp, execle,
 * fexecve. posix_spawn, system and popen hand over through the same code
 * (preload_spawn.c).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "preload_exec.h"
#include "session_vfio.h"

#define EXEC_ENV "IOMMULAB_EXEC_FILES"
#define EXEC_MAX_FD 65536
#define EXEC_MAX_ARGS 4096

extern char **environ;

unsigned int exec_fds(struct exec_fd **fds)
{
	unsigned int n = 0, cap = 0;

	*fds = NULL;
	/* No connection, nothing forwarded: a shell's every command needs no scan. */
	if (!session_vfio_connected())
		return 0;
	for (int fd = 0; fd < EXEC_MAX_FD; fd++) {
		if (!session_vfio_fd(fd))
			continue;
		int h = session_vfio_handle(fd);
		long fl = syscall(SYS_fcntl, fd, F_GETFD);
		if (h < 0 || fl < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct exec_fd *t = realloc(*fds, cap * sizeof(**fds));
			if (!t) {
				free(*fds);
				*fds = NULL;
				return 0;
			}
			*fds = t;
		}
		(*fds)[n++] = (struct exec_fd){ .fd = fd, .handle = h, .cloexec = fl & FD_CLOEXEC };
	}
	return n;
}

bool exec_fds_kept(const struct exec_fd *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!fds[i].cloexec)
			return true;
	return false;
}

/* "fd.handle," for each of @fds not close-on-exec, or NULL when none. */
static char *kept_list(const struct exec_fd *fds, unsigned int n)
{
	char *s = malloc((size_t)n * 24 + 1);
	size_t len = 0;

	if (!s)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		if (!fds[i].cloexec)
			len += (size_t)sprintf(s + len, "%s%d.%d", len ? "," : "", fds[i].fd,
					       fds[i].handle);
	if (!len) {
		free(s);
		return NULL;
	}
	return s;
}

char **exec_handover_env(char *const *envp, long who, uint64_t ticket, int sock,
			 const struct exec_fd *fds, unsigned int n)
{
	char *list = kept_list(fds, n), *var;
	size_t nenv = 0;

	if (!list)
		return NULL;
	int ret = asprintf(&var, EXEC_ENV "=%ld:%" PRIx64 ":%d:%s", who, ticket, sock, list);
	free(list);
	if (ret < 0)
		return NULL;
	while (envp && envp[nenv])
		nenv++;
	char **env = malloc((nenv + 2) * sizeof(*env));
	if (!env) {
		free(var);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(envp[i], EXEC_ENV "=", sizeof(EXEC_ENV)))
			env[k++] = envp[i];
	env[k++] = var;
	env[k] = NULL;
	return env;
}

void exec_handover_env_free(char **env)
{
	size_t i = 0;

	if (!env)
		return;
	while (env[i + 1])
		i++;
	free(env[i]);	/* our variable, last */
	free(env);
}

/*
 * The ticket's references move into this process's own table and are
 * closed at once: what a failed exec or spawn took is given back.
 */
void exec_ticket_drop(uint64_t ticket)
{
	int e = errno;

	session_vfio_exec_adopt(ticket, -1, NULL, NULL, 0);
	errno = e;
}

/* What an exec wrapper gives back when the exec fails. */
struct exec_state {
	int sock;
	uint64_t ticket;
	char **env;
};

/* The exec failed: the socket is close-on-exec again, the ticket dropped. */
static void exec_undo(struct exec_state *st)
{
	int e = errno;

	if (st->sock >= 0) {
		session_vfio_exec_failed(st->sock);
		exec_ticket_drop(st->ticket);
	}
	st->sock = -1;
	exec_handover_env_free(st->env);
	st->env = NULL;
	errno = e;
}

/* @envp with EXEC_ENV set for the new program, or @envp itself when nothing is kept. */
static char *const *exec_env(char *const *envp, struct exec_state *st)
{
	struct exec_fd *fds;
	unsigned int n = exec_fds(&fds);

	st->sock = -1;
	st->env = NULL;
	if (n && exec_fds_kept(fds, n)) {
		int s = session_vfio_exec_ticket(&st->ticket);
		if (s >= 0) {
			st->sock = s;
			st->env = exec_handover_env(envp, getpid(), st->ticket, s, fds, n);
			if (!st->env)
				exec_undo(st);
		}
	}
	free(fds);
	return st->env ? st->env : envp;
}

#define REAL_EXEC(name, ...)                                                   \
	static int (*real_##name)(__VA_ARGS__);                                \
	if (!real_##name)                                                      \
		real_##name = (int (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

__attribute__((visibility("default"))) int execve(const char *path, char *const argv[],
						  char *const envp[])
{
	REAL_EXEC(execve, const char *, char *const *, char *const *);
	struct exec_state st;
	char *const *env = exec_env(envp, &st);
	int ret = real_execve(path, argv, env);

	exec_undo(&st);
	return ret;
}

__attribute__((visibility("default"))) int execvpe(const char *file, char *const argv[],
						   char *const envp[])
{
	REAL_EXEC(execvpe, const char *, char *const *, char *const *);
	struct exec_state st;
	char *const *env = exec_env(envp, &st);
	int ret = real_execvpe(file, argv, env);

	exec_undo(&st);
	return ret;
}

__attribute__((visibility("default"))) int fexecve(int fd, char *const argv[], char *const envp[])
{
	REAL_EXEC(fexecve, int, char *const *, char *const *);
	struct exec_state st;
	char *const *env = exec_env(envp, &st);
	int ret = real_fexecve(fd, argv, env);

	exec_undo(&st);
	return ret;
}

__attribute__((visibility("default"))) int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

__attribute__((visibility("default"))) int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* execl's list as an argv (and execle's envp after its NULL). */
static int list_argv(const char *arg0, va_list ap, char **argv, char *const **envp)
{
	int n = 0;

	argv[n++] = (char *)arg0;
	while (arg0 && (argv[n] = va_arg(ap, char *)) && ++n < EXEC_MAX_ARGS)
		;
	if (n >= EXEC_MAX_ARGS) {
		errno = E2BIG;
		return -1;
	}
	if (!arg0)
		argv[0] = NULL;
	if (envp)
		*envp = va_arg(ap, char *const *);
	return 0;
}

__attribute__((visibility("default"))) int execl(const char *path, const char *arg, ...)
{
	char *argv[EXEC_MAX_ARGS];
	va_list ap;

	va_start(ap, arg);
	int ret = list_argv(arg, ap, argv, NULL);
	va_end(ap);
	return ret ? ret : execve(path, argv, environ);
}

__attribute__((visibility("default"))) int execlp(const char *file, const char *arg, ...)
{
	char *argv[EXEC_MAX_ARGS];
	va_list ap;

	va_start(ap, arg);
	int ret = list_argv(arg, ap, argv, NULL);
	va_end(ap);
	return ret ? ret : execvpe(file, argv, environ);
}

__attribute__((visibility("default"))) int execle(const char *path, const char *arg, ...)
{
	char *argv[EXEC_MAX_ARGS];
	char *const *envp = NULL;
	va_list ap;

	va_start(ap, arg);
	int ret = list_argv(arg, ap, argv, &envp);
	va_end(ap);
	return ret ? ret : execve(path, argv, envp);
}

/* ---- the new program ------------------------------------------------------ */

/* "fd.handle,..." into @fds and @handles: how many. */
static unsigned int parse_list(const char *p, int32_t *fds, int32_t *handles, unsigned int max)
{
	unsigned int n = 0;

	while (*p && n < max) {
		char *end;
		long fd = strtol(p, &end, 10), h;

		if (*end != '.')
			break;
		h = strtol(end + 1, &end, 10);
		fds[n] = (int32_t)fd;
		handles[n++] = (int32_t)h;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return n;
}

/*
 * A spawn's dup2 action can leave one handle at two descriptors (the same
 * open file, as a dup). The first of each handle goes in front (adopted),
 * the others behind: the count in front.
 */
static unsigned int split_dups(int32_t *fds, int32_t *handles, unsigned int n)
{
	unsigned int first = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool seen = false;
		for (unsigned int j = 0; j < first && !seen; j++)
			seen = handles[j] == handles[i];
		if (seen)
			continue;
		int32_t fd = fds[i], h = handles[i];
		memmove(fds + first + 1, fds + first, (i - first) * sizeof(*fds));
		memmove(handles + first + 1, handles + first, (i - first) * sizeof(*handles));
		fds[first] = fd;
		handles[first++] = h;
	}
	return first;
}

/* Each descriptor behind @first: a dup of the adopted one of its handle. */
static void adopt_dups(const int32_t *fds, const int32_t *handles, unsigned int first,
		       unsigned int n)
{
	for (unsigned int i = first; i < n; i++)
		for (unsigned int j = 0; j < first; j++)
			if (handles[j] == handles[i] && session_vfio_fd(fds[j]) &&
			    syscall(SYS_fcntl, fds[i], F_GETFD) >= 0)
				session_vfio_dup(fds[j], fds[i], 0, 0);
}

static bool is_socket(int fd)
{
	struct stat st;

	return fd >= 0 && syscall(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * The hand-over is this process's: made for it by its exec (@pid, its
 * own pid), or by the parent that spawned it (-@pid, its parent's pid),
 * naming a socket it holds (a spawned one may have none: -1).
 */
static bool handover_ours(int pid, int sock)
{
	if (pid > 0)
		return pid == getpid() && is_socket(sock);
	return pid < 0 && -pid == getppid() && (sock == -1 || is_socket(sock));
}

__attribute__((constructor)) static void exec_inherit_adopt(void)
{
	const char *v = getenv(EXEC_ENV), *session = getenv("IOMMULAB_SESSION");
	int pid, sock, off = 0;
	uint64_t ticket;

	if (!v)
		return;
	char *copy = strdup(v);
	unsetenv(EXEC_ENV);
	/*
	 * Another process's (a child's inherited environment), or not naming
	 * a socket this process holds: not ours, and nothing is closed.
	 */
	if (!copy || sscanf(copy, "%d:%" SCNx64 ":%d:%n", &pid, &ticket, &sock, &off) != 3 ||
	    !off || !session || !*session || !handover_ours(pid, sock)) {
		free(copy);
		return;
	}
	size_t max = strlen(copy + off) / 4 + 1;
	int32_t *fds = malloc(max * sizeof(*fds)), *handles = malloc(max * sizeof(*handles));
	if (fds && handles) {
		unsigned int n = parse_list(copy + off, fds, handles, (unsigned int)max);
		unsigned int first = split_dups(fds, handles, n);
		if (!session_vfio_exec_adopt(ticket, sock, fds, handles, first))
			adopt_dups(fds, handles, first, n);
	}
	free(fds);
	free(handles);
	free(copy);
}
