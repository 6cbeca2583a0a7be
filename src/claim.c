/*
 * claim.c - claim files in D/.cylo/claims/.
 *
 * Theory of operation.  A worker claims an input before running it by
 * creating D/.cylo/claims/NAME with O_CREAT|O_EXCL|O_NOFOLLOW relative to
 * the claims directory fd: exclusive creation is atomic on local
 * filesystems and on NFSv3+, so of several threads, processes or hosts
 * exactly one gets it.  The file says who owns it (host, pid, the pid's
 * start time, boot id), when it was made, which input version it is for
 * (dev, ino, size, mtime) and the how-many-th attempt at that version it
 * is.  While the job runs, a timer touches the file's mtime every third
 * of the lease (claim_renew_all, through the fd, so it never follows a
 * name); after the result is published the owner unlinks it.
 *
 * The owner holds an open-file-description write lock on its claim for
 * the claim's whole life, taken before the text is written (which then
 * says "locked 1").  The kernel drops it when the owner closes the claim
 * or dies, in whatever pid namespace it ran: a daemon in a container that
 * shares the host's name and boot id has pids that mean nothing here.
 *
 * A claim is stale when its owner is gone.  On the owner's host (and
 * boot) whoever holds a lock on it is alive, and a locked claim whose lock
 * is free is gone; one written without a lock (a filesystem without locks)
 * is gone when no process has its pid and start time, or when it names
 * this very process but is none of its live claims (its removal failed)
 * and a lease old.
 * From another host it can only be judged by the lease: not renewed for
 * claim_timeout seconds.  An unreadable claim (its owner died between
 * creating and writing it) is judged by the lease too.
 *
 * Takeover must let one contender win even when several judge the same
 * claim stale at once, and must never remove a claim made after the
 * judgement.  So the taker of a claim judged by its lock opens it, locks
 * it (only one can, and not while its owner lives), checks that the name
 * still leads to the inode it judged, with the same mtime (not renewed
 * meanwhile), and only then unlinks it; any failure there is a retry
 * later, never the other way.  Any other claim (another host's, by its
 * lease; one written without a lock; one not plainly our own file) is
 * renamed aside instead (only one rename of an inode can succeed), checked
 * the same, and linked back (link() never replaces: NFS-safe) if it was
 * not the judged one.  Either way it then competes with O_EXCL like a
 * first claim.  The new
 * claim counts attempts + 1 when it is for the same input version, so an
 * input that keeps killing its owner can be given up after max_attempts.
 *
 * Known limits: two machines with the same host name sharing a folder
 * misjudge each other's claims; the lease compares our clock with the
 * file server's mtime, so clocks must agree to well under claim_timeout.
 * .cylo is made 0700 and never followed; a user who owns it can still
 * plant or remove claims (denial of service or a repeated run, nothing
 * more), which the caller warns about.
 *
 * Leaf module: nothing here logs.  Thread-safe after claim_init_self().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "fsutil.h"
#include "util.h"

#define CLAIM_MAX 2048		/* bytes of a claim file we read */
#define STAT_MAX 1024		/* /proc/PID/stat prefix we need */

static struct {
	char host[256];
	char boot[64];
	long pid;
	uint64_t pid_start;
} self;

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct claim *live;	/* claims to renew */
static size_t nlive;

/* What a claim file says. */
struct owner {
	bool valid;
	char host[256];
	char boot[64];
	long pid;
	uint64_t pid_start;
	int64_t started_ns;
	long attempts;
	bool abandoned;		/* given up by its owner: stale at once */
	bool locked;		/* the owner holds a lock on it while it lives */
	struct input_id in;
};

/* Whether someone holds a lock on a claim's open file. */
enum lock_state { LOCK_UNKNOWN, LOCK_FREE, LOCK_HELD };

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || (*end && *end != ' '))
		return -EINVAL;
	*out = v;
	return 0;
}

/* Host names may hold anything the admin set; claims hold [A-Za-z0-9._-]. */
static void sanitise(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			*s = '_';
}

