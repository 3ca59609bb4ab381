/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcirstctl: the control tool. Global options, then one command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcirstctl.h"

static void usage(FILE *f)
{
	fputs("Usage: pcirstctl [--sysfs-root DIR] COMMAND [ARGS...]\n"
	      "\n"
	      "Resets PCI devices the way pcirstd does, and inspects them.\n"
	      "\n"
	      "Commands:\n"
	      "  probe [SBDF...]         list devices and the reset methods each supports\n"
	      "  reset SBDF...           reset now, without the daemon, and print the trail\n"
	      "  request SBDF...         ask the running daemon to reset, print its answer\n"
	      "  status                  the daemon's state, requests in flight, recent decisions\n"
	      "  policy check|explain|from-qubes|suggest\n"
	      "                          validate and explain reset policy files\n"
	      "\n"
	      "Options:\n"
	      "  --sysfs-root DIR        treat DIR as / (default $PCIRST_SYSFS_ROOT or /)\n"
	      "  -h, --help              show this help\n"
	      "  --version               show the version\n"
	      "\n"
	      "'pcirstctl COMMAND --help' describes each command.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"sysfs-root", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	static const struct {
		const char *name;
		int (*fn)(int, char **, const struct ctl_globals *);
	} commands[] = {
	    {"probe", cmd_probe},   {"reset", cmd_reset},   {"request", cmd_request},
	    {"status", cmd_status}, {"policy", cmd_policy},
	};
	struct ctl_globals g = {.sysfs_root = getenv("PCIRST_SYSFS_ROOT")};
	int c;

	if (!g.sysfs_root || !g.sysfs_root[0])
		g.sysfs_root = "/";
	/* "+": stop at the command name; the command parses the rest. */
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.sysfs_root = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("pcirstctl %s\n", PCIRST_VERSION);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0; /* reset getopt for the command's own options */
			return commands[i].fn(argc, argv, &g);
		}
	}
	fprintf(stderr, "pcirstctl: unknown command '%s' (see pcirstctl --help)\n", argv[optind]);
	return CTL_EXIT_USAGE;
}
