/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>

#include "log.h"
#include "power-left.h"

int power_left_save(const char *path, const struct pcirst_sbdf *sbdf, const char *value)
{
	char line[64], s[PCIRST_SBDF_STRLEN];
	int fd, n, r = 0;

	n = snprintf(line, sizeof(line), "%s %s\n", pcirst_sbdf_format(sbdf, s), value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* One write() with O_APPEND: a record is never split or interleaved. */
	if (write(fd, line, (size_t)n) != n)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static bool parse(const char *line, struct power_left *out)
{
	char sbdf[32], value[16], extra;

	if (sscanf(line, "%31s %15s %c", sbdf, value, &extra) != 2)
		return false;
	if (pcirst_sbdf_parse(sbdf, &out->sbdf) < 0)
		return false;
	if (!streq(value, "auto") && !streq(value, "on"))
		return false;
	snprintf(out->value, sizeof(out->value), "%s", value);
	return true;
}

int power_left_take(const char *path, struct power_left **out, unsigned *n, unsigned *bad)
{
	_cleanup_(freep) struct power_left *v = NULL;
	char line[128];
	unsigned count = 0;
	FILE *f;

	*out = NULL;
	*n = *bad = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	v = calloc(POWER_LEFT_MAX, sizeof(*v));
	if (!v) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		/* A line longer than the buffer is one bad record, not several. */
		bool whole = strchr(line, '\n') || feof(f);

		while (!whole && fgets(line, sizeof(line), f))
			whole = strchr(line, '\n') || feof(f);
		if (count < POWER_LEFT_MAX && whole && parse(line, &v[count]))
			count++;
		else
			(*bad)++;
	}
	fclose(f);
	/* Taken: the next start must not set the same values back again. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	*out = v;
	v = NULL;
	*n = count;
	return 0;
}

int power_left_keep(void *userdata, const struct pcirst_sbdf *sbdf, const char *value)
{
	return power_left_save(userdata, sbdf, value);
}

void power_left_inherit(const char *path, struct manager *m)
{
	_cleanup_(freep) struct power_left *v = NULL;
	char s[PCIRST_SBDF_STRLEN];
	unsigned n = 0, bad = 0;
	int r;

	r = power_left_take(path, &v, &n, &bad);
	if (r < 0) {
		log_warning("cannot read %s, the power/control values the pcirstd before this one "
			    "left 'on': %s",
			    path, strerror(-r));
		return;
	}
	if (bad)
		log_warning("%s: %u malformed or surplus line(s) ignored", path, bad);
	for (unsigned i = 0; i < n; i++) {
		r = manager_power_inherit(m, &v[i].sbdf, v[i].value);
		if (r < 0)
			log_warning("%s: cannot set power/control back to '%s': %s",
				    pcirst_sbdf_format(&v[i].sbdf, s), v[i].value, strerror(-r));
	}
}
