/*
 * `iommulab explore` (docs/explore.md): the campaign, the search, the
 * shrinker and the output. Layout of the processes:
 *
 *   the command ── N workers (--jobs), each booting the lab once
 *                     └── one child per run (fork of the booted lab:
 *                         the kernel is one struct kernel, the machine
 *                         has no globals, so a fork IS a fresh boot)
 *
 * A campaign is a list of seeds (base, base+1, ...); each seed is an
 * independent, deterministic search of EX_SEED_OPS operations. Workers
 * take seeds in turn; --shard I/N keeps the seeds whose index is I mod N.
 * On a break at seed index k, seeds above k stop and seeds below finish,
 * so the break reported (the lowest index) is the same whatever --jobs is.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "iommulab/lab.h"
#include "check/invariants.h"
#include "check/oracle.h"
#include "explore.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/module.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define EX_SEED_OPS 10000	/* operations one seed explores */
#define EX_MAX_SEEDS 4096
#define EX_MIN_OPS 48		/* a minimal scenario longer than this is not kept */
#define EX_WHAT 400
#define EX_SHRINK_TRIES 600

struct ex_cfg {
	const char *platform;
	char cmdline[1024];
	u64 seed;
	double time_s;		/* 0: no time limit */
	u64 ops;		/* 0: no operation limit */
	unsigned jobs, shard_i, shard_n;
	const char *out;
	bool json;
	char bugs[256];		/* "a,b" */
	unsigned long long teardown_every;
};

/* What one run (a child) reports. */
struct ex_run {
	int ran;		/* operations executed */
	int brk;		/* operations up to the break (0: at boot), -1 for none */
	char kind[16];		/* escape, invariant, errno, leak, crash */
	char what[EX_WHAT];
	u64 sig[EX_MAX_OPS];
};

/* One seed's result, in memory shared by the workers. */
struct ex_seed_result {
	int state;		/* 0 not run, 1 done, 2 stopped */
	int found;
	u64 ops;		/* operations executed, shrinking excluded */
	unsigned sigs;		/* distinct states reached */
	char kind[16];
	char what[EX_WHAT];
	int nmin;
	struct ex_op minimal[EX_MIN_OPS];
	int found_at;		/* operations executed when the break was found */
};

struct ex_shared {
	int next;		/* next local seed index to take */
	int stop_above;		/* global seed index: seeds above it stop */
	u64 total_ops;
	struct ex_seed_result res[EX_MAX_SEEDS];
};

static struct ex_shared *S;
static struct ex_vocab V;
static FILE *devnull;
static bool trace;		/* LAB_EXPLORE_TRACE=1: every run's lines and statuses on stderr */
static double deadline_ns;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- a state's signature ------------------------------------------------------ */

static u64 mix(u64 h, u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0x100000001b3ull;
}

static u64 mix_str(u64 h, const char *s)
{
	while (s && *s)
		h = mix(h, (u8)*s++);
	return mix(h, 0);
}

static int sig_dev(struct device *dev, void *data)
{
	u64 *h = data;

	*h = mix_str(*h, dev_name(dev));
	*h = mix_str(*h, dev->driver ? dev->driver->name : "-");
	*h = mix(*h, dev->iommu_group ? (u64)dev->iommu_group->id + 1 : 0);
	*h = mix(*h, dev->driver_override != NULL);
	return 0;
}

