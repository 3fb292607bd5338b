/*
 * uaccess: the kernel's side (see uaccess.h). The host's accessors do the
 * work; this file holds the checks every caller needs and the string copy
 * built on the byte copy.
 */
#include <errno.h>
#include <string.h>

#include "common/types.h"
#include "uaccess.h"

static const struct uaccess_ops *uops;

void uaccess_set_ops(const struct uaccess_ops *ops)
{
	uops = ops;
}

/* The first page is never mapped in a user program: NULL and friends fault. */
static bool user_ptr_ok(unsigned long p)
{
	return p >= PAGE_SIZE;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!n)
		return 0;
	if (!uops || !user_ptr_ok((unsigned long)usrc))
		return -EFAULT;
	return uops->copy(dst, (unsigned long)usrc, n, false);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!uops || !user_ptr_ok((unsigned long)udst))
		return -EFAULT;
	return uops->copy((void *)src, (unsigned long)udst, n, true);
}

long strncpy_from_user_lab(char *dst, const char *usrc, size_t max)
{
	unsigned long u = (unsigned long)usrc;
	size_t done = 0;

	if (!user_ptr_ok(u))
		return -EFAULT;
	while (done < max) {
		/* Up to the end of the current page: the next may not exist. */
		size_t chunk = PAGE_SIZE - ((u + done) & (PAGE_SIZE - 1));
		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user(dst + done, (const void *)(u + done), chunk))
			return -EFAULT;
		void *nul = memchr(dst + done, 0, chunk);
		if (nul)
			return (char *)nul - dst;
		done += chunk;
	}
	return -EINVAL;
}

int pin_user_pages(unsigned long start, size_t len, unsigned int gup_flags,
		   struct user_pages **out)
{
	if (!uops)
		return -EFAULT;
	return uops->pin(start, len, gup_flags, out);
}

struct vm_area_struct *vma_lookup(unsigned long addr)
{
	if (!uops || !uops->vma_lookup || !user_ptr_ok(addr))
		return NULL;
	return uops->vma_lookup(addr);
}

void unpin_user_pages(struct user_pages *pages)
{
	if (pages)
		uops->unpin(pages);
}

void *user_pages_address(struct user_pages *pages, size_t off)
{
	return uops->address(pages, off);
}

int eventfd_ctx_fdget(int fd, struct eventfd_ctx **out)
{
	if (!uops)
		return -EBADF;
	return uops->eventfd_get(fd, out);
}

void eventfd_signal(struct eventfd_ctx *ctx)
{
	uops->eventfd_signal(ctx);
}

void eventfd_ctx_put(struct eventfd_ctx *ctx)
{
	if (ctx)
		uops->eventfd_put(ctx);
}

u64 eventfd_ctx_read(struct eventfd_ctx *ctx)
{
	return ctx && uops && uops->eventfd_read ? uops->eventfd_read(ctx) : 0;
}

void eventfd_ctx_watch(struct eventfd_ctx *ctx)
{
	if (ctx && uops && uops->eventfd_watch)
		uops->eventfd_watch(ctx);
}

bool eventfd_ctx_is_fd(struct eventfd_ctx *ctx, int fd)
{
	return uops && uops->eventfd_is(ctx, fd);
}
