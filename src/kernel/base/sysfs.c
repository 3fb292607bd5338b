// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual /sys: a tree of directories, attribute files and symlinks.
 * A symlink stores its target node, not text; readlink computes the
 * relative path the way kernfs does. A node lives while it is in the tree
 * or a link still points at it, so a removed target leaves a dangling link
 * (-ENOENT) instead of a dangling pointer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/list.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel_state.h"

#define SYSFS_PREFIX "/sys"
#define SYSFS_MAX_DEPTH 64
#define SYSFS_PATH_MAX 4096	/* PATH_MAX, with its NUL */

struct sysfs_node {
	char *name;
	enum sysfs_type type;
	unsigned mode;
	int refcnt;
	bool removed;
	struct sysfs_node *parent;
	struct list_head children;	/* sorted by name */
	struct list_head sibling;
	/*
	 * The same children as a treap by name, so that finding or adding one
	 * of a directory's n entries costs O(log n), not O(n): a directory like
	 * /sys/bus/platform/devices holds every device.
	 */
	struct sysfs_node *tree;	/* a directory's: root of its children's treap */
	struct sysfs_node *tl, *tr;	/* in the parent's treap */
	u32 prio;
	const struct sysfs_attr *attr;
	void *owner;
	struct sysfs_node *target;	/* links */
};

/* /sys of the running kernel; NULL before sysfs_init and with no kernel. */
static struct sysfs_node *sysfs_root_node(void)
{
	return kstate ? kstate->sysfs.root : NULL;
}

static void node_put(struct sysfs_node *n);

/*
 * Treap priorities: a fixed pseudo-random sequence, restarted with each
 * kernel, so runs repeat exactly.
 */
static u32 next_prio(void)
{
	u64 z = (kstate->sysfs.prio_seq += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (u32)(z ^ (z >> 31));
}

/* Splits @t into the nodes named before @name (*l) and the rest (*r). */
static void tsplit(struct sysfs_node *t, const char *name, struct sysfs_node **l,
		   struct sysfs_node **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (strcmp(t->name, name) < 0) {
		tsplit(t->tr, name, &t->tr, r);
		*l = t;
	} else {
		tsplit(t->tl, name, l, &t->tl);
		*r = t;
	}
}

/* Joins two treaps, every name in @a before every name in @b. */
static struct sysfs_node *tmerge(struct sysfs_node *a, struct sysfs_node *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->tr = tmerge(a->tr, b);
		return a;
	}
	b->tl = tmerge(a, b->tl);
	return b;
}

/* The link in @dir's treap that points at the child @name (or the NULL where it would go). */
static struct sysfs_node **tslot(struct sysfs_node *dir, const char *name)
{
	struct sysfs_node **slot = &dir->tree;

	while (*slot) {
		int cmp = strcmp(name, (*slot)->name);

		if (!cmp)
			break;
		slot = cmp < 0 ? &(*slot)->tl : &(*slot)->tr;
	}
	return slot;
}

/* Takes @n out of its parent's children (treap and list). */
static void node_detach(struct sysfs_node *n)
{
	if (n->parent) {
		struct sysfs_node **slot = tslot(n->parent, n->name);

		if (*slot == n)
			*slot = tmerge(n->tl, n->tr);
	}
	n->tl = n->tr = NULL;
	list_del_init(&n->sibling);
}

static struct sysfs_node *node_new(const char *name, enum sysfs_type type, unsigned mode)
{
	struct sysfs_node *n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->name = kstrdup(name);
	if (!n->name) {
		kfree(n);
		return NULL;
	}
	n->type = type;
	n->mode = mode;
	n->refcnt = 1;
	n->prio = next_prio();
	INIT_LIST_HEAD(&n->children);
	INIT_LIST_HEAD(&n->sibling);
	return n;
}

static void node_put(struct sysfs_node *n)
{
	if (!n || --n->refcnt > 0)
		return;
	if (n->target)
		node_put(n->target);
	kfree(n->name);
	kfree(n);
}

