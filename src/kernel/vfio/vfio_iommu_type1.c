/*
 * The type1 IOMMU backend: a container's DMA mappings, the IOVA ranges it
 * may use, and one IOMMU domain shared by its groups (Linux's
 * drivers/vfio/vfio_iommu_type1.c is the behavioural reference).
 *
 * Pinning: MAP_DMA of a user buffer pins its pages (pin_user_pages,
 * kernel/base/uaccess.h: the lab's own reference to them), takes frame
 * numbers from the machine's user-memory window (kernel/base/user_frames.h:
 * never the lab's RAM, as Linux's pinned pages are the process's, not the
 * kernel's) and makes each alias a pinned page (hw_frame_alias), so a device DMA through the IOMMU lands in the pages
 * the program mapped, whatever it does to its address space afterwards. The oracle
 * is told the frames belong to this container (KOBS_VFIO).
 *
 * A range that is a device's region mapping (a VM_PFNMAP vma: VFIO's own
 * region mmap) has no pages to pin: as Linux's vaddr_get_pfns, the IOVA
 * maps the page frames the mapping reaches (the region's MMIO: peer-to-
 * peer DMA through the IOMMU), nothing is pinned or aliased, and the
 * container is granted that MMIO. As in Linux the IOMMU mapping stays
 * until UNMAP_DMA, whatever happens to the vma or the device meanwhile.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>
#include <libfdt.h>

#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/user_frames.h"
#include "kernel/base/printk.h"
#include "kernel/base/device.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"
#include "kernel/iommu/observer.h"
#include "hw/machine.h"
#include "common/dt.h"
#include "kernel/irqchip/msi.h"
#include "vfio.h"
#include "kernel/base/mm.h"
#include "kernel/base/uaccess.h"
#include "kernel/kernel_state.h"

/* Linux: DIRTY_BITMAP_BYTES(INT_MAX pages). */
#define DIRTY_BITMAP_SIZE_MAX 268435456ull
#define PAGE_MASK_U64 (~(u64)(PAGE_SIZE - 1))
#define MAX_RUN_ORDER USER_FRAMES_MAX_ORDER     /* 2 MiB of contiguous frames */

struct frame_run {
	u64 pa;
	unsigned order;
};

struct vfio_dma {
	struct vfio_dma *left, *right;
	int height;
	u64 iova, size, vaddr;
	int prot;
	bool vaddr_invalid;     /* UNMAP_DMA with VADDR: the pin stays, the vaddr is gone */
	bool pfnmap;            /* runs are a device mapping's MMIO, nothing pinned */
	struct user_pages *pages;   /* the pinned user pages the frames alias */
	struct frame_run *runs; /* &run0 while there is one (no allocation per page mapped) */
	size_t nr_runs;
	struct frame_run run0;
};

struct vfio_domain {
	struct list_head next;
	struct iommu_domain *domain;
	unsigned int groups;
};

struct vfio_iommu_group {
	struct list_head next;
	struct iommu_group *group;
	struct vfio_domain *domain;
};

struct iova_range {
	u64 start, end;   /* inclusive */
};

struct vfio_iommu {
	bool v2;
	bool dirty_page_tracking;
	u32 container_id;
	struct list_head domains;
	struct list_head groups;
	struct vfio_dma *root;
	unsigned int dma_avail;
	u64 pgsize_bitmap;
	struct iova_range *iovas;
	size_t nr_iovas;
};

/* ---- the mapping tree (AVL by iova; mappings never overlap) ----------- */

static int h(struct vfio_dma *n) { return n ? n->height : 0; }

static void fix(struct vfio_dma *n)
{
	n->height = 1 + MAX(h(n->left), h(n->right));
}

static struct vfio_dma *rot_right(struct vfio_dma *n)
{
	struct vfio_dma *l = n->left;
	n->left = l->right;
	l->right = n;
	fix(n);
	fix(l);
	return l;
}

static struct vfio_dma *rot_left(struct vfio_dma *n)
{
	struct vfio_dma *r = n->right;
	n->right = r->left;
	r->left = n;
	fix(n);
	fix(r);
	return r;
}

static struct vfio_dma *balance(struct vfio_dma *n)
{
	fix(n);
	int bf = h(n->left) - h(n->right);
	if (bf > 1) {
		if (h(n->left->left) < h(n->left->right))
			n->left = rot_left(n->left);
		return rot_right(n);
	}
	if (bf < -1) {
		if (h(n->right->right) < h(n->right->left))
			n->right = rot_right(n->right);
		return rot_left(n);
	}
	return n;
}

static struct vfio_dma *tree_insert(struct vfio_dma *root, struct vfio_dma *n)
{
	if (!root) {
		n->left = n->right = NULL;
		n->height = 1;
		return n;
	}
	if (n->iova < root->iova)
		root->left = tree_insert(root->left, n);
	else
		root->right = tree_insert(root->right, n);
	return balance(root);
}

static struct vfio_dma *tree_pop_min(struct vfio_dma *root, struct vfio_dma **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = tree_pop_min(root->left, min);
	return balance(root);
}

static struct vfio_dma *tree_remove(struct vfio_dma *root, u64 iova)
{
	if (!root)
		return NULL;
	if (iova < root->iova) {
		root->left = tree_remove(root->left, iova);
	} else if (iova > root->iova) {
		root->right = tree_remove(root->right, iova);
	} else {
		struct vfio_dma *l = root->left, *r = root->right, *min;
		if (!r)
			return l;
		r = tree_pop_min(r, &min);
		min->left = l;
		min->right = r;
		return balance(min);
	}
	return balance(root);
}

