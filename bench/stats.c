/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Samples, quantiles and the table pcirst-bench prints. */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "bench.h"

unsigned bench_errors;

void samples_add(struct samples *s, double usec)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			bench_fail("out of memory");
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = usec;
}

void samples_clear(struct samples *s)
{
	free(s->v);
	*s = (struct samples){0};
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double samples_quantile(struct samples *s, double q)
{
	unsigned i;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	i = (unsigned)(q * (s->n - 1) + 0.5);
	return s->v[i < s->n ? i : s->n - 1];
}

const char *fmt_usec(char *buf, size_t size, double usec)
{
	if (usec < 10)
		snprintf(buf, size, "%.2f µs", usec);
	else if (usec < 1000)
		snprintf(buf, size, "%.0f µs", usec);
	else if (usec < 1000000)
		snprintf(buf, size, "%.2f ms", usec / 1000);
	else
		snprintf(buf, size, "%.2f s", usec / 1000000);
	return buf;
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	bench_errors++;
	fputs("pcirst-bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void first_line(const char *path, const char *key, char *out, size_t size)
{
	char line[256];
	FILE *f = fopen(path, "re");

	snprintf(out, size, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		char *v = strchr(line, ':');

		v = v ? v + 1 : line;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, size, "%s", v);
		break;
	}
	fclose(f);
}

void table_header(bool quick)
{
	char cpu[128], load[128];
	struct utsname u;
	FILE *f;

	first_line("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	snprintf(load, sizeof(load), "?");
	f = fopen("/proc/loadavg", "re");
	if (f) {
		if (fgets(load, sizeof(load), f))
			load[strcspn(load, "\n")] = '\0';
		fclose(f);
	}
	uname(&u);
	printf("pcirst-bench%s: %s %s, %ld CPUs (%s), build %s, load average %s\n",
	       quick ? " --quick" : "", u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), cpu,
	       PCIRST_BUILD_TYPE, load);
	printf("\n| figure | median | p99 | ratio / note | target |\n|---|---|---|---|---|\n");
	fflush(stdout);
}

void table_row(const char *figure, const char *median, const char *p99, const char *ratio,
	       const char *target)
{
	printf("| %s | %s | %s | %s | %s |\n", figure, median, p99, ratio, target);
	fflush(stdout);
}