/* Bound drivers, groups' owners and domain types, container attachments (domain kinds). */
static u64 state_signature(void)
{
	struct iommu_group *g;
	u64 h = 0xcbf29ce484222325ull;

	if (!kstate)
		return 0;
	/* Loaded modules (the ones lsmod lists), from the module table itself. */
	for (unsigned i = 0; i < V.nmods; i++) {
		enum module_state st = module_get_state(V.mods[i]);
		h = mix(h, st != MODULE_STATE_UNLOADED && st != MODULE_STATE_BUILTIN);
	}
	bus_for_each_dev(&platform_bus_type, NULL, &h, sig_dev);
	bus_for_each_dev(&pci_bus_type, NULL, &h, sig_dev);
	list_for_each_entry(g, &kstate->iommu_group.groups, entry) {
		h = mix(h, (u64)g->id);
		h = mix(h, g->owner_cnt);
		h = mix(h, g->owner != NULL);
		h = mix(h, g->domain ? g->domain->type + 1 : 0);
		h = mix(h, g->domain == g->default_domain ? 1 : g->domain == g->blocking_domain ? 2 : 3);
		h = mix(h, g->default_domain ? g->default_domain->type : 0);
		/* Lazy unmaps waiting in the flush queue: a state of its own. */
		h = mix(h, iommu_dma_fq_queued(g->default_domain));
	}
	return h;
}

/* ---- one run, in a child --------------------------------------------------------- */

static void last_oracle_line(char *buf, size_t size)
{
	size_t len;
	const char *log = oracle_log(&len), *end = log + len, *p, *best = NULL;

	for (p = log; p < end; p = memchr(p, '\n', end - p) ? (char *)memchr(p, '\n', end - p) + 1 : end)
		if (!strncmp(p, "oracle: ESCAPE", 14))
			best = p;
	if (!best) {
		snprintf(buf, size, "isolation escape");
		return;
	}
	const char *nl = memchr(best, '\n', end - best);
	snprintf(buf, size, "%.*s", (int)(nl ? nl - best : end - best), best);
}

static void set_break(struct ex_run *r, int at, const char *kind, const char *what)
{
	size_t kl = strlen(kind);

	r->brk = at;
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	/* The checker's lines already say "invariant: ...": the kind once is enough. */
	if (!strncmp(what, kind, kl) && !strncmp(what + kl, ": ", 2))
		what += kl + 2;
	snprintf(r->what, sizeof(r->what), "%s", what);
	size_t n = strlen(r->what);
	while (n && r->what[n - 1] == '\n')
		r->what[--n] = '\0';
	for (char *p = r->what; *p; p++)
		if (*p == '\n')
			*p = ';';
}

/*
 * The user's side of the state, which the kernel's state does not show:
 * what the VFIO program holds open (from the operations that succeeded).
 */
struct user_state {
	bool container, iommu_set;
	u32 groups, attached;	/* bit per group number below 32 */
	u32 devices, mapped;	/* bit per device of the vocabulary, per IOVA slot */
};

static u64 user_update(struct user_state *u, const char *line)
{
	unsigned g;
	char name[EX_NAME];
	unsigned long long iova;

	if (!strcmp(line, "vfio container"))
		u->container = true;
	else if (!strcmp(line, "vfio close container"))
		memset(u, 0, sizeof(*u));
	else if (!strcmp(line, "vfio set-iommu type1v2"))
		u->iommu_set = true;
	else if (sscanf(line, "vfio group %u", &g) == 1 && g < 32)
		u->groups |= 1u << g;
	else if (sscanf(line, "vfio close group %u", &g) == 1 && g < 32)
		u->groups &= ~(1u << g), u->attached &= ~(1u << g);
	else if (sscanf(line, "vfio set-container %u", &g) == 1 && g < 32)
		u->attached |= 1u << g;
	else if (sscanf(line, "vfio unset-container %u", &g) == 1 && g < 32)
		u->attached &= ~(1u << g);
	else if (sscanf(line, "vfio map 0x%llx", &iova) == 1)
		u->mapped |= 1u << (iova >> 20 & 31);
	else if (sscanf(line, "vfio unmap 0x%llx", &iova) == 1)
		u->mapped &= ~(1u << (iova >> 20 & 31));
	else if (sscanf(line, "vfio device %63s", name) == 1 || sscanf(line, "vfio close device %63s", name) == 1)
		for (unsigned i = 0; i < V.ndevs; i++)
			if (!strcmp(V.devs[i], name))
				u->devices ^= 1u << i;
	return mix(mix(mix(mix(mix(u->container, u->iommu_set), u->groups), u->attached),
		       u->devices), u->mapped);
}

