/*
 * posix_spawn, posix_spawnp, system and popen in a session client (the
 * preload shim's interposers, only in libiommulab-preload.so). A program
 * they start inherits the descriptors not close-on-exec, as after fork
 * and exec; but glibc's spawn runs no fork handlers and calls execve
 * itself, so neither session_fork.c's adoption nor preload_exec.c's exec
 * wrappers see it, and its forwarded descriptors would answer EBADF.
 *
 * So the spawn hands them over as an exec does (preload_exec.c): the
 * server keeps the process's files under a ticket and IOMMULAB_EXEC_FILES
 * names, for the new program, each forwarded descriptor it will hold and
 * the handle it was. Which ones it holds is the file actions' doing: a
 * descriptor dup2'd to another number is there at that number, one
 * closed (or opened over) is not, close-on-exec ones are not. The shim
 * cannot read glibc's file actions, so it keeps its own record of each
 * object's actions, made by the posix_spawn_file_actions_* interposers
 * below; an object it has no record of hands nothing over.
 *
 * The child gets a copy of the connection's socket at a number no file
 * action touches, so that the ticket outlives a parent that exits at
 * once; its shim adopts the ticket (it checks it was spawned by the pid
 * the variable names) and closes the copy. A spawn that fails gives the
 * ticket's references back at once.
 *
 * glibc's system() and popen() spawn through an internal posix_spawn: when
 * something is to be handed over they are done here, on the interposed
 * posix_spawn, as POSIX describes them (and pclose for our popen's
 * streams); otherwise glibc's run unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "preload_exec.h"
#include "session_vfio.h"

extern char **environ;

#define API __attribute__((visibility("default")))

#define REAL(name, ret, ...)                                                   \
	static ret (*real_##name)(__VA_ARGS__);                                \
	if (!real_##name)                                                      \
		real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

/* ---- the record of file actions ---------------------------------------- */

enum fa_kind { FA_CLOSE, FA_DUP2, FA_OPEN, FA_CHDIR, FA_FCHDIR, FA_CLOSEFROM, FA_TCSETPGRP };

struct fa_act {
	enum fa_kind kind;
	int fd, newfd, oflag;
	mode_t mode;
	char *path;
};

struct fa_rec {
	struct fa_rec *next;
	const void *key;	/* the caller's posix_spawn_file_actions_t */
	struct fa_act *acts;
	unsigned int n, cap;
	bool lost;		/* an action we could not record: hand nothing over */
};

static pthread_mutex_t fa_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fa_rec *fa_recs;

static void rec_free(struct fa_rec *r)
{
	for (unsigned int i = 0; r && i < r->n; i++)
		free(r->acts[i].path);
	if (r)
		free(r->acts);
	free(r);
}

