/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl policy suggest: turns what this host has seen (observed.c) into
 * knowledge rules ("avoid") for an administrator to review and adopt. It
 * prints the policy file on stdout and its explanations on stderr, and
 * writes nothing anywhere: a method is never avoided behind anyone's back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "observed.h"
#include "pcirstctl.h"

#define REASON_MAX 512 /* POLICY_REASON_MAX: what a rule's reason may hold */
#define ADOPT_PATH "/etc/pcirstd/policy.d/60-observed.json"

static void suggest_usage(FILE *f)
{
	fputs("Usage: pcirstctl policy suggest [--journal-dir DIR] [--since TIME]\n"
	      "\n"
	      "Reads pcirstd's reset entries from the journal and prints, as a policy file,\n"
	      "one knowledge rule per device ID (vendor:device, and the subsystem when every\n"
	      "entry agrees on it) that avoids each method this host found ineffective, with\n"
	      "the count, the dates and the last evidence in its reason. A method that also\n"
	      "reset the device with a verified effect is not suggested (stderr says why).\n"
	      "Only entries logged by root count. Nothing is written: review the output, then\n"
	      "save it as " ADOPT_PATH " to adopt it.\n"
	      "\n"
	      "Exit status: 0 printed (possibly no rules), 2 usage, 4 journal unreadable.\n"
	      "\n"
	      "  --journal-dir DIR  read the journal files in DIR (e.g. a copied journal)\n"
	      "                     instead of the local journal\n"
	      "  --since TIME       only entries from TIME on: @SECONDS, YYYY-MM-DD or\n"
	      "                     'YYYY-MM-DD HH:MM:SS' (local time)\n"
	      "  -h, --help         show this help\n",
	      f);
}

static void add_hex(struct json_object *o, const char *key, unsigned v)
{
	char s[8];

	snprintf(s, sizeof(s), "0x%04x", v);
	json_object_object_add(o, key, json_object_new_string(s));
}

static void format_reason(const struct obs_method *m, char *buf, size_t size)
{
	char first[16], last[16];
	size_t n;

	n = (size_t)snprintf(buf, size,
			     "observed ineffective %u time%s on this host, %s \xe2\x80\xa6 %s, "
			     "last: %s on %s",
			     m->ineffective, m->ineffective == 1 ? "" : "s",
			     observed_format_time(m->first, true, first, sizeof(first)),
			     observed_format_time(m->last, true, last, sizeof(last)),
			     m->evidence[0] ? m->evidence : "(no evidence recorded)", m->last_sbdf);
	for (unsigned i = 0; m->n_sbdfs > 1 && i < m->n_sbdfs && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s",
				      i ? ", " : " (functions: ", m->sbdfs[i],
				      i + 1 == m->n_sbdfs ? ")" : "");
	if (n < size)
		snprintf(buf + n, size - n, "; suggested by pcirstctl policy suggest");
}

/* Whether method i is suggested; says on stderr why an observed one is not. */
static bool suggested(const struct obs_device *d, unsigned i)
{
	const struct obs_method *m = &d->m[i];

	if (!m->ineffective)
		return false;
	if (!m->effective)
		return true;
	fprintf(stderr,
		"pcirstctl policy suggest: %04x:%04x %s: not suggested: ineffective %u time%s, "
		"but it also reset the device with a verified effect %u time%s; look at the "
		"evidence before avoiding it\n",
		d->vendor, d->device, reset_method_name(i), m->ineffective,
		m->ineffective == 1 ? "" : "s", m->effective, m->effective == 1 ? "" : "s");
	return false;
}

/* The rule for one device ID, or NULL when nothing is suggested for it. */
static struct json_object *device_rule(const struct obs_device *d)
{
	struct json_object *rule, *match, *avoid = json_object_new_object();
	char reason[REASON_MAX + 1];

	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
		if (!suggested(d, i))
			continue;
		format_reason(&d->m[i], reason, sizeof(reason));
		json_object_object_add(avoid, reset_method_name(i), json_object_new_string(reason));
	}
	if (json_object_object_length(avoid) == 0) {
		json_object_put(avoid);
		return NULL;
	}
	rule = json_object_new_object();
	match = json_object_new_object();
	add_hex(match, "vendor", d->vendor);
	add_hex(match, "device", d->device);
	/* Narrower only when every entry agrees; otherwise the ID is what was seen. */
	if (d->has_subsys && !d->subsys_mixed) {
		add_hex(match, "subsystem-vendor", d->subsys_vendor);
		add_hex(match, "subsystem-device", d->subsys_device);
	}
	json_object_object_add(rule, "match", match);
	json_object_object_add(rule, "avoid", avoid);
	return rule;
}

static int print_suggestion(const struct observed *o)
{
	struct json_object *doc = json_object_new_object(), *rules = json_object_new_array();
	size_t n;

	for (unsigned i = 0; i < o->n_devs; i++) {
		struct json_object *r = device_rule(&o->devs[i]);

		if (r)
			json_object_array_add(rules, r);
	}
	n = json_object_array_length(rules);
	json_object_object_add(doc, "rules", rules);
	if (n == 0) {
		fprintf(stderr,
			"pcirstctl policy suggest: no reset method was observed ineffective on "
			"this host (%u reset entr%s read); nothing to suggest\n",
			o->n_entries, o->n_entries == 1 ? "y" : "ies");
		puts("{ \"rules\": [] }");
	} else {
		fprintf(stderr,
			"pcirstctl policy suggest: %zu rule%s from %u reset entr%s; review, then "
			"save as " ADOPT_PATH " to adopt (nothing was changed)\n",
			n, n == 1 ? "" : "s", o->n_entries, o->n_entries == 1 ? "y" : "ies");
		puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	if (o->n_skipped)
		fprintf(
		    stderr, "pcirstctl policy suggest: %u malformed entr%s or attempt%s ignored\n",
		    o->n_skipped, o->n_skipped == 1 ? "y" : "ies", o->n_skipped == 1 ? "" : "s");
	json_object_put(doc);
	return CTL_EXIT_OK;
}

int cmd_policy_suggest(int argc, char **argv)
{
	static const struct option options[] = {
	    {"journal-dir", required_argument, NULL, 'D'},
	    {"since", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(observed_freep) struct observed *o = NULL;
	struct observed_options opt = {0};
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'D':
			opt.journal_dir = optarg;
			break;
		case 'S':
			if (observed_parse_since(optarg, &opt.since) < 0) {
				fprintf(stderr,
					"pcirstctl policy suggest: invalid time '%s' (expected "
					"@SECONDS, YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS')\n",
					optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			suggest_usage(stdout);
			return CTL_EXIT_OK;
		default:
			suggest_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		suggest_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	r = observed_read(&opt, &o);
	if (r < 0) {
		fprintf(stderr, "pcirstctl policy suggest: cannot read the journal%s%s: %s\n",
			opt.journal_dir ? " in " : "", opt.journal_dir ?: "", strerror(-r));
		return CTL_EXIT_ENVIRONMENT;
	}
	return print_suggestion(o);
}
