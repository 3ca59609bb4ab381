/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl probe: what each reset method would do on each device
 * (read-only), and which methods the policy's knowledge (the shipped quirk
 * database) avoids as known broken or ineffective on it, and which methods
 * this host's journal recorded as ineffective on its device ID (observed.c).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>

#include "engine.h"
#include "pcirstctl.h"
#include "ctl-util.h"
#include "observed.h"
#include "probe-line.h"

static void probe_usage(FILE *f)
{
	fputs("Usage: pcirstctl probe [-v] [--json] [--policy-dir DIR]... [--journal-dir DIR]\n"
	      "                       [--since TIME] [SBDF...]\n"
	      "\n"
	      "Lists PCI functions (all, or the given ones), one line each: driver, the reset\n"
	      "methods pcirstd could use, and a word for each other method: 'unsupported',\n"
	      "'refused' (unsafe here), 'avoided' (the policy knows it broken on the device),\n"
	      "'observed' (pcirstd found it ineffective on a device of the same ID on this\n"
	      "host, per its journal). -v adds the topology and each reason in full: the\n"
	      "rule (file:line:col) of an avoided method, how often and when an observed one\n"
	      "failed, with its evidence. Read-only: nothing is written to any device.\n"
	      "\n"
	      "  -v, --verbose     the topology and every reason in full\n"
	      "  --json            print a JSON array instead of the table\n"
	      "  --policy-dir DIR  a policy directory, lowest priority first (repeatable;\n"
	      "                    default " POLICY_DIR_VENDOR " and " POLICY_DIR_ADMIN ")\n"
	      "  --journal-dir DIR the journal files to read observations from (default: the\n"
	      "                    local journal, none with --sysfs-root; unreadable means\n"
	      "                    no observations)\n"
	      "  --since TIME      only observations from TIME on (@SECONDS, YYYY-MM-DD or\n"
	      "                    'YYYY-MM-DD HH:MM:SS')\n"
	      "  -h, --help        show this help\n",
	      f);
}

/* The decision's rule that avoids method m on this device, or NULL. */
static const struct policy_rule *avoider(const struct policy_decision *d, unsigned m)
{
	return d ? d->avoided[m] : NULL;
}

/* "ineffective 3 times on this host (last …)", for the table and the JSON's "summary". */
static void observed_text(const struct obs_method *m, char *buf, size_t size)
{
	char last[32];
	int n;

	n = snprintf(buf, size, "ineffective %u time%s on this host (last %s on %s: %s)",
		     m->ineffective, m->ineffective == 1 ? "" : "s",
		     observed_format_time(m->last, false, last, sizeof(last)), m->last_sbdf,
		     m->evidence[0] ? m->evidence : "no evidence recorded");
	if (m->effective && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n,
			 "; also reset it with a verified effect %u time%s", m->effective,
			 m->effective == 1 ? "" : "s");
}

static void print_observed(const struct obs_device *od, FILE *f)
{
	char text[512];

	for (unsigned m = 0; od && m < _RESET_METHOD_MAX; m++) {
		if (!od->m[m].ineffective)
			continue;
		observed_text(&od->m[m], text, sizeof(text));
		fprintf(f, "    %-8s %-11s %s\n", reset_method_name(m), "observed", text);
	}
}

/* SR-IOV relations: a PF's VFs, a VF's PF. */
static void print_sriov(const struct probe_result *p, FILE *f)
{
	char s[PCIRST_SBDF_STRLEN];

	if (p->info.is_vf)
		fprintf(f, "    %-8s %-11s VF of %s\n", "sriov", "VF",
			pcirst_sbdf_format(&p->info.physfn, s));
	if (!p->info.is_pf)
		return;
	fprintf(f, "    %-8s %-11s VFs", "sriov", "PF");
	for (unsigned i = 0; i < (p->n_vfs < PROBE_MAX_VFS ? p->n_vfs : PROBE_MAX_VFS); i++)
		fprintf(f, " %s", pcirst_sbdf_format(&p->vfs[i], s));
	fprintf(f, "%s\n",
		p->n_vfs == 0		   ? " none enabled"
		: p->n_vfs > PROBE_MAX_VFS ? " ..."
					   : "");
}

