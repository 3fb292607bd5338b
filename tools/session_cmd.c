/*
 * iommulab up | exec | shell | down | kmod: lab sessions (docs/sessions.md).
 * `up` starts the server (src/uapi/session_server.c) as a daemon; the
 * others are its clients (src/uapi/session.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <editline/readline.h>

#include "uapi/session.h"
#include "uapi/session_up.h"
#include "session_cmd.h"

static const char up_help[] =
	"usage: iommulab up [--name NAME] [--platform PLATFORM] [--cmdline ARGS]\n"
	"\n"
	"Boot a lab as a session server in the background: every program run\n"
	"with 'iommulab exec' (and every program those start) shares it, with\n"
	"the lab's /sys, /proc/bus/pci, modprobe and rmmod. The session lives in\n"
	"$XDG_RUNTIME_DIR/iommulab/NAME (or /tmp/iommulab-$UID/NAME); its log is\n"
	"the file 'log' there. Guide: docs/sessions.md.\n"
	"\n"
	"  --name NAME         the session's name (default: $IOMMULAB_SESSION, else default)\n"
	"  --platform PLATFORM a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	"  --cmdline ARGS      the kernel command line, one quoted string\n";

static const char exec_help[] =
	"usage: iommulab exec [--name NAME] [--] PROGRAM [ARGS...]\n"
	"\n"
	"Run PROGRAM in a session 'iommulab up' started: its /sys, /proc/bus/pci,\n"
	"modprobe and rmmod are the lab's, for it and for every program it starts.\n"
	"The exit status is PROGRAM's (127: not found, 2: no session).\n"
	"\n"
	"  --name NAME         the session (default: $IOMMULAB_SESSION, else default)\n";

static const char shell_help[] =
	"usage: iommulab shell [--name NAME]\n"
	"\n"
	"Open the lab's shell on a session's kernel (the commands of 'iommulab\n"
	"boot'; 'help' lists them). With standard input not a terminal, run its\n"
	"lines and exit with the last one's status. 'exit' leaves the shell; the\n"
	"session stays up.\n"
	"\n"
	"  --name NAME         the session (default: $IOMMULAB_SESSION, else default)\n";

static const char down_help[] =
	"usage: iommulab down [--name NAME]\n"
	"\n"
	"End a session: its programs are ended (SIGTERM, then SIGKILL), the lab\n"
	"shuts down and the isolation oracle's report is printed. Exit status 1\n"
	"if the oracle saw an isolation escape, 2 if no session runs.\n"
	"\n"
	"  --name NAME         the session (default: $IOMMULAB_SESSION, else default)\n";

static const char kmod_help[] =
	"usage: iommulab kmod [--session DIR] modprobe|rmmod|lsmod [ARGS...]\n"
	"\n"
	"What modprobe, rmmod and lsmod run inside a session: the lab's modules,\n"
	"with kmod's messages and exit statuses. Options of modprobe: -r, -q, -a,\n"
	"-v, -b, -s (the last two ignored).\n";

static int err(const char *fmt, const char *a, const char *b)
{
	fputs("iommulab: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 2;
}

/* Common options: --name, --help. The index of the first other argument, or -1 (done). */
struct opts {
	const char *name, *platform, *cmdline, *session;
	int rest;
};

static int parse(int argc, char **argv, const char *help, bool up, bool stop_at_arg,
		 struct opts *o, int *status)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(help, stdout);
			*status = 0;
			return -1;
		}
		if (!strcmp(a, "--")) {
			o->rest = i + 1;
			return 0;
		}
		if (!strcmp(a, "--name"))
			slot = &o->name;
		else if (!strcmp(a, "--session") && !up)
			slot = &o->session;
		else if (up && !strcmp(a, "--platform"))
			slot = &o->platform;
		else if (up && !strcmp(a, "--cmdline"))
			slot = &o->cmdline;
		if (slot) {
			if (i + 1 >= argc) {
				*status = err("%s: option '%s' needs an argument", argv[0], a);
				return -1;
			}
			*slot = argv[++i];
			continue;
		}
		if (a[0] == '-' || !stop_at_arg) {
			*status = err("%s: unknown argument '%s' (see --help)", argv[0], a);
			return -1;
		}
		o->rest = i;
		return 0;
	}
	o->rest = argc;
	return 0;
}

static int find_dir(const struct opts *o, char *dir, size_t size)
{
	int ret = session_dir(o->session ? o->session : o->name, dir, size);

	if (ret)
		return err("bad session name '%s': %s", o->name ? o->name : "",
			   strerror(-ret));
	return 0;
}

