/*
 * cmd_doctor.c - `cylo doctor`, `cylo langs`, `cylo check`: what the host
 * and the configuration provide, with a fix for every failure.
 *
 * doctor runs a real job (`/bin/true` through every layer) rather than
 * guessing from sysctls: a host passes when that job runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fsutil.h"
#include "lang.h"
#include "sandbox.h"

struct report {
	int fails;		/* failures that make jobs unsafe or impossible */
	int warns;
};

static void row(struct report *rep, const char *what, int ok, const char *detail,
		const char *fix)
{
	const char *mark = ok > 0 ? "ok" : ok == 0 ? "FAIL" : "warn";

	printf("%-24s %-5s %s\n", what, mark, detail);
	if (ok <= 0 && fix)
		printf("%-24s       fix: %s\n", "", fix);
	if (ok == 0)
		rep->fails++;
	else if (ok < 0)
		rep->warns++;
}

/* A sysctl's value, or -1 when it cannot be read. */
static long read_long(const char *path)
{
	long v;

	return read_long_file(path, 0, LONG_MAX, &v) < 0 ? -1 : v;
}

/* Jobs run with a core limit of 0; a core_pattern pipe gets crashes anyway. */
static void core_row(struct report *rep)
{
	static const char *const what[] = {
		[CORE_NONE] = "no core file (core limit 0)",
		[CORE_HELPER_HONOURS] = "systemd-coredump, which stores nothing at core limit 0",
		[CORE_HELPER_OTHER] = "a helper running as root gets every crash; "
				      "whether it keeps a job's is up to it",
	};
	char pat[256], d[400];
	int f = sandbox_core_fate(pat, sizeof(pat));

	if (f < 0)
		snprintf(d, sizeof(d), "kernel.core_pattern unreadable: %s", strerror(-f));
	else
		snprintf(d, sizeof(d), "%s: %s", pat, what[f]);
	row(rep, "core dumps", f == CORE_NONE || f == CORE_HELPER_HONOURS ? 1 : -1, d,
	    "sysctl -w kernel.core_pattern=core");
}

static void host_rows(struct report *rep)
{
	struct utsname u;
	char d[128];
	long v;

	uname(&u);
	row(rep, "kernel", 1, u.release, NULL);
	v = read_long("/proc/sys/user/max_user_namespaces");
	snprintf(d, sizeof(d), "user.max_user_namespaces = %ld", v);
	row(rep, "user namespaces", v > 0, d, "sysctl -w user.max_user_namespaces=10000");
	v = read_long("/proc/sys/fs/protected_hardlinks");
	snprintf(d, sizeof(d), "fs.protected_hardlinks = %ld", v);
	row(rep, "protected hardlinks", v == 1 ? 1 : -1, d, "sysctl -w fs.protected_hardlinks=1");
	v = read_long("/proc/sys/fs/inotify/max_user_watches");
	snprintf(d, sizeof(d), "max_user_watches = %ld, max_queued_events = %ld", v,
		 read_long("/proc/sys/fs/inotify/max_queued_events"));
	row(rep, "inotify", v >= 1024 ? 1 : -1, d,
	    "sysctl -w fs.inotify.max_user_watches=65536");
	core_row(rep);
}

static void layer_rows(struct report *rep, const struct sandbox_caps *c)
{
	char d[128];

	snprintf(d, sizeof(d), c->landlock_abi > 0 ? "ABI %d" : "unavailable (%d)",
		 c->landlock_abi);
	row(rep, "landlock", c->landlock_abi > 0, d,
	    "a kernel >= 5.13 booted with landlock in lsm=");
	/* The filter is built into cylo: only a broken build lacks it (the
	 * kernel's support shows when the real job below installs it). */
	row(rep, "seccomp", c->seccomp, c->seccomp ? "filter built" : "unavailable",
	    "rebuild cylo: its built-in filter is not a seccomp program");
	row(rep, "limits", strcmp(c->limits_by, "rlimit") ? 1 : -1, c->limits_by,
	    "delegate a cgroup v2 subtree (systemd Delegate=yes) or run as root with "
	    "cgroup v1 memory and pids mounted");
	row(rep, "identity", 1, c->root_mode ? "root: one host uid per worker slot"
	    : "unprivileged: jobs run as the daemon's uid, every capability dropped", NULL);
}

struct box_check {
	struct report *rep;
	struct sandbox_env *sb;
};