static void child_run(const struct ex_op *ops, int n, bool teardown, struct ex_run *r)
{
	struct user_state user = { 0 };
	char buf[EX_WHAT];
	u64 us = 0;

	r->brk = -1;
	if (invariants_check(buf, sizeof(buf))) {
		set_break(r, 0, "invariant", buf);
		return;
	}
	for (int i = 0; i < n; i++) {
		int status = lab_exec(ops[i].line, trace ? stderr : devnull);
		int err = lab_last_errno();

		if (trace)
			fprintf(stderr, "[%d] %s -> %d (errno %d)\n", i, ops[i].line, status, err);
		r->ran = i + 1;
		if (!status)
			us = user_update(&user, ops[i].line);
		r->sig[i] = mix(state_signature(), us);
		if (oracle_escapes()) {
			last_oracle_line(buf, sizeof(buf));
			set_break(r, i + 1, "escape", buf);
			return;
		}
		if (invariants_check(buf, sizeof(buf))) {
			set_break(r, i + 1, "invariant", buf);
			return;
		}
		if (status && err && !ex_errno_allowed(&ops[i], err)) {
			snprintf(buf, sizeof(buf), "%s: errno %d (%s) is not one Linux returns for %s",
				 ops[i].line, err, strerror(err), ex_op_kinds[ops[i].kind].name);
			set_break(r, i + 1, "errno", buf);
			return;
		}
	}
	if (!teardown || n == 0)
		return;
	/* The teardown: DMA still in flight counts, and nothing may stay allocated. */
	if (lab_shutdown()) {
		size_t len;
		const char *rep;
		char text[EX_WHAT];

		lab_oracle_report(text, sizeof(text));
		rep = strstr(text, "oracle: ESCAPE");
		(void)len;
		set_break(r, n, "escape", rep ? rep : "isolation escape during the teardown");
		return;
	}
	if (kalloc_outstanding()) {
		snprintf(buf, sizeof(buf), "%ld kernel allocation(s) outstanding after the shutdown",
			 kalloc_outstanding());
		set_break(r, n, "leak", buf);
	}
}

