/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxl patch (docs/libxl/) loads libpcirst with dlopen() and carries
 * its own copy of the few declarations it needs, so that libxl builds
 * without pcirstd. This file holds that copy against include/pcirst/pcirst.h:
 * build-libxl.sh extracts the block from the patched libxl_pci.c into
 * pcirstd-abi.h and compiles this file; any drift in a layout, an enum value
 * or a function type is a compile error. Run, it prints the library name the
 * patch dlopen()s, for the script to compare with libpcirst's SONAME.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcirst/pcirst.h>

/* The patch's opaque handles are libpcirst's own. */
#define pcirstd	       pcirst
#define pcirstd_result pcirst_result
#include "pcirstd-abi.h"

#define SAME_FIELD(a, b, f)                                                          \
	_Static_assert(offsetof(struct a, f) == offsetof(struct b, f) &&             \
			   sizeof(((struct a *)0)->f) == sizeof(((struct b *)0)->f), \
		       #a "." #f " differs from " #b "." #f)

SAME_FIELD(pcirstd_sbdf, pcirst_sbdf, domain);
SAME_FIELD(pcirstd_sbdf, pcirst_sbdf, bus);
SAME_FIELD(pcirstd_sbdf, pcirst_sbdf, dev);
SAME_FIELD(pcirstd_sbdf, pcirst_sbdf, fn);
_Static_assert(sizeof(struct pcirstd_sbdf) == sizeof(struct pcirst_sbdf), "sbdf size");

SAME_FIELD(pcirstd_request, pcirst_request, targets);
SAME_FIELD(pcirstd_request, pcirst_request, n_targets);
SAME_FIELD(pcirstd_request, pcirst_request, domid);
SAME_FIELD(pcirstd_request, pcirst_request, reason);
SAME_FIELD(pcirstd_request, pcirst_request, options);
_Static_assert(sizeof(struct pcirstd_request) == sizeof(struct pcirst_request), "request size");

_Static_assert(sizeof(enum pcirstd_result_kind) == sizeof(enum pcirst_result_kind), "enum size");
_Static_assert(PCIRSTD_RESULT_OK == (int)PCIRST_RESULT_OK, "ok");
_Static_assert(PCIRSTD_RESULT_FAILED == (int)PCIRST_RESULT_FAILED, "failed");
_Static_assert(PCIRSTD_RESULT_FAILED_IGNORED == (int)PCIRST_RESULT_FAILED_IGNORED,
	       "failed-ignored");
_Static_assert(PCIRSTD_RESULT_SKIPPED == (int)PCIRST_RESULT_SKIPPED, "skipped");
_Static_assert(PCIRSTD_RESULT_REFUSED == (int)PCIRST_RESULT_REFUSED, "refused");

#define FIELD_TYPE(f) __typeof__(((pcirstd_lib *)0)->f)
#define SAME_FN(f)                                                                           \
	_Static_assert(__builtin_types_compatible_p(FIELD_TYPE(f), __typeof__(&pcirst_##f)), \
		       "pcirstd_lib." #f " differs from pcirst_" #f "()")

SAME_FN(open);
SAME_FN(close);
SAME_FN(daemon_ready);
SAME_FN(result_method);
SAME_FN(result_policy);
SAME_FN(result_rule);
SAME_FN(result_error);
SAME_FN(result_free);

/* These two differ only by the patch's own request and enum types, checked above. */
_Static_assert(__builtin_types_compatible_p(FIELD_TYPE(request_sync),
					    int (*)(struct pcirst *, const struct pcirstd_request *,
						    unsigned int, struct pcirst_result **)),
	       "request_sync");
_Static_assert(__builtin_types_compatible_p(__typeof__(&pcirst_request_sync),
					    int (*)(struct pcirst *, const struct pcirst_request *,
						    unsigned int, struct pcirst_result **)),
	       "pcirst_request_sync");
_Static_assert(
    __builtin_types_compatible_p(FIELD_TYPE(result_kind),
				 enum pcirstd_result_kind (*)(const struct pcirst_result *)),
    "result_kind");
_Static_assert(
    __builtin_types_compatible_p(__typeof__(&pcirst_result_kind),
				 enum pcirst_result_kind (*)(const struct pcirst_result *)),
    "pcirst_result_kind");

int main(void)
{
	puts(PCIRSTD_LIBRARY);
	return 0;
}
