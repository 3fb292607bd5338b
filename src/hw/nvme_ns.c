/*
 * Namespace backing for iommulab,nvme: a host file (pread/pwrite at the
 * namespace's offset in it) or lab memory allocated a 4 KiB chunk at a time
 * on first write, so a large namespace costs nothing until it is written.
 * Unwritten chunks read as zeros; Write Zeroes over a whole chunk frees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvme_priv.h"

#define CHUNK 4096u
#define FANOUT_SHIFT 9
#define FANOUT (1u << FANOUT_SHIFT)

void nvme_sparse_init(struct nvme_sparse *s, u64 bytes)
{
	u64 chunks = (bytes + CHUNK - 1) / CHUNK, reach = FANOUT;

	s->root = NULL;
	s->chunks = 0;
	s->depth = 1;
	while (reach < chunks) {
		reach <<= FANOUT_SHIFT;
		s->depth++;
	}
}

static void free_level(void **node, unsigned depth)
{
	if (!node)
		return;
	for (unsigned i = 0; i < FANOUT; i++) {
		if (depth > 1)
			free_level(node[i], depth - 1);
		else
			free(node[i]);
	}
	free(node);
}

void nvme_sparse_free(struct nvme_sparse *s)
{
	free_level(s->root, s->depth);
	s->root = NULL;
	s->chunks = 0;
}

/* The slot holding chunk @idx's pointer; NULL when absent and !@alloc (or no memory). */
static void **slot(struct nvme_sparse *s, u64 idx, bool alloc)
{
	void **pp = &s->root;

	for (unsigned level = s->depth; level > 0; level--) {
		if (!*pp) {
			if (!alloc)
				return NULL;
			*pp = calloc(FANOUT, sizeof(void *));
			if (!*pp)
				return NULL;
		}
		pp = (void **)*pp + ((idx >> (FANOUT_SHIFT * (level - 1))) & (FANOUT - 1));
	}
	return pp;
}

static u8 *chunk(struct nvme_sparse *s, u64 idx, bool alloc)
{
	void **pp = slot(s, idx, alloc);

	if (!pp)
		return NULL;
	if (!*pp && alloc) {
		*pp = calloc(1, CHUNK);
		if (*pp)
			s->chunks++;
	}
	return *pp;
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
	u8 *out = buf;

	if (n->fd >= 0)
		return full_pio(n->fd, buf, len, ns->file_off + off, false);
	while (len) {
		u32 in = off % CHUNK, piece = MIN(len, CHUNK - in);
		u8 *c = chunk(&ns->mem, off / CHUNK, false);

		if (c)
			memcpy(out, c + in, piece);
		else
			memset(out, 0, piece);
		out += piece;
		off += piece;
		len -= piece;
	}
	return 0;
}

/*
 * Chunks are allocated before any byte is copied, so a write that runs out
 * of memory changes nothing.
 */
int nvme_ns_write(struct nvme *n, struct nvme_ns *ns, u64 off, const void *buf, size_t len)
{
	const u8 *in = buf;

	if (n->fd >= 0)
		return full_pio(n->fd, (void *)buf, len, ns->file_off + off, true);
	if (!len)
		return 0;
	for (u64 c = off / CHUNK; c <= (off + len - 1) / CHUNK; c++)
		if (!chunk(&ns->mem, c, true))
			return -ENOMEM;
	while (len) {
		u32 at = off % CHUNK, piece = MIN(len, CHUNK - at);

		memcpy(chunk(&ns->mem, off / CHUNK, false) + at, in, piece);
		in += piece;
		off += piece;
		len -= piece;
	}
	return 0;
}

static int file_zero(struct nvme *n, struct nvme_ns *ns, u64 off, u64 len)
{
	static const u8 zeros[CHUNK];

	while (len) {
		size_t piece = MIN(len, CHUNK);
		int ret = full_pio(n->fd, (void *)zeros, piece, ns->file_off + off, true);

		if (ret)
			return ret;
		off += piece;
		len -= piece;
	}
	return 0;
}

int nvme_ns_zero(struct nvme *n, struct nvme_ns *ns, u64 off, u64 len)
{
	if (n->fd >= 0)
		return file_zero(n, ns, off, len);
	while (len) {
		u32 at = off % CHUNK, piece = MIN(len, CHUNK - at);
		void **pp = slot(&ns->mem, off / CHUNK, false);

		if (pp && *pp) {
			if (piece == CHUNK) {
				free(*pp);
				*pp = NULL;
				ns->mem.chunks--;
			} else {
				memset((u8 *)*pp + at, 0, piece);
			}
		}
		off += piece;
		len -= piece;
	}
	return 0;
}

int nvme_ns_flush(struct nvme *n)
{
	if (n->fd >= 0 && fdatasync(n->fd))
		return -errno;
	return 0;
}
