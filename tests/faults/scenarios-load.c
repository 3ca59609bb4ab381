/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bad requests, floods and reloads during a flood (scenarios.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios.h"

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- Malformed, oversized, duplicated and half-written requests ---- */
void scn_malformed(struct row *row, const struct scale *s)
{
	char big[300], id[32];
	struct rig r = {0};
	unsigned bad_before;
	int n;

	row->scenario = "malformed/oversized/duplicated/half-written";
	if (!scn_start(&r, row, s, scn_policy))
		return;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rig_request(&r, KV("sbdf", "0000:02:00", "reason", "attach"));
	rig_request(&r, KV("sbdf", "0000:02:00.0", "reason", "attach", "color", "red"));
	rig_request(&r, KV("sbdf", "0000:02:00.0", "reason", big));
	rig_request(&r, KV("sbdf", big, "reason", "attach"));
	rig_request(&r, KV("sbdf", "0000:02:00.0"));
	rig_request(&r, KV("reason", "attach"));
	rig_request(&r, KV("sbdf", "0000:02:00.0", "reason", "attach", "domid", "-1"));
	rig_request(&r, KV("sbdf", "0000:02:00.0", "reason", "attach", "options", "frobnicate"));
	rig_request(&r, KV("sbdf", "0000:09:00.0", "reason", "attach"));
	rig_request(&r, KV("sbdf",
			   "0000:02:00.0 0000:02:00.0 0000:02:00.0 0000:02:00.0 0000:02:00.0 "
			   "0000:02:00.0 0000:02:00.0 0000:02:00.0 0000:02:00.0",
			   "reason", "attach"));
	rig_request(&r, KV("sbdf", "0000:02:00.0\xff", "reason", "attach"));
	bad_before = r.next;
	/* Duplicated: the same function twice at once, with different options. */
	rig_request(&r, KV("sbdf", "0000:01:00.0", "reason", "attach"));
	rig_request(&r, KV("sbdf", "0000:01:00.0", "reason", "attach", "options", "strict-reset"));
	rig_wait_answers(&r, 3000, 20000);
	/* Duplicated: an answered request written again under its id must not be answered again. */
	n = rig_request(&r, KV("sbdf", "0000:02:00.0", "reason", "manual"));
	rig_wait_answers(&r, 3000, 10000);
	rig_resend(&r, n, KV("sbdf", "0000:02:00.0", "reason", "manual"));
	/* Half-written: fields one by one without a transaction, 200 ms apart. */
	n = (int)r.next++;
	r.ans[n].sent = true;
	rig_id((unsigned)n, id, sizeof(id));
	rig_request_id(&r, id, KV("reason", "manual"), false);
	rig_sleep_ms(200);
	rig_request_id(&r, id, KV("domid", "4"), false);
	rig_sleep_ms(200);
	rig_request_id(&r, id, KV("sbdf", "0000:02:00.0"), false);
	rig_wait_answers(&r, 3000, 15000);
	rig_sleep_ms(1000); /* time for a second answer to show */
	for (unsigned i = 0; i < bad_before; i++)
		scn_expect(row, !r.ans[i].done || !strcmp(r.ans[i].result, "refused"),
			   "malformed request %u answered %s", i, r.ans[i].result);
	scn_finish(&r, row);
}

/* Requests as a busy host sends them: mostly to the skip device, some refused. */
static const char *const *flood_req(unsigned i)
{
	static const char *const driver[] = {"sbdf", "0000:04:00.1", "reason", "attach", NULL};
	static const char *const bad[] = {"sbdf", "nonsense", "reason", "attach", NULL};
	static const char *const skip[] = {"sbdf", "0000:03:00.0", "reason", "attach", "domid", "9",
					   NULL};

	if (i % 10 == 9)
		return driver; /* bound to e1000e: refused */
	if (i % 10 == 8)
		return bad;
	return skip;
}

/* ---- A flood: bounded memory, every request answered or refused with a reason ---- */
void scn_flood(struct row *row, const struct scale *s)
{
	static char name[64];
	struct rig r = {0};
	uint64_t t0, t1;

	snprintf(name, sizeof(name), "flood of %u requests", s->flood);
	row->scenario = name;
	if (!scn_start(&r, row, s, scn_policy))
		return;
	row->rss_start_kb = rig_daemon_rss_kb(&r, false);
	t0 = rig_now_ms();
	for (unsigned i = 0; i < s->flood; i++)
		if (rig_request(&r, flood_req(i)) < 0)
			scn_expect(row, false, "request %u could not be written", i);
	t1 = rig_now_ms();
	rig_wait_answers(&r, 10000, 600000);
	row->rss_peak_kb = rig_daemon_rss_kb(&r, true);
	row->rss_end_kb = rig_daemon_rss_kb(&r, false);
	snprintf(row->note, sizeof(row->note), "written in %llu ms, answered after %llu ms",
		 (unsigned long long)(t1 - t0), (unsigned long long)(rig_now_ms() - t0));
	scn_finish(&r, row);
	/* Bounded: the peak must not grow with the request count beyond a few KiB each. */
	scn_expect(row, row->rss_peak_kb < 64 * 1024, "pcirstd's peak RSS %ld KiB",
		   row->rss_peak_kb);
}

/* ---- SIGHUP with a broken policy during a flood ---- */
void scn_hup_flood(struct row *row, const struct scale *s)
{
	struct rig r = {0};
	unsigned hups = 0;

	row->scenario = "SIGHUP + broken policy during a flood";
	if (!scn_start(&r, row, s, scn_policy))
		return;
	for (unsigned i = 0; i < s->hup_flood; i++) {
		rig_request(&r, flood_req(i));
		if (i % 50 == 25) {
			/* Broken and good in turn: a broken file keeps the old policy. */
			rig_write_policy(&r,
					 hups % 2 ? scn_policy : "{ \"rules\": [ { \"match\": ");
			kill(r.daemon, SIGHUP);
			hups++;
		}
	}
	rig_write_policy(&r, "{ \"rules\": [ broken");
	kill(r.daemon, SIGHUP);
	hups++;
	rig_wait_answers(&r, 10000, 300000);
	for (unsigned i = 0; i < r.next; i++)
		if (r.ans[i].done && i % 10 < 8)
			scn_expect(row, !strcmp(r.ans[i].result, "skipped"),
				   "request %u answered %s: the skip rule was lost", i,
				   r.ans[i].result);
	snprintf(row->note, sizeof(row->note), "%u reloads", hups);
	scn_finish(&r, row);
}