static int read_small(int dirfd, const char *path, char *buf, size_t n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t len;

	if (fd < 0)
		return -errno;
	do
		len = read(fd, buf, n - 1);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		len = -errno;
	close(fd);
	if (len < 0)
		return (int)len;
	buf[len] = '\0';
	return 0;
}

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
static int pid_start_time(long pid, uint64_t *out)
{
	char path[64], buf[STAT_MAX], *p;
	int e;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((e = read_small(AT_FDCWD, path, buf, sizeof(buf))) < 0)
		return e;
	/* The command name may hold spaces and ')': skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p++;
	for (int field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	return parse_u64(p + 1, out);
}

int claim_init_self(void)
{
	int e;

	if (gethostname(self.host, sizeof(self.host) - 1) < 0)
		return -errno;
	self.host[sizeof(self.host) - 1] = '\0';
	if (!self.host[0])
		snprintf(self.host, sizeof(self.host), "localhost");
	sanitise(self.host);
	if ((e = read_small(AT_FDCWD, "/proc/sys/kernel/random/boot_id", self.boot,
			    sizeof(self.boot))) < 0)
		return e;
	self.boot[strcspn(self.boot, "\n")] = '\0';
	sanitise(self.boot);
	self.pid = (long)getpid();
	return pid_start_time(self.pid, &self.pid_start);
}

const char *claim_host(void)
{
	return self.host;
}

bool claim_pid_alive(long pid)
{
	if (pid <= 0)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Opens or creates directory @name in @dirfd, mode 0700, never through a link. */
static int open_private_dir(int dirfd, const char *name, struct stat *st)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int claim_dirs_open(int dirfd, int *cylo_fd, int *claims_fd, bool *foreign)
{
	struct stat st;
	int c, k;

	c = open_private_dir(dirfd, ".cylo", &st);
	if (c < 0)
		return c;
	*foreign = st.st_uid != geteuid();
	k = open_private_dir(c, "claims", &st);
	if (k < 0) {
		close(c);
		return k;
	}
	*cylo_fd = c;
	*claims_fd = k;
	return 0;
}

/* parse_u64(), with an optional '-'. */
static int parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;

	if (parse_u64(s + neg, &v) < 0 || v > (uint64_t)INT64_MAX + neg)
		return -EINVAL;
	*out = neg ? -(int64_t)(v - 1) - 1 : (int64_t)v;
	return 0;
}

/* "DEV INO SIZE MTIME"; an mtime before 1970 (an old file unpacked with
 * its times) is negative. */
