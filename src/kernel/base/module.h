/*
 * Modules: the lab's stand-in for a kernel config. Each entry of the
 * module table (module.c) is a driver bundle with an init/exit pair, built
 * in (=y) or loadable (=m). Built-ins are initialised at boot in table
 * order; loadable ones by modprobe. Kernel command line:
 *   lab.module=a,b    make a and b loadable (=m) instead of built in
 *   lab.builtin=a,b   the reverse
 *   NAME.PARAM=VALUE  a module parameter (built-ins at boot; loadable ones
 *                     when modprobe loads them, as kmod does)
 * Names take '-' and '_' alike; sysfs shows the '_' form (/sys/module/arm_smmu).
 */
#ifndef LAB_KERNEL_BASE_MODULE_H
#define LAB_KERNEL_BASE_MODULE_H

#include "common/types.h"

enum param_type { PARAM_BOOL, PARAM_INT, PARAM_UINT, PARAM_CHARP };

/*
 * A module parameter (module_param). Its value is kernel state, like the
 * rest of the module's data: it lives in the module's state struct inside
 * struct kernel, at @offset (KPARAM_STATE). module.c gives every parameter
 * its default at each boot, before the command line and before the
 * module's init, and again when the module unloads.
 */
struct kernel_param {
	const char *name;
	enum param_type type;
	unsigned perm;		/* sysfs mode; 0: not in sysfs */
	const char *def;	/* the default as text ("0", "Y", NULL for charp) */
	size_t offset;		/* of the value in struct kernel (bool, int, unsigned, char *) */
};

/* .offset of a parameter kept at kstate->MEMBER (the file includes kernel_state.h). */
#define KPARAM_STATE(member) .offset = offsetof(struct kernel, member)

/* One line of the module table. */
struct of_device_id;

struct lab_module_def {
	const char *name;
	bool builtin;			/* default: =y (true) or =m (false) */
	int (*init)(void);
	void (*exit)(void);
	const struct kernel_param *params;	/* NULL-name terminated, or NULL */
	const char *depends;		/* comma-separated modules it needs, or NULL */
	const struct of_device_id *of_match;	/* its OF aliases (modules.alias), or NULL */
};

enum module_state { MODULE_STATE_UNLOADED, MODULE_STATE_COMING, MODULE_STATE_LIVE,
		    MODULE_STATE_GOING, MODULE_STATE_BUILTIN };

struct module;

/* Module references (try_module_get fails for a module going away). */
bool try_module_get(struct module *mod);
void module_put(struct module *mod);
const char *module_name(const struct module *mod);
int module_refcount(const struct module *mod);
struct module *find_module(const char *name);
enum module_state module_get_state(const char *name);
/* True while a loadable module exists that is not loaded (CONFIG_MODULES-like). */
bool modules_possible(void);
struct device_node;
/*
 * True while a module that is not loaded has an OF match table matching
 * @np, so loading it could still bring @np's driver (what depmod's
 * modules.alias would tell). @np NULL (the dependency is not known):
 * modules_possible().
 */
bool module_could_provide(const struct device_node *np);

/* kernel.c */
int modules_init(const char *cmdline);
int modules_init_builtin(void);
void modules_exit(void);
/* Parses the kernel command line for NAME.PARAM=VALUE and lab.*; logs the unknown. */
int modules_parse_cmdline(const char *cmdline);

#endif