/* Forks a copy of the booted lab and runs @ops in it. */
static void run_ops(const struct ex_op *ops, int n, bool teardown, struct ex_run *r)
{
	int fds[2], wstatus;
	pid_t pid;

	memset(r, 0, offsetof(struct ex_run, sig));
	r->brk = -1;
	if (pipe(fds)) {
		perror("iommulab: explore: pipe");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("iommulab: explore: fork");
		exit(2);
	}
	if (pid == 0) {
		static struct ex_run cr;

		close(fds[0]);
		child_run(ops, n, teardown, &cr);
		size_t len = offsetof(struct ex_run, sig) + sizeof(u64) * (size_t)cr.ran;
		const char *p = (const char *)&cr;
		while (len) {
			ssize_t w = write(fds[1], p, len);
			if (w <= 0)
				break;
			p += w;
			len -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	char *p = (char *)r;
	for (;;) {
		ssize_t m = read(fds[0], p + got, sizeof(*r) - got);
		if (m <= 0)
			break;
		got += (size_t)m;
	}
	close(fds[0]);
	waitpid(pid, &wstatus, 0);
	if (got < offsetof(struct ex_run, sig) || !WIFEXITED(wstatus)) {
		char what[64];
		snprintf(what, sizeof(what), "the lab died (%s)",
			 WIFSIGNALED(wstatus) ? strsignal(WTERMSIG(wstatus)) : "no report");
		r->ran = 0;
		set_break(r, n, "crash", what);
	}
}

/* ---- shrinking ------------------------------------------------------------------------ */

/* Does @ops still break the same way? Truncates it after the breaking operation. */
static bool still_breaks(struct ex_op *ops, int *n, const char *kind, int *tries)
{
	struct ex_run r;

	++*tries;
	run_ops(ops, *n, true, &r);
	if (r.brk < 0 || strcmp(r.kind, kind))
		return false;
	*n = r.brk;
	return true;
}

/* Delta debugging (ddmin) over the operation sequence, each try from a fresh boot. */
static int shrink(struct ex_op *ops, int n, const char *kind)
{
	static struct ex_op trial[EX_MAX_OPS];
	int parts = 2, tries = 0;

	while (n >= 1 && tries < EX_SHRINK_TRIES) {
		int chunk = (n + parts - 1) / parts;
		bool reduced = false;

		if (n == 1) {
			int m = 0;
			if (still_breaks(trial, &m, kind, &tries))
				n = 0;
			break;
		}
		if (n == 0)
			break;
		for (int i = 0; i < parts && !reduced && tries < EX_SHRINK_TRIES; i++) {
			int m = 0, lo = i * chunk, hi = MIN(n, lo + chunk);
			for (int j = 0; j < n; j++)
				if (j < lo || j >= hi)
					trial[m++] = ops[j];
			if (m < n && still_breaks(trial, &m, kind, &tries)) {
				memcpy(ops, trial, sizeof(ops[0]) * (size_t)m);
				n = m;
				parts = MAX(parts - 1, 2);
				reduced = true;
			}
		}
		if (!reduced) {
			if (parts >= n)
				break;
			parts = MIN(parts * 2, n);
		}
	}
	return n;
}

/* ---- one seed's search ------------------------------------------------------------------ */

struct sigset {
	u64 *v;
	unsigned cap, n;
};

static bool sigset_add(struct sigset *s, u64 x)
{
	if (!x)
		x = 1;
	if (2 * (s->n + 1) > s->cap) {
		struct sigset t = { calloc(s->cap ? 2 * s->cap : 1024, sizeof(u64)),
				    s->cap ? 2 * s->cap : 1024, 0 };
		for (unsigned i = 0; i < s->cap; i++)
			if (s->v[i])
				sigset_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	for (unsigned i = (unsigned)(x % s->cap);; i = (i + 1) % s->cap) {
		if (s->v[i] == x)
			return false;
		if (!s->v[i]) {
			s->v[i] = x;
			s->n++;
			return true;
		}
	}
}

#define EX_CORPUS 128
struct corpus_entry {
	int n;
	int focus;		/* the device the run that found it favoured */
	struct ex_op ops[EX_MAX_OPS];
};

static bool seed_stopped(int k)
{
	return __atomic_load_n(&S->stop_above, __ATOMIC_SEQ_CST) < k ||
	       (deadline_ns && now_ns() > deadline_ns);
}

/*
 * Guided search: a run extends a sequence that reached a new state (or
 * starts afresh) with a few random operations; every state never seen
 * before makes its prefix a new starting point.
 */
static void explore_seed(int k, u64 seed, u64 budget, struct ex_seed_result *res)
{
	static struct corpus_entry corpus[EX_CORPUS];
	static struct ex_op seq[EX_MAX_OPS];
	struct ex_rng rng = { seed * 0x2545f4914f6cdd1dull + 1 };
	struct sigset sigs = { 0 };
	unsigned ncorpus = 0, runs = 0;
	struct ex_run r;

	memset(res, 0, sizeof(*res));
	while (res->ops < budget) {
		if (seed_stopped(k)) {
			res->state = 2;
			free(sigs.v);
			return;
		}
		int n = 0, focus = -2;
		if (ncorpus && ex_below(&rng, 8)) {
			/* Half the time one of the eight newest discoveries: build on progress. */
			unsigned pick = ex_below(&rng, 2) ? ncorpus - 1 - ex_below(&rng, MIN(ncorpus, 8u))
							  : ex_below(&rng, ncorpus);
			const struct corpus_entry *c = &corpus[pick];
			n = c->n;
			memcpy(seq, c->ops, sizeof(seq[0]) * (size_t)n);
			/* A story goes on with the device it began with, mostly. */
			if (ex_below(&rng, 4))
				focus = c->focus;
		}
		int add = 1 + (int)ex_below(&rng, ex_below(&rng, 2) ? 3 : 12);
		if (focus == -2)
			focus = V.ngrouped && ex_below(&rng, 4) ? (int)ex_below(&rng, V.ngrouped) : -1;
		V.focus = focus;
		for (int i = 0; i < add && n < EX_MAX_OPS; i++)
			n += ex_op_gen(&rng, &V, &seq[n], EX_MAX_OPS - n);
		/* The teardown (leaks, DMA in flight) is checked on every fourth run. */
		run_ops(seq, n, runs++ % 4 == 3, &r);
		res->ops += (u64)r.ran;
		for (int i = 0; i < r.ran && i < n; i++) {
			if (!sigset_add(&sigs, r.sig[i]))
				continue;
			if (ncorpus == EX_CORPUS) {	/* forget the oldest half */
				memmove(corpus, corpus + EX_CORPUS / 2, sizeof(corpus[0]) * (EX_CORPUS / 2));
				ncorpus = EX_CORPUS / 2;
			}
			struct corpus_entry *c = &corpus[ncorpus++];
			c->n = i + 1;
			c->focus = focus;
			memcpy(c->ops, seq, sizeof(seq[0]) * (size_t)c->n);
		}
		if (r.brk >= 0) {
			int m = shrink(seq, r.brk, r.kind);
			/* The shrunk sequence's own report names its failure. */
			struct ex_run fin;
			run_ops(seq, m, true, &fin);
			const struct ex_run *rep = fin.brk >= 0 && !strcmp(fin.kind, r.kind) ? &fin : &r;
			res->found = 1;
			res->found_at = (int)res->ops;
			snprintf(res->kind, sizeof(res->kind), "%s", rep->kind);
			snprintf(res->what, sizeof(res->what), "%s", rep->what);
			res->nmin = MIN(m, EX_MIN_OPS);
			memcpy(res->minimal, seq, sizeof(seq[0]) * (size_t)res->nmin);
			break;
		}
	}
	res->sigs = sigs.n;
	res->state = 1;
	free(sigs.v);
}

/* ---- workers ------------------------------------------------------------------------------ */

static int seeds_total(const struct ex_cfg *c)
{
	if (!c->ops)
		return EX_MAX_SEEDS;
	u64 n = (c->ops + EX_SEED_OPS - 1) / EX_SEED_OPS;
	return (int)MIN(n, (u64)EX_MAX_SEEDS);
}

static u64 seed_budget(const struct ex_cfg *c, int k)
{
	if (!c->ops)
		return EX_SEED_OPS;
	u64 before = (u64)k * EX_SEED_OPS;
	return MIN((u64)EX_SEED_OPS, c->ops - before);
}

static int worker(const struct ex_cfg *c)
{
	char msg[512];
	int total = seeds_total(c);

	if (lab_boot(c->platform, c->cmdline, msg, sizeof(msg))) {
		fprintf(stderr, "iommulab: explore: %s\n", msg);
		return 2;
	}
	ex_vocab_read(&V);
	for (;;) {
		int local = __atomic_fetch_add(&S->next, 1, __ATOMIC_SEQ_CST);
		int k = local * (int)c->shard_n + (int)c->shard_i;

		if (k >= total || seed_stopped(k))
			break;
		explore_seed(k, c->seed + (u64)k, seed_budget(c, k), &S->res[k]);
		__atomic_fetch_add(&S->total_ops, S->res[k].ops, __ATOMIC_SEQ_CST);
		if (S->res[k].found) {
			int cur = __atomic_load_n(&S->stop_above, __ATOMIC_SEQ_CST);
			while (k < cur && !__atomic_compare_exchange_n(&S->stop_above, &cur, k, false,
								       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				;
		}
	}
	return 0;
}

/* ---- output ---------------------------------------------------------------------------------- */

static void scenario_text(const struct ex_cfg *c, int k, const struct ex_seed_result *r, FILE *f)
{
	char abs[4096];

	if (c->platform && realpath(c->platform, abs))
		fprintf(f, "#! platform %s\n", abs);
	if (c->cmdline[0])
		fprintf(f, "#! cmdline %s\n", c->cmdline);
	fprintf(f, "# iommulab explore --seed %llu%s%s: %s after %d operation(s), shrunk to %d\n",
		(unsigned long long)(c->seed + (u64)k), c->bugs[0] ? " --bug " : "", c->bugs, r->kind,
		r->found_at, r->nmin);
	fprintf(f, "# %s\n", r->what);
	for (int i = 0; i < r->nmin; i++) {
		bool last = i == r->nmin - 1;
		if (last && !strcmp(r->kind, "errno"))
			fprintf(f, "expect ok %s\n", r->minimal[i].line);
		else
			fprintf(f, "%s\n", r->minimal[i].line);
	}
	if (!strcmp(r->kind, "invariant"))
		fprintf(f, "expect ok invariants\n");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_seed(const struct ex_cfg *c, int k, const struct ex_seed_result *r,
		      const char *file)
{
	printf("{\"seed\":%llu,\"ops\":%llu,\"signatures\":%u,\"break\":",
	       (unsigned long long)(c->seed + (u64)k), (unsigned long long)r->ops, r->sigs);
	if (!r->found) {
		printf("null}\n");
		return;
	}
	printf("{\"kind\":");
	json_str(stdout, r->kind);
	printf(",\"what\":");
	json_str(stdout, r->what);
	printf(",\"found_after\":%d,\"bugs\":", r->found_at);
	json_str(stdout, c->bugs);
	printf(",\"platform\":");
	json_str(stdout, c->platform ? c->platform : "built-in");
	printf(",\"cmdline\":");
	json_str(stdout, c->cmdline);
	printf(",\"scenario\":");
	if (file)
		json_str(stdout, file);
	else
		printf("null");
	printf(",\"minimal\":[");
	for (int i = 0; i < r->nmin; i++) {
		if (i)
			putchar(',');
		json_str(stdout, r->minimal[i].line);
	}
	printf("]}}\n");
}

static int report(const struct ex_cfg *c, double secs)
{
	int total = seeds_total(c), first = -1, done = 0;
	u64 ops = 0;
	char file[4200];

	for (int k = 0; k < total; k++) {
		const struct ex_seed_result *r = &S->res[k];
		const char *path = NULL;

		if (r->state != 1)
			continue;
		done++;
		ops += r->ops;
		if (r->found && c->out) {
			snprintf(file, sizeof(file), "%s/break-seed-%llu.lab", c->out,
				 (unsigned long long)(c->seed + (u64)k));
			FILE *f = fopen(file, "w");
			if (f) {
				scenario_text(c, k, r, f);
				fclose(f);
				path = file;
			} else {
				fprintf(stderr, "iommulab: explore: %s: %s\n", file, strerror(errno));
			}
		}
		if (c->json)
			json_seed(c, k, r, path);
		if (r->found && first < 0) {
			first = k;
			if (!c->json) {
				printf("explore: seed %llu broke after %d operations: %s: %s\n",
				       (unsigned long long)(c->seed + (u64)k), r->found_at, r->kind, r->what);
				printf("explore: minimal scenario, %d operation(s)%s%s%s:\n", r->nmin,
				       path ? " (" : "", path ? path : "", path ? ")" : "");
				scenario_text(c, k, r, stdout);
			}
		}
	}
	double rate = secs > 0 ? (double)ops / secs : 0;
	if (c->json)
		printf("{\"summary\":{\"seeds\":%d,\"ops\":%llu,\"seconds\":%.3f,\"ops_per_s\":%.0f,"
		       "\"jobs\":%u,\"shard\":\"%u/%u\",\"breaks\":%s}}\n", done,
		       (unsigned long long)ops, secs, rate, c->jobs, c->shard_i, c->shard_n,
		       first >= 0 ? "true" : "false");
	else
		printf("explore: %llu operations in %.2f s (%.0f ops/s), %d seed(s), %u job(s)%s\n",
		       (unsigned long long)ops, secs, rate, done, c->jobs,
		       first >= 0 ? "" : ", no break");
	return first >= 0 ? 1 : 0;
}

/* ---- the command ------------------------------------------------------------------------------ */

static const char explore_help[] =
	"usage: iommulab explore [--platform P] [--cmdline ARGS] [--seed S] [--time SECONDS | --ops N]\n"
	"                        [--jobs N] [--shard I/N] [--bug NAME]... [--out DIR] [--json] [--list-bugs]\n"
	"\n"
	"Search sequences of operations (sysfs bind, unbind, driver_override,\n"
	"drivers_probe, modprobe, rmmod, group type, VFIO calls, kernel and rogue\n"
	"DMA, virtual time) for a break: an isolation escape, a broken invariant,\n"
	"an errno Linux does not return, a leak or a crash. A break is shrunk to\n"
	"a minimal scenario that `iommulab run` replays. Exit status: 0 no break\n"
	"in the budget, 1 a break, 2 bad usage. Guide: docs/explore.md.\n"
	"\n"
	"  --platform P      a .dts or .dtb file (default: the built-in iommulab-virt)\n"
	"  --cmdline ARGS    the kernel command line\n"
	"  --seed S          the first seed (default 1); seeds S, S+1, ... each explore 10000 ops\n"
	"  --time SECONDS    stop after this long (default 10 without --ops)\n"
	"  --ops N           explore N operations in all (deterministic for a seed)\n"
	"  --jobs N          worker processes (default 1)\n"
	"  --shard I/N       only the seeds whose index is I modulo N\n"
	"  --bug NAME        switch a catalogue bug on (lab.bug=NAME and its configuration)\n"
	"  --out DIR         write every break as DIR/break-seed-S.lab\n"
	"  --json            one JSON line per seed, then a summary line\n"
	"  --list-bugs       print the bug catalogue, one bug a line\n";

static int usage(const char *fmt, ...)
{
	va_list ap;

	fputs("iommulab: explore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'iommulab explore --help' for more information.\n", stderr);
	return 2;
}

static void list_bugs(void)
{
	for (int i = 0; i < NR_LAB_BUGS; i++) {
		const struct lab_bug_info *b = &lab_bug_table[i];
		printf("%-27s %s%s%s%s%s [%s]\n", b->name, b->needs ? "(needs " : "",
		       b->needs ? b->needs : "", b->needs ? ") " : "", b->summary,
		       b->cmdline[0] ? "" : "", b->history);
	}
}

static bool parse_u64(const char *s, u64 *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

static int add_bug(struct ex_cfg *c, const char *name, char *extra, size_t extra_size)
{
	int id = lab_bug_by_name(name);

	if (id < 0)
		return usage("unknown bug '%s' (--list-bugs lists them)", name);
	if (lab_bug_table[id].needs)
		return usage("bug '%s' needs %s, which the lab does not have yet", name,
			     lab_bug_table[id].needs);
	size_t n = strlen(c->bugs);
	snprintf(c->bugs + n, sizeof(c->bugs) - n, "%s%s", n ? "," : "", name);
	if (lab_bug_table[id].cmdline[0]) {
		n = strlen(extra);
		snprintf(extra + n, extra_size - n, " %s", lab_bug_table[id].cmdline);
	}
	return 0;
}

int lab_explore_main(int argc, char **argv)
{
	struct ex_cfg c = { .seed = 1, .jobs = 1, .shard_n = 1 };
	char user_cmdline[512] = "", extra[512] = "";
	bool have_time = false;
	u64 v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char *eq = strchr(a, '=');
		char name[32];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(explore_help, stdout);
			return 0;
		}
		if (!strcmp(a, "--list-bugs")) {
			list_bugs();
			return 0;
		}
		if (!strcmp(a, "--json")) {
			c.json = true;
			continue;
		}
		if (strncmp(a, "--", 2))
			return usage("unexpected argument '%s'", a);
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return usage("option '%s' needs an argument", a);
		if (!strcmp(name, "--platform")) {
			c.platform = val;
		} else if (!strcmp(name, "--cmdline")) {
			snprintf(user_cmdline, sizeof(user_cmdline), "%s", val);
		} else if (!strcmp(name, "--seed")) {
			if (!parse_u64(val, &c.seed))
				return usage("bad seed '%s'", val);
		} else if (!strcmp(name, "--time")) {
			char *end;
			c.time_s = strtod(val, &end);
			if (*end || !(c.time_s > 0) || c.time_s > 1e6)
				return usage("bad time '%s'", val);
			have_time = true;
		} else if (!strcmp(name, "--ops")) {
			if (!parse_u64(val, &c.ops) || !c.ops || c.ops > (u64)EX_SEED_OPS * EX_MAX_SEEDS)
				return usage("bad operation count '%s'", val);
		} else if (!strcmp(name, "--jobs")) {
			if (!parse_u64(val, &v) || !v || v > 256)
				return usage("bad job count '%s'", val);
			c.jobs = (unsigned)v;
		} else if (!strcmp(name, "--shard")) {
			unsigned si, sn;
			char tail;
			if (sscanf(val, "%u/%u%c", &si, &sn, &tail) != 2 || !sn || si >= sn || sn > EX_MAX_SEEDS)
				return usage("bad shard '%s' (I/N, 0 <= I < N)", val);
			c.shard_i = si;
			c.shard_n = sn;
		} else if (!strcmp(name, "--bug")) {
			int ret = add_bug(&c, val, extra, sizeof(extra));
			if (ret)
				return ret;
		} else if (!strcmp(name, "--out")) {
			c.out = val;
		} else {
			return usage("unknown option '%s'", name);
		}
	}
	if (have_time && c.ops)
		return usage("--time and --ops exclude each other");
	/* --out DIR: made if missing (its parent must exist), as a user expects. */
	if (c.out && mkdir(c.out, 0777) && errno != EEXIST) {
		fprintf(stderr, "iommulab: explore: --out %s: %s\n", c.out, strerror(errno));
		return 2;
	}
	if (!have_time && !c.ops)
		c.time_s = 10;
	snprintf(c.cmdline, sizeof(c.cmdline), "%s%s%s%s", user_cmdline,
		 c.bugs[0] ? (user_cmdline[0] ? " lab.bug=" : "lab.bug=") : "", c.bugs, extra);
	if (c.platform && access(c.platform, R_OK))
		return usage("%s: %s", c.platform, strerror(errno));

	devnull = fopen("/dev/null", "w");
	trace = getenv("LAB_EXPLORE_TRACE") != NULL;
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!devnull || S == MAP_FAILED) {
		fprintf(stderr, "iommulab: explore: %s\n", strerror(errno));
		return 2;
	}
	S->stop_above = EX_MAX_SEEDS;
	double t0 = now_ns();
	deadline_ns = c.time_s ? t0 + c.time_s * 1e9 : 0;
	fflush(NULL);
	pid_t pids[256];
	for (unsigned j = 0; j < c.jobs; j++) {
		pids[j] = fork();
		if (pids[j] == 0)
			_exit(worker(&c));
	}
	int bad = 0;
	for (unsigned j = 0; j < c.jobs; j++) {
		int st;
		if (pids[j] < 0 || waitpid(pids[j], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	}
	double secs = (now_ns() - t0) / 1e9;
	if (bad)
		return 2;
	return report(&c, secs);
}
