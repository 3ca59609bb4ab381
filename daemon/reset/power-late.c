/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "power-late.h"

struct late_write {
	struct pci_host *host;
	struct pcirst_sbdf sbdf;
	char value[8];
};

struct late {
	struct power_late *pl;
	struct late *next;
	struct offload *offload;
	struct late_write w;
	usec_t since;
	bool inherited; /* left by the pcirstd before this one (power_late_inherit()) */
};

struct power_late {
	sd_event *event;
	power_late_report_fn report;
	void *userdata;
	struct late *head;
	unsigned n;
};

int power_late_new(sd_event *event, power_late_report_fn report, void *userdata,
		   struct power_late **out)
{
	struct power_late *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return -ENOMEM;
	pl->event = sd_event_ref(event);
	pl->report = report;
	pl->userdata = userdata;
	*out = pl;
	return 0;
}

/* On the worker thread, after the abandoned write has returned. */
static int late_write_fn(void *arg)
{
	const struct late_write *w = arg;

	return w->host->ops->attr_write(w->host->ud, &w->sbdf, "power/control", w->value);
}

static void report(struct late *l, int result)
{
	struct power_late *pl = l->pl;
	struct power_late_report r = {.sbdf = l->w.sbdf, .result = result};
	char s[PCIRST_SBDF_STRLEN];

	pcirst_sbdf_format(&l->w.sbdf, s);
	snprintf(r.value, sizeof(r.value), "%s", l->w.value);
	r.waited = now_usec() - l->since;
	if (result == 0 && l->inherited)
		snprintf(r.message, sizeof(r.message),
			 "%s: power/control set back to '%s', which the pcirstd before this one "
			 "could not do before it stopped",
			 s, l->w.value);
	else if (result == 0)
		snprintf(r.message, sizeof(r.message),
			 "%s: power/control set back to '%s' once the abandoned kernel write "
			 "returned (%llu ms after its job ended)",
			 s, l->w.value, (unsigned long long)(r.waited / USEC_PER_MSEC));
	else if (result == -ECANCELED)
		snprintf(r.message, sizeof(r.message),
			 "%s: power/control stays 'on' (it was '%s'): pcirstd stopped before the "
			 "%s returned; set it back with "
			 "'echo %s > /sys/bus/pci/devices/%s/power/control'",
			 s, l->w.value,
			 l->inherited ? "write setting it back" : "abandoned kernel write",
			 l->w.value, s);
	else if (result == -ENOENT || result == -ENODEV)
		snprintf(r.message, sizeof(r.message),
			 "%s: power/control not set back to '%s' after the abandoned kernel write "
			 "returned: the function is gone",
			 s, l->w.value);
	else
		snprintf(r.message, sizeof(r.message),
			 "%s: power/control could not be set back to '%s' after the abandoned "
			 "kernel write returned (%s); it may stay 'on'",
			 s, l->w.value, strerror(-result));
	if (pl->report)
		pl->report(pl->userdata, &r);
}

static void unlink_late(struct late *l)
{
	struct power_late *pl = l->pl;

	for (struct late **p = &pl->head; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			pl->n--;
			break;
		}
	offload_free(l->offload);
	free(l);
}

static void late_done(int result, void *userdata)
{
	struct late *l = userdata;

	report(l, result);
	unlink_late(l);
}

static int add(struct power_late *pl, struct pci_host *host, const struct pcirst_sbdf *sbdf,
	       const char *value, struct offload *after, bool inherited)
{
	struct late *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->pl = pl;
	l->w.host = host;
	l->w.sbdf = *sbdf;
	snprintf(l->w.value, sizeof(l->w.value), "%s", value);
	l->since = now_usec();
	l->inherited = inherited;
	/* No deadline: the value is written whenever the kernel lets the function go. */
	r = offload_start_after(pl->event, after, late_write_fn, &l->w, sizeof(l->w), 0, late_done,
				l, &l->offload);
	if (r < 0) {
		free(l);
		return r;
	}
	l->next = pl->head;
	pl->head = l;
	pl->n++;
	return 0;
}

int power_late_add(struct power_late *pl, struct pci_host *host, const struct pcirst_sbdf *sbdf,
		   const char *value, struct offload *after)
{
	return add(pl, host, sbdf, value, after, false);
}

int power_late_inherit(struct power_late *pl, struct pci_host *host, const struct pcirst_sbdf *sbdf,
		       const char *value)
{
	/* On a worker thread all the same: the old instance's write may still hold the lock. */
	return add(pl, host, sbdf, value, NULL, true);
}

bool power_late_original(const struct power_late *pl, const struct pcirst_sbdf *sbdf, char *buf,
			 size_t size)
{
	/* The list is newest first. */
	for (const struct late *l = pl ? pl->head : NULL; l; l = l->next)
		if (pcirst_sbdf_cmp(&l->w.sbdf, sbdf) == 0) {
			snprintf(buf, size, "%s", l->w.value);
			return true;
		}
	return false;
}

unsigned power_late_pending(const struct power_late *pl)
{
	return pl ? pl->n : 0;
}

void power_late_free(struct power_late *pl)
{
	if (!pl)
		return;
	while (pl->head) {
		struct late *l = pl->head;

		/* Abandoned first: a thread that has not begun its write now never will. */
		offload_abandon(l->offload);
		report(l, -ECANCELED);
		unlink_late(l);
	}
	sd_event_unref(pl->event);
	free(pl);
}
