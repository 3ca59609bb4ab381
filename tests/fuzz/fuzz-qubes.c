/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qubes.xml from arbitrary bytes: a policy document or an error with
 * line:col, and the document it produces always loads as a policy.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags = {0};
	struct json_object *doc = NULL;
	int r;

	/* No sysfs root: Qubes 4.3 path names stay unresolved, nothing outside is read. */
	r = policy_from_qubes_string("qubes.xml", (const char *)data, size, NULL, &diags, &doc);
	if (r == 0) {
		struct policy *p = NULL;
		const char *text;

		FUZZ_CHECK(doc);
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
		FUZZ_CHECK(text);
		policy_diags_clear(&diags);
		/* What the import writes, the loader reads. */
		r = policy_load_string("from-qubes.json", text, strlen(text), &diags, &p);
		if (r != 0)
			policy_diags_print(&diags, stderr);
		FUZZ_CHECK(r == 0 || r == -ENOMEM);
		policy_unref(p);
		json_object_put(doc);
	} else {
		FUZZ_CHECK(!doc && (r == -ENOMEM || diags.n_errors > 0));
	}
	policy_diags_clear(&diags);
	return 0;
}
