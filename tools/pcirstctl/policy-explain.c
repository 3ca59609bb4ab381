/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl policy explain: which rule decides a device's reset and why,
 * with every other rule and the reason it lost, as text or JSON. The policy
 * library decides; this only prints it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl-util.h"
#include "engine.h"
#include "pcirstctl.h"
#include "policy.h"

enum {
	OPT_POLICY_DIR = 0x100,
	OPT_JSON
};

static void explain_usage(FILE *f)
{
	fputs(
	    "Usage: pcirstctl [--sysfs-root DIR] policy explain [--json] [--policy-dir DIR]...\n"
	    "                 [-o OPTION]... SBDF\n"
	    "\n"
	    "Reads the device's IDs from sysfs and shows the resulting policy (strict, lenient\n"
	    "or skip), its method order and timings, the rule that decided it (file:line:col),\n"
	    "and every other rule with the reason it lost.\n"
	    "\n"
	    "  --json            print JSON\n"
	    "  --policy-dir DIR  a policy directory, lowest priority first (repeatable;\n"
	    "                    default " POLICY_DIR_VENDOR " and " POLICY_DIR_ADMIN ")\n"
	    "  -o, --option OPT  a request option, as qvm-pci passes it: no-strict-reset[=True],\n"
	    "                    no-reset[=True] (repeatable)\n"
	    "  -h, --help        show this help\n",
	    f);
}

static const char *match_text(const struct policy_match *m, char *buf, size_t size)
{
	char s[PCIRST_SBDF_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...)                                                               \
	do {                                                                   \
		if (n < size)                                                  \
			n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__); \
	} while (0)
	if (m->has_sbdf)
		ADD("sbdf %s ", pcirst_sbdf_format(&m->sbdf, s));
	if (m->has_vendor)
		ADD("vendor 0x%04x ", m->vendor);
	if (m->has_device)
		ADD("device 0x%04x ", m->device);
	if (m->has_subsys)
		ADD("subsystem %04x:%04x ", m->subsys_vendor, m->subsys_device);
	if (m->has_class)
		ADD("class 0x%06x/0x%06x ", (unsigned)m->class_code, (unsigned)m->class_mask);
#undef ADD
	if (n && n <= size)
		buf[n - 1] = '\0';
	return buf;
}

static void explain_text(const struct pci_dev_info *info, const struct policy_decision *d,
			 const struct policy_candidate *cand, unsigned n)
{
	const struct reset_method_spec *m =
	    d->n_methods || d->no_method ? d->methods : reset_method_default_order;
	unsigned nm =
	    d->n_methods || d->no_method ? d->n_methods : ELEMENTSOF(reset_method_default_order);
	/* How many methods the deciding rule (or the automatic order) named before avoidance. */
	unsigned n_ordered = d->automatic_order || !d->rule ? ELEMENTSOF(reset_method_default_order)
							    : d->rule->n_methods;
	char s[PCIRST_SBDF_STRLEN], buf[256];
	struct reset_timing t;

	reset_timing_default(&t);
	printf("device:  %s  %04x:%04x  subsystem %04x:%04x  class %06x\n",
	       pcirst_sbdf_format(&info->sbdf, s), info->vendor, info->device, info->subsys_vendor,
	       info->subsys_device, (unsigned)info->class_code);
	printf("policy:  %s\n", policy_mode_name(d->mode));
	if (d->rule)
		printf("rule:    %s (%s: %s)\n", d->origin,
		       policy_specificity_name(policy_match_specificity(&d->rule->match)),
		       match_text(&d->rule->match, buf, sizeof(buf)));
	else
		printf("rule:    none matched; built-in default\n");
	if (d->rule && d->rule->reason)
		printf("reason:  %s\n", d->rule->reason);
	if (d->mode != POLICY_SKIP) {
		printf("methods:%s", d->no_method ? " none left, the reset fails" : "");
		for (unsigned i = 0; i < nm; i++)
			printf("%s%s", i ? ", " : " ", reset_method_spec_format(&m[i], buf, 48));
		if (d->automatic_order || nm < n_ordered)
			printf(" (%s%s%s)", d->automatic_order ? "automatic order" : "",
			       d->automatic_order && nm < n_ordered ? ", " : "",
			       nm < n_ordered ? "less avoided methods" : "");
		printf("\n");
		ctl_print_avoided(stdout, d, "avoided: ", "         ");
		printf("timing:  extra delay %u ms%s%s, ready timeout %llu ms%s\n",
		       d->extra_delay_ms, d->delay_rule ? " from " : "",
		       d->delay_rule ? d->delay_rule->file : "",
		       d->ready_timeout_ms ? (unsigned long long)d->ready_timeout_ms
					   : (unsigned long long)(t.ready_timeout / USEC_PER_MSEC),
		       d->ready_timeout_ms ? "" : " (default)");
	}
	printf("requests may weaken: %s\n", !d->allow_request_weaken ? "no"
					    : d->rule
						? "yes"
						: "yes (built-in default: no rule with a policy "
						  "matches)");
	if (d->request_applied || d->request_refused)
		printf("request: %s\n", d->request_note);
	if (n)
		printf("rules considered:\n");
	for (unsigned i = 0; i < n; i++)
		printf("  %-13s %s:%u:%u  %s\n", policy_candidate_result_name(cand[i].result),
		       cand[i].rule->file, cand[i].rule->line, cand[i].rule->col, cand[i].why);
}

