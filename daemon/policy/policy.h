/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reset policy: which devices are reset strictly, leniently or not at
 * all, with which methods and timings. One parser, one matcher and one
 * decision function, shared by the daemon and pcirstctl; the daemon must
 * never grow a second copy. The file format is documented in docs/policy.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcirst/sbdf.h>

#include "method.h"
#include "pci-dev.h"
#include "util.h"
#include "verdict.h"

struct json_object;

/* Ordered from strongest to weakest: a larger value is a weaker policy. */
enum policy_mode {
	POLICY_STRICT,
	POLICY_LENIENT,
	POLICY_SKIP,
	_POLICY_MODE_MAX,
};

const char *policy_mode_name(enum policy_mode m);
/* Returns the mode or -EINVAL. */
int policy_mode_from_name(const char *name);

/*
 * What a rule matches on. Several kinds may be combined ("sbdf" plus
 * "vendor"/"device" pins a slot rule to the device expected in that slot);
 * every present field must match and the most specific one ranks the rule.
 */
enum policy_specificity {
	POLICY_SPEC_DEFAULT,	/* the built-in default */
	POLICY_SPEC_CLASS,	/* class with mask */
	POLICY_SPEC_VENDOR,	/* vendor */
	POLICY_SPEC_IDS,	/* vendor + device */
	POLICY_SPEC_IDS_SUBSYS, /* vendor + device + subsystem vendor + subsystem device */
	POLICY_SPEC_SBDF,	/* one address */
	_POLICY_SPEC_MAX,
};

const char *policy_specificity_name(enum policy_specificity s);

struct policy_match {
	bool has_sbdf, has_vendor, has_device, has_subsys, has_class;
	struct pcirst_sbdf sbdf;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code, class_mask; /* 24 bits each */
};

enum policy_specificity policy_match_specificity(const struct policy_match *m);

#define POLICY_METHODS_MAX 8
/* Bounds for the timing keys, in milliseconds. */
#define POLICY_DELAY_MS_MAX   60000u
#define POLICY_TIMEOUT_MS_MIN 1u
#define POLICY_TIMEOUT_MS_MAX 60000u
#define POLICY_REASON_MAX     512u
/* Bounds the work of matching and of the overlap check. */
#define POLICY_RULES_MAX 4096u

/*
 * Knowledge about a device, not a preference: "its PM reset resets
 * nothing", "its FLR hangs it". A rule's "avoid" maps methods to the reason
 * (the Linux quirk, the report) each must never be tried on the devices the
 * rule matches. Avoided methods accumulate from every matching rule and are
 * removed from whatever order the deciding rule gives.
 */
struct policy_avoid {
	char *reason;	    /* NULL: the rule does not avoid this method */
	unsigned line, col; /* of the method's key inside "avoid" */
};

struct policy_rule {
	struct policy_match match;
	/*
	 * A rule without "policy" records only knowledge ("avoid",
	 * "extra-delay-ms" as a minimum): it never decides the mode, the
	 * order or the timings, so a shipped quirk cannot outrank an
	 * administrator's rule of lower specificity.
	 */
	bool knowledge;
	enum policy_mode mode;
	struct reset_method_spec methods[POLICY_METHODS_MAX];
	unsigned n_methods; /* 0: the automatic order */
	bool has_extra_delay, has_ready_timeout;
	uint32_t extra_delay_ms, ready_timeout_ms;
	bool allow_request_weaken;
	char *reason;				      /* NULL when none was given */
	struct policy_avoid avoid[_RESET_METHOD_MAX]; /* by enum reset_method_id */
	const char *file;			      /* owned by the policy */
	unsigned line, col;			      /* of the rule's '{' */
	unsigned index;				      /* position in load order, 0-based */
};

/*
 * A loaded policy: immutable once built, shared by reference. A reset keeps
 * the reference it started with, so a reload never changes a running reset.
 */
struct policy {
	unsigned refcount; /* atomic */
	uint64_t generation;
	struct policy_rule *rules;
	unsigned n_rules;
	char **files; /* every file that was read, in load order */
	unsigned n_files;
	struct policy_index *index; /* policy-index.c: which rules may match which IDs */
};

struct policy *policy_ref(struct policy *p);
/* Returns NULL, for "p = policy_unref(p)". */
struct policy *policy_unref(struct policy *p);
static inline void policy_unrefp(struct policy **p)
{
	if (*p)
		policy_unref(*p);
}

/* An empty policy: every device gets the built-in default. */
int policy_new_empty(struct policy **out);

/* ---- Diagnostics: "file:line:col: error: message" ---- */

enum policy_severity {
	POLICY_ERROR,
	POLICY_WARNING,
};

