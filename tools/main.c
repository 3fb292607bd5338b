/*
 * iommulab: the command.
 *
 *   iommulab boot [PLATFORM] [--cmdline ARGS]
 *   iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-
 *   iommulab preload [--platform PLATFORM] [--cmdline ARGS] [--setup SCRIPT] -- PROGRAM [ARGS...]
 *   iommulab graph [PLATFORM] [--cmdline ARGS] [--format summary|dot|svg|json] [--output FILE]
 *   iommulab attacks [--platform P] [--pci-platform P] [--json] [--scenario ATTACK CONFIG]
 *   iommulab up [--name NAME] [--platform PLATFORM] [--cmdline ARGS]
 *   iommulab exec [--name NAME] [--] PROGRAM [ARGS...]
 *   iommulab shell [--name NAME]
 *   iommulab down [--name NAME]
 *   iommulab --help | --version
 *
 * Exit status: 0 success, 1 a failed expectation or an isolation escape,
 * 2 bad usage or bad input.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <editline/readline.h>

#include "iommulab/lab.h"
#include "attacks.h"
#include "session_cmd.h"

/* `iommulab preload`: src/uapi/preload_cmd.c (argv[0] is "preload"). */
int lab_preload_main(int argc, char **argv);
/* `iommulab explore`: tools/explore.c (argv[0] is "explore"). */
int lab_explore_main(int argc, char **argv);

#ifndef IOMMULAB_VERSION
#define IOMMULAB_VERSION "unknown"
#endif

static const char synopsis[] =
	"usage: iommulab boot [PLATFORM] [--cmdline ARGS]\n"
	"       iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-\n"
	"       iommulab preload [--platform PLATFORM] [--cmdline ARGS] [--setup SCRIPT] -- PROGRAM [ARGS...]\n"
	"       iommulab graph [PLATFORM] [--cmdline ARGS] [--format summary|dot|svg|json] [--output FILE]\n"
	"       iommulab attacks [--platform P] [--pci-platform P] [--json] [--scenario ATTACK CONFIG]\n"
	"       iommulab up [--name NAME] [--platform PLATFORM] [--cmdline ARGS]\n"
	"       iommulab exec [--name NAME] [--] PROGRAM [ARGS...]\n"
	"       iommulab shell [--name NAME]\n"
	"       iommulab down [--name NAME]\n"
	"       iommulab explore [--platform P] [--cmdline ARGS] [--seed S] [--time SECONDS | --ops N] [--jobs N]\n"
	"                        [--shard I/N] [--bug NAME]... [--out DIR] [--json] [--list-bugs]\n"
	"       iommulab --help | --version\n";

static void help(void)
{
	fputs(synopsis, stdout);
	fputs("\n"
	      "  boot     boot the platform, print the kernel log and open a shell; with\n"
	      "           standard input not a terminal, run its lines as commands\n"
	      "  run      boot, run a scenario or plain script (- reads standard input),\n"
	      "           print every command's output and every failed check\n"
	      "  preload  run an unmodified VFIO program against the lab (LD_PRELOAD shim)\n"
	      "  graph    boot and draw the machine: IOMMUs, masters, groups, what is unisolated\n"
	      "  attacks  the DMA attacks against each configuration, judged by the oracle\n"
	      "  up       boot a lab as a session that many programs share (docs/sessions.md)\n"
	      "  exec     run a program in the session: the lab's /sys, modprobe, rmmod\n"
	      "  shell    the lab's shell on the session's kernel\n"
	      "  down     end the session, print the isolation oracle's report\n"
	      "  explore  search operation sequences for isolation escapes and broken invariants\n"
	      "\n"
	      "  PLATFORM            a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	      "  --cmdline ARGS      the kernel command line, one quoted string\n"
	      "  --echo              print the comments and each command (\"$ CMD\") before its output\n"
	      "  --setup SCRIPT      shell commands to run before PROGRAM starts\n"
	      "\n"
	      "Exit status: 0 success, 1 a failed expectation or an isolation escape,\n"
	      "2 bad usage or bad input.\n"
	      "In the shell, 'help' lists the commands. User guide: docs/guide.md.\n", stdout);
}

