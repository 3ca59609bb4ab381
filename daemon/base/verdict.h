/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a reset ended, as the engine reports it and the policy judges it. */
#pragma once

enum reset_verdict {
	VERDICT_OK,	 /* a method reset every function, restored and verified it */
	VERDICT_FAILED,	 /* no method succeeded */
	VERDICT_ABORTED, /* stopped from outside before an outcome */
	VERDICT_REFUSED, /* no method may reset it, whatever the policy: nothing was tried */
	_VERDICT_MAX,
};

const char *reset_verdict_name(enum reset_verdict v);