static int explain_json(const struct pci_dev_info *info, const struct policy_decision *d,
			const struct policy_candidate *cand, unsigned n)
{
	struct json_object *o = json_object_new_object(), *dev = json_object_new_object();
	struct json_object *dec = NULL, *arr = json_object_new_array();
	char s[PCIRST_SBDF_STRLEN], hex[16], buf[256];

	if (!o || !dev || !arr || policy_decision_to_json(d, &dec) < 0) {
		json_object_put(o);
		json_object_put(dev);
		json_object_put(arr);
		return CTL_EXIT_ENVIRONMENT;
	}
#define HEX(key, w, v)                                                         \
	do {                                                                   \
		snprintf(hex, sizeof(hex), "0x%0*x", w, (unsigned)(v));        \
		json_object_object_add(dev, key, json_object_new_string(hex)); \
	} while (0)
	json_object_object_add(dev, "sbdf",
			       json_object_new_string(pcirst_sbdf_format(&info->sbdf, s)));
	HEX("vendor", 4, info->vendor);
	HEX("device", 4, info->device);
	HEX("subsystem-vendor", 4, info->subsys_vendor);
	HEX("subsystem-device", 4, info->subsys_device);
	HEX("class", 6, info->class_code);
#undef HEX
	json_object_object_add(o, "device", dev);
	json_object_object_add(o, "decision", dec);
	for (unsigned i = 0; i < n; i++) {
		struct json_object *c = json_object_new_object();

		if (!c)
			break;
		json_object_object_add(c, "file", json_object_new_string(cand[i].rule->file));
		json_object_object_add(c, "line", json_object_new_int((int)cand[i].rule->line));
		json_object_object_add(c, "column", json_object_new_int((int)cand[i].rule->col));
		json_object_object_add(c, "specificity",
				       json_object_new_string(policy_specificity_name(
					   policy_match_specificity(&cand[i].rule->match))));
		json_object_object_add(
		    c, "match",
		    json_object_new_string(match_text(&cand[i].rule->match, buf, sizeof(buf))));
		json_object_object_add(
		    c, "policy",
		    cand[i].rule->knowledge
			? NULL
			: json_object_new_string(policy_mode_name(cand[i].rule->mode)));
		json_object_object_add(
		    c, "result",
		    json_object_new_string(policy_candidate_result_name(cand[i].result)));
		json_object_object_add(c, "why", json_object_new_string(cand[i].why));
		json_object_array_add(arr, c);
	}
	json_object_object_add(o, "rules", arr);
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return CTL_EXIT_OK;
}

int cmd_policy_explain(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"policy-dir", required_argument, NULL, OPT_POLICY_DIR},
	    {"option", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	_cleanup_(pci_host_freep) struct pci_host *host = NULL;
	_cleanup_(freep) struct policy_candidate *cand = NULL;
	struct policy_request req = {0};
	struct policy_decision d;
	struct pci_dev_info info;
	struct pcirst_sbdf sbdf;
	struct why why = {""};
	const char *dirs[CTL_POLICY_DIRS_MAX];
	unsigned n_dirs = 0, n = 0;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_POLICY_DIR:
			if (ctl_add_policy_dir("policy", dirs, &n_dirs, optarg) < 0)
				return CTL_EXIT_USAGE;
			break;
		case 'o':
			if (policy_request_add_option(&req, optarg, &why) < 0) {
				fprintf(stderr, "pcirstctl policy explain: %s\n", why.msg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			explain_usage(stdout);
			return CTL_EXIT_OK;
		default:
			explain_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		explain_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (pcirst_sbdf_parse(argv[optind], &sbdf) < 0) {
		fprintf(stderr,
			"pcirstctl policy explain: invalid PCI address '%s' (expected DDDD:BB:DD.F "
			"or BB:DD.F in hex)\n",
			argv[optind]);
		return CTL_EXIT_USAGE;
	}
	r = ctl_load_policy(dirs, n_dirs, &p);
	if (r < 0)
		return ctl_load_failure(r);
	if (ctl_open_host("policy explain", g->sysfs_root, &host) < 0)
		return CTL_EXIT_ENVIRONMENT;
	r = pci_host_info(host, &sbdf, &info, &why);
	if (r < 0) {
		fprintf(stderr, "pcirstctl policy explain: %s: %s\n", argv[optind],
			why.msg[0] ? why.msg : strerror(-r));
		return CTL_EXIT_ENVIRONMENT;
	}
	if (policy_explain(p, &info, &d, &cand, &n) < 0)
		return CTL_EXIT_ENVIRONMENT;
	policy_apply_request(&d, &req);
	if (json)
		return explain_json(&info, &d, cand, n);
	explain_text(&info, &d, cand, n);
	return CTL_EXIT_OK;
}
