/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the policy tests: the data directory, files, diagnostics as text. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#include "decision.h"
#include "policy.h"

/* $PCIRST_TEST_DATA/policy; the tests chdir there so diagnostics name files relatively. */
static inline const char *policy_data_dir(void)
{
	static char dir[4096];
	const char *base = getenv("PCIRST_TEST_DATA");

	if (!base)
		base = "tests/data";
	snprintf(dir, sizeof(dir), "%s/policy", base);
	return dir;
}

static inline void enter_data_dir(void)
{
	assert_int_equal(chdir(policy_data_dir()), 0);
}

/* The whole file, NUL-terminated; "" when it does not exist. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		buf = strdup("");
		if (len)
			*len = 0;
		return buf;
	}
	for (;;) {
		size_t k;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static inline void spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Every diagnostic, one per line, as pcirstctl prints them. */
static inline char *diags_text(const struct policy_diags *d)
{
	size_t cap = 1, n = 0;
	char *out = malloc(1), line[1024];

	assert_non_null(out);
	out[0] = '\0';
	for (unsigned i = 0; i < d->n; i++) {
		size_t k;

		policy_diag_format(&d->v[i], line, sizeof(line));
		k = strlen(line);
		cap += k + 1;
		out = realloc(out, cap);
		assert_non_null(out);
		memcpy(out + n, line, k);
		out[n + k] = '\n';
		n += k + 1;
		out[n] = '\0';
	}
	return out;
}

/* A device as the sysfs adapter would describe it. */
static inline struct pci_dev_info dev_info(const char *sbdf, uint16_t vendor, uint16_t device,
					   uint16_t sv, uint16_t sd, uint32_t class_code)
{
	struct pci_dev_info i = {.vendor = vendor,
				 .device = device,
				 .subsys_vendor = sv,
				 .subsys_device = sd,
				 .class_code = class_code,
				 .iommu_group = -1};

	assert_int_equal(pcirst_sbdf_parse(sbdf, &i.sbdf), 0);
	return i;
}
