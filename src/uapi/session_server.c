/*
 * The session server (`iommulab up`): one lab that every program of a
 * session shares. It runs in its own user and mount namespace, serves the
 * lab's /sys there as a FUSE filesystem (fuse_sysfs.c), and answers the
 * clients of session.h on a UNIX socket. One thread, this one, owns the
 * kernel; the FUSE thread hands its requests over (session_kernel_call).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "kernel/base/fs.h"
#include "session_server.h"
#include "session_spin.h"
#include "session_up.h"

#define MAX_CLIENTS 256
#define MAX_CLIENT_FILES 1024

struct kcall {
	void (*fn)(void *arg);
	void *arg;
	bool done;
	struct kcall *next;
};

static struct {
	const char *dir;
	pthread_t kthread;
	int listen;
	int evfd;		/* the FUSE thread's doorbell */
	int sigfd;
	bool running;		/* the kernel serves calls */
	bool down;
	struct session_client *clients;
	unsigned int nr_clients;
	session_handler_t ops[SESSION_OP_MAX];
	void (*release_hook)(struct session_client *c);
	void (*released_hook)(struct session_client *c);
	bool (*idle_hook)(void);
	pthread_mutex_t qlock;
	pthread_cond_t qdone;
	struct kcall *queue, **qtail;
	struct session_spin spin;	/* waiting for the next request */
} srv = {
	.listen = -1, .evfd = -1, .sigfd = -1,
	.qlock = PTHREAD_MUTEX_INITIALIZER,
	.qdone = PTHREAD_COND_INITIALIZER,
};

/* ---- the kernel thread's queue ----------------------------------------- */

int session_kernel_call(void (*fn)(void *arg), void *arg)
{
	struct kcall k = { .fn = fn, .arg = arg };
	uint64_t one = 1;

	if (pthread_equal(pthread_self(), srv.kthread)) {
		if (!srv.running)
			return -ENOTCONN;
		fn(arg);
		return 0;
	}
	pthread_mutex_lock(&srv.qlock);
	if (!srv.running) {
		pthread_mutex_unlock(&srv.qlock);
		return -ENOTCONN;
	}
	*srv.qtail = &k;
	srv.qtail = &k.next;
	if (write(srv.evfd, &one, sizeof(one)) < 0) {
		/* An eventfd write fails only on overflow: the thread is awake anyway. */
	}
	while (!k.done)
		pthread_cond_wait(&srv.qdone, &srv.qlock);
	pthread_mutex_unlock(&srv.qlock);
	return srv.running || k.fn == NULL ? 0 : -ENOTCONN;
}

/* Runs what the FUSE thread queued; with @cancel, answers it "gone" instead. */
static void run_queue(bool cancel)
{
	uint64_t n;

	if (read(srv.evfd, &n, sizeof(n)) < 0) {
		/* nothing pending */
	}
	pthread_mutex_lock(&srv.qlock);
	while (srv.queue) {
		struct kcall *k = srv.queue;
		srv.queue = k->next;
		if (!srv.queue)
			srv.qtail = &srv.queue;
		pthread_mutex_unlock(&srv.qlock);
		if (cancel)
			k->fn = NULL;
		else
			k->fn(k->arg);
		pthread_mutex_lock(&srv.qlock);
		k->done = true;
	}
	pthread_cond_broadcast(&srv.qdone);
	pthread_mutex_unlock(&srv.qlock);
}

/* ---- clients and their files -------------------------------------------- */

int session_register_op(uint32_t op, session_handler_t fn)
{
	if (op >= SESSION_OP_MAX || !fn)
		return -EINVAL;
	if (srv.ops[op])
		return -EEXIST;
	srv.ops[op] = fn;
	return 0;
}

void session_register_release(void (*fn)(struct session_client *c))
{
	srv.release_hook = fn;
}

void session_register_released(void (*fn)(struct session_client *c))
{
	srv.released_hook = fn;
}

void session_register_idle(bool (*fn)(void))
{
	srv.idle_hook = fn;
}

