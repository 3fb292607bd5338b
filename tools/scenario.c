/*
 * The scenario runner: parses a scenario file into commands and their
 * expected output, runs them on a shell, and reports every mismatch with
 * its file:line in a diff-like form. It never stops at the first failure.
 */
#include "scenario.h"
#include "shell.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void set_why(char *why, size_t whylen, const char *name, int line, const char *fmt, ...)
	__printf(5, 6);

static void set_why(char *why, size_t whylen, const char *name, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(why, whylen, "%s:%d: ", name, line);

	if (n < 0 || (size_t)n >= whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why + n, whylen - n, fmt, ap);
	va_end(ap);
}

static bool is_command(const char *l)
{
	return (l[0] == '$' && (l[1] == ' ' || l[1] == '\0'));
}

static bool is_blank(const char *l)
{
	return l[strspn(l, " \t")] == '\0';
}

/* Splits @text into lines (copies, '\r' stripped). */
static char **split_lines(const char *text, size_t *nr)
{
	size_t cap = 16, n = 0;
	char **v = malloc(cap * sizeof(*v));
	const char *p = text;

	while (v && *p) {
		const char *nl = strchrnul(p, '\n');
		size_t len = nl - p;
		if (len && p[len - 1] == '\r')
			len--;
		if (n == cap) {
			char **nv = realloc(v, 2 * cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[n++] = strndup(p, len);
		p = *nl ? nl + 1 : nl;
	}
	*nr = n;
	return v;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The item takes over @notes (the comments above it), which may be NULL. */
static int add_item(struct scenario *s, int line, const char *cmd, char **notes)
{
	struct scenario_item *v = realloc(s->items, (s->nr_items + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->items = v;
	v[s->nr_items] = (struct scenario_item){ .line = line, .cmd = strdup(cmd), .notes = *notes };
	*notes = NULL;
	s->nr_items++;
	return v[s->nr_items - 1].cmd ? 0 : -ENOMEM;
}

/* Appends one comment line to @notes, so --echo can narrate a scenario. */
static int add_note(char **notes, const char *l)
{
	size_t old = *notes ? strlen(*notes) : 0, len = strlen(l);
	char *n = realloc(*notes, old + len + 2);

	if (!n)
		return -ENOMEM;
	memcpy(n + old, l, len);
	n[old + len] = '\n';
	n[old + len + 1] = '\0';
	*notes = n;
	return 0;
}

static int add_expect(struct scenario_item *it, const char *l)
{
	char **v = realloc(it->expect, (it->nr_expect + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	it->expect = v;
	v[it->nr_expect++] = strdup(l);
	return 0;
}

/* "#! platform FILE" is relative to the scenario's folder. */
static char *relative_to(const char *name, const char *file)
{
	const char *slash = strrchr(name, '/');
	char *out;

	if (file[0] == '/' || !slash || !strcmp(name, "-"))
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - name), name, file) < 0)
		return NULL;
	return out;
}

static int parse_header(const char *name, int line, const char *l, struct scenario *s,
			char *why, size_t whylen)
{
	const char *p = l + 2;
	size_t klen;

	p += strspn(p, " \t");
	klen = strcspn(p, " \t");
	const char *arg = p + klen;
	arg += strspn(arg, " \t");
	if (klen == 8 && !strncmp(p, "platform", 8) && *arg) {
		free(s->platform);
		s->platform = relative_to(name, arg);
	} else if (klen == 7 && !strncmp(p, "cmdline", 7)) {
		free(s->cmdline);
		s->cmdline = strdup(arg);
	} else {
		set_why(why, whylen, name, line, "unknown header '%s' (platform FILE, cmdline ARGS)", l);
		return -EINVAL;
	}
	return 0;
}

int scenario_parse(const char *name, const char *text, struct scenario *s,
		   char *why, size_t whylen)
{
	size_t nr;
	char **lines = split_lines(text, &nr);
	struct scenario_item *cur = NULL;
	char *notes = NULL;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!lines || !s->name) {
		free_lines(lines, lines ? nr : 0);
		set_why(why, whylen, name, 0, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr; i++)
		if (is_command(lines[i]))
			s->session = true;

	for (size_t i = 0; i < nr && !ret; i++) {
		const char *l = lines[i];
		int ln = (int)i + 1;

		if (l[0] == '#' && l[1] == '!') {
			if (s->nr_items) {
				set_why(why, whylen, name, ln, "header after the first command");
				ret = -EINVAL;
			} else {
				ret = parse_header(name, ln, l, s, why, whylen);
			}
		} else if (l[0] == '#') {
			cur = NULL;
			ret = add_note(&notes, l);
		} else if (!s->session) {
			/* A plain script has no expected output to hold a syntax error: it does not parse. */
			const char *bad = shell_syntax_error(l);
			if (bad) {
				set_why(why, whylen, name, ln, "%s", bad);
				ret = -EINVAL;
			} else if (!is_blank(l)) {
				ret = add_item(s, ln, l + strspn(l, " \t"), &notes);
			}
		} else if (is_command(l)) {
			const char *cmd = l + 1 + strspn(l + 1, " ");
			if (is_blank(cmd)) {
				set_why(why, whylen, name, ln, "'$' without a command");
				ret = -EINVAL;
				break;
			}
			ret = add_item(s, ln, cmd, &notes);
			cur = ret ? NULL : &s->items[s->nr_items - 1];
		} else if (cur) {
			ret = add_expect(cur, l);
		} else if (!is_blank(l)) {
			set_why(why, whylen, name, ln,
				"output without a command (commands start with \"$ \")");
			ret = -EINVAL;
		}
	}
	free_lines(lines, nr);
	free(notes);
	/* Trailing blank lines of expected output do not count. */
	for (size_t i = 0; i < s->nr_items; i++) {
		struct scenario_item *it = &s->items[i];
		while (it->nr_expect && is_blank(it->expect[it->nr_expect - 1]))
			free(it->expect[--it->nr_expect]);
	}
	if (ret == -ENOMEM)
		set_why(why, whylen, name, 0, "out of memory");
	if (ret)
		scenario_free(s);
	return ret;
}

void scenario_free(struct scenario *s)
{
	for (size_t i = 0; i < s->nr_items; i++) {
		free_lines(s->items[i].expect, s->items[i].nr_expect);
		free(s->items[i].cmd);
		free(s->items[i].notes);
	}
	free(s->items);
	free(s->name);
	free(s->platform);
	free(s->cmdline);
	memset(s, 0, sizeof(*s));
}

static bool is_ellipsis(const char *l)
{
	return !strcmp(l, "...");
}

/* Wildcard match over lines: "..." stands for any run of lines. */
bool scenario_match(char *const *want, size_t nw, char *const *got, size_t ng)
{
	size_t w = 0, g = 0, star_w = (size_t)-1, star_g = 0;

	while (g < ng) {
		if (w < nw && is_ellipsis(want[w])) {
			star_w = w++;
			star_g = g;
		} else if (w < nw && !strcmp(want[w], got[g])) {
			w++;
			g++;
		} else if (star_w != (size_t)-1) {
			w = star_w + 1;
			g = ++star_g;
		} else {
			return false;
		}
	}
	while (w < nw && is_ellipsis(want[w]))
		w++;
	return w == nw;
}

/* Diff-like report: common head and tail as context, the rest as -/+. */
static void report_diff(FILE *out, char *const *want, size_t nw, char *const *got, size_t ng)
{
	size_t head = 0, tail = 0;

	while (head < nw && head < ng && !strcmp(want[head], got[head]))
		head++;
	while (tail < nw - head && tail < ng - head &&
	       !strcmp(want[nw - 1 - tail], got[ng - 1 - tail]))
		tail++;
	fprintf(out, "--- expected\n+++ got\n");
	for (size_t i = 0; i < head; i++)
		fprintf(out, " %s\n", want[i]);
	for (size_t i = head; i < nw - tail; i++)
		fprintf(out, "-%s\n", want[i]);
	for (size_t i = head; i < ng - tail; i++)
		fprintf(out, "+%s\n", got[i]);
	for (size_t i = nw - tail; i < nw; i++)
		fprintf(out, " %s\n", want[i]);
}

/* Every error line the command printed must appear, as is, in the expected output. */
static const char *missing_error(const struct scenario_item *it, char *const *errs, size_t ne)
{
	for (size_t e = 0; e < ne; e++) {
		bool found = false;
		for (size_t i = 0; i < it->nr_expect && !found; i++)
			found = !strcmp(it->expect[i], errs[e]);
		if (!found)
			return errs[e];
	}
	return NULL;
}

static int check_session(const struct scenario *s, const struct scenario_item *it, int status,
			 const char *out_text, const char *err_text, FILE *out)
{
	size_t ng, ne;
	char **got = split_lines(out_text, &ng);
	char **errs = split_lines(err_text, &ne);
	int failed = 0;

	while (ng && is_blank(got[ng - 1]))
		free(got[--ng]);
	if (!scenario_match(it->expect, it->nr_expect, got, ng)) {
		fprintf(out, "%s:%d: $ %s\n", s->name, it->line, it->cmd);
		report_diff(out, it->expect, it->nr_expect, got, ng);
		failed = 1;
	} else if (status != 0) {
		const char *miss = ne ? missing_error(it, errs, ne) : NULL;
		if (!ne || miss) {
			fprintf(out, "%s:%d: $ %s\n", s->name, it->line, it->cmd);
			if (miss)
				fprintf(out, "failed (status %d); its error is not in the expected output: %s\n",
					status, miss);
			else
				fprintf(out, "failed (status %d)\n", status);
			failed = 1;
		}
	}
	free_lines(got, ng);
	free_lines(errs, ne);
	return failed;
}

int scenario_run(const struct scenario *s, struct shell *sh, unsigned flags, FILE *out)
{
	int failed = 0;
	size_t checks = 0;

	for (size_t i = 0; i < s->nr_items && !sh->exit_requested; i++) {
		const struct scenario_item *it = &s->items[i];
		char *text = NULL, *etext = NULL;
		size_t len = 0, elen = 0;
		FILE *cap = open_memstream(&text, &len);
		FILE *ecap = open_memstream(&etext, &elen);
		int status;

		if (!cap || !ecap) {
			if (cap)
				fclose(cap);
			if (ecap)
				fclose(ecap);
			free(text);
			free(etext);
			fprintf(out, "%s:%d: out of memory\n", s->name, it->line);
			return failed + 1;
		}
		if (flags & SCENARIO_ECHO)
			fprintf(out, "%s$ %s\n", it->notes ? it->notes : "", it->cmd);
		sh->errs = ecap;
		status = shell_exec(sh, it->cmd, cap);
		sh->errs = NULL;
		fclose(cap);
		fclose(ecap);
		fwrite(text, 1, len, out);
		if (len && text[len - 1] != '\n')
			fputc('\n', out);
		if (s->session) {
			checks++;
			failed += check_session(s, it, status, text, etext, out);
		} else if (!strncmp(it->cmd, "expect", 6) &&
			   (it->cmd[6] == ' ' || it->cmd[6] == '\t')) {
			checks++;
			if (status != 0) {
				fprintf(out, "%s:%d: failed: %s\n", s->name, it->line, it->cmd);
				failed++;
			}
		}
		free(text);
		free(etext);
	}
	if (failed)
		fprintf(out, "%s: %d of %zu checks failed\n", s->name, failed, checks);
	return failed;
}
