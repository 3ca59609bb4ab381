/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verdict.h"

/* A switch without default: -Wswitch (an error in CI) names a value added without a name. */
const char *reset_verdict_name(enum reset_verdict v)
{
	switch (v) {
	case VERDICT_OK:
		return "ok";
	case VERDICT_FAILED:
		return "failed";
	case VERDICT_ABORTED:
		return "aborted";
	case VERDICT_REFUSED:
		return "refused";
	case _VERDICT_MAX:
		break;
	}
	return "invalid";
}
