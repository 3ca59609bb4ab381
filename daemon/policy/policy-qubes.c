/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration from Qubes: turns the PCI assignment options of a qubes.xml
 * into a policy file. Qubes 4.1 and later store them per assignment:
 *
 *   <devices class="pci">
 *     <device backend-domain="dom0" id="03_00.0" mode="required" identity="...">
 *       <option name="no-strict-reset">True</option>
 *     </device>
 *   </devices>
 *
 * where id is a BDF ("03_00.0", "0001_03_00.0") or, from Qubes 4.3, a path
 * of bridges from the root bus ("00_1c.0-00_00.0", each bus relative to the
 * bridge's secondary bus). Qubes 4.0 used a per-domain feature
 * <feature name="pci-no-strict-reset/03_00.0">1</feature>. Our policy is per
 * device while Qubes options are per assignment: when the assignments of one
 * device disagree, the rule keeps the strictest mode and allows requests to
 * weaken it, so each assignment's own request still carries its option.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "policy-internal.h"
#include "utf8.h"

struct assignment {
	char *domain;
	enum policy_mode mode;
};

struct qdev {
	struct pcirst_sbdf sbdf;
	struct assignment *a;
	unsigned n;
};

struct conv {
	const char *name, *sysfs_root;
	struct policy_diags *diags;
	struct qdev *devs;
	unsigned n_devs;
};

static void conv_done(struct conv *c)
{
	for (unsigned i = 0; i < c->n_devs; i++) {
		for (unsigned j = 0; j < c->devs[i].n; j++)
			free(c->devs[i].a[j].domain);
		free(c->devs[i].a);
	}
	free(c->devs);
}

/* Records that domain's assignment of sbdf asks for mode (the weaker of two mentions). */
static int record(struct conv *c, const struct pcirst_sbdf *sbdf, const char *domain,
		  enum policy_mode mode)
{
	struct qdev *d = NULL;
	struct assignment *na;

	for (unsigned i = 0; i < c->n_devs && !d; i++)
		if (pcirst_sbdf_cmp(&c->devs[i].sbdf, sbdf) == 0)
			d = &c->devs[i];
	if (!d) {
		struct qdev *nv = realloc(c->devs, (c->n_devs + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->devs = nv;
		d = &c->devs[c->n_devs++];
		*d = (struct qdev){.sbdf = *sbdf};
	}
	for (unsigned j = 0; j < d->n; j++)
		if (streq(d->a[j].domain, domain)) {
			if (mode > d->a[j].mode)
				d->a[j].mode = mode;
			return 0;
		}
	na = realloc(d->a, (d->n + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	d->a = na;
	d->a[d->n].domain = strdup(domain);
	if (!d->a[d->n].domain)
		return -ENOMEM;
	d->a[d->n++].mode = mode;
	return 0;
}

/* "03_00.0" on segment seg: bus:dev.fn with '_' or ':' between bus and device. */
static int parse_bdf(const char *s, size_t n, uint16_t seg, struct pcirst_sbdf *out)
{
	char buf[16];

	if (n != 7 || (s[2] != '_' && s[2] != ':'))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%04x:%.2s:%.4s", seg, s, s + 3);
	return pcirst_sbdf_parse(buf, out);
}

static int secondary_bus(const char *root, const struct pcirst_sbdf *bridge, unsigned *out)
{
	char path[4096], sb[PCIRST_SBDF_STRLEN], *text = NULL, *end;
	size_t len;
	unsigned long v;
	int r;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/secondary_bus_number",
		 root ? root : "", pcirst_sbdf_format(bridge, sb));
	r = read_file_limited(path, 64, &text, &len);
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(text, &end, 10);
	r = (errno || end == text || v > 255) ? -EINVAL : 0;
	free(text);
	if (r == 0)
		*out = (unsigned)v;
	return r;
}

/*
 * A Qubes device id to an address. A single element is a plain BDF (Qubes
 * 4.1/4.2, and a device on a root bus in 4.3); longer paths need the
 * secondary bus numbers of the bridges, read from sysfs.
 */
static int resolve_id(const struct conv *c, const char *id, struct pcirst_sbdf *out,
		      struct why *why)
{
	uint16_t seg = 0;
	unsigned offset = 0;
	const char *p = id;
	struct pcirst_sbdf cur;
	bool first = true;

	if (strlen(p) > 5 && p[4] == '_' && strchr(p + 5, '_')) {
		char s[5] = {p[0], p[1], p[2], p[3], 0}, *end;

		seg = (uint16_t)strtoul(s, &end, 16);
		if (*end)
			return why_err(why, -EINVAL, "invalid PCI segment in '%s'", id);
		p += 5;
	}
	for (;;) {
		const char *dash = strchr(p, '-');
		size_t n = dash ? (size_t)(dash - p) : strlen(p);

		if (parse_bdf(p, n, seg, &cur) < 0)
			return why_err(why, -EINVAL, "invalid PCI device id '%s'", id);
		if (!first) {
			if (cur.bus + offset > 255)
				return why_err(why, -EINVAL, "PCI path '%s' leaves bus range", id);
			cur.bus = (uint8_t)(cur.bus + offset);
		}
		if (!dash)
			break;
		if (secondary_bus(c->sysfs_root, &cur, &offset) < 0)
			return why_err(why, -ENODEV,
				       "cannot resolve PCI path '%s' on this machine (no bridge "
				       "%04x:%02x:%02x.%x)",
				       id, cur.domain, cur.bus, cur.dev, cur.fn);
		first = false;
		p = dash + 1;
	}
	*out = cur;
	return 0;
}

_printf_(3, 4) static void warn(struct conv *c, const struct xml_node *n, const char *fmt, ...)
{
	char msg[WHY_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	policy_diag_add(c->diags, POLICY_WARNING, c->name, n->line, n->col, "%s", msg);
}

static const char *trimmed(const char *s, char *buf, size_t size)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	snprintf(buf, size, "%s", s);
	n = strlen(buf);
	while (n && strchr(" \t\n\r", buf[n - 1]))
		buf[--n] = '\0';
	return buf;
}

static const char *domain_name(const struct xml_node *dom, char *buf, size_t size)
{
	const struct xml_node *props = xml_child(dom, "properties");

	for (unsigned i = 0; props && i < props->n_children; i++) {
		const struct xml_node *pr = props->children[i];
		const char *name = xml_attr(pr, "name");

		if (streq(pr->name, "property") && name && streq(name, "name"))
			return trimmed(pr->text, buf, size);
	}
	snprintf(buf, size, "%s", xml_attr(dom, "id") ?: "unnamed domain");
	return buf;
}

static int parse_option_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "1", "on"};

	for (unsigned i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	return 0;
}

static int do_device(struct conv *c, const struct xml_node *dev, const char *domain)
{
	const char *backend = xml_attr(dev, "backend-domain"), *id = xml_attr(dev, "id");
	enum policy_mode mode = POLICY_STRICT;
	struct pcirst_sbdf sbdf;
	struct why why = {""};

	if (!id) {
		warn(c, dev, "PCI device of %s without 'id'; skipped", domain);
		return 0;
	}
	if (backend && !streq(backend, "dom0")) {
		warn(c, dev, "PCI device %s of %s has backend '%s', not dom0; skipped", id, domain,
		     backend);
		return 0;
	}
	if (resolve_id(c, id, &sbdf, &why) < 0) {
		warn(c, dev, "%s; skipped", why.msg);
		return 0;
	}
	for (unsigned i = 0; i < dev->n_children; i++) {
		const struct xml_node *o = dev->children[i];
		const char *name = xml_attr(o, "name");
		char val[64];

		if (!streq(o->name, "option") || !name)
			continue;
		/* lxml writes the value as text; accept a value attribute too. */
		trimmed(xml_attr(o, "value") ?: o->text, val, sizeof(val));
		if (!streq(name, "no-strict-reset") && !streq(name, "no-reset"))
			continue;
		if (!parse_option_bool(val)) {
			warn(c, o,
			     "option %s=%s of %s on %s: Qubes treats any non-empty value as set; "
			     "migrated as not set (strict)",
			     name, val, id, domain);
			continue;
		}
		if (streq(name, "no-reset"))
			mode = POLICY_SKIP;
		else if (mode < POLICY_LENIENT)
			mode = POLICY_LENIENT;
	}
	return record(c, &sbdf, domain, mode);
}

static int do_feature(struct conv *c, const struct xml_node *f, const char *domain)
{
	static const char prefix[] = "pci-no-strict-reset/";
	const char *name = xml_attr(f, "name");
	struct pcirst_sbdf sbdf;
	struct why why = {""};
	char val[64];

	if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
		return 0;
	/* A Qubes feature is true when its value is not empty. */
	if (!*trimmed(f->text, val, sizeof(val)))
		return 0;
	if (resolve_id(c, name + strlen(prefix), &sbdf, &why) < 0) {
		warn(c, f, "feature %s: %s; skipped", name, why.msg);
		return 0;
	}
	return record(c, &sbdf, domain, POLICY_LENIENT);
}

static int cmp_qdev(const void *a, const void *b)
{
	return pcirst_sbdf_cmp(&((const struct qdev *)a)->sbdf, &((const struct qdev *)b)->sbdf);
}

/* "sys-net: no-strict-reset, work: strict": what each assignment asked for. */
static void describe(const struct qdev *d, bool with_modes, char *buf, size_t size)
{
	static const char *const opt[] = {"strict", "no-strict-reset", "no-reset"};
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned j = 0; j < d->n && n < size; j++) {
		int k = snprintf(buf + n, size - n, "%s%s%s%s", j ? ", " : "", d->a[j].domain,
				 with_modes ? ": " : "", with_modes ? opt[d->a[j].mode] : "");

		if (k < 0 || (size_t)k >= size - n) {
			/* Keep the reason within bounds; the list is only a hint. */
			snprintf(buf + (size > 8 ? size - 8 : 0), size > 8 ? 8 : size, " [...]");
			return;
		}
		n += (size_t)k;
	}
}

static int emit(struct conv *c, struct json_object *rules)
{
	static const char *const opt[] = {"strict", "no-strict-reset", "no-reset"};

	if (c->n_devs)
		qsort(c->devs, c->n_devs, sizeof(*c->devs), cmp_qdev);
	for (unsigned i = 0; i < c->n_devs; i++) {
		const struct qdev *d = &c->devs[i];
		enum policy_mode lo = _POLICY_MODE_MAX, hi = POLICY_STRICT;
		struct json_object *rule, *match;
		char sb[PCIRST_SBDF_STRLEN], who[300], reason[POLICY_REASON_MAX];
		char clean[POLICY_REASON_MAX];

		for (unsigned j = 0; j < d->n; j++) {
			if (d->a[j].mode < lo)
				lo = d->a[j].mode;
			if (d->a[j].mode > hi)
				hi = d->a[j].mode;
		}
		if (hi == POLICY_STRICT)
			continue; /* strict everywhere: the default already says so */
		describe(d, lo != hi, who, sizeof(who));
		if (lo != hi)
			policy_diag_add(
			    c->diags, POLICY_WARNING, c->name, 0, 0,
			    "%s is assigned with different options (%s): the rule is %s "
			    "with allow-request-weaken, so each request keeps its option",
			    pcirst_sbdf_format(&d->sbdf, sb), who, policy_mode_name(lo));
		if (lo == hi)
			snprintf(reason, sizeof(reason), "migrated from qubes.xml: %s for %s",
				 opt[hi], who);
		else
			snprintf(reason, sizeof(reason),
				 "migrated from qubes.xml: assignments differ (%s); each request's "
				 "options decide",
				 who);
		rule = json_object_new_object();
		match = json_object_new_object();
		if (!rule || !match) {
			json_object_put(rule);
			json_object_put(match);
			return -ENOMEM;
		}
		json_object_object_add(match, "sbdf",
				       json_object_new_string(pcirst_sbdf_format(&d->sbdf, sb)));
		json_object_object_add(rule, "match", match);
		json_object_object_add(rule, "policy",
				       json_object_new_string(policy_mode_name(lo)));
		if (lo != hi)
			json_object_object_add(rule, "allow-request-weaken",
					       json_object_new_boolean(true));
		/*
		 * Domain names come from the file and the reason was cut to size:
		 * what is written must load again (one printable UTF-8 line).
		 */
		utf8_printable(clean, sizeof(clean), reason, strlen(reason));
		json_object_object_add(rule, "reason", json_object_new_string(clean));
		json_object_array_add(rules, rule);
	}
	return 0;
}

int policy_from_qubes_string(const char *name, const char *text, size_t len, const char *sysfs_root,
			     struct policy_diags *diags, struct json_object **out)
{
	_cleanup_(xml_node_freep) struct xml_node *root = NULL;
	struct conv c = {.name = name, .sysfs_root = sysfs_root, .diags = diags};
	const struct xml_node *domains;
	struct json_object *doc = NULL, *rules = NULL;
	struct why why = {""};
	unsigned line = 0, col = 0;
	int r;

	r = xml_parse(text, len, &root, &line, &col, &why);
	if (r < 0) {
		policy_diag_add(diags, POLICY_ERROR, name, line, col, "%s", why.msg);
		return r;
	}
	if (!streq(root->name, "qubes")) {
		policy_diag_add(diags, POLICY_ERROR, name, root->line, root->col,
				"not a qubes.xml: the root element is <%s>, not <qubes>",
				root->name);
		return -EINVAL;
	}
	domains = xml_child(root, "domains");
	for (unsigned i = 0; r == 0 && domains && i < domains->n_children; i++) {
		const struct xml_node *dom = domains->children[i];
		char dname[128];

		if (!streq(dom->name, "domain"))
			continue;
		domain_name(dom, dname, sizeof(dname));
		for (unsigned k = 0; r == 0 && k < dom->n_children; k++) {
			const struct xml_node *g = dom->children[k];
			const char *cls = xml_attr(g, "class");

			for (unsigned m = 0; r == 0 && m < g->n_children; m++) {
				if (streq(g->name, "devices") && cls && streq(cls, "pci") &&
				    streq(g->children[m]->name, "device"))
					r = do_device(&c, g->children[m], dname);
				else if (streq(g->name, "features") &&
					 streq(g->children[m]->name, "feature"))
					r = do_feature(&c, g->children[m], dname);
			}
		}
	}
	if (r == 0) {
		doc = json_object_new_object();
		rules = json_object_new_array();
		r = doc && rules ? emit(&c, rules) : -ENOMEM;
	}
	conv_done(&c);
	if (r < 0) {
		json_object_put(doc);
		json_object_put(rules);
		return r;
	}
	json_object_object_add(doc, "rules", rules);
	*out = doc;
	return 0;
}

int policy_from_qubes(const char *path, const char *sysfs_root, struct policy_diags *diags,
		      struct json_object **out)
{
	_cleanup_(freep) char *text = NULL;
	size_t len;
	int r;

	r = read_file_limited(path, XML_FILE_MAX, &text, &len);
	if (r < 0) {
		policy_diag_add(diags, POLICY_ERROR, path, 0, 0, "cannot read: %s",
				r == -EFBIG ? "file is too large" : strerror(-r));
		return r;
	}
	return policy_from_qubes_string(path, text, len, sysfs_root, diags, out);
}
