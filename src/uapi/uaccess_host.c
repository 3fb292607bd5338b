/*
 * The host's side of the kernel's uaccess layer (kernel/base/uaccess.h)
 * for a program in this process: the only code that reaches the program's
 * memory and descriptors on the kernel's behalf (docs/hacking.md, seams).
 * Every host call is a raw system call, never one the preload shim
 * interposes.
 *
 * Pinning (pin_user_pages). Linux's pinned pages stay the device's until
 * unpinned, whatever the program does to its address space; the lab gets
 * the same by keeping its own view of the pages (a second mapping of the
 * same memory) and letting the frames alias the view, never the
 * program's addresses:
 *  - a shared mapping (anonymous shared, a memfd, a file): mremap(addr, 0,
 *    len, MREMAP_MAYMOVE) maps the same pages a second time;
 *  - private memory has no second view, so its pages move into a memfd
 *    ("iommulab-pin"): the present contents are copied (pages never
 *    populated, per /proc/self/pagemap, are skipped: a fresh large buffer
 *    costs no copy), the memfd is mapped MAP_SHARED|MAP_FIXED over the
 *    program's range with the range's protection, and the lab keeps a
 *    view. Nameless (mmap'd) memory moves by 2 MiB-aligned chunks around
 *    the pin, so pins of neighbouring pages find the same view and the
 *    process stays under its mapping limit; [heap], [stack] and files move
 *    only the pinned pages. Moved memory stays moved after its last unpin
 *    (parked, bounded: see view_put), so the next pin of the same buffer
 *    finds its view; when it goes, what of it the program still maps
 *    becomes private memory again.
 * Views are shared by pins of the same pages (counted), which keeps the
 * process under its mapping limit when one buffer is pinned 65,535 times.
 * fork(): Linux gives the child copies of pinned anonymous pages, and
 * unpinned private memory stays private. A moved range is a shared
 * mapping, which fork() would share, and the kernel and glibc write the
 * child's memory before any handler of the child runs (its thread id into
 * the forking thread's control block): so the atfork prepare handler puts
 * a private copy in place of every moved range of the program's for the
 * fork, the parent handler puts the memfd back, and the child keeps the
 * copies; the child handler makes the lab's views private too (see
 * "fork" below).
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "common/types.h"
#include "kernel/base/uaccess.h"
#include "mmio_trap.h"
#include "uaccess_host.h"

#define PIN_MEMFD_NAME UACCESS_PIN_MEMFD_NAME
/* Private nameless memory moves by aligned chunks of this size around a pin. */
#define CONVERT_CHUNK (2ull << 20)
/* Ranges up to this size are faulted in by MADV_POPULATE_*, as a pin faults them. */
#define POPULATE_MAX (128 * PAGE_SIZE)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

/* ---- raw calls ------------------------------------------------------------ */

static void *raw_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int raw_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

static void raw_close(long fd)
{
	syscall(SYS_close, fd);
}

/*
 * Our pid, for process_vm_readv/writev and the maps descriptor: glibc no
 * longer caches getpid(), and a system call per user copy is half its
 * cost. A fork()ed child forgets it (its own atfork handler, so it holds
 * whether or not the fork guard is registered).
 */
static pid_t cached_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void pid_forget(void)
{
	cached_pid = 0;
}

static void pid_once_register(void)
{
	pthread_atfork(NULL, NULL, pid_forget);
}

static pid_t self_pid(void)
{
	if (!cached_pid) {
		pthread_once(&pid_once, pid_once_register);
		cached_pid = (pid_t)syscall(SYS_getpid);
	}
	return cached_pid;
}

/* ---- copies ---------------------------------------------------------------- */

/*
 * Page copies for moving memory: a system call, not memcpy, since the
 * pages around a pin may be memory a sanitizer's allocator has poisoned.
 */
static void raw_copy(void *dst, const void *src, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)src, n };
	if (syscall(SYS_process_vm_readv, self_pid(), &l, 1, &r, 1, 0) != (long)n)
		memcpy(dst, src, n);
}

/* ---- the program's mappings ------------------------------------------------ */

struct vma {
	u64 start, end, pgoff, inode;
	unsigned dev_major, dev_minor;
	bool r, w, x, shared, named;
};

