/*
 * The shell interpreter: splits a line into words and a redirection, and
 * runs one verb. Every verb prints what its coreutils/kmod namesake would
 * print, errors included, so a transcript of a lab session reads like one
 * from a Linux machine. Bad input prints an error and changes nothing.
 */
#include "shell.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/errname.h"

/* Paths are bounded by SHELL_PATH_MAX; a longer one is cut, and sysfs refuses it as too long. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_WORDS 64
#define READ_MAX (256 * 1024)

struct cmdline {
	char *words[MAX_WORDS];
	int nr;
	char *redirect;       /* "> PATH" target, or NULL */
	char store[];         /* the words' bytes */
};

typedef int (*verb_fn)(struct shell *sh, int argc, char **argv, FILE *o);

static void shell_error(struct shell *sh, int err, const char *fmt, ...) __printf(3, 4);

static void shell_error(struct shell *sh, int err, const char *fmt, ...)
{
	va_list ap;

	if (err)
		sh->err = err;
	va_start(ap, fmt);
	vfprintf(sh->out, fmt, ap);
	va_end(ap);
	fputc('\n', sh->out);
	if (sh->errs) {
		va_start(ap, fmt);
		vfprintf(sh->errs, fmt, ap);
		va_end(ap);
		fputc('\n', sh->errs);
	}
}

/* ---- errno names (the table is common/errname.c, the kernel's too) ---- */

int shell_errno_by_name(const char *name)
{
	return errno_by_name(name);
}

const char *shell_errno_name(int err)
{
	return err > 0 ? errno_name(err) : NULL;
}

/* ---- words ---------------------------------------------------------- */

/*
 * Splits @line as a POSIX shell would for the subset the lab speaks:
 * blanks separate words, '...' and "..." quote, backslash escapes, an
 * unquoted # starts a comment, and "> PATH" / ">> PATH" redirect. Returns
 * NULL with a message in @why on a syntax error.
 */
static struct cmdline *split_line(const char *line, const char **why)
{
	size_t n = strlen(line);
	struct cmdline *c = calloc(1, sizeof(*c) + 2 * n + 2);
	char *w = c->store;
	const char *p = line;
	bool want_redirect = false;

	if (!c) {
		*why = "out of memory";
		return NULL;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (*p == '>') {
			if (want_redirect || c->redirect) {
				*why = "syntax error near unexpected token `>'";
				goto fail;
			}
			p += p[1] == '>' ? 2 : 1;
			want_redirect = true;
			continue;
		}
		if (strchr("|;&<`$()", *p)) {
			static char msg[64];
			snprintf(msg, sizeof(msg), "syntax error: '%c' is not supported", *p);
			*why = msg;
			goto fail;
		}
		char *start = w;
		while (*p && !strchr(" \t\n\r><|;&", *p)) {
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e) {
					*why = "syntax error: unterminated quoted string";
					goto fail;
				}
				memcpy(w, p + 1, e - p - 1);
				w += e - p - 1;
				p = e + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					*w++ = *p++;
				}
				if (!*p) {
					*why = "syntax error: unterminated quoted string";
					goto fail;
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				*w++ = p[1];
				p += 2;
			} else {
				*w++ = *p++;
			}
		}
		*w++ = '\0';
		if (want_redirect) {
			c->redirect = start;
			want_redirect = false;
		} else {
			if (c->nr == MAX_WORDS - 1) {
				*why = "too many words";
				goto fail;
			}
			c->words[c->nr++] = start;
		}
	}
	if (want_redirect) {
		*why = "syntax error near unexpected token `newline'";
		goto fail;
	}
	c->words[c->nr] = NULL;
	return c;
fail:
	free(c);
	return NULL;
}

const char *shell_syntax_error(const char *line)
{
	const char *why = NULL;
	struct cmdline *c = split_line(line, &why);
	free(c);
	return c ? NULL : why;
}

/* ---- paths ---------------------------------------------------------- */

/* @arg made absolute against the current directory (not normalised). */
static void abs_path(struct shell *sh, const char *arg, char *buf, size_t size)
{
	if (arg[0] == '/')
		snprintf(buf, size, "%s", arg);
	else if (!strcmp(sh->cwd, "/"))
		snprintf(buf, size, "/%s", arg);
	else
		snprintf(buf, size, "%s/%s", sh->cwd, arg);
}

/* Lexical normalisation of an absolute path, as bash's cd does. */
static void normalise(char *path)
{
	char out[SHELL_PATH_MAX];
	size_t o = 0;
	char *save = NULL;

	for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + strlen(t) + 2 >= sizeof(out))
			break;
		out[o++] = '/';
		memcpy(out + o, t, strlen(t));
		o += strlen(t);
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	strcpy(path, out);
}

/* ---- verbs: files ---------------------------------------------------- */

struct entry {
	char *name;
	struct sysfs_stat st;
};

struct entries {
	struct entry *v;
	size_t nr, cap;
};

static int collect(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct entries *e = opaque;

	if (e->nr == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;
		struct entry *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->nr].name = strdup(name);
	if (!e->v[e->nr].name)
		return -ENOMEM;
	e->v[e->nr++].st = *st;
	return 0;
}

