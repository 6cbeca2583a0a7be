/*
 * test_claim.c - claim files: creation, staleness on this host and from
 * other hosts, takeover with attempt counting, lease renewal, sweeping,
 * and one winner among racing processes (claim.c).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "util.h"

static char top[64];
static int dirfd_, cylo_fd, claims_fd;
static const struct input_id in1 = { 1, 2, 3, 4 }, in2 = { 1, 2, 3, 5 };

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void rm_rf(const char *path)
{
	ck_assert_int_eq(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void setup(void)
{
	bool foreign = true;

	snprintf(top, sizeof(top), "/tmp/cylo-claim.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	dirfd_ = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
	ck_assert_int_eq(claim_init_self(), 0);
	ck_assert_int_eq(claim_dirs_open(dirfd_, &cylo_fd, &claims_fd, &foreign), 0);
	ck_assert(!foreign);
}

static void teardown(void)
{
	close(claims_fd);
	close(cylo_fd);
	close(dirfd_);
	rm_rf(top);
}

static void boot_id(char *buf, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, (int)n, f));
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Writes a claim as another owner would have. */
static void plant(const char *name, const char *host, const char *boot, long pid,
		  unsigned long long pid_start, int attempts, const struct input_id *in)
{
	char text[1024];
	int fd, n;

	n = snprintf(text, sizeof(text), "cylo-claim 1\nhost %s\nboot %s\npid %ld\n"
		     "pid_start %llu\nstarted 1\nattempts %d\ninput %ju %ju %jd %jd\n",
		     host, boot, pid, pid_start, attempts, (uintmax_t)in->dev,
		     (uintmax_t)in->ino, (intmax_t)in->size, (intmax_t)in->mtime_ns);
	fd = openat(claims_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, (size_t)n), n);
	close(fd);
}

static void age(const char *name, int seconds)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= seconds;
	t[1] = t[0];
	ck_assert_int_eq(utimensat(claims_fd, name, t, AT_SYMLINK_NOFOLLOW), 0);
}

static long dead_pid(void)
{
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(p, NULL, 0), p);
	return (long)p;
}

static bool exists(const char *name)
{
	struct stat st;

	return fstatat(claims_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

START_TEST(test_dirs_private_and_no_follow)
{
	struct stat st;
	bool foreign;
	int c, k, d2, e;
	char sub[96];

	ck_assert_int_eq(fstat(cylo_fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(fstat(claims_fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	/* A planted .cylo symlink is never followed. */
	snprintf(sub, sizeof(sub), "%s/sub", top);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	d2 = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(symlinkat(top, d2, ".cylo"), 0);
	e = claim_dirs_open(d2, &c, &k, &foreign);
	ck_assert_msg(e == -ELOOP || e == -ENOTDIR, "followed .cylo: %d", e);
	ck_assert_int_eq(unlinkat(d2, ".cylo", 0), 0);
	ck_assert_int_eq(mkdirat(d2, ".cylo", 0700), 0);
	ck_assert_int_eq(symlinkat(top, d2, ".cylo/claims"), 0);
	e = claim_dirs_open(d2, &c, &k, &foreign);
	ck_assert_msg(e == -ELOOP || e == -ENOTDIR, "followed claims: %d", e);
	close(d2);
}
END_TEST

START_TEST(test_acquire_busy_release)
{
	struct claim a, b;
	char text[1024], want[300];
	ssize_t n;
	int fd;

	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "job.py", &in1, 60, &a), 0);
	ck_assert_int_eq(a.attempts, 1);
	ck_assert_uint_eq(claim_count(), 1);
	/* Our own live claim: a second worker backs off. */
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "job.py", &in1, 60, &b), -EBUSY);
	fd = openat(claims_fd, "job.py", O_RDONLY | O_CLOEXEC);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	text[n] = '\0';
	snprintf(want, sizeof(want), "\nhost %s\n", claim_host());
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want), "\npid %ld\n", (long)getpid());
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text, "\nattempts 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ninput 1 2 3 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nboot "));
	claim_release(&a);
	ck_assert(!exists("job.py"));
	ck_assert_uint_eq(claim_count(), 0);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "job.py", &in1, 60, &b), 0);
	claim_release(&b);
}
END_TEST

