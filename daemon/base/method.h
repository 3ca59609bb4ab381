/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reset method identities and their spelling, shared by the engine, the
 * policy files and the tools ("flr", "af-flr", "pm", "bus", "kernel",
 * "kernel:<reset_method>", "pciback").
 */
#pragma once

#include <stdbool.h>

enum reset_method_id {
	RESET_FLR,
	RESET_AF_FLR,
	RESET_PM,
	RESET_BUS,
	RESET_KERNEL,
	RESET_PCIBACK,
	_RESET_METHOD_MAX,
	_RESET_METHOD_INVALID = -22, /* -EINVAL */
};

/* What the kernel's reset_method attribute may name (Linux 5.15+): "flr", "bus", ... */
#define RESET_KERNEL_METHOD_MAX 24

struct reset_method_spec {
	enum reset_method_id id;
	/* For RESET_KERNEL: the reset_method to select first, "" for the kernel's own order. */
	char kernel_method[RESET_KERNEL_METHOD_MAX];
};

const char *reset_method_name(enum reset_method_id id);
enum reset_method_id reset_method_from_name(const char *name);

/*
 * Parses "flr", "kernel", "kernel:bus", ... into spec. Returns 0 or -EINVAL
 * (unknown name, or an empty or malformed kernel method).
 */
int reset_method_spec_parse(const char *text, struct reset_method_spec *spec);
/* Formats spec as it is parsed; returns buf. */
char *reset_method_spec_format(const struct reset_method_spec *spec, char *buf, unsigned size);

/* The automatic order when nothing else is configured: FLR, AF-FLR, PM, bus. */
extern const struct reset_method_spec reset_method_default_order[4];
