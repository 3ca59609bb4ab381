/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault table's scenarios (scenarios.c, scenarios-load.c); each fills one row. */
#pragma once

#include "rig.h"

struct scale {
	unsigned flood;	    /* requests in the flood (10,000 in the full table) */
	unsigned hup_flood; /* requests during the SIGHUP storm */
	const char *valgrind;
};

void scn_vanish(struct row *row, const struct scale *s);
void scn_never_ready(struct row *row, const struct scale *s);
void scn_hostile(struct row *row, const struct scale *s);
void scn_xenstored_restart(struct row *row, const struct scale *s);
void scn_daemon_killed(struct row *row, const struct scale *s);
void scn_malformed(struct row *row, const struct scale *s);
void scn_flood(struct row *row, const struct scale *s);
void scn_hup_flood(struct row *row, const struct scale *s);

/* The policy every scenario starts from: 03:00.0 skip, 01:00.0 slow (extra delay). */
extern const char scn_policy[];
/* Sets row->bad with a note when cond is false. */
void scn_expect(struct row *row, bool cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rig_start or a note; false when the row cannot run. */
bool scn_start(struct rig *r, struct row *row, const struct scale *s, const char *policy);
/* rig_sweep, rig_tally, rig_stop; the general expectations: nothing lost, twice, crashed. */
void scn_finish(struct rig *r, struct row *row);
