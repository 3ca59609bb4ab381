/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "decision.h"
#include "log.h"
#include "manager-internal.h"

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *manager_result_name(enum manager_result_kind r)
{
	switch (r) {
	case RESULT_OK:
		return "ok";
	case RESULT_FAILED:
		return "failed";
	case RESULT_FAILED_IGNORED:
		return "failed-ignored";
	case RESULT_SKIPPED:
		return "skipped";
	case RESULT_REFUSED:
		return "refused";
	case _RESULT_MAX:
		break;
	}
	return "invalid";
}

static void on_power_late(void *userdata, const struct power_late_report *r)
{
	struct manager *m = userdata;
	struct power_late_report k = *r;
	size_t len = strlen(k.message);
	int q;

	/* Stopping first: kept for the next instance, which sets it back if nobody did. */
	if (r->result == -ECANCELED && m->keeper.save) {
		q = m->keeper.save(m->keeper.userdata, &r->sbdf, r->value);
		if (q >= 0)
			snprintf(
			    k.message + len, sizeof(k.message) - len,
			    "; kept in %s: the next pcirstd sets it back if it still reads 'on'",
			    m->keeper.where);
		else
			snprintf(k.message + len, sizeof(k.message) - len,
				 "; could not keep it for the next pcirstd in %s: %s",
				 m->keeper.where, strerror(-q));
	}
	if (k.result == 0)
		log_notice("%s", k.message);
	else
		log_warning("%s", k.message);
	audit_power(m->audit, &k);
}

void manager_set_power_keeper(struct manager *m, const struct manager_power_keeper *k)
{
	m->keeper = *k;
}

int manager_power_inherit(struct manager *m, const struct pcirst_sbdf *sbdf, const char *value)
{
	char now[16] = "", s[PCIRST_SBDF_STRLEN];
	int r;

	pcirst_sbdf_format(sbdf, s);
	r = pci_host_attr_read(m->host, sbdf, "power/control", now, sizeof(now));
	if (r < 0 || !streq(now, "on")) {
		log_notice("%s: power/control was left 'on' by the pcirstd before this one and "
			   "now %s%s: left as it is",
			   s, r < 0 ? "cannot be read: " : "reads ", r < 0 ? strerror(-r) : now);
		return 0;
	}
	r = power_late_inherit(m->power_late, m->host, sbdf, value);
	return r < 0 ? r : 1;
}