/* Linux >= 6.11's PROCMAP_QUERY on /proc/self/maps (its ABI, linux/fs.h). */
struct procmap_query_abi {
	u64 size, query_flags, query_addr;
	u64 vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	u32 dev_major, dev_minor, vma_name_size, build_id_size;
	u64 vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY_ABI _IOWR('f', 17, struct procmap_query_abi)
#define PQ_READ 1
#define PQ_WRITE 2
#define PQ_EXEC 4
#define PQ_SHARED 8

static long maps_fd = -1;
static pid_t maps_pid;
static int procmap_query_works = -1;

static long maps_open(void)
{
	if (maps_fd >= 0 && maps_pid == self_pid())
		return maps_fd;
	/* A descriptor inherited over fork() reads the parent's maps: never reused. */
	maps_fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	maps_pid = self_pid();
	return maps_fd;
}

/*
 * @name: also fetch the name (the kernel formats a file's path for it,
 * half the query's cost for a memfd); without it "named" is only known
 * for a mapping with an inode.
 */
static int vma_query_ioctl(long fd, u64 addr, struct vma *v, bool name)
{
	char buf[64];
	struct procmap_query_abi q = {
		.size = sizeof(q), .query_addr = addr,
		.vma_name_size = name ? sizeof(buf) : 0, .vma_name_addr = name ? (uintptr_t)buf : 0,
	};
	if (syscall(SYS_ioctl, fd, PROCMAP_QUERY_ABI, &q) < 0)
		return -errno;
	*v = (struct vma){
		.start = q.vma_start, .end = q.vma_end, .pgoff = q.vma_offset, .inode = q.inode,
		.dev_major = q.dev_major, .dev_minor = q.dev_minor,
		.r = q.vma_flags & PQ_READ, .w = q.vma_flags & PQ_WRITE,
		.x = q.vma_flags & PQ_EXEC, .shared = q.vma_flags & PQ_SHARED,
		.named = q.vma_name_size > 1 || q.inode,
	};
	return 0;
}

/*
 * A mapping with an inode (a file, a memfd: what a pin of moved or shared
 * memory finds) is named without its name; only an anonymous one is
 * asked again for it ([heap], [stack]).
 */
static int vma_query_pq(long fd, u64 addr, struct vma *v)
{
	int ret = vma_query_ioctl(fd, addr, v, false);
	if (!ret && !v->inode)
		ret = vma_query_ioctl(fd, addr, v, true);
	return ret;
}

/* One line of /proc/self/maps: does it cover @addr? */
static bool vma_parse(const char *line, u64 addr, struct vma *v)
{
	unsigned long long s, e, off, ino;
	unsigned maj, min;
	char perms[5];
	int name = 0;
	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &s, &e, perms, &off, &maj, &min,
		   &ino, &name) < 7 || addr < s || addr >= e)
		return false;
	*v = (struct vma){
		.start = s, .end = e, .pgoff = off, .inode = ino, .dev_major = maj,
		.dev_minor = min, .r = perms[0] == 'r', .w = perms[1] == 'w',
		.x = perms[2] == 'x', .shared = perms[3] == 's',
		.named = ino || (name && line[name]),
	};
	return true;
}