static void print_text(const struct probe_result *p, const struct policy_decision *d,
		       const struct obs_device *od, FILE *f)
{
	const struct pci_dev_info *i = &p->info;
	char s[PCIRST_SBDF_STRLEN], parent[PCIRST_SBDF_STRLEN] = "-", group[16] = "-";
	char supported[96] = "";

	if (i->has_parent)
		pcirst_sbdf_format(&i->parent, parent);
	if (i->iommu_group >= 0)
		snprintf(group, sizeof(group), "%d", i->iommu_group);
	for (unsigned m = 0; m < _RESET_METHOD_MAX; m++)
		if (p->methods[m].status == PROBE_SUPPORTED && !avoider(d, m))
			snprintf(supported + strlen(supported),
				 sizeof(supported) - strlen(supported), "%s%s",
				 supported[0] ? " " : "", reset_method_name(m));
	fprintf(f, "%-12s  %04x:%04x  %06x  %-10s  %-5s  %-12s  %s%s%s\n",
		pcirst_sbdf_format(&i->sbdf, s), i->vendor, i->device, i->class_code,
		i->driver[0] ? i->driver : "-", group, parent, supported[0] ? supported : "none",
		i->is_bridge ? "  [bridge]" : "",
		i->is_vf   ? "  [VF]"
		: i->is_pf ? "  [PF]"
			   : "");
	for (unsigned m = 0; m < _RESET_METHOD_MAX; m++) {
		const struct policy_rule *r = avoider(d, m);

		if (r)
			fprintf(f, "    %-8s %-11s quirk %s:%u: %s (the device: %s)\n",
				reset_method_name(m), "avoided", r->file, r->avoid[m].line,
				r->avoid[m].reason, probe_status_name(p->methods[m].status));
		else if (p->methods[m].status != PROBE_SUPPORTED)
			fprintf(f, "    %-8s %-11s %s\n", reset_method_name(m),
				probe_status_name(p->methods[m].status), p->methods[m].why);
	}
	print_observed(od, f);
	print_sriov(p, f);
	if (p->kernel_reset_methods[0])
		fprintf(f, "    %-8s %-11s reset_method: %s\n", "kernel", "",
			p->kernel_reset_methods);
}

static struct json_object *sbdf_json(const struct pcirst_sbdf *sbdf)
{
	char s[PCIRST_SBDF_STRLEN];

	return json_object_new_string(pcirst_sbdf_format(sbdf, s));
}

static struct json_object *hex_json(unsigned v, int width)
{
	char s[16];

	snprintf(s, sizeof(s), "0x%0*x", width, v);
	return json_object_new_string(s);
}

static struct json_object *observed_json(const struct obs_method *m)
{
	struct json_object *o = json_object_new_object();
	char last[32];

	json_object_object_add(o, "ineffective", json_object_new_int64(m->ineffective));
	json_object_object_add(o, "effective", json_object_new_int64(m->effective));
	json_object_object_add(
	    o, "first", json_object_new_string(observed_format_time(m->first, false, last, 32)));
	json_object_object_add(
	    o, "last", json_object_new_string(observed_format_time(m->last, false, last, 32)));
	json_object_object_add(o, "sbdf", json_object_new_string(m->last_sbdf));
	json_object_object_add(o, "evidence", json_object_new_string(m->evidence));
	return o;
}

