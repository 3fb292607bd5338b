/*
 * iommulab: the command.
 *
 *   iommulab boot [PLATFORM] [--cmdline ARGS]
 *   iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-
 *
 * Exit status: 0 success, 1 a failed expectation or an isolation escape,
 * 2 bad usage or bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <editline/readline.h>

#include "iommulab/lab.h"

/* `iommulab preload`: src/uapi/preload_cmd.c (argv[0] is "preload"). */
int lab_preload_main(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommulab boot [PLATFORM] [--cmdline ARGS]\n"
		"       iommulab run [--platform PLATFORM] [--cmdline ARGS] [--echo] SCRIPT|-\n"
		"       iommulab preload [--platform PLATFORM] [--cmdline ARGS] [--setup SCRIPT] -- PROG ARGS...\n"
		"\n"
		"PLATFORM is a .dts or .dtb file (default: the built-in iommulab-virt).\n"
		"Exit status: 0 success, 1 failed expectation or isolation escape, 2 bad usage or input.\n"
		"Type 'help' in the shell for its commands; see docs/guide.md.\n");
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
	const char *platform = NULL, *cmdline = NULL;
	char msg[512];
	int ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) {
			cmdline = argv[++i];
		} else if (!strncmp(argv[i], "--cmdline=", 10)) {
			cmdline = argv[i] + 10;
		} else if (argv[i][0] == '-' || platform) {
			usage(stderr);
			return 2;
		} else {
			platform = argv[i];
		}
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
	const char *platform = NULL, *cmdline = NULL, *script = NULL;
	unsigned flags = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--platform") && i + 1 < argc) {
			platform = argv[++i];
		} else if (!strncmp(argv[i], "--platform=", 11)) {
			platform = argv[i] + 11;
		} else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) {
			cmdline = argv[++i];
		} else if (!strncmp(argv[i], "--cmdline=", 10)) {
			cmdline = argv[i] + 10;
		} else if (!strcmp(argv[i], "--echo")) {
			flags |= LAB_RUN_ECHO;
		} else if ((argv[i][0] == '-' && argv[i][1]) || script) {
			usage(stderr);
			return 2;
		} else {
			script = argv[i];
		}
	}
	if (!script) {
		usage(stderr);
		return 2;
	}
	return lab_run_script(script, platform, cmdline, flags, stdout, stderr);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "boot"))
		return cmd_boot(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "preload"))
		return lab_preload_main(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
