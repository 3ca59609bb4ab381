/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstd: wiring. Everything with logic lives in the modules this file connects. */
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "devwatch.h"
#include "log.h"
#include "manager.h"
#include "power-left.h"
#include "xs-protocol.h"

#define MAX_POLICY_DIRS 8
/* How long running resets may take to finish after SIGTERM before they are aborted. */
#define STOP_GRACE (5 * USEC_PER_SEC)
/*
 * Requests change the status (its counts); it is published this long after
 * the first change, once for all changes meanwhile, not by each request: a
 * write per request would be a round trip in its path (docs/performance.md).
 */
#define STATUS_DELAY (1000 * USEC_PER_MSEC)

struct daemon {
	sd_event *event;
	struct pci_host *host;
	struct policy_handle *policy;
	struct xsp *xsp;
	struct manager *manager;
	struct devwatch *devwatch;
	const char *policy_dirs[MAX_POLICY_DIRS];
	unsigned n_policy_dirs;
	sd_event_source *status_timer, *stop_timer, *status_later;
	struct manager_reporter xs_reporter; /* the adapter's; main's reporter wraps it */
	usec_t orphan_timeout, answered_timeout;
	unsigned max_requests;
	enum devwatch_source devwatch_source;
	const char *runtime_dir; /* --runtime-dir, else systemd's $RUNTIME_DIRECTORY */
	char power_left[PATH_MAX];
	bool stopping;
};

static void usage(FILE *f)
{
	fputs("Usage: pcirstd [OPTIONS]\n"
	      "\n"
	      "Performs PCI device resets for the Xen toolstack, under per-device policy,\n"
	      "answering requests over xenstore (docs/protocol.md) and auditing every\n"
	      "decision in the journal.\n"
	      "\n"
	      "  --sysfs-root DIR     treat DIR as / for /sys (tests; default /)\n"
	      "  --policy-dir DIR     read policy files from DIR (repeatable, lowest priority\n"
	      "                       first; default /usr/lib/pcirstd/policy.d then\n"
	      "                       /etc/pcirstd/policy.d)\n"
	      "  --xenstore-base PATH serve PATH instead of /local/domain/0/pci-reset\n"
	      "  --orphan-timeout S   remove a response whose request is gone after S seconds\n"
	      "                       (default 60)\n"
	      "  --answered-timeout S remove an answered, uncollected request after S seconds\n"
	      "                       (default 600)\n"
	      "  --max-requests N     hold at most N requests (queued or running); more are\n"
	      "                       refused (default 256)\n"
	      "  --device-watch SRC   where to learn of removed devices: auto (default: udev\n"
	      "                       if udevd runs, else kernel), udev, kernel or none\n"
	      "  --runtime-dir DIR    keep what must outlive this instance in DIR (default:\n"
	      "                       $RUNTIME_DIRECTORY, set by systemd; none: not kept)\n"
	      "  --foreground         run in the foreground (the only mode; for scripts)\n"
	      "  --log-level LEVEL    err, warning, notice, info (default) or debug\n"
	      "  --version            show the version\n"
	      "  -h, --help           show this help\n",
	      f);
}

static void update_status(struct daemon *d)
{
	unsigned c[_RESULT_MAX];
	char status[256];

	manager_counts(d->manager, c);
	snprintf(status, sizeof(status),
		 "%s; %u running, %u queued (at most %u held); done: %u ok, %u failed, %u "
		 "failed-ignored, "
		 "%u skipped, %u refused; store reads %llu, watch events %llu, round trips %llu",
		 d->stopping		 ? "stopping"
		 : xsp_connected(d->xsp) ? "serving"
					 : "waiting for xenstored",
		 manager_running(d->manager), manager_queued(d->manager),
		 manager_max_requests(d->manager), c[RESULT_OK], c[RESULT_FAILED],
		 c[RESULT_FAILED_IGNORED], c[RESULT_SKIPPED], c[RESULT_REFUSED],
		 (unsigned long long)xsp_counters(d->xsp)->store_reads,
		 (unsigned long long)xsp_counters(d->xsp)->watch_events,
		 (unsigned long long)xsp_counters(d->xsp)->round_trips);
	sd_notifyf(0, "STATUS=%s", status);
	xsp_set_status(d->xsp, status);
}