/* Under fa_lock: @key's record unlinked, or NULL. */
static struct fa_rec *rec_unlink(const void *key)
{
	for (struct fa_rec **pp = &fa_recs; *pp; pp = &(*pp)->next) {
		if ((*pp)->key == key) {
			struct fa_rec *r = *pp;
			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

static void rec_forget(const void *key)
{
	pthread_mutex_lock(&fa_lock);
	struct fa_rec *r = rec_unlink(key);
	pthread_mutex_unlock(&fa_lock);
	rec_free(r);
}

static void rec_start(const void *key)
{
	struct fa_rec *r = calloc(1, sizeof(*r));

	rec_forget(key);	/* an object reused without destroy */
	if (!r)
		return;		/* no record: nothing handed over */
	r->key = key;
	pthread_mutex_lock(&fa_lock);
	r->next = fa_recs;
	fa_recs = r;
	pthread_mutex_unlock(&fa_lock);
}

/* Appends @a (its path copied) to @r. 0 or -ENOMEM. */
static int rec_push(struct fa_rec *r, const struct fa_act *a)
{
	if (r->n == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 8;
		struct fa_act *t = realloc(r->acts, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		r->acts = t;
		r->cap = cap;
	}
	r->acts[r->n] = *a;
	if (a->path && !(r->acts[r->n].path = strdup(a->path)))
		return -ENOMEM;
	r->n++;
	return 0;
}

/* After the real add* succeeded on @key: the action recorded. */
static void rec_add(const void *key, const struct fa_act *a)
{
	pthread_mutex_lock(&fa_lock);
	for (struct fa_rec *r = fa_recs; r; r = r->next)
		if (r->key == key && !r->lost && rec_push(r, a))
			r->lost = true;
	pthread_mutex_unlock(&fa_lock);
}

/* A private copy of @key's record (a spawn reads it while others may add), or NULL. */
static struct fa_rec *rec_copy(const void *key)
{
	struct fa_rec *c = calloc(1, sizeof(*c));

	pthread_mutex_lock(&fa_lock);
	struct fa_rec *r = fa_recs;
	while (r && r->key != key)
		r = r->next;
	bool ok = c && r && !r->lost;
	for (unsigned int i = 0; ok && i < r->n; i++)
		ok = !rec_push(c, &r->acts[i]);
	pthread_mutex_unlock(&fa_lock);
	if (!ok) {
		rec_free(c);
		return NULL;
	}
	return c;
}

API int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	REAL(posix_spawn_file_actions_init, int, posix_spawn_file_actions_t *);
	int ret = real_posix_spawn_file_actions_init(fa);

	if (!ret)
		rec_start(fa);
	return ret;
}

API int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	REAL(posix_spawn_file_actions_destroy, int, posix_spawn_file_actions_t *);

	rec_forget(fa);
	return real_posix_spawn_file_actions_destroy(fa);
}

/* The real add* @name with @args; the action @a recorded when it took it. */
#define FA_ADD(name, a, proto, ...)                                            \
	do {                                                                   \
		REAL(name, int, posix_spawn_file_actions_t *, proto);          \
		if (!real_##name)                                              \
			return ENOSYS;                                         \
		int ret_ = real_##name(fa, __VA_ARGS__);                       \
		if (!ret_)                                                     \
			rec_add(fa, a);                                        \
		return ret_;                                                   \
	} while (0)

API int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	struct fa_act a = { .kind = FA_CLOSE, .fd = fd };

	FA_ADD(posix_spawn_file_actions_addclose, &a, int, fd);
}

API int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
	struct fa_act a = { .kind = FA_DUP2, .fd = fd, .newfd = newfd };
	REAL(posix_spawn_file_actions_adddup2, int, posix_spawn_file_actions_t *, int, int);
	int ret = real_posix_spawn_file_actions_adddup2(fa, fd, newfd);

	if (!ret)
		rec_add(fa, &a);
	return ret;
}

API int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd,
					 const char *path, int oflag, mode_t mode)
{
	struct fa_act a = { .kind = FA_OPEN, .fd = fd, .path = (char *)path, .oflag = oflag,
			    .mode = mode };
	REAL(posix_spawn_file_actions_addopen, int, posix_spawn_file_actions_t *, int,
	     const char *, int, mode_t);
	int ret = real_posix_spawn_file_actions_addopen(fa, fd, path, oflag, mode);

	if (!ret)
		rec_add(fa, &a);
	return ret;
}

API int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *fa, const char *path)
{
	struct fa_act a = { .kind = FA_CHDIR, .fd = -1, .path = (char *)path };

	FA_ADD(posix_spawn_file_actions_addchdir_np, &a, const char *, path);
}

API int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)
{
	struct fa_act a = { .kind = FA_FCHDIR, .fd = fd };

	FA_ADD(posix_spawn_file_actions_addfchdir_np, &a, int, fd);
}

API int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int from)
{
	struct fa_act a = { .kind = FA_CLOSEFROM, .fd = from };

	FA_ADD(posix_spawn_file_actions_addclosefrom_np, &a, int, from);
}

API int posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *fa, int fd)
{
	struct fa_act a = { .kind = FA_TCSETPGRP, .fd = fd };

	FA_ADD(posix_spawn_file_actions_addtcsetpgrp_np, &a, int, fd);
}

/* ---- what the child holds ------------------------------------------------ */

/* The child's descriptor table of forwarded files, as the actions leave it. */
struct child_fds {
	struct exec_fd *fds;
	unsigned int n;
	int first_free;		/* no action names a descriptor from here on... */
	int closefrom;		/* ...but a closefrom from this one (INT_MAX: none) */
};

