/*
 * session-gaps-spawn: a program in a session (or under `iommulab preload`)
 * starts another through posix_spawn, posix_spawnp, system and popen with
 * a VFIO group descriptor it inherits; the new program uses it as on
 * Linux (docs/sessions.md, "exec").
 *
 *   spawn BDF   the container and group opened (group not close-on-exec,
 *               a dup of it close-on-exec), then one child per case, each
 *               running "status FD": inherited as is; dup2'd to 10 (after
 *               a chdir action); closed by addclose; opened over by
 *               addopen; the close-on-exec dup; all from 8 closed by
 *               addclosefrom_np (the group at 7 kept); through system and popen;
 *               then a missing program by execv, posix_spawn and
 *               posix_spawnp: ENOENT, the group still works, and once
 *               closed it opens again (no reference left behind).
 *   status FD [cwd]  VFIO_GROUP_GET_STATUS on FD (and the directory it runs in)
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/vfio.h>

extern char **environ;

#define GROUP_FD 7

static char self[4096];
static char group_path[320];

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static int do_status(int fd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st)) {
		printf("  fd %d: %s\n", fd, strerror(errno));
		return 0;
	}
	printf("  fd %d: group %s%s\n", fd,
	       st.flags & VFIO_GROUP_FLAGS_VIABLE ? "viable" : "not viable",
	       st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET ? ", container set" : "");
	return 0;
}

static void group_open(int *container, int *group)
{
	*container = open("/dev/vfio/vfio", O_RDWR);
	if (*container < 0)
		die("/dev/vfio/vfio");
	int g = open(group_path, O_RDWR);
	if (g < 0)
		die(group_path);
	/* At 7, whatever else the process holds: the output names it. */
	*group = dup2(g, GROUP_FD);
	if (*group != GROUP_FD)
		die("dup2");
	close(g);
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
}

/* posix_spawn(self status @fd) with @fa, waited for. */
static void spawn_status(const char *what, const posix_spawn_file_actions_t *fa, int fd,
			 bool cwd)
{
	char n[16];
	char *argv[] = { self, "status", n, cwd ? "cwd" : NULL, NULL };
	pid_t pid;
	int status, ret;

	snprintf(n, sizeof(n), "%d", fd);
	printf("%s:\n", what);
	ret = posix_spawn(&pid, self, fa, NULL, argv, environ);
	if (ret) {
		printf("  posix_spawn: %s\n", strerror(ret));
		return;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		printf("  child failed\n");
}

/* Closed, the group opens again: no reference of it left in the server. */
static void reopen(const char *after, int *container, int *group)
{
	close(*group);
	close(*container);
	int g = open(group_path, O_RDWR);
	printf("after %s: group %s\n", after, g >= 0 ? "opens again" : strerror(errno));
	if (g >= 0)
		close(g);
	group_open(container, group);
}

static void missing(int *container, int *group)
{
	char *argv[] = { "missing", NULL };
	pid_t pid;
	int ret;

	ret = execv("/nonexistent/program", argv);
	printf("execv of a missing program: %s\n", ret ? strerror(errno) : "started");
	do_status(*group);
	reopen("execv", container, group);
	ret = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ);
	printf("posix_spawn of a missing program: %s\n", ret ? strerror(ret) : "started");
	do_status(*group);
	reopen("posix_spawn", container, group);
	ret = posix_spawnp(&pid, "iommulab-no-such-program", NULL, NULL, argv, environ);
	printf("posix_spawnp of a missing program: %s\n", ret ? strerror(ret) : "started");
	do_status(*group);
	reopen("posix_spawnp", container, group);
}

static void spawn_cases(int group, int cexec)
{
	posix_spawn_file_actions_t fa;

	spawn_status("inherited", NULL, group, false);
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addchdir_np(&fa, "/") ||
	    posix_spawn_file_actions_adddup2(&fa, group, 10))
		die("file actions");
	spawn_status("dup2 to 10, chdir /", &fa, 10, true);
	posix_spawn_file_actions_destroy(&fa);
	if (posix_spawn_file_actions_init(&fa) || posix_spawn_file_actions_addclose(&fa, group))
		die("file actions");
	spawn_status("addclose", &fa, group, false);
	posix_spawn_file_actions_destroy(&fa);
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, group, "/dev/null", O_RDONLY, 0))
		die("file actions");
	spawn_status("addopen of /dev/null over it", &fa, group, false);
	posix_spawn_file_actions_destroy(&fa);
	spawn_status("a close-on-exec dup", NULL, cexec, false);
	/* Everything from 8 closed: the group stays, the shim's socket copy cannot. */
	if (posix_spawn_file_actions_init(&fa) || posix_spawn_file_actions_addclosefrom_np(&fa, 8))
		die("file actions");
	spawn_status("addclosefrom_np 8", &fa, group, false);
	posix_spawn_file_actions_destroy(&fa);
}

static void shell_cases(int group)
{
	char cmd[4200], line[256];

	snprintf(cmd, sizeof(cmd), "'%s' status %d", self, group);
	printf("system:\n");
	int status = system(cmd);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		printf("  system: status %d\n", status);
	printf("popen:\n");
	FILE *f = popen(cmd, "r");
	if (!f)
		die("popen");
	while (fgets(line, sizeof(line), f))
		printf("  read:%s", line);
	status = pclose(f);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		printf("  pclose: status %d\n", status);
}

static int do_spawn(const char *bdf)
{
	char link[300], buf[300];
	int container, group;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		die(link);
	buf[n] = 0;
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%s", strrchr(buf, '/') + 1);
	group_open(&container, &group);
	int cexec = fcntl(group, F_DUPFD_CLOEXEC, 20);
	if (cexec < 0)
		die("F_DUPFD_CLOEXEC");
	spawn_cases(group, cexec);
	close(cexec);
	shell_cases(group);
	missing(&container, &group);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("/proc/self/exe");
	self[n] = 0;
	if (argc == 3 && !strcmp(argv[1], "spawn"))
		return do_spawn(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "status")) {
		char cwd[256];
		printf("  in %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "status"))
		return do_status(atoi(argv[2]));
	fprintf(stderr, "usage: session-gaps-spawn spawn BDF | status FD [cwd]\n");
	return 2;
}
