/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this host has seen: pcirstd's reset entries in the journal
 * (docs/audit.md), aggregated per device ID (PCI_ID) and method into how
 * often the method was found ineffective and how often it reset with a
 * verified effect. Read-only; "pcirstctl policy suggest" turns it into
 * knowledge rules for an administrator to review, "pcirstctl probe" shows it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pcirst/sbdf.h>

#include "method.h"
#include "util.h"

#define OBS_EVIDENCE_MAX 200 /* bytes of the latest evidence kept, cut at a character */
#define OBS_SBDFS_MAX	 4   /* distinct functions remembered per method */
#define OBS_DEVICES_MAX	 1024

struct obs_method {
	unsigned ineffective; /* RESET_ATTEMPT=<m> <sbdf> ineffective … */
	unsigned effective;   /* RESULT=ok, RESET_METHOD=<m>, RESET_EFFECT=verified */
	uint64_t first, last; /* realtime µs of the first and last ineffective attempt */
	char evidence[OBS_EVIDENCE_MAX + 1]; /* the last one's, sanitized */
	char last_sbdf[PCIRST_SBDF_STRLEN];  /* where the last one was seen */
	char sbdfs[OBS_SBDFS_MAX][PCIRST_SBDF_STRLEN];
	unsigned n_sbdfs;
};

struct obs_device {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device; /* of the first entry that had one */
	bool has_subsys, subsys_mixed;	       /* mixed: entries disagree or some lack it */
	struct obs_method m[_RESET_METHOD_MAX];
};

struct observed {
	struct obs_device *devs;
	unsigned n_devs;
	unsigned n_entries; /* reset entries used */
	unsigned n_skipped; /* reset entries or attempts ignored as malformed */
};

struct observed_options {
	const char *journal_dir; /* NULL: the local journal */
	uint64_t since;		 /* realtime µs; 0: everything */
};

/*
 * Reads the reset entries (ok, failed, failed-ignored, aborted) written by
 * root. Returns 0, or the negative errno of opening the journal. Malformed
 * entries are counted in n_skipped, never an error.
 */
int observed_read(const struct observed_options *opt, struct observed **out);
void observed_free(struct observed *o);
DEFINE_FREEP(struct observed, observed_free)

/* The record of vendor:device, or NULL. */
const struct obs_device *observed_find(const struct observed *o, uint16_t vendor, uint16_t device);

/*
 * Adds one entry, given as its fields ("NAME=value", not NUL-terminated,
 * as sd_journal_enumerate_data() returns them), logged at usec. Pure, so the
 * parsing can be tested without a journal. Returns 0 used, 1 skipped.
 */
struct obs_field {
	const char *data;
	size_t len;
};
int observed_add(struct observed *o, const struct obs_field *fields, unsigned n, uint64_t usec);

/* "@SECONDS", "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (local time). 0 or -EINVAL. */
int observed_parse_since(const char *s, uint64_t *usec);

/* usec as "YYYY-MM-DD" (date_only) or "YYYY-MM-DDTHH:MM:SSZ", in UTC. */
char *observed_format_time(uint64_t usec, bool date_only, char *buf, size_t size);

/* pcirstctl policy suggest (policy-suggest.c): argv[0] is "suggest". */
int cmd_policy_suggest(int argc, char **argv);
