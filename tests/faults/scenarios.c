/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Faults of devices, xenstored and the daemon itself (scenarios.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenarios.h"
#include "uevent.h"
#include "xenstored-harness.h"

const char scn_policy[] = "{ \"rules\": [\n"
			  "  { \"match\": { \"sbdf\": \"0000:03:00.0\" }, \"policy\": \"skip\",\n"
			  "    \"reason\": \"faults: never reset\" },\n"
			  "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"policy\": \"strict\",\n"
			  "    \"extra-delay-ms\": 1500, \"reason\": \"faults: a slow reset\" }\n"
			  "] }\n";

void scn_expect(struct row *row, bool cond, const char *fmt, ...)
{
	size_t n = strlen(row->note);
	va_list ap;

	if (cond)
		return;
	row->bad = true;
	if (n + 3 >= sizeof(row->note))
		return;
	if (n)
		n += (size_t)snprintf(row->note + n, sizeof(row->note) - n, "; ");
	va_start(ap, fmt);
	vsnprintf(row->note + n, sizeof(row->note) - n, fmt, ap);
	va_end(ap);
}

bool scn_start(struct rig *r, struct row *row, const struct scale *s, const char *policy)
{
	int e;

	r->valgrind = s->valgrind;
	e = rig_start(r, policy);
	scn_expect(row, e >= 0, "rig did not start: %s", strerror(-e));
	if (e < 0) {
		rig_check_daemon(r);
		row->crashed = r->crashes;
		rig_stop(r); /* the watcher thread must not outlive r */
	}
	return e >= 0;
}

void scn_finish(struct rig *r, struct row *row)
{
	rig_check_daemon(r);
	rig_sweep(r);
	rig_tally(r, row);
	rig_stop(r);
	row->crashed = r->crashes;
	scn_expect(row, row->sent > 0, "no request sent");
	scn_expect(row, !row->lost, "%u lost", row->lost);
	scn_expect(row, !row->twice, "%u answered twice", row->twice);
	scn_expect(row, !row->crashed, "pcirstd crashed %u times", row->crashed);
	scn_expect(row, !r->valgrind_errors, "valgrind reported errors (exit 99; see its log)");
}

static const char *const *req(const char *sbdf)
{
	static char buf[8][32];
	static const char *kv[8][7];
	static unsigned k;
	unsigned i = k++ % 8;

	snprintf(buf[i], sizeof(buf[i]), "%s", sbdf);
	kv[i][0] = "sbdf";
	kv[i][1] = buf[i];
	kv[i][2] = "reason";
	kv[i][3] = "attach";
	kv[i][4] = "domid";
	kv[i][5] = "5";
	kv[i][6] = NULL;
	return kv[i];
}

/* Waits up to ms for response/<n>/state to read want. */
static bool wait_state(struct rig *r, int n, const char *want, unsigned ms)
{
	uint64_t until = rig_now_ms() + ms;
	char path[96];

	snprintf(path, sizeof(path), BASE "/response/" ID_PREFIX "%d/state", n);
	while (rig_now_ms() < until) {
		char *v = xs_read(r->h, XBT_NULL, path, NULL);
		bool hit = v && !strcmp(v, want);

		free(v);
		if (hit)
			return true;
		rig_sleep_ms(10);
	}
	return false;
}

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	(void)!system(cmd);
}

/*
 * ---- The device vanishes while pcirstd resets it ----
 * Its sysfs directory goes, and udevd's "remove" event comes, as on a real
 * host: pcirstd's device watch listens on the udev group of a network
 * namespace of our own, where this process plays udevd.
 */
void scn_vanish(struct row *row, const struct scale *s)
{
	struct rig r = {.device_watch = "udev"};
	int a, sock;

	row->scenario = "device vanishes mid-reset";
	if (unshare(CLONE_NEWNET) < 0) {
		scn_expect(row, false, "no network namespace for udev events: %s", strerror(errno));
		return;
	}
	if (!scn_start(&r, row, s, scn_policy))
		return;
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	a = rig_request(&r, req("0000:01:00.0"));
	scn_expect(row, wait_state(&r, a, "accepted", 3000), "never accepted");
	rig_sleep_ms(300); /* inside the 1.5 s extra delay after the FLR */
	sh("d=%s/root/sys/bus/pci/devices/0000:01:00.0; rm -rf \"$(readlink -f $d)\" $d", r.dir);
	scn_expect(row,
		   uevent_send_udev(sock, "remove", "pci",
				    "/devices/pci0000:00/0000:00:01.0/0000:01:00.0",
				    UEVENT_UDEV_MAGIC) == 0,
		   "the remove event could not be sent");
	close(sock);
	rig_wait_answers(&r, 5000, 15000);
	/* The function that is gone cannot have been reset and restored: never ok. */
	scn_finish(&r, row);
	scn_expect(row, row->ok == 0, "a vanished device was answered ok");
}

