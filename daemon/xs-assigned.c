/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"
#include "xs-assigned.h"

/* Bounds against a store filled by a confused toolstack: the list is advisory, not a loop. */
#define MAX_ASSIGNED 1024

static int add(struct pcirst_sbdf **v, unsigned *n, const struct pcirst_sbdf *s)
{
	struct pcirst_sbdf *nv;

	if (*n >= MAX_ASSIGNED)
		return 0;
	nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = *s;
	return 0;
}

/* Calls per round trip: the listings of a level go out together, a few dozen at a time. */
#define CHUNK 64

struct paths {
	char **v;
	unsigned n;
};

static void paths_clear(struct paths *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	*p = (struct paths){0};
}

static int paths_add(struct paths *p, const char *dir, const char *name)
{
	char **nv;
	char *s;

	if (p->n >= MAX_ASSIGNED)
		return 0;
	nv = reallocarray(p->v, p->n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->v = nv;
	if (name) {
		if (asprintf(&s, "%s/%s", dir, name) < 0)
			s = NULL;
	} else {
		s = strdup(dir);
	}
	if (!s)
		return -ENOMEM;
	p->v[p->n++] = s;
	return 0;
}

/*
 * The children of every directory in dirs (those whose name starts with
 * prefix), as paths: one round trip per CHUNK directories. A directory gone
 * meanwhile has no children.
 */
static int list_level(struct xsb *b, const struct paths *dirs, const char *prefix,
		      struct paths *out)
{
	for (unsigned at = 0; at < dirs->n; at += CHUNK) {
		struct xsb_call calls[CHUNK];
		unsigned n = dirs->n - at < CHUNK ? dirs->n - at : CHUNK;
		int r;

		for (unsigned i = 0; i < n; i++)
			calls[i] = (struct xsb_call){XSB_DIRECTORY, dirs->v[at + i], NULL};
		r = xsb_run(b, 0, calls, n);
		for (unsigned i = 0; r >= 0 && i < n; i++) {
			const char *name = calls[i].data;

			for (unsigned k = 0;
			     calls[i].err == 0 && name && k < calls[i].len && r >= 0;
			     k++, name += strlen(name) + 1)
				if (!strncmp(name, prefix, strlen(prefix)))
					r = paths_add(out, dirs->v[at + i], name);
		}
		xsb_clear(calls, n);
		if (r < 0)
			return r;
	}
	return 0;
}

int xs_assigned_pci(struct xsb *b, struct pcirst_sbdf **out, unsigned *n)
{
	_cleanup_(freep) struct pcirst_sbdf *v = NULL;
	struct paths level[4];
	unsigned count = 0;
	int r = 0;

	if (!b)
		return -ENOTCONN;
	memset(level, 0, sizeof(level));
	/* backend/pci, its domains, their devices, their dev-N nodes: a round trip each. */
	r = paths_add(&level[0], XS_PCI_BACKEND, NULL);
	for (unsigned l = 0; r >= 0 && l < 3; l++)
		r = list_level(b, &level[l], l == 2 ? "dev-" : "", &level[l + 1]);
	for (unsigned at = 0; r >= 0 && at < level[3].n; at += CHUNK) {
		struct xsb_call calls[CHUNK];
		unsigned k = level[3].n - at < CHUNK ? level[3].n - at : CHUNK;

		for (unsigned i = 0; i < k; i++)
			calls[i] = (struct xsb_call){XSB_READ, level[3].v[at + i], NULL};
		r = xsb_run(b, 0, calls, k);
		for (unsigned i = 0; r >= 0 && i < k; i++) {
			struct pcirst_sbdf s;

			if (calls[i].err == 0 && pcirst_sbdf_parse(calls[i].data, &s) >= 0)
				r = add(&v, &count, &s);
		}
		xsb_clear(calls, k);
	}
	for (unsigned l = 0; l < 4; l++)
		paths_clear(&level[l]);
	if (r < 0)
		return r;
	*out = v;
	v = NULL;
	*n = count;
	return 0;
}