/* The real test: a job through every layer, tmpfs mounts included. */
static void box_row(void *arg)
{
	struct report *rep = ((struct box_check *)arg)->rep;
	struct sandbox_env *sb = ((struct box_check *)arg)->sb;
	char *const argv[] = { "/bin/true", NULL };
	char *const envp[] = { NULL };
	char *const paths[] = { "/usr", "/bin", "/lib", "/lib64", NULL };
	struct box_spec bs = { .ro_paths = paths, .bundle_fd = -1, .workspace_mb = 1,
			       .tmp_mb = 1, .slot = 0 };
	struct stage_spec st = { .argv = argv, .envp = envp, .stdin_fd = -1, .exec_fd = -1, .stdout_fd = -1,
				 .timeout = 10, .cpu_time = 10, .memory_mb = 64,
				 .processes = 8, .output_kb = 4, .file_size_mb = 1,
				 .open_files = 32 };
	struct stage_outcome o;
	struct box *b;
	char err[512];

	stage_outcome_init(&o, 4096);
	if (box_open(sb, &bs, &st, 1, &b, err, sizeof(err)) < 0) {
		row(rep, "sandboxed job", 0, err, "see the layer named above");
	} else {
		box_run(b, 0, &o);
		box_close(b);
		if (o.error)
			row(rep, "sandboxed job", 0, o.reason, "see the layer named above");
		else
			row(rep, "sandboxed job", o.exit_code == 0,
			    o.exit_code == 0 ? "/bin/true ran in a full box" : "/bin/true failed",
			    "run with -d and report the output");
	}
	stage_outcome_free(&o);
}

int cmd_doctor(const struct cli *cli, int argc, char **argv)
{
	struct report rep = { 0 };
	struct cylo_config *cfg;
	struct sandbox_env *sb = NULL;
	struct sandbox_caps caps;
	char err[512];

	(void)argc;
	(void)argv;
	if (!(cfg = cli_load_config(cli)))
		return EXIT_CONFIG;
	host_rows(&rep);
	/* Its test job takes a host uid of its own, as cylo exec does, not
	 * worker 0's: a daemon may be running. */
	if (sandbox_env_init(&cfg->sandbox, &sb, err, sizeof(err)) < 0 ||
	    sandbox_env_one_slot(sb, cfg->workers, err, sizeof(err)) < 0) {
		sandbox_env_free(sb);
		sb = NULL;
		/* A cgroup kind or root that was asked for is not relaxed by require_*. */
		row(&rep, "sandbox layers", 0, err, strncmp(err, "cgroups:", 8) ?
		    "see above, or relax sandbox { require_* }" :
		    "see above, or set sandbox { cgroups = auto } without a cgroup_root");
	} else {
		sandbox_env_caps(sb, &caps);
		layer_rows(&rep, &caps);
		struct box_check bc = { &rep, sb };
		if (sandbox_on_thread(box_row, &bc) < 0)
			row(&rep, "sandboxed job", 0, "cannot start a thread", NULL);
		sandbox_env_free(sb);
	}
	for (size_t i = 0; i < cfg->langs.n; i++) {
		char what[64];
		const struct cylo_lang *l = &cfg->langs.v[i];
		snprintf(what, sizeof(what), "runtime %s", l->name);
		row(&rep, what, lang_installed(l) ? 1 : -1, lang_installed(l) ? "installed" :
		    "missing", "make deps (or apt-get install the runtime)");
	}
	printf("\n%s: %d failure(s), %d warning(s)\n",
	       rep.fails ? "jobs cannot run securely here" : "ready", rep.fails, rep.warns);
	config_free(cfg);
	return rep.fails ? EXIT_NOHOST : EXIT_OK;
}

/* @v joined by commas into @buf ("-" when empty), cut to fit. */
static const char *joined(char *const *v, char *buf, size_t n)
{
	size_t w = 0;

	buf[0] = '\0';
	for (; v && *v && w < n; v++) {
		int k = snprintf(buf + w, n - w, "%s%s", w ? "," : "", *v);
		w += k > 0 ? (size_t)k : 0;
	}
	return buf[0] ? buf : "-";
}

int cmd_langs(const struct cli *cli, int argc, char **argv)
{
	struct cylo_config *cfg;

	(void)argc;
	(void)argv;
	if (!(cfg = cli_load_config(cli)))
		return EXIT_CONFIG;
	printf("%-12s %-10s %-9s %-18s %s\n", "LANGUAGE", "COMPILED", "INSTALLED",
	       "ALIASES", "EXTENSIONS");
	for (size_t i = 0; i < cfg->langs.n; i++) {
		const struct cylo_lang *l = &cfg->langs.v[i];
		char al[256], ex[256];

		printf("%-12s %-10s %-9s %-18s %s\n", l->name, l->compile ? "yes" : "no",
		       lang_installed(l) ? "yes" : "NO", joined(l->aliases, al, sizeof(al)),
		       joined(l->extensions, ex, sizeof(ex)));
	}
	config_free(cfg);
	return EXIT_OK;
}

int cmd_check(const struct cli *cli, int argc, char **argv)
{
	struct cylo_config *cfg;
	bool bad = false;

	(void)argc;
	(void)argv;
	if (!(cfg = cli_load_config(cli)))
		return EXIT_CONFIG;
	/* What the daemon would refuse at start: a path that names no
	 * directory, or a symlink.  Every one is said. */
	for (size_t i = 0; i < cfg->nwatches; i++) {
		char err[PATH_MAX + 256];
		int fd = config_open_watch(cfg, &cfg->watches[i], err, sizeof(err));

		if (fd < 0) {
			fprintf(stderr, "cylo: %s\n", err);
			bad = true;
		} else {
			close(fd);
		}
	}
	config_free(cfg);
	if (bad)
		return EXIT_CONFIG;
	printf("configuration OK\n");
	return EXIT_OK;
}