int sysfs_init(void)
{
	struct sysfs_state *ss = &kstate->sysfs;

	if (ss->root)
		return 0;
	ss->root = node_new("sys", SYSFS_DIR, 0755);
	return ss->root ? 0 : -ENOMEM;
}

void sysfs_exit(void)
{
	struct sysfs_node *r = sysfs_root_node();
	if (!r)
		return;
	sysfs_remove(r);
	kstate->sysfs.root = NULL;
}

struct sysfs_node *sysfs_root(void)
{
	return sysfs_root_node();
}

const char *sysfs_node_name(const struct sysfs_node *node)
{
	return node ? node->name : NULL;
}

struct sysfs_node *sysfs_link_target(const struct sysfs_node *link)
{
	if (!link || link->type != SYSFS_LINK || link->target->removed)
		return NULL;
	return link->target;
}

struct sysfs_node *sysfs_get_child(struct sysfs_node *dir, const char *name)
{
	if (!dir || dir->type != SYSFS_DIR)
		return NULL;
	return *tslot(dir, name);
}

/* Inserts keeping the children sorted; -EEXIST like sysfs_warn_dup. */
static int node_attach(struct sysfs_node *dir, struct sysfs_node *n)
{
	struct sysfs_node *t, *succ = NULL, *l, *r;
	if (!dir || dir->type != SYSFS_DIR || dir->removed)
		return -ENOENT;
	for (t = dir->tree; t;) {
		int cmp = strcmp(n->name, t->name);
		if (!cmp) {
			char path[512];
			sysfs_node_path(dir, path, sizeof(path));
			pr_err("sysfs: cannot create duplicate filename '%s/%s'\n", path, n->name);
			return -EEXIST;
		}
		if (cmp < 0) {
			succ = t;
			t = t->tl;
		} else {
			t = t->tr;
		}
	}
	/* Link before the first child sorting after n (or at the end). */
	list_add_tail(&n->sibling, succ ? &succ->sibling : &dir->children);
	tsplit(dir->tree, n->name, &l, &r);
	dir->tree = tmerge(tmerge(l, n), r);
	n->parent = dir;
	return 0;
}

int sysfs_create_dir(struct sysfs_node *parent, const char *name, struct sysfs_node **out)
{
	struct sysfs_node *n = node_new(name, SYSFS_DIR, 0755);
	if (!n)
		return -ENOMEM;
	int ret = node_attach(parent, n);
	if (ret) {
		node_put(n);
		return ret;
	}
	if (out)
		*out = n;
	return 0;
}

int sysfs_create_file(struct sysfs_node *dir, const struct sysfs_attr *attr, void *owner,
		      struct sysfs_node **out)
{
	struct sysfs_node *n = node_new(attr->name, SYSFS_FILE, attr->mode & 0777);
	if (!n)
		return -ENOMEM;
	n->attr = attr;
	n->owner = owner;
	int ret = node_attach(dir, n);
	if (ret) {
		node_put(n);
		return ret;
	}
	if (out)
		*out = n;
	return 0;
}

int sysfs_create_link(struct sysfs_node *dir, const char *name, struct sysfs_node *target)
{
	if (!target)
		return -ENOENT;
	while (target->type == SYSFS_LINK)
		target = target->target;
	struct sysfs_node *n = node_new(name, SYSFS_LINK, 0777);
	if (!n)
		return -ENOMEM;
	n->target = target;
	target->refcnt++;
	int ret = node_attach(dir, n);
	if (ret) {
		node_put(n);
		return ret;
	}
	return 0;
}

void sysfs_remove(struct sysfs_node *n)
{
	if (!n || n->removed)
		return;
	while (!list_empty(&n->children))
		sysfs_remove(list_first_entry(&n->children, struct sysfs_node, sibling));
	node_detach(n);
	n->removed = true;
	n->parent = NULL;
	node_put(n);
}

void sysfs_remove_name(struct sysfs_node *dir, const char *name)
{
	sysfs_remove(sysfs_get_child(dir, name));
}

