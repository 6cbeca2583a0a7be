/*
 * cli.h - what the subcommands share: global options, exit codes, and the
 * loaded configuration.
 */
#ifndef CYLO_CLI_H
#define CYLO_CLI_H

#include <stdbool.h>

struct cylo_config;

#define DEFAULT_CONFIG "/etc/cylo/cylo.conf"

/* Exit codes of SPEC §1. */
enum {
	EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 64, EXIT_NOHOST = 71,
	EXIT_CONFIG = 78,
	EXIT_TIMEOUT = 124, EXIT_SANDBOX = 125, EXIT_KILLED = 137,
};

struct cli {
	const char *config_path;	/* NULL: the default path, optional */
	bool debug, quiet;
	const char *argv0;
};

/* Loads the configuration or prints every error; NULL then (exit 78). */
struct cylo_config *cli_load_config(const struct cli *cli);

int cmd_exec(const struct cli *cli, int argc, char **argv);
int cmd_run(const struct cli *cli, int argc, char **argv);
int cmd_doctor(const struct cli *cli, int argc, char **argv);
int cmd_langs(const struct cli *cli, int argc, char **argv);
int cmd_check(const struct cli *cli, int argc, char **argv);
int cmd_watch(const struct cli *cli, int argc, char **argv);

/* Prints the help of @cmd (NULL: overview) to stdout; 0, or 64 if unknown. */
int cli_help(const char *cmd);

#endif