static struct json_object *method_json(const struct probe_entry *e, const struct policy_rule *r,
				       const struct obs_device *od, unsigned m)
{
	struct json_object *o = json_object_new_object(), *q;
	char origin[WHY_MAX];

	json_object_object_add(
	    o, "status", json_object_new_string(r ? "avoided" : probe_status_name(e->status)));
	if (e->why[0])
		json_object_object_add(o, "why", json_object_new_string(e->why));
	if (od && od->m[m].ineffective)
		json_object_object_add(o, "observed", observed_json(&od->m[m]));
	if (!r)
		return o;
	/* What the device itself offers stays visible next to the knowledge. */
	json_object_object_add(o, "probe", json_object_new_string(probe_status_name(e->status)));
	q = json_object_new_object();
	snprintf(origin, sizeof(origin), "%s:%u:%u", r->file, r->avoid[m].line, r->avoid[m].col);
	json_object_object_add(q, "origin", json_object_new_string(origin));
	json_object_object_add(q, "reason", json_object_new_string(r->avoid[m].reason));
	json_object_object_add(o, "quirk", q);
	return o;
}

static struct json_object *probe_json(const struct probe_result *p, const struct policy_decision *d,
				      const struct obs_device *od)
{
	const struct pci_dev_info *i = &p->info;
	struct json_object *o = json_object_new_object(), *methods = json_object_new_object();

	json_object_object_add(o, "sbdf", sbdf_json(&i->sbdf));
	json_object_object_add(o, "vendor", hex_json(i->vendor, 4));
	json_object_object_add(o, "device", hex_json(i->device, 4));
	json_object_object_add(o, "subsystem-vendor", hex_json(i->subsys_vendor, 4));
	json_object_object_add(o, "subsystem-device", hex_json(i->subsys_device, 4));
	json_object_object_add(o, "class", hex_json(i->class_code, 6));
	json_object_object_add(o, "revision", hex_json(i->revision, 2));
	json_object_object_add(o, "header-type", json_object_new_int(i->header_type));
	json_object_object_add(o, "multifunction", json_object_new_boolean(i->multifunction));
	json_object_object_add(o, "bridge", json_object_new_boolean(i->is_bridge));
	json_object_object_add(o, "driver",
			       i->driver[0] ? json_object_new_string(i->driver) : NULL);
	json_object_object_add(o, "driver-kind",
			       json_object_new_string(pci_driver_kind_name(i->driver_kind)));
	json_object_object_add(o, "iommu-group",
			       i->iommu_group >= 0 ? json_object_new_int(i->iommu_group) : NULL);
	json_object_object_add(o, "parent", i->has_parent ? sbdf_json(&i->parent) : NULL);
	json_object_object_add(o, "sriov",
			       json_object_new_string(i->is_vf	 ? "vf"
						      : i->is_pf ? "pf"
								 : "none"));
	if (i->is_vf)
		json_object_object_add(o, "physfn", sbdf_json(&i->physfn));
	if (i->is_pf) {
		struct json_object *vfs = json_object_new_array();

		json_object_object_add(o, "num-vfs", json_object_new_int((int)i->num_vfs));
		for (unsigned k = 0; k < (p->n_vfs < PROBE_MAX_VFS ? p->n_vfs : PROBE_MAX_VFS); k++)
			json_object_array_add(vfs, sbdf_json(&p->vfs[k]));
		json_object_object_add(o, "vfs", vfs);
	}
	json_object_object_add(
	    o, "kernel-reset-methods",
	    p->kernel_reset_methods[0] ? json_object_new_string(p->kernel_reset_methods) : NULL);
	for (unsigned m = 0; m < _RESET_METHOD_MAX; m++)
		json_object_object_add(methods, reset_method_name(m),
				       method_json(&p->methods[m], avoider(d, m), od, m));
	json_object_object_add(o, "methods", methods);
	return o;
}

static struct json_object *error_json(const struct pcirst_sbdf *sbdf, const char *error)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "sbdf", sbdf_json(sbdf));
	json_object_object_add(o, "error", json_object_new_string(error));
	return o;
}

