// SPDX-License-Identifier: GPL-2.0-only
/*
 * Modules: built-in (=y) or loadable (=m) bundles from modules.def, their
 * parameters, reference counts and /sys/module (kernel/module/main.c,
 * kernel/params.c). Errors follow what modprobe/rmmod report: unknown
 * module -ENOENT; rmmod of a built-in -EPERM (kmod: "Module X is
 * builtin."); of a module not loaded -ENOENT; of a module in use -EBUSY
 * (kmod: "Module X is in use"), and nothing changes. Unknown parameters
 * are ignored with Linux's warning; a bad value fails the load (-EINVAL).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strtobool.h"
#include "kernel/base/base.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/drivers.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

static const struct kernel_param no_params[] = { { NULL } };

static const struct lab_module_def module_table[] = {
#define LAB_MODULE(n, b, i, e, p, d, m) { n, b, i, e, p, d, m },
#include "kernel/base/modules.def"
#undef LAB_MODULE
};

#define NR_MODULES ARRAY_SIZE(module_table)

struct module_use {
	struct list_head link;
	struct module *target;
};

struct param_attr {
	struct sysfs_attr attr;
	const struct kernel_param *kp;
	struct module *mod;
};

struct module {
	const struct lab_module_def *def;
	char name[64];			/* '_' form, as /sys/module shows */
	bool loadable;
	enum module_state state;
	int refcnt;
	struct list_head uses;		/* modules we depend on */
	char **charp;			/* kmalloc'ed charp values, per param */
	struct param_attr *pattrs;
	struct sysfs_node *dir, *holders_dir, *params_dir, *drivers_dir;
};

/* The running kernel's modules (NR_MODULES of them), or NULL when none are set up. */
static struct module *kernel_modules(void)
{
	return kstate && kstate->module.ready ? kstate->module.modules : NULL;
}

