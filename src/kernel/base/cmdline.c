// SPDX-License-Identifier: GPL-2.0-only
/* Kernel command line parsing (init/main.c, kernel/params.c next_arg). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/cmdline.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

struct cmd_param {
	char *name;
	char *value;	/* NULL for a bare name */
	bool known;	/* an early_param took it */
};

/* Parameters the lab consumes itself, or that Linux knows and the lab ignores. */
static const char *const known_params[] = {
	"deferred_probe_timeout", "console", "earlycon", "root", "rootwait", "rootfstype",
	"rw", "ro", "quiet", "debug", "loglevel", "init", "panic", "nokaslr",
	"ignore_loglevel", "initcall_debug", "driver_async_probe", "fw_devlink", "dyndbg",
};

/* Splits the next "name[=value]" off @p, honouring double quotes. */
static char *next_arg(char *p, char **name, char **value)
{
	bool in_quote = false;
	char *eq = NULL, *q;

	if (*p == '"') {
		p++;
		in_quote = true;
	}
	for (q = p; *q; q++) {
		if (isspace((unsigned char)*q) && !in_quote)
			break;
		if (!eq && *q == '=')
			eq = q;
		if (*q == '"')
			in_quote = !in_quote;
	}
	*name = p;
	*value = NULL;
	char *end = q;
	if (*q)
		*q++ = '\0';
	if (eq) {
		*eq = '\0';
		*value = eq + 1;
		if (**value == '"') {
			(*value)++;
			if (end > *value && end[-1] == '"')
				end[-1] = '\0';
		}
	}
	if (end > p && end[-1] == '"' && !eq)
		end[-1] = '\0';
	while (isspace((unsigned char)*q))
		q++;
	return q;
}

int cmdline_init(const char *cmdline)
{
	struct cmdline_state *cs = &kstate->cmdline;
	char *work, *p;

	cmdline_exit();
	cs->saved_line = kstrdup(cmdline ? cmdline : "");
	work = kstrdup(cs->saved_line ? cs->saved_line : "");
	if (!cs->saved_line || !work) {
		kfree(work);
		cmdline_exit();
		return -ENOMEM;
	}
	p = work;
	while (isspace((unsigned char)*p))
		p++;
	while (*p) {
		char *name, *value;
		p = next_arg(p, &name, &value);
		if (!*name)
			continue;
		struct cmd_param *np = krealloc(cs->params, (cs->nr_params + 1) * sizeof(*np));
		if (!np)
			goto nomem;
		cs->params = np;
		np += cs->nr_params++;
		np->name = kstrdup(name);
		np->value = value ? kstrdup(value) : NULL;
		np->known = false;
		if (!np->name || (value && !np->value))
			goto nomem;
	}
	kfree(work);
	return 0;
nomem:
	kfree(work);
	cmdline_exit();
	return -ENOMEM;
}

void cmdline_exit(void)
{
	struct cmdline_state *cs = kstate ? &kstate->cmdline : NULL;

	if (!cs)
		return;
	for (size_t i = 0; i < cs->nr_params; i++) {
		kfree(cs->params[i].name);
		kfree(cs->params[i].value);
	}
	kfree(cs->params);
	cs->params = NULL;
	cs->nr_params = 0;
	kfree(cs->saved_line);
	cs->saved_line = NULL;
}

const char *kernel_cmdline(void)
{
	return kstate && kstate->cmdline.saved_line ? kstate->cmdline.saved_line : "";
}

/* The parameters so far (none with no kernel): *nr of them. */
static struct cmd_param *cmdline_params(size_t *nr)
{
	*nr = kstate ? kstate->cmdline.nr_params : 0;
	return kstate ? kstate->cmdline.params : NULL;
}

/* Linux treats '-' and '_' alike in parameter names. */
static bool param_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

const char *cmdline_get(const char *name)
{
	size_t nr_params;
	struct cmd_param *params = cmdline_params(&nr_params);

	for (size_t i = nr_params; i-- > 0;)
		if (param_eq(params[i].name, name))
			return params[i].value ? params[i].value : "";
	return NULL;
}

void parse_early_param(const char *name, int (*setup_func)(const char *val))
{
	size_t nr_params;
	struct cmd_param *params = cmdline_params(&nr_params);

	for (size_t i = 0; i < nr_params; i++) {
		if (!param_eq(params[i].name, name))
			continue;
		params[i].known = true;
		if (setup_func(params[i].value))
			pr_warn("Malformed early option '%s'\n", params[i].name);
	}
}

size_t cmdline_count(void)
{
	size_t nr_params;

	cmdline_params(&nr_params);
	return nr_params;
}

void cmdline_param(size_t i, const char **name, const char **value)
{
	size_t nr_params;
	struct cmd_param *params = cmdline_params(&nr_params);

	*name = i < nr_params ? params[i].name : NULL;
	*value = i < nr_params ? params[i].value : NULL;
}

void cmdline_report_unknown(void)
{
	size_t nr_params;
	struct cmd_param *params = cmdline_params(&nr_params);
	char buf[1024];
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < nr_params; i++) {
		bool known = params[i].known || strchr(params[i].name, '.');
		for (size_t k = 0; !known && k < ARRAY_SIZE(known_params); k++)
			known = param_eq(params[i].name, known_params[k]);
		if (known || off >= sizeof(buf))
			continue;
		int n = snprintf(buf + off, sizeof(buf) - off, "%s%s%s%s", off ? " " : "",
				 params[i].name, params[i].value ? "=" : "",
				 params[i].value ? params[i].value : "");
		if (n > 0)
			off += (size_t)n;
	}
	if (off)
		pr_notice("Unknown kernel command line parameters \"%s\", will be passed to user space.\n",
			  buf);
}
