/*
 * judge.h - whether a test's output matches its expected output.
 *
 * The comparison of a test case (manifest.h, `compare`), as cylo.conf(5)
 * documents it to users:
 *  - exact: byte for byte.
 *  - trim: split at '\n', strip white space at both ends of every line,
 *    drop the empty lines at the start and at the end; the lines left must
 *    be equal (an empty line in the middle counts).
 *  - tokens: the same words, separated by any run of white space.
 *  - float:EPS: tokens, as many; a pair matches when byte-equal, or when
 *    both are decimal numbers, [+-]?(D+[.D*]|.D+)([eE][+-]?D+)?, finite as
 *    doubles, within EPS of each other in absolute error or relative to
 *    the expected one: |o - e| <= EPS or |o - e| <= EPS * |e| (DOMjudge's
 *    float tolerance).  No hex, inf or nan: those match only themselves.
 *
 * White space is space, \t, \n, \r, \v and \f only; bytes >= 0x80 and NUL
 * are ordinary bytes.  Pure functions: no allocation, no I/O; the grammar
 * check makes strtod()'s locale irrelevant.
 */
#ifndef CYLO_JUDGE_H
#define CYLO_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

/* A number token longer than this (in bytes) is compared as a word: the
 * buffers are not NUL-terminated, so strtod() reads a bounded copy. */
#define JUDGE_NUM_MAX 1024

/* Whether the program's output @out (@out_len bytes, may hold NUL and
 * non-UTF-8 bytes) matches the expected output @exp (@exp_len bytes) under
 * @mode; @eps is used only by CMP_FLOAT (> 0).  Either pointer may be NULL
 * when its length is 0.  Borrows both buffers; any thread. */
bool judge_output(enum compare_mode mode, double eps,
		  const char *out, size_t out_len, const char *exp, size_t exp_len);

#endif
