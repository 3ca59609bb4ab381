/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "log.h"

static int max_level = LOG_INFO;
static int prefix = -1; /* "<N>" prefixes: only when stderr is not a terminal */

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

int log_level_from_name(const char *name)
{
	static const char *const names[] = {"emerg",   "alert",	 "crit", "err",
					    "warning", "notice", "info", "debug"};

	for (int i = 0; i < 8; i++)
		if (streq(name, names[i]) || (name[0] == '0' + i && !name[1]))
			return i;
	return -EINVAL;
}

void log_msg(int priority, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int saved = errno;

	if (priority > max_level)
		return;
	if (prefix < 0)
		prefix = !isatty(STDERR_FILENO);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (prefix)
		fprintf(stderr, "<%d>%s\n", priority, buf);
	else
		fprintf(stderr, "pcirstd: %s\n", buf);
	errno = saved;
}
