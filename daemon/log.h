/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operational log lines (not the audit trail, see audit.h): to stderr with
 * the sd-daemon "<N>" priority prefix, which journald turns into PRIORITY=
 * when it runs the service; plain text in a terminal.
 */
#pragma once

#include <syslog.h>

#include "util.h"

/* Messages above this priority (numerically) are dropped; default LOG_INFO. */
void log_set_max_level(int level);
int log_get_max_level(void);
/* Parses "err", "warning", "notice", "info", "debug" (or 0-7); -EINVAL otherwise. */
int log_level_from_name(const char *name);

_printf_(2, 3) void log_msg(int priority, const char *fmt, ...);

#define log_err(...)	 log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(LOG_DEBUG, __VA_ARGS__)