/* The text of /proc/self/maps (hosts without PROCMAP_QUERY): a malloc'd string. */
static char *maps_text(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	long n;
	while (buf && (n = syscall(SYS_read, fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	raw_close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

static int vma_query_text(u64 addr, struct vma *v)
{
	char *text = maps_text();
	int ret = -ENOENT;
	if (!text)
		return -ENOMEM;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (vma_parse(line, addr, v)) {
			ret = 0;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return ret;
}

/* The mapping covering @addr: 0, -ENOENT (none) or -ENOMEM. */
static int vma_query(u64 addr, struct vma *v)
{
	long fd = procmap_query_works ? maps_open() : -1;
	if (fd >= 0) {
		int ret = vma_query_pq(fd, addr, v);
		if (ret != -ENOTTY && ret != -EINVAL) {
			procmap_query_works = 1;
			return ret;
		}
		procmap_query_works = 0;
	}
	return vma_query_text(addr, v);
}

/* ---- user copies ----------------------------------------------------------- */

#if !defined(__SANITIZE_ADDRESS__)
/*
 * The calling thread's stack: [lo, hi), where every byte from the current
 * stack pointer up to hi is mapped read-write while the thread runs on it
 * (the frames of its callers). hi == 1: not known (no fast copies).
 */
static __thread uintptr_t stack_lo, stack_hi;

static void stack_learn(void)
{
	struct vma v;
	pthread_attr_t a;
	void *base;
	size_t size;
	stack_hi = 1;
	if (syscall(SYS_gettid) == self_pid()) {
		/* The main thread: glibc would read /proc/self/maps with stdio. */
		if (!vma_query((uintptr_t)&v, &v) && v.r && v.w && !v.shared) {
			stack_lo = v.start;
			stack_hi = v.end;
		}
		return;
	}
	if (pthread_getattr_np(pthread_self(), &a))
		return;
	if (!pthread_attr_getstack(&a, &base, &size)) {
		stack_lo = (uintptr_t)base;
		stack_hi = (uintptr_t)base + size;
	}
	pthread_attr_destroy(&a);
}
#endif

/*
 * Is [@p, +@n) in the caller's frames, above this one, on this thread's
 * stack? Then it is mapped read-write and a plain memcpy reaches it, with
 * no system call: an ioctl's argument is nearly always there. Off in a
 * sanitizer's build, whose memcpy would judge a program's short struct (a
 * copy of minsz past it) as an overflow, where Linux just reads its stack.
 */
static bool on_own_stack(unsigned long p, size_t n)
{
#if defined(__SANITIZE_ADDRESS__)
	return (void)p, (void)n, false;
#else
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (!stack_hi)
		stack_learn();
	return sp >= stack_lo && sp < stack_hi && p >= sp && p < stack_hi &&
	       n <= stack_hi - p;
#endif
}

/*
 * A bad pointer gives -EFAULT, never a crash: process_vm_readv/writev on
 * ourselves report an unmapped or read-only address. Where they are
 * unavailable (seccomp, old kernels) the copy falls back to memcpy.
 */
static int host_copy(void *kbuf, unsigned long ubuf, size_t n, bool to_user)
{
	if (on_own_stack(ubuf, n)) {
		if (to_user)
			memcpy((void *)ubuf, kbuf, n);
		else
			memcpy(kbuf, (void *)ubuf, n);
		return 0;
	}
	struct iovec l = { kbuf, n }, r = { (void *)ubuf, n };
	long got = syscall(to_user ? SYS_process_vm_writev : SYS_process_vm_readv, self_pid(),
			   &l, 1, &r, 1, 0);
	if (got == (long)n)
		return 0;
	if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (to_user)
			memcpy((void *)ubuf, kbuf, n);
		else
			memcpy(kbuf, (void *)ubuf, n);
		return 0;
	}
	return -EFAULT;
}

/* ---- views ------------------------------------------------------------------ */

struct pin_view {
	struct pin_view *next;
	unsigned dev_major, dev_minor;
	u64 inode, pgoff;      /* the backing object and the offset of kaddr */
	size_t len;
	void *kaddr;
	bool writable;
	unsigned refs;
	u64 ustart;            /* moved private memory: the program's range, else 0 */
	u64 parked;            /* refs 0, kept (see view_put): when, else 0 */
};

struct pin_seg {
	struct pin_view *view;
	size_t voff, len;
};

struct user_pages {
	size_t nr;
	struct pin_seg *segs;  /* one0 for a pin of one mapping (no second allocation) */
	struct pin_seg one0;
};

static struct pin_view *views;

/* Has an iommulab-pin memfd been mapped here? If not, fork() has nothing to do. */
static bool pin_memfds;

/*
 * Moved memory kept moved after its last unpin ("parked"): a program maps
 * and unmaps the same buffer again and again, and moving it into a memfd
 * and back each time is a dozen system calls. A parked view is found
 * again by the next pin of the range, as long as the program's range
 * still maps its memfd (the pin's mapping query says so); the least
 * recently parked go back to private memory once more than this is kept,
 * so memory the program unmapped meanwhile is not held for long.
 */
#define PARK_MAX_BYTES (16ull << 20)
static u64 parked_bytes, park_clock;

static struct pin_view *view_find(const struct vma *v, u64 fo, size_t len, bool write)
{
	for (struct pin_view *pv = views; pv; pv = pv->next)
		if (pv->inode == v->inode && pv->dev_major == v->dev_major &&
		    pv->dev_minor == v->dev_minor && fo >= pv->pgoff &&
		    fo + len <= pv->pgoff + pv->len && (pv->writable || !write))
			return pv;
	return NULL;
}

static struct pin_view *view_add(const struct vma *v, u64 pgoff, size_t len, void *kaddr,
				 bool writable)
{
	struct pin_view *pv = calloc(1, sizeof(*pv));
	if (!pv)
		return NULL;
	*pv = (struct pin_view){ views, v->dev_major, v->dev_minor, v->inode, pgoff, len,
				 kaddr, writable, 0, 0 };
	views = pv;
	return pv;
}

static int privatize(u64 s, u64 e, int prot);
static int vma_query(u64 addr, struct vma *v);

static int vma_prot(const struct vma *v)
{
	return (v->r ? PROT_READ : 0) | (v->w ? PROT_WRITE : 0) | (v->x ? PROT_EXEC : 0);
}

/*
 * The last pin of moved private memory went: what of the program's range
 * still maps the memfd becomes private memory again (its contents kept),
 * so a later fork() copies it as before MAP_DMA.
 */
static void unconvert(const struct pin_view *pv)
{
	u64 end = pv->ustart + pv->len;
	struct vma v;
	for (u64 a = pv->ustart; a < end; a = v.end) {
		if (vma_query(a, &v)) {
			/* A hole: on to the next page (the text form has no "next" query). */
			v.end = a + PAGE_SIZE;
			continue;
		}
		if (v.inode == pv->inode && v.dev_major == pv->dev_major &&
		    v.dev_minor == pv->dev_minor)
			privatize(MAX(v.start, a), MIN(v.end, end), vma_prot(&v));
	}
}

static void view_free(struct pin_view *pv)
{
	if (pv->ustart)
		unconvert(pv);
	for (struct pin_view **p = &views; *p; p = &(*p)->next)
		if (*p == pv) {
			*p = pv->next;
			break;
		}
	raw_munmap(pv->kaddr, pv->len);
	free(pv);
}

static void view_get(struct pin_view *pv)
{
	if (pv->parked) {
		pv->parked = 0;
		parked_bytes -= pv->len;
	}
	pv->refs++;
}

/* The least recently parked views go until what is parked fits the bound. */
static void park_trim(void)
{
	while (parked_bytes > PARK_MAX_BYTES) {
		struct pin_view *old = NULL;
		for (struct pin_view *pv = views; pv; pv = pv->next)
			if (pv->parked && (!old || pv->parked < old->parked))
				old = pv;
		if (!old) {	/* the count disagrees with the views: trust the views */
			parked_bytes = 0;
			break;
		}
		parked_bytes -= old->len;
		view_free(old);
	}
}

static void view_put(struct pin_view *pv)
{
	if (--pv->refs)
		return;
	if (!pv->ustart || pv->len > PARK_MAX_BYTES) {
		view_free(pv);
		return;
	}
	pv->parked = ++park_clock;
	parked_bytes += pv->len;
	park_trim();
}

/* A second view of a shared mapping: the whole of it, so later pins share it. */
static struct pin_view *view_of_shared(const struct vma *v)
{
	size_t len = v->end - v->start;
	void *k = (void *)syscall(SYS_mremap, (void *)v->start, 0, len, MREMAP_MAYMOVE);
	if (k == MAP_FAILED)
		return NULL;
	/* The view may write where the program may (the file's open mode decides). */
	struct pin_view *pv = view_add(v, v->pgoff, len, k, v->w);
	if (!pv)
		raw_munmap(k, len);
	return pv;
}

/* Copies the pages of [@src, +@len) that exist to @dst; @anon: skip never-populated ones. */
static void copy_present(const u8 *src, u8 *dst, size_t len, bool anon)
{
	long fd = anon ? syscall(SYS_openat, AT_FDCWD, "/proc/self/pagemap",
				 O_RDONLY | O_CLOEXEC) : -1;
	size_t pages = len / PAGE_SIZE;
	u64 ent[512];
	for (size_t i = 0; i < pages;) {
		size_t n = MIN(pages - i, ARRAY_SIZE(ent));
		off_t at = (off_t)(((uintptr_t)src / PAGE_SIZE + i) * sizeof(u64));
		bool have = fd >= 0 && syscall(SYS_pread64, fd, ent, n * sizeof(u64), at) ==
					       (long)(n * sizeof(u64));
		for (size_t j = 0; j < n; j++) {
			/* Present (bit 63) or swapped (bit 62): it has contents. */
			if (have && !(ent[j] >> 62))
				continue;
			raw_copy(dst + (i + j) * PAGE_SIZE, src + (i + j) * PAGE_SIZE, PAGE_SIZE);
		}
		i += n;
	}
	if (fd >= 0)
		raw_close(fd);
}

/*
 * Moves private [@s, @e) of @v into a fresh memfd mapped shared in its
 * place, with the same protection; returns the lab's view of it.
 */
static struct pin_view *convert_private(const struct vma *v, u64 s, u64 e)
{
	size_t len = e - s;
	long fd = syscall(SYS_memfd_create, PIN_MEMFD_NAME, MFD_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (syscall(SYS_ftruncate, fd, (off_t)len) || syscall(SYS_fstat, fd, &st)) {
		raw_close(fd);
		return NULL;
	}
	void *k = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (k == MAP_FAILED) {
		raw_close(fd);
		return NULL;
	}
	copy_present((const u8 *)(uintptr_t)s, k, len, !v->inode);
	void *u = raw_mmap((void *)s, len, vma_prot(v), MAP_SHARED | MAP_FIXED, (int)fd, 0);
	raw_close(fd);
	struct vma id = { .dev_major = major(st.st_dev), .dev_minor = minor(st.st_dev),
			  .inode = st.st_ino };
	struct pin_view *pv = u == MAP_FAILED ? NULL : view_add(&id, 0, len, k, true);
	pin_memfds = true;
	if (!pv)
		raw_munmap(k, len);
	else
		pv->ustart = s;
	return pv;
}

/* The view for [@s, @e) inside @v (a pinnable mapping), created if none has it. */
static struct pin_seg seg_for(const struct vma *v, u64 s, u64 e, bool write)
{
	struct pin_seg seg = { NULL, 0, e - s };
	if (!v->shared) {
		u64 cs = s, ce = e;
		if (!v->named) {
			cs = MAX(v->start, ALIGN_DOWN(s, CONVERT_CHUNK));
			ce = MIN(v->end, ALIGN_UP(e, CONVERT_CHUNK));
		}
		seg.view = convert_private(v, cs, ce);
		seg.voff = s - cs;
	} else {
		u64 fo = v->pgoff + (s - v->start);
		seg.view = view_find(v, fo, e - s, write);
		if (!seg.view)
			seg.view = view_of_shared(v);
		if (seg.view)
			seg.voff = fo - seg.view->pgoff;
	}
	if (seg.view)
		view_get(seg.view);
	return seg;
}

/* Does the host kernel have MADV_POPULATE_{READ,WRITE} (Linux >= 5.14)? */
static bool populate_works(void)
{
	static int works = -1;
	static char probe[1];
	if (works < 0) {
		uintptr_t page = (uintptr_t)probe & ~(uintptr_t)(PAGE_SIZE - 1);
		works = syscall(SYS_madvise, page, PAGE_SIZE, MADV_POPULATE_READ) == 0;
	}
	return works;
}

/* Small ranges fault in now, as Linux's pin does (a file hole past EOF: -EFAULT). */
static int populate(u64 start, size_t len, bool write)
{
	long ret;
	if (len > POPULATE_MAX || !populate_works())
		return 0;
	do
		ret = syscall(SYS_madvise, start, len, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
	while (ret && errno == EINTR);
	return ret ? -EFAULT : 0;
}

static void host_unpin(struct user_pages *p)
{
	for (size_t i = 0; i < p->nr; i++)
		view_put(p->segs[i].view);
	if (p->segs != &p->one0)
		free(p->segs);
	free(p);
}

static int pin_add(struct user_pages *p, struct pin_seg seg)
{
	if (!p->nr) {
		p->segs = &p->one0;
		p->segs[p->nr++] = seg;
		return 0;
	}
	struct pin_seg *ns = malloc((p->nr + 1) * sizeof(*ns));
	if (!ns) {
		view_put(seg.view);
		return -ENOMEM;
	}
	memcpy(ns, p->segs, p->nr * sizeof(*ns));
	if (p->segs != &p->one0)
		free(p->segs);
	p->segs = ns;
	p->segs[p->nr++] = seg;
	return 0;
}

/* The mappings of a pin, queried once (more than this many are queried again). */
#define PIN_VMAS 8

/* The mapping covering @a, with the access a pin needs: 0 or -EFAULT/-ENOMEM. */
static int pin_vma(u64 a, bool write, struct vma *v)
{
	int ret = vma_query(a, v);
	if (ret)
		return ret == -ENOENT ? -EFAULT : ret;
	return !v->r || (write && !v->w) ? -EFAULT : 0;
}

/* Is [@s, @e) of @v memory the lab moved (its view already has every page)? */
static bool vma_moved(const struct vma *v, u64 s, u64 e, bool write)
{
	if (!v->shared)
		return false;
	struct pin_view *pv = view_find(v, v->pgoff + (s - v->start), e - s, write);
	return pv && pv->ustart;
}

/*
 * Checks every mapping of [@start, @end) (so a range that fails changes
 * nothing), keeping the first PIN_VMAS in @vs; *@moved: all of it is
 * memory the lab moved, which needs no faulting in.
 */
static int pin_check(u64 start, u64 end, bool write, struct vma *vs, bool *moved)
{
	struct vma v;
	size_t i = 0;
	*moved = true;
	for (u64 a = start; a < end; a = v.end, i++) {
		int ret = pin_vma(a, write, &v);
		if (ret)
			return ret;
		*moved = *moved && vma_moved(&v, a, MIN(v.end, end), write);
		if (i < PIN_VMAS)
			vs[i] = v;
	}
	return 0;
}

static int host_pin(unsigned long start, size_t len, unsigned int gup_flags,
		    struct user_pages **out)
{
	bool write = gup_flags & FOLL_WRITE, moved;
	u64 end = (u64)start + len;
	struct vma vs[PIN_VMAS], v;
	int ret = pin_check(start, end, write, vs, &moved);
	if (!ret && !moved)
		ret = populate(start, len, write);
	if (ret)
		return ret;
	struct user_pages *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	size_t i = 0;
	for (u64 a = start; a < end; a = v.end, i++) {
		if (i < PIN_VMAS)
			v = vs[i];
		else if ((ret = pin_vma(a, write, &v)))
			break;   /* it changed meanwhile (another thread) */
		struct pin_seg seg = seg_for(&v, a, MIN(v.end, end), write);
		if (!seg.view) {
			ret = -ENOMEM;
			break;
		}
		ret = pin_add(p, seg);
		if (ret)
			break;
		v.end = MIN(v.end, end);
	}
	if (ret) {
		host_unpin(p);
		return ret;
	}
	*out = p;
	return 0;
}

static void *host_address(struct user_pages *p, size_t off)
{
	for (size_t i = 0; i < p->nr; i++) {
		if (off < p->segs[i].len)
			return (u8 *)p->segs[i].view->kaddr + p->segs[i].voff + off;
		off -= p->segs[i].len;
	}
	return NULL;
}

/* ---- fork: pinned and moved memory is private to each side ----------------- */

/*
 * Present pages of [@s, +@len) to @dst (a fresh anonymous mapping):
 * resident ones per mincore (a memfd's holes and untouched anonymous
 * pages read as zero, which @dst already is).
 */
static void copy_resident(u8 *dst, u64 s, size_t len)
{
	unsigned char vec[1024];
	for (size_t off = 0; off < len; off += sizeof(vec) * PAGE_SIZE) {
		size_t chunk = MIN(len - off, sizeof(vec) * PAGE_SIZE);
		bool have = syscall(SYS_mincore, s + off, chunk, vec) == 0;
		for (size_t i = 0; i < chunk / PAGE_SIZE; i++)
			if (!have || (vec[i] & 1))
				raw_copy(dst + off + i * PAGE_SIZE,
					 (const u8 *)(uintptr_t)s + off + i * PAGE_SIZE, PAGE_SIZE);
	}
}

/* Replaces [s, e) (a shared mapping) by a private copy of it, same protection: 0 or -1. */
static int privatize(u64 s, u64 e, int prot)
{
	size_t len = e - s;
	u8 *tmp = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED)
		return -1;
	if (!(prot & PROT_READ))
		syscall(SYS_mprotect, s, len, PROT_READ);
	copy_resident(tmp, s, len);
	syscall(SYS_mprotect, tmp, len, prot);
	if (syscall(SYS_mremap, tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, s) == -1) {
		raw_munmap(tmp, len);
		if (!(prot & PROT_READ))
			syscall(SYS_mprotect, s, len, prot);
		return -1;
	}
	return 0;
}

/*
 * fork() copies a shared mapping as shared, and the kernel and glibc write
 * the child's memory before any atfork child handler runs (the new thread
 * id into the forking thread's control block, glibc's lock resets), so a
 * moved page of the program's (which may hold anything that shares a page
 * or a 2 MiB chunk with a pinned buffer) must not be shared when fork()
 * happens. The prepare handler (the last to run, the lab's lock held, so
 * no device DMA) puts a private copy in place of each such range for the
 * fork, keeping a second mapping of its memfd; the parent handler copies
 * back what was written meanwhile and puts the memfd back. The child keeps
 * the copies: its memory as it was at fork(), private, as Linux gives a
 * child copies of pinned anonymous pages.
 */
/* Below its frame, what the prepare handler's callees may use of the stack. */
#define STACK_MARGIN (64 * 1024)

struct fork_swap {
	u64 s, e;
	void *memfd_map;     /* the memfd's pages, a second mapping */
	int prot;
};

static struct fork_swap *fork_swaps;
static size_t fork_nr_swaps;

static bool is_view(u64 s)
{
	for (struct pin_view *pv = views; pv; pv = pv->next)
		if (s >= (uintptr_t)pv->kaddr && s < (uintptr_t)pv->kaddr + pv->len)
			return true;
	return false;
}

/* The iommulab-pin mappings of /proc/self/maps: @fn(s, e, prot) for each. */
static void for_each_pin_mapping(void (*fn)(u64 s, u64 e, int prot))
{
	char *text = maps_text();
	if (!text)
		return;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		unsigned long long s, e;
		char perms[5];
		if (strstr(line, "/memfd:" PIN_MEMFD_NAME) &&
		    sscanf(line, "%llx-%llx %4s", &s, &e, perms) == 3)
			fn(s, e, (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
				 (perms[2] == 'x' ? PROT_EXEC : 0));
		line = nl ? nl + 1 : NULL;
	}
	free(text);
}

static void swap_out(u64 s, u64 e, int prot)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	/*
	 * The lab's own views stay (the child makes its copies private); so
	 * does a range where this thread's frames are (a pinned stack page):
	 * they change while it is copied. The child handler makes those
	 * private. Callers' frames above are still while fork() runs.
	 */
	if (is_view(s) || (s < sp + PAGE_SIZE && e + STACK_MARGIN > sp))
		return;
	struct fork_swap *ns = realloc(fork_swaps, (fork_nr_swaps + 1) * sizeof(*ns));
	if (!ns)
		return;
	fork_swaps = ns;
	void *m = (void *)syscall(SYS_mremap, (void *)s, 0, e - s, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		return;
	if (privatize(s, e, prot)) {
		raw_munmap(m, e - s);
		return;
	}
	fork_swaps[fork_nr_swaps++] = (struct fork_swap){ s, e, m, prot };
}

static void host_atfork_prepare(void)
{
	fork_nr_swaps = 0;
	if (pin_memfds)
		for_each_pin_mapping(swap_out);
}

/* The parent: what it wrote during fork() (other threads) goes back, then the memfd. */
static void host_atfork_parent(void)
{
	for (size_t i = 0; i < fork_nr_swaps; i++) {
		struct fork_swap *w = &fork_swaps[i];
		size_t len = w->e - w->s;
		if (w->prot == (PROT_READ | PROT_WRITE))
			copy_resident(w->memfd_map, w->s, len);
		if (syscall(SYS_mremap, w->memfd_map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			    w->s) == -1)
			raw_munmap(w->memfd_map, len);
	}
	fork_nr_swaps = 0;
}

static void privatize_mapping(u64 s, u64 e, int prot)
{
	privatize(s, e, prot);
}

/* The child: its copies stay; its memfd mappings (the lab's views, the rest) become copies. */
static void host_atfork_child(void)
{
	pid_forget();   /* it may run before the pid's own handler */
	for (size_t i = 0; i < fork_nr_swaps; i++)
		raw_munmap(fork_swaps[i].memfd_map, fork_swaps[i].e - fork_swaps[i].s);
	fork_nr_swaps = 0;
	if (pin_memfds)
		for_each_pin_mapping(privatize_mapping);
}

/* ---- eventfds ----------------------------------------------------------------- */

struct eventfd_ctx {
	int fd;         /* the lab's duplicate */
	int user_fd;    /* the number the program gave (no kcmp) */
};

/* Is @fd an eventfd? -EBADF when not an open fd, -EINVAL otherwise (Linux). */
static int check_eventfd(int fd)
{
	char path[64], link[64];
	if (fd < 0 || syscall(SYS_fcntl, fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	long n = syscall(SYS_readlinkat, AT_FDCWD, path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;   /* no /proc to tell: take the caller's word, as the write will */
	link[n] = 0;
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static int host_eventfd_get(int fd, struct eventfd_ctx **out)
{
	int ret = check_eventfd(fd);
	if (ret)
		return ret;
	struct eventfd_ctx *ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	long dup = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		free(ctx);
		return -errno;
	}
	ctx->fd = (int)dup;
	ctx->user_fd = fd;
	*out = ctx;
	return 0;
}

static void host_eventfd_signal(struct eventfd_ctx *ctx)
{
	u64 one = 1;
	/* A full counter: Linux's eventfd_signal saturates the same way (nothing lost but the count). */
	if (syscall(SYS_write, ctx->fd, &one, sizeof(one)) < 0)
		return;
}

static void host_eventfd_put(struct eventfd_ctx *ctx)
{
	raw_close(ctx->fd);
	free(ctx);
}

static bool host_eventfd_is(struct eventfd_ctx *ctx, int fd)
{
	pid_t pid = getpid();
	long r = syscall(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, fd, ctx->fd);
	if (r >= 0)
		return r == 0;
	return fd == ctx->user_fd;   /* no kcmp: the number the program registered */
}

/* Non-blocking: a zero-timeout poll first (the program's eventfd may block). */
static u64 host_eventfd_read(struct eventfd_ctx *ctx)
{
	struct pollfd p = { .fd = ctx->fd, .events = POLLIN };
	struct timespec zero = { 0, 0 };
	u64 v = 0;

	if (syscall(SYS_ppoll, &p, 1, &zero, NULL, (size_t)8) != 1 || !(p.revents & POLLIN))
		return 0;
	if (syscall(SYS_read, ctx->fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ---- installation --------------------------------------------------------------- */

static const struct uaccess_ops host_uaccess_ops = {
	.copy = host_copy,
	.pin = host_pin,
	.unpin = host_unpin,
	.address = host_address,
	.eventfd_get = host_eventfd_get,
	.eventfd_signal = host_eventfd_signal,
	.eventfd_put = host_eventfd_put,
	.eventfd_is = host_eventfd_is,
	.eventfd_read = host_eventfd_read,
	.vma_lookup = mmio_trap_lab_vma,
};

static pthread_once_t fork_guard_once = PTHREAD_ONCE_INIT;

static void fork_guard_register(void)
{
	pthread_atfork(host_atfork_prepare, host_atfork_parent, host_atfork_child);
}

/* The session client moved memory into an iommulab-pin memfd. */
void uaccess_host_fork_guard(void)
{
	pthread_once(&fork_guard_once, fork_guard_register);
	pin_memfds = true;
}

void uaccess_host_install(void)
{
	uaccess_set_ops(&host_uaccess_ops);
	pthread_once(&fork_guard_once, fork_guard_register);
}

const struct uaccess_ops *uaccess_host_ops(void)
{
	return &host_uaccess_ops;
}

_Static_assert(sizeof(struct uaccess_vma) == sizeof(struct vma), "vma layouts");

int uaccess_host_vma(uint64_t addr, struct uaccess_vma *v)
{
	struct vma h;
	int ret = vma_query(addr, &h);
	if (!ret)
		*v = (struct uaccess_vma){ h.start, h.end, h.pgoff, h.inode, h.dev_major,
					   h.dev_minor, h.r, h.w, h.x, h.shared, h.named };
	return ret;
}

void uaccess_host_copy_present(const void *src, void *dst, size_t len, bool anon)
{
	copy_present(src, dst, len, anon);
}