static void normalize(char *dst, const char *src, size_t size)
{
	size_t i;
	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

struct module *find_module(const char *name)
{
	struct module *modules = kernel_modules();
	char n[64];
	normalize(n, name, sizeof(n));
	for (size_t i = 0; modules && i < NR_MODULES; i++)
		if (!strcmp(modules[i].name, n))
			return &modules[i];
	return NULL;
}

const char *module_name(const struct module *mod)
{
	return mod ? mod->name : "kernel";
}

int module_refcount(const struct module *mod)
{
	return mod ? mod->refcnt : 0;
}

enum module_state module_get_state(const char *name)
{
	struct module *mod = find_module(name);
	if (!mod)
		return MODULE_STATE_UNLOADED;
	return mod->loadable ? mod->state : MODULE_STATE_BUILTIN;
}

bool modules_possible(void)
{
	struct module *modules = kernel_modules();
	for (size_t i = 0; modules && i < NR_MODULES; i++)
		if (modules[i].loadable && modules[i].state == MODULE_STATE_UNLOADED)
			return true;
	return false;
}

bool module_could_provide(const struct device_node *np)
{
	struct module *modules = kernel_modules();
	if (!np)
		return modules_possible();
	for (size_t i = 0; modules && i < NR_MODULES; i++)
		if (modules[i].loadable && modules[i].state == MODULE_STATE_UNLOADED &&
		    module_table[i].of_match && of_match_node(module_table[i].of_match, np))
			return true;
	return false;
}

struct module *module_current(void)
{
	return kstate ? kstate->module.current : NULL;
}

bool try_module_get(struct module *mod)
{
	if (!mod)
		return true;
	if (mod->state != MODULE_STATE_LIVE && mod->state != MODULE_STATE_COMING)
		return false;
	mod->refcnt++;
	return true;
}

void module_put(struct module *mod)
{
	if (mod && mod->refcnt > 0)
		mod->refcnt--;
}

/* ---- parameters ------------------------------------------------------ */

/* The parameter's value in the running kernel (see struct kernel_param). */
static void *param_ptr(const struct kernel_param *kp)
{
	return (char *)kstate + kp->offset;
}

static size_t param_index(const struct module *mod, const struct kernel_param *kp)
{
	return (size_t)(kp - mod->def->params);
}

/*
 * kstrtoull with base 0 (kstrtox.c): "0x" + hex digit is hex, a leading 0
 * octal; no blanks; one trailing newline; -ERANGE on overflow, found while
 * the digits are read, before anything after them is looked at.
 */
static int param_strtoull(const char *s, unsigned long long *res)
{
	unsigned base = 10;
	unsigned long long v = 0;
	bool overflow = false;
	size_t n = 0;

	if (s[0] == '0') {
		base = 8;
		if ((s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
			base = 16;
			s += 2;
		}
	}
	for (;; s++, n++) {
		int c = tolower((unsigned char)*s);
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* kstrtoint / kstrtouint: a sign, then the digits; out of range is -ERANGE. */
static int param_strtoint(const char *s, bool is_signed, long long *res)
{
	unsigned long long u;
	int ret;

	if (is_signed && s[0] == '-') {
		ret = param_strtoull(s + 1, &u);
		if (ret)
			return ret;
		if (u > (unsigned long long)INT_MAX + 1)
			return -ERANGE;
		*res = -(long long)u;
		return 0;
	}
	if (s[0] == '+')
		s++;
	ret = param_strtoull(s, &u);
	if (ret)
		return ret;
	if (u > (is_signed ? (unsigned long long)INT_MAX : (unsigned long long)UINT_MAX))
		return -ERANGE;
	*res = (long long)u;
	return 0;
}

/*
 * param_set_bool/int/uint/charp (kernel/params.c) on @val as written: a
 * bare name (@val NULL) sets a bool and is -EINVAL for the others
 * (parse_one); "name=" is an empty value, which no bool accepts.
 */
static int param_set(struct module *mod, const struct kernel_param *kp, const char *val)
{
	long long v;
	int ret;

	if (!val && kp->type != PARAM_BOOL)
		return -EINVAL;
	switch (kp->type) {
	case PARAM_BOOL: {
		bool b;
		if (!val)
			val = "1";
		if (kstrtobool(val, &b))
			return -EINVAL;
		*(bool *)param_ptr(kp) = b;
		return 0;
	}
	case PARAM_INT:
	case PARAM_UINT:
		ret = param_strtoint(val, kp->type == PARAM_INT, &v);
		if (ret)
			return ret;
		if (kp->type == PARAM_INT)
			*(int *)param_ptr(kp) = (int)v;
		else
			*(unsigned *)param_ptr(kp) = (unsigned)v;
		return 0;
	case PARAM_CHARP: {
		size_t i = param_index(mod, kp);
		if (strlen(val) > 1024) {
			pr_err("%s: string parameter too long\n", kp->name);
			return -ENOSPC;
		}
		char *s = kstrndup(val, strcspn(val, "\n"));
		if (!s)
			return -ENOMEM;
		kfree(mod->charp[i]);
		mod->charp[i] = s;
		*(char **)param_ptr(kp) = s;
		return 0;
	}
	}
	return -EINVAL;
}

static void params_reset(struct module *mod)
{
	if (!mod->def || !mod->charp)
		return;
	for (const struct kernel_param *kp = mod->def->params; kp->name; kp++) {
		if (kp->type == PARAM_CHARP) {
			size_t i = param_index(mod, kp);
			kfree(mod->charp[i]);
			mod->charp[i] = NULL;
			*(char **)param_ptr(kp) = (char *)kp->def;
		} else {
			param_set(mod, kp, kp->def ? kp->def : "0");
		}
	}
}

static const struct kernel_param *param_find(struct module *mod, const char *name)
{
	for (const struct kernel_param *kp = mod->def->params; kp->name; kp++) {
		const char *a = kp->name, *b = name;
		for (; *a && *b; a++, b++)
			if ((*a == '-' ? '_' : *a) != (*b == '-' ? '_' : *b))
				break;
		if (!*a && !*b)
			return kp;
	}
	return NULL;
}

/* parse_args for one "name[=value]": unknown ones are ignored, as Linux does. */
static int param_apply(struct module *mod, const char *name, const char *val)
{
	const struct kernel_param *kp = param_find(mod, name);
	/* Every module takes dyndbg=, as with CONFIG_DYNAMIC_DEBUG. */
	if (!kp && !strcmp(name, "dyndbg"))
		return ddebug_module_flags(mod->name, val);
	if (!kp) {
		pr_warn("%s: unknown parameter '%s' ignored\n", mod->name, name);
		return 0;
	}
	int ret = param_set(mod, kp, val);
	if (ret == -ENOSPC)
		pr_err("%s: `%s' too large for parameter `%s'\n", mod->name, val ? val : "", name);
	else if (ret)
		pr_err("%s: `%s' invalid for parameter `%s'\n", mod->name, val ? val : "", name);
	return ret;
}

/* NAME.PARAM=VALUE from the kernel command line for @mod. */
static int params_from_cmdline(struct module *mod)
{
	int err = 0;
	for (size_t i = 0; i < cmdline_count(); i++) {
		const char *name, *val;
		char modname[64];
		cmdline_param(i, &name, &val);
		const char *dot = strchr(name, '.');
		if (!dot || (size_t)(dot - name) >= sizeof(modname))
			continue;
		memcpy(modname, name, (size_t)(dot - name));
		modname[dot - name] = '\0';
		normalize(modname, modname, sizeof(modname));
		if (strcmp(modname, mod->name))
			continue;
		int ret = param_apply(mod, dot + 1, val);
		if (ret && !err)
			err = ret;
	}
	return err;
}

/* "a=1 b c=x": modprobe's argument string. */
static int params_from_string(struct module *mod, const char *args)
{
	char *copy = kstrdup(args ? args : ""), *p;
	int ret = 0;
	if (!copy)
		return -ENOMEM;
	for (p = strtok(copy, " \t\n"); p && !ret; p = strtok(NULL, " \t\n")) {
		char *eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		ret = param_apply(mod, p, eq ? eq + 1 : NULL);
	}
	kfree(copy);
	return ret;
}

static ssize_t param_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	const struct kernel_param *kp = container_of(attr, struct param_attr, attr)->kp;
	switch (kp->type) {
	case PARAM_BOOL:
		return snprintf(buf, PAGE_SIZE, "%c\n", *(bool *)param_ptr(kp) ? 'Y' : 'N');
	case PARAM_INT:
		return snprintf(buf, PAGE_SIZE, "%d\n", *(int *)param_ptr(kp));
	case PARAM_UINT:
		return snprintf(buf, PAGE_SIZE, "%u\n", *(unsigned *)param_ptr(kp));
	case PARAM_CHARP: {
		const char *s = *(char **)param_ptr(kp);
		return snprintf(buf, PAGE_SIZE, "%s\n", s ? s : "(null)");
	}
	}
	return -EINVAL;
}

static ssize_t param_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			   size_t len)
{
	struct param_attr *pa = container_of(attr, struct param_attr, attr);
	/* param_attr_store hands the buffer as written to the setter */
	int ret = param_set(pa->mod, pa->kp, buf);
	return ret ? ret : (ssize_t)len;
}

static bool has_sysfs_params(const struct module *mod)
{
	for (const struct kernel_param *kp = mod->def->params; kp->name; kp++)
		if (kp->perm)
			return true;
	return false;
}

/* ---- /sys/module/NAME ------------------------------------------------ */

static ssize_t refcnt_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct module *mod = owner;
	return snprintf(buf, PAGE_SIZE, "%d\n", mod->refcnt);
}

static ssize_t initstate_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct module *mod = owner;
	const char *s = mod->state == MODULE_STATE_LIVE ? "live" :
			mod->state == MODULE_STATE_COMING ? "coming" : "going";
	return snprintf(buf, PAGE_SIZE, "%s\n", s);
}

