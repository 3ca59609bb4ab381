/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a policy from its directories, the systemd drop-in way: vendor
 * defaults in /usr/lib/pcirstd/policy.d, the administrator's files in
 * /etc/pcirstd/policy.d; a file in /etc replaces the /usr/lib file of the
 * same name (a symlink to /dev/null masks it), and the surviving files are
 * read in lexical order of their names. Either every file is valid and a
 * complete policy is returned, or nothing is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-internal.h"

const char *const policy_default_dirs[2] = {POLICY_DIR_VENDOR, POLICY_DIR_ADMIN};

int read_file_limited(const char *path, size_t max, char **out, size_t *len)
{
	_cleanup_(closep) int fd = -1;
	_cleanup_(freep) char *buf = NULL;
	size_t n = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			/* One byte more than allowed tells "too large" from "exactly at the limit".
			 */
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= n)
				return -EFBIG;
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	*len = n;
	return 0;
}

struct entry {
	char *name; /* the file name, the key of the drop-in override */
	char *path;
};

static void entries_free(struct entry *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static bool is_policy_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && streq(name + len - 5, ".json");
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Adds the *.json files of dir to *v, replacing entries of the same name. */
static int scan_dir(const char *dir, struct entry **v, unsigned *n, struct policy_diags *diags)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		policy_diag_add(diags, POLICY_ERROR, dir, 0, 0, "cannot read directory: %s",
				strerror(-r));
		return r;
	}
	while ((de = readdir(d))) {
		char *path = NULL, *name = NULL;
		unsigned i;

		if (!is_policy_name(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		for (i = 0; i < *n; i++)
			if (streq((*v)[i].name, de->d_name))
				break;
		if (i < *n) {
			free((*v)[i].path);
			(*v)[i].path = path;
			continue;
		}
		name = strdup(de->d_name);
		struct entry *nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!name || !nv) {
			free(path);
			free(name);
			if (nv)
				*v = nv;
			r = -ENOMEM;
			break;
		}
		*v = nv;
		(*v)[(*n)++] = (struct entry){.name = name, .path = path};
	}
	closedir(d);
	return r;
}

/* A masked file (a symlink to /dev/null, or any character device) contributes nothing. */
static bool is_masked(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

static int load_file(struct policy *p, const char *path, struct policy_diags *diags)
{
	_cleanup_(freep) char *text = NULL;
	size_t len = 0;
	int r;

	r = read_file_limited(path, POLICY_FILE_MAX, &text, &len);
	if (r == -EFBIG) {
		policy_diag_add(diags, POLICY_ERROR, path, 0, 0,
				"file is too large (more than %u bytes)",
				(unsigned)POLICY_FILE_MAX);
		return -EINVAL;
	}
	if (r < 0) {
		policy_diag_add(diags, POLICY_ERROR, path, 0, 0, "cannot read: %s", strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	return policy_parse_document(p, path, text, len, diags);
}

int policy_load(const char *const *dirs, unsigned n_dirs, const char *const *extra_files,
		unsigned n_extra, struct policy_diags *diags, struct policy **out)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct entry *v = NULL;
	unsigned n = 0;
	int r, ret = 0;

	r = policy_new_empty(&p);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < n_dirs; i++) {
		r = scan_dir(dirs[i], &v, &n, diags);
		if (r < 0) {
			entries_free(v, n);
			return r;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);

	/* Every file is parsed even after an error, so one run reports every problem. */
	for (unsigned i = 0; i < n + n_extra; i++) {
		const char *path = i < n ? v[i].path : extra_files[i - n];

		if (i < n && is_masked(path))
			continue;
		r = load_file(p, path, diags);
		if (r == -ENOMEM) {
			ret = r;
			break;
		}
		if (r < 0)
			ret = -EINVAL;
	}
	entries_free(v, n);
	if (ret != -ENOMEM && policy_index_build(p) < 0)
		ret = -ENOMEM;
	/* Overlaps among the valid rules are worth knowing even when others are broken. */
	if (ret != -ENOMEM)
		policy_check_overlaps(p, diags);
	if (ret < 0)
		return ret;
	*out = p;
	p = NULL;
	return 0;
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy_diags *diags,
		       struct policy **out)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	int r;

	r = policy_new_empty(&p);
	if (r < 0)
		return r;
	r = policy_parse_document(p, name, text, len, diags);
	if (r != -ENOMEM && policy_index_build(p) < 0)
		r = -ENOMEM;
	if (r != -ENOMEM)
		policy_check_overlaps(p, diags);
	if (r < 0)
		return r;
	*out = p;
	p = NULL;
	return 0;
}
