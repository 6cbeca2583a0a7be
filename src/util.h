/*
 * util.h - small helpers: checked number parsing, bounded buffers,
 * clocks, random numbers, hashing, string lists.
 */
#ifndef CYLO_UTIL_H
#define CYLO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole string must parse; range checked.  0 or -EINVAL / -ERANGE. */
int parse_long(const char *s, long min, long max, long *out);
int parse_double(const char *s, double min, double max, double *out);
/* "256M", "1G", "4096", "64k" into bytes (binary units).  0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, long *bytes);

/* A growable byte buffer with a hard ceiling. */
struct dynbuf {
	char *p;
	size_t len, cap, max;
	bool truncated;		/* something was dropped at the ceiling */
};
void dynbuf_init(struct dynbuf *b, size_t max);
/* Appends up to the ceiling; sets truncated past it.  0 or -ENOMEM. */
int dynbuf_add(struct dynbuf *b, const void *p, size_t n);
/* Takes the bytes (NUL-terminated, may be NULL when empty); resets @b. */
char *dynbuf_take(struct dynbuf *b, size_t *len);
void dynbuf_free(struct dynbuf *b);

int64_t now_mono_ns(void);
int64_t now_real_ns(void);
/*
 * 64 random bits from the kernel.  Before its pool is ready (early boot),
 * a mix of the clock, the pid and a counter instead: different for every
 * call and process, which is all a temporary name needs, but guessable,
 * so a hash seed then only loses its defence against aimed collisions.
 */
uint64_t random_u64(void);
/* RFC 3339 UTC with milliseconds: "2026-11-23T21:08:08.123Z". */
void format_rfc3339(int64_t real_ns, char *buf, size_t n);

/* FNV-1a, 64-bit: a start value (FNV1A_BASIS, or a per-process seed
 * where crafted collisions matter), one step per byte. */
#define FNV1A_BASIS 0xcbf29ce484222325ULL
static inline uint64_t fnv1a_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}
uint64_t fnv1a(uint64_t h, const void *p, size_t n);
/* The four bytes of @v, least significant first (the same on any host). */
uint64_t fnv1a_u32(uint64_t h, uint32_t v);
/* splitmix64's finaliser: every input bit moves every output bit. */
uint64_t mix64(uint64_t x);

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);	/* NULL on ENOMEM */
int strv_push(char ***v, const char *s);	/* 0 or -ENOMEM */
void strv_free(char **v);

/*
 * UTF-8 (RFC 3629): the length (1-4) of the valid sequence at @s (@n > 0
 * bytes available), or 0 when it is invalid: a stray continuation byte, an
 * overlong form, a surrogate, a code point above U+10FFFF or a sequence
 * cut short by the end.  NUL is a valid one-byte sequence.
 */
size_t utf8_char_len(const unsigned char *s, size_t n);
bool utf8_valid(const char *s, size_t n);

#endif
