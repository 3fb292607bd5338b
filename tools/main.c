/*
 * iommulab: the command.
 *
 *   iommulab boot [PLATFORM] [--cmdline ARGS]
 *   iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-
 *   iommulab preload [--platform PLATFORM] [--cmdline ARGS] [--setup SCRIPT] -- PROGRAM [ARGS...]
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
#include <unistd.h>
#include <editline/readline.h>

#include "iommulab/lab.h"

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

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "boot"))
		return cmd_boot(argc - 2, argv + 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "preload"))
		return lab_preload_main(argc - 1, argv + 1);
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