static void on_connection_change(void *userdata)
{
	update_status(userdata);
}

static int on_status_later(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	update_status(d);
	/*
	 * Nothing held any more: what a burst of requests took from the heap
	 * (64 resets at once: about 600 KiB) goes back to the system instead of
	 * staying resident while idle (docs/performance.md, memory).
	 */
	if (manager_running(d->manager) + manager_queued(d->manager) == 0)
		malloc_trim(0);
	return 0;
}

/* The status changed with a request: published STATUS_DELAY later, with whatever else changes. */
static void status_later(struct daemon *d)
{
	int on = SD_EVENT_OFF;

	if (!d->status_later) {
		if (sd_event_add_time_relative(d->event, &d->status_later, CLOCK_MONOTONIC,
					       STATUS_DELAY, USEC_PER_MSEC, on_status_later,
					       d) < 0) {
			d->status_later = NULL;
			update_status(d);
		}
		return;
	}
	if (sd_event_source_get_enabled(d->status_later, &on) >= 0 && on != SD_EVENT_OFF)
		return; /* already due */
	sd_event_source_set_time_relative(d->status_later, STATUS_DELAY);
	sd_event_source_set_enabled(d->status_later, SD_EVENT_ONESHOT);
}

static void on_accepted(void *userdata, const struct request *r)
{
	struct daemon *d = userdata;

	d->xs_reporter.accepted(d->xs_reporter.userdata, r);
	status_later(d);
}

