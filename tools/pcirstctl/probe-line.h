/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstctl probe's default output: one line per function, for people. */
#pragma once

#include <stdio.h>

#include "engine.h"
#include "observed.h"
#include "policy.h"

void probe_line_header(FILE *f);
/* d: the policy's decision for the function, NULL without a policy. */
void probe_line_print(const struct probe_result *p, const struct policy_decision *d,
		      const struct obs_device *od, FILE *f);
