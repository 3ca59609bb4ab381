/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Journal entries as "pcirstctl policy suggest" and "probe" read them:
 * anyone who can log to the journal can write fields, so every entry is
 * hostile. Entries are separated by an empty line, fields by '\n'
 * ("NAME=value", any byte but '\n'). Used or skipped, counted, and what is
 * kept is bounded and printable.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "observed.h"
#include "utf8.h"

#define FIELDS_MAX 64

static void check(const struct observed *o)
{
	FUZZ_CHECK(o->n_devs <= OBS_DEVICES_MAX);
	for (unsigned i = 0; i < o->n_devs; i++) {
		const struct obs_device *d = &o->devs[i];

		FUZZ_CHECK(observed_find(o, d->vendor, d->device));
		for (unsigned m = 0; m < _RESET_METHOD_MAX; m++) {
			const struct obs_method *om = &d->m[m];
			size_t len = strnlen(om->evidence, sizeof(om->evidence));

			FUZZ_CHECK(len <= OBS_EVIDENCE_MAX);
			for (size_t k = 0; k < len;) {
				size_t s =
				    utf8_seq((const unsigned char *)om->evidence + k, len - k);

				FUZZ_CHECK(s > 0);
				k += s;
			}
			FUZZ_CHECK(om->n_sbdfs <= OBS_SBDFS_MAX);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct observed *o = calloc(1, sizeof(*o));
	const char *p = (const char *)data, *end = p + size;
	struct obs_field fields[FIELDS_MAX];
	unsigned n = 0, entries = 0;
	uint64_t usec = 1700000000000000;

	if (!o)
		return 0;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len && n < FIELDS_MAX)
			fields[n++] = (struct obs_field){.data = p, .len = len};
		if (!len || !nl) {
			if (n) {
				/* Time goes back and forth, as journals merged from several boots
				 * do. */
				usec += (entries % 3 == 2) ? -1000000 : 5000000;
				FUZZ_CHECK(observed_add(o, fields, n, usec) >= 0);
				entries++;
			}
			n = 0;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	/* n_skipped also counts single attempts ignored inside used entries. */
	FUZZ_CHECK(o->n_entries <= entries);
	check(o);
	observed_free(o);
	return 0;
}