static void entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->nr; i++)
		free(e->v[i].name);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static void mode_string(const struct sysfs_stat *st, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";

	s[0] = st->type == SYSFS_DIR ? 'd' : st->type == SYSFS_LINK ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		s[1 + i] = st->mode & (0400 >> i) ? rwx[i] : '-';
	s[10] = '\0';
}

/* One "ls -l" line; sysfs attributes report a size of one page. */
static void ls_long(struct shell *sh, FILE *o, const char *path, const char *name,
		    const struct sysfs_stat *st)
{
	char mode[11], target[SHELL_PATH_MAX];
	struct sysfs_stat lst = *st;

	if (st->type == SYSFS_LINK)
		lst.mode = 0777;
	mode_string(&lst, mode);
	fprintf(o, "%s %d root root %4lu Jan  1 00:00 %s", mode, st->type == SYSFS_DIR ? 2 : 1,
		st->type == SYSFS_FILE ? PAGE_SIZE : 0ul, name);
	if (st->type == SYSFS_LINK) {
		ssize_t n = sh->ops->readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			fprintf(o, " -> %s", target);
		}
	}
	fputc('\n', o);
}

static int ls_dir(struct shell *sh, FILE *o, const char *arg, const char *path, bool lng)
{
	struct entries e = { 0 };
	char child[SHELL_PATH_MAX];
	int ret = sh->ops->readdir(path, collect, &e);

	if (ret < 0) {
		shell_error(sh, -ret, "ls: cannot open directory '%s': %s", arg, strerror(-ret));
		entries_free(&e);
		return 2;
	}
	if (lng)
		fprintf(o, "total 0\n");
	for (size_t i = 0; i < e.nr; i++) {
		if (lng) {
			snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				 e.v[i].name);
			ls_long(sh, o, child, e.v[i].name, &e.v[i].st);
		} else {
			fprintf(o, "%s\n", e.v[i].name);
		}
	}
	entries_free(&e);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int verb_ls(struct shell *sh, int argc, char **argv, FILE *o)
{
	bool lng = false, dirs_as_files = false;
	int status = 0, first = 1, nargs;
	char path[SHELL_PATH_MAX];

	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		for (const char *f = argv[first] + 1; *f; f++) {
			if (*f == 'l')
				lng = true;
			else if (*f == 'd')
				dirs_as_files = true;
			else if (*f != '1' && *f != 'a' && *f != 'A') {
				shell_error(sh, EINVAL, "ls: invalid option -- '%c'", *f);
				return 2;
			}
		}
	}
	nargs = argc - first;
	if (nargs == 0)
		return ls_dir(sh, o, ".", sh->cwd, lng);
	/* ls sorts its operands by name, as it sorts directory entries. */
	qsort(argv + first, nargs, sizeof(argv[0]), cmp_names);

	/* Files first, then directories, as ls orders its operands. */
	bool printed = false;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = first; i < argc; i++) {
			struct sysfs_stat st, lst;
			abs_path(sh, argv[i], path, sizeof(path));
			int ret = sh->ops->lstat(path, &lst);
			if (ret < 0) {
				if (pass == 0) {
					shell_error(sh, -ret, "ls: cannot access '%s': %s", argv[i],
						    strerror(-ret));
					status = 2;
				}
				continue;
			}
			st = lst;
			if (lst.type == SYSFS_LINK && !lng && sh->ops->stat(path, &st) < 0)
				st = lst;
			bool is_dir = st.type == SYSFS_DIR && !dirs_as_files;
			if (pass == 0 && !is_dir) {
				if (lng)
					ls_long(sh, o, path, argv[i], &lst);
				else
					fprintf(o, "%s\n", argv[i]);
				printed = true;
			} else if (pass == 1 && is_dir) {
				if (printed)
					fputc('\n', o);
				if (nargs > 1)
					fprintf(o, "%s:\n", argv[i]);
				if (ls_dir(sh, o, argv[i], path, lng))
					status = 2;
				printed = true;
			}
		}
	}
	return status;
}

static int verb_cat(struct shell *sh, int argc, char **argv, FILE *o)
{
	char path[SHELL_PATH_MAX];
	char *buf = malloc(READ_MAX);
	int status = 0;

	if (!buf) {
		shell_error(sh, ENOMEM, "cat: %s", strerror(ENOMEM));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		abs_path(sh, argv[i], path, sizeof(path));
		ssize_t n = sh->ops->read(path, buf, READ_MAX);
		if (n < 0) {
			shell_error(sh, (int)-n, "cat: %s: %s", argv[i], strerror((int)-n));
			status = 1;
			continue;
		}
		fwrite(buf, 1, n, o);
	}
	free(buf);
	return status;
}

static int verb_echo(struct shell *sh, int argc, char **argv, FILE *o)
{
	int i = 1;
	bool newline = true;

	if (i < argc && !strcmp(argv[i], "-n")) {
		newline = false;
		i++;
	}
	for (int first = i; i < argc; i++)
		fprintf(o, "%s%s", i > first ? " " : "", argv[i]);
	if (newline)
		fputc('\n', o);
	return 0;
}

