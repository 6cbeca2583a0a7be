/*
 * log.h - one line per message on stderr, one write() per line.
 *
 * When stderr is the journal (JOURNAL_STREAM matches), lines carry <N>
 * priority prefixes.  Untrusted strings go through log_escape() so they
 * cannot forge a line.  Thread-safe; only startup code may call fatal().
 */
#ifndef CYLO_LOG_H
#define CYLO_LOG_H

#include <stddef.h>
#include <syslog.h>

void log_init(int level, const char *progname);
void log_set_level(int level);
int log_level(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Logs and exits(@code).  Startup and config loading only. */
void fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Copies @s into @buf (size @n, always terminated) with control bytes,
 * backslash, quotes, spaces and non-UTF-8 bytes as \xNN.  Returns @buf.
 */
char *log_escape(const char *s, char *buf, size_t n);

/* strerror_r into a caller buffer, for -errno values; returns @buf. */
char *log_errstr(int neg_errno, char *buf, size_t n);

#endif
