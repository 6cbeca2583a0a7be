/*
 * joblimits.c - layering and checking of job limits (see joblimits.h).
 */
#include <errno.h>
#include <stddef.h>

#include "joblimits.h"

void limits_unset(struct cylo_limits *l)
{
	l->timeout = -1;
	l->cpu_time = -1;
	l->memory = -1;
	l->processes = -1;
	l->output_limit = -1;
	l->compile_timeout = -1;
	l->compile_memory = -1;
	l->workspace = -1;
	l->tmp_size = -1;
	l->file_size = -1;
	l->open_files = -1;
}

void limits_builtin_defaults(struct cylo_limits *l)
{
	l->timeout = 10;
	l->cpu_time = 10;
	l->memory = 256;
	l->processes = 64;
	l->output_limit = 1024;
	l->compile_timeout = 30;
	l->compile_memory = 1024;
	l->workspace = 64;
	l->tmp_size = 64;
	l->file_size = 64;
	l->open_files = 256;
}

void limits_builtin_maxima(struct cylo_limits *l)
{
	l->timeout = 600;
	l->cpu_time = 600;
	l->memory = 4096;
	l->processes = 1024;
	l->output_limit = 65536;
	l->compile_timeout = 600;
	l->compile_memory = 4096;
	l->workspace = 4096;
	l->tmp_size = 4096;
	l->file_size = 4096;
	l->open_files = 4096;
}

#define MERGE(f) do { if (over->f >= 0) dst->f = over->f; } while (0)
void limits_merge(struct cylo_limits *dst, const struct cylo_limits *over)
{
	MERGE(timeout);
	MERGE(cpu_time);
	MERGE(memory);
	MERGE(processes);
	MERGE(output_limit);
	MERGE(compile_timeout);
	MERGE(compile_memory);
	MERGE(workspace);
	MERGE(tmp_size);
	MERGE(file_size);
	MERGE(open_files);
}
#undef MERGE

/* @dst's @f raised to @v, within @max's @f. */
static double lift(double f, double v, double max)
{
	if (f < 0 || f >= v)
		return f;
	return max >= 0 && v > max ? (max > f ? max : f) : v;
}

void limits_layer(struct cylo_limits *dst, const struct cylo_limits *over,
		  const struct cylo_limits *max)
{
	limits_merge(dst, over);
	if (over->timeout >= 0 && over->cpu_time < 0)
		dst->cpu_time = lift(dst->cpu_time, over->timeout, max->cpu_time);
	if (over->cpu_time >= 0 && over->timeout < 0)
		dst->timeout = lift(dst->timeout, over->cpu_time, max->timeout);
}

#define CHECK(f) do { \
	if (l->f >= 0 && max->f >= 0 && l->f > max->f) { *key = #f; return -ERANGE; } \
} while (0)
int limits_check(const struct cylo_limits *l, const struct cylo_limits *max,
		 const char **key)
{
	CHECK(timeout);
	CHECK(cpu_time);
	CHECK(memory);
	CHECK(processes);
	CHECK(output_limit);
	CHECK(compile_timeout);
	CHECK(compile_memory);
	CHECK(workspace);
	CHECK(tmp_size);
	CHECK(file_size);
	CHECK(open_files);
	*key = NULL;
	return 0;
}
#undef CHECK

#define CLAMP(f) do { if (max->f >= 0 && l->f > max->f) l->f = max->f; } while (0)
void limits_clamp(struct cylo_limits *l, const struct cylo_limits *max)
{
	CLAMP(timeout);
	CLAMP(cpu_time);
	CLAMP(memory);
	CLAMP(processes);
	CLAMP(output_limit);
	CLAMP(compile_timeout);
	CLAMP(compile_memory);
	CLAMP(workspace);
	CLAMP(tmp_size);
	CLAMP(file_size);
	CLAMP(open_files);
}
#undef CLAMP