/* `iommulab COMMAND --help`: that command's synopsis and options, on standard output. */
static const char boot_help[] =
	"usage: iommulab boot [PLATFORM] [--cmdline ARGS]\n"
	"\n"
	"Boot PLATFORM, print the kernel log and open a shell (history, Tab\n"
	"completion); with standard input not a terminal, run its lines as\n"
	"commands and exit with the last one's status.\n"
	"\n"
	"  PLATFORM            a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	"  --cmdline ARGS      the kernel command line, one quoted string\n";

static const char run_help[] =
	"usage: iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-\n"
	"\n"
	"Boot, run a scenario or a plain script (- reads standard input), print\n"
	"every command's output and every failed check. Exit status: 0 every\n"
	"check passed, 1 a check failed or an isolation escape, 2 bad usage or\n"
	"bad input. The format: docs/scenarios.md.\n"
	"\n"
	"  --platform PLATFORM a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	"  --cmdline ARGS      the kernel command line (replaces a '#! cmdline' header)\n"
	"  --echo              print the comments and each command (\"$ CMD\") before its output\n";

static const char graph_help[] =
	"usage: iommulab graph [PLATFORM] [--cmdline ARGS] [--format summary|dot|svg|json]\n"
	"                      [--output FILE] [--if-iommu] [--time]\n"
	"\n"
	"Boot PLATFORM and draw the machine as its kernel sees it: the IOMMUs, every\n"
	"DMA master with its stream IDs, the IOMMU groups with their default domain\n"
	"type and DMA owner (kernel drivers, or a user such as a VFIO container),\n"
	"the PCI hosts' iommu-map, and what is unisolated (identity, an IOMMU left\n"
	"in bypass, no IOMMU). A master left without a group carries the reason.\n"
	"\n"
	"  PLATFORM            a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	"  --cmdline ARGS      the kernel command line, one quoted string\n"
	"  --format FORMAT     dot (default): Graphviz; svg: dot through 'dot -Tsvg'\n"
	"                      (Debian's graphviz); json: for tools; summary: one line\n"
	"  --output FILE       write there instead of standard output\n"
	"  --if-iommu          print nothing and exit 0 when no enabled node uses an\n"
	"                      enabled IOMMU (iommus, iommu-map, mmu-masters)\n"
	"  --time              add the boot's wall-clock time to the summary\n"
	"\n"
	"Exit status: 0 success, 2 bad usage, or a platform the lab cannot boot\n"
	"(the reason on standard error, and on the summary line).\n";

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int command_help(const char *text)
{
	fputs(text, stdout);
	return 0;
}

/* A usage error: what was wrong, the synopsis, exit status 2. */
static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("iommulab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%sTry 'iommulab --help' for more information.\n", synopsis);
	return 2;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; NULL if argv[*i] is not --name. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* ---- the interactive shell ---------------------------------------------- */

static char **complete_words;
static size_t complete_next;

static char *complete_gen(const char *text, int state)
{
	(void)text;
	if (!complete_words)
		return NULL;
	return complete_words[complete_next] ? complete_words[complete_next++] : NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	/* The words are handed to libedit, which frees them; only the array is ours. */
	free(complete_words);
	complete_words = lab_complete(text, start == 0);
	complete_next = 0;
	rl_attempted_completion_over = 1;
	/* A directory completes without the trailing blank, so Tab can go on. */
	rl_completion_append_character = complete_words && complete_words[0] && !complete_words[1] &&
		complete_words[0][strlen(complete_words[0]) - 1] == '/' ? '\0' : ' ';
	char **m = rl_completion_matches(text, complete_gen);
	free(complete_words);
	complete_words = NULL;
	return m;
}

static int interactive(void)
{
	char prompt[512];
	int status = 0;

	rl_attempted_completion_function = complete;
	using_history();
	while (!lab_exit_requested()) {
		snprintf(prompt, sizeof(prompt), "root@iommulab:%s# ", lab_cwd());
		char *line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")])
			add_history(line);
		status = lab_exec(line, stdout);
		fflush(stdout);
		free(line);
	}
	return status;
}