int session_client_install(struct session_client *c, struct file *file)
{
	for (unsigned int i = 0; i < c->nr_files; i++) {
		if (!c->files[i]) {
			c->files[i] = file;
			return (int)i;
		}
	}
	if (c->nr_files >= MAX_CLIENT_FILES)
		return -EMFILE;
	unsigned int n = c->nr_files ? c->nr_files * 2 : 16;
	struct file **f = realloc(c->files, n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	unsigned int handle = c->nr_files;
	memset(f + handle, 0, (n - handle) * sizeof(*f));
	c->files = f;
	c->files[handle] = file;
	c->nr_files = n;
	return (int)handle;
}

struct file *session_client_file(struct session_client *c, int handle)
{
	if (handle < 0 || (unsigned int)handle >= c->nr_files)
		return NULL;
	return c->files[handle];
}

int session_client_close(struct session_client *c, int handle)
{
	struct file *f = session_client_file(c, handle);

	if (!f)
		return -EBADF;
	c->files[handle] = NULL;
	fput(f);
	return 0;
}

/* What the client held goes, as at a process's exit (once). */
static void client_release(struct session_client *c)
{
	if (c->released)
		return;
	c->released = true;
	if (srv.release_hook)
		srv.release_hook(c);
	for (unsigned int i = 0; i < c->nr_files; i++)
		if (c->files[i])
			session_client_close(c, (int)i);
	if (srv.released_hook)
		srv.released_hook(c);
}

/* The client is gone. */
static void client_drop(struct session_client *c)
{
	struct session_client **pp;

	client_release(c);
	free(c->files);
	close(c->sock);
	for (pp = &srv.clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	srv.nr_clients--;
	free(c);
}

static void client_accept(void)
{
	struct session_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int sock = accept4(srv.listen, NULL, NULL, SOCK_CLOEXEC);

	if (sock < 0)
		return;
	/* Only the session's owner: the directory is 0700, this is the second lock. */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != getuid() && cred.uid != 0) || srv.nr_clients >= MAX_CLIENTS) {
		close(sock);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock);
		return;
	}
	c->sock = sock;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->next = srv.clients;
	srv.clients = c;
	srv.nr_clients++;
}

/* ---- the built-in ops --------------------------------------------------- */

static void reply_text(struct session_rep *rep, const char *text, size_t n)
{
	if (n > SESSION_MAX_PAYLOAD)
		n = SESSION_MAX_PAYLOAD;
	memcpy(rep->payload, text, n);
	rep->len = n;
}

static void op_hello(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	const struct session_hello *h = req->payload;
	char banner[PATH_MAX + 32];

	if (req->len < sizeof(*h) || h->magic != SESSION_MAGIC || h->version != SESSION_VERSION ||
	    !h->kind || h->kind > SESSION_CLIENT_PRELOAD) {
		rep->ret = -EPROTO;
		return;
	}
	c->kind = h->kind;
	c->hello = true;
	int n = snprintf(banner, sizeof(banner), "iommulab session %s", srv.dir);
	reply_text(rep, banner, (size_t)n);
}

static void op_ping(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
}

/* Runs @line in the lab's shell; the output is the reply, the status its ret. */
static void run_shell(const char *line, struct session_rep *rep)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		rep->ret = -ENOMEM;
		return;
	}
	lab_lock();
	int status = lab_exec(line, f);
	lab_unlock();
	fclose(f);
	reply_text(rep, out, len);
	free(out);
	rep->ret = status < 0 ? 2 : status;
}

static bool first_word_is(const char *line, const char *word)
{
	size_t n = strlen(word);

	line += strspn(line, " \t");
	return !strncmp(line, word, n) && (!line[n] || strchr(" \t\n", line[n]));
}

static void op_shell(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	char *line = req->payload;

	if (!req->len || line[req->len - 1]) {
		rep->ret = -EINVAL;
		return;
	}
	/* The lab's exit would end the server: a client's shell ends itself. */
	if (first_word_is(line, "exit")) {
		rep->ret = -EPERM;
		return;
	}
	run_shell(line, rep);
}

static void op_shell_cwd(struct session_client *c, struct session_req *req,
			 struct session_rep *rep)
{
	const char *cwd = lab_cwd();

	reply_text(rep, cwd, strlen(cwd) + 1);
}

