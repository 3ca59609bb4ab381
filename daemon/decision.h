/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the policy meets the engine: a policy decision turned into reset
 * options. The two libraries know nothing of each other; the daemon joins them.
 */
#pragma once

#include "engine.h"
#include "policy.h"

/*
 * Copies the decision's methods and timings into reset options
 * (opts->targets untouched). Returns 0, or -ENOENT when every method is
 * avoided (d->no_method): the caller must then fail the reset with
 * d->no_method_why instead of starting it. Even a caller that does not check
 * cannot reset with an avoided method: opts then names one invalid method,
 * which reset_job_new() refuses with -EINVAL.
 */
int policy_decision_to_reset_options(const struct policy_decision *d, struct reset_options *opts);