/* ---- The device never answers again after its FLR ---- */
struct deadserver {
	char path[256];
	int fd;
	bool stop;
	unsigned killed;
};

/* Plays a function that dies at its FLR: when Initiate FLR is set, config space reads all ones. */
static void *dead_after_flr(void *arg)
{
	struct deadserver *d = arg;
	uint8_t ones[4096], ctl[2], id[2];
	char ev[4096];

	memset(ones, 0xff, sizeof(ones));
	while (!d->stop) {
		int fd;

		if (read(d->fd, ev, sizeof(ev)) <= 0) {
			rig_sleep_ms(5);
			continue;
		}
		fd = open(d->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* PCIe capability at 0x60 in the simulated tree; Device Control at +8, bit 15. */
		if (pread(fd, id, 2, 0) == 2 && (id[0] != 0xff || id[1] != 0xff) &&
		    pread(fd, ctl, 2, 0x60 + 8) == 2 && (ctl[1] & 0x80)) {
			(void)!pwrite(fd, ones, sizeof(ones), 0);
			d->killed++;
		}
		close(fd);
	}
	return NULL;
}

void scn_never_ready(struct row *row, const struct scale *s)
{
	static const char policy[] =
	    "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:02:00.0\" }, \"policy\": \"strict\",\n"
	    "  \"methods\": [\"flr\"], \"ready-timeout-ms\": 300, \"reason\": \"faults\" } ] }\n";
	struct deadserver d = {.fd = -1};
	struct rig r = {0};
	pthread_t t;

	row->scenario = "device never ready after reset";
	if (!scn_start(&r, row, s, policy))
		return;
	/* This function is ours to serve now, not pcirst-simtree's. */
	sh("kill $(cat %s/root/simtree.pid) 2>/dev/null", r.dir);
	rig_cfg_path(&r, "0000:02:00.0", d.path, sizeof(d.path));
	d.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	inotify_add_watch(d.fd, d.path, IN_MODIFY);
	pthread_create(&t, NULL, dead_after_flr, &d);
	for (int i = 0; i < 3; i++) {
		rig_request(&r, req("0000:02:00.0"));
		rig_wait_answers(&r, 3000, 10000);
	}
	d.stop = true;
	pthread_join(t, NULL);
	close(d.fd);
	scn_finish(&r, row);
	scn_expect(row, d.killed > 0, "the device was never reset");
	scn_expect(row, row->failed == row->sent, "a dead device was not answered failed");
	snprintf(row->note + strlen(row->note), sizeof(row->note) - strlen(row->note),
		 "%sdied at %u FLRs", row->note[0] ? "; " : "", d.killed);
}

/* ---- Config spaces a guest could leave behind ---- */
void scn_hostile(struct row *row, const struct scale *s)
{
	static const char *const devs[] = {"0000:01:00.0", "0000:02:00.0", "0000:04:00.0"};
	struct rig r = {0};
	char p[256];

	row->scenario = "hostile config spaces";
	if (!scn_start(&r, row, s, "{ \"rules\": [] }\n"))
		return;
	sh("kill $(cat %s/root/simtree.pid) 2>/dev/null", r.dir);
	/* All ones; a capability list that loops; truncated to 64 bytes. */
	rig_cfg_path(&r, devs[0], p, sizeof(p));
	sh("head -c 4096 /dev/zero | tr '\\0' '\\377' > %s", p);
	rig_cfg_path(&r, devs[1], p, sizeof(p));
	sh("printf '\\140' | dd of=%s bs=1 seek=97 conv=notrunc 2>/dev/null", p);
	rig_cfg_path(&r, devs[2], p, sizeof(p));
	sh("truncate -s 64 %s", p);
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < 3; i++)
			rig_request(&r, req(devs[i]));
	rig_wait_answers(&r, 5000, 30000);
	scn_finish(&r, row);
	scn_expect(row, row->ok == 0, "a hostile device was answered ok");
}

