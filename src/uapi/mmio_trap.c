/*
 * Trapped region mappings (mmio_trap.h): the ranges, the SIGSEGV handler
 * and the emulation of one access on x86-64.
 *
 * The ranges are a small array under a mutex. The handler runs on the
 * faulting thread at a load or store of the program's own code, never
 * inside this file or the backends, so taking the mutex (and the lab's
 * lock in the backend) there is safe: no lock the thread could hold is
 * taken again. A backend that faults on its own buffer (a pwrite from a
 * mapping) is refused, not entered twice (the per-thread "busy" flag).
 * The lab's lock may be held while tr.lock is taken (mmio_trap_cookie,
 * from the kernel's vma_lookup), never the other way round: a mapping's
 * release (which takes the lab's lock) runs after tr.lock is dropped.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "kernel/base/mm.h"
#include "mmio_trap.h"

struct mapping {
	struct mapping *next;	/* on a list of mappings to release */
	const struct mmio_trap_ops *ops;
	void *cookie;
	uintptr_t base;		/* the mapping's first address (offsets count from it) */
	unsigned int pieces;	/* ranges still mapped */
};

struct range {
	uintptr_t start, end;
	struct mapping *m;
};

static struct {
	pthread_mutex_t lock;
	struct range *r;
	unsigned int n, cap;
	atomic_bool any;
	bool installed;
	struct sigaction prev;	/* where faults outside our ranges go */
} tr = { .lock = PTHREAD_MUTEX_INITIALIZER };

static __thread bool busy;

/*
 * libc's sigaction: the preload shim interposes sigaction and signal
 * (mmio_trap_sigaction), and the trap must reach the real one.
 */
static int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*fn)(int, const struct sigaction *, struct sigaction *);

	if (!fn)
		fn = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT,
										       "sigaction");
	return fn ? fn(sig, act, old) : -1;
}

static void default_action(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	real_sigaction(sig, &sa, NULL);
}

static long raw_munmap(void *a, size_t len)
{
	return syscall(SYS_munmap, a, len);
}

static void *raw_mmap(void *a, size_t len, int prot, int flags)
{
	return (void *)syscall(SYS_mmap, a, len, prot, flags, -1, 0);
}