/* Commands from a pipe or a file: like `bash < file`, the last status is the exit status. */
static int batch(void)
{
	char *line = NULL;
	size_t cap = 0;
	int status = 0;

	while (!lab_exit_requested() && getline(&line, &cap, stdin) >= 0) {
		status = lab_exec(line, stdout);
		fflush(stdout);
	}
	free(line);
	return status;
}

static int cmd_boot(int argc, char **argv)
{
	const char *platform = NULL, *cmdline = NULL, *v;
	char msg[512];
	int ret, missing = 0;

	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help(boot_help);
		if ((v = option_value(argc, argv, &i, "--cmdline", &missing)))
			cmdline = v;
		else if (missing)
			return usage_error("boot: option '%s' needs an argument", argv[i]);
		else if (argv[i][0] == '-')
			return usage_error("boot: unknown option '%s'", argv[i]);
		else if (platform)
			return usage_error("boot: one PLATFORM only ('%s' after '%s')", argv[i], platform);
		else
			platform = argv[i];
	}
	ret = lab_boot(platform, cmdline, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "iommulab: %s\n", msg);
		return 2;
	}
	lab_exec("dmesg", stdout);
	fflush(stdout);
	ret = isatty(STDIN_FILENO) ? interactive() : batch();
	lab_shutdown();
	return ret > 255 || ret < 0 ? 1 : ret;
}

static int cmd_run(int argc, char **argv)
{
	const char *platform = NULL, *cmdline = NULL, *script = NULL, *v;
	unsigned flags = 0;
	int missing = 0;

	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help(run_help);
		if ((v = option_value(argc, argv, &i, "--platform", &missing)))
			platform = v;
		else if (!missing && (v = option_value(argc, argv, &i, "--cmdline", &missing)))
			cmdline = v;
		else if (missing)
			return usage_error("run: option '%s' needs an argument", argv[i]);
		else if (!strcmp(argv[i], "--echo"))
			flags |= LAB_RUN_ECHO;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("run: unknown option '%s'", argv[i]);
		else if (script)
			return usage_error("run: one SCRIPT only ('%s' after '%s')", argv[i], script);
		else
			script = argv[i];
	}
	if (!script)
		return usage_error("run: no SCRIPT given (a file, or - for standard input)");
	return lab_run_script(script, platform, cmdline, flags, stdout, stderr);
}

