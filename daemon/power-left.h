/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The power/control values a stopping pcirstd could not put back
 * (power-late.h), kept for the next one in the file power-left of its
 * runtime directory (systemd's RuntimeDirectory=pcirstd, /run/pcirstd:
 * kept across restarts, gone at reboot, when every power/control is the
 * kernel's again): one "SBDF VALUE" line each.
 */
#pragma once

#include <pcirst/sbdf.h>

#include "manager.h"

#define POWER_LEFT_NAME "power-left"
/* At most this many records are read back; a longer file is cut (and said). */
#define POWER_LEFT_MAX 256

struct power_left {
	struct pcirst_sbdf sbdf;
	char value[8]; /* "auto" or "on" */
};

/* Appends one record to path (created 0600). 0 or -errno. */
int power_left_save(const char *path, const struct pcirst_sbdf *sbdf, const char *value);
/*
 * Reads path's records into *out (malloc'ed, *n of them) and removes the
 * file; malformed lines are skipped and counted in *bad. 0 (an absent file:
 * none), or -errno.
 */
int power_left_take(const char *path, struct power_left **out, unsigned *n, unsigned *bad);

/* manager_power_keeper.save for the file at userdata (a path). */
int power_left_keep(void *userdata, const struct pcirst_sbdf *sbdf, const char *value);
/* At start: takes the file at path and hands each record to manager_power_inherit() (logged). */
void power_left_inherit(const char *path, struct manager *m);
