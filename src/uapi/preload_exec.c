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
 * connection, maps each descriptor still open to its new handle, closes
 * what no descriptor kept (the close-on-exec files, region mappings, which
 * exec unmaps), then the old connection's socket. A failed exec leaves the
 * program as it was (the ticket goes with its connection).
 *
 * Interposed: execve, execv, execvp, execvpe, execl, execlp, execle,
 * fexecve. Not: posix_spawn, system, popen (a new process, as a fork
 * without the fork handlers: its inherited forwarded descriptors answer
 * EBADF, as before).
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

#include "session_vfio.h"

#define EXEC_ENV "IOMMULAB_EXEC_FILES"
#define EXEC_MAX_FD 65536
#define EXEC_MAX_ARGS 4096

extern char **environ;

/* The forwarded descriptors that survive the exec: "fd.handle," each, or NULL. */
static char *kept_list(void)
{
	size_t len = 0, cap = 0;
	char *s = NULL, item[32];

	for (int fd = 0; fd < EXEC_MAX_FD; fd++) {
		if (!session_vfio_fd(fd))
			continue;
		int h = session_vfio_handle(fd);
		long fl = syscall(SYS_fcntl, fd, F_GETFD);
		if (h < 0 || fl < 0 || (fl & FD_CLOEXEC))
			continue;
		int n = snprintf(item, sizeof(item), "%s%d.%d", len ? "," : "", fd, h);
		if (len + (size_t)n + 1 > cap) {
			cap = cap ? cap * 2 : 256;
			char *t = realloc(s, cap);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		memcpy(s + len, item, (size_t)n + 1);
		len += (size_t)n;
	}
	return s;
}

/*
 * @envp with EXEC_ENV set for the new program (any old one dropped), or
 * @envp itself when nothing is forwarded. *@sock: the connection kept
 * open (-1 none); *@mem: what to free.
 */
static char *const *exec_env(char *const *envp, int *sock, void **mem)
{
	uint64_t ticket = 0;
	char *list = kept_list(), *var;
	size_t n = 0;

	*sock = -1;
	*mem = NULL;
	if (!list)
		return envp;
	int s = session_vfio_exec_ticket(&ticket);
	if (s < 0 || asprintf(&var, EXEC_ENV "=%d:%" PRIx64 ":%d:%s", (int)getpid(), ticket, s,
			      list) < 0) {
		if (s >= 0)
			session_vfio_exec_failed(s);
		free(list);
		return envp;
	}
	free(list);
	while (envp && envp[n])
		n++;
	char **env = malloc((n + 2) * sizeof(*env));
	if (!env) {
		session_vfio_exec_failed(s);
		free(var);
		return envp;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], EXEC_ENV "=", sizeof(EXEC_ENV)))
			env[k++] = envp[i];
	env[k++] = var;
	env[k] = NULL;
	*sock = s;
	*mem = env;
	return env;
}

static void exec_undo(int sock, void *mem)
{
	int e = errno;

	if (sock >= 0)
		session_vfio_exec_failed(sock);
	if (mem) {
		char **env = mem;
		size_t i = 0;
		while (env[i + 1])
			i++;
		free(env[i]);	/* our variable, last */
		free(env);
	}
	errno = e;
}

#define REAL_EXEC(name, ...)                                                   \
	static int (*real_##name)(__VA_ARGS__);                                \
	if (!real_##name)                                                      \
		real_##name = (int (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

__attribute__((visibility("default"))) int execve(const char *path, char *const argv[],
						  char *const envp[])
{
	REAL_EXEC(execve, const char *, char *const *, char *const *);
	int sock;
	void *mem;
	char *const *env = exec_env(envp, &sock, &mem);
	int ret = real_execve(path, argv, env);

	exec_undo(sock, mem);
	return ret;
}

__attribute__((visibility("default"))) int execvpe(const char *file, char *const argv[],
						   char *const envp[])
{
	REAL_EXEC(execvpe, const char *, char *const *, char *const *);
	int sock;
	void *mem;
	char *const *env = exec_env(envp, &sock, &mem);
	int ret = real_execvpe(file, argv, env);

	exec_undo(sock, mem);
	return ret;
}

__attribute__((visibility("default"))) int fexecve(int fd, char *const argv[], char *const envp[])
{
	REAL_EXEC(fexecve, int, char *const *, char *const *);
	int sock;
	void *mem;
	char *const *env = exec_env(envp, &sock, &mem);
	int ret = real_fexecve(fd, argv, env);

	exec_undo(sock, mem);
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

static bool is_socket(int fd)
{
	struct stat st;

	return fd >= 0 && syscall(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode);
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
	 * Another process's (a spawned child's inherited environment), or not
	 * naming a socket this process holds: not ours, and nothing is closed.
	 */
	if (!copy || sscanf(copy, "%d:%" SCNx64 ":%d:%n", &pid, &ticket, &sock, &off) != 3 ||
	    !off || pid != getpid() || !session || !*session || !is_socket(sock)) {
		free(copy);
		return;
	}
	size_t max = strlen(copy + off) / 4 + 1;
	int32_t *fds = malloc(max * sizeof(*fds)), *handles = malloc(max * sizeof(*handles));
	if (fds && handles) {
		unsigned int n = parse_list(copy + off, fds, handles, (unsigned int)max);
		session_vfio_exec_adopt(ticket, sock, fds, handles, n);
	}
	free(fds);
	free(handles);
	free(copy);
}