static const struct sysfs_attr mod_attr_refcnt = {
	.name = "refcnt", .mode = 0444, .show = refcnt_show,
};
static const struct sysfs_attr mod_attr_initstate = {
	.name = "initstate", .mode = 0444, .show = initstate_show,
};

static void module_sysfs_remove(struct module *mod)
{
	sysfs_remove(mod->dir);
	mod->dir = mod->holders_dir = mod->params_dir = mod->drivers_dir = NULL;
	kfree(mod->pattrs);
	mod->pattrs = NULL;
}

static int module_sysfs_add(struct module *mod)
{
	int ret = sysfs_create_dir(sysfs_dir_module(), mod->name, &mod->dir);
	if (ret)
		return ret;
	if (mod->loadable &&
	    ((ret = sysfs_create_file(mod->dir, &mod_attr_refcnt, mod, NULL)) ||
	     (ret = sysfs_create_file(mod->dir, &mod_attr_initstate, mod, NULL)) ||
	     (ret = sysfs_create_dir(mod->dir, "holders", &mod->holders_dir))))
		goto fail;
	if (has_sysfs_params(mod)) {
		size_t n = 0;
		for (const struct kernel_param *kp = mod->def->params; kp->name; kp++)
			n++;
		mod->pattrs = kcalloc(n, sizeof(*mod->pattrs));
		ret = -ENOMEM;
		if (!mod->pattrs)
			goto fail;
		ret = sysfs_create_dir(mod->dir, "parameters", &mod->params_dir);
		if (ret)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			const struct kernel_param *kp = &mod->def->params[i];
			if (!kp->perm)
				continue;
			struct param_attr *pa = &mod->pattrs[i];
			pa->kp = kp;
			pa->mod = mod;
			pa->attr.name = kp->name;
			pa->attr.mode = kp->perm;
			pa->attr.show = param_show;
			pa->attr.store = (kp->perm & 0222) ? param_store : NULL;
			ret = sysfs_create_file(mod->params_dir, &pa->attr, mod, NULL);
			if (ret)
				goto fail;
		}
	}
	return 0;