/* A claim given up (its result could not be written) is stale at once,
 * though its owner lives: the next run counts one more attempt. */
START_TEST(test_abandoned_counts_an_attempt)
{
	struct claim a, b;

	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "ab.sh", &in1, 60, &a), 0);
	ck_assert_int_eq(claim_abandon(&a), 0);
	ck_assert(exists("ab.sh"));			/* left, marked */
	ck_assert_uint_eq(claim_count(), 0);
	ck_assert_int_eq(claim_abandon(&a), -EBADF);	/* given up once */
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "ab.sh", &in1, 60, &b), 0);
	ck_assert_int_eq(b.attempts, 2);
	claim_release(&b);
	ck_assert(!exists("ab.sh"));
}
END_TEST

START_TEST(test_dead_pid_taken_over_counts_attempts)
{
	char boot[64];
	struct claim c;

	boot_id(boot, sizeof(boot));
	plant("a.sh", claim_host(), boot, dead_pid(), 1, 2, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "a.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 3);	/* the same input version */
	claim_release(&c);
	/* Re-dropped input: a new version starts counting again. */
	plant("a.sh", claim_host(), boot, dead_pid(), 1, 2, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "a.sh", &in2, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 1);
	claim_release(&c);
}
END_TEST

/* An input older than 1970 (unpacked with its times): its claim is read
 * back, so its attempts count (they started over at 1 for ever). */
START_TEST(test_input_before_1970_counts_attempts)
{
	struct input_id old = { 7, 8, 9, -315619200000000000LL };
	char boot[64];
	struct claim c;

	boot_id(boot, sizeof(boot));
	plant("old.sh", claim_host(), boot, dead_pid(), 1, 2, &old);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "old.sh", &old, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 3);
	ck_assert_int_eq(claim_abandon(&c), 0);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "old.sh", &old, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 4);
	claim_release(&c);
}
END_TEST

START_TEST(test_other_boot_is_stale)
{
	struct claim c;

	plant("b.sh", claim_host(), "00000000-0000-0000-0000-000000000000", (long)getppid(),
	      1, 1, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "b.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 2);
	claim_release(&c);
}
END_TEST

START_TEST(test_live_pid_busy_reused_pid_stale)
{
	char boot[64], path[64], stat_[1024], *p;
	unsigned long long start;
	struct claim c;
	FILE *f;

	boot_id(boot, sizeof(boot));
	/* The real start time of our parent: a live owner. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)getppid());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(stat_, sizeof(stat_), f));
	fclose(f);
	p = strrchr(stat_, ')') + 2;
	for (int i = 3; i < 22; i++)
		p = strchr(p, ' ') + 1;
	start = strtoull(p, NULL, 10);
	plant("c.sh", claim_host(), boot, (long)getppid(), start, 1, &in1);
	age("c.sh", 3600);	/* the lease does not matter on our own host */
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "c.sh", &in1, 60, &c), -EBUSY);
	ck_assert_int_eq(unlinkat(claims_fd, "c.sh", 0), 0);
	/* Same pid, another start time: the pid was reused, the owner is gone. */
	plant("c.sh", claim_host(), boot, (long)getppid(), start + 1, 1, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "c.sh", &in1, 60, &c), 0);
	claim_release(&c);
}
END_TEST

START_TEST(test_other_host_lease)
{
	struct claim c;

	plant("d.sh", "elsewhere.example", "x", 1, 1, 1, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "d.sh", &in1, 60, &c), -EBUSY);
	age("d.sh", 30);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "d.sh", &in1, 60, &c), -EBUSY);
	age("d.sh", 61);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "d.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 2);
	claim_release(&c);
}
END_TEST

/* An NFS client numbers the export's device its own way: a claim another
 * host left for the same file still counts its attempts. */
START_TEST(test_other_host_device_number_same_input)
{
	struct input_id there = in1;
	struct claim c;

	there.dev = in1.dev + 7;
	plant("e.sh", "elsewhere.example", "x", 1, 1, 2, &there);
	age("e.sh", 61);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "e.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 3);
	claim_release(&c);
}
END_TEST