struct policy_diag {
	enum policy_severity severity;
	char *file;
	unsigned line, col; /* 1-based; 0 when the message concerns the whole file */
	char *msg;
};

struct policy_diags {
	struct policy_diag *v;
	unsigned n, n_errors, n_warnings;
};

_printf_(6, 7) void policy_diag_add(struct policy_diags *d, enum policy_severity sev,
				    const char *file, unsigned line, unsigned col, const char *fmt,
				    ...);
void policy_diag_format(const struct policy_diag *diag, char *buf, size_t size);
void policy_diags_print(const struct policy_diags *d, FILE *f);
void policy_diags_clear(struct policy_diags *d);

/* ---- Loading ---- */

#define POLICY_DIR_VENDOR "/usr/lib/pcirstd/policy.d"
#define POLICY_DIR_ADMIN  "/etc/pcirstd/policy.d"
/* Larger files are refused before parsing. */
#define POLICY_FILE_MAX (1024 * 1024)

/* The standard directories, lowest priority first. */
extern const char *const policy_default_dirs[2];

/*
 * Builds a policy from the *.json files of dirs (lowest priority first: a
 * file in a later directory replaces the file of the same name in an earlier
 * one; a symlink to /dev/null masks it), read in lexical order of their
 * names, followed by extra_files in the given order. A missing directory is
 * not an error. Every problem goes to diags (which may be NULL). Returns 0
 * and a new policy, or a negative errno and nothing: -EINVAL when any file
 * has an error, -ENOMEM, or the errno of an unreadable directory.
 */
int policy_load(const char *const *dirs, unsigned n_dirs, const char *const *extra_files,
		unsigned n_extra, struct policy_diags *diags, struct policy **out);

/* Parses one document from memory (tests, and "check -" on stdin); name is its file name. */
int policy_load_string(const char *name, const char *text, size_t len, struct policy_diags *diags,
		       struct policy **out);

/*
 * Adds the warnings that only make sense across rules: duplicates and
 * overlapping rules of equal specificity. policy_load() calls it.
 */
void policy_check_overlaps(const struct policy *p, struct policy_diags *diags);

/* ---- Matching ---- */

struct policy_decision {
	enum policy_mode mode;
	const struct policy_rule *rule; /* NULL: the built-in default */
	/* The order the engine gets: the rule's (or the automatic one) less every avoided method.
	 */
	struct reset_method_spec methods[POLICY_METHODS_MAX];
	unsigned n_methods;   /* 0: the automatic order, nothing avoided (or no_method) */
	bool automatic_order; /* the deciding rule names no methods */
	/* Per enum reset_method_id, the rule whose "avoid" removes it (its avoid[id]), or NULL. */
	const struct policy_rule *avoided[_RESET_METHOD_MAX];
	/* Every method of the order is avoided: nothing may be tried, the reset fails. */
	bool no_method;
	char no_method_why[WHY_MAX];
	uint32_t extra_delay_ms;
	const struct policy_rule *delay_rule; /* a knowledge rule that raised extra_delay_ms */
	uint32_t ready_timeout_ms;	      /* 0: the engine's default */
	bool allow_request_weaken;	      /* the rule's; true for the built-in default */
	/* Set by policy_apply_request(). */
	bool request_applied; /* the request changed the mode */
	bool request_refused; /* the request asked to weaken and was refused */
	char request_note[WHY_MAX];
	char origin[WHY_MAX]; /* "file:line:col" of the rule, or "built-in default" */
};

/*
 * The decision for a reset of several functions at once (n <= 8): each is
 * decided, then a skip on any skips all, strict on any makes it strict, only
 * methods every function allows are tried, the longest timings apply, and a
 * request may weaken only if every rule allows it. The result does not
 * depend on the order of info[]; the named rule is that of the lowest
 * address with the resulting mode. Returns 0, -EINVAL or -ENOMEM.
 */
#define POLICY_TARGETS_MAX		8
#define POLICY_READY_TIMEOUT_DEFAULT_MS 1000u
int policy_decide_targets(const struct policy *p, const struct pci_dev_info *info, unsigned n,
			  struct policy_decision *out);

/* Whether a rule's match fits a device; why (may be NULL) says which field did not. */
bool policy_match_device(const struct policy_match *m, const struct pci_dev_info *info,
			 struct why *why);

/*
 * The decision for a device: the most specific matching rule, the later
 * one among equals; the built-in default (strict, automatic order, a
 * request may weaken it) when no rule matches. The decision points into p:
 * keep a reference for its life.
 */
void policy_decide(const struct policy *p, const struct pci_dev_info *info,
		   struct policy_decision *out);

