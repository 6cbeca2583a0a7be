/*
 * joblimits.h - the resource limits of one job, as plain data.
 *
 * One struct serves the config's `defaults { }` and `maxima { }`, a
 * language's own defaults, a manifest's overrides and a test's overrides.
 * A field below zero means "not set here": limits_merge() layers a more
 * specific set over a less specific one.
 */
#ifndef CYLO_JOBLIMITS_H
#define CYLO_JOBLIMITS_H

#include <stdbool.h>

struct cylo_limits {
	double timeout;		/* wall clock, seconds */
	double cpu_time;	/* CPU seconds, all processes of the stage */
	long memory;		/* MiB */
	long processes;		/* processes + threads */
	long output_limit;	/* KiB per stream */
	double compile_timeout;	/* seconds */
	long compile_memory;	/* MiB */
	long workspace;		/* MiB, size of the /work tmpfs */
	long tmp_size;		/* MiB, size of /tmp and /dev/shm each */
	long file_size;		/* MiB, RLIMIT_FSIZE */
	long open_files;	/* RLIMIT_NOFILE */
};

/* Every field "not set". */
void limits_unset(struct cylo_limits *l);

/* The built-in defaults and maxima, used when no config says otherwise. */
void limits_builtin_defaults(struct cylo_limits *l);
void limits_builtin_maxima(struct cylo_limits *l);

/* Copies every field that is set in @over onto @dst. */
void limits_merge(struct cylo_limits *dst, const struct cylo_limits *over);

/*
 * limits_merge() for a job's or a test's own limits: where @over sets one
 * of timeout and cpu_time but not the other, the other is raised to at
 * least that value (no higher than @max's): a manifest asking for 15 s
 * gets 15 s of CPU too, not the default 10.
 */
void limits_layer(struct cylo_limits *dst, const struct cylo_limits *over,
		  const struct cylo_limits *max);

/* Lowers every set field of @l that is above @max to the maximum. */
void limits_clamp(struct cylo_limits *l, const struct cylo_limits *max);

/*
 * Checks every set field of @l against @max.  Returns 0, or -ERANGE and
 * stores the name of the first offending key (static string) in *@key.
 */
int limits_check(const struct cylo_limits *l, const struct cylo_limits *max,
		 const char **key);

#endif