START_TEST(test_unreadable_claim_judged_by_age)
{
	struct claim c;
	int fd;

	/* Its writer died between O_EXCL and write: an empty claim. */
	fd = openat(claims_fd, "e.sh", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "e.sh", &in1, 60, &c), -EBUSY);
	age("e.sh", 120);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "e.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 1);
	claim_release(&c);
	/* A symlink planted as a claim is garbage, never followed. */
	ck_assert_int_eq(symlinkat("/etc/passwd", claims_fd, "f.sh"), 0);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "f.sh", &in1, 0, &c), 0);
	claim_release(&c);
}
END_TEST

START_TEST(test_release_leaves_a_claim_not_ours)
{
	struct claim c;

	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "g.sh", &in1, 60, &c), 0);
	/* Another host judged our lease expired and took it over. */
	ck_assert_int_eq(unlinkat(claims_fd, "g.sh", 0), 0);
	plant("g.sh", "elsewhere.example", "x", 1, 1, 2, &in1);
	claim_release(&c);
	ck_assert(exists("g.sh"));
}
END_TEST

START_TEST(test_renew_touches_mtime)
{
	struct claim c;
	struct stat st;

	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "h.sh", &in1, 0.03, &c), 0);
	age("h.sh", 100);
	usleep(20000);	/* a third of the lease is gone */
	claim_renew_all();
	ck_assert_int_eq(fstatat(claims_fd, "h.sh", &st, 0), 0);
	ck_assert_int_ge(st.st_mtime, time(NULL) - 5);
	claim_release(&c);
}
END_TEST

static bool keep_k(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "keep.sh");
}

START_TEST(test_sweep)
{
	char boot[64];
	struct claim live;
	int fd;

	boot_id(boot, sizeof(boot));
	plant("done.sh", claim_host(), boot, dead_pid(), 1, 1, &in1);
	plant("keep.sh", claim_host(), boot, dead_pid(), 1, 1, &in1);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "live.sh", &in1, 60, &live), 0);
	fd = openat(cylo_fd, ".stale.1.abc", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(claim_sweep(cylo_fd, claims_fd, 60, keep_k, NULL), 1);
	ck_assert(!exists("done.sh"));
	ck_assert(exists("keep.sh"));	/* pending: its taker counts the attempt */
	ck_assert(exists("live.sh"));
	ck_assert_int_eq(faccessat(cylo_fd, ".stale.1.abc", F_OK, 0), 0);	/* young */
	ck_assert_int_eq(claim_sweep(cylo_fd, claims_fd, 0, keep_k, NULL), 1);
	ck_assert_int_ne(faccessat(cylo_fd, ".stale.1.abc", F_OK, 0), 0);
	claim_release(&live);
}
END_TEST

#define RACERS 8

/* A child holding a lock on claim @name, as a live owner would; it lets
 * go when @done[1] is written to.  Its pid. */
static pid_t hold_lock(const char *name, int done[2])
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int held[2], fd;
	pid_t kid;
	char b;

	ck_assert_int_eq(pipe(held), 0);
	ck_assert_int_eq(pipe(done), 0);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		fd = openat(claims_fd, name, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0 || write(held[1], "h", 1) != 1)
			_exit(2);
		_exit(read(done[0], &b, 1) < 0);
	}
	ck_assert_int_eq(read(held[0], &b, 1), 1);
	close(held[0]);
	close(held[1]);
	return kid;
}

static void let_go(pid_t kid, int done[2])
{
	ck_assert_int_eq(write(done[1], "d", 1), 1);
	ck_assert_int_eq(waitpid(kid, NULL, 0), kid);
	close(done[0]);
	close(done[1]);
}

/* A claim planted with "locked 1" at its end. */
static void plant_locked(const char *name, const char *host, long pid)
{
	char boot[64];
	int fd;

	boot_id(boot, sizeof(boot));
	plant(name, host, boot, pid, 1, 1, &in1);
	fd = openat(claims_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "locked 1\n", 9), 9);
	close(fd);
}

/* A claim written under a lock is judged by its lock: a held one is live
 * whatever its pid says (an owner in another pid namespace: pid 1 here
 * is init), a free one is gone even though its pid lives. */
START_TEST(test_locked_claim_judged_by_its_lock)
{
	struct claim c;
	int done[2];
	pid_t kid;

	plant_locked("l.sh", claim_host(), 1);
	kid = hold_lock("l.sh", done);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "l.sh", &in1, 60, &c), -EBUSY);
	ck_assert(exists("l.sh"));
	let_go(kid, done);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "l.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 2);
	claim_release(&c);
}
END_TEST