static void child_drop(struct child_fds *c, int fd)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->fds[i].fd == fd)
			c->fds[i--] = c->fds[--c->n];
}

static struct exec_fd *child_find(struct child_fds *c, int fd)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->fds[i].fd == fd)
			return &c->fds[i];
	return NULL;
}

/* dup2(@fd, @newfd) in the child: @newfd the same file, without FD_CLOEXEC. */
static void child_dup2(struct child_fds *c, int fd, int newfd)
{
	struct exec_fd *e = child_find(c, fd);

	if (fd == newfd) {
		if (e)
			e->cloexec = false;
		return;
	}
	child_drop(c, newfd);
	if ((e = child_find(c, fd)))	/* again: the drop moved entries */
		c->fds[c->n++] = (struct exec_fd){ .fd = newfd, .handle = e->handle };
}

static void child_apply(struct child_fds *c, const struct fa_act *a)
{
	int named = a->kind == FA_DUP2 ? a->newfd : a->fd;

	if (named >= c->first_free)
		c->first_free = named + 1;
	switch (a->kind) {
	case FA_CLOSE:
	case FA_OPEN:
		child_drop(c, a->fd);
		break;
	case FA_DUP2:
		child_dup2(c, a->fd, a->newfd);
		break;
	case FA_CLOSEFROM:
		for (unsigned int i = 0; i < c->n; i++)
			if (c->fds[i].fd >= a->fd)
				c->fds[i--] = c->fds[--c->n];
		if (a->fd < c->closefrom)
			c->closefrom = a->fd;
		break;
	default:
		break;
	}
}

/* The parent's forwarded files @fds (taken) after @r's actions: 0 or -ENOMEM. */
static int child_fds(struct child_fds *c, struct exec_fd *fds, unsigned int n,
		     const struct fa_rec *r)
{
	unsigned int dups = 0;

	for (unsigned int i = 0; r && i < r->n; i++)
		dups += r->acts[i].kind == FA_DUP2;
	struct exec_fd *t = realloc(fds, (n + dups) * sizeof(*t));
	if (!t) {
		free(fds);
		return -ENOMEM;
	}
	*c = (struct child_fds){ .fds = t, .n = n, .first_free = 3, .closefrom = 1 << 30 };
	for (unsigned int i = 0; r && i < r->n; i++)
		child_apply(c, &r->acts[i]);
	return 0;
}

/* ---- the spawn ----------------------------------------------------------- */

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
		     const posix_spawnattr_t *, char *const[], char *const[]);

/* A fresh object doing @r's actions, then dup2(@sock, @sock) when @sock >= 0. */
static int fa_build(posix_spawn_file_actions_t *fa, const struct fa_rec *r, int sock)
{
	int ret = posix_spawn_file_actions_init(fa);

	for (unsigned int i = 0; !ret && r && i < r->n; i++) {
		const struct fa_act *a = &r->acts[i];
		switch (a->kind) {
		case FA_CLOSE:
			ret = posix_spawn_file_actions_addclose(fa, a->fd);
			break;
		case FA_DUP2:
			ret = posix_spawn_file_actions_adddup2(fa, a->fd, a->newfd);
			break;
		case FA_OPEN:
			ret = posix_spawn_file_actions_addopen(fa, a->fd, a->path, a->oflag,
							       a->mode);
			break;
		case FA_CHDIR:
			ret = posix_spawn_file_actions_addchdir_np(fa, a->path);
			break;
		case FA_FCHDIR:
			ret = posix_spawn_file_actions_addfchdir_np(fa, a->fd);
			break;
		case FA_CLOSEFROM:
			ret = posix_spawn_file_actions_addclosefrom_np(fa, a->fd);
			break;
		case FA_TCSETPGRP:
			ret = posix_spawn_file_actions_addtcsetpgrp_np(fa, a->fd);
			break;
		}
	}
	/* dup2 of a descriptor onto itself clears FD_CLOEXEC (POSIX, glibc >= 2.29). */
	if (!ret && sock >= 0)
		ret = posix_spawn_file_actions_adddup2(fa, sock, sock);
	if (ret)
		posix_spawn_file_actions_destroy(fa);
	return ret;
}