fail:
	module_sysfs_remove(mod);
	return ret;
}

/* Links between a loadable module's directory and its drivers. */
int module_add_driver(struct module *mod, struct device_driver *drv)
{
	struct driver_private *p = driver_to_private(drv);
	char name[160];
	int ret;
	if (!mod || !mod->dir || !p)
		return 0;
	ret = sysfs_create_link(p->dir, "module", mod->dir);
	if (ret)
		return ret;
	if (!mod->drivers_dir && (ret = sysfs_create_dir(mod->dir, "drivers", &mod->drivers_dir)))
		goto fail;
	snprintf(name, sizeof(name), "%s:%s", drv->bus->name, drv->name);
	ret = sysfs_create_link(mod->drivers_dir, name, p->dir);
	if (!ret)
		return 0;
fail:
	sysfs_remove_name(p->dir, "module");
	return ret;
}

void module_remove_driver(struct device_driver *drv)
{
	struct driver_private *p = driver_to_private(drv);
	struct module *mod = p ? p->owner : NULL;
	char name[160];
	if (!mod || !p)
		return;
	sysfs_remove_name(p->dir, "module");
	if (mod->drivers_dir) {
		snprintf(name, sizeof(name), "%s:%s", drv->bus->name, drv->name);
		sysfs_remove_name(mod->drivers_dir, name);
	}
}

/* ---- load / unload --------------------------------------------------- */

static void drop_uses(struct module *mod)
{
	while (!list_empty(&mod->uses)) {
		struct module_use *u = list_first_entry(&mod->uses, struct module_use, link);
		list_del_init(&u->link);
		if (u->target->holders_dir)
			sysfs_remove_name(u->target->holders_dir, mod->name);
		module_put(u->target);
		kfree(u);
	}
}

static int load_one(struct module *mod, const char *args, int depth);

static int load_depends(struct module *mod, int depth)
{
	const char *d = mod->def->depends;
	char name[64];
	while (d && *d) {
		size_t n = strcspn(d, ",");
		if (n && n < sizeof(name)) {
			memcpy(name, d, n);
			name[n] = '\0';
			struct module *dep = find_module(name);
			if (!dep)
				return -ENOENT;
			int ret = load_one(dep, NULL, depth + 1);
			if (ret)
				return ret;
			if (dep->loadable) {
				struct module_use *u = kzalloc(sizeof(*u));
				if (!u)
					return -ENOMEM;
				u->target = dep;
				list_add_tail(&u->link, &mod->uses);
				dep->refcnt++;
				if (dep->holders_dir && (ret = sysfs_create_link(dep->holders_dir,
										 mod->name, mod->dir)))
					return ret;
			}
		}
		d += n;
		if (*d == ',')
			d++;
	}
	return 0;
}

static int load_one(struct module *mod, const char *args, int depth)
{
	int ret;
	if (!mod->loadable || mod->state == MODULE_STATE_LIVE)
		return 0;
	if (mod->state != MODULE_STATE_UNLOADED || depth > 16)
		return -EBUSY;
	params_reset(mod);
	ret = module_sysfs_add(mod);
	if (ret)
		return ret;
	mod->state = MODULE_STATE_COMING;
	ret = load_depends(mod, depth);
	if (!ret)
		ret = params_from_cmdline(mod);
	if (!ret)
		ret = params_from_string(mod, args);
	if (!ret && mod->def->init) {
		struct module *saved = kstate->module.current;
		kstate->module.current = mod;
		ret = mod->def->init();
		kstate->module.current = saved;
	}
	if (ret) {
		mod->state = MODULE_STATE_GOING;
		drop_uses(mod);
		module_sysfs_remove(mod);
		params_reset(mod);
		mod->refcnt = 0;
		mod->state = MODULE_STATE_UNLOADED;
		return ret;
	}
	mod->state = MODULE_STATE_LIVE;
	return 0;
}