int sysfs_rename(struct sysfs_node *n, const char *name)
{
	struct sysfs_node *dir = n->parent;
	char *nn = kstrdup(name);
	if (!nn)
		return -ENOMEM;
	if (dir && sysfs_get_child(dir, name)) {
		kfree(nn);
		return -EEXIST;
	}
	node_detach(n);
	kfree(n->name);
	n->name = nn;
	if (dir)
		node_attach(dir, n);
	return 0;
}

int sysfs_node_path(const struct sysfs_node *n, char *buf, size_t size)
{
	const struct sysfs_node *chain[SYSFS_MAX_DEPTH], *root = sysfs_root_node();
	size_t depth = 0, off;
	if (!size)
		return -EINVAL;
	for (const struct sysfs_node *p = n; p && p != root; p = p->parent) {
		if (depth == SYSFS_MAX_DEPTH || p->removed)
			return -ENOENT;
		chain[depth++] = p;
	}
	off = (size_t)snprintf(buf, size, "%s", SYSFS_PREFIX);
	while (depth && off < size)
		off += (size_t)snprintf(buf + off, size - off, "/%s", chain[--depth]->name);
	return off < size ? 0 : -ENAMETOOLONG;
}

/*
 * Walks @path from the root. Links are followed in every component, and in
 * the last one too when @follow_last. Returns 0 with *out set, or -errno.
 */
static int resolve(const char *path, bool follow_last, struct sysfs_node **out)
{
	size_t plen = strlen(SYSFS_PREFIX);
	/* getname(): a path of PATH_MAX bytes or more never reaches a lookup */
	if (path && strnlen(path, SYSFS_PATH_MAX) == SYSFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct sysfs_node *root = sysfs_root_node();

	if (!root || !path || strncmp(path, SYSFS_PREFIX, plen) || (path[plen] && path[plen] != '/'))
		return -ENOENT;
	const char *p = path + plen;
	struct sysfs_node *cur = root;
	bool want_dir = false;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p) {
			want_dir = true;
			break;
		}
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		bool last = true;
		for (const char *q = end; *q; q++)
			if (*q != '/') {
				last = false;
				break;
			}
		if (*end && last)
			want_dir = true;
		if (cur->type != SYSFS_DIR)
			return -ENOTDIR;
		if (len == 1 && p[0] == '.') {
			/* stay */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (cur->parent)
				cur = cur->parent;
		} else {
			/*
			 * kernfs looks a name up as given and has no NAME_MAX
			 * check: a longer name is simply not there.
			 */
			char name[256];
			if (len >= sizeof(name))
				return -ENOENT;
			memcpy(name, p, len);
			name[len] = '\0';
			struct sysfs_node *c = sysfs_get_child(cur, name);
			if (!c)
				return -ENOENT;
			if (c->type == SYSFS_LINK && (!last || follow_last || want_dir)) {
				c = c->target;
				if (c->removed)
					return -ENOENT;
			}
			cur = c;
		}
		p = end;
	}
	if (want_dir && cur->type == SYSFS_FILE)
		return -ENOTDIR;
	*out = cur;
	return 0;
}

struct sysfs_node *sysfs_find(const char *path)
{
	struct sysfs_node *n;
	return resolve(path, true, &n) ? NULL : n;
}

static void fill_stat(const struct sysfs_node *n, struct sysfs_stat *st)
{
	st->type = n->type;
	st->mode = n->mode;
}

static int stat_path(const char *path, bool follow_last, struct sysfs_stat *st)
{
	struct sysfs_node *n;
	int ret = resolve(path, follow_last, &n);
	if (!ret)
		fill_stat(n, st);
	return ret;
}

int sysfs_stat(const char *path, struct sysfs_stat *st)
{
	return stat_path(path, true, st);
}

int sysfs_lstat(const char *path, struct sysfs_stat *st)
{
	return stat_path(path, false, st);
}

/*
 * What kernfs_fop_open checks: an attribute file, with the mode bit for
 * the access (@write or read) and the method behind it.
 */
