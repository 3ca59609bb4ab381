/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decision.h"

int policy_decision_to_reset_options(const struct policy_decision *d, struct reset_options *opts)
{
	/* Not a method the engine knows: a caller that ignores -ENOENT still resets nothing. */
	static const struct reset_method_spec none = {.id = _RESET_METHOD_INVALID};

	opts->methods = d->n_methods ? d->methods : NULL;
	opts->n_methods = d->n_methods;
	if (d->ready_timeout_ms)
		opts->timing.ready_timeout = (usec_t)d->ready_timeout_ms * USEC_PER_MSEC;
	opts->timing.extra_delay = (usec_t)d->extra_delay_ms * USEC_PER_MSEC;
	if (!d->no_method)
		return 0;
	opts->methods = &none;
	opts->n_methods = 1;
	return -ENOENT;
}
