/*
 * daemon.h - `cylo watch`: the drop-folder service.
 */
#ifndef CYLO_DAEMON_H
#define CYLO_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

struct cli;
struct cylo_config;

struct daemon_opts {
	const struct cli *cli;	/* for the config path on SIGHUP */
	bool once;		/* run what is pending now, then exit */
	char **dirs;		/* DIRs of the command line (replace the config's watches) */
	size_t ndirs;
	bool level_fixed;	/* -d / -q given: the config's log_level is ignored */
};

/*
 * Runs the daemon until SIGTERM/SIGINT (or, with --once, until every
 * pending job ran) and returns the exit code of SPEC §1: 0 clean, 1
 * runtime failure, 64 nothing to watch or a bad DIR, 71 the host lacks a
 * feature (sandbox, tmpfs mount), 78 a watch section that cannot be used.
 * Takes @cfg.  Main thread, before any other thread exists.
 */
int daemon_run(const struct daemon_opts *o, struct cylo_config *cfg);

#endif