static int verb_readlink(struct shell *sh, int argc, char **argv, FILE *o)
{
	char path[SHELL_PATH_MAX], buf[SHELL_PATH_MAX];
	bool canon = false;
	int status = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "-e") || !strcmp(argv[i], "-m")) {
			canon = true;
		} else {
			shell_error(sh, EINVAL, "readlink: invalid option -- '%s'", argv[i] + 1);
			return 1;
		}
	}
	if (i == argc) {
		shell_error(sh, EINVAL, "readlink: missing operand");
		return 1;
	}
	/* Like coreutils without -v: failures are silent, only the status tells. */
	for (; i < argc; i++) {
		abs_path(sh, argv[i], path, sizeof(path));
		if (canon) {
			int ret = sh->ops->realpath(path, buf, sizeof(buf));
			if (ret < 0) {
				sh->err = -ret;
				status = 1;
				continue;
			}
			fprintf(o, "%s\n", buf);
		} else {
			ssize_t n = sh->ops->readlink(path, buf, sizeof(buf) - 1);
			if (n < 0) {
				sh->err = (int)-n;
				status = 1;
				continue;
			}
			buf[n] = '\0';
			fprintf(o, "%s\n", buf);
		}
	}
	return status;
}

struct tree_count { unsigned dirs, files; };

static void tree_walk(struct shell *sh, FILE *o, const char *path, const char *prefix,
		      struct tree_count *tc, int depth)
{
	struct entries e = { 0 };
	char child[SHELL_PATH_MAX], pre[SHELL_PATH_MAX], target[SHELL_PATH_MAX];

	if (depth > 32 || sh->ops->readdir(path, collect, &e) < 0) {
		entries_free(&e);
		return;
	}
	for (size_t i = 0; i < e.nr; i++) {
		bool last = i + 1 == e.nr;
		struct entry *en = &e.v[i];
		snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", en->name);
		fprintf(o, "%s%s%s", prefix, last ? "└── " : "├── ", en->name);
		if (en->st.type == SYSFS_LINK) {
			struct sysfs_stat st;
			ssize_t n = sh->ops->readlink(child, target, sizeof(target) - 1);
			target[n < 0 ? 0 : n] = '\0';
			fprintf(o, " -> %s\n", target);
			if (sh->ops->stat(child, &st) == 0 && st.type == SYSFS_DIR)
				tc->dirs++;
			else
				tc->files++;
		} else if (en->st.type == SYSFS_DIR) {
			fputc('\n', o);
			tc->dirs++;
			snprintf(pre, sizeof(pre), "%s%s", prefix, last ? "    " : "│   ");
			tree_walk(sh, o, child, pre, tc, depth + 1);
		} else {
			fputc('\n', o);
			tc->files++;
		}
	}
	entries_free(&e);
}

static int verb_tree(struct shell *sh, int argc, char **argv, FILE *o)
{
	char path[SHELL_PATH_MAX];
	const char *arg = argc > 1 ? argv[1] : ".";
	struct tree_count tc = { 0, 0 };
	struct sysfs_stat st;
	int status = 0;

	abs_path(sh, arg, path, sizeof(path));
	if (sh->ops->stat(path, &st) < 0 || st.type != SYSFS_DIR) {
		fprintf(o, "%s  [error opening dir]\n", arg);
		sh->err = ENOENT;
		status = 2;
	} else {
		fprintf(o, "%s\n", arg);
		tree_walk(sh, o, path, "", &tc, 0);
	}
	fprintf(o, "\n%u director%s, %u file%s\n", tc.dirs, tc.dirs == 1 ? "y" : "ies",
		tc.files, tc.files == 1 ? "" : "s");
	return status;
}

static int verb_cd(struct shell *sh, int argc, char **argv, FILE *o)
{
	char path[SHELL_PATH_MAX];
	const char *arg = argc > 1 ? argv[1] : "/sys";
	struct sysfs_stat st;
	int ret;

	if (argc > 2) {
		shell_error(sh, EINVAL, "cd: too many arguments");
		return 1;
	}
	abs_path(sh, arg, path, sizeof(path));
	normalise(path);
	ret = sh->ops->stat(path, &st);
	if (ret == 0 && st.type != SYSFS_DIR)
		ret = -ENOTDIR;
	if (ret < 0) {
		shell_error(sh, -ret, "cd: %s: %s", arg, strerror(-ret));
		return 1;
	}
	snprintf(sh->cwd, sizeof(sh->cwd), "%s", path);
	return 0;
}

static int verb_pwd(struct shell *sh, int argc, char **argv, FILE *o)
{
	fprintf(o, "%s\n", sh->cwd);
	return 0;
}

/* ---- verbs: modules and the log -------------------------------------- */

/* kmod prints module names with underscores. */
static void module_name(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[i] = '\0';
}

static int do_rmmod(struct shell *sh, const char *prog, const char *name)
{
	char mod[256];
	int ret = sh->ops->rmmod(name);

	if (ret == 0)
		return 0;
	module_name(name, mod, sizeof(mod));
	if (ret == -ENOENT)
		shell_error(sh, ENOENT, "%s: ERROR: Module %s is not currently loaded", prog, mod);
	else if (ret == -EBUSY)
		shell_error(sh, EBUSY, "%s: ERROR: Module %s is in use", prog, mod);
	else if (ret == -EPERM)
		shell_error(sh, EPERM, "%s: ERROR: Module %s is builtin.", prog, mod);
	else
		shell_error(sh, -ret, "%s: ERROR: could not remove module %s: %s", prog, mod,
			    strerror(-ret));
	return 1;
}

