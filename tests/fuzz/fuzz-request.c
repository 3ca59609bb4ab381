/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request as a guest-reachable store could hold it: an id line, then
 * "name=value" lines (values may hold any byte but '\n', NUL included, as
 * xenstore values may). Either a request whose every part is in range, or
 * a refusal with a one-line reason; never both, never a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "request.h"

#define FIELDS_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_field fields[FIELDS_MAX];
	char *copy = malloc(size + 1), *p, *end, *id;
	struct request req;
	struct why why = {""};
	unsigned n = 0;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	id = copy;
	p = memchr(copy, '\n', size);
	if (p)
		*p++ = '\0';
	else
		p = end;
	while (p < end && n < FIELDS_MAX) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;

		if (!nl)
			nl = end;
		*nl = '\0';
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			*eq = '\0';
			fields[n++] = (struct request_field){
			    .name = p, .value = eq + 1, .len = (unsigned)(nl - eq - 1)};
		}
		p = nl + 1;
	}
	r = request_parse(id, fields, n, &req, &why);
	if (r == 0) {
		FUZZ_CHECK(request_id_valid(req.id));
		FUZZ_CHECK(req.n_targets >= 1 && req.n_targets <= REQUEST_TARGETS_MAX);
		for (unsigned i = 0; i < req.n_targets; i++)
			FUZZ_CHECK(req.targets[i].dev <= 0x1f && req.targets[i].fn <= 7);
		FUZZ_CHECK(req.domid >= -1 && req.domid <= REQUEST_DOMID_MAX);
		FUZZ_CHECK(req.reason >= 0 && req.reason < _REQUEST_REASON_MAX);
		FUZZ_CHECK(request_reason_name(req.reason));
		FUZZ_CHECK(strlen(req.options_text) <= REQUEST_VALUE_MAX);
	} else {
		FUZZ_CHECK(r == -EINVAL && why.msg[0] && !strchr(why.msg, '\n'));
	}
	free(copy);
	return 0;
}