static int parse_input(const char *p, struct input_id *in)
{
	uint64_t v[2];
	int64_t w[2];

	for (int i = 0; i < 4; i++) {
		if (!p || (i < 2 ? parse_u64(p, &v[i]) : parse_i64(p, &w[i - 2])) < 0)
			return -EINVAL;
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		return -EINVAL;
	in->dev = v[0];
	in->ino = v[1];
	in->size = w[0];
	in->mtime_ns = w[1];
	return 0;
}

static int copy_word(char *dst, size_t n, const char *val)
{
	return snprintf(dst, n, "%s", val) < (int)n ? 0 : -EINVAL;
}

static int owner_line(struct owner *o, const char *key, const char *val)
{
	uint64_t v;

	if (!strcmp(key, "host"))
		return copy_word(o->host, sizeof(o->host), val);
	if (!strcmp(key, "boot"))
		return copy_word(o->boot, sizeof(o->boot), val);
	if (!strcmp(key, "pid"))
		return parse_long(val, 1, 1L << 30, &o->pid);
	if (!strcmp(key, "pid_start"))
		return parse_u64(val, &o->pid_start);
	if (!strcmp(key, "attempts"))
		return parse_long(val, 0, 1L << 30, &o->attempts);
	if (!strcmp(key, "abandoned")) {
		o->abandoned = true;
		return 0;
	}
	if (!strcmp(key, "locked")) {
		o->locked = true;
		return 0;
	}
	if (!strcmp(key, "started")) {
		if (parse_u64(val, &v) < 0)
			return -EINVAL;
		o->started_ns = (int64_t)v;
		return 0;
	}
	if (!strcmp(key, "input"))
		return parse_input(val, &o->in);
	return 0;	/* a newer writer's key: ignored */
}

/* Parses "key value" lines; valid only with host, boot and pid. */
static void owner_parse(char *text, struct owner *o)
{
	char *line = text, *nl, *sp;

	memset(o, 0, sizeof(*o));
	if (strncmp(text, "cylo-claim 1\n", 13))
		return;
	for (line = text + 13; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			return;	/* cut short: the writer died mid-write */
		*nl = '\0';
		sp = strchr(line, ' ');
		if (!sp)
			return;
		*sp = '\0';
		if (owner_line(o, line, sp + 1) < 0)
			return;
	}
	o->valid = o->host[0] && o->boot[0] && o->pid > 0;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static bool same_mtime(const struct stat *a, const struct stat *b)
{
	return mtime_ns(a) == mtime_ns(b);
}

/* Whether @st is one of this process's live claims. */
static bool live_has(const struct stat *st)
{
	bool found = false;

	pthread_mutex_lock(&live_lock);
	for (struct claim *c = live; c && !found; c = c->next)
		found = c->ino == st->st_ino && c->dev == st->st_dev;
	pthread_mutex_unlock(&live_lock);
	return found;
}

/* The lock on open claim @fd (F_OFD_GETLK needs no write access). */
static enum lock_state lock_state(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return LOCK_UNKNOWN;
	return fl.l_type == F_UNLCK ? LOCK_FREE : LOCK_HELD;
}

/* The rule of the theory of operation above. */
static bool owner_stale(const struct owner *o, const struct stat *st, double lease,
			enum lock_state lock)
{
	double age = (double)(now_real_ns() - mtime_ns(st)) / 1e9;
	uint64_t start;

	if (o->valid && o->abandoned)
		return true;
	if (!o->valid || strcmp(o->host, self.host))
		return age > lease;
	if (strcmp(o->boot, self.boot))
		return true;
	/* Locks say who lives only here: over NFS a dead client's lock may
	 * outlive it, so another host's claim is judged by its lease alone. */
	if (lock == LOCK_HELD)
		return false;
	if (o->locked && lock == LOCK_FREE)
		return true;
	/* Ours, unlocked: none of our live claims (its removal failed) once
	 * a lease old; younger, it may be one being made. */
	if (o->pid == self.pid)
		return o->pid_start != self.pid_start || (age > lease && !live_has(st));
	if (!claim_pid_alive(o->pid))
		return true;
	return pid_start_time(o->pid, &start) == 0 && start != o->pid_start;
}

/* Reads and judges claim @name: 1 stale, 0 live, -ENOENT gone, -errno. */
static int judge(int claims_fd, const char *name, double lease, struct owner *o,
		 struct stat *st)
{
	char buf[CLAIM_MAX];
	enum lock_state lock;
	ssize_t n;
	int fd;

	memset(o, 0, sizeof(*o));
	fd = openat(claims_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno != ELOOP && errno != ENXIO)
		return -errno;
	if (fd < 0)	/* not a claim we wrote: garbage, judged by its age */
		return fstatat(claims_fd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno :
		       owner_stale(o, st, lease, LOCK_UNKNOWN);
	if (fstat(fd, st) < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	do
		n = S_ISREG(st->st_mode) ? read(fd, buf, sizeof(buf) - 1) : 0;
	while (n < 0 && errno == EINTR);
	lock = S_ISREG(st->st_mode) ? lock_state(fd) : LOCK_UNKNOWN;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	owner_parse(buf, o);
	return owner_stale(o, st, lease, lock);
}

static bool same_claim(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && same_mtime(a, b);
}

/* Takes the write lock on open claim @fd without waiting: 0, -EAGAIN when
 * someone holds it, or another -errno when there are no locks to be had. */
static int lock_claim(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EACCES ? -EAGAIN : -errno;
}

/*
 * Removes stale claim @name (the inode @judged, a file of ours) holding
 * its lock: 0 removed, -EBUSY it changed since it was judged or is locked,
 * -ENOENT gone, another -errno to try again later.
 */
static int remove_locked(int claims_fd, const char *name, const struct stat *judged)
{
	struct stat st, now;
	int fd, e;

	fd = openat(claims_fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !same_claim(&st, judged))
		e = -EBUSY;
	else if ((e = lock_claim(fd)) == -EAGAIN)
		e = -EBUSY;
	/* Locked: no one else removes it now, so the name stays ours to check. */
	else if (fstatat(claims_fd, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
		e = -errno;
	else if (!same_claim(&now, judged))
		e = -EBUSY;
	else if (unlinkat(claims_fd, name, 0) < 0)
		e = -errno;
	close(fd);
	return e;
}

/*
 * Removes stale claim @name (the inode @judged, written by @o): under its
 * lock when it was judged by its lock, else renamed aside.  0 removed,
 * -EBUSY it changed since it was judged, -ENOENT gone, or -errno.
 */
static int remove_judged(int cylo_fd, int claims_fd, const char *name,
			 const struct stat *judged, const struct owner *o)
{
	char aside[64];
	struct stat st;

	/* Opened for writing only when it is plainly a claim file of ours:
	 * never a file planted by whoever owns .cylo. */
	if (o->valid && o->locked && !strcmp(o->host, self.host) &&
	    !strcmp(o->boot, self.boot) && S_ISREG(judged->st_mode) &&
	    judged->st_nlink == 1 && judged->st_uid == geteuid())
		return remove_locked(claims_fd, name, judged);

	snprintf(aside, sizeof(aside), ".stale.%ld.%016jx", self.pid, (uintmax_t)random_u64());
	if (renameat(claims_fd, name, cylo_fd, aside) < 0)
		return -errno;
	if (fstatat(cylo_fd, aside, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !same_claim(&st, judged)) {
		/* A claim made or renewed after our judgement: give it back. */
		if (linkat(cylo_fd, aside, claims_fd, name, 0) < 0) {
			(void)unlinkat(cylo_fd, aside, 0);
			return -EBUSY;
		}
		(void)unlinkat(cylo_fd, aside, 0);
		return -EBUSY;
	}
	if (unlinkat(cylo_fd, aside, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void live_add(struct claim *c)
{
	pthread_mutex_lock(&live_lock);
	c->prev = NULL;
	c->next = live;
	if (live)
		live->prev = c;
	live = c;
	nlive++;
	pthread_mutex_unlock(&live_lock);
}

static void live_del(struct claim *c)
{
	pthread_mutex_lock(&live_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nlive--;
	pthread_mutex_unlock(&live_lock);
}

static int claim_text(char *buf, size_t n, int attempts, const struct input_id *in,
		      bool locked)
{
	int len = snprintf(buf, n,
			   "cylo-claim 1\nhost %s\nboot %s\npid %ld\npid_start %ju\n"
			   "started %jd\nattempts %d\ninput %ju %ju %jd %jd\n%s",
			   self.host, self.boot, self.pid, (uintmax_t)self.pid_start,
			   (intmax_t)now_real_ns(), attempts, (uintmax_t)in->dev,
			   (uintmax_t)in->ino, (intmax_t)in->size, (intmax_t)in->mtime_ns,
			   locked ? "locked 1\n" : "");

	return len > 0 && (size_t)len < n ? len : -ENAMETOOLONG;
}

/* The O_EXCL step: 0 ours, -EEXIST someone's, -errno. */
static int create_claim(int claims_fd, const char *name, int attempts,
			const struct input_id *in, struct claim *c)
{
	char text[CLAIM_MAX];
	struct stat st;
	int fd, len, e;

	fd = openat(claims_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Locked before it says so: a judge reading "locked 1" finds it held. */
	len = claim_text(text, sizeof(text), attempts, in, lock_claim(fd) == 0);
	e = len < 0 ? len : write_all(fd, text, (size_t)len);
	if (e == 0 && fstat(fd, &st) < 0)
		e = -errno;
	if (e < 0) {
		(void)unlinkat(claims_fd, name, 0);
		close(fd);
		return e;
	}
	c->fd = fd;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->attempts = attempts;
	return 0;
}

int claim_acquire(int cylo_fd, int claims_fd, const char *name,
		  const struct input_id *in, double lease, struct claim *c)
{
	struct owner o;
	struct stat st;
	int prior = 0, e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (snprintf(c->name, sizeof(c->name), "%s", name) >= (int)sizeof(c->name))
		return -ENAMETOOLONG;
	/* A few rounds: a contender may take over or finish between our steps. */
	for (int round = 0; round < 4; round++) {
		e = create_claim(claims_fd, name, prior + 1, in, c);
		if (e != -EEXIST)
			break;
		/* ESTALE as ENOENT: over NFS, the claim another host released
		 * as we looked at it; the next round claims it or finds it done. */
		e = judge(claims_fd, name, lease, &o, &st);
		if (e == 0)
			return -EBUSY;
		if (e < 0 && e != -ENOENT && e != -ESTALE)
			return e;
		if (e == 1) {
			e = remove_judged(cylo_fd, claims_fd, name, &st, &o);
			if (e == -EBUSY || (e < 0 && e != -ENOENT && e != -ESTALE))
				return e;
			if (o.valid && input_id_same(&o.in, in) && o.attempts > prior)
				prior = (int)o.attempts;
		}
		e = -EBUSY;
	}
	if (e < 0)
		return e;
	c->claims_fd = claims_fd;
	c->lease = lease;
	c->renewed_ns = now_mono_ns();
	live_add(c);
	return 0;
}

void claim_release(struct claim *c)
{
	struct stat st;

	if (c->fd < 0)
		return;
	live_del(c);
	/* Only our own inode: a host that judged our lease expired may own it now. */
	if (fstatat(c->claims_fd, c->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_ino == c->ino && st.st_dev == c->dev)
		(void)unlinkat(c->claims_fd, c->name, 0);
	close(c->fd);
	c->fd = -1;
}

int claim_abandon(struct claim *c)
{
	static const char line[] = "abandoned 1\n";
	int e;

	if (c->fd < 0)
		return -EBADF;
	if (lseek(c->fd, 0, SEEK_END) < 0)
		e = -errno;
	else
		e = write_all(c->fd, line, sizeof(line) - 1);
	if (e < 0) {
		claim_release(c);	/* the attempt goes uncounted */
		return e;
	}
	live_del(c);
	close(c->fd);
	c->fd = -1;
	return 0;
}

void claim_renew_all(void)
{
	int64_t now = now_mono_ns();

	pthread_mutex_lock(&live_lock);
	for (struct claim *c = live; c; c = c->next) {
		if ((double)(now - c->renewed_ns) < c->lease / 3 * 1e9)
			continue;
		/* Through the fd: renaming the claim away cannot redirect this. */
		if (futimens(c->fd, NULL) == 0)
			c->renewed_ns = now;
	}
	pthread_mutex_unlock(&live_lock);
}

size_t claim_count(void)
{
	size_t n;

	pthread_mutex_lock(&live_lock);
	n = nlive;
	pthread_mutex_unlock(&live_lock);
	return n;
}

/* Calls @fn for every name in @dirfd but "." and ".."; sums what it returns. */
static int each_name(int dirfd, int (*fn)(const char *name, void *arg), void *arg)
{
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n += fn(de->d_name, arg);
	closedir(d);
	return n;
}

struct sweep {
	int cylo_fd, claims_fd;
	double lease;
	bool (*keep)(const char *name, void *arg);
	void *arg;
};

static int sweep_claim(const char *name, void *arg)
{
	struct sweep *sw = arg;
	struct owner o;
	struct stat st;

	if (judge(sw->claims_fd, name, sw->lease, &o, &st) != 1 || sw->keep(name, sw->arg))
		return 0;
	return remove_judged(sw->cylo_fd, sw->claims_fd, name, &st, &o) == 0;
}

/* ".stale.*" files left by a taker that died between its two steps. */
static int sweep_aside(const char *name, void *arg)
{
	struct sweep *sw = arg;
	struct stat st;

	if (strncmp(name, ".stale.", 7) ||
	    fstatat(sw->cylo_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (double)(now_real_ns() - mtime_ns(&st)) / 1e9 > sw->lease &&
	       unlinkat(sw->cylo_fd, name, 0) == 0;
}

int claim_sweep(int cylo_fd, int claims_fd, double lease,
		bool (*keep)(const char *name, void *arg), void *arg)
{
	struct sweep sw = { cylo_fd, claims_fd, lease, keep, arg };
	int a, b;

	a = each_name(claims_fd, sweep_claim, &sw);
	if (a < 0)
		return a;
	b = each_name(cylo_fd, sweep_aside, &sw);
	return b < 0 ? b : a + b;
}