bool mmio_trap_supported(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

bool mmio_trap_any(void)
{
	return atomic_load_explicit(&tr.any, memory_order_relaxed);
}

static void *reserve(void *addr, size_t len, int flags)
{
	int f = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
	void *p = raw_mmap(addr, len, PROT_NONE, f);

	if ((unsigned long)p > -4096ul) {
		errno = -(long)p;
		return NULL;
	}
	return p;
}


/* ---- the ranges ------------------------------------------------------ */

/* Under tr.lock: one piece less; the last one puts @m on @dead. */
static void drop_piece(struct mapping *m, struct mapping **dead)
{
	if (--m->pieces)
		return;
	m->next = *dead;
	*dead = m;
}

/* Not under tr.lock: the backends' release takes the lab's lock. */
static void release_dead(struct mapping *dead)
{
	while (dead) {
		struct mapping *m = dead;
		dead = m->next;
		if (m->ops->release)
			m->ops->release(m->cookie);
		free(m);
	}
}

/* Under tr.lock: room for one more range. */
static int grow(void)
{
	if (tr.n < tr.cap)
		return 0;
	unsigned int cap = tr.cap ? tr.cap * 2 : 16;
	struct range *r = realloc(tr.r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	tr.r = r;
	tr.cap = cap;
	return 0;
}

static void install_handler(void);

static int trap_add(void *start, size_t len, const struct mmio_trap_ops *ops, void *cookie)
{
	struct mapping *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	*m = (struct mapping){ .ops = ops, .cookie = cookie, .base = (uintptr_t)start,
			       .pieces = 1 };
	pthread_mutex_lock(&tr.lock);
	if (grow()) {
		pthread_mutex_unlock(&tr.lock);
		free(m);
		return -ENOMEM;
	}
	tr.r[tr.n++] = (struct range){ (uintptr_t)start, (uintptr_t)start + len, m };
	install_handler();
	atomic_store(&tr.any, true);
	pthread_mutex_unlock(&tr.lock);
	return 0;
}

/* Under tr.lock: cut [s, e) out of range @i (it may split in two). */
static void cut(unsigned int i, uintptr_t s, uintptr_t e)
{
	struct range *r = &tr.r[i];

	if (s > r->start && e < r->end && !grow()) {
		r = &tr.r[i];	/* grow may have moved the array */
		tr.r[tr.n++] = (struct range){ e, r->end, r->m };
		r->m->pieces++;
		r->end = s;
		return;
	}
	if (s <= r->start)
		r->start = e < r->end ? e : r->end;
	else
		r->end = s;
}

void mmio_trap_forget(void *addr, size_t len)
{
	uintptr_t s = (uintptr_t)addr, e = s + len;
	struct mapping *dead = NULL;

	if (!mmio_trap_any())
		return;
	pthread_mutex_lock(&tr.lock);
	for (unsigned int i = 0; i < tr.n;) {
		struct range *r = &tr.r[i];
		if (r->end <= s || r->start >= e) {
			i++;
			continue;
		}
		cut(i, s, e);
		r = &tr.r[i];
		if (r->start >= r->end) {
			struct mapping *m = r->m;
			tr.r[i] = tr.r[--tr.n];
			drop_piece(m, &dead);
			continue;
		}
		i++;
	}
	if (!tr.n)
		atomic_store(&tr.any, false);
	pthread_mutex_unlock(&tr.lock);
	release_dead(dead);
}

void *mmio_trap_cookie(uintptr_t addr, const struct mmio_trap_ops *ops)
{
	void *cookie = NULL;

	if (!mmio_trap_any())
		return NULL;
	pthread_mutex_lock(&tr.lock);
	for (unsigned int i = 0; i < tr.n; i++) {
		if (addr >= tr.r[i].start && addr < tr.r[i].end) {
			if (tr.r[i].m->ops == ops)
				cookie = tr.r[i].m->cookie;
			break;
		}
	}
	pthread_mutex_unlock(&tr.lock);
	return cookie;
}

/* Under tr.lock: the mapping at @a and @a's offset in it, referenced. */
static struct mapping *find(uintptr_t a, uint64_t *off)
{
	for (unsigned int i = 0; i < tr.n; i++) {
		if (a >= tr.r[i].start && a < tr.r[i].end) {
			*off = a - tr.r[i].m->base;
			tr.r[i].m->pieces++;	/* held while the access runs */
			return tr.r[i].m;
		}
	}
	return NULL;
}

/* ---- mmap ---------------------------------------------------------------- */

/* What do_mmap refuses before the file sees the call. */
static int mmap_args_ok(void *addr, size_t len, int flags, int64_t off)
{
	int type = flags & MAP_TYPE;

	if (!len || off < 0 || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && ((uintptr_t)addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > (size_t)-PAGE_SIZE)
		return -ENOMEM;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE && type != MAP_PRIVATE)
		return -EINVAL;
	return mmio_trap_supported() ? 0 : -EINVAL;
}

static unsigned long vm_flags_of(int prot, int flags)
{
	int type = flags & MAP_TYPE;

	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0) |
	       (type == MAP_SHARED || type == MAP_SHARED_VALIDATE ? VM_SHARED : 0);
}

void *mmio_trap_mmap(void *addr, size_t len, int prot, int flags, int64_t off,
		     const struct mmio_trap_ops *ops, mmio_trap_open_t open, void *arg)
{
	bool fixed = flags & MAP_FIXED;
	void *cookie = NULL, *p;
	int ret = mmap_args_ok(addr, len, flags, off);

	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	p = fixed ? addr : reserve(addr, len, flags);
	if (!p)
		return MAP_FAILED;
	ret = open(arg, (uintptr_t)p, len, vm_flags_of(prot, flags), (uint64_t)off, &cookie);
	if (!ret && fixed && reserve(p, len, flags) != p)
		ret = -errno;
	if (!ret) {
		mmio_trap_forget(p, len);	/* what was mapped there before */
		ret = trap_add(p, len, ops, cookie);
	}
	if (ret) {
		if (cookie)
			ops->release(cookie);
		if (!fixed)
			raw_munmap(p, len);
		errno = -ret;
		return MAP_FAILED;
	}
	return p;
}

/* ---- the access -------------------------------------------------------- */

#if defined(__x86_64__)
/* ModRM's register numbers (RAX..R15) -> glibc's gregs[] slots. */
static const int greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* One access through @m at @off: 0, or -errno (the program gets SIGBUS). */
static int emulate(ucontext_t *uc, uintptr_t fault, struct mapping *m, uint64_t off)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t regs[16], v = 0, rip = (uint64_t)g[REG_RIP];
	struct mmio_insn insn;

	/* The instruction is in the program's text: readable, up to 15 bytes. */
	if (mmio_insn_decode((const uint8_t *)rip, 15, &insn))
		return -EINVAL;
	for (int i = 0; i < 16; i++)
		regs[i] = (uint64_t)g[greg_of[i]];
	uint64_t ea = mmio_insn_addr(&insn, regs, rip);
	/* The decoded operand must be the access that faulted, and lie in one page. */
	if (fault < ea || fault >= ea + insn.width)
		return -EINVAL;
	off -= fault - ea;
	if (insn.store) {
		v = mmio_insn_store_value(&insn, regs);
		int ret = m->ops->access(m->cookie, off, &v, insn.width, true);
		if (ret)
			return ret;
	} else {
		int ret = m->ops->access(m->cookie, off, &v, insn.width, false);
		if (ret)
			return ret;
		mmio_insn_load(&insn, regs, v);
		for (int i = 0; i < 16; i++)
			g[greg_of[i]] = (greg_t)regs[i];
	}
	g[REG_RIP] = (greg_t)(rip + insn.len);
	return 0;
}
#else
static int emulate(ucontext_t *uc, uintptr_t fault, struct mapping *m, uint64_t off)
{
	return -EINVAL;
}
#endif