/* ---- xenstored killed between answers, restarted empty ---- */
static unsigned answered(struct rig *r, bool *which)
{
	unsigned n = 0;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < r->next; i++) {
		if (which)
			which[i] = r->ans[i].done > 0;
		n += r->ans[i].done > 0;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

/*
 * Twelve requests: three for 01:00.0 (1.5 s each, one after the other),
 * three each for 02:00.0 and 04:00.0 (FLR), three for the skip device.
 * xenstored is SIGKILLed once the quick ones are answered while 01:00.0's
 * first reset runs and its other two wait: answered requests must keep their
 * one answer (none written again into the new store), and the pending ones,
 * written again by their client, must be answered exactly once.
 */
void scn_xenstored_restart(struct row *row, const struct scale *s)
{
	static const char *const devs[] = {"0000:01:00.0", "0000:02:00.0", "0000:04:00.0",
					   "0000:03:00.0"};
	struct rig r = {0};
	bool before[12] = {false};
	unsigned pending = 0, kept = 0, again = 0, resent_once = 0, slow_left = 0;
	uint64_t until;
	int e;

	row->scenario = "xenstored killed+restarted, requests answered and pending";
	if (!scn_start(&r, row, s, scn_policy))
		return;
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < 4; i++)
			rig_request(&r, req(devs[i]));
	scn_expect(row, wait_state(&r, 0, "accepted", 3000), "01:00.0 never accepted");
	/* The nine quick ones answered, or 1 s of the first slow reset's 1.5 s gone. */
	until = rig_now_ms() + 1000;
	while (answered(&r, NULL) < 9 && rig_now_ms() < until)
		rig_sleep_ms(5);
	e = xsh_kill(r.xs);
	scn_expect(row, e >= 0, "xsh_kill: %s", strerror(-e));
	answered(&r, before);
	for (unsigned i = 0; i < 12; i++)
		slow_left += !before[i] && i % 4 == 0;
	scn_expect(row, answered(&r, NULL) > 0 && slow_left == 3,
		   "the kill did not fall between answers (%u answered, %u of 01:00.0 pending)",
		   answered(&r, NULL), slow_left);
	rig_sleep_ms(300);
	e = xsh_restart(r.xs);
	scn_expect(row, e >= 0, "xsh_restart: %s", strerror(-e));
	rig_reconnect(&r);
	scn_expect(row, rig_wait_ready(&r, 15000) == 0, "pcirstd did not come back to ready");
	/* The store is empty: a client writes its unanswered requests again. */
	for (unsigned i = 0; i < r.next; i++) {
		if (before[i])
			continue;
		pending++;
		rig_resend(&r, (int)i, req(devs[i % 4]));
	}
	rig_wait_answers(&r, 5000, 30000);
	rig_sweep(&r);
	for (unsigned i = 0; i < 12; i++) {
		char path[96], *v = NULL;

		if (before[i]) {
			/* Never written again: nothing of it may appear in the new store. */
			snprintf(path, sizeof(path), BASE "/response/" ID_PREFIX "%u/state", i);
			v = xs_read(r.h, XBT_NULL, path, NULL);
			free(v);
		}
		if (before[i] && r.ans[i].done == 1 && !v)
			kept++;
		else if (before[i])
			again++;
		else
			resent_once += r.ans[i].done == 1;
	}
	scn_expect(row, !again, "%u answered before the kill were answered again", again);
	scn_expect(row, resent_once == pending, "%u of %u pending answered exactly once",
		   resent_once, pending);
	scn_finish(&r, row);
	snprintf(row->note + strlen(row->note), sizeof(row->note) - strlen(row->note),
		 "%skilled with %u answered (kept, none again), %u pending (1 in its reset; "
		 "re-sent, each answered once)",
		 row->note[0] ? "; " : "", kept, pending);
}

/* ---- pcirstd SIGKILLed in the middle of a reset, started again ---- */
void scn_daemon_killed(struct row *row, const struct scale *s)
{
	struct rig r = {0};
	int a;

	row->scenario = "pcirstd SIGKILLed mid-reset, restarted";
	if (!scn_start(&r, row, s, scn_policy))
		return;
	a = rig_request(&r, req("0000:01:00.0"));
	rig_request(&r, req("0000:02:00.0"));
	for (int i = 0; i < 5; i++)
		rig_request(&r, req("0000:03:00.0"));
	scn_expect(row, wait_state(&r, a, "accepted", 3000), "never accepted");
	rig_sleep_ms(300); /* inside 01:00.0's extra delay */
	rig_kill_daemon(&r);
	for (int i = 0; i < 3; i++) /* written while no daemon runs */
		rig_request(&r, req("0000:02:00.0"));
	scn_expect(row, rig_start_daemon(&r) == 0 && rig_wait_ready(&r, 60000) == 0,
		   "pcirstd did not start again");
	rig_wait_answers(&r, 5000, 30000);
	scn_finish(&r, row);
}
