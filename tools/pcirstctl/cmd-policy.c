/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl policy check|explain|from-qubes|suggest: the policy library the daemon
 * uses, driven from the command line. Nothing here parses or matches on its
 * own; it only prints what the library decided.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "ctl-util.h"
#include "observed.h"
#include "pcirstctl.h"
#include "policy.h"

#define QUBES_XML_DEFAULT "/var/lib/qubes/qubes.xml"

static void policy_usage(FILE *f)
{
	fputs("Usage: pcirstctl policy COMMAND [ARGS...]\n"
	      "\n"
	      "Commands:\n"
	      "  check [FILE|DIR...]       validate policy files (default: the policy.d "
	      "directories)\n"
	      "  explain SBDF              show which rule decides a device's reset, and why\n"
	      "  from-qubes [qubes.xml]    print a policy file made from Qubes PCI options\n"
	      "  suggest                   print rules avoiding what this host saw ineffective\n"
	      "\n"
	      "'pcirstctl policy COMMAND --help' describes each command. See pcirstd.policy(5).\n",
	      f);
}

static void check_usage(FILE *f)
{
	fputs("Usage: pcirstctl policy check [--policy-dir DIR]... [-q] [FILE|DIR...]\n"
	      "\n"
	      "Validates reset policy files as pcirstd would load them and prints every problem\n"
	      "as FILE:LINE:COL: error|warning: MESSAGE. Without arguments, checks the policy\n"
	      "directories (" POLICY_DIR_VENDOR " then " POLICY_DIR_ADMIN ",\n"
	      "or the --policy-dir ones). DIR arguments are layered like those directories\n"
	      "(a later file of the same name replaces an earlier one); FILE arguments are read\n"
	      "after them, in order; '-' reads standard input.\n"
	      "\n"
	      "Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage, 4 unreadable.\n"
	      "\n"
	      "  --policy-dir DIR  a policy directory, lowest priority first (repeatable)\n"
	      "  -q, --quiet       print only the diagnostics\n"
	      "  -h, --help        show this help\n",
	      f);
}

static void from_qubes_usage(FILE *f)
{
	fputs("Usage: pcirstctl [--sysfs-root DIR] policy from-qubes [qubes.xml]\n"
	      "\n"
	      "Prints a policy file (JSON) made from the PCI assignment options of a qubes.xml\n"
	      "(default " QUBES_XML_DEFAULT "): no-strict-reset becomes lenient, no-reset\n"
	      "becomes skip; the Qubes 4.0 features pci-no-strict-reset/<bdf> are read too.\n"
	      "Save it as /etc/pcirstd/policy.d/50-qubes.json after reviewing it. Qubes 4.3\n"
	      "device paths are resolved through sysfs (--sysfs-root).\n"
	      "\n"
	      "Exit status: 0 converted (warnings on stderr), 1 malformed XML, 2 usage,\n"
	      "4 unreadable.\n"
	      "\n"
	      "  -h, --help  show this help\n",
	      f);
}

enum {
	OPT_POLICY_DIR = 0x100,
};

static int check_stdin(struct policy_diags *diags, struct policy **out)
{
	size_t cap = 4096, len = 0, k;
	char *buf = malloc(cap);
	int r;

	if (!buf)
		return -ENOMEM;
	while ((k = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += k;
		if (len > POLICY_FILE_MAX)
			break;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	r = policy_load_string("<stdin>", buf, len, diags, out);
	free(buf);
	return r;
}

static int do_check(int argc, char **argv)
{
	static const struct option options[] = {
	    {"policy-dir", required_argument, NULL, OPT_POLICY_DIR},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct policy_diags diags = {0};
	const char *dirs[CTL_POLICY_DIRS_MAX], **files;
	unsigned n_dirs = 0, n_files = 0;
	bool quiet = false, use_stdin = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY_DIR:
			if (ctl_add_policy_dir("policy", dirs, &n_dirs, optarg) < 0)
				return CTL_EXIT_USAGE;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			check_usage(stdout);
			return CTL_EXIT_OK;
		default:
			check_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files)
		return CTL_EXIT_ENVIRONMENT;
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (streq(argv[i], "-")) {
			use_stdin = true;
		} else if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (ctl_add_policy_dir("policy", dirs, &n_dirs, argv[i]) < 0) {
				free(files);
				return CTL_EXIT_USAGE;
			}
		} else {
			files[n_files++] = argv[i];
		}
	}
	if (use_stdin && (n_dirs || n_files)) {
		fprintf(stderr, "pcirstctl policy check: '-' cannot be combined with files\n");
		free(files);
		return CTL_EXIT_USAGE;
	}
	if (optind >= argc && n_dirs == 0) {
		for (unsigned i = 0; i < ELEMENTSOF(policy_default_dirs); i++)
			dirs[n_dirs++] = policy_default_dirs[i];
	}
	if (use_stdin)
		r = check_stdin(&diags, &p);
	else
		r = policy_load(dirs, n_dirs, files, n_files, &diags, &p);
	free(files);
	policy_diags_print(&diags, stderr);
	if (r < 0) {
		if (!quiet)
			printf("invalid: %u error%s, %u warning%s\n", diags.n_errors,
			       diags.n_errors == 1 ? "" : "s", diags.n_warnings,
			       diags.n_warnings == 1 ? "" : "s");
		policy_diags_clear(&diags);
		return ctl_load_failure(r);
	}
	if (!quiet)
		printf("valid: %u rule%s from %u file%s, %u warning%s\n", p->n_rules,
		       p->n_rules == 1 ? "" : "s", p->n_files, p->n_files == 1 ? "" : "s",
		       diags.n_warnings, diags.n_warnings == 1 ? "" : "s");
	policy_diags_clear(&diags);
	return CTL_EXIT_OK;
}

static int do_from_qubes(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct policy_diags diags = {0};
	struct json_object *doc = NULL;
	const char *path = QUBES_XML_DEFAULT;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			from_qubes_usage(stdout);
			return CTL_EXIT_OK;
		default:
			from_qubes_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		from_qubes_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (optind < argc)
		path = argv[optind];
	r = policy_from_qubes(path, g->sysfs_root, &diags, &doc);
	policy_diags_print(&diags, stderr);
	policy_diags_clear(&diags);
	if (r < 0)
		return r == -EINVAL ? CTL_EXIT_FAILED : CTL_EXIT_ENVIRONMENT;
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return CTL_EXIT_OK;
}

int cmd_policy(int argc, char **argv, const struct ctl_globals *g)
{
	if (argc < 2) {
		policy_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
		policy_usage(stdout);
		return CTL_EXIT_OK;
	}
	/* The subcommand's own getopt sees argv[0] = its name. */
	optind = 0;
	if (streq(argv[1], "check"))
		return do_check(argc - 1, argv + 1);
	if (streq(argv[1], "explain"))
		return cmd_policy_explain(argc - 1, argv + 1, g);
	if (streq(argv[1], "from-qubes"))
		return do_from_qubes(argc - 1, argv + 1, g);
	if (streq(argv[1], "suggest"))
		return cmd_policy_suggest(argc - 1, argv + 1);
	fprintf(stderr,
		"pcirstctl policy: unknown command '%s' (check, explain, from-qubes, suggest)\n",
		argv[1]);
	return CTL_EXIT_USAGE;
}
