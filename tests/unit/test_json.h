/*
 * A small JSON reader for the tests that compare the lab with
 * ../shared/linux-dts/summary/NAME.json (test_arm_smmu_dts, test_arm_smmu_v3_dts).
 */
#ifndef LAB_TEST_JSON_H
#define LAB_TEST_JSON_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/types.h"


enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	double num;
	char *str;
	unsigned n;             /* elements (array) or members (object) */
	char **keys;            /* object member names */
	struct jval **items;
};

struct jparser {
	const char *p;
	bool error;
};

static inline void jfree(struct jval *v)
{
	if (!v)
		return;
	for (unsigned i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static inline void skip_ws(struct jparser *jp)
{
	while (isspace((unsigned char)*jp->p))
		jp->p++;
}

static inline char *parse_string(struct jparser *jp)
{
	size_t cap = 16, len = 0;
	char *s;

	if (*jp->p != '"') {
		jp->error = true;
		return NULL;
	}
	jp->p++;
	s = malloc(cap);
	while (s && *jp->p && *jp->p != '"') {
		char c = *jp->p++;

		if (c == '\\') {
			c = *jp->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '"': case '\\': case '/': break;
			default: jp->error = true; break;  /* \u is not used by the summaries */
			}
		}
		if (len + 2 > cap) {
			char *n = realloc(s, cap *= 2);
			if (!n) {
				free(s);
				s = NULL;
				break;
			}
			s = n;
		}
		if (s)
			s[len++] = c;
	}
	if (!s || *jp->p != '"') {
		free(s);
		jp->error = true;
		return NULL;
	}
	jp->p++;
	s[len] = 0;
	return s;
}

static inline struct jval *parse_value(struct jparser *jp);

static inline bool push(struct jval *v, char *key, struct jval *item)
{
	struct jval **items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (!items)
		return false;
	v->items = items;
	if (v->type == J_OBJ) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return true;
}

static inline struct jval *parse_container(struct jparser *jp, enum jtype type)
{
	char close = type == J_OBJ ? '}' : ']';
	struct jval *v = calloc(1, sizeof(*v));

	if (!v) {
		jp->error = true;
		return NULL;
	}
	v->type = type;
	jp->p++;
	skip_ws(jp);
	if (*jp->p == close) {
		jp->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jval *item;

		skip_ws(jp);
		if (type == J_OBJ) {
			key = parse_string(jp);
			skip_ws(jp);
			if (!key || *jp->p != ':') {
				free(key);
				jp->error = true;
				return v;
			}
			jp->p++;
		}
		item = parse_value(jp);
		if (!item || !push(v, key, item)) {
			free(key);
			jfree(item);
			jp->error = true;
			return v;
		}
		skip_ws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p == close) {
			jp->p++;
			return v;
		}
		jp->error = true;
		return v;
	}
}

static inline struct jval *parse_value(struct jparser *jp)
{
	struct jval *v;

	skip_ws(jp);
	if (*jp->p == '{')
		return parse_container(jp, J_OBJ);
	if (*jp->p == '[')
		return parse_container(jp, J_ARR);
	v = calloc(1, sizeof(*v));
	if (!v) {
		jp->error = true;
		return NULL;
	}
	if (*jp->p == '"') {
		v->type = J_STR;
		v->str = parse_string(jp);
	} else if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->type = J_BOOL;
		v->b = *jp->p == 't';
		jp->p += v->b ? 4 : 5;
	} else if (!strncmp(jp->p, "null", 4)) {
		v->type = J_NULL;
		jp->p += 4;
	} else {
		char *end;
		v->type = J_NUM;
		v->num = strtod(jp->p, &end);
		if (end == jp->p)
			jp->error = true;
		jp->p = end;
	}
	return v;
}

static inline struct jval *json_load(const char *path)
{
	FILE *f = fopen(path, "r");
	struct jparser jp = { 0 };
	struct jval *v;
	char *text;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	jp.p = text;
	v = parse_value(&jp);
	skip_ws(&jp);
	if (jp.error || *jp.p)
		fail_msg("%s: not the JSON this test reads (at offset %ld)", path,
			 (long)(jp.p - text));
	free(text);
	return v;
}

static inline struct jval *jget(const struct jval *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (unsigned i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

static inline u32 jhex(const struct jval *v)
{
	if (v->type == J_NUM)
		return (u32)v->num;
	assert_int_equal(v->type, J_STR);
	return (u32)strtoul(v->str, NULL, 0);
}


#endif
