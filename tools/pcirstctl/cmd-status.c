/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstctl status: the daemon's state (xenstore), requests in flight, recent decisions (journal).
 */
#include <getopt.h>
#include <stdio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#include "pcirstctl.h"
#include "util.h"

#define DEFAULT_BASE "/local/domain/0/pci-reset"

static void status_usage(FILE *f)
{
	fputs("Usage: pcirstctl status [--recent N] [--base PATH]\n"
	      "\n"
	      "Shows pcirstd's state as it publishes it in xenstore, the requests it holds,\n"
	      "and its last decisions from the journal.\n"
	      "\n"
	      "  -n, --recent N   how many recent journal entries (default 10, 0 for none)\n"
	      "      --base PATH  xenstore path of the daemon\n"
	      "  -h, --help       show this help\n"
	      "\n"
	      "Exit status: 0 the daemon is ready; 1 it is not (starting, stopping, absent);\n"
	      "4 xenstore is unreachable.\n",
	      f);
}

static char *rd(struct xs_handle *h, const char *base, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return xs_read(h, XBT_NULL, path, NULL);
}

static void show_requests(struct xs_handle *h, const char *base)
{
	char path[512], rel[256];
	unsigned n = 0, shown = 0;
	_cleanup_(freep) char **ids = NULL;

	snprintf(path, sizeof(path), "%s/request", base);
	ids = xs_directory(h, XBT_NULL, path, &n);
	for (unsigned i = 0; ids && i < n; i++) {
		_cleanup_(freep) char *sbdf = NULL, *state = NULL, *reason = NULL;

		snprintf(rel, sizeof(rel), "request/%s/sbdf", ids[i]);
		sbdf = rd(h, base, rel);
		snprintf(rel, sizeof(rel), "request/%s/reason", ids[i]);
		reason = rd(h, base, rel);
		snprintf(rel, sizeof(rel), "response/%s/state", ids[i]);
		state = rd(h, base, rel);
		if (!shown++)
			printf("requests:\n");
		printf("  %-24s %-28s %-7s %s\n", ids[i], sbdf ? sbdf : "?", reason ? reason : "?",
		       state ? state : "new");
	}
	if (!shown)
		printf("requests: none\n");
}

static void show_recent(unsigned count)
{
	sd_journal *j = NULL;
	unsigned shown = 0;

	if (count == 0)
		return;
	if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0) {
		printf("recent: the journal cannot be read\n");
		return;
	}
	sd_journal_add_match(j, "SYSLOG_IDENTIFIER=pcirstd", 0);
	sd_journal_seek_tail(j);
	printf("recent decisions (journal, newest first):\n");
	while (shown < count && sd_journal_previous(j) > 0) {
		const void *data;
		size_t len;
		uint64_t usec;
		time_t t;
		char when[32];

		if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0)
			continue;
		sd_journal_get_realtime_usec(j, &usec);
		t = (time_t)(usec / USEC_PER_SEC);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("  %s  %.*s\n", when, (int)(len - 8), (const char *)data + 8);
		shown++;
	}
	if (!shown)
		printf("  none\n");
	sd_journal_close(j);
}

int cmd_status(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"recent", required_argument, NULL, 'n'},
	    {"base", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static const char *const fields[] = {"state", "status",	  "version",   "features",
					     "pid",   "instance", "start-time"};
	const char *base = DEFAULT_BASE;
	unsigned long recent = 10;
	struct xs_handle *h;
	struct pcirst *p = NULL;
	int stale = 0;
	bool ready = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "n:h", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			recent = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || recent > 1000) {
				fprintf(stderr, "pcirstctl status: invalid count '%s'\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'b':
			base = optarg;
			break;
		case 'h':
			status_usage(stdout);
			return CTL_EXIT_OK;
		default:
			status_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	h = xs_open(0);
	if (h && pcirst_open(base, &p) < 0)
		p = NULL;
	if (!h || !p) {
		fprintf(stderr, "pcirstctl status: cannot connect to xenstored: %m\n");
		if (h)
			xs_close(h);
		return CTL_EXIT_ENVIRONMENT;
	}
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		char rel[64];
		_cleanup_(freep) char *v = NULL;

		snprintf(rel, sizeof(rel), "daemon/%s", fields[i]);
		v = rd(h, base, rel);
		if (i == 0) {
			ready = v && streq(v, "ready");
			if (!v) {
				printf("pcirstd: not running (no %s/daemon/state)\n", base);
				break;
			}
			/* A killed daemon leaves "ready" behind: judge it (docs/protocol.md). */
			if (ready && pcirst_daemon_alive(p, &stale) == -EOWNERDEAD) {
				printf("pcirstd: not running (stale state from pid %d)\n", stale);
				ready = false;
			}
		}
		printf("%-9s %s\n", fields[i], v ? v : "-");
	}
	if (ready)
		show_requests(h, base);
	xs_close(h);
	pcirst_close(p);
	show_recent((unsigned)recent);
	return ready ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}
