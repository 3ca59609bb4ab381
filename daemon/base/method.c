/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "method.h"
#include "util.h"

const struct reset_method_spec reset_method_default_order[4] = {
    {.id = RESET_FLR},
    {.id = RESET_AF_FLR},
    {.id = RESET_PM},
    {.id = RESET_BUS},
};

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *reset_method_name(enum reset_method_id id)
{
	switch (id) {
	case RESET_FLR:
		return "flr";
	case RESET_AF_FLR:
		return "af-flr";
	case RESET_PM:
		return "pm";
	case RESET_BUS:
		return "bus";
	case RESET_KERNEL:
		return "kernel";
	case RESET_PCIBACK:
		return "pciback";
	case _RESET_METHOD_MAX:
	case _RESET_METHOD_INVALID:
		break;
	}
	return "invalid";
}

enum reset_method_id reset_method_from_name(const char *name)
{
	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		if (streq(name, reset_method_name((enum reset_method_id)i)))
			return (enum reset_method_id)i;
	return _RESET_METHOD_INVALID;
}

/* The kernel's reset_method names are short lower-case words ("flr", "acpi", "device_specific"). */
static bool kernel_method_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= RESET_KERNEL_METHOD_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int reset_method_spec_parse(const char *text, struct reset_method_spec *spec)
{
	static const char kernel_prefix[] = "kernel:";
	struct reset_method_spec s = {0};

	if (strncmp(text, kernel_prefix, strlen(kernel_prefix)) == 0) {
		const char *km = text + strlen(kernel_prefix);

		if (!kernel_method_valid(km))
			return -EINVAL;
		s.id = RESET_KERNEL;
		snprintf(s.kernel_method, sizeof(s.kernel_method), "%s", km);
	} else {
		s.id = reset_method_from_name(text);
		if (s.id < 0)
			return -EINVAL;
	}
	*spec = s;
	return 0;
}

char *reset_method_spec_format(const struct reset_method_spec *spec, char *buf, unsigned size)
{
	const char *name = reset_method_name(spec->id);

	if (spec->id == RESET_KERNEL && spec->kernel_method[0])
		snprintf(buf, size, "%s:%s", name, spec->kernel_method);
	else
		snprintf(buf, size, "%s", name);
	return buf;
}