int cmd_probe(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"verbose", no_argument, NULL, 'v'},
	    {"json", no_argument, NULL, 'j'},
	    {"policy-dir", required_argument, NULL, 'P'},
	    {"journal-dir", required_argument, NULL, 'D'},
	    {"since", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(policy_unrefp) struct policy *policy = NULL;
	_cleanup_(pci_host_freep) struct pci_host *host = NULL;
	const char *dirs[CTL_POLICY_DIRS_MAX];
	unsigned n_dirs = 0;
	_cleanup_(freep) struct pcirst_sbdf *devs = NULL;
	_cleanup_(observed_freep) struct observed *obs = NULL;
	struct observed_options oopt = {0};
	struct json_object *array = NULL;
	bool json = false, verbose = false, explicit;
	unsigned n = 0;
	int c, r, ret = CTL_EXIT_OK;

	while ((c = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			if (ctl_add_policy_dir("probe", dirs, &n_dirs, optarg) < 0)
				return CTL_EXIT_USAGE;
			break;
		case 'D':
			oopt.journal_dir = optarg;
			break;
		case 'S':
			if (observed_parse_since(optarg, &oopt.since) < 0) {
				fprintf(stderr, "pcirstctl probe: invalid time '%s'\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			probe_usage(stdout);
			return CTL_EXIT_OK;
		default:
			probe_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	explicit = optind < argc;
	if (explicit) {
		if (ctl_parse_sbdfs("probe", argc - optind, argv + optind, &devs) < 0)
			return CTL_EXIT_USAGE;
		n = (unsigned)(argc - optind);
	}
	if (ctl_open_host("probe", g->sysfs_root, &host) < 0)
		return CTL_EXIT_ENVIRONMENT;
	/* Probing is still useful without the quirk database: say so and go on. */
	r = ctl_load_policy(dirs, n_dirs, &policy);
	if (r < 0)
		fprintf(stderr,
			"pcirstctl probe: the policy could not be loaded (%s); avoided methods are "
			"not shown\n",
			strerror(-r));
	/*
	 * Observations are a bonus: a journal this user cannot read gives none,
	 * silently, unless one was named. A simulated tree (--sysfs-root) gets
	 * none from this host's journal: its devices are not this host's. Only a
	 * journal directory named with --journal-dir is read for it.
	 */
	if (oopt.journal_dir || streq(g->sysfs_root, "/"))
		r = observed_read(&oopt, &obs);
	else
		r = 0;
	if (r < 0 && oopt.journal_dir)
		fprintf(stderr,
			"pcirstctl probe: cannot read the journal in %s (%s); observations are not "
			"shown\n",
			oopt.journal_dir, strerror(-r));
	if (!explicit) {
		r = pci_host_list(host, &devs, &n);
		if (r < 0) {
			fprintf(stderr, "pcirstctl probe: cannot list PCI devices under %s: %s\n",
				g->sysfs_root, strerror(-r));
			return CTL_EXIT_ENVIRONMENT;
		}
	}
	if (json)
		array = json_object_new_array();
	else if (!verbose)
		probe_line_header(stdout);
	else
		printf("%-12s  %-9s  %-6s  %-10s  %-5s  %-12s  %s\n", "DEVICE", "ID", "CLASS",
		       "DRIVER", "IOMMU", "PARENT", "METHODS");
	for (unsigned i = 0; i < n; i++) {
		struct probe_result p;
		struct policy_decision d;
		const struct obs_device *od;
		char s[PCIRST_SBDF_STRLEN];

		r = reset_probe(host, &devs[i], &p);
		if (r < 0) {
			fprintf(stderr, "pcirstctl probe: %s: %s\n",
				pcirst_sbdf_format(&devs[i], s), p.error);
			ret = CTL_EXIT_ENVIRONMENT;
			/* The JSON still lists every function asked for, with the reason. */
			if (json)
				json_object_array_add(array, error_json(&devs[i], p.error));
			continue;
		}
		if (policy)
			policy_decide(policy, &p.info, &d);
		od = observed_find(obs, p.info.vendor, p.info.device);
		if (json)
			json_object_array_add(array, probe_json(&p, policy ? &d : NULL, od));
		else if (!verbose)
			probe_line_print(&p, policy ? &d : NULL, od, stdout);
		else
			print_text(&p, policy ? &d : NULL, od, stdout);
	}
	if (json) {
		puts(json_object_to_json_string_ext(array, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(array);
	}
	return ret;
}