/* Another host's claim is judged by its lease alone: over NFS a dead
 * client's lock may outlive it (it kept the input claimed for ever). */
START_TEST(test_other_hosts_lock_not_trusted)
{
	struct claim c;
	int done[2];
	pid_t kid;

	plant_locked("h.sh", "elsewhere", 1);
	kid = hold_lock("h.sh", done);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "h.sh", &in1, 60, &c), -EBUSY);
	age("h.sh", 3600);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "h.sh", &in1, 60, &c), 0);
	claim_release(&c);
	let_go(kid, done);
}
END_TEST

/* Our own claim left behind (its removal failed) is no live claim of
 * ours: its lock went with its fd, and the input can be claimed again
 * (it was busy until a restart). */
START_TEST(test_own_claim_left_behind_is_stale)
{
	struct claim c;

	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "o.sh", &in1, 60, &c), 0);
	/* Out of the way while it is released, as a failed unlink leaves it. */
	ck_assert_int_eq(renameat(claims_fd, "o.sh", cylo_fd, "o.aside"), 0);
	claim_release(&c);
	ck_assert_int_eq(renameat(cylo_fd, "o.aside", claims_fd, "o.sh"), 0);
	ck_assert_int_eq(claim_acquire(cylo_fd, claims_fd, "o.sh", &in1, 60, &c), 0);
	ck_assert_int_eq(c.attempts, 2);
	claim_release(&c);
	ck_assert(!exists("o.sh"));
}
END_TEST

START_TEST(test_one_winner_among_racers)
{
	int res[2], go[2], wins = 0, busy = 0;
	char boot[64], r;
	pid_t kids[RACERS];

	boot_id(boot, sizeof(boot));
	plant("race.sh", claim_host(), boot, dead_pid(), 1, 1, &in1);
	ck_assert_int_eq(pipe(res), 0);
	ck_assert_int_eq(pipe(go), 0);
	for (int i = 0; i < RACERS; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			struct claim c;
			char buf;
			int e;

			close(go[1]);
			claim_init_self();
			e = claim_acquire(cylo_fd, claims_fd, "race.sh", &in1, 60, &c);
			buf = e == 0 ? 'W' : e == -EBUSY ? 'B' : 'E';
			if (write(res[1], &buf, 1) != 1)
				_exit(2);
			/* A winner stays alive until everyone judged: else it is stale. */
			if (read(go[0], &buf, 1) < 0)
				_exit(3);
			_exit(0);
		}
	}
	close(res[1]);
	for (int i = 0; i < RACERS; i++) {
		ck_assert_int_eq(read(res[0], &r, 1), 1);
		wins += r == 'W';
		busy += r == 'B';
	}
	close(go[1]);
	for (int i = 0; i < RACERS; i++)
		waitpid(kids[i], NULL, 0);
	ck_assert_int_eq(wins, 1);
	ck_assert_int_eq(busy, RACERS - 1);
}
END_TEST

static Suite *claim_suite(void)
{
	Suite *s = suite_create("claim");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dirs_private_and_no_follow);
	tcase_add_test(tc, test_acquire_busy_release);
	tcase_add_test(tc, test_abandoned_counts_an_attempt);
	tcase_add_test(tc, test_dead_pid_taken_over_counts_attempts);
	tcase_add_test(tc, test_input_before_1970_counts_attempts);
	tcase_add_test(tc, test_other_host_device_number_same_input);
	tcase_add_test(tc, test_other_boot_is_stale);
	tcase_add_test(tc, test_live_pid_busy_reused_pid_stale);
	tcase_add_test(tc, test_locked_claim_judged_by_its_lock);
	tcase_add_test(tc, test_own_claim_left_behind_is_stale);
	tcase_add_test(tc, test_other_hosts_lock_not_trusted);
	tcase_add_test(tc, test_other_host_lease);
	tcase_add_test(tc, test_unreadable_claim_judged_by_age);
	tcase_add_test(tc, test_release_leaves_a_claim_not_ours);
	tcase_add_test(tc, test_renew_touches_mtime);
	tcase_add_test(tc, test_sweep);
	tcase_add_test(tc, test_one_winner_among_racers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(claim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
