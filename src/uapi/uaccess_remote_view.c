/*
 * The session server's views of its clients' shared memory, kept across
 * pins (session_vfio.h, remote_view_get). A client shares MAP_DMA's
 * memory as the descriptor of its object (a memfd, a file); QEMU's NVMe
 * driver maps every request's buffer anew (a temporary IOVA) from the
 * same few objects. Mapping the range at each pin and unmapping it at
 * unpin cost the server an mmap, a page fault per page at the device's
 * first DMA there, and a munmap with its TLB flush: more than the DMA.
 * So the server maps each object whole, once, and every pin inside it
 * points into that view; a view stays while pins use it, and up to
 * MAX_IDLE unused ones stay for the next pins (the pages they hold are
 * the client's memory: they are freed when the view goes, at the latest
 * when a client of the session goes, remote_view_trim).
 *
 * Only the kernel thread pins and unpins (under the lab's lock): no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/types.h"
#include "session_vfio.h"

#define MAX_IDLE 8

struct remote_view {
	struct remote_view *next;	/* on views, most recently used first */
	dev_t dev;
	ino_t ino;
	bool writable;
	bool listed;			/* on views (else it goes with its last pin) */
	u8 *map;
	size_t len;
	unsigned int refs;		/* pins inside it */
};

static struct remote_view *views;

static void view_free(struct remote_view *v)
{
	munmap(v->map, v->len);
	free(v);
}

static void view_unlist(struct remote_view **pp)
{
	struct remote_view *v = *pp;

	*pp = v->next;
	v->listed = false;
	if (!v->refs)
		view_free(v);
}

/* Drops the least recently used unused views past MAX_IDLE. */
static void views_shrink(void)
{
	unsigned int idle = 0;

	for (struct remote_view **pp = &views; *pp;) {
		if (!(*pp)->refs && ++idle > MAX_IDLE)
			view_unlist(pp);
		else
			pp = &(*pp)->next;
	}
}

static struct remote_view *view_new(int fd, const struct stat *st, bool writable)
{
	size_t len = ((size_t)st->st_size + 4095) & ~(size_t)4095;
	struct remote_view *v = calloc(1, sizeof(*v));

	if (!v || !len)
		goto fail;
	v->map = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (v->map == MAP_FAILED)
		goto fail;
	*v = (struct remote_view){ .dev = st->st_dev, .ino = st->st_ino, .writable = writable,
				   .listed = true, .map = v->map, .len = len };
	return v;
fail:
	free(v);
	return NULL;
}

void *remote_view_get(int fd, u64 offset, size_t len, bool writable, struct remote_view **out)
{
	struct remote_view *v;
	struct stat st;

	/* Past the object's end (now: it may have shrunk), the pin maps its range alone. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || offset + len < offset ||
	    offset + len > (u64)st.st_size)
		return NULL;
	for (struct remote_view **pp = &views; (v = *pp); pp = &v->next) {
		if (v->dev != st.st_dev || v->ino != st.st_ino)
			continue;
		if (offset + len <= v->len && (v->writable || !writable)) {
			/* To the front: the most recently used stay. */
			*pp = v->next;
			break;
		}
		/* Grown, or read-only where a write is asked: a new view replaces it. */
		view_unlist(pp);
		v = NULL;
		break;
	}
	if (!v) {
		v = view_new(fd, &st, writable);
		if (!v)
			return NULL;
	}
	v->next = views;
	views = v;
	v->refs++;
	*out = v;
	return v->map + offset;
}

void remote_view_put(struct remote_view *v)
{
	if (--v->refs)
		return;
	if (!v->listed)
		view_free(v);
	else
		views_shrink();
}

void remote_view_trim(void)
{
	for (struct remote_view **pp = &views; *pp;) {
		if (!(*pp)->refs)
			view_unlist(pp);
		else
			pp = &(*pp)->next;
	}
}
