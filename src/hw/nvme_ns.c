/*
 * Namespace backing for iommulab,nvme: a host file (pread/pwrite at the
 * namespace's offset in it) or lab memory: one private anonymous mapping
 * of the namespace's size, reserved at create. The host gives a page its
 * memory at the page's first write (MAP_NORESERVE, as lab RAM's frames in
 * mem.c), so a large namespace costs nothing until it is written, and
 * unwritten pages read as zeros. Being one range, any piece of the
 * namespace is contiguous: a command's data moves in one copy, straight
 * between the mapping and the PRP segments (nvme_io.c). Write Zeroes over
 * whole pages gives them back to the host.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hw/hw_internal.h"
#include "nvme_priv.h"

#define MEM_PAGE 4096u

int nvme_mem_init(struct nvme_mem *s, u64 bytes)
{
	s->size = ALIGN_UP(bytes, MEM_PAGE);
	s->base = hw_host_reserve((size_t)s->size);
	return s->base ? 0 : -ENOMEM;
}

void nvme_mem_free(struct nvme_mem *s)
{
	hw_host_release(s->base, (size_t)s->size);
	s->base = NULL;
}

u8 *nvme_ns_mem(struct nvme *n, struct nvme_ns *ns, u64 off)
{
	return n->fd >= 0 ? NULL : ns->mem.base + off;
}

static int full_pio(int fd, void *buf, size_t len, u64 off, bool wr)
{
	while (len) {
		ssize_t r = wr ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		buf = (u8 *)buf + r;
		len -= (size_t)r;
		off += (u64)r;
	}
	return 0;
}

int nvme_ns_read(struct nvme *n, struct nvme_ns *ns, u64 off, void *buf, size_t len)
{
	if (n->fd >= 0)
		return full_pio(n->fd, buf, len, ns->file_off + off, false);
	memcpy(buf, ns->mem.base + off, len);
	return 0;
}

int nvme_ns_write(struct nvme *n, struct nvme_ns *ns, u64 off, const void *buf, size_t len)
{
	if (n->fd >= 0)
		return full_pio(n->fd, (void *)buf, len, ns->file_off + off, true);
	memcpy(ns->mem.base + off, buf, len);
	return 0;
}

static int file_zero(struct nvme *n, struct nvme_ns *ns, u64 off, u64 len)
{
	static const u8 zeros[MEM_PAGE];

	while (len) {
		size_t piece = MIN(len, MEM_PAGE);
		int ret = full_pio(n->fd, (void *)zeros, piece, ns->file_off + off, true);

		if (ret)
			return ret;
		off += piece;
		len -= piece;
	}
	return 0;
}

/*
 * Part of a page: cleared only when it holds something, so that zeroing
 * an unwritten page does not make the host allocate it.
 */
static void mem_zero_part(u8 *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i]) {
			memset(p + i, 0, len - i);
			return;
		}
	}
}

static int mem_zero(struct nvme_ns *ns, u64 off, u64 len)
{
	u8 *p = ns->mem.base + off;
	u64 head = MIN(len, ALIGN_UP(off, MEM_PAGE) - off), whole;

	mem_zero_part(p, head);
	p += head;
	len -= head;
	whole = ALIGN_DOWN(len, MEM_PAGE);
	/* A private anonymous page dropped reads as zeros, and costs nothing. */
	if (whole && hw_host_discard(p, (size_t)whole))
		memset(p, 0, whole);
	mem_zero_part(p + whole, len - whole);
	return 0;
}

int nvme_ns_zero(struct nvme *n, struct nvme_ns *ns, u64 off, u64 len)
{
	if (n->fd >= 0)
		return file_zero(n, ns, off, len);
	return mem_zero(ns, off, len);
}

int nvme_ns_flush(struct nvme *n)
{
	if (n->fd >= 0 && fdatasync(n->fd))
		return -errno;
	return 0;
}