/* A connection to a running server, or a message and -1. */
static int reach(const char *dir, enum session_kind kind)
{
	int sock = session_connect(dir, kind);

	if (sock < 0) {
		if (sock == -ENOENT || sock == -ECONNREFUSED)
			fprintf(stderr, "iommulab: no session at %s (start one with 'iommulab up')\n",
				dir);
		else
			fprintf(stderr, "iommulab: session %s: %s\n", dir, strerror(-sock));
	}
	return sock;
}

/* ---- up ------------------------------------------------------------------ */

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return chmod(tmp, 0700) ? -errno : 0;
}

static void server_child(const struct session_up_opts *uo, int ready)
{
	char msg[512] = "", logpath[PATH_MAX];
	int fd;

	setsid();
	snprintf(logpath, sizeof(logpath), "%s/log", uo->dir);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (session_server_start(uo, msg, sizeof(msg))) {
		fprintf(stderr, "iommulab: %s\n", msg);
		if (write(ready, msg, strlen(msg) + 1) < 0)
			_exit(2);
		_exit(2);
	}
	if (write(ready, "", 1) < 0)
		_exit(2);
	close(ready);
	if (chdir("/"))
		_exit(2);
	exit(session_server_loop());
}

int session_up_main(int argc, char **argv)
{
	struct opts o = { 0 };
	char dir[PATH_MAX], platform[PATH_MAX], self[PATH_MAX], msg[512];
	int status = 2, pipefd[2];

	if (parse(argc, argv, up_help, true, false, &o, &status))
		return status;
	if (find_dir(&o, dir, sizeof(dir)))
		return 2;
	int sock = session_connect(dir, SESSION_CLIENT_CONTROL);
	if (sock >= 0) {
		close(sock);
		fprintf(stderr, "iommulab: session %s is already up (server pid %d)\n", dir,
			(int)session_server_pid(dir));
		return 2;
	}
	if (o.platform && !realpath(o.platform, platform))
		return err("%s: %s", o.platform, strerror(errno));
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return err("%s: %s", "/proc/self/exe", strerror(errno));
	self[n] = 0;
	int ret = mkdir_p(dir);
	if (ret)
		return err("%s: %s", dir, strerror(-ret));
	struct session_up_opts uo = {
		.dir = dir, .platform = o.platform ? platform : NULL, .cmdline = o.cmdline,
		.self = self,
	};
	if (pipe2(pipefd, O_CLOEXEC))
		return err("%s%s", "pipe: ", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err("%s%s", "fork: ", strerror(errno));
	if (pid == 0) {
		close(pipefd[0]);
		server_child(&uo, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	if (n <= 0 || msg[0]) {
		msg[n > 0 ? n : 0] = 0;
		waitpid(pid, NULL, 0);
		return err("session not started: %s%s", n > 0 ? msg : "the server died (see ",
			   n > 0 ? "" : "its log)");
	}
	/*
	 * The hints name the session as the other commands find it: by its
	 * name, or by its directory when it was given as a path (a bare last
	 * component would send them to $XDG_RUNTIME_DIR instead).
	 */
	const char *given = o.name ? o.name : getenv(SESSION_ENV);
	const char *name = given && strchr(given, '/') ? dir : strrchr(dir, '/') + 1;
	bool named = given && *given;
	printf("session %s up (server pid %d, log %s/log)\n", name, (int)pid, dir);
	printf("  iommulab exec%s%s -- PROGRAM [ARGS...]   run a program in it\n",
	       named ? " --name " : "", named ? name : "");
	printf("  iommulab shell%s%s                      the lab's shell\n",
	       named ? " --name " : "", named ? name : "");
	printf("  iommulab down%s%s                       end it, print the oracle's report\n",
	       named ? " --name " : "", named ? name : "");
	return 0;
}

/* ---- exec ---------------------------------------------------------------- */

static int find_shim(char *buf, size_t size)
{
	const char *env = getenv("IOMMULAB_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	if ((size_t)snprintf(buf, size, "%s/libiommulab-preload.so", self) >= size)
		return -ENAMETOOLONG;
	return access(buf, R_OK) ? -ENOENT : 0;
}

/* With ASan, its runtime must precede the shim; foreign programs' leaks are not ours. */
static const char *asan_runtime(void)
{
	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "__asan_init");

	if (!sym || !dladdr(sym, &info) || !info.dli_fname || !strstr(info.dli_fname, ".so"))
		return NULL;
	return info.dli_fname;
}

static int set_client_env(const char *dir)
{
	char shim[PATH_MAX], *pre;
	const char *old = getenv("LD_PRELOAD"), *asan = asan_runtime();

	if (find_shim(shim, sizeof(shim)))
		return err("%s%s", "cannot find libiommulab-preload.so (set IOMMULAB_PRELOAD)", "");
	setenv(SESSION_ENV, dir, 1);
	/* The shim as a session client: it boots nothing, children inherit it. */
	unsetenv("IOMMULAB_PLATFORM");
	unsetenv("IOMMULAB_CMDLINE");
	unsetenv("IOMMULAB_SETUP");
	if (old && strstr(old, "libiommulab-preload"))
		return 0;
	if (asprintf(&pre, "%s%s%s%s%s", asan ? asan : "", asan ? ":" : "", shim,
		     old && *old ? ":" : "", old ? old : "") < 0)
		return 2;
	setenv("LD_PRELOAD", pre, 1);
	free(pre);
	if (asan) {
		const char *ao = getenv("ASAN_OPTIONS");
		char *v;
		if (asprintf(&v, "%s%sdetect_leaks=0", ao ? ao : "", ao && *ao ? ":" : "") >= 0) {
			setenv("ASAN_OPTIONS", v, 1);
			free(v);
		}
	}
	return 0;
}

int session_exec_main(int argc, char **argv)
{
	struct opts o = { 0 };
	char dir[PATH_MAX];
	int status = 2, sock, ret;

	if (parse(argc, argv, exec_help, false, true, &o, &status))
		return status;
	if (o.rest >= argc)
		return err("exec: no PROGRAM given%s%s", "", "");
	if (find_dir(&o, dir, sizeof(dir)))
		return 2;
	sock = reach(dir, SESSION_CLIENT_EXEC);
	if (sock < 0)
		return 2;
	close(sock);
	ret = session_join(dir);
	if (ret)
		return err("cannot join the session's namespace: %s%s", strerror(-ret), "");
	if (set_client_env(dir))
		return 2;
	execvp(argv[o.rest], &argv[o.rest]);
	fprintf(stderr, "iommulab: %s: %s\n", argv[o.rest], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* ---- shell --------------------------------------------------------------- */

/* One line on the server's shell: its status, -1 when the server is gone. */
static int shell_line(int sock, const char *line)
{
	static char out[SESSION_MAX_PAYLOAD];
	size_t len = 0;
	int64_t ret = session_call(sock, SESSION_SHELL, line, strlen(line) + 1, NULL, 0, out,
				   sizeof(out), &len, NULL, NULL);

	if (ret < 0) {
		if (ret == -EINVAL)
			return 2;
		fprintf(stderr, "iommulab: the session is gone (%s)\n", strerror((int)-ret));
		return -1;
	}
	fwrite(out, 1, len < sizeof(out) ? len : sizeof(out), stdout);
	fflush(stdout);
	return (int)ret;
}

/* "exit [N]" ends the client's shell, not the session: N, or -1 if not an exit. */
static int exit_status(const char *line, int last)
{
	line += strspn(line, " \t");
	if (strncmp(line, "exit", 4) || (line[4] && !strchr(" \t\n", line[4])))
		return -1;
	line += 4;
	line += strspn(line, " \t");
	return *line && *line != '\n' ? atoi(line) & 255 : last;
}

int session_shell_main(int argc, char **argv)
{
	struct opts o = { 0 };
	char dir[PATH_MAX], cwd[PATH_MAX], prompt[PATH_MAX + 32];
	int status = 2, sock;
	bool tty = isatty(STDIN_FILENO);

	if (parse(argc, argv, shell_help, false, false, &o, &status))
		return status;
	if (find_dir(&o, dir, sizeof(dir)))
		return 2;
	sock = reach(dir, SESSION_CLIENT_SHELL);
	if (sock < 0)
		return 2;
	status = 0;
	for (;;) {
		char *line = NULL;
		size_t cap = 0;
		if (tty) {
			if (session_call(sock, SESSION_SHELL_CWD, NULL, 0, NULL, 0, cwd,
					 sizeof(cwd) - 1, NULL, NULL, NULL) < 0)
				break;
			cwd[sizeof(cwd) - 1] = 0;
			snprintf(prompt, sizeof(prompt), "root@iommulab:%s# ", cwd);
			line = readline(prompt);
			if (line && line[strspn(line, " \t")])
				add_history(line);
		} else if (getline(&line, &cap, stdin) < 0) {
			free(line);
			line = NULL;
		}
		if (!line)
			break;
		int e = exit_status(line, status);
		if (e >= 0) {
			free(line);
			status = e;
			break;
		}
		int s = shell_line(sock, line);
		free(line);
		if (s < 0) {
			status = 2;
			break;
		}
		status = s;
	}
	close(sock);
	return status;
}

/* ---- down ---------------------------------------------------------------- */

int session_down_main(int argc, char **argv)
{
	static char report[SESSION_MAX_PAYLOAD];
	struct opts o = { 0 };
	char dir[PATH_MAX];
	size_t len = 0;
	int status = 2, sock;

	if (parse(argc, argv, down_help, false, false, &o, &status))
		return status;
	if (find_dir(&o, dir, sizeof(dir)))
		return 2;
	sock = reach(dir, SESSION_CLIENT_CONTROL);
	if (sock < 0)
		return 2;
	int64_t ret = session_call(sock, SESSION_DOWN, NULL, 0, NULL, 0, report,
				   sizeof(report), &len, NULL, NULL);
	close(sock);
	if (ret < 0) {
		fprintf(stderr, "iommulab: session %s: %s\n", dir, strerror((int)-ret));
		return 2;
	}
	fwrite(report, 1, len < sizeof(report) ? len : sizeof(report), stdout);
	return ret > 0 ? 1 : 0;
}

/* ---- kmod (modprobe, rmmod, lsmod inside a session) ---------------------- */

static int64_t module_call(int sock, uint32_t cmd, int argc, char **argv, char *out,
			   size_t size, size_t *len)
{
	char req[4096];
	struct session_module m = { .cmd = cmd, .argc = (uint32_t)argc };
	size_t off = sizeof(m);

	memcpy(req, &m, sizeof(m));
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (off + n > sizeof(req))
			return -E2BIG;
		memcpy(req + off, argv[i], n);
		off += n;
	}
	return session_call(sock, SESSION_MODULE, req, off, NULL, 0, out, size, len, NULL, NULL);
}

/* kmod's modprobe: options, then a module and its parameters (or -a: modules). */
static int kmod_modprobe(int sock, int argc, char **argv, char *out, size_t size)
{
	bool quiet = false, all = false, remove = false;
	int i = 1, status = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--quiet"))
			quiet = true;
		else if (!strcmp(a, "--all"))
			all = true;
		else if (!strcmp(a, "--remove"))
			remove = true;
		else if (a[1] == '-')
			continue;	/* --verbose, --use-blacklist...: nothing to change */
		else
			for (const char *c = a + 1; *c; c++) {
				quiet |= *c == 'q';
				all |= *c == 'a';
				remove |= *c == 'r';
			}
	}
	if (i >= argc) {
		fprintf(stderr, "modprobe: ERROR: missing module name.\n");
		return 1;
	}
	/* -r and -a take every name; otherwise one module and its parameters. */
	int groups = remove || all ? argc - i : 1;
	for (int g = 0; g < groups; g++) {
		char *args[66];
		int n = 0;
		size_t len = 0;
		if (remove)
			args[n++] = "-r";
		if (remove || all) {
			args[n++] = argv[i + g];
		} else {
			for (int j = i; j < argc && n < 64; j++)
				args[n++] = argv[j];
		}
		int64_t ret = module_call(sock, SESSION_MODPROBE, n, args, out, size, &len);
		if (ret < 0) {
			fprintf(stderr, "modprobe: ERROR: %s\n", strerror((int)-ret));
			return 1;
		}
		if (!quiet)
			fwrite(out, 1, len < size ? len : size, stderr);
		if (ret)
			status = 1;
	}
	return status;
}

int session_kmod_main(int argc, char **argv)
{
	static char out[65536];
	struct opts o = { 0 };
	char dir[PATH_MAX];
	int status = 2, sock;

	if (parse(argc, argv, kmod_help, false, true, &o, &status))
		return status;
	if (o.rest >= argc)
		return err("kmod: no command given%s%s", "", "");
	if (find_dir(&o, dir, sizeof(dir)))
		return 2;
	argv += o.rest;
	argc -= o.rest;
	/* kmod itself: "kmod list" is lsmod. */
	if (!strcmp(argv[0], "kmod") && argc > 1 && !strcmp(argv[1], "list")) {
		argv[1] = "lsmod";
		argv++;
		argc--;
	}
	const char *cmd = argv[0];
	if (strcmp(cmd, "modprobe") && strcmp(cmd, "rmmod") && strcmp(cmd, "lsmod")) {
		fprintf(stderr, "%s: not available in an iommulab session "
			"(modprobe, rmmod and lsmod act on the lab)\n", cmd);
		return 1;
	}
	sock = reach(dir, SESSION_CLIENT_MODULE);
	if (sock < 0)
		return 1;
	if (!strcmp(cmd, "modprobe")) {
		status = kmod_modprobe(sock, argc, argv, out, sizeof(out));
	} else {
		size_t len = 0;
		int n = 0;
		char *args[64];
		for (int i = 1; i < argc && n < 64; i++)
			if (argv[i][0] != '-')
				args[n++] = argv[i];
		int64_t ret = module_call(sock, strcmp(cmd, "rmmod") ? SESSION_LSMOD : SESSION_RMMOD,
					  n, args, out, sizeof(out), &len);
		if (ret < 0) {
			fprintf(stderr, "%s: ERROR: %s\n", cmd, strerror((int)-ret));
			status = 1;
		} else {
			fwrite(out, 1, len < sizeof(out) ? len : sizeof(out),
			       strcmp(cmd, "lsmod") ? stderr : stdout);
			status = ret ? 1 : 0;
		}
	}
	close(sock);
	return status;
}