/* The lowest mapping that ends at or after @addr. */
static struct vfio_dma *dma_lower_bound(struct vfio_iommu *iommu, u64 addr)
{
	struct vfio_dma *n = iommu->root, *best = NULL;
	while (n) {
		if (n->iova + n->size - 1 >= addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* A mapping overlapping [start, start + size), size 0 meaning the byte at start. */
static struct vfio_dma *vfio_find_dma(struct vfio_iommu *iommu, u64 start, u64 size)
{
	struct vfio_dma *d = dma_lower_bound(iommu, start);
	u64 last = size ? start + size - 1 : start;
	if (d && d->iova <= last)
		return d;
	return NULL;
}

/* ---- pinning: frames that alias the pinned pages ------------------------ */

/* Room for one more run: the first in the dma itself, then an array. */
static int runs_reserve(struct vfio_dma *dma, size_t *cap)
{
	if (dma->nr_runs < *cap)
		return 0;
	if (!*cap) {
		dma->runs = &dma->run0;
		*cap = 1;
		return 0;
	}
	size_t ncap = *cap == 1 ? 16 : *cap * 2;
	struct frame_run *r = krealloc(dma->runs == &dma->run0 ? NULL : dma->runs,
				       ncap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (dma->runs == &dma->run0)
		r[0] = dma->run0;
	dma->runs = r;
	*cap = ncap;
	return 0;
}

static void runs_free(struct vfio_dma *dma)
{
	if (dma->runs != &dma->run0)
		kfree(dma->runs);
	dma->runs = NULL;
	dma->nr_runs = 0;
}

/* The frames stop aliasing the pinned pages (and so stop existing) and go back. */
static void unpin_runs(struct vfio_dma *dma, size_t nr)
{
	struct machine *m = kernel_machine();
	if (dma->pfnmap)
		return;   /* MMIO frames: neither aliased nor allocated */
	for (size_t i = 0; i < nr; i++) {
		u64 pa = dma->runs[i].pa, len = PAGE_SIZE << dma->runs[i].order;
		for (u64 off = 0; off < len; off += PAGE_SIZE)
			hw_frame_unalias(m, pa + off);
		kobserve_frames(pa, len, KOBS_FREE, 0);
		user_frames_free(pa, dma->runs[i].order);
	}
}

/* Frames and the pin both go (unmap, or a failed map). */
static void unpin_dma(struct vfio_dma *dma)
{
	unpin_runs(dma, dma->nr_runs);
	runs_free(dma);
	unpin_user_pages(dma->pages);
	dma->pages = NULL;
}

static unsigned run_order(u64 iova, u64 remaining)
{
	if (kstate->vfio_type1.disable_hugepages)
		return 0;
	unsigned order = MAX_RUN_ORDER;
	while (order && ((iova & ((PAGE_SIZE << order) - 1)) || remaining < (PAGE_SIZE << order)))
		order--;
	return order;
}

static unsigned int dma_gup_flags(const struct vfio_dma *dma)
{
	return dma->prot & IOMMU_WRITE ? FOLL_WRITE : 0;
}

static int add_run(struct vfio_dma *dma, size_t *cap, u64 pa, unsigned order)
{
	if (runs_reserve(dma, cap))
		return -ENOMEM;
	dma->runs[dma->nr_runs++] = (struct frame_run){ pa, order };
	return 0;
}

/*
 * Linux's vaddr_get_pfns for a range pin_user_pages refused: each page
 * must be in a VM_PFNMAP vma (a device's region mapping) that allows the
 * access (a device that writes needs VM_WRITE, as follow_fault_pfn's write fault), and the frame it reaches
 * is the run. Every page of the range must be such a mapping (-EFAULT
 * otherwise: the lab maps no range that mixes memory and MMIO).
 */
static int pin_pfnmap(struct vfio_dma *dma)
{
	size_t cap = 0;
	int ret = 0;

	dma->pfnmap = true;
	for (u64 off = 0; off < dma->size && !ret; off += PAGE_SIZE) {
		struct vm_area_struct *vma = vma_lookup(dma->vaddr + off);
		unsigned long pfn;

		if (!vma || !(vma->vm_flags & VM_PFNMAP) ||
		    ((dma->prot & IOMMU_WRITE) && !(vma->vm_flags & VM_WRITE)))
			ret = -EFAULT;
		else
			ret = follow_pfnmap(vma, dma->vaddr + off, &pfn);
		if (!ret)
			ret = add_run(dma, &cap, (u64)pfn << PAGE_SHIFT, 0);
	}
	if (ret) {
		runs_free(dma);
		dma->pfnmap = false;
	}
	return ret;
}

/*
 * Pins the user's pages (pin_user_pages: the lab's own reference, which
 * what the program later does to its address space cannot touch), then
 * takes emulated frames that alias them. A device mapping instead maps
 * its MMIO (pin_pfnmap).
 */
static int pin_dma(struct vfio_iommu *iommu, struct vfio_dma *dma)
{
	struct machine *m = kernel_machine();
	size_t cap = 0;
	int ret = 0;

	ret = pin_user_pages(dma->vaddr, dma->size, dma_gup_flags(dma), &dma->pages);
	if (ret == -EFAULT)
		return pin_pfnmap(dma);
	if (ret)
		return ret;
	for (u64 off = 0; off < dma->size;) {
		unsigned order = run_order(dma->iova + off, dma->size - off);
		u64 pa;
		while (!(pa = user_frames_alloc(order)) && order)
			order--;
		if (!pa) {
			ret = -ENOMEM;
			break;
		}
		if (runs_reserve(dma, &cap)) {
			user_frames_free(pa, order);
			ret = -ENOMEM;
			break;
		}
		u64 len = PAGE_SIZE << order;
		u64 done;
		for (done = 0; done < len; done += PAGE_SIZE) {
			ret = hw_frame_alias(m, pa + done, user_pages_address(dma->pages, off + done));
			if (ret)
				break;
		}
		if (ret) {
			for (u64 o = 0; o < done; o += PAGE_SIZE)
				hw_frame_unalias(m, pa + o);
			user_frames_free(pa, order);
			break;
		}
		kobserve_frames(pa, len, KOBS_VFIO, iommu->container_id);
		dma->runs[dma->nr_runs++] = (struct frame_run){ pa, order };
		off += len;
	}
	if (ret)
		unpin_dma(dma);
	return ret;
}

/*
 * UPDATE_VADDR. Linux keeps the pinned pages while the vaddr is invalid (the
 * program may unmap it, e.g. across exec): so does the lab, whose frames
 * alias its own reference to them. A new vaddr is pinned in turn, gets the
 * pages' data and the frames' aliases; the old pin goes.
 */
static void dma_detach_user(struct vfio_dma *dma)
{
	(void)dma;
}

static int dma_attach_user(struct vfio_dma *dma, u64 vaddr)
{
	struct machine *m = kernel_machine();
	struct user_pages *np;
	/* MMIO stays mapped: as Linux, the new vaddr is only recorded. */
	if (dma->pfnmap)
		return 0;
	int ret = pin_user_pages(vaddr, dma->size, dma_gup_flags(dma), &np);
	if (ret)
		return ret;
	u64 off = 0;
	for (size_t i = 0; i < dma->nr_runs; i++) {
		u64 pa = dma->runs[i].pa, len = PAGE_SIZE << dma->runs[i].order;
		for (u64 o = 0; o < len; o += PAGE_SIZE, off += PAGE_SIZE) {
			void *user = user_pages_address(np, off);
			/* A read-only mapping: the device only reads, its data is the user's. */
			if (dma->prot & IOMMU_WRITE)
				memcpy(user, user_pages_address(dma->pages, off), PAGE_SIZE);
			hw_frame_unalias(m, pa + o);
			hw_frame_alias(m, pa + o, user);
		}
	}
	unpin_user_pages(dma->pages);
	dma->pages = np;
	return 0;
}

/* Calls @fn on each physically contiguous stretch of @dma. */
static int for_each_chunk(struct vfio_dma *dma,
			  int (*fn)(void *arg, u64 iova, u64 pa, u64 len), void *arg)
{
	u64 iova = dma->iova;
	for (size_t i = 0; i < dma->nr_runs;) {
		u64 pa = dma->runs[i].pa, len = PAGE_SIZE << dma->runs[i].order;
		size_t j = i + 1;
		while (j < dma->nr_runs && dma->runs[j].pa == pa + len) {
			len += PAGE_SIZE << dma->runs[j].order;
			j++;
		}
		int ret = fn(arg, iova, pa, len);
		if (ret)
			return ret;
		iova += len;
		i = j;
	}
	return 0;
}

/* A stretch granted to the container, revoked by the mapping's IOVA (@handle). */
struct grant_arg {
	struct kobs_grantee who;
	u64 handle;
	int prot;
};

static int grant_chunk(void *p, u64 iova, u64 pa, u64 len)
{
	const struct grant_arg *g = p;

	(void)iova;
	kobserve_grant(g->who, g->handle, pa, len, g->prot);
	return 0;
}

struct map_arg {
	struct iommu_domain *domain;
	int prot;
	u64 mapped_end;
};

static int map_chunk(void *p, u64 iova, u64 pa, u64 len)
{
	struct map_arg *a = p;
	int ret = iommu_map(a->domain, iova, pa, len, a->prot);
	if (!ret)
		a->mapped_end = iova + len;
	return ret;
}

/* Maps @dma into one domain; on failure nothing of it stays mapped there. */
static int map_dma_domain(struct vfio_dma *dma, struct iommu_domain *domain)
{
	struct map_arg a = { domain, dma->prot | IOMMU_CACHE, dma->iova };
	int ret = for_each_chunk(dma, map_chunk, &a);
	if (ret && a.mapped_end > dma->iova)
		iommu_unmap(domain, dma->iova, a.mapped_end - dma->iova);
	return ret;
}

static void remove_dma(struct vfio_iommu *iommu, struct vfio_dma *dma)
{
	struct vfio_domain *d;
	kobserve_revoke(KOBS_CONTAINER(iommu->container_id), dma->iova);
	list_for_each_entry(d, &iommu->domains, next)
		if (!lab_bug(LAB_BUG_VFIO_UNMAP_KEEPS))	/* lab.bug=vfio-unmap-keeps-mapping */
			iommu_unmap(d->domain, dma->iova, dma->size);
	iommu->root = tree_remove(iommu->root, dma->iova);
	unpin_dma(dma);
	kfree(dma);
	iommu->dma_avail++;
}

static void remove_all_dma(struct vfio_iommu *iommu)
{
	while (iommu->root)
		remove_dma(iommu, iommu->root);
}

/* ---- MAP_DMA / UNMAP_DMA ---------------------------------------------- */

static u64 min_pgsize(struct vfio_iommu *iommu)
{
	return iommu->pgsize_bitmap & -iommu->pgsize_bitmap;
}

static bool iova_dma_valid(struct vfio_iommu *iommu, u64 start, u64 end)
{
	for (size_t i = 0; i < iommu->nr_iovas; i++)
		if (start >= iommu->iovas[i].start && end <= iommu->iovas[i].end)
			return true;
	return iommu->nr_iovas == 0;
}

static int do_map(struct vfio_iommu *iommu, const struct vfio_iommu_type1_dma_map *map)
{
	int prot = 0;
	bool set_vaddr = map->flags & VFIO_DMA_MAP_FLAG_VADDR;
	u64 iova = map->iova, size = map->size, vaddr = map->vaddr;

	if (map->flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (map->flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if ((prot && set_vaddr) || (!prot && !set_vaddr))
		return -EINVAL;

	u64 pgsize = min_pgsize(iommu);
	if (!size || (size | iova | vaddr) & (pgsize - 1))
		return -EINVAL;
	if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
		return -EINVAL;

	struct vfio_dma *dma = vfio_find_dma(iommu, iova, size);
	if (set_vaddr) {
		if (!dma)
			return -ENOENT;
		if (!dma->vaddr_invalid || dma->iova != iova || dma->size != size)
			return -EINVAL;
		int ret = dma_attach_user(dma, vaddr);
		if (ret)
			return ret;
		dma->vaddr = vaddr;
		dma->vaddr_invalid = false;
		return 0;
	}
	if (dma)
		return -EEXIST;
	if (!iommu->dma_avail)
		return -ENOSPC;
	if (!iova_dma_valid(iommu, iova, iova + size - 1))
		return -EINVAL;

	dma = kzalloc(sizeof(*dma));
	if (!dma)
		return -ENOMEM;
	dma->iova = iova;
	dma->size = size;
	dma->vaddr = vaddr;
	dma->prot = prot;

	int ret = pin_dma(iommu, dma);
	if (ret) {
		kfree(dma);
		return ret;
	}
	struct vfio_domain *d, *failed = NULL;
	list_for_each_entry(d, &iommu->domains, next) {
		ret = map_dma_domain(dma, d->domain);
		if (ret) {
			failed = d;
			break;
		}
	}
	if (failed) {
		/* Undo the domains mapped before the failing one. */
		list_for_each_entry(d, &iommu->domains, next) {
			if (d == failed)
				break;
			iommu_unmap(d->domain, iova, size);
		}
		unpin_dma(dma);
		kfree(dma);
		return ret;
	}
	/* The oracle (observer.h): one grant per physically contiguous stretch of runs. */
	struct grant_arg g = { .who = KOBS_CONTAINER(iommu->container_id), .handle = iova,
			       .prot = prot };
	for_each_chunk(dma, grant_chunk, &g);
	iommu->root = tree_insert(iommu->root, dma);
	iommu->dma_avail--;
	return 0;
}

/* Linux's DIRTY_BITMAP_BYTES: whole u64 words. */
static u64 dirty_bitmap_bytes(u64 npages)
{
	return ALIGN_UP(npages, 64) / 8;
}

static int verify_bitmap_size(u64 npages, u64 bitmap_size)
{
	if (!npages || !bitmap_size || bitmap_size > DIRTY_BITMAP_SIZE_MAX ||
	    bitmap_size < dirty_bitmap_bytes(npages))
		return -EINVAL;
	return 0;
}

/*
 * Every page of a mapping is pinned and mapped for a device that cannot
 * report what it wrote, so all of them count as dirty (as in Linux).
 */
static int mark_dirty(u64 *ubitmap, u64 base_iova, unsigned pgshift, const struct vfio_dma *dma)
{
	u64 first = (dma->iova - base_iova) >> pgshift, n = dma->size >> pgshift;
	u64 w = first / 64, wend = (first + n + 63) / 64;
	u64 buf[64];
	/* Read-modify-write the user's words, a few at a time. */
	while (w < wend) {
		u64 cnt = MIN(wend - w, (u64)ARRAY_SIZE(buf));
		if (copy_from_user(buf, ubitmap + w, cnt * 8))
			return -EFAULT;
		for (u64 i = 0; i < cnt * 64; i++) {
			u64 b = (w * 64) + i;
			if (b >= first && b < first + n)
				buf[i / 64] |= 1ull << (i % 64);
		}
		if (copy_to_user(ubitmap + w, buf, cnt * 8))
			return -EFAULT;
		w += cnt;
	}
	return 0;
}

static int do_unmap(struct vfio_iommu *iommu, struct vfio_iommu_type1_dma_unmap *unmap,
		    const struct vfio_bitmap *bitmap)
{
	u64 iova = unmap->iova, size = unmap->size, unmapped = 0;
	bool all = unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL;
	u64 pgsize = min_pgsize(iommu);

	if (iova & (pgsize - 1))
		return -EINVAL;
	if (all) {
		if (iova || size)
			return -EINVAL;
		size = UINT64_MAX;
	} else if (!size || size & (pgsize - 1) || iova + size - 1 < iova) {
		return -EINVAL;
	}
	/* A bitmap needs dirty tracking on, at the smallest page size. */
	if ((unmap->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
	    (!iommu->dirty_page_tracking || bitmap->pgsize != pgsize))
		return -EINVAL;

	u64 last = all ? UINT64_MAX : iova + size - 1;
	if (iommu->v2 && !all) {
		struct vfio_dma *d = vfio_find_dma(iommu, iova, 1);
		if (d && d->iova != iova)
			return -EINVAL;
		d = vfio_find_dma(iommu, last, 0);
		if (d && d->iova + d->size - 1 != last)
			return -EINVAL;
	}
	if (unmap->flags & VFIO_DMA_UNMAP_FLAG_VADDR) {
		/* An already invalid vaddr in the range: -EINVAL, nothing changes. */
		for (struct vfio_dma *d = dma_lower_bound(iommu, iova); d && d->iova <= last;
		     d = d->iova + d->size ? dma_lower_bound(iommu, d->iova + d->size) : NULL) {
			if (!iommu->v2 && iova > d->iova)
				break;
			if (d->vaddr_invalid)
				return -EINVAL;
		}
		for (struct vfio_dma *d = dma_lower_bound(iommu, iova); d && d->iova <= last;
		     d = d->iova + d->size ? dma_lower_bound(iommu, d->iova + d->size) : NULL) {
			if (!iommu->v2 && iova > d->iova)
				break;
			dma_detach_user(d);
			d->vaddr_invalid = true;
			unmapped += d->size;
		}
		unmap->size = unmapped;
		return 0;
	}
	for (;;) {
		struct vfio_dma *d = dma_lower_bound(iommu, iova);
		if (!d || d->iova > last)
			break;
		if (!iommu->v2 && iova > d->iova)
			break;
		if ((unmap->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
		    mark_dirty((u64 *)(uintptr_t)bitmap->data, iova, __builtin_ctzll(pgsize), d)) {
			unmap->size = unmapped;
			return -EFAULT;
		}
		unmapped += d->size;
		remove_dma(iommu, d);
	}
	unmap->size = unmapped;
	return 0;
}

/* ---- IOVA ranges: aperture minus reserved regions --------------------- */

/* Removes [s, e] from the sorted range list; -ENOMEM leaves it intact. */
static int iovas_exclude(struct iova_range **v, size_t *n, u64 s, u64 e)
{
	struct iova_range *r = *v;
	for (size_t i = 0; i < *n; i++) {
		if (e < r[i].start || s > r[i].end)
			continue;
		if (s > r[i].start && e < r[i].end) {
			struct iova_range *nr = krealloc(r, (*n + 1) * sizeof(*r));
			if (!nr)
				return -ENOMEM;
			r = *v = nr;
			memmove(&r[i + 2], &r[i + 1], (*n - i - 1) * sizeof(*r));
			r[i + 1] = (struct iova_range){ e + 1, r[i].end };
			r[i].end = s - 1;
			(*n)++;
			return 0;
		}
		if (s <= r[i].start && e >= r[i].end) {
			memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
			(*n)--;
			i--;
			continue;
		}
		if (s <= r[i].start)
			r[i].start = e + 1;
		else
			r[i].end = s - 1;
	}
	return 0;
}

static int first_dev(struct device *dev, void *data)
{
	*(struct device **)data = dev;
	return 1;
}

/* Builds the container's IOVA list from its domains' apertures and every group's regions. */
static int build_iovas(struct vfio_iommu *iommu, struct iommu_group *extra,
		       struct iommu_domain *extra_domain,
		       struct iova_range **out, size_t *nout)
{
	u64 start = 0, end = UINT64_MAX;
	bool any = false;
	struct vfio_domain *d;
	list_for_each_entry(d, &iommu->domains, next) {
		start = MAX(start, d->domain->geometry.aperture_start);
		end = MIN(end, d->domain->geometry.aperture_end);
		any = true;
	}
	if (extra_domain) {
		start = MAX(start, extra_domain->geometry.aperture_start);
		end = MIN(end, extra_domain->geometry.aperture_end);
		any = true;
	}
	*out = NULL;
	*nout = 0;
	if (!any)
		return 0;
	if (start > end)
		return -EINVAL;
	struct iova_range *v = kmalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[0] = (struct iova_range){ start, end };
	size_t n = 1;
	int ret = 0;

	struct vfio_iommu_group *g;
	struct list_head *pos = iommu->groups.next;
	for (;;) {
		struct iommu_group *grp;
		if (pos != &iommu->groups) {
			g = list_entry(pos, struct vfio_iommu_group, next);
			grp = g->group;
			pos = pos->next;
		} else if (extra) {
			grp = extra;
			extra = NULL;
		} else {
			break;
		}
		LIST_HEAD(resv);
		ret = iommu_get_group_resv_regions(grp, &resv);
		struct iommu_resv_region *r, *tmp;
		list_for_each_entry(r, &resv, list) {
			if (ret || r->type == IOMMU_RESV_DIRECT_RELAXABLE || !r->length)
				continue;
			ret = iovas_exclude(&v, &n, r->start, r->start + r->length - 1);
		}
		list_for_each_entry_safe(r, tmp, &resv, list) {
			list_del(&r->list);
			kfree(r);
		}
		if (ret)
			break;
	}
	if (!ret && !n)
		ret = -EINVAL;
	if (ret) {
		kfree(v);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Would the group's reserved regions hit an existing mapping? */
static bool resv_conflict(struct vfio_iommu *iommu, struct iommu_group *group, int *err)
{
	LIST_HEAD(resv);
	bool hit = false;
	*err = iommu_get_group_resv_regions(group, &resv);
	struct iommu_resv_region *r, *tmp;
	list_for_each_entry(r, &resv, list)
		if (r->type != IOMMU_RESV_DIRECT_RELAXABLE && r->length &&
		    vfio_find_dma(iommu, r->start, r->length))
			hit = true;
	list_for_each_entry_safe(r, tmp, &resv, list) {
		list_del(&r->list);
		kfree(r);
	}
	return hit;
}

/*
 * The group's software-managed MSI window (the SMMU drivers' IOMMU_RESV_SW_MSI,
 * Linux's vfio_iommu_has_sw_msi): where a new domain's MSI cookie puts the
 * doorbell pages, so a vfio-pci function's MSI writes translate.
 */
static bool group_sw_msi(struct iommu_group *group, u64 *base)
{
	LIST_HEAD(resv);
	struct iommu_resv_region *r, *tmp;
	bool found = false;

	if (iommu_get_group_resv_regions(group, &resv))
		return false;
	list_for_each_entry(r, &resv, list)
		if (r->type == IOMMU_RESV_SW_MSI && !found) {
			*base = r->start;
			found = true;
		}
	list_for_each_entry_safe(r, tmp, &resv, list) {
		list_del(&r->list);
		kfree(r);
	}
	return found;
}

static bool aper_conflict(struct vfio_iommu *iommu, u64 start, u64 end)
{
	if (!iommu->nr_iovas)
		return false;
	u64 first = iommu->iovas[0].start, last = iommu->iovas[iommu->nr_iovas - 1].end;
	if (start > last || end < first)
		return true;
	if (start > first && vfio_find_dma(iommu, first, start - first))
		return true;
	if (end < last && vfio_find_dma(iommu, end + 1, last - end))
		return true;
	return false;
}

static void update_pgsize_bitmap(struct vfio_iommu *iommu)
{
	u64 bm = UINT64_MAX;
	struct vfio_domain *d;
	list_for_each_entry(d, &iommu->domains, next)
		bm &= d->domain->pgsize_bitmap;
	if (list_empty(&iommu->domains))
		bm = PAGE_MASK_U64;
	if (bm & ~PAGE_MASK_U64) {
		bm &= PAGE_MASK_U64;
		bm |= PAGE_SIZE;
	}
	iommu->pgsize_bitmap = bm;
}

/*
 * MSI isolation (Linux >= 6.3, iommu_group_has_isolated_msi): every device
 * of the group must have an MSI domain that isolates MSIs (the GICv3 ITS
 * on ARM: a platform device through `msi-parent`, a PCI function through
 * its host bridge's `msi-map`/`msi-parent`). A device without any MSI
 * domain, as platform devices usually are, or under a GICv2m, is not
 * isolated: type1 then refuses the group unless
 * vfio_iommu_type1.allow_unsafe_interrupts=1.
 */
static int dev_msi_isolated(struct device *dev, void *data)
{
	bool *ok = data;

	if (!msi_device_has_isolated_msi(dev)) {
		*ok = false;
		return 1;
	}
	return 0;
}

static bool msi_isolated(struct iommu_group *grp)
{
	bool ok = true;
	iommu_group_for_each_dev(grp, &ok, dev_msi_isolated);
	return ok;
}

/* ---- backend ops ------------------------------------------------------ */

static int type1_check_extension(void *data, unsigned long ext)
{
	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_UPDATE_VADDR:
		/* Linux >= 6.2: only once a backend exists (no emulated groups here). */
		return data != NULL;
	default:
		/* DMA_CC_IOMMU: arm-smmu domains do not enforce coherency; NESTING:
		 * not offered by the lab (docs/uapi.md). */
		return 0;
	}
}

static int type1_open(unsigned long type, u32 container_id, void **out)
{
	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	struct vfio_iommu *iommu = kzalloc(sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	iommu->v2 = type == VFIO_TYPE1v2_IOMMU;
	iommu->container_id = container_id;
	INIT_LIST_HEAD(&iommu->domains);
	INIT_LIST_HEAD(&iommu->groups);
	iommu->dma_avail = kstate->vfio_type1.dma_entry_limit;
	iommu->pgsize_bitmap = PAGE_MASK_U64;
	*out = iommu;
	return 0;
}

static void type1_release(void *data)
{
	struct vfio_iommu *iommu = data;
	remove_all_dma(iommu);
	/* Groups are detached by the container before release. */
	kfree(iommu->iovas);
	kfree(iommu);
}

static struct vfio_iommu_group *find_group(struct vfio_iommu *iommu, struct iommu_group *grp)
{
	struct vfio_iommu_group *g;
	list_for_each_entry(g, &iommu->groups, next)
		if (g->group == grp)
			return g;
	return NULL;
}

static int type1_attach_group(void *data, struct iommu_group *grp)
{
	struct vfio_iommu *iommu = data;
	struct device *dev = NULL;
	int ret;

	if (find_group(iommu, grp))
		return -EINVAL;
	iommu_group_for_each_dev(grp, &dev, first_dev);
	if (!dev)
		return -ENODEV;
	if (!kstate->vfio_type1.allow_unsafe_interrupts && !msi_isolated(grp)) {
		pr_warn("vfio_iommu_type1_attach_group: No interrupt remapping support.  "
			"Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform\n");
		return -EPERM;
	}
	struct vfio_iommu_group *g = kzalloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->group = grp;

	struct iommu_domain *nd = iommu_paging_domain_alloc(dev);
	if (!nd) {
		/* 6.12 passes on the allocator's error: a failed allocation is -ENOMEM, not -EIO. */
		kfree(g);
		return -ENOMEM;
	}
	/* The driver sets the geometry when the domain first meets its IOMMU. */
	ret = iommu_attach_group(nd, grp);
	if (ret)
		goto out_free;
	if (aper_conflict(iommu, nd->geometry.aperture_start, nd->geometry.aperture_end)) {
		ret = -EINVAL;
		goto out_detach;
	}
	int err;
	if (resv_conflict(iommu, grp, &err)) {
		ret = -EINVAL;
		goto out_detach;
	}
	if (err) {
		ret = err;
		goto out_detach;
	}
	struct iova_range *iovas;
	size_t nr;
	ret = build_iovas(iommu, grp, nd, &iovas, &nr);
	if (ret)
		goto out_detach;

	/* Join an existing domain of the same driver when it accepts the group. */
	struct vfio_domain *d;
	list_for_each_entry(d, &iommu->domains, next) {
		if (d->domain->owner != nd->owner)
			continue;
		iommu_detach_group(nd, grp);
		if (!iommu_attach_group(d->domain, grp)) {
			iommu_domain_free(nd);
			g->domain = d;
			d->groups++;
			goto commit;
		}
		ret = iommu_attach_group(nd, grp);
		if (ret) {
			kfree(iovas);
			goto out_free;
		}
	}
	d = kzalloc(sizeof(*d));
	if (!d) {
		ret = -ENOMEM;
		goto out_iovas_detach;
	}
	d->domain = nd;
	d->groups = 1;
	/* Only a new domain: one the group joined has its cookie already. */
	u64 msi_base = 0;
	if (group_sw_msi(grp, &msi_base)) {
		ret = iommu_get_msi_cookie(nd, msi_base);
		if (ret && ret != -ENODEV) {
			kfree(d);
			goto out_iovas_detach;
		}
	}
	/* Replay every existing mapping into the new domain. */
	for (struct vfio_dma *dma = dma_lower_bound(iommu, 0); dma;
	     dma = dma_lower_bound(iommu, dma->iova + dma->size)) {
		ret = map_dma_domain(dma, nd);
		if (ret) {
			for (struct vfio_dma *u = dma_lower_bound(iommu, 0); u != dma;
			     u = dma_lower_bound(iommu, u->iova + u->size))
				iommu_unmap(nd, u->iova, u->size);
			kfree(d);
			goto out_iovas_detach;
		}
		if (dma->iova + dma->size == 0)
			break;
	}
	list_add_tail(&d->next, &iommu->domains);
	g->domain = d;
commit:
	kobserve_container_group(iommu->container_id, iommu_group_id(grp), true);
	list_add_tail(&g->next, &iommu->groups);
	kfree(iommu->iovas);
	iommu->iovas = iovas;
	iommu->nr_iovas = nr;
	update_pgsize_bitmap(iommu);
	return 0;

out_iovas_detach:
	kfree(iovas);
out_detach:
	iommu_detach_group(nd, grp);
out_free:
	iommu_domain_free(nd);
	kfree(g);
	return ret;
}

static void type1_detach_group(void *data, struct iommu_group *grp)
{
	struct vfio_iommu *iommu = data;
	struct vfio_iommu_group *g = find_group(iommu, grp);
	if (!g)
		return;
	kobserve_container_group(iommu->container_id, iommu_group_id(grp), false);
	struct vfio_domain *d = g->domain;
	/* The last domain going: every mapping goes first (Linux). */
	if (d->groups == 1 && list_count(&iommu->domains) == 1)
		remove_all_dma(iommu);
	iommu_detach_group(d->domain, grp);
	list_del(&g->next);
	kfree(g);
	if (--d->groups == 0) {
		list_del(&d->next);
		iommu_domain_free(d->domain);
		kfree(d);
	}
	struct iova_range *iovas = NULL;
	size_t nr = 0;
	if (build_iovas(iommu, NULL, NULL, &iovas, &nr) == 0) {
		kfree(iommu->iovas);
		iommu->iovas = iovas;
		iommu->nr_iovas = nr;
	}
	update_pgsize_bitmap(iommu);
}

/* ---- GET_INFO and its capability chain -------------------------------- */

struct caps {
	u8 *buf;
	size_t size;
	size_t last;     /* offset of the last header, for chaining */
	int err;
};

static void *cap_add(struct caps *c, u16 id, u16 version, size_t size)
{
	size = ALIGN_UP(size, 8);
	if (c->err)
		return NULL;
	u8 *nb = krealloc(c->buf, c->size + size);
	if (!nb) {
		c->err = -ENOMEM;
		return NULL;
	}
	c->buf = nb;
	memset(nb + c->size, 0, size);
	struct vfio_info_cap_header *hdr = (void *)(nb + c->size);
	hdr->id = id;
	hdr->version = version;
	hdr->next = 0;
	if (c->size)
		((struct vfio_info_cap_header *)(nb + c->last))->next = c->size;
	c->last = c->size;
	c->size += size;
	return hdr;
}

/* Offsets in the chain become offsets from the start of the info buffer. */
static void cap_shift(struct caps *c, size_t by)
{
	for (size_t off = 0; c->size;) {
		struct vfio_info_cap_header *hdr = (void *)(c->buf + off);
		if (!hdr->next)
			break;
		off = hdr->next;
		hdr->next += by;
	}
}

static long get_info(struct vfio_iommu *iommu, unsigned long arg)
{
	struct vfio_iommu_type1_info info = { 0 };
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);

	if (copy_from_user(&info, (void *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	/* Linux >= 6.6: as much of the (zeroed) struct as the caller has room for. */
	minsz = MIN((size_t)info.argsz, sizeof(info));
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = iommu->pgsize_bitmap;

	struct caps c = { 0 };
	struct vfio_iommu_type1_info_cap_migration *mig =
		cap_add(&c, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1, sizeof(*mig));
	if (mig) {
		mig->flags = 0;
		mig->pgsize_bitmap = min_pgsize(iommu);
		mig->max_dirty_bitmap_size = DIRTY_BITMAP_SIZE_MAX;
	}
	struct vfio_iommu_type1_info_dma_avail *avail =
		cap_add(&c, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, sizeof(*avail));
	if (avail)
		avail->avail = iommu->dma_avail;
	if (iommu->nr_iovas) {
		struct vfio_iommu_type1_info_cap_iova_range *r = cap_add(&c,
			VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1,
			sizeof(*r) + iommu->nr_iovas * sizeof(r->iova_ranges[0]));
		if (r) {
			r->nr_iovas = iommu->nr_iovas;
			for (size_t i = 0; i < iommu->nr_iovas; i++) {
				r->iova_ranges[i].start = iommu->iovas[i].start;
				r->iova_ranges[i].end = iommu->iovas[i].end;
			}
		}
	}
	if (c.err) {
		kfree(c.buf);
		return c.err;
	}
	if (c.size) {
		info.flags |= VFIO_IOMMU_INFO_CAPS;
		if (info.argsz < sizeof(info) + c.size) {
			info.argsz = sizeof(info) + c.size;
		} else {
			cap_shift(&c, sizeof(info));
			if (copy_to_user((u8 *)arg + sizeof(info), c.buf, c.size)) {
				kfree(c.buf);
				return -EFAULT;
			}
			info.cap_offset = sizeof(info);
		}
	}
	kfree(c.buf);
	return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
}

static long dirty_pages(struct vfio_iommu *iommu, unsigned long arg)
{
	struct vfio_iommu_type1_dirty_bitmap dirty;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags);
	u32 mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
		   VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;

	if (!iommu->v2)
		return -EACCES;
	if (copy_from_user(&dirty, (void *)arg, minsz))
		return -EFAULT;
	if (dirty.argsz < minsz || dirty.flags & ~mask)
		return -EINVAL;
	/* Exactly one action. */
	if (!dirty.flags || (dirty.flags & (dirty.flags - 1)))
		return -EINVAL;
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		iommu->dirty_page_tracking = true;
		return 0;
	}
	if (dirty.flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		iommu->dirty_page_tracking = false;
		return 0;
	}
	struct vfio_iommu_type1_dirty_bitmap_get range;
	if (dirty.argsz - minsz < sizeof(range))
		return -EINVAL;
	if (copy_from_user(&range, (u8 *)arg + minsz, sizeof(range)))
		return -EFAULT;
	if (range.iova + range.size < range.iova)
		return -EINVAL;
	if (!vfio_access_ok((unsigned long)range.bitmap.data, range.bitmap.size) ||
	    !range.bitmap.pgsize)
		return -EINVAL;
	int ret = verify_bitmap_size(range.size >> __builtin_ctzll(range.bitmap.pgsize),
				     range.bitmap.size);
	if (ret)
		return ret;
	u64 pgsize = min_pgsize(iommu);
	if (range.bitmap.pgsize != pgsize || range.iova & (pgsize - 1) ||
	    !range.size || range.size & (pgsize - 1))
		return -EINVAL;
	if (!iommu->dirty_page_tracking)
		return -EINVAL;
	/* The range must cover whole mappings. */
	u64 last = range.iova + range.size - 1;
	struct vfio_dma *d = vfio_find_dma(iommu, range.iova, 1);
	if (d && d->iova != range.iova)
		return -EINVAL;
	d = vfio_find_dma(iommu, last, 0);
	if (d && d->iova + d->size - 1 != last)
		return -EINVAL;
	for (d = dma_lower_bound(iommu, range.iova); d && d->iova <= last;
	     d = d->iova + d->size ? dma_lower_bound(iommu, d->iova + d->size) : NULL)
		if (mark_dirty((u64 *)(uintptr_t)range.bitmap.data, range.iova,
			       __builtin_ctzll(pgsize), d))
			return -EFAULT;
	return 0;
}

static long type1_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	struct vfio_iommu *iommu = data;

	switch (cmd) {
	case VFIO_CHECK_EXTENSION:
		return type1_check_extension(iommu, arg);
	case VFIO_IOMMU_GET_INFO:
		return get_info(iommu, arg);
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map map;
		size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
		u32 mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
			   VFIO_DMA_MAP_FLAG_VADDR;
		if (copy_from_user(&map, (void *)arg, minsz))
			return -EFAULT;
		if (map.argsz < minsz || map.flags & ~mask)
			return -EINVAL;
		return do_map(iommu, &map);
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap unmap;
		size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
		u32 mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_VADDR |
			   VFIO_DMA_UNMAP_FLAG_ALL;
		if (copy_from_user(&unmap, (void *)arg, minsz))
			return -EFAULT;
		if (unmap.argsz < minsz || unmap.flags & ~mask)
			return -EINVAL;
		if ((unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
		    (unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)))
			return -EINVAL;
		struct vfio_bitmap bitmap = { 0 };
		if (unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) {
			if (unmap.argsz < minsz + sizeof(bitmap))
				return -EINVAL;
			if (copy_from_user(&bitmap, (u8 *)arg + minsz, sizeof(bitmap)))
				return -EFAULT;
			if (!vfio_access_ok((unsigned long)bitmap.data, bitmap.size) ||
			    !bitmap.pgsize)
				return -EINVAL;
			int r = verify_bitmap_size(unmap.size >> __builtin_ctzll(bitmap.pgsize),
						   bitmap.size);
			if (r)
				return r;
		}
		int ret = do_unmap(iommu, &unmap, &bitmap);
		if (ret)
			return ret;
		return copy_to_user((void *)arg, &unmap, minsz) ? -EFAULT : 0;
	}
	case VFIO_IOMMU_DIRTY_PAGES:
		return dirty_pages(iommu, arg);
	default:
		return -ENOTTY;
	}
}

const struct vfio_iommu_driver_ops vfio_iommu_type1_ops = {
	.name = "vfio-iommu-type1",
	.check_extension = type1_check_extension,
	.open = type1_open,
	.release = type1_release,
	.ioctl = type1_ioctl,
	.attach_group = type1_attach_group,
	.detach_group = type1_detach_group,
};