/* A module argument the shell's line would split or quote: refused. */
static bool module_arg_ok(const char *s)
{
	return *s && !s[strcspn(s, " \t\n\"'\\#;|&<>$`")];
}

static void op_module(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	static const char *const verbs[] = {
		[SESSION_MODPROBE] = "modprobe", [SESSION_RMMOD] = "rmmod",
		[SESSION_LSMOD] = "lsmod",
	};
	const struct session_module *m = req->payload;
	char line[4096];
	size_t off, pos;
	int n;

	if (req->len < sizeof(*m) || !m->cmd || m->cmd > SESSION_LSMOD || m->argc > 64) {
		rep->ret = -EINVAL;
		return;
	}
	n = snprintf(line, sizeof(line), "%s", verbs[m->cmd]);
	off = (size_t)n;
	pos = sizeof(*m);
	for (uint32_t i = 0; i < m->argc; i++) {
		const char *arg = (const char *)req->payload + pos;
		size_t alen = strnlen(arg, req->len - pos);
		if (pos >= req->len || pos + alen >= req->len || !module_arg_ok(arg) ||
		    off + alen + 2 >= sizeof(line)) {
			rep->ret = -EINVAL;
			return;
		}
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s", arg);
		pos += alen + 1;
	}
	run_shell(line, rep);
}

/* ---- down --------------------------------------------------------------- */

/* The processes in this session's user namespace but this one and @spare. */
static unsigned int signal_members(int sig, pid_t spare)
{
	char mine[64], link[64], path[64];
	ssize_t n = readlink("/proc/self/ns/user", mine, sizeof(mine) - 1);
	unsigned int count = 0;
	DIR *d;

	if (n < 0 || !(d = opendir("/proc")))
		return 0;
	mine[n] = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || pid == spare)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (strcmp(link, mine))
			continue;
		if (kill((pid_t)pid, sig) == 0)
			count++;
	}
	closedir(d);
	return count;
}

/*
 * Ends every program of the session (SIGTERM, then SIGKILL after a
 * second), serving FUSE meanwhile: a program dying in a read of /sys
 * needs its answer.
 */
static void end_members(pid_t spare)
{
	struct timespec start, now;

	if (!signal_members(SIGTERM, spare))
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = srv.evfd, .events = POLLIN };
		if (poll(&p, 1, 20) > 0)
			run_queue(false);
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (!signal_members(ms < 1000 ? 0 : SIGKILL, spare))
			break;
		if (ms > 5000)
			break;
	}
}

/*
 * Tears the session down: programs, clients, FUSE, the lab. The report
 * (what `iommulab down` prints) into @rep; the escapes are its ret.
 */
static void teardown(struct session_client *keep, struct session_rep *rep)
{
	end_members(keep ? keep->pid : 0);
	for (struct session_client *c = srv.clients, *next; c; c = next) {
		next = c->next;
		if (c != keep)
			client_drop(c);
	}
	if (keep)
		client_release(keep);
	pthread_mutex_lock(&srv.qlock);
	srv.running = false;
	pthread_mutex_unlock(&srv.qlock);
	run_queue(true);
	/* For the benchmarks: how often the wait found a request without sleeping. */
	fprintf(stderr, "iommulab: waits: %llu spins, %llu found a request, %llu preempted\n",
		(unsigned long long)srv.spin.spins, (unsigned long long)srv.spin.hits,
		(unsigned long long)srv.spin.contended);
	fuse_sysfs_stop();
	lab_lock();
	unsigned long long escapes = lab_shutdown();
	lab_unlock();
	if (rep) {
		int n = snprintf(rep->payload, SESSION_MAX_PAYLOAD, "isolation escapes: %llu\n",
				 escapes);
		/* What the oracle judged, and any escape line. */
		lab_oracle_report((char *)rep->payload + n, SESSION_MAX_PAYLOAD - (size_t)n);
		rep->len = strlen(rep->payload);
		rep->ret = (int64_t)escapes;
	}
	srv.down = true;
}

static void op_down(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	teardown(c, rep);
}