int manager_new(sd_event *event, struct pci_host *host, struct policy_handle *policy,
		const struct audit_sink *audit, const struct manager_reporter *reporter,
		struct manager **out)
{
	struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->host = host;
	m->policy = policy;
	m->audit = audit;
	m->reporter = *reporter;
	m->max_entries = MANAGER_MAX_REQUESTS_DEFAULT;
	reset_timing_default(&m->timing);
	r = power_late_new(event, on_power_late, m, &m->power_late);
	if (r < 0) {
		sd_event_unref(m->event);
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

void entry_free(struct entry *e)
{
	struct manager *m = e->m;

	if (e->prev)
		e->prev->next = e->next;
	else
		m->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		m->tail = e->prev;
	m->n_entries--;
	reset_job_free(e->job);
	policy_unref(e->policy);
	free(e);
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	while (m->head)
		entry_free(m->head);
	/* Not waited for: what is still handed over is audited as left "on". */
	power_late_free(m->power_late);
	sd_event_unref(m->event);
	free(m);
}

void manager_set_max_requests(struct manager *m, unsigned max)
{
	m->max_entries = max ? max : 1;
}

unsigned manager_max_requests(const struct manager *m)
{
	return m->max_entries;
}

size_t manager_request_size(void)
{
	return sizeof(struct entry);
}

void manager_set_timing(struct manager *m, const struct reset_timing *t)
{
	m->timing = *t;
}

bool manager_has(const struct manager *m, const char *id)
{
	for (const struct entry *e = m->head; e; e = e->next)
		if (streq(e->req.id, id))
			return true;
	return false;
}

unsigned manager_power_pending(const struct manager *m)
{
	return power_late_pending(m->power_late);
}

unsigned manager_running(const struct manager *m)
{
	unsigned n = 0;

	for (const struct entry *e = m->head; e; e = e->next)
		n += e->state == ENTRY_RUNNING;
	return n;
}

unsigned manager_queued(const struct manager *m)
{
	unsigned n = 0;

	for (const struct entry *e = m->head; e; e = e->next)
		n += e->state != ENTRY_RUNNING;
	return n;
}

void manager_counts(const struct manager *m, unsigned counts[_RESULT_MAX])
{
	memcpy(counts, m->counts, sizeof(m->counts));
}

/*
 * Two requests may not run at once when they share a function, a parent
 * bridge (a bus reset of one resets the other's bus) or an IOMMU group.
 */
static bool conflict(const struct entry *a, const struct entry *b)
{
	for (unsigned i = 0; i < a->req.n_targets; i++)
		for (unsigned j = 0; j < b->req.n_targets; j++) {
			const struct pci_dev_info *x = &a->info[i], *y = &b->info[j];

			if (pcirst_sbdf_cmp(&x->sbdf, &y->sbdf) == 0)
				return true;
			if (x->has_parent && y->has_parent &&
			    pcirst_sbdf_cmp(&x->parent, &y->parent) == 0)
				return true;
			if (x->iommu_group >= 0 && x->iommu_group == y->iommu_group)
				return true;
		}
	return false;
}

static bool same_targets(const struct request *a, const struct request *b)
{
	if (a->n_targets != b->n_targets)
		return false;
	for (unsigned i = 0; i < a->n_targets; i++) {
		bool found = false;

		for (unsigned j = 0; j < b->n_targets && !found; j++)
			found = pcirst_sbdf_cmp(&a->targets[i], &b->targets[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Starts every queued request that conflicts with nothing running or queued before it. */
void schedule(struct manager *m)
{
	bool again = !m->stopping;

	while (again) {
		again = false;
		for (struct entry *e = m->head; e; e = e->next) {
			bool blocked = false;

			if (e->state != ENTRY_QUEUED)
				continue;
			for (struct entry *o = m->head; o && o != e && !blocked; o = o->next)
				blocked = o->state != ENTRY_FOLLOWING && conflict(e, o);
			for (struct entry *o = e->next; o && !blocked; o = o->next)
				blocked = o->state == ENTRY_RUNNING && conflict(e, o);
			if (!blocked) {
				/* Starting may finish an entry at once (skip): the list changed. */
				entry_start(e);
				again = true;
				break;
			}
		}
	}
}

static void refuse(struct manager *m, const char *id, const char *error,
		   const struct pcirst_sbdf *targets, unsigned n_targets)
{
	struct manager_result res = {.result = RESULT_REFUSED};
	struct request r = {.domid = -1};

	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(res.error, sizeof(res.error), "%s", error);
	audit_refused(m->audit, id, error, targets, n_targets);
	m->counts[RESULT_REFUSED]++;
	m->reporter.done(m->reporter.userdata, &r, &res);
}

void manager_set_assigned_source(struct manager *m, const struct manager_assigned_source *src)
{
	m->assigned = src ? *src : (struct manager_assigned_source){0};
}

void manager_refuse(struct manager *m, const char *id, const char *error)
{
	refuse(m, id, error, NULL, 0);
}

static void cfgs_free(struct pci_cfg *(*cfgs)[REQUEST_TARGETS_MAX])
{
	for (unsigned i = 0; i < REQUEST_TARGETS_MAX; i++)
		pci_cfg_free((*cfgs)[i]);
}

int manager_submit(struct manager *m, const struct request *r)
{
	/* What a job that starts now does not take is closed on return. */
	_cleanup_(cfgs_free) struct pci_cfg *cfgs[REQUEST_TARGETS_MAX] = {NULL};
	struct entry *e;
	struct why why = {""};
	int k;

	if (manager_has(m, r->id))
		return -EEXIST;
	if (m->n_entries >= m->max_entries) {
		char error[WHY_MAX];

		/* Bounded memory: each held request costs manager_request_size() bytes. */
		snprintf(error, sizeof(error),
			 "queue full: %u requests are waiting or running (pcirstd "
			 "--max-requests); send it again when some are answered",
			 m->n_entries);
		refuse(m, r->id, error, r->targets, r->n_targets);
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->m = m;
	e->req = *r;
	for (unsigned i = 0; i < r->n_targets; i++) {
		/* A function dom0 drives, or a bridge: no policy or method makes it resettable. */
		struct pci_dev_info *info = &e->info[i];

		if (pci_host_info_keep_cfg(m->host, &r->targets[i], info, &cfgs[i], &why) < 0 ||
		    safety_check_target(info, &why) < 0) {
			free(e);
			refuse(m, r->id, why.msg, r->targets, r->n_targets);
			return 0;
		}
	}
	e->policy = policy_handle_get(m->policy);
	/* Every function's policy, not the first address's: skip or avoid on any applies. */
	k = policy_decide_targets(e->policy, e->info, r->n_targets, &e->decision);
	if (k < 0) {
		policy_unref(e->policy);
		free(e);
		refuse(m, r->id, "cannot decide the policy for the request", r->targets,
		       r->n_targets);
		return 0;
	}
	policy_apply_request(&e->decision, &r->options);
	e->accepted_at = now_usec();
	e->state = ENTRY_QUEUED;
	/* An identical request already waiting or running: share its outcome. */
	for (struct entry *o = m->head; o; o = o->next)
		if (o->state != ENTRY_FOLLOWING && same_targets(&o->req, r) &&
		    streq(o->req.options_text, r->options_text)) {
			e->state = ENTRY_FOLLOWING;
			e->leader = o;
			break;
		}
	e->prev = m->tail;
	m->n_entries++;
	if (m->tail)
		m->tail->next = e;
	else
		m->head = e;
	m->tail = e;
	m->reporter.accepted(m->reporter.userdata, r);
	m->submitting = e;
	m->submit_cfgs = cfgs;
	schedule(m);
	m->submitting = NULL;
	m->submit_cfgs = NULL;
	return 0;
}

static bool touches(const struct entry *e, const struct pcirst_sbdf *sbdf)
{
	for (unsigned i = 0; i < e->req.n_targets; i++)
		if (pcirst_sbdf_cmp(&e->req.targets[i], sbdf) == 0)
			return true;
	return false;
}

void manager_device_removed(struct manager *m, const struct pcirst_sbdf *sbdf)
{
	char s[PCIRST_SBDF_STRLEN], reason[WHY_MAX];
	struct entry *e, *next;

	snprintf(reason, sizeof(reason), "%s was removed", pcirst_sbdf_format(sbdf, s));
	for (e = m->head; e; e = next) {
		next = e->next;
		if (!touches(e, sbdf) || e->state == ENTRY_FOLLOWING)
			continue;
		e->vanished = true;
		if (e->state == ENTRY_RUNNING) {
			if (e->job)
				reset_job_abort(e->job, reason);
		} else {
			entry_cancel(e, reason);
			next =
			    m->head; /* entry_finish may have freed followers and started others */
		}
	}
}

void manager_stop_starting(struct manager *m)
{
	m->stopping = true;
}

void manager_abort_all(struct manager *m, const char *reason)
{
	struct entry *e;

	m->stopping = true;
	for (e = m->head; e; e = e->next)
		if (e->state == ENTRY_RUNNING && e->job)
			reset_job_abort(e->job, reason);
	/* Queued requests never start now: answer them. */
	for (e = m->head; e;) {
		if (e->state == ENTRY_QUEUED) {
			e->state = ENTRY_RUNNING; /* keep schedule() from starting it */
			entry_cancel(e, reason);
			e = m->head;
			continue;
		}
		e = e->next;
	}
}