/* The title of a graph: PLATFORM's file name without directory and extension. */
static void graph_title(const char *platform, char *buf, size_t size)
{
	const char *base = platform ? strrchr(platform, '/') : NULL;

	base = base ? base + 1 : platform ? platform : "iommulab-virt";
	snprintf(buf, size, "%s", base);
	char *dot = strrchr(buf, '.');
	if (dot && (!strcmp(dot, ".dtb") || !strcmp(dot, ".dts")))
		*dot = 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* DOT through Graphviz's dot into @out_path (NULL: standard output). */
static FILE *open_svg_pipe(const char *out_path)
{
	char cmd[4200];

	if (out_path && strlen(out_path) > 4000)
		return NULL;
	/* The path goes to dot as an argument, quoted for the shell. */
	if (out_path) {
		size_t n = (size_t)snprintf(cmd, sizeof(cmd), "dot -Tsvg -o '");
		for (const char *p = out_path; *p && n < sizeof(cmd) - 8; p++)
			n += (size_t)(*p == '\'' ? snprintf(cmd + n, sizeof(cmd) - n, "'\\''") :
				      snprintf(cmd + n, sizeof(cmd) - n, "%c", *p));
		snprintf(cmd + n, sizeof(cmd) - n, "'");
	} else {
		snprintf(cmd, sizeof(cmd), "dot -Tsvg");
	}
	return popen(cmd, "w");
}

static int graph_output(const char *format, const char *title, const char *out_path)
{
	bool svg = !strcmp(format, "svg");
	FILE *out = stdout;
	int ret;

	if (svg) {
		out = open_svg_pipe(out_path);
	} else if (out_path) {
		out = fopen(out_path, "w");
	}
	if (!out) {
		fprintf(stderr, "iommulab: %s: %s\n", out_path ? out_path : "dot", strerror(errno));
		return 2;
	}
	ret = lab_graph(svg ? "dot" : format, title, out);
	if (svg) {
		int st = pclose(out);
		if (!ret && st) {
			fprintf(stderr, "iommulab: 'dot -Tsvg' failed (status %d; Debian's graphviz "
				"provides dot)\n", WIFEXITED(st) ? WEXITSTATUS(st) : st);
			return 2;
		}
	} else if (out != stdout && fclose(out)) {
		fprintf(stderr, "iommulab: %s: %s\n", out_path, strerror(errno));
		return 2;
	} else {
		fflush(stdout);
	}
	if (ret) {
		fprintf(stderr, "iommulab: graph: %s\n", lab_strerror(ret));
		return 2;
	}
	return 0;
}

static int cmd_graph(int argc, char **argv)
{
	const char *platform = NULL, *cmdline = NULL, *format = "dot", *out_path = NULL, *v;
	bool if_iommu = false, timed = false;
	char msg[512], title[256];
	int ret, missing = 0;

	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return command_help(graph_help);
		if ((v = option_value(argc, argv, &i, "--cmdline", &missing)))
			cmdline = v;
		else if (!missing && (v = option_value(argc, argv, &i, "--format", &missing)))
			format = v;
		else if (!missing && (v = option_value(argc, argv, &i, "--output", &missing)))
			out_path = v;
		else if (missing)
			return usage_error("graph: option '%s' needs an argument", argv[i]);
		else if (!strcmp(argv[i], "--if-iommu"))
			if_iommu = true;
		else if (!strcmp(argv[i], "--time"))
			timed = true;
		else if (argv[i][0] == '-')
			return usage_error("graph: unknown option '%s'", argv[i]);
		else if (platform)
			return usage_error("graph: one PLATFORM only ('%s' after '%s')", argv[i], platform);
		else
			platform = argv[i];
	}
	if (strcmp(format, "summary") && strcmp(format, "dot") && strcmp(format, "svg") &&
	    strcmp(format, "json"))
		return usage_error("graph: unknown format '%s' (summary, dot, svg or json)", format);
	graph_title(platform, title, sizeof(title));
	if (if_iommu) {
		ret = lab_platform_uses_iommu(platform, msg, sizeof(msg));
		if (ret == 0)
			return 0;
		if (ret < 0) {
			fprintf(stderr, "iommulab: %s\n", msg);
			if (!strcmp(format, "summary"))
				printf("%s: not booted: %s\n", title, msg);
			return 2;
		}
	}
	double t0 = now_ms();
	ret = lab_boot(platform, cmdline, msg, sizeof(msg));
	double t1 = now_ms();
	if (ret) {
		fprintf(stderr, "iommulab: %s\n", msg);
		if (!strcmp(format, "summary"))
			printf("%s: not booted: %s\n", title, msg);
		return 2;
	}
	if (timed && !strcmp(format, "summary"))
		snprintf(title + strlen(title), sizeof(title) - strlen(title), " [boot %.1f ms]",
			 t1 - t0);
	ret = graph_output(format, title, out_path);
	lab_shutdown();
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "boot"))
		return cmd_boot(argc - 2, argv + 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "graph"))
		return cmd_graph(argc - 2, argv + 2);
	if (!strcmp(argv[1], "preload"))
		return lab_preload_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "attacks"))
		return attacks_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "up"))
		return session_up_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return session_exec_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "shell"))
		return session_shell_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "down"))
		return session_down_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kmod"))
		return session_kmod_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explore"))
		return lab_explore_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		help();
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("iommulab %s\n", IOMMULAB_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s'", argv[1]);
	return usage_error("unknown command '%s'", argv[1]);
}