static void register_builtin_ops(void)
{
	srv.ops[SESSION_HELLO] = op_hello;
	srv.ops[SESSION_PING] = op_ping;
	srv.ops[SESSION_SHELL] = op_shell;
	srv.ops[SESSION_SHELL_CWD] = op_shell_cwd;
	srv.ops[SESSION_MODULE] = op_module;
	srv.ops[SESSION_DOWN] = op_down;
}

/* ---- the loop ----------------------------------------------------------- */

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * One request from @c: false when the client is gone (or broke the
 * protocol). *@posted: it was a posted op (no reply sent).
 */
static bool client_serve_one(struct session_client *c, void *inbuf, void *outbuf, bool *posted)
{
	struct session_req req = { .payload = inbuf };
	struct session_rep rep = { .payload = outbuf };
	int ret = session_recv(c->sock, &req.hdr, inbuf, SESSION_MAX_PAYLOAD, req.fds, &req.nfds);

	if (ret)
		return false;
	req.len = req.hdr.len;
	if (req.hdr.op >= SESSION_OP_MAX || !srv.ops[req.hdr.op])
		rep.ret = -ENOSYS;
	else if (!c->hello && req.hdr.op != SESSION_HELLO)
		rep.ret = -EPROTO;
	else
		srv.ops[req.hdr.op](c, &req, &rep);
	close_fds(req.fds, req.nfds);
	if (rep.no_reply) {
		*posted = true;
		return c->hello;
	}
	struct session_hdr out = { .op = req.hdr.op, .len = (uint32_t)rep.len,
				   .seq = req.hdr.seq, .ret = rep.ret };
	ret = session_send(c->sock, &out, rep.payload, rep.fds, rep.nfds);
	close_fds(rep.fds, rep.nfds);
	return !ret && c->hello;
}

