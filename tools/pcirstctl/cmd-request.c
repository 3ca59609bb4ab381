/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstctl request: ask the running daemon, through libpcirst, as libxl would. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcirst/pcirst.h>

#include "ctl-util.h"
#include "pcirstctl.h"

static void request_usage(FILE *f)
{
	fputs(
	    "Usage: pcirstctl request SBDF... [--domid N] [--reason R] [--option O]...\n"
	    "                         [--timeout MS] [--base PATH]\n"
	    "\n"
	    "Asks the running pcirstd to reset the given functions (together) over\n"
	    "xenstore, waits for its answer and prints it.\n"
	    "\n"
	    "  -d, --domid N      the domain the device goes to or comes from\n"
	    "  -r, --reason R     attach, detach or manual (default manual)\n"
	    "  -o, --option O     strict-reset, no-strict-reset or no-reset (the policy decides)\n"
	    "  -t, --timeout MS   how long to wait for the answer (default 30000)\n"
	    "      --base PATH    xenstore path of the daemon (default\n"
	    "                     /local/domain/0/pci-reset)\n"
	    "  -h, --help         show this help\n"
	    "\n"
	    "Exit status: 0 ok; 1 failed (strict); 2 usage; 3 refused; 4 the daemon is not\n"
	    "ready or xenstore is unreachable; 5 failed-ignored (lenient); 6 skipped.\n",
	    f);
}

int cmd_request(int argc, char **argv, const struct ctl_globals *g)
{
	static const struct option options[] = {
	    {"domid", required_argument, NULL, 'd'},
	    {"reason", required_argument, NULL, 'r'},
	    {"option", required_argument, NULL, 'o'},
	    {"timeout", required_argument, NULL, 't'},
	    {"base", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct pcirst_request req = {.domid = -1, .reason = "manual"};
	_cleanup_(freep) struct pcirst_sbdf *targets = NULL;
	struct pcirst *p = NULL;
	struct pcirst_result *res = NULL;
	const char *base = NULL;
	char opts[256] = "";
	unsigned long timeout = 30000;
	char *end;
	int c, r, ret;

	while ((c = getopt_long(argc, argv, "d:r:o:t:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			errno = 0;
			req.domid = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || req.domid < 0) {
				fprintf(stderr, "pcirstctl request: invalid domid '%s'\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'r':
			req.reason = optarg;
			break;
		case 'o':
			snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s%s",
				 opts[0] ? "," : "", optarg);
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout == 0) {
				fprintf(stderr, "pcirstctl request: invalid timeout '%s'\n",
					optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'b':
			base = optarg;
			break;
		case 'h':
			request_usage(stdout);
			return CTL_EXIT_OK;
		default:
			request_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 8) {
		fprintf(stderr, "pcirstctl request: give 1 to 8 addresses (see --help)\n");
		return CTL_EXIT_USAGE;
	}
	if (ctl_parse_sbdfs("request", argc - optind, argv + optind, &targets) < 0)
		return CTL_EXIT_USAGE;
	req.targets = targets;
	req.n_targets = (unsigned)(argc - optind);
	req.options = opts[0] ? opts : NULL;

	r = pcirst_open(base, &p);
	if (r < 0) {
		fprintf(stderr, "pcirstctl request: cannot connect to xenstored: %s\n",
			strerror(-r));
		return CTL_EXIT_ENVIRONMENT;
	}
	r = pcirst_request_sync(p, &req, (unsigned)timeout, &res);
	if (r == -EOWNERDEAD) {
		int pid = 0;

		(void)pcirst_daemon_alive(p, &pid);
		fprintf(stderr,
			"pcirstctl request: pcirstd is not running (stale state from pid %d)\n",
			pid);
	} else if (r < 0)
		fprintf(stderr, "pcirstctl request: %s\n",
			r == -ENOTCONN	  ? "pcirstd is not ready (daemon/state is not 'ready')"
			: r == -ETIMEDOUT ? "no answer from pcirstd in time; request withdrawn"
					  : strerror(-r));
	if (r < 0) {
		pcirst_close(p);
		return CTL_EXIT_ENVIRONMENT;
	}
	printf("result:   %s\n", pcirst_result_name(res));
	if (pcirst_result_method(res)[0])
		printf("method:   %s\n", pcirst_result_method(res));
	if (pcirst_result_effect(res)[0])
		printf("effect:   %s\n", pcirst_result_effect(res));
	if (pcirst_result_policy(res)[0])
		printf("policy:   %s (rule %s)\n", pcirst_result_policy(res),
		       pcirst_result_rule(res));
	if (pcirst_result_error(res)[0])
		printf("error:    %s\n", pcirst_result_error(res));
	printf("duration: %llu ms\n", (unsigned long long)pcirst_result_duration_ms(res));
	switch (pcirst_result_kind(res)) {
	case PCIRST_RESULT_OK:
		ret = CTL_EXIT_OK;
		break;
	case PCIRST_RESULT_FAILED:
		ret = CTL_EXIT_FAILED;
		break;
	case PCIRST_RESULT_REFUSED:
		ret = CTL_EXIT_REFUSED;
		break;
	case PCIRST_RESULT_FAILED_IGNORED:
		ret = CTL_EXIT_FAILED_IGNORED;
		break;
	default:
		ret = CTL_EXIT_SKIPPED;
		break;
	}
	pcirst_result_free(res);
	pcirst_close(p);
	return ret;
}