static void on_done(void *userdata, const struct request *r, const struct manager_result *res)
{
	struct daemon *d = userdata;

	d->xs_reporter.done(d->xs_reporter.userdata, r, res);
	status_later(d);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	update_status(d);
	if (!d->stopping)
		return 0;
	if (manager_running(d->manager) + manager_queued(d->manager) == 0)
		sd_event_exit(d->event, 0);
	sd_event_source_set_time_relative(s, 50 * USEC_PER_MSEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_stop_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	log_warning("resets still running %llu s after SIGTERM: aborting them",
		    (unsigned long long)(STOP_GRACE / USEC_PER_SEC));
	manager_abort_all(d->manager, "pcirstd is stopping");
	return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	if (d->stopping)
		return 0;
	d->stopping = true;
	log_info("stopping: %u resets running, %u queued", manager_running(d->manager),
		 manager_queued(d->manager));
	sd_notify(0, "STOPPING=1");
	xsp_set_state(d->xsp, "stopping");
	manager_stop_starting(d->manager);
	/* Queued requests stay for the next instance; running ones get STOP_GRACE to finish. */
	if (manager_running(d->manager) == 0) {
		sd_event_exit(d->event, 0);
		return 0;
	}
	sd_event_add_time_relative(d->event, &d->stop_timer, CLOCK_MONOTONIC, STOP_GRACE,
				   USEC_PER_MSEC, on_stop_timer, d);
	sd_event_source_set_time_relative(d->status_timer, 50 * USEC_PER_MSEC);
	sd_event_source_set_enabled(d->status_timer, SD_EVENT_ONESHOT);
	return 0;
}

static int load_policy(struct daemon *d, struct policy **out)
{
	struct policy_diags diags = {0};
	const char *const *dirs = d->n_policy_dirs ? d->policy_dirs : policy_default_dirs;
	unsigned n = d->n_policy_dirs ? d->n_policy_dirs : ELEMENTSOF(policy_default_dirs);
	int r = policy_load(dirs, n, NULL, 0, &diags, out);

	for (unsigned i = 0; i < diags.n; i++) {
		char line[1024];

		policy_diag_format(&diags.v[i], line, sizeof(line));
		log_msg(diags.v[i].severity == POLICY_ERROR ? LOG_ERR : LOG_WARNING, "%s", line);
	}
	if (r < 0)
		audit_policy_rejected(&audit_journal_sink, &diags);
	policy_diags_clear(&diags);
	return r;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;
	struct policy *p = NULL;
	int r;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)now_usec());
	r = load_policy(d, &p);
	if (r < 0) {
		log_err("policy reload failed; the running policy stays in force");
	} else {
		/* Resets already running keep the policy they started with (they hold a reference).
		 */
		policy_handle_swap(d->policy, p);
		audit_policy_reloaded(&audit_journal_sink, p);
		log_info("policy reloaded: %u rules from %u files", p->n_rules, p->n_files);
		policy_unref(p);
	}
	sd_notify(0, "READY=1");
	update_status(d);
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv, const char **root, const char **base)
{
	static const struct option options[] = {
	    {"sysfs-root", required_argument, NULL, 'r'},
	    {"policy-dir", required_argument, NULL, 'p'},
	    {"xenstore-base", required_argument, NULL, 'b'},
	    {"orphan-timeout", required_argument, NULL, 'o'},
	    {"answered-timeout", required_argument, NULL, 'a'},
	    {"max-requests", required_argument, NULL, 'm'},
	    {"device-watch", required_argument, NULL, 'w'},
	    {"runtime-dir", required_argument, NULL, 'R'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c, level;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			*root = optarg;
			break;
		case 'p':
			if (d->n_policy_dirs == MAX_POLICY_DIRS) {
				fprintf(stderr, "pcirstd: at most %d --policy-dir\n",
					MAX_POLICY_DIRS);
				return -EINVAL;
			}
			d->policy_dirs[d->n_policy_dirs++] = optarg;
			break;
		case 'b':
			*base = optarg;
			break;
		case 'f':
			break;
		case 'R':
			d->runtime_dir = optarg;
			break;
		case 'w':
			if (devwatch_source_from_name(optarg, &d->devwatch_source) < 0) {
				fprintf(stderr,
					"pcirstd: --device-watch: '%s' is not auto, udev, "
					"kernel or none\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'm': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v == 0 || v > 65536) {
				fprintf(stderr, "pcirstd: invalid --max-requests '%s' (1-65536)\n",
					optarg);
				return -EINVAL;
			}
			d->max_requests = (unsigned)v;
			break;
		}
		case 'o':
		case 'a': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v == 0 || v > 86400) {
				fprintf(stderr, "pcirstd: invalid timeout '%s' (1-86400 s)\n",
					optarg);
				return -EINVAL;
			}
			if (c == 'o')
				d->orphan_timeout = v * USEC_PER_SEC;
			else
				d->answered_timeout = v * USEC_PER_SEC;
			break;
		}
		case 'l':
			level = log_level_from_name(optarg);
			if (level < 0) {
				fprintf(stderr, "pcirstd: unknown log level '%s'\n", optarg);
				return -EINVAL;
			}
			log_set_max_level(level);
			break;
		case 'V':
			printf("pcirstd %s (protocol %s)\n", PCIRST_VERSION, XSP_PROTOCOL_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pcirstd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int assigned_from_xenstore(void *userdata, struct pcirst_sbdf **out, unsigned *n)
{
	return xsp_assigned_pci(userdata, out, n);
}

int main(int argc, char **argv)
{
	struct daemon d = {.devwatch_source = DEVWATCH_SOURCE_AUTO};
	struct manager_reporter reporter;
	struct devwatch_stats watch;
	struct policy *p = NULL;
	const char *root = getenv("PCIRST_SYSFS_ROOT"), *base = NULL;
	sigset_t mask;
	int r;

	if (!root || !root[0])
		root = "/";
	if (parse_args(&d, argc, argv, &root, &base) < 0)
		return 2;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if ((r = sd_event_default(&d.event)) < 0 ||
	    (r = sd_event_add_signal(d.event, NULL, SIGTERM, on_sigterm, &d)) < 0 ||
	    (r = sd_event_add_signal(d.event, NULL, SIGINT, on_sigterm, &d)) < 0 ||
	    (r = sd_event_add_signal(d.event, NULL, SIGHUP, on_sighup, &d)) < 0 ||
	    (r = sd_event_set_watchdog(d.event, true)) < 0) {
		log_err("cannot set up the event loop: %s", strerror(-r));
		return 1;
	}
	/* A broken policy at start is fatal: serving with a guessed policy would be worse. */
	if (load_policy(&d, &p) < 0) {
		log_err("no valid policy: not starting (check with 'pcirstctl policy check')");
		return 1;
	}
	if ((r = policy_handle_new(p, &d.policy)) < 0 || (r = sysfs_host_new(root, &d.host)) < 0 ||
	    (r = xsp_new(d.event, base, &d.xsp)) < 0) {
		log_err("cannot start: %s", strerror(-r));
		return 1;
	}
	policy_unref(p);
	xsp_set_gc_timeouts(d.xsp, d.orphan_timeout ? d.orphan_timeout : 60 * USEC_PER_SEC,
			    d.answered_timeout ? d.answered_timeout : 600 * USEC_PER_SEC);
	d.xs_reporter = xsp_reporter(d.xsp);
	reporter = (struct manager_reporter){on_accepted, on_done, &d};
	r = manager_new(d.event, d.host, d.policy, &audit_journal_sink, &reporter, &d.manager);
	if (r < 0) {
		log_err("cannot start: %s", strerror(-r));
		return 1;
	}
	if (d.max_requests)
		manager_set_max_requests(d.manager, d.max_requests);
	if (!d.runtime_dir)
		d.runtime_dir = getenv("RUNTIME_DIRECTORY");
	if (d.runtime_dir && d.runtime_dir[0]) {
		/* Values an earlier instance left "on" are set back; ours are kept there at exit.
		 */
		snprintf(d.power_left, sizeof(d.power_left), "%s/%s", d.runtime_dir,
			 POWER_LEFT_NAME);
		power_left_inherit(d.power_left, d.manager);
		manager_set_power_keeper(
		    d.manager,
		    &(struct manager_power_keeper){power_left_keep, d.power_left, d.power_left});
	}
	xsp_set_manager(d.xsp, d.manager);
	manager_set_assigned_source(
	    d.manager, &(struct manager_assigned_source){assigned_from_xenstore, d.xsp});
	/* "auto" goes on without a uevent source (logged): removals then show as failed reads. */
	r = devwatch_new(d.event, root, d.devwatch_source, devwatch_to_manager, d.manager,
			 &d.devwatch);
	if (r < 0) {
		log_err("cannot watch devices (--device-watch %s): %s",
			devwatch_source_name(d.devwatch_source), strerror(-r));
		return 1;
	}
	r = xsp_start(d.xsp);
	if (r < 0) {
		log_err("cannot serve xenstore: %s", strerror(-r));
		return 1;
	}
	/* The status first: a client that sees "ready" finds it (a slow start showed the gap). */
	update_status(&d);
	xsp_set_state(d.xsp, "ready");
	/*
	 * The status changes with each request and connection and is published
	 * then; the timer only watches the running resets while stopping, so an
	 * idle daemon wakes for nothing (docs/performance.md).
	 */
	sd_event_add_time_relative(d.event, &d.status_timer, CLOCK_MONOTONIC, 5 * USEC_PER_SEC,
				   USEC_PER_MSEC, on_status_timer, &d);
	sd_event_source_set_enabled(d.status_timer, SD_EVENT_OFF);
	xsp_on_connection_change(d.xsp, on_connection_change, &d);
	sd_notify(0, "READY=1");
	devwatch_get_stats(d.devwatch, &watch);
	log_info("pcirstd %s ready (sysfs root %s, device watch: %s%s)", PCIRST_VERSION, root,
		 devwatch_source_name(devwatch_get_source(d.devwatch)),
		 devwatch_get_source(d.devwatch) != DEVWATCH_SOURCE_NONE && !watch.filtered
		     ? ", unfiltered"
		     : "");

	r = sd_event_loop(d.event);

	/* The final counts: a status still due (status_later) would be lost with the loop. */
	update_status(&d);
	xsp_set_state(d.xsp, "stopping");
	devwatch_free(d.devwatch); /* before the manager its callback points to */
	manager_free(d.manager);
	xsp_free(d.xsp);
	policy_handle_free(d.policy);
	pci_host_free(d.host);
	sd_event_source_disable_unref(d.status_timer);
	sd_event_source_disable_unref(d.stop_timer);
	sd_event_source_disable_unref(d.status_later);
	sd_event_unref(d.event);
	return r < 0 ? 1 : 0;
}