/* The socket's copy for the child, at a number no action touches, or -1. */
static int child_sock(int sock, const struct child_fds *c)
{
	int s = (int)syscall(SYS_fcntl, sock, F_DUPFD_CLOEXEC, c->first_free);

	if (s >= c->closefrom) {
		syscall(SYS_close, s);
		return -1;
	}
	return s < 0 ? -1 : s;
}

/*
 * The spawn with the hand-over, when there is one: 0 and *@done set when
 * it ran (its result in *@ret), else nothing was done.
 */
static int spawn_handover(spawn_fn *real, pid_t *pid, const char *path,
			  const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
			  char *const argv[], char *const envp[], bool *done)
{
	struct exec_fd *fds;
	struct child_fds c = { 0 };
	unsigned int n = exec_fds(&fds);
	struct fa_rec *r = NULL;
	uint64_t ticket;
	int ret = 0;

	*done = false;
	if (!n || (fa && !(r = rec_copy(fa)))) {
		free(fds);
		return 0;
	}
	if (child_fds(&c, fds, n, r)) {	/* @fds are the child's now, or freed */
		rec_free(r);
		return 0;
	}
	int sock = -1;
	if (exec_fds_kept(c.fds, c.n))
		sock = session_vfio_exec_ticket(&ticket);
	if (sock >= 0) {
		/* The parent's socket stays close-on-exec: the child gets its own copy. */
		session_vfio_exec_failed(sock);
		int s = child_sock(sock, &c);
		char **env = exec_handover_env(envp, -(long)getpid(), ticket, s, c.fds, c.n);
		posix_spawn_file_actions_t mine;
		if (env && !fa_build(&mine, r, s)) {
			ret = real(pid, path, &mine, attr, argv, env);
			*done = true;
			posix_spawn_file_actions_destroy(&mine);
		}
		if (!*done || ret)
			exec_ticket_drop(ticket);
		if (s >= 0)
			syscall(SYS_close, s);
		if (env)
			exec_handover_env_free(env);
	}
	free(c.fds);
	rec_free(r);
	return ret;
}

static int spawn(spawn_fn *real, pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	bool done;
	int ret = spawn_handover(real, pid, path, fa, attr, argv, envp, &done);

	return done ? ret : real(pid, path, fa, attr, argv, envp);
}

API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static spawn_fn *real;

	if (!real)
		real = (spawn_fn *)dlsym(RTLD_NEXT, "posix_spawn");
	return spawn(real, pid, path, fa, attr, argv, envp);
}

API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static spawn_fn *real;

	if (!real)
		real = (spawn_fn *)dlsym(RTLD_NEXT, "posix_spawnp");
	return spawn(real, pid, file, fa, attr, argv, envp);
}

/* ---- system and popen ------------------------------------------------------ */

/* Whether this process has forwarded descriptors a new program would keep. */
static bool handover_wanted(void)
{
	struct exec_fd *fds;
	unsigned int n = exec_fds(&fds);
	bool kept = exec_fds_kept(fds, n);

	free(fds);
	return kept;
}

/* waitpid(@pid) through EINTR: the status, or -1. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/*
 * system(): sh -c CMD with SIGCHLD blocked and SIGINT, SIGQUIT ignored in
 * the caller while it runs, the child with the caller's mask and those
 * two at their default unless the caller ignored them (POSIX); a shell
 * that could not start is exit status 127.
 */
static int spawn_system(const char *cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	sigset_t chld, omask, def;
	posix_spawnattr_t attr;
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int status = -1;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &omask);
	sigemptyset(&def);
	if (oint.sa_handler != SIG_IGN)
		sigaddset(&def, SIGINT);
	if (oquit.sa_handler != SIG_IGN)
		sigaddset(&def, SIGQUIT);
	if (!posix_spawnattr_init(&attr)) {
		posix_spawnattr_setsigdefault(&attr, &def);
		posix_spawnattr_setsigmask(&attr, &omask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
		int ret = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
		posix_spawnattr_destroy(&attr);
		if (!ret)
			status = wait_child(pid);
		else
			status = 127 << 8;
	}
	int e = errno;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	sigprocmask(SIG_SETMASK, &omask, NULL);
	errno = e;
	return status;
}

API int system(const char *cmd)
{
	REAL(system, int, const char *);

	if (!cmd || !handover_wanted())
		return real_system(cmd);
	return spawn_system(cmd);
}

