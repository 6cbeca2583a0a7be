#!/bin/sh
# tests/security/archives.sh - SECURITY.md rows A01-A09: hostile archives
# (generated here, at test time, by hostile/mkarchives.py), extracted by
# cylo in a box of their own.  The catalogue has no A08.
. "$(dirname "$0")/lib.sh"

A=$TMPROOT/arc
TAG=$$
mkdir -p "$A"
python3 "$HOSTILE/mkarchives.py" "$A" "$TAG" || echo "not ok - setup: mkarchives.py failed"

# refused ID FILE REASON_REGEX [EXPR...]: FILE is invalid_job for REASON.
refused() {
	rid=$1 rfile=$2 rwhy=$3
	shift 3
	run_job "$rid" "$A/$rfile"
	expect "$rid" "$rfile is invalid_job ($rwhy)" 125 \
		"d['status'] == 'invalid_job'" "re.search(r'$rwhy', d['error'] or '')" \
		"d['stdout'] == '' and d['exit_code'] is None" "$@"
}

# nothing_outside ID: none of the host paths the archives aim at exists.
nothing_outside() {
	for p in /tmp/cylo-sec-"$TAG"-* /etc/cron.d/cylo-sec-"$TAG" /cylo-sec-x \
		/tmp/cylo-sec-x "$TMPROOT/cylo-sec-x" "$A/cylo-sec-x"; do
		[ -e "$p" ] && bad "$p exists"
	done
	verdict "$1" "nothing written outside the box"
}

# ---- A01: traversal ------------------------------------------------------------
refused A01 a01_dotdot.tar 'escapes'
refused A01 a01_nested_dotdot.tar 'escapes'
refused A01 a01_abs.tar 'absolute'
refused A01 a01_abs_cron.tar 'absolute'
refused A01 a01_backslash.zip 'escapes|backslash'
refused A01 a01_dotdot.zip 'escapes'
nothing_outside A01
host A01

# ---- A02: symlinks ------------------------------------------------------------
refused A02 a02_link_then_file.tar 'symlink'
refused A02 a02_two_hops.tar 'symlink'
refused A02 a02_dir_link_file.tar 'symlink'
refused A02 a02_relative_escape.tar 'symlink'
# Their files aim at /etc through the links: /etc/passwd is a host canary.
[ -e /etc/x ] && bad "/etc/x exists"
nothing_outside A02
host A02

# ---- A03: hard links (CVE-2016-5418 included) --------------------------------------
refused A03 a03_hard_abs.tar 'hard link'
refused A03 a03_hard_rel.tar 'hard link'
refused A03 a03_hard_su.tar 'hard link'
refused A03 a03_hard_earlier.tar 'hard link'
refused A03 a03_hard_with_data.tar 'hard link'
host A03

# ---- A04: special files; modes, owners, xattrs, ACLs, flags ------------------------
refused A04 a04_chardev.tar 'device'
refused A04 a04_blockdev.tar 'device'
refused A04 a04_fifo.tar 'FIFO'
# zip has no socket type of its own: libarchive reads a socket mode in the
# external attributes as a regular file, which is what must land.
run_job A04 "$A/a04_socket.zip"
expect A04 "a zip 'socket' entry lands as a plain file, if at all" - \
	"d['status'] in ('ok', 'invalid_job')" \
	"d['status'] == 'invalid_job' or (e('entry sock', 'file') and e('main', 'ran'))"
run_job A04 "$A/a04_attributes.tar"
expect A04 "set-id, owner, xattrs, ACLs, flags are not restored" 0 \
	"d['status'] == 'ok'" \
	"all(o[n + ' mode'] in ('755', '644') for n in ('suid', 'capfile', 'aclfile', 'immutable'))" \
	"e('suid mode', '755')" \
	"all(o[n + ' owner'] == '1000:1000' for n in ('suid', 'capfile', 'aclfile', 'immutable'))" \
	"all(o[n + ' xattrs'] == 'none' for n in ('suid', 'capfile', 'aclfile', 'immutable'))" \
	"all(o[n + ' flags'] in ('0x0', 'ENOTTY', 'EACCES') for n in ('suid', 'capfile', 'aclfile', 'immutable'))" \
	"all(o[n + ' writable'] == 'yes' for n in ('suid', 'capfile', 'aclfile', 'immutable'))"
host A04

# ---- A05: bombs ----------------------------------------------------------------------
run_job A05 "$A/a05_nested.zip"
expect A05 "42.zip-style nesting: inner archives are files, never extracted" - \
	"d['status'] in ('ok', 'invalid_job')" \
	"d['status'] == 'invalid_job' or sorted(k[6:] for k in o if k.startswith('entry ')) == sorted(['main.py'] + ['inner%d.zip' % i for i in range(16)])"
refused A05 a05_zeros.tar.gz 'cap|expands|full'
[ "$MS" -lt 15000 ] || bad "128 MiB of zeros took $MS ms"
verdict A05 "the zero bomb was cut short"
run_job A05 "$A/a05_overlap.zip"
expect A05 "overlapping entries: one pass over local headers, bounded" - \
	"d['status'] in ('ok', 'invalid_job')" \
	"not [k for k in o if re.match(r'entry k\\d+', k)]"
refused A05 a05_layers.tar.gz 'filters|cannot read|format'
host A05

# ---- A06: counts, depth, path length, declared sizes ----------------------------------
refused A06 a06_many.tar.gz 'entries|full'
refused A06 a06_deep_10000.tar 'longer|components|deep'
refused A06 a06_deep_40.tar 'components|deep'
refused A06 a06_path_4k.tar 'longer'
refused A06 a06_declared_1t.tar 'declares|cap'
refused A06 a06_sparse_1t.tar 'sparse'
host A06

# ---- A07: duplicates and hostile names; the result stays valid JSON --------------------
refused A07 a07_dup_then_link.tar 'symlink|duplicate'
refused A07 a07_dup_regular.tar 'duplicate'
refused A07 a07_case.tar 'case'
for n in newline ansi nonutf8 cr; do
	refused A07 "a07_name_$n.tar" 'control character|UTF-8' \
		"not re.search(r'[\\x00-\\x1f\\x7f]', d['error'])"
done
# A NUL inside a pax path: libarchive ends the name there ("a").
run_job A07 "$A/a07_name_nul.tar"
expect A07 "a NUL in a pax name cuts it short or refuses it" - \
	"d['status'] in ('ok', 'invalid_job')" \
	"d['status'] == 'invalid_job' or e('entry a', 'file')" \
	"not [k for k in o if 'b.txt' in k]"
host A07

# ---- A09: local header vs central directory; fuzzed archives ------------------------------
run_job A09 "$A/a09_local_ok.zip"
expect A09 "the name validated is the name written (the local header's)" 0 \
	"d['status'] == 'ok'" "e('entry okay-sixteen1.py', 'file')" "e('main', 'ran')" \
	"len([k for k in o if k.startswith('entry ')]) == 1"
refused A09 a09_local_evil.zip 'escapes'
nothing_outside A09
host A09
for f in "$A"/fuzz/*; do
	run_job A09 "$f" 30
	sec result "$R" "$RERR" "$RC" - "d['status'] in ('ok', 'invalid_job', 'runtime_error')" \
		"d['status'] != 'ok' or e('main', 'ran')" >"$TMPROOT/fuzz.why" ||
		bad "$(basename "$f"): $(cat "$TMPROOT/fuzz.why")"
	[ "$MS" -lt 20000 ] || bad "$(basename "$f") took $MS ms"
done
verdict A09 "30 fuzzed archives: each one well-formed result, in bounded time"
nothing_outside A09
host A09
