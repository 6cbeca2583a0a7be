/*
 * cli.c - what the subcommands share (see cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

struct cylo_config *cli_load_config(const struct cli *cli)
{
	struct cylo_config *c = NULL;
	char err[8192];
	const char *path = cli->config_path ? cli->config_path : DEFAULT_CONFIG;

	if (config_load(path, cli->config_path != NULL, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s", err);
		if (err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		return NULL;
	}
	return c;
}