/* Our popen's streams: pclose waits for their shell. */
struct popen_stream {
	struct popen_stream *next;
	FILE *f;
	int fd;
	pid_t pid;
};

static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct popen_stream *popen_streams;

/* The shell's side: the pipe's end at 0 or 1, the other streams' closed (POSIX). */
static int popen_actions(posix_spawn_file_actions_t *fa, int end, int target)
{
	int ret = posix_spawn_file_actions_init(fa);

	if (!ret)
		ret = posix_spawn_file_actions_adddup2(fa, end, target);
	pthread_mutex_lock(&popen_lock);
	for (struct popen_stream *s = popen_streams; s && !ret; s = s->next)
		if (s->fd != target)
			ret = posix_spawn_file_actions_addclose(fa, s->fd);
	pthread_mutex_unlock(&popen_lock);
	return ret;
}

/* @p's end for the caller as a stream, its shell started: the stream or NULL. */
static FILE *popen_start(const char *cmd, int p[2], bool reading, bool cloexec)
{
	struct popen_stream *s = calloc(1, sizeof(*s));
	posix_spawn_file_actions_t fa;
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	int mine = reading ? p[0] : p[1], theirs = reading ? p[1] : p[0];
	int ret = s ? popen_actions(&fa, theirs, reading ? 1 : 0) : ENOMEM;

	if (s && !ret) {
		ret = posix_spawn(&s->pid, "/bin/sh", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(theirs);
	if (!ret && !cloexec)
		syscall(SYS_fcntl, mine, F_SETFD, 0);
	if (!ret && !(s->f = fdopen(mine, reading ? "r" : "w"))) {
		ret = errno;
		kill(s->pid, SIGKILL);
		wait_child(s->pid);
	}
	if (ret) {
		close(mine);
		free(s);
		errno = ret;
		return NULL;
	}
	s->fd = mine;
	pthread_mutex_lock(&popen_lock);
	s->next = popen_streams;
	popen_streams = s;
	pthread_mutex_unlock(&popen_lock);
	return s->f;
}

API FILE *popen(const char *cmd, const char *mode)
{
	REAL(popen, FILE *, const char *, const char *);
	int p[2];

	if (!cmd || !mode || (mode[0] != 'r' && mode[0] != 'w') || !handover_wanted())
		return real_popen(cmd, mode);
	if (pipe2(p, O_CLOEXEC))
		return NULL;
	return popen_start(cmd, p, mode[0] == 'r', strchr(mode + 1, 'e') != NULL);
}

API int pclose(FILE *f)
{
	REAL(pclose, int, FILE *);
	struct popen_stream *s = NULL;

	pthread_mutex_lock(&popen_lock);
	for (struct popen_stream **pp = &popen_streams; *pp; pp = &(*pp)->next) {
		if ((*pp)->f == f) {
			s = *pp;
			*pp = s->next;
			break;
		}
	}
	pthread_mutex_unlock(&popen_lock);
	if (!s)
		return real_pclose(f);
	fclose(f);
	int status = wait_child(s->pid);
	free(s);
	return status;
}

/* ---- vfork ------------------------------------------------------------------ */

/*
 * A shell (dash) starts commands with vfork and execve: no fork handlers
 * run, and the child, sharing the parent's memory and connection, cannot
 * take a ticket of its own. When something is to be handed over, vfork
 * is fork (POSIX allows it): the fork handlers give the child its files
 * and its exec hands them on. Otherwise it is the real vfork, reached by
 * a jump, so that no frame of ours lies under the child (x86-64; other
 * machines always fork).
 */
__attribute__((used, visibility("hidden"))) void *preload_vfork_target(void)
{
	static void *real;

	if (!real)
		real = dlsym(RTLD_NEXT, "vfork");
	return handover_wanted() || !real ? (void *)fork : real;
}

#if defined(__x86_64__)
__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"\tsub $8, %rsp\n"		/* the call's alignment */
	"\tcall preload_vfork_target\n"
	"\tadd $8, %rsp\n"
	"\tjmp *%rax\n"
	".size vfork, .-vfork\n");
#else
API pid_t vfork(void)
{
	return fork();
}
#endif