/* Whether @c's socket has a message (or its end) waiting. */
static bool client_pending(struct session_client *c)
{
	struct pollfd p = { .fd = c->sock, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/*
 * @c's requests: one, and after a posted op whatever follows it at once
 * (bounded, for fairness): a program that posts stores is running on,
 * and its next request sees them applied wherever it comes from. *@cut:
 * the bound stopped it with more waiting (the FUSE thread's calls then
 * wait for the next round, behind them).
 */
static bool client_serve(struct session_client *c, void *inbuf, void *outbuf, bool *cut)
{
	for (unsigned int i = 0; i < 64; i++) {
		bool posted = false;
		if (!client_serve_one(c, inbuf, outbuf, &posted))
			return false;
		if (!posted || srv.down || !client_pending(c))
			return true;
	}
	*cut = true;
	return true;
}

/*
 * Waits for a request (or the FUSE thread, a signal): with @idle_work,
 * only looks (the idle work runs when nothing is there); else spins for
 * the window first (session_spin.h), then sleeps.
 */
static int wait_requests(struct pollfd *pfd, nfds_t n, bool idle_work)
{
	if (idle_work)
		return poll(pfd, n, 0);
	int ready = session_spin_poll(&srv.spin, pfd, n);
	if (ready)
		return ready;
	uint64_t t0 = session_spin_now();
	ready = poll(pfd, n, -1);
	session_spin_slept(&srv.spin, session_spin_now() - t0);
	return ready;
}

static void serve(void)
{
	void *inbuf = malloc(SESSION_MAX_PAYLOAD), *outbuf = malloc(SESSION_MAX_PAYLOAD);
	struct pollfd *pfd = calloc(MAX_CLIENTS + 3, sizeof(*pfd));
	struct session_client **who = calloc(MAX_CLIENTS + 3, sizeof(*who));
	bool idle_more = true;
	unsigned int fuse_deferred = 0;	/* rounds the FUSE calls waited behind posted stores */

	while (inbuf && outbuf && pfd && who && !srv.down) {
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = srv.listen, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = srv.evfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = srv.sigfd, .events = POLLIN };
		for (struct session_client *c = srv.clients; c; c = c->next) {
			who[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->sock, .events = POLLIN };
		}
		int ready = wait_requests(pfd, n, idle_more && srv.idle_hook);
		if (ready < 0)
			continue;
		/* Nothing asked: the idle work (virtual time) runs; a request may make more. */
		if (!ready) {
			idle_more = srv.idle_hook();
			continue;
		}
		idle_more = true;
		if (pfd[2].revents) {
			struct signalfd_siginfo si;
			if (read(srv.sigfd, &si, sizeof(si)) > 0) {
				fprintf(stderr, "iommulab: signal %u: session ends\n", si.ssi_signo);
				teardown(NULL, NULL);
			}
			break;
		}
		bool cut = false;
		for (nfds_t i = 3; i < n && !srv.down; i++) {
			if (!pfd[i].revents)
				continue;
			if (!client_serve(who[i], inbuf, outbuf, &cut) && !srv.down)
				client_drop(who[i]);
		}
		/*
		 * The FUSE thread's calls after the clients' requests: a program's
		 * posted store is served before its later access to /sys, also
		 * when it posted more than one round takes (the eventfd stays
		 * readable for the next), up to 16 rounds: a client that never
		 * stops posting does not starve /sys.
		 */
		if (pfd[1].revents && !srv.down && (!cut || ++fuse_deferred > 16)) {
			fuse_deferred = 0;
			run_queue(false);
		}
		if (pfd[0].revents && !srv.down)
			client_accept();
	}
	free(inbuf);
	free(outbuf);
	free(pfd);
	free(who);
}

/* ---- start ------------------------------------------------------------- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * A user namespace where this user is root (as `unshare -r`), with a
 * private mount namespace: nothing mounted here reaches the host.
 */
static int enter_namespace(char *msg, size_t msglen)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		ret = -errno;
		snprintf(msg, msglen, "cannot make a user and mount namespace: %s", strerror(-ret));
		return ret;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	ret = write_file("/proc/self/uid_map", map);
	if (!ret) {
		/* An unprivileged gid_map needs setgroups denied (root's may fail: fine). */
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		ret = write_file("/proc/self/gid_map", map);
	}
	if (!ret && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		ret = -errno;
	if (ret)
		snprintf(msg, msglen, "cannot set up the session's namespace: %s", strerror(-ret));
	return ret;
}

static int listen_on(const char *dir, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir) >=
	    sizeof(sa.sun_path)) {
		snprintf(msg, msglen, "%s: path too long for a socket", dir);
		return -ENAMETOOLONG;
	}
	unlink(sa.sun_path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(sock, 64) < 0) {
		int ret = -errno;
		snprintf(msg, msglen, "%s: %s", sa.sun_path, strerror(errno));
		if (sock >= 0)
			close(sock);
		return ret;
	}
	return sock;
}

static int write_pid(const char *dir)
{
	char path[PATH_MAX], text[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pid", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int session_server_start(const struct session_up_opts *o, char *msg, size_t msglen)
{
	int ret;

	srv.dir = o->dir;
	srv.kthread = pthread_self();
	srv.qtail = &srv.queue;
	session_spin_init(&srv.spin);
	register_builtin_ops();
	ret = enter_namespace(msg, msglen);
	if (ret)
		return ret;
	lab_lock();
	ret = lab_boot(o->platform, o->cmdline, msg, msglen);
	lab_unlock();
	if (ret) {
		if (!*msg)
			snprintf(msg, msglen, "boot failed: %s", lab_strerror(ret));
		return -EINVAL;
	}
	srv.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	srv.sigfd = block_signals();
	if (srv.evfd < 0 || srv.sigfd < 0) {
		snprintf(msg, msglen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	srv.running = true;
	ret = session_kmod_install(o, msg, msglen);
	if (!ret)
		ret = fuse_sysfs_start(o->dir, msg, msglen);
	if (!ret) {
		srv.listen = listen_on(o->dir, msg, msglen);
		ret = srv.listen < 0 ? srv.listen : write_pid(o->dir);
	}
	return ret;
}

int session_server_loop(void)
{
	char path[PATH_MAX];

	serve();
	if (!srv.down)
		teardown(NULL, NULL);
	for (struct session_client *c = srv.clients, *next; c; c = next) {
		next = c->next;
		client_drop(c);
	}
	snprintf(path, sizeof(path), "%s/sock", srv.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pid", srv.dir);
	unlink(path);
	return 0;
}
