/*
 * main.c - the cylo binary: global options and the subcommands.
 *
 * Global options come before the subcommand: cylo [-c FILE] [-d|-q] CMD ...
 * Signals are blocked in every thread (the daemon reads them from a
 * signalfd, cmd_watch); the one-shot commands need none.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "job_archive.h"
#include "log.h"

#ifndef CYLO_VERSION
#define CYLO_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(const struct cli *, int, char **);
	const char *usage;
	const char *text;
	bool bare;		/* takes no arguments */
	const char *valued;	/* its options whose value is the next argument */
} cmds[] = {
	{ "watch", cmd_watch, "watch [--once] [DIR...]",
	  "Watch the configured directories (or DIRs) and run every job dropped\n"
	  "there.  --once: run every pending job, wait for them, exit.", false, NULL },
	{ "exec", cmd_exec, "exec --lang LANG [--stdin FILE] [--timeout S] [--memory MB] CODE",
	  "Run one snippet (CODE, or - for standard input).  Prints its output and\n"
	  "exits with its exit code; 124 timeout, 137 memory or output limit,\n"
	  "125 when cylo or the sandbox failed.", false,
	  " --lang -l --stdin -s --timeout -t --memory -m " },
	{ "run", cmd_run, "run [--json] JOBFILE",
	  "Run one job file (bare source, NAME.job manifest or archive) and print\n"
	  "the result: a summary, or the result document with --json.  A manifest\n"
	  "with tests is judged: a verdict per test and a score.", false, NULL },
	{ "doctor", cmd_doctor, "doctor",
	  "Check the host: kernel, namespaces, Landlock, seccomp, cgroups,\n"
	  "inotify, a real sandboxed job, every runtime.  Non-zero when jobs could\n"
	  "not run securely.", true, NULL },
	{ "langs", cmd_langs, "langs", "List the configured languages.", true, NULL },
	{ "check", cmd_check, "check", "Validate the configuration.", true, NULL },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

int cli_help(const char *cmd)
{
	if (!cmd) {
		printf("usage: cylo [-c FILE] [-d|-q] COMMAND [ARGS]\n\n"
		       "  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		       "  -d, --debug        log every step\n"
		       "  -q, --quiet        log errors only\n"
		       "      --version      print the version\n"
		       "      --help         this text; `cylo help COMMAND` for one command\n\n"
		       "commands:\n");
		for (size_t i = 0; i < NCMDS; i++)
			printf("  cylo %s\n", cmds[i].usage);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCMDS; i++) {
		if (!strcmp(cmd, cmds[i].name)) {
			printf("usage: cylo %s\n\n%s\n", cmds[i].usage, cmds[i].text);
			return EXIT_OK;
		}
	}
	fprintf(stderr, "cylo: unknown command '%s'\n", cmd);
	return EXIT_USAGE;
}

/* Whether @arg is one of @valued's space-separated words. */
static bool takes_value(const char *valued, const char *arg)
{
	const char *p = valued;
	size_t n = strlen(arg);

	while (p && (p = strstr(p, arg)))
		if (p[-1] == ' ' && p[n] == ' ')
			return true;
		else
			p += n;
	return false;
}

/* `cylo CMD ... --help` (or -h), before any "--" and not as the value of
 * an option (`--stdin -h` reads a file named -h): the command's help. */
static bool asks_help(int argc, char **argv, const char *valued)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
		if (valued && argv[i][0] == '-' && takes_value(valued, argv[i]))
			i++;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .argv0 = argv[0] };
	int c;

	/* The archive extractor, run by cylo itself inside a box (job_archive.c). */
	if (argc >= 2 && !strcmp(argv[1], "__extract"))
		return cmd_extract(argc - 1, argv + 1);

	/* '+': stop at the subcommand; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:dqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'd': cli.debug = true; break;
		case 'q': cli.quiet = true; break;
		case 'V': printf("cylo %s\n", CYLO_VERSION); return EXIT_OK;
		case 'h': return cli_help(NULL);
		default: return EXIT_USAGE;
		}
	}
	log_init(cli.debug ? LOG_DEBUG : cli.quiet ? LOG_ERR : LOG_INFO, "cylo");
	if (optind >= argc) {
		cli_help(NULL);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help"))
		return cli_help(optind + 1 < argc ? argv[optind + 1] : NULL);
	for (size_t i = 0; i < NCMDS; i++) {
		if (!strcmp(argv[optind], cmds[i].name)) {
			if (asks_help(argc - optind - 1, argv + optind + 1, cmds[i].valued))
				return cli_help(cmds[i].name);
			if (cmds[i].bare && optind + 1 < argc) {
				fprintf(stderr, "cylo %s: unexpected argument '%s'\nusage: cylo %s\n",
					cmds[i].name, argv[optind + 1], cmds[i].usage);
				return EXIT_USAGE;
			}
			optind++;
			return cmds[i].fn(&cli, argc - optind + 1, argv + optind - 1);
		}
	}
	fprintf(stderr, "cylo: unknown command '%s' (try cylo --help)\n", argv[optind]);
	return EXIT_USAGE;
}
