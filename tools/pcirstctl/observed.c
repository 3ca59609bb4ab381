/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads pcirstd's reset entries back from the journal (see observed.h). The
 * entries may have been written by anyone who can log, and copied journals
 * may be damaged, so every value is bounded and checked: a field that does
 * not have the exact form pcirstd writes makes the entry (or the attempt)
 * count as skipped, never a crash or a suggestion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "observed.h"
#include "utf8.h"

/*
 * The reset events of daemon/audit.c (ok, failed, failed-ignored, aborted);
 * fixed forever, like the catalog. Skipped resets and refusals have no attempts.
 */
static const char *const reset_ids[] = {
    "5183439e4827417ea705786b2be0b95a",
    "0ace723317174a5299f90c8e8eb9d571",
    "775ca3b1470d46afbc50d4cae0ad313b",
    "05b0a73869ab476d8b4e3cc4e25361e4",
};

#define ATTEMPT_TEXT_MAX   512 /* of an attempt line; the evidence is cut shorter anyway */
#define AUDIT_ATTEMPTS_MAX 64  /* audit.c keeps as many RESET_ATTEMPT fields */
#define AUDIT_FIELDS_MAX   512 /* of one entry; pcirstd writes fewer than 200 */

/* ---- Values ---- */

/* Whether the field is NAME=…; sets *v and *len to the value. */
static bool field_is(const struct obs_field *f, const char *name, const char **v, size_t *len)
{
	size_t n = strlen(name);

	if (f->len <= n || memcmp(f->data, name, n) != 0 || f->data[n] != '=')
		return false;
	*v = f->data + n + 1;
	*len = f->len - n - 1;
	return true;
}