/* A fault that is not ours: the previous action, as if we were not here. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction prev;

	pthread_mutex_lock(&tr.lock);
	prev = tr.prev;
	pthread_mutex_unlock(&tr.lock);
	if (prev.sa_flags & SA_SIGINFO) {
		prev.sa_sigaction(sig, si, uc);
		return;
	}
	if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
		prev.sa_handler(sig);
		return;
	}
	/*
	 * Default (or ignored, which the kernel does not honour for a fault):
	 * the instruction runs again with the default action and kills.
	 */
	default_action(sig);
}

/*
 * An access the device refused or we cannot decode: SIGBUS at @addr, as
 * the kernel sends for a bad MMIO access (force_sig_fault: an ignored or
 * blocked SIGBUS is not honoured). A program's SIGBUS handler runs; if it
 * returns, the instruction runs again, as on Linux.
 */
static void bus_error(uintptr_t addr)
{
	siginfo_t si = { .si_signo = SIGBUS, .si_code = BUS_ADRERR };
	struct sigaction cur;
	sigset_t set;

	si.si_addr = (void *)addr;
	if (!real_sigaction(SIGBUS, NULL, &cur) && !(cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_handler == SIG_IGN)
		default_action(SIGBUS);
	sigemptyset(&set);
	sigaddset(&set, SIGBUS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGBUS, &si);
}

int mmio_trap_fault(uintptr_t a, void *uc)
{
	struct mapping *m = NULL, *dead = NULL;
	uint64_t off = 0;

	if (busy)
		return -ENOENT;
	pthread_mutex_lock(&tr.lock);
	m = find(a, &off);
	pthread_mutex_unlock(&tr.lock);
	if (!m)
		return -ENOENT;
	busy = true;
	int ret = emulate(uc, a, m, off);
	busy = false;
	pthread_mutex_lock(&tr.lock);
	drop_piece(m, &dead);
	pthread_mutex_unlock(&tr.lock);
	release_dead(dead);
	return ret;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	int ret = si->si_code == SEGV_ACCERR ? mmio_trap_fault(a, uc) : -ENOENT;

	/* Not ours, or the protection forbids it: SIGSEGV as the MMU gives it. */
	if (ret == -ENOENT || ret == -EACCES)
		chain(sig, si, uc);
	else if (ret)
		bus_error(a);
	errno = saved;
}

/* Under tr.lock, once: our handler, the program's previous one kept to chain to. */
static void install_handler(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART };

	if (tr.installed)
		return;
	sigemptyset(&sa.sa_mask);
	if (!real_sigaction(SIGSEGV, &sa, &tr.prev))
		tr.installed = true;
}

int mmio_trap_sigaction(const struct sigaction *act, struct sigaction *old)
{
	int ret = -1;

	pthread_mutex_lock(&tr.lock);
	if (tr.installed) {
		if (old)
			*old = tr.prev;
		if (act)
			tr.prev = *act;
		ret = 0;
	}
	pthread_mutex_unlock(&tr.lock);
	return ret;
}

void mmio_trap_rearm(void)
{
	struct sigaction cur, sa = { .sa_sigaction = on_segv,
				     .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART };

	pthread_mutex_lock(&tr.lock);
	if (tr.installed && !real_sigaction(SIGSEGV, NULL, &cur) &&
	    !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_segv)) {
		sigemptyset(&sa.sa_mask);
		if (!real_sigaction(SIGSEGV, &sa, NULL))
			tr.prev = cur;
	}
	pthread_mutex_unlock(&tr.lock);
}
