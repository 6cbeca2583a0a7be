/*
 * log.c - the daemon's log: one line per message on stderr.
 *
 * Each line is built whole in a stack buffer and handed to one write(), so
 * lines from different threads never interleave and a reader (journald, a
 * pipe, a test) sees whole lines.  Under systemd, stderr is the journal
 * stream (JOURNAL_STREAM names its device and inode) and lines carry the
 * "<N>" priority prefix journald understands; otherwise they start with
 * "PROGNAME: ".  Control bytes that reach a line anyway become '?', so even
 * a caller that forgot log_escape() cannot split a line in two.
 *
 * log_init() runs once at startup before any thread exists; everything
 * else may be called from any thread, but never from the sandbox child
 * after clone() (it may inherit the mutex held).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/*
 * PIPE_BUF: a write of at most this many bytes to a pipe is atomic even
 * against writers outside this process.  Longer messages are cut with "...".
 */
#define LOG_LINE_MAX 4096

static atomic_int log_threshold = LOG_INFO;
static char log_prog[32] = "cylo";
static bool log_journal;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * systemd sets JOURNAL_STREAM to "DEV:INO" of the stream it connected to
 * stderr; comparing it with fstat(2) tells whether stderr is still that
 * stream (and not redirected by a wrapper that inherited the variable).
 */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	char want[64];
	struct stat st;

	if (env == NULL || fstat(STDERR_FILENO, &st) < 0)
		return false;
	snprintf(want, sizeof(want), "%ju:%ju", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino);
	return strcmp(env, want) == 0;
}

void log_init(int level, const char *progname)
{
	log_set_level(level);
	if (progname != NULL)
		snprintf(log_prog, sizeof(log_prog), "%s", progname);
	log_journal = stderr_is_journal();
}

void log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	atomic_store(&log_threshold, level);
}

int log_level(void)
{
	return atomic_load(&log_threshold);
}

static void write_line(const char *p, size_t len)
{
	ssize_t w;
	int locked = pthread_mutex_lock(&log_lock) == 0;

	/* Nothing useful can be done when stderr itself fails: drop the line. */
	while (len > 0) {
		w = write(STDERR_FILENO, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	if (locked)
		pthread_mutex_unlock(&log_lock);
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t start, end, i, room;
	int n;

	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", prio & 7);
	else
		n = snprintf(line, sizeof(line), "%s: ", log_prog);
	start = n > 0 ? (size_t)n : 0;
	room = sizeof(line) - start - 1;	/* keep one byte for '\n' */
	n = vsnprintf(line + start, room + 1, fmt, ap);
	if (n < 0)
		n = snprintf(line + start, room + 1, "(unformattable message)");
	end = start + ((size_t)n < room ? (size_t)n : room);
	if ((size_t)n > room) {
		/* Cut before a whole UTF-8 sequence, not inside one. */
		end -= 3;
		while (end > start && ((unsigned char)line[end] & 0xC0) == 0x80)
			end--;
		memcpy(line + end, "...", 3);
		end += 3;
	}
	for (i = start; i < end; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[end] = '\n';
	write_line(line, end + 1);
}

void log_msg(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (prio > log_level())
		return;
	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

void fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(code);
}

/*
 * Printable ASCII other than backslash, quote and space passes through, as
 * do valid UTF-8 sequences except the C1 controls (U+0080..U+009F, which
 * some terminals obey like ESC); every other byte becomes \xNN.  Escaping
 * the space and the quote keeps a `key=VALUE` field one token long.
 */
static bool ascii_needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\' || c == '"' || c == ' ';
}

char *log_escape(const char *s, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "(null)");
	size_t len = strlen((const char *)p), i = 0, o = 0, l;

	if (n == 0)
		return buf;
	while (i < len) {
		if (p[i] < 0x80)
			l = ascii_needs_escape(p[i]) ? 0 : 1;
		else if (p[i] == 0xC2 && i + 1 < len && p[i + 1] < 0xA0)
			l = 0;	/* C1 control: escape its lead byte; the rest follows */
		else
			l = utf8_char_len(p + i, len - i);
		if (l == 0) {
			if (o + 4 >= n)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[p[i] >> 4];
			buf[o++] = hex[p[i] & 15];
			i++;
			continue;
		}
		if (o + l >= n)
			break;
		memcpy(buf + o, p + i, l);
		o += l;
		i += l;
	}
	buf[o] = '\0';
	return buf;
}

char *log_errstr(int neg_errno, char *buf, size_t n)
{
	char tmp[256];
	const char *m;

	if (n == 0)
		return buf;
	/* _GNU_SOURCE gives the GNU strerror_r, which may return a static string. */
	m = strerror_r(neg_errno < 0 ? -neg_errno : neg_errno, tmp, sizeof(tmp));
	snprintf(buf, n, "%s", m);
	return buf;
}
