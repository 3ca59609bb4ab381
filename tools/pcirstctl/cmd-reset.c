/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstctl reset: a direct reset with the daemon's engine, without the daemon. */
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>

#include "ctl-util.h"
#include "engine.h"
#include "pcirstctl.h"

#define MAX_METHODS 16

static void reset_usage(FILE *f)
{
	fputs("Usage: pcirstctl reset SBDF... [--method M]... [--timeout MS] [--json]\n"
	      "\n"
	      "Resets the given PCI functions now, trying the methods in order until one\n"
	      "resets every function and verifies, and prints the trail of every attempt.\n"
	      "Several functions are one reset: per-function methods reset each in turn,\n"
	      "'bus' resets them together (every function below the bridge must be given).\n"
	      "\n"
	      "  -m, --method M    flr, af-flr, pm, bus, kernel, kernel:<reset_method>, pciback;\n"
	      "                    repeat for an order (default: flr af-flr pm bus)\n"
	      "  -t, --timeout MS  how long a function may take to answer after a reset\n"
	      "                    (default 1000)\n"
	      "      --json        print the trail as JSON\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "A method that completes but leaves a programmed BAR or Command bit as it was\n"
	      "is 'ineffective' and the next is tried. 'effect:' says whether the reset was\n"
	      "seen to happen (verified) or nothing could show it (unverified).\n"
	      "\n"
	      "Exit status: 0 reset and restored (see 'effect:'); 1 every method that ran\n"
	      "failed or was ineffective; 2 usage; 3 no method was supported or allowed\n"
	      "(nothing was done); 4 a device is missing or sysfs cannot be used.\n",
	      f);
}

static int parse_ms(const char *s, usec_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > 3600UL * 1000)
		return -EINVAL;
	*out = (usec_t)v * USEC_PER_MSEC;
	return 0;
}

/* The config spaces the look at the targets opened, for the job (reset_options.cfgs). */
struct kept_cfgs {
	unsigned n;
	struct pci_cfg *cfgs[];
};

static void kept_cfgs_freep(struct kept_cfgs **k)
{
	for (unsigned i = 0; *k && i < (*k)->n; i++)
		pci_cfg_free((*k)->cfgs[i]);
	free(*k);
}

int cmd_reset(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"method", required_argument, NULL, 'm'},
	    {"timeout", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(pci_host_freep) struct pci_host *host = NULL;
	_cleanup_(freep) struct pcirst_sbdf *targets = NULL;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;
	_cleanup_(freep) struct pci_dev_info *infos = NULL;
	_cleanup_(kept_cfgs_freep) struct kept_cfgs *kept = NULL;
	struct reset_method_spec methods[MAX_METHODS];
	struct reset_options opts = {.methods = methods};
	bool json = false;
	int c, r;

	reset_timing_default(&opts.timing);
	while ((c = getopt_long(argc, argv, "m:t:h", options, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (opts.n_methods == MAX_METHODS) {
				fprintf(stderr, "pcirstctl reset: at most %d methods\n",
					MAX_METHODS);
				return CTL_EXIT_USAGE;
			}
			if (reset_method_spec_parse(optarg, &methods[opts.n_methods]) < 0) {
				fprintf(
				    stderr,
				    "pcirstctl reset: unknown method '%s' (expected flr, af-flr, "
				    "pm, bus, kernel, kernel:<reset_method> or pciback)\n",
				    optarg);
				return CTL_EXIT_USAGE;
			}
			opts.n_methods++;
			break;
		case 't':
			if (parse_ms(optarg, &opts.timing.ready_timeout) < 0) {
				fprintf(stderr,
					"pcirstctl reset: invalid timeout '%s' (milliseconds, 1 to "
					"3600000)\n",
					optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			reset_usage(stdout);
			return CTL_EXIT_OK;
		default:
			reset_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pcirstctl reset: no device given (see pcirstctl reset --help)\n");
		return CTL_EXIT_USAGE;
	}
	if (ctl_parse_sbdfs("reset", argc - optind, argv + optind, &targets) < 0)
		return CTL_EXIT_USAGE;
	opts.targets = targets;
	opts.n_targets = (unsigned)(argc - optind);
	if (ctl_open_host("reset", g->sysfs_root, &host) < 0)
		return CTL_EXIT_ENVIRONMENT;
	infos = calloc(opts.n_targets, sizeof(*infos));
	kept = calloc(1, sizeof(*kept) + opts.n_targets * sizeof(kept->cfgs[0]));
	if (!infos || !kept) {
		fprintf(stderr, "pcirstctl reset: out of memory\n");
		return CTL_EXIT_ENVIRONMENT;
	}
	kept->n = opts.n_targets;
	/* What is read here is the job's first attempt's: handed over, not read again. */
	opts.infos = infos;
	opts.cfgs = kept->cfgs;
	for (unsigned i = 0; i < opts.n_targets; i++) {
		struct why why = {""};

		r = pci_host_info_keep_cfg(host, &targets[i], &infos[i], &kept->cfgs[i], &why);
		if (r < 0) {
			fprintf(stderr, "pcirstctl reset: %s\n",
				why.msg[0] ? why.msg : strerror(-r));
			return CTL_EXIT_ENVIRONMENT;
		}
	}
	r = reset_run_sync(host, &opts, &trail);
	if (r < 0) {
		fprintf(stderr, "pcirstctl reset: cannot run the reset: %s\n", strerror(-r));
		return CTL_EXIT_ENVIRONMENT;
	}
	if (json) {
		struct json_object *o;

		if (reset_trail_to_json(trail, &o) < 0)
			return CTL_EXIT_ENVIRONMENT;
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		reset_trail_print(trail, stdout);
		if (trail->verdict == VERDICT_OK)
			printf("effect: %s\n", reset_effect_name(trail->effect));
	}
	if (trail->verdict == VERDICT_OK)
		return CTL_EXIT_OK;
	return reset_trail_acted(trail) ? CTL_EXIT_FAILED : CTL_EXIT_REFUSED;
}