/* Copies a value that must fit (and hold no NUL); -E2BIG or -EINVAL otherwise. */
static int copy_value(char *dst, size_t size, const char *v, size_t len)
{
	if (len >= size)
		return -E2BIG;
	if (memchr(v, '\0', len))
		return -EINVAL;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* "vvvv:dddd" in hex, exactly as audit.c formats PCI_ID and PCI_SUBSYS. */
static int parse_id_pair(const char *s, uint16_t *a, uint16_t *b)
{
	unsigned x, y;

	if (strlen(s) != 9 || s[4] != ':' || strspn(s, "0123456789abcdef") != 4 ||
	    strspn(s + 5, "0123456789abcdef") != 4)
		return -EINVAL;
	if (sscanf(s, "%4x:%4x", &x, &y) != 2)
		return -EINVAL;
	*a = (uint16_t)x;
	*b = (uint16_t)y;
	return 0;
}

/* ---- Aggregation ---- */

static struct obs_device *device_get(struct observed *o, uint16_t vendor, uint16_t device)
{
	struct obs_device *d;

	for (unsigned i = 0; i < o->n_devs; i++)
		if (o->devs[i].vendor == vendor && o->devs[i].device == device)
			return &o->devs[i];
	if (o->n_devs >= OBS_DEVICES_MAX)
		return NULL;
	d = reallocarray(o->devs, o->n_devs + 1, sizeof(*d));
	if (!d)
		return NULL;
	o->devs = d;
	d = &o->devs[o->n_devs++];
	*d = (struct obs_device){.vendor = vendor, .device = device};
	return d;
}

/* What one entry said, collected before anything is counted. */
struct entry {
	bool has_id, has_subsys, has_sbdf, bad;
	uint16_t vendor, device, subsys_vendor, subsys_device;
	char sbdf[PCIRST_SBDF_STRLEN]; /* the first PCI_SBDF: the function PCI_ID describes */
	char result[24], method[RESET_KERNEL_METHOD_MAX + 16], effect[24];
	const struct obs_field *attempts[AUDIT_ATTEMPTS_MAX];
	unsigned n_attempts;
};

static void collect_field(struct entry *e, const struct obs_field *f)
{
	struct pcirst_sbdf sbdf;
	char buf[32];
	const char *v;
	size_t len;

	if (field_is(f, "PCI_ID", &v, &len)) {
		e->bad |= e->has_id || copy_value(buf, sizeof(buf), v, len) < 0 ||
			  parse_id_pair(buf, &e->vendor, &e->device) < 0 || e->vendor == 0xffff;
		e->has_id = true;
	} else if (field_is(f, "PCI_SUBSYS", &v, &len)) {
		e->bad |= e->has_subsys || copy_value(buf, sizeof(buf), v, len) < 0 ||
			  parse_id_pair(buf, &e->subsys_vendor, &e->subsys_device) < 0;
		e->has_subsys = true;
	} else if (field_is(f, "PCI_SBDF", &v, &len)) {
		if (e->has_sbdf) /* the other functions of a bus reset */
			return;
		e->bad |=
		    copy_value(buf, sizeof(buf), v, len) < 0 || pcirst_sbdf_parse(buf, &sbdf) < 0;
		if (!e->bad)
			pcirst_sbdf_format(&sbdf, e->sbdf);
		e->has_sbdf = true;
	} else if (field_is(f, "RESULT", &v, &len)) {
		e->bad |= copy_value(e->result, sizeof(e->result), v, len) < 0;
	} else if (field_is(f, "RESET_METHOD", &v, &len)) {
		e->bad |= copy_value(e->method, sizeof(e->method), v, len) < 0;
	} else if (field_is(f, "RESET_EFFECT", &v, &len)) {
		e->bad |= copy_value(e->effect, sizeof(e->effect), v, len) < 0;
	} else if (field_is(f, "RESET_ATTEMPT", &v, &len)) {
		if (e->n_attempts < AUDIT_ATTEMPTS_MAX)
			e->attempts[e->n_attempts++] = f;
	}
}

static void remember_sbdf(struct obs_method *m, const char *sbdf)
{
	for (unsigned i = 0; i < m->n_sbdfs; i++)
		if (streq(m->sbdfs[i], sbdf))
			return;
	if (m->n_sbdfs < OBS_SBDFS_MAX)
		snprintf(m->sbdfs[m->n_sbdfs++], PCIRST_SBDF_STRLEN, "%s", sbdf);
}

/*
 * "METHOD SBDF ineffective EVIDENCE" on the entry's first function. Returns
 * 1 counted, 0 another outcome or function, -EINVAL malformed.
 */
static int add_attempt(struct obs_device *d, const struct entry *e, const struct obs_field *f,
		       uint64_t usec)
{
	struct reset_method_spec spec;
	struct pcirst_sbdf sbdf;
	char line[ATTEMPT_TEXT_MAX], method[48], at[32], outcome[24], s[PCIRST_SBDF_STRLEN];
	struct obs_method *m;
	const char *v = "";
	size_t len = 0;
	int n = 0;

	/* The caller collected only RESET_ATTEMPT fields; v and len stay empty otherwise. */
	field_is(f, "RESET_ATTEMPT", &v, &len);
	/* Only the head is parsed; the evidence is taken from the raw bytes below. */
	if (copy_value(line, sizeof(line), v, len < sizeof(line) ? len : sizeof(line) - 1) < 0)
		return -EINVAL;
	if (sscanf(line, "%47s %31s %23s%n", method, at, outcome, &n) != 3)
		return -EINVAL;
	if (reset_method_spec_parse(method, &spec) < 0 || pcirst_sbdf_parse(at, &sbdf) < 0)
		return -EINVAL;
	if (!streq(outcome, "ineffective") || !streq(pcirst_sbdf_format(&sbdf, s), e->sbdf))
		return 0;
	m = &d->m[spec.id];
	if (m->ineffective == 0 || usec < m->first)
		m->first = usec;
	if (usec >= m->last) {
		m->last = usec;
		snprintf(m->last_sbdf, sizeof(m->last_sbdf), "%s", s);
		while ((size_t)n < len && v[n] == ' ')
			n++;
		/* A policy reason: UTF-8 without control characters (docs/policy.md). */
		utf8_printable(m->evidence, sizeof(m->evidence), v + n, len - (size_t)n);
	}
	m->ineffective++;
	remember_sbdf(m, s);
	return 1;
}

static void add_subsys(struct obs_device *d, const struct entry *e, bool first)
{
	if (!e->has_subsys) {
		d->subsys_mixed = true;
	} else if (first || !d->has_subsys) {
		d->subsys_mixed |= !first;
		d->has_subsys = true;
		d->subsys_vendor = e->subsys_vendor;
		d->subsys_device = e->subsys_device;
	} else if (d->subsys_vendor != e->subsys_vendor || d->subsys_device != e->subsys_device) {
		d->subsys_mixed = true;
	}
}

int observed_add(struct observed *o, const struct obs_field *fields, unsigned n, uint64_t usec)
{
	struct reset_method_spec spec;
	struct obs_device *d;
	struct entry e = {0};
	bool first;

	for (unsigned i = 0; i < n; i++)
		collect_field(&e, &fields[i]);
	if (e.bad || !e.has_id || !e.has_sbdf || !e.result[0]) {
		o->n_skipped++;
		return 1;
	}
	first = !observed_find(o, e.vendor, e.device);
	d = device_get(o, e.vendor, e.device);
	if (!d) {
		o->n_skipped++;
		return 1;
	}
	add_subsys(d, &e, first);
	for (unsigned i = 0; i < e.n_attempts; i++)
		if (add_attempt(d, &e, e.attempts[i], usec) < 0)
			o->n_skipped++;
	/* Only a verified reset shows that a method works on this device. */
	if (streq(e.result, "ok") && streq(e.effect, "verified") &&
	    reset_method_spec_parse(e.method, &spec) == 0)
		d->m[spec.id].effective++;
	o->n_entries++;
	return 0;
}

const struct obs_device *observed_find(const struct observed *o, uint16_t vendor, uint16_t device)
{
	for (unsigned i = 0; o && i < o->n_devs; i++)
		if (o->devs[i].vendor == vendor && o->devs[i].device == device)
			return &o->devs[i];
	return NULL;
}

/* ---- The journal ---- */

static int journal_open(const struct observed_options *opt, sd_journal **out)
{
	sd_journal *j = NULL;
	int r;

	if (opt->journal_dir)
		r = sd_journal_open_directory(&j, opt->journal_dir, 0);
	else
		r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		return r;
	/* One field per id is an OR; the _UID match is ANDed with it. */
	for (size_t i = 0; i < ELEMENTSOF(reset_ids) && r >= 0; i++) {
		char m[64];

		snprintf(m, sizeof(m), "MESSAGE_ID=%s", reset_ids[i]);
		r = sd_journal_add_match(j, m, 0);
	}
	/*
	 * pcirstd runs as root; anyone may log an entry with its MESSAGE_ID, so
	 * only root's count (_UID is journald's trusted field).
	 */
	if (r >= 0)
		r = sd_journal_add_match(j, "_UID=0", 0);
	if (r < 0) {
		sd_journal_close(j);
		return r;
	}
	*out = j;
	return 0;
}

static void read_entry(sd_journal *j, struct observed *o, struct obs_field *fields)
{
	uint64_t usec = 0;
	unsigned n = 0;
	const void *data;
	size_t len;

	sd_journal_get_realtime_usec(j, &usec);
	SD_JOURNAL_FOREACH_DATA(j, data, len)
	{
		if (n >= AUDIT_FIELDS_MAX)
			break;
		fields[n++] = (struct obs_field){.data = data, .len = len};
	}
	observed_add(o, fields, n, usec);
}

int observed_read(const struct observed_options *opt, struct observed **out)
{
	_cleanup_(observed_freep) struct observed *o = calloc(1, sizeof(*o));
	_cleanup_(freep) struct obs_field *fields = calloc(AUDIT_FIELDS_MAX, sizeof(*fields));
	sd_journal *j = NULL;
	uint64_t usec;
	int r;

	if (!o || !fields)
		return -ENOMEM;
	r = journal_open(opt, &j);
	if (r < 0)
		return r;
	if (opt->since)
		sd_journal_seek_realtime_usec(j, opt->since);
	while (sd_journal_next(j) > 0) {
		if (opt->since && (sd_journal_get_realtime_usec(j, &usec) < 0 || usec < opt->since))
			continue;
		read_entry(j, o, fields);
	}
	sd_journal_close(j);
	*out = o;
	o = NULL;
	return 0;
}

void observed_free(struct observed *o)
{
	if (!o)
		return;
	free(o->devs);
	free(o);
}

/* ---- Time ---- */

int observed_parse_since(const char *s, uint64_t *usec)
{
	struct tm tm = {0};
	const char *end;
	char *e;
	time_t t;

	if (s[0] == '@') {
		unsigned long long v;

		errno = 0;
		v = strtoull(s + 1, &e, 10);
		if (errno || e == s + 1 || *e || v > UINT64_MAX / USEC_PER_SEC)
			return -EINVAL;
		*usec = v * USEC_PER_SEC;
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == ' ')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (!end || *end)
		return -EINVAL;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t < 0)
		return -EINVAL;
	*usec = (uint64_t)t * USEC_PER_SEC;
	return 0;
}

char *observed_format_time(uint64_t usec, bool date_only, char *buf, size_t size)
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, size, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "?");
	return buf;
}