static int verb_modprobe(struct shell *sh, int argc, char **argv, FILE *o)
{
	char *params, mod[256];
	size_t plen = 1;
	int i = 1, ret;

	if (argc > 1 && !strcmp(argv[1], "-r")) {
		if (argc < 3) {
			shell_error(sh, EINVAL, "modprobe: ERROR: missing module name.");
			return 1;
		}
		int status = 0;
		for (i = 2; i < argc; i++)
			if (do_rmmod(sh, "modprobe", argv[i]))
				status = 1;
		return status;
	}
	if (argc < 2 || argv[1][0] == '-') {
		shell_error(sh, EINVAL, "modprobe: ERROR: missing module name.");
		return 1;
	}
	/* kmod passes the options whole, however long */
	for (i = 2; i < argc; i++)
		plen += strlen(argv[i]) + 1;
	params = malloc(plen);
	if (!params) {
		shell_error(sh, ENOMEM, "modprobe: ERROR: %s", strerror(ENOMEM));
		return 1;
	}
	params[0] = '\0';
	for (i = 2; i < argc; i++) {
		size_t len = strlen(params);
		snprintf(params + len, plen - len, "%s%s", len ? " " : "", argv[i]);
	}
	ret = sh->ops->modprobe(argv[1], params);
	free(params);
	if (ret == 0)
		return 0;
	module_name(argv[1], mod, sizeof(mod));
	if (ret == -ENOENT)
		shell_error(sh, ENOENT,
			    "modprobe: FATAL: Module %s not found in directory /lib/modules/6.12.0-iommulab",
			    argv[1]);
	else
		shell_error(sh, -ret, "modprobe: ERROR: could not insert '%s': %s", mod,
			    strerror(-ret));
	return 1;
}

static int verb_rmmod(struct shell *sh, int argc, char **argv, FILE *o)
{
	int status = 0;

	if (argc < 2) {
		shell_error(sh, EINVAL, "rmmod: ERROR: missing module name.");
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' && do_rmmod(sh, "rmmod", argv[i]))
			status = 1;
	return status;
}

static int read_small(struct shell *sh, const char *path, char *buf, size_t size)
{
	ssize_t n = sh->ops->read(path, buf, size);

	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* lsmod from /sys/module: loaded modules are the ones with a refcnt file. */
static int verb_lsmod(struct shell *sh, int argc, char **argv, FILE *o)
{
	struct entries e = { 0 }, h = { 0 };
	char path[SHELL_PATH_MAX], ref[64];

	sh->ops->readdir("/sys/module", collect, &e);
	fprintf(o, "Module                  Size  Used by\n");
	for (size_t i = 0; i < e.nr; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s/refcnt", e.v[i].name);
		if (read_small(sh, path, ref, sizeof(ref) - 1) < 0)
			continue;
		fprintf(o, "%-19s %8d  %s", e.v[i].name, 0, ref);
		snprintf(path, sizeof(path), "/sys/module/%s/holders", e.v[i].name);
		sh->ops->readdir(path, collect, &h);
		for (size_t j = 0; j < h.nr; j++)
			fprintf(o, "%s%s", j ? "," : " ", h.v[j].name);
		entries_free(&h);
		fputc('\n', o);
	}
	entries_free(&e);
	return 0;
}

static int verb_dmesg(struct shell *sh, int argc, char **argv, FILE *o)
{
	bool print = true, clear = false;
	size_t len;
	const char *text;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c")) {
			clear = true;
		} else if (!strcmp(argv[i], "-C")) {
			clear = true;
			print = false;
		} else {
			shell_error(sh, EINVAL, "dmesg: invalid option -- '%s'", argv[i]);
			return 1;
		}
	}
	if (print) {
		text = sh->ops->dmesg(&len);
		fwrite(text, 1, len, o);
	}
	if (clear)
		sh->ops->dmesg_clear();
	return 0;
}

static int verb_sleep(struct shell *sh, int argc, char **argv, FILE *o)
{
	double total = 0;

	if (argc < 2) {
		shell_error(sh, EINVAL, "sleep: missing operand");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *end;
		double v = strtod(argv[i], &end), mult = 1;
		if (*end == 's')
			end++;
		else if (*end == 'm')
			mult = 60, end++;
		else if (*end == 'h')
			mult = 3600, end++;
		if (end == argv[i] || *end || !isfinite(v) || v < 0 || v * mult > 1e9) {
			shell_error(sh, EINVAL, "sleep: invalid time interval '%s'", argv[i]);
			return 1;
		}
		total += v * mult;
	}
	/* Virtual time counts u64 nanoseconds: a sum that does not fit is no interval. */
	double ns = total * 1e9 + 0.5;
	if (!(ns < 18446744073709551616.0)) {
		shell_error(sh, EINVAL, "sleep: total time interval too long (over 2^64 ns)");
		return 1;
	}
	sh->ops->sleep((u64)ns);
	return 0;
}

/* ---- verbs: devices -------------------------------------------------- */