/* Why each rule won or lost, for "pcirstctl policy explain". */
enum policy_candidate_result {
	POLICY_CAND_WON,
	POLICY_CAND_NO_MATCH,
	POLICY_CAND_LESS_SPECIFIC,
	POLICY_CAND_OVERRIDDEN, /* equal specificity, a later rule wins */
	POLICY_CAND_KNOWLEDGE,	/* a matching rule without "policy": its avoid and delay apply */
};

const char *policy_candidate_result_name(enum policy_candidate_result r);

struct policy_candidate {
	const struct policy_rule *rule;
	enum policy_candidate_result result;
	char why[WHY_MAX];
};

/* Fills *out (malloc'ed, one entry per rule in load order) and the decision. */
int policy_explain(const struct policy *p, const struct pci_dev_info *info,
		   struct policy_decision *decision, struct policy_candidate **out, unsigned *n);

/* The decision as JSON: mode, methods, avoided methods, timings, the rule and the request's effect.
 */
int policy_decision_to_json(const struct policy_decision *d, struct json_object **out);

/* ---- Requests (qvm-pci options) ---- */

/*
 * The options a reset request may carry. "no-strict-reset" asks for lenient,
 * "no-reset" for skip; a request with neither asks for nothing.
 */
struct policy_request {
	bool has_mode;
	enum policy_mode mode;
};

/*
 * Adds one option, "name" or "name=value" (value True/False, yes/no, 1/0,
 * on/off, any case; the name alone means true). Returns 0 or -EINVAL with
 * why set (unknown option, bad value).
 */
int policy_request_add_option(struct policy_request *req, const char *option, struct why *why);

/*
 * Applies a request to a decision. A stricter (or equal) mode is always
 * granted; a weaker one only when the rule allows it (allow-request-weaken)
 * or no rule with a policy matches (the built-in default allows it).
 * A refused weakening keeps the policy's mode and sets request_refused and
 * request_note, which the caller must report.
 */
void policy_apply_request(struct policy_decision *d, const struct policy_request *req);

/* What a reset under a decision finally reports. */
enum policy_outcome {
	POLICY_OUTCOME_OK,
	POLICY_OUTCOME_FAILED,	       /* strict: the attach must fail */
	POLICY_OUTCOME_FAILED_IGNORED, /* lenient: log a warning, the attach goes on */
	POLICY_OUTCOME_SKIPPED,	       /* skip: nothing was attempted */
	POLICY_OUTCOME_ABORTED,
	POLICY_OUTCOME_REFUSED, /* the engine found it may not be reset: whatever the mode */
	_POLICY_OUTCOME_MAX,
};

const char *policy_outcome_name(enum policy_outcome o);
/* verdict is ignored for skip (no reset ran). */
enum policy_outcome policy_outcome_of(enum policy_mode mode, enum reset_verdict verdict);

/* ---- Transactional reload ---- */

struct policy_handle;

/* Takes a reference to initial (or starts with an empty policy when NULL). */
int policy_handle_new(struct policy *initial, struct policy_handle **out);
void policy_handle_free(struct policy_handle *h);
DEFINE_FREEP(struct policy_handle, policy_handle_free)

/* The current policy, with a new reference the caller must drop. */
struct policy *policy_handle_get(struct policy_handle *h);
/* Replaces the current policy atomically; takes a new reference to p. */
void policy_handle_swap(struct policy_handle *h, struct policy *p);

/*
 * Loads a complete new policy and swaps it in, or fails and leaves the
 * running policy in place (diags say why, with file:line:col). Returns 0 or
 * the negative errno of policy_load().
 */
int policy_handle_reload(struct policy_handle *h, const char *const *dirs, unsigned n_dirs,
			 struct policy_diags *diags);

/* ---- Qubes migration (pcirstctl policy from-qubes) ---- */

/*
 * Reads a qubes.xml and turns its per-assignment PCI options
 * ("no-strict-reset", "no-reset") and the older per-domain features
 * "pci-no-strict-reset/<bdf>" into a policy document (a json object with a
 * "rules" array). sysfs_root (may be NULL) resolves Qubes 4.3 PCI paths
 * ("00_1c.0-00_00.0") to addresses. Problems go to diags with the XML's
 * line:col. Returns 0, or a negative errno (-EINVAL: malformed XML).
 */
int policy_from_qubes(const char *path, const char *sysfs_root, struct policy_diags *diags,
		      struct json_object **out);
int policy_from_qubes_string(const char *name, const char *text, size_t len, const char *sysfs_root,
			     struct policy_diags *diags, struct json_object **out);

/* ---- Helpers shared with pcirstctl ---- */

/* The candidate in words closest to word (edit distance), or NULL when none is close. */
const char *policy_suggest(const char *word, const char *const *words, unsigned n);
