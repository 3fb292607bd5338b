/*
 * uaccess: the kernel's only way to the user program's memory and files
 * (Linux's copy_{from,to}_user, pin_user_pages and the eventfd calls).
 *
 * "User" memory is a program's: today the process the lab runs in, later
 * another one served by a session. The kernel never touches it directly:
 * every access goes through the host's uaccess_ops, which the uapi layer
 * installs (src/uapi/uaccess_host.c). Without them every access fails
 * (-EFAULT, -EBADF), as for a task without an mm.
 *
 * Pinned pages: what pin_user_pages returns is the lab's own reference to
 * the pages backing the range when it was pinned. Until unpinned the
 * kernel reaches those pages through user_pages_address(), whatever the
 * program later does to its address space (mprotect, munmap, a new
 * mapping at the same address, fork), as Linux's pinned pages.
 */
#ifndef LAB_KERNEL_BASE_UACCESS_H
#define LAB_KERNEL_BASE_UACCESS_H

#include "common/types.h"

/* pin_user_pages gup_flags: the device may write (Linux's FOLL_WRITE). */
#define FOLL_WRITE 0x01

struct user_pages;     /* the host's pin: opaque */
struct eventfd_ctx;    /* the host's eventfd reference: opaque */
struct vm_area_struct; /* kernel/base/mm.h */

struct uaccess_ops {
	/* Copies @n bytes between the kernel's @kbuf and the user's @ubuf: 0 or -EFAULT. */
	int (*copy)(void *kbuf, unsigned long ubuf, size_t n, bool to_user);
	/* Pins [@start, @start + @len): 0, -EFAULT (not pinnable) or -ENOMEM; nothing changes on error. */
	int (*pin)(unsigned long start, size_t len, unsigned int gup_flags, struct user_pages **out);
	void (*unpin)(struct user_pages *pages);
	/* Where the kernel reaches the pinned page at byte @off of the range. */
	void *(*address)(struct user_pages *pages, size_t off);
	/* The user's eventfd @fd: -EBADF (no such fd) or -EINVAL (not an eventfd). */
	int (*eventfd_get)(int fd, struct eventfd_ctx **out);
	void (*eventfd_signal)(struct eventfd_ctx *ctx);
	void (*eventfd_put)(struct eventfd_ctx *ctx);
	/* Is @fd (in the user's table) the same open file as @ctx's? */
	bool (*eventfd_is)(struct eventfd_ctx *ctx, int fd);
	/*
	 * Takes the counter if the user has signalled @ctx (a non-blocking
	 * read): its value, 0 when it was zero. NULL: never signalled.
	 */
	u64 (*eventfd_read)(struct eventfd_ctx *ctx);
	/*
	 * Optional: the kernel acts on writes to @ctx (an ioeventfd), so the
	 * host calls it back (vfio_pci_virqfd_poll) when the user writes it,
	 * even while the kernel is not otherwise entered. NULL: the kernel
	 * looks at its next entry (the in-process wait) only.
	 */
	void (*eventfd_watch)(struct eventfd_ctx *ctx);
	/*
	 * The device mapping (vfs_mmap's vma) of the user's that holds @addr,
	 * or NULL (none there, or ordinary memory). Valid under the lab's lock.
	 */
	struct vm_area_struct *(*vma_lookup)(unsigned long addr);
};

/* The host installs its accessors (NULL: none, every access fails). */
void uaccess_set_ops(const struct uaccess_ops *ops);

/* 0 or -EFAULT (a bad, unmapped or read-only user address). */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/*
 * A NUL-terminated user string of at most @max bytes (NUL included) into
 * @dst: its length, -EFAULT, or -EINVAL when no NUL comes within @max
 * (strndup_user's answers). Reads stop at the first unreadable byte.
 */
long strncpy_from_user_lab(char *dst, const char *usrc, size_t max);

/* Linux's pin_user_pages for a byte range (page aligned): 0, -EFAULT or -ENOMEM. */
int pin_user_pages(unsigned long start, size_t len, unsigned int gup_flags,
		   struct user_pages **out);
void unpin_user_pages(struct user_pages *pages);
/* The pinned page at byte @off of the range (page aligned), as the kernel reaches it. */
void *user_pages_address(struct user_pages *pages, size_t off);

/*
 * Linux's vma_lookup(current->mm, @addr), for device mappings only (the
 * lab knows no other vmas): the vma, or NULL. Valid under the lab's lock.
 */
struct vm_area_struct *vma_lookup(unsigned long addr);

/* Linux's eventfd_ctx_fdget: ERR-free form, 0, -EBADF or -EINVAL. */
int eventfd_ctx_fdget(int fd, struct eventfd_ctx **out);
void eventfd_signal(struct eventfd_ctx *ctx);
void eventfd_ctx_put(struct eventfd_ctx *ctx);
/* Does user descriptor @fd name @ctx's eventfd (a dup of it included)? */
bool eventfd_ctx_is_fd(struct eventfd_ctx *ctx, int fd);
/*
 * What the user wrote to @ctx since the last call, the counter reset (as
 * Linux's eventfd_ctx_do_read, which a virqfd's wakeup runs): 0 for none.
 * The kernel never blocks on it: it looks when it has a reason to.
 */
u64 eventfd_ctx_read(struct eventfd_ctx *ctx);
/*
 * Have the host wake the kernel (vfio_pci_virqfd_poll) when the user
 * writes @ctx, as Linux's wakeup callback on an eventfd's wait queue; it
 * stops at eventfd_ctx_put.
 */
void eventfd_ctx_watch(struct eventfd_ctx *ctx);

#endif