static void unload_one(struct module *mod)
{
	mod->state = MODULE_STATE_GOING;
	if (mod->def->exit)
		mod->def->exit();
	drop_uses(mod);
	module_sysfs_remove(mod);
	params_reset(mod);
	mod->refcnt = 0;
	mod->state = MODULE_STATE_UNLOADED;
}

int kernel_modprobe(const char *name, const char *params)
{
	struct module *mod = name ? find_module(name) : NULL;
	if (!mod)
		return -ENOENT;
	return load_one(mod, params, 0);
}

int kernel_rmmod(const char *name)
{
	struct module *mod = name ? find_module(name) : NULL;
	if (!mod)
		return -ENOENT;
	if (!mod->loadable)
		return -EPERM;
	if (mod->state != MODULE_STATE_LIVE)
		return -ENOENT;
	if (mod->refcnt > 0)
		return -EBUSY;
	unload_one(mod);
	return 0;
}

/* ---- boot and shutdown ----------------------------------------------- */

static bool name_in_list(const char *list, const char *name)
{
	char want[64], item[64];
	normalize(want, name, sizeof(want));
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n < sizeof(item)) {
			memcpy(item, list, n);
			item[n] = '\0';
			normalize(item, item, sizeof(item));
			if (!strcmp(item, want))
				return true;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}

int modules_init(const char *unused)
{
	const char *as_module = cmdline_get("lab.module");
	const char *as_builtin = cmdline_get("lab.builtin");
	struct modules_state *ms = &kstate->module;
	struct module *modules;

	if (ms->modules)
		return -EBUSY;
	modules = ms->modules = kcalloc(NR_MODULES, sizeof(*modules));
	if (!modules)
		return -ENOMEM;
	for (size_t i = 0; i < NR_MODULES; i++) {
		struct module *mod = &modules[i];
		size_t n = 0;
		mod->def = &module_table[i];
		normalize(mod->name, mod->def->name, sizeof(mod->name));
		INIT_LIST_HEAD(&mod->uses);
		mod->loadable = !mod->def->builtin;
		if (name_in_list(as_module, mod->name))
			mod->loadable = true;
		if (name_in_list(as_builtin, mod->name))
			mod->loadable = false;
		for (const struct kernel_param *kp = mod->def->params; kp->name; kp++)
			n++;
		mod->charp = kcalloc(n ? n : 1, sizeof(char *));
		if (!mod->charp) {
			ms->ready = true;
			modules_exit();
			return -ENOMEM;
		}
	}
	ms->ready = true;
	for (size_t i = 0; i < NR_MODULES; i++) {
		struct module *mod = &modules[i];
		params_reset(mod);
		if (mod->loadable)
			continue;
		/* Built-in parameters come from the command line only. */
		params_from_cmdline(mod);
		mod->state = MODULE_STATE_LIVE;
		if (has_sysfs_params(mod)) {
			int ret = module_sysfs_add(mod);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* do_initcalls for the built-ins: table order; a failure is logged, not fatal. */
int modules_init_builtin(void)
{
	struct module *modules = kernel_modules();
	for (size_t i = 0; modules && i < NR_MODULES; i++) {
		struct module *mod = &modules[i];
		if (mod->loadable || !mod->def->init)
			continue;
		int ret = mod->def->init();
		if (ret)
			pr_warn("initcall %s_init returned %d\n", mod->name, ret);
	}
	return 0;
}

void modules_exit(void)
{
	struct module *modules = kernel_modules();

	if (!modules)
		return;
	/* Loadable ones first (newest table entry first), then built-ins. */
	for (size_t i = NR_MODULES; i-- > 0;)
		if (modules[i].loadable && modules[i].state == MODULE_STATE_LIVE)
			unload_one(&modules[i]);
	for (size_t i = NR_MODULES; i-- > 0;) {
		struct module *mod = &modules[i];
		if (!mod->loadable && mod->def && mod->def->exit && mod->state == MODULE_STATE_LIVE)
			mod->def->exit();
		if (mod->def)
			params_reset(mod);
		module_sysfs_remove(mod);
		kfree(mod->charp);
		mod->charp = NULL;
		mod->state = MODULE_STATE_UNLOADED;
	}
	kstate->module.ready = false;
	kstate->module.modules = NULL;
	kfree(modules);
}
