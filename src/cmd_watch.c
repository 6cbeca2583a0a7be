/*
 * cmd_watch.c - `cylo watch [--once] [DIR...]`: its command line; the
 * daemon itself is daemon.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"

int cmd_watch(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .cli = cli, .level_fixed = cli->debug || cli->quiet };
	struct cylo_config *cfg;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.once = true;
			break;
		default:
			fprintf(stderr, "usage: cylo watch [--once] [DIR...]  (cylo help watch)\n");
			return EXIT_USAGE;
		}
	}
	o.dirs = argv + optind;
	o.ndirs = (size_t)(argc - optind);
	if (!(cfg = cli_load_config(cli)))
		return EXIT_CONFIG;
	return daemon_run(&o, cfg);
}
