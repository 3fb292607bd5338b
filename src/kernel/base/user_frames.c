/*
 * The allocator of user-window frames (user_frames.h). The window is huge
 * (up to 1 TiB) and costs nothing until used: blocks come from a bump
 * pointer, each order's freed blocks go on a stack for reuse, and a block
 * of a larger order is split when the bump pointer has run out. Nothing is
 * merged back: with a window this size the bump pointer outlasts any
 * fragmentation a test can make, and -ENOMEM only means every address of
 * the window is in use or stranded in smaller freed blocks than asked (a
 * caller that falls back to order 0, as type1 does, then fails only when
 * the window is full).
 *
 * Every stack keeps room for all blocks of its order that are out, so a
 * free never allocates and never fails. When the last block comes back the
 * stacks are freed and the bump pointer starts over: an idle allocator
 * holds no kernel memory (a MAP_DMA undone leaves nothing behind, however
 * it failed).
 */
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/kalloc_internal.h"
#include "kernel/base/user_frames.h"
#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "hw/machine.h"

static struct user_frames_state *ufs(void)
{
	struct user_frames_state *s = &kstate->user_frames;

	if (!s->ready) {
		u64 base, size;

		if (!hw_user_window(kernel_machine(), &base, &size)) {
			s->base = s->next = base;
			s->end = base + size;
		}
		s->ready = true;
	}
	return s;
}

static u64 block_bytes(unsigned order)
{
	return (u64)PAGE_SIZE << order;
}

/* Room on @order's stack for every block out plus @extra more: 0 or -ENOMEM. */
static int reserve(struct user_frames_state *s, unsigned order, size_t extra)
{
	struct user_frames_list *l = &s->free[order];
	size_t need = l->nr + s->outstanding[order] + extra;

	if (need <= l->cap)
		return 0;
	size_t ncap = MAX(need, l->cap ? l->cap * 2 : 16);
	u64 *n = krealloc(l->pa, ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->pa = n;
	l->cap = ncap;
	return 0;
}

static void push(struct user_frames_state *s, unsigned order, u64 pa)
{
	struct user_frames_list *l = &s->free[order];

	l->pa[l->nr++] = pa;
}

/* A block from the untouched part of the window; the alignment gap goes on the stacks. */
static u64 alloc_bump(struct user_frames_state *s, unsigned order)
{
	u64 sz = block_bytes(order), a = ALIGN_UP(s->next, sz);

	if (a < s->next || a > s->end || s->end - a < sz)
		return 0;
	for (unsigned j = 0; j <= order; j++)
		if (reserve(s, j, 1))
			return 0;
	/* The gap [next, a) is blocks of rising orders, each below @order. */
	for (u64 c = s->next; c < a;) {
		unsigned j = 0;

		while (j + 1 < order && IS_ALIGNED(c, block_bytes(j + 1)) && c + block_bytes(j + 1) <= a)
			j++;
		push(s, j, c);
		c += block_bytes(j);
	}
	s->next = a + sz;
	return a;
}

/* A block cut from the smallest larger freed one; the other halves go on the stacks. */
static u64 alloc_split(struct user_frames_state *s, unsigned order)
{
	unsigned big = order + 1;

	while (big < USER_FRAMES_ORDERS && !s->free[big].nr)
		big++;
	if (big >= USER_FRAMES_ORDERS)
		return 0;
	for (unsigned j = order; j < big; j++)
		if (reserve(s, j, j == order ? 2 : 1))
			return 0;
	u64 pa = s->free[big].pa[--s->free[big].nr];
	for (unsigned j = big; j-- > order;)
		push(s, j, pa + block_bytes(j));
	return pa;
}

/* Nothing out: the whole window is untouched again and the stacks go. */
static void reset_if_idle(struct user_frames_state *s)
{
	if (s->pages_out)
		return;
	for (unsigned j = 0; j < USER_FRAMES_ORDERS; j++) {
		kfree(s->free[j].pa);
		s->free[j] = (struct user_frames_list){ 0 };
	}
	s->next = s->base;
}

u64 user_frames_alloc(unsigned order)
{
	if (!kstate || order > USER_FRAMES_MAX_ORDER || kalloc_should_fail())
		return 0;
	struct user_frames_state *s = ufs();
	struct user_frames_list *l = &s->free[order];
	u64 pa;

	if (l->nr) {
		pa = l->pa[--l->nr];
	} else {
		pa = reserve(s, order, 1) ? 0 : alloc_bump(s, order);
		if (!pa)
			pa = alloc_split(s, order);
		if (!pa) {
			/* Stacks grown for nothing go when nothing else is out. */
			reset_if_idle(s);
			return 0;
		}
	}
	s->outstanding[order]++;
	s->pages_out += 1ull << order;
	return pa;
}

void user_frames_free(u64 pa, unsigned order)
{
	struct user_frames_state *s = kstate ? &kstate->user_frames : NULL;

	if (!s || !pa || order > USER_FRAMES_MAX_ORDER || !s->outstanding[order] ||
	    pa < s->base || pa >= s->end)
		return;
	s->outstanding[order]--;
	s->pages_out -= 1ull << order;
	push(s, order, pa);
	reset_if_idle(s);
}

u64 user_frames_outstanding(void)
{
	return kstate ? kstate->user_frames.pages_out : 0;
}

void user_frames_exit(void)
{
	struct user_frames_state *s = kstate ? &kstate->user_frames : NULL;

	if (!s)
		return;
	for (unsigned j = 0; j < USER_FRAMES_ORDERS; j++)
		kfree(s->free[j].pa);
	memset(s, 0, sizeof(*s));
}