static bool parse_u64(const char *s, u64 *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

static int verb_dmatest(struct shell *sh, int argc, char **argv, FILE *o)
{
	u64 len = 4096;
	char msg[512] = "";
	int ret;

	if (argc < 2 || argc > 3 || (argc == 3 && !parse_u64(argv[2], &len))) {
		shell_error(sh, EINVAL, "usage: dmatest DEVICE [LENGTH]");
		return 2;
	}
	ret = sh->ops->dmatest(argv[1], len, msg, sizeof(msg));
	if (ret < 0) {
		/* The driver's message already names the verb and the device. */
		if (msg[0])
			shell_error(sh, -ret, "%s", msg);
		else
			shell_error(sh, -ret, "dmatest: %s: %s", argv[1], strerror(-ret));
		return 1;
	}
	fprintf(o, "%s\n", msg);
	return 0;
}

/*
 * dma DEV read|write ADDR LEN [BYTE], or dma DEV write32 ADDR VALUE: one
 * 32-bit little-endian write, what an MSI is (a doorbell takes only those).
 */
static int verb_dma(struct shell *sh, int argc, char **argv, FILE *o)
{
	u64 addr, len, fill = 0xa5;
	unsigned width = 1;
	char msg[512] = "";
	bool write, word = argc == 5 && !strcmp(argv[2], "write32");
	int ret;

	if (word) {
		len = 4;
		width = 4;
		if (!parse_u64(argv[3], &addr) || !parse_u64(argv[4], &fill) || fill > 0xffffffffu)
			goto usage;
	} else if (argc < 5 || argc > 6 || (strcmp(argv[2], "read") && strcmp(argv[2], "write")) ||
		   !parse_u64(argv[3], &addr) || !parse_u64(argv[4], &len) || len == 0 ||
		   len > (16u << 20) || (argc == 6 && (!parse_u64(argv[5], &fill) || fill > 0xff))) {
		goto usage;
	}
	write = word || !strcmp(argv[2], "write");
	ret = sh->ops->dma(argv[1], write, addr, len, (u32)fill, width, msg, sizeof(msg));
	if (ret < 0) {
		shell_error(sh, -ret, "dma: %s: %s", argv[1], msg[0] ? msg : strerror(-ret));
		return 1;
	}
	/* The same "dma: DEV:" prefix as a fault, so both outcomes read alike. */
	fprintf(o, "dma: %s: %s\n", argv[1], msg);
	return 0;
usage:
	shell_error(sh, EINVAL, "usage: dma DEVICE read|write ADDRESS LENGTH [BYTE]"
		    " (1 <= LENGTH <= 16 MiB) | dma DEVICE write32 ADDRESS VALUE");
	return 2;
}

/* `invariants`: the checker's invariants of the running kernel (docs/explore.md). */
static int verb_invariants(struct shell *sh, int argc, char **argv, FILE *o)
{
	char buf[4096];

	if (!sh->ops->invariants) {
		shell_error(sh, ENOSYS, "invariants: no kernel to check");
		return 1;
	}
	if (!sh->ops->invariants(buf, sizeof(buf)))
		return 0;
	fputs(buf, o);
	return 1;
}

/* ---- verbs: PCI ------------------------------------------------------ */

/* DDDD:BB:DD.F (the domain may be left out, as lspci -s allows). */
static bool parse_bdf(const char *s, unsigned *seg, unsigned *bus, unsigned *devfn)
{
	unsigned a, b, d, f;
	char tail;

	if (sscanf(s, "%x:%x:%x.%x%c", &a, &b, &d, &f, &tail) == 4)
		*seg = a;
	else if (sscanf(s, "%x:%x.%x%c", &b, &d, &f, &tail) == 3)
		*seg = 0;
	else
		return false;
	if ((strchr(s, ':') == s) || *seg > 0xffff || b > 0xff || d > 31 || f > 7)
		return false;
	*bus = b;
	*devfn = d << 3 | f;
	return true;
}

static int verb_pci(struct shell *sh, int argc, char **argv, FILE *o)
{
	unsigned seg, bus, devfn;
	char msg[512] = "";
	bool add = argc == 4 && !strcmp(argv[1], "hotadd");
	int ret;

	if ((!add && !(argc == 3 && !strcmp(argv[1], "surprise-remove"))) ||
	    !parse_bdf(argv[2], &seg, &bus, &devfn)) {
		shell_error(sh, EINVAL, "usage: pci hotadd DDDD:BB:DD.F COMPATIBLE | "
			    "pci surprise-remove DDDD:BB:DD.F");
		return 2;
	}
	if (!sh->ops->pci_hotplug) {
		shell_error(sh, ENOSYS, "pci: not supported here");
		return 1;
	}
	ret = sh->ops->pci_hotplug(add, seg, bus, devfn, add ? argv[3] : NULL, msg, sizeof(msg));
	if (ret < 0) {
		shell_error(sh, -ret, "pci: %s: %s", argv[2], msg[0] ? msg : strerror(-ret));
		return 1;
	}
	return 0;
}

/* setpci -s BDF REG.{B,W,L}[=VALUE]: through the device's sysfs `config`, as setpci does. */
static int setpci_one(struct shell *sh, const char *cfg, const char *op, FILE *o)
{
	static char buf[4097];
	unsigned long reg, val = 0;
	unsigned width;
	char *end, *eq;
	ssize_t n;

	reg = strtoul(op, &end, 16);
	if (end == op || *end != '.' || !strchr("BbWwLl", end[1]) || !end[1] ||
	    (end[2] && end[2] != '='))
		return -EINVAL;
	width = (end[1] | 0x20) == 'b' ? 1 : (end[1] | 0x20) == 'w' ? 2 : 4;
	eq = end[2] == '=' ? end + 3 : NULL;
	if (eq) {
		char *vend;

		if (!*eq)
			return -EINVAL;
		val = strtoul(eq, &vend, 16);
		if (*vend || (width < 4 && val >> (8 * width)))
			return -EINVAL;
	}
	if (reg % width || reg + width > 4096)
		return -EINVAL;
	if (eq) {
		u8 b[4];

		for (unsigned i = 0; i < width; i++)
			b[i] = (u8)(val >> (8 * i));
		if (!sh->ops->pwrite)
			return -ENOSYS;
		n = sh->ops->pwrite(cfg, (const char *)b, width, reg);
		return n < 0 ? (int)n : 0;
	}
	n = sh->ops->read(cfg, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if ((size_t)n < reg + width) {
		fprintf(o, "%s\n", width == 1 ? "ff" : width == 2 ? "ffff" : "ffffffff");
		return 0;
	}
	val = 0;
	for (unsigned i = 0; i < width; i++)
		val |= (unsigned long)(u8)buf[reg + i] << (8 * i);
	fprintf(o, "%0*lx\n", (int)(2 * width), val);
	return 0;
}

static int verb_setpci(struct shell *sh, int argc, char **argv, FILE *o)
{
	unsigned seg, bus, devfn;
	char cfg[SHELL_PATH_MAX];

	if (argc < 4 || strcmp(argv[1], "-s") || !parse_bdf(argv[2], &seg, &bus, &devfn)) {
		shell_error(sh, EINVAL, "usage: setpci -s DDDD:BB:DD.F REG.B|W|L[=VALUE]...");
		return 2;
	}
	snprintf(cfg, sizeof(cfg), "/sys/bus/pci/devices/%04x:%02x:%02x.%d/config", seg, bus,
		 devfn >> 3, devfn & 7);
	for (int i = 3; i < argc; i++) {
		int ret = setpci_one(sh, cfg, argv[i], o);

		if (ret == -EINVAL) {
			shell_error(sh, EINVAL, "setpci: %s: bad register or value", argv[i]);
			return 2;
		}
		if (ret < 0) {
			shell_error(sh, -ret, "setpci: %s: %s", argv[2],
				    ret == -ENOENT ? "No devices selected" : strerror(-ret));
			return 1;
		}
	}
	return 0;
}

static int verb_nvme(struct shell *sh, int argc, char **argv, FILE *o)
{
	char msg[512] = "";
	int ret = sh->ops->nvme ? sh->ops->nvme(argc, argv, o, msg, sizeof(msg)) : -ENOSYS;

	if (ret == -EINVAL && !msg[0]) {
		shell_error(sh, EINVAL, "usage: nvme id DEVICE | nvme read DEVICE LBA COUNT |"
			    " nvme write DEVICE LBA COUNT PATTERN");
		return 2;
	}
	if (ret < 0) {
		shell_error(sh, -ret, "nvme: %s", msg[0] ? msg : strerror(-ret));
		return 1;
	}
	return 0;
}

/* ---- expect ----------------------------------------------------------- */

/* Skips blanks and one word of @s; returns the word (in @buf) and advances. */
static const char *take_word(const char **s, char *buf, size_t size)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != ' ' && *p != '\t' && n + 1 < size)
		buf[n++] = *p++;
	buf[n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*s = p;
	return n ? buf : NULL;
}

/* Runs @cmd with its output captured; returns its status and output. */
static int run_captured(struct shell *sh, const char *cmd, char **text, size_t *len)
{
	FILE *saved_out = sh->out, *saved_errs = sh->errs;
	FILE *cap = open_memstream(text, len);
	int status;

	if (!cap) {
		*text = NULL;
		*len = 0;
		return -ENOMEM;
	}
	sh->errs = NULL;
	status = shell_exec(sh, cmd, cap);
	fclose(cap);
	sh->out = saved_out;
	sh->errs = saved_errs;
	return status;
}

static void print_indented(FILE *o, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(o, "  | %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

/* The raw rest of the line, with one level of surrounding quotes removed. */
static void unquote(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	snprintf(buf, size, "%.*s", (int)n, s);
}

static int expect_dmesg(struct shell *sh, const char *rest, bool want)
{
	char text[1024];
	size_t len;
	const char *log;

	unquote(rest, text, sizeof(text));
	if (!text[0]) {
		shell_error(sh, EINVAL, "expect: %s: missing text", want ? "dmesg" : "no-dmesg");
		return 2;
	}
	log = sh->ops->dmesg(&len);
	bool found = memmem(log, len, text, strlen(text)) != NULL;
	if (found == want)
		return 0;
	shell_error(sh, 0, "expect: dmesg %s \"%s\"", want ? "does not contain" : "contains", text);
	return 1;
}

static int expect_line(struct shell *sh, const char *line)
{
	char mode[32], name[32], *text = NULL;
	const char *rest = line;
	size_t len = 0;
	int want = 0, status;

	take_word(&rest, mode, sizeof(mode));   /* "expect" */
	if (!take_word(&rest, mode, sizeof(mode))) {
		shell_error(sh, EINVAL, "usage: expect ok|errno NAME COMMAND... | expect dmesg|no-dmesg TEXT");
		return 2;
	}
	if (!strcmp(mode, "dmesg") || !strcmp(mode, "no-dmesg"))
		return expect_dmesg(sh, rest, !strcmp(mode, "dmesg"));
	if (!strcmp(mode, "errno")) {
		if (!take_word(&rest, name, sizeof(name)) || !(want = shell_errno_by_name(name))) {
			shell_error(sh, EINVAL, "expect: unknown errno name '%s'", name);
			return 2;
		}
	} else if (strcmp(mode, "ok")) {
		shell_error(sh, EINVAL, "expect: unknown form '%s' (ok, errno, dmesg, no-dmesg)", mode);
		return 2;
	}
	if (!*rest) {
		shell_error(sh, EINVAL, "expect: %s: missing command", mode);
		return 2;
	}
	sh->err = 0;
	status = run_captured(sh, rest, &text, &len);
	int got = sh->err;
	bool pass = want ? status != 0 && got == want : status == 0;
	if (!pass) {
		if (want && status == 0)
			shell_error(sh, 0, "expect: %s: succeeded, expected %s", rest, name);
		else if (want)
			shell_error(sh, 0, "expect: %s: failed with %s, expected %s", rest,
				    got ? shell_errno_name(got) ?: strerror(got) : "no errno", name);
		else
			shell_error(sh, 0, "expect: %s: failed (status %d)", rest, status);
		if (text && len)
			print_indented(sh->out, text, len);
	}
	free(text);
	sh->err = 0;
	return pass ? 0 : 1;
}

/*
 * `fail-nth N CMD...`: the Nth kernel allocation CMD makes fails, as a
 * write of N to Linux's /proc/thread-self/fail-nth before a system call;
 * disarmed after CMD whether or not it fired.
 */
static int fail_nth_line(struct shell *sh, const char *line)
{
	char word[32], *end;
	const char *rest = line;
	unsigned long n;

	take_word(&rest, word, sizeof(word));   /* "fail-nth" */
	if (!sh->ops->fail_nth) {
		shell_error(sh, ENOTSUP, "fail-nth: not offered here");
		return 2;
	}
	if (!take_word(&rest, word, sizeof(word)) || !*rest ||
	    (n = strtoul(word, &end, 10)) == 0 || *end || word[0] == '-') {
		shell_error(sh, EINVAL, "usage: fail-nth N COMMAND... (N >= 1)");
		return 2;
	}
	sh->ops->fail_nth(n);
	int status = shell_exec(sh, rest, sh->out);
	sh->ops->fail_nth(0);
	return status;
}

/* `vfio ...`: a VFIO user in words (src/uapi/vfio_verb.c, docs/uapi.md). */
int lab_vfio_command(int argc, char **argv, FILE *out, char *msg, size_t msglen);

static int verb_vfio(struct shell *sh, int argc, char **argv, FILE *o)
{
	char msg[512] = "";
	int ret = lab_vfio_command(argc, argv, o, msg, sizeof(msg));

	if (ret < 0) {
		shell_error(sh, -ret, "vfio: %s%s%s", argc > 1 ? argv[1] : "", argc > 1 ? ": " : "",
			    msg[0] ? msg : strerror(-ret));
		return msg[0] ? 2 : 1;
	}
	return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

static int verb_help(struct shell *sh, int argc, char **argv, FILE *o);

static const struct verb {
	const char *name;
	verb_fn fn;
	const char *usage;
} verbs[] = {
	{ "cat", verb_cat, "cat PATH...                  print files" },
	{ "cd", verb_cd, "cd [PATH]                    change directory (default /sys)" },
	{ "dma", verb_dma, "dma DEV read|write ADDR LEN [BYTE]  raw DMA from DEV's bus master (write32 ADDR VALUE: one word)" },
	{ "dmatest", verb_dmatest, "dmatest DEV [LEN]            a dma-copy test transfer" },
	{ "dmesg", verb_dmesg, "dmesg [-c|-C]                the kernel log (-c: then clear)" },
	{ "echo", verb_echo, "echo [-n] VALUE... [> PATH]  print, or write to a file" },
	{ "expect", NULL, "expect ok|errno NAME CMD... | expect dmesg|no-dmesg TEXT" },
	{ "fail-nth", NULL, "fail-nth N CMD...            the Nth kernel allocation CMD makes fails" },
	{ "help", verb_help, "help                         this list" },
	{ "invariants", verb_invariants, "invariants                   check the kernel's invariants (status 1: broken)" },
	{ "ls", verb_ls, "ls [-l] [-d] [PATH...]       list directories" },
	{ "lsmod", verb_lsmod, "lsmod                        loaded modules" },
	{ "modprobe", verb_modprobe, "modprobe [-r] NAME [param=value...]  load a module" },
	{ "pci", verb_pci, "pci hotadd BDF COMPATIBLE | pci surprise-remove BDF  PCI hotplug" },
	{ "nvme", verb_nvme, "nvme id|read|write DEV [LBA COUNT [PATTERN]]  the nvme driver's blocks" },
	{ "pwd", verb_pwd, "pwd                          print the current directory" },
	{ "readlink", verb_readlink, "readlink [-f] PATH...        print link targets" },
	{ "rmmod", verb_rmmod, "rmmod NAME...                unload modules" },
	{ "setpci", verb_setpci, "setpci -s BDF REG.B|W|L[=VALUE]...  PCI config space" },
	{ "sleep", verb_sleep, "sleep SECONDS                let virtual time pass" },
	{ "tree", verb_tree, "tree [PATH]                  a directory tree" },
	{ "vfio", verb_vfio, "vfio SUBCOMMAND...           a VFIO user program (docs/uapi.md)" },
};

const char *const shell_verbs[] = {
	"cat", "cd", "dma", "dmatest", "dmesg", "echo", "exit", "expect", "fail-nth", "help", "invariants",
	"ls", "lsmod", "modprobe", "pwd", "readlink", "rmmod", "sleep", "tree", "vfio", NULL,
	"cat", "cd", "dma", "dmatest", "dmesg", "echo", "exit", "expect", "help", "ls",
	"lsmod", "modprobe", "pci", "pwd", "readlink", "rmmod", "setpci", "sleep", "tree", "vfio",
	NULL,
	"cat", "cd", "dma", "dmatest", "dmesg", "echo", "exit", "expect", "help", "ls",
	"lsmod", "modprobe", "nvme", "pwd", "readlink", "rmmod", "sleep", "tree", "vfio", NULL,
};

static int verb_help(struct shell *sh, int argc, char **argv, FILE *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(o, "%s\n", verbs[i].usage);
	fprintf(o, "exit                         leave the shell\n");
	return 0;
}

/*
 * "> PATH": bash opens the file before running the command. In sysfs a
 * missing file cannot be created (EACCES in an existing directory) and a
 * file without write permission refuses the open (EACCES), even for root.
 */
static int open_redirect(struct shell *sh, const char *arg, char *path, size_t size)
{
	struct sysfs_stat st;
	int ret;

	abs_path(sh, arg, path, size);
	ret = sh->ops->stat(path, &st);
	if (ret == -ENOENT) {
		char parent[SHELL_PATH_MAX];
		struct sysfs_stat pst;
		snprintf(parent, sizeof(parent), "%s", path);
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		if (sh->ops->stat(parent, &pst) == 0 && pst.type == SYSFS_DIR)
			ret = -EACCES;
	} else if (ret == 0 && st.type == SYSFS_DIR) {
		ret = -EISDIR;
	} else if (ret == 0 && !(st.mode & 0222)) {
		ret = -EACCES;
	}
	if (ret < 0)
		shell_error(sh, -ret, "%s: %s", arg, strerror(-ret));
	return ret;
}

static int run_words(struct shell *sh, struct cmdline *c, FILE *out)
{
	const struct verb *v = NULL;
	char path[SHELL_PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *o = out;
	int status;

	if (!strcmp(c->words[0], "exit") || !strcmp(c->words[0], "quit")) {
		sh->exit_requested = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (verbs[i].fn && !strcmp(verbs[i].name, c->words[0]))
			v = &verbs[i];
	if (!v) {
		shell_error(sh, 0, "%s: command not found", c->words[0]);
		return SHELL_NOT_FOUND;
	}
	if (c->redirect) {
		if (open_redirect(sh, c->redirect, path, sizeof(path)) < 0)
			return 1;
		o = open_memstream(&text, &len);
		if (!o) {
			shell_error(sh, ENOMEM, "%s: %s", c->words[0], strerror(ENOMEM));
			return 1;
		}
	}
	status = v->fn(sh, c->nr, c->words, o);
	if (c->redirect) {
		fclose(o);
		/* One write(2) of everything the command printed, as echo does. */
		if (len) {
			ssize_t n = sh->ops->write(path, text, len);
			if (n < 0) {
				shell_error(sh, (int)-n, "%s: write error: %s", c->words[0],
					    strerror((int)-n));
				status = 1;
			}
		}
		free(text);
	}
	return status;
}

void shell_init(struct shell *sh, const struct shell_ops *ops)
{
	memset(sh, 0, sizeof(*sh));
	sh->ops = ops;
	strcpy(sh->cwd, "/");
}

int shell_exec(struct shell *sh, const char *line, FILE *out)
{
	const char *why = NULL, *p = line;
	struct cmdline *c;
	char first[16] = "";
	int status;

	sh->out = out;
	sh->err = 0;
	if (take_word(&p, first, sizeof(first)) && !strcmp(first, "expect"))
		return expect_line(sh, line);
	if (!strcmp(first, "fail-nth"))
		return fail_nth_line(sh, line);
	c = split_line(line, &why);
	if (!c) {
		shell_error(sh, EINVAL, "%s", why);
		return SHELL_USAGE;
	}
	status = c->nr ? run_words(sh, c, out) : 0;
	free(c);
	return status;
}