static int open_attr(const char *path, bool write, struct sysfs_node **out)
{
	struct sysfs_node *n;
	int ret = resolve(path, true, &n);
	if (ret)
		return ret;
	if (n->type == SYSFS_DIR)
		return -EISDIR;
	bool method = write ? (n->attr->store || n->attr->write) : (n->attr->show || n->attr->read);
	if (!(n->mode & (write ? 0222 : 0444)) || !method)
		return -EACCES;
	*out = n;
	return 0;
}

ssize_t sysfs_read(const char *path, char *buf, size_t size)
{
	struct sysfs_node *n;
	int ret = open_attr(path, false, &n);
	if (ret)
		return ret;
	if (!size)
		return -EINVAL;
	if (n->attr->read) {
		ssize_t r = n->attr->read(n->owner, n->attr, buf, size - 1);
		if (r >= 0)
			buf[r] = '\0';
		return r;
	}
	char *page = kzalloc(PAGE_SIZE + 1);
	if (!page)
		return -ENOMEM;
	ssize_t r = n->attr->show(n->owner, n->attr, page);
	if (r > (ssize_t)PAGE_SIZE)
		r = PAGE_SIZE;
	if (r >= 0) {
		if ((size_t)r > size - 1)
			r = (ssize_t)(size - 1);
		memcpy(buf, page, (size_t)r);
		buf[r] = '\0';
	}
	kfree(page);
	return r;
}

ssize_t sysfs_write(const char *path, const char *buf, size_t len)
{
	return sysfs_pwrite(path, buf, len, 0);
}

ssize_t sysfs_pwrite(const char *path, const char *buf, size_t len, u64 off)
{
	struct sysfs_node *n;
	int ret = open_attr(path, true, &n);
	if (ret)
		return ret;
	if (n->attr->write)
		return n->attr->write(n->owner, n->attr, buf, len, off);
	/* kernfs passes at most a page per write(2) */
	if (len > PAGE_SIZE)
		len = PAGE_SIZE;
	if (!len)
		return 0;
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	ssize_t r = n->attr->store(n->owner, n->attr, copy, len);
	kfree(copy);
	return r;
}

ssize_t sysfs_readlink(const char *path, char *buf, size_t size)
{
	struct sysfs_node *n;
	int ret = resolve(path, false, &n);
	if (ret)
		return ret;
	if (n->type != SYSFS_LINK)
		return -EINVAL;
	struct sysfs_node *t = n->target;
	if (t->removed)
		return -ENOENT;
	/* Up from the link's directory to the common ancestor, then down. */
	const struct sysfs_node *up[SYSFS_MAX_DEPTH], *down[SYSFS_MAX_DEPTH];
	size_t nu = 0, nd = 0;
	for (const struct sysfs_node *p = n->parent; p; p = p->parent)
		up[nu++] = p;
	for (const struct sysfs_node *p = t; p; p = p->parent)
		down[nd++] = p;
	while (nu && nd && up[nu - 1] == down[nd - 1]) {
		nu--;
		nd--;
	}
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < nu && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "../");
	while (nd && off < size) {
		nd--;
		off += (size_t)snprintf(buf + off, size - off, "%s%s", down[nd]->name, nd ? "/" : "");
	}
	if (off >= size)
		return -ENAMETOOLONG;
	return (ssize_t)off;
}

int sysfs_realpath(const char *path, char *buf, size_t size)
{
	struct sysfs_node *n;
	int ret = resolve(path, true, &n);
	if (ret)
		return ret;
	return sysfs_node_path(n, buf, size);
}

int sysfs_readdir(const char *path,
		  int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		  void *opaque)
{
	struct sysfs_node *n, *c;
	int ret = resolve(path, true, &n);
	if (ret)
		return ret;
	if (n->type != SYSFS_DIR)
		return -ENOTDIR;
	list_for_each_entry(c, &n->children, sibling) {
		struct sysfs_stat st;
		fill_stat(c, &st);
		if (fn(opaque, c->name, &st))
			break;
	}
	return 0;
}
