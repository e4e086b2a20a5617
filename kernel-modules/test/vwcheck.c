// SPDX-License-Identifier: GPL-2.0
/*
 * vwcheck: runs inside the QEMU guest and checks the vmwatch /proc files
 * against kernel-modules/FORMAT.md and against the guest's own /proc.
 * Built static on the host (gcc -static). Every subcommand prints what it
 * found and exits 0 only when every check held.
 *
 *   vwcheck mode OCTAL GID FILE...       each FILE is a regular file with that mode, owner 0:GID
 *   vwcheck format cpu|mem|procs [CHUNK] read the file CHUNK bytes at a time and validate it
 *   vwcheck file cpu|mem|procs PATH      validate a saved copy (golden file) the same way
 *   vwcheck cpu                          compare /proc/vmwatch_cpu with /proc/stat; monotonic
 *   vwcheck mem                          compare /proc/vmwatch_mem with /proc/meminfo
 *   vwcheck procs [HOSTILE_PID [THREADED_PID]]  compare /proc/vmwatch_procs with /proc/PID/{stat,status,comm}
 *   vwcheck spawn-hostile SECONDS        start a process with a hostile name; print its pid
 *   vwcheck spawn-threads SECONDS        start a process whose 2 exited threads burned CPU and
 *                                        whose 2 other threads sleep; print its pid
 *   vwcheck idle N SECONDS READYFILE     keep N idle children until SIGTERM or SECONDS pass
 *   vwcheck storm-read TOTAL             fork/exit TOTAL processes while reading the table
 *   vwcheck seek cpu|mem|procs           lseek/pread on one open file; each whole read validates
 *   vwcheck hold FILE READYFILE GOFILE   open FILE, read a little, wait for GOFILE, read on (EIO)
 *   vwcheck bench REPS                   time the whole table: vmwatch_procs vs /proc/PID/{stat,status}
 *   vwcheck as UID GID GROUPS CMD...     run CMD as UID/GID with supplementary GROUPS (comma list or -)
 *   vwcheck access PATH allow|deny       open+read PATH: allow = a valid table, deny = open fails EACCES
 *   vwcheck spawn-uids SECONDS           start processes with euid 1000, euid 2000 (ruid 1000) and
 *                                        uid 0 in a user namespace mapped to 100000; print the pids
 *   vwcheck uids PID:UID...              the table lists each PID with that uid
 *   vwcheck read-until-gone PATH READY   read PATH whole in 4 KiB reads, again and again, until open
 *                                        fails ENOENT (module unloaded); every read either valid or EIO
 *   vwcheck mem-move DEV                 memory figures follow allocation, page cache, and reads of
 *                                        block device DEV (buffers), each against /proc/meminfo
 *   vwcheck busy PATH                    read() and pread() at offset 100 both fail with EBUSY
 *                                        within 20 s each (the table never fits: test knob)
 *   vwcheck swap-use MIB READY GO        allocate MIB and touch it (pushed to swap by a memory
 *                                        cgroup), touch half again (swap cache), wait for GO
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 10000000ULL /* USER_HZ is 100 */
#define HOSTILE_NAME "vw a\tb\\c\nd\xc3\xa9"
#define HOSTILE_ESCAPED "vw\\040a\\011b\\134c\\012d\\303\\251"

static int failures;

/* One "CHECK-FAIL ..." line: the host fails the run on it. The first 30 are printed. */
static void report_failure(const char *fmt, va_list ap)
{
	if (failures > 30)
		return;
	if (failures == 30) {
		puts("CHECK-FAIL (more failures not shown)");
		return;
	}
	fputs("CHECK-FAIL ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_failure(fmt, ap);
	va_end(ap);
	failures++;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_failure(fmt, ap);
	va_end(ap);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Whole file, read CHUNK bytes per read(2); NUL-terminated; NULL and errno on error. */
static char *slurp(const char *path, size_t chunk, size_t *len_out)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + chunk > cap) {
			cap = (len + chunk) * 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				die("out of memory");
		}
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* Split buf into lines in place; returns the count. */
static size_t split_lines(char *buf, size_t len, char ***lines_out)
{
	size_t n = 0, cap = 1024;
	char **lines = malloc(cap * sizeof(*lines));
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (n == cap) {
			cap *= 2;
			lines = realloc(lines, cap * sizeof(*lines));
		}
		lines[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	*lines_out = lines;
	return n;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Split a line on single spaces; returns the field count (at most max). -1 on empty field. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (n == max)
			return max + 1;
		f[n++] = p;
		if (p == sp || !*p)
			return -1;
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

/* Unescape a name field; -1 if malformed or not minimally escaped. */
static int unescape_name(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (o + 1 >= outsz)
			return -1;
		if (c == '\\') {
			int v;

			if (in[1] < '0' || in[1] > '3' || in[2] < '0' || in[2] > '7' ||
			    in[3] < '0' || in[3] > '7')
				return -1;
			v = (in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0');
			if (v == 0 || (v > ' ' && v != '\\' && v < 0x7f))
				return -1; /* escaped a byte that must be written as itself */
			out[o++] = (char)v;
			in += 3;
		} else {
			if (c <= ' ' || c >= 0x7f)
				return -1;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return (int)o;
}

struct proc_rec {
	uint64_t pid, ppid, uid, threads, rss, vsize, utime, stime, start;
	char state;
	char name[64];
	char raw[80];
};

struct cpu_rec {
	uint64_t cpu, v[8];
};

/* Format version of each file: vmwatch_mem is at 2 (swap left out), the others at 1. */
static const char *file_version(const char *name)
{
	return strcmp(name, "vmwatch_mem") ? "1" : "2";
}

static int check_common(const char *buf, size_t len, const char *name)
{
	size_t i;
	char header[64];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c != '\n' && (c < 0x20 || c > 0x7e))
			return fail("%s: byte 0x%02x at offset %zu", name, c, i), -1;
		if (c == ' ' && (i == 0 || buf[i - 1] == ' ' || buf[i - 1] == '\n' ||
				 i + 1 == len || buf[i + 1] == '\n'))
			return fail("%s: stray space at offset %zu", name, i), -1;
	}
	if (len == 0 || buf[len - 1] != '\n')
		return fail("%s: empty or last line not ended by newline", name), -1;
	snprintf(header, sizeof(header), "%s %s\n", name, file_version(name));
	if (strncmp(buf, header, strlen(header)))
		return fail("%s: bad header", name), -1;
	if (len < 4 || strcmp(buf + len - 4, "end\n") || (len > 4 && buf[len - 5] != '\n'))
		return fail("%s: last line is not 'end'", name), -1;
	return 0;
}

static const char CPU_COLUMNS[] =
	"cpu user_ns nice_ns system_ns idle_ns iowait_ns irq_ns softirq_ns steal_ns";
static const char PROCS_COLUMNS[] =
	"pid ppid uid state threads rss_bytes vsize_bytes utime_ns stime_ns start_time_ns name";
/* vmwatch_mem version 2: no swap keys (the exporter reads swap from /proc/meminfo). */
#define MEM_KEY_COUNT 5
static const char *MEM_KEYS[MEM_KEY_COUNT] = { "total_bytes", "free_bytes", "available_bytes",
					       "buffers_bytes", "cached_bytes" };

/* Parses and validates /proc/vmwatch_cpu content; returns the record count or -1. */
static int parse_cpu(char *buf, size_t len, struct cpu_rec *recs, int max)
{
	char **lines;
	size_t n, i;
	int count = 0;

	if (check_common(buf, len, "vmwatch_cpu"))
		return -1;
	n = split_lines(buf, len, &lines);
	if (n < 4 || strcmp(lines[1], CPU_COLUMNS))
		return fail("vmwatch_cpu: bad column line"), free(lines), -1;
	for (i = 2; i + 1 < n; i++) {
		char *f[10];
		int k, nf = split_fields(lines[i], f, 9);

		if (nf != 9 || count == max)
			return fail("vmwatch_cpu: line %zu has %d fields", i + 1, nf), free(lines), -1;
		for (k = 0; k < 9; k++) {
			uint64_t v;

			if (parse_u64(f[k], &v))
				return fail("vmwatch_cpu: line %zu field %d not a number", i + 1, k + 1),
				       free(lines), -1;
			if (k == 0)
				recs[count].cpu = v;
			else
				recs[count].v[k - 1] = v;
		}
		if (count && recs[count].cpu <= recs[count - 1].cpu)
			return fail("vmwatch_cpu: cpu numbers not increasing"), free(lines), -1;
		count++;
	}
	free(lines);
	if (!count)
		return fail("vmwatch_cpu: no cpu line"), -1;
	return count;
}

static int parse_mem(char *buf, size_t len, uint64_t *vals)
{
	char **lines;
	size_t n, i;

	if (check_common(buf, len, "vmwatch_mem"))
		return -1;
	n = split_lines(buf, len, &lines);
	if (n != MEM_KEY_COUNT + 2)
		return fail("vmwatch_mem: %zu lines, expected %d", n, MEM_KEY_COUNT + 2), free(lines), -1;
	for (i = 0; i < MEM_KEY_COUNT; i++) {
		char *f[3];

		if (split_fields(lines[i + 1], f, 2) != 2 || strcmp(f[0], MEM_KEYS[i]) ||
		    parse_u64(f[1], &vals[i]))
			return fail("vmwatch_mem: bad line %zu", i + 2), free(lines), -1;
	}
	free(lines);
	return 0;
}

/* Parses /proc/vmwatch_procs content; returns the record count or -1. *recs_out is malloc'd. */
static long parse_procs(char *buf, size_t len, struct proc_rec **recs_out)
{
	char **lines;
	size_t n, i;
	long count = 0;
	struct proc_rec *recs;

	if (check_common(buf, len, "vmwatch_procs"))
		return -1;
	n = split_lines(buf, len, &lines);
	if (n < 3 || strcmp(lines[1], PROCS_COLUMNS))
		return fail("vmwatch_procs: bad column line"), free(lines), -1;
	recs = calloc(n, sizeof(*recs));
	for (i = 2; i + 1 < n; i++) {
		char *f[12];
		uint64_t *num[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
		struct proc_rec *r = &recs[count];
		int k, nf = split_fields(lines[i], f, 11);

		num[0] = &r->pid; num[1] = &r->ppid; num[2] = &r->uid; num[4] = &r->threads;
		num[5] = &r->rss; num[6] = &r->vsize; num[7] = &r->utime; num[8] = &r->stime;
		num[9] = &r->start;
		if (nf != 11)
			goto bad;
		for (k = 0; k < 10; k++) {
			if (k == 3) {
				if (strlen(f[3]) != 1 || !strchr("RSDTtXZPI", f[3][0]))
					goto bad;
				r->state = f[3][0];
			} else if (parse_u64(f[k], num[k])) {
				goto bad;
			}
		}
		if (strlen(f[10]) >= sizeof(r->raw) || unescape_name(f[10], r->name, sizeof(r->name)) < 1 ||
		    strlen(r->name) > 15)
			goto bad;
		strcpy(r->raw, f[10]);
		if (count && r->pid <= recs[count - 1].pid)
			return fail("vmwatch_procs: pid %llu after %llu, not increasing",
				    (unsigned long long)r->pid, (unsigned long long)recs[count - 1].pid),
			       free(lines), free(recs), -1;
		count++;
		continue;
bad:
		fail("vmwatch_procs: malformed record on line %zu", i + 1);
		free(lines);
		free(recs);
		return -1;
	}
	free(lines);
	*recs_out = recs;
	return count;
}

static int cmd_mode(unsigned int mode, unsigned int gid, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st))
			fail("%s: %s", argv[i], strerror(errno));
		else if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != mode || st.st_uid != 0 ||
			 st.st_gid != gid)
			fail("%s: mode %o owner %u:%u, expected regular file %o 0:%u", argv[i],
			     st.st_mode, st.st_uid, st.st_gid, mode, gid);
		else
			printf("%s mode %o owner 0:%u regular\n", argv[i], mode, gid);
	}
	return failures ? 1 : 0;
}

/* Validates the content of one file kind (splits buf in place); record count or -1. */
static long validate(const char *which, char *buf, size_t len)
{
	long n = -1;

	if (!strcmp(which, "cpu")) {
		struct cpu_rec recs[1024];

		n = parse_cpu(buf, len, recs, 1024);
	} else if (!strcmp(which, "mem")) {
		uint64_t vals[MEM_KEY_COUNT];

		n = parse_mem(buf, len, vals) ? -1 : MEM_KEY_COUNT;
	} else if (!strcmp(which, "procs")) {
		struct proc_rec *recs = NULL;

		n = parse_procs(buf, len, &recs);
		free(recs);
	} else {
		die("unknown file %s", which);
	}
	return n;
}

static int cmd_format(const char *which, size_t chunk, const char *file)
{
	char path[4096];
	size_t len;
	char *buf;
	long n;

	if (file)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "/proc/vmwatch_%s", which);
	buf = slurp(path, chunk, &len);
	if (!buf)
		die("%s: %s", path, strerror(errno));
	n = validate(which, buf, len);
	free(buf);
	if (n < 0)
		return 1;
	printf("%s: %zu bytes read %zu at a time, %ld records, format ok\n", path, len, chunk, n);
	return 0;
}

/* cpuN lines of /proc/stat: ticks for the same eight columns. */
static int read_stat(uint64_t ticks[][8], int max)
{
	char *buf = slurp("/proc/stat", 4096, NULL), *line, *save = NULL;
	int n = 0;

	if (!buf)
		die("/proc/stat: %s", strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int cpu;
		unsigned long long v[8];

		if (strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]))
			continue;
		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9 || (int)cpu != n || n == max)
			die("/proc/stat: unexpected line %s", line);
		memcpy(ticks[n++], v, sizeof(v));
	}
	free(buf);
	return n;
}

static int cmd_cpu(void)
{
	static const char *col[] = { "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal" };
	uint64_t before[64][8], after[64][8];
	struct cpu_rec a[64], b[64];
	int n_before, na, nb, n_after, c, k;
	uint64_t sum_a = 0, sum_b = 0;
	char *buf;
	size_t len;
	volatile uint64_t spin = 0;
	uint64_t t0;

	n_before = read_stat(before, 64);
	buf = slurp("/proc/vmwatch_cpu", 4096, &len);
	if (!buf)
		die("/proc/vmwatch_cpu: %s", strerror(errno));
	na = parse_cpu(buf, len, a, 64);
	free(buf);
	n_after = read_stat(after, 64);
	if (na < 0)
		return 1;
	if (na != n_before || na != n_after)
		fail("vmwatch_cpu has %d cpus, /proc/stat %d", na, n_before);
	for (c = 0; c < na && c < n_before; c++)
		for (k = 0; k < 8; k++) {
			uint64_t ticks = a[c].v[k] / TICK_NS;

			/* /proc/stat read before and after brackets ours (one tick of rounding). */
			if (ticks + 1 < before[c][k] || ticks > after[c][k] + 1)
				fail("cpu%d %s: %llu ticks, /proc/stat %llu..%llu", c, col[k],
				     (unsigned long long)ticks, (unsigned long long)before[c][k],
				     (unsigned long long)after[c][k]);
		}
	/* Burn some CPU, then read again: nothing may decrease, the total must grow. */
	t0 = now_ns();
	while (now_ns() - t0 < 300000000ULL)
		spin++;
	buf = slurp("/proc/vmwatch_cpu", 4096, &len);
	if (!buf)
		die("/proc/vmwatch_cpu: %s", strerror(errno));
	nb = parse_cpu(buf, len, b, 64);
	free(buf);
	if (nb != na)
		return fail("cpu count changed %d -> %d", na, nb), 1;
	for (c = 0; c < na; c++)
		for (k = 0; k < 8; k++) {
			if (b[c].v[k] < a[c].v[k])
				fail("cpu%d %s decreased %llu -> %llu", c, col[k],
				     (unsigned long long)a[c].v[k], (unsigned long long)b[c].v[k]);
			sum_a += a[c].v[k];
			sum_b += b[c].v[k];
		}
	if (sum_b <= sum_a)
		fail("cpu time did not advance after 300 ms of work (%llu -> %llu)",
		     (unsigned long long)sum_a, (unsigned long long)sum_b);
	if (sum_a == 0)
		fail("all cpu times are zero");
	printf("vmwatch_cpu: %d cpus agree with /proc/stat, monotonic, advanced %llu ns\n", na,
	       (unsigned long long)(sum_b - sum_a));
	return failures ? 1 : 0;
}

static uint64_t meminfo_kib(const char *text, const char *key)
{
	char pat[64];
	const char *p;
	unsigned long long v;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(text, pat);
	if (!p && !strncmp(text, pat + 1, strlen(pat + 1)))
		p = text - 1;
	if (!p || sscanf(p + strlen(pat), " %llu kB", &v) != 1)
		die("/proc/meminfo: no %s", key);
	return v;
}

/* Reads vmwatch_mem between two reads of /proc/meminfo into vals; 0 when they agree. */
static int mem_compare(uint64_t *vals)
{
	static const char *mi[MEM_KEY_COUNT] = { "MemTotal", "MemFree", "MemAvailable", "Buffers",
						 "Cached" };
	char *m1, *m2, *buf;
	size_t len;
	int i, bad = 0;

	m1 = slurp("/proc/meminfo", 4096, NULL);
	buf = slurp("/proc/vmwatch_mem", 4096, &len);
	m2 = slurp("/proc/meminfo", 4096, NULL);
	if (!m1 || !m2 || !buf)
		die("cannot read meminfo or vmwatch_mem: %s", strerror(errno));
	if (parse_mem(buf, len, vals))
		return -1;
	if (strstr(m1, "SwapTotal:") == NULL)
		die("/proc/meminfo has no SwapTotal");
	for (i = 0; i < MEM_KEY_COUNT; i++) {
		uint64_t x = meminfo_kib(m1, mi[i]) * 1024, y = meminfo_kib(m2, mi[i]) * 1024;
		uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
		uint64_t slack = i == 0 ? 0 : 4ULL << 20; /* total is exact */

		if (vals[i] + slack < lo || vals[i] > hi + slack) {
			fail("%s = %llu, /proc/meminfo %s = %llu..%llu", MEM_KEYS[i],
			     (unsigned long long)vals[i], mi[i], (unsigned long long)lo,
			     (unsigned long long)hi);
			bad = -1;
		}
	}
	if (!vals[0] || vals[1] > vals[0] || vals[2] > vals[0]) {
		fail("vmwatch_mem: inconsistent totals");
		bad = -1;
	}
	free(m1);
	free(m2);
	free(buf);
	return bad;
}

static int cmd_mem(void)
{
	uint64_t vals[MEM_KEY_COUNT];

	if (mem_compare(vals))
		return 1;
	printf("vmwatch_mem: total %llu bytes == MemTotal, all keys agree with /proc/meminfo\n",
	       (unsigned long long)vals[0]);
	return 0;
}

static void print_mem(const char *when, const uint64_t *v)
{
	printf("%-28s free %6llu MiB  available %6llu MiB  buffers %5llu MiB  cached %6llu MiB\n", when,
	       (unsigned long long)(v[1] >> 20), (unsigned long long)(v[2] >> 20),
	       (unsigned long long)(v[3] >> 20), (unsigned long long)(v[4] >> 20));
}

/* A figure must have moved by at least MIB MiB in the given direction. */
static void moved(const char *what, uint64_t before, uint64_t after, int up, uint64_t mib)
{
	int ok = up ? after >= before + (mib << 20) : after + (mib << 20) <= before;

	if (!ok)
		fail("%s: %llu -> %llu bytes, expected to %s by at least %llu MiB", what,
		     (unsigned long long)before, (unsigned long long)after, up ? "grow" : "shrink",
		     (unsigned long long)mib);
}

/*
 * Memory figures that move: 256 MiB allocated and touched (free and available
 * drop), 128 MiB written to a tmpfs file (cached grows), DEV read through its
 * page cache (buffers grow); after each, every key agrees with /proc/meminfo.
 */
static int cmd_mem_move(const char *dev)
{
	uint64_t v0[MEM_KEY_COUNT], v1[MEM_KEY_COUNT], v2[MEM_KEY_COUNT], v3[MEM_KEY_COUNT];
	size_t anon = 256UL << 20, i;
	static char block[1 << 20];
	char *mem;
	int fd;

	if (mem_compare(v0))
		return 1;
	print_mem("start", v0);
	mem = mmap(NULL, anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	for (i = 0; i < anon; i += 4096)
		mem[i] = 1;
	if (mem_compare(v1))
		return 1;
	print_mem("256 MiB allocated", v1);
	moved("free_bytes after allocating", v0[1], v1[1], 0, 200);
	moved("available_bytes after allocating", v0[2], v1[2], 0, 200);

	fd = open("/tmp/vw-cache", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("/tmp/vw-cache: %s", strerror(errno));
	memset(block, 'c', sizeof(block));
	for (i = 0; i < 128; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			die("write /tmp/vw-cache: %s", strerror(errno));
	close(fd);
	if (mem_compare(v2))
		return 1;
	print_mem("128 MiB in the page cache", v2);
	moved("cached_bytes after writing 128 MiB", v1[4], v2[4], 1, 100);

	fd = open(dev, O_RDONLY);
	if (fd < 0)
		die("%s: %s", dev, strerror(errno));
	{
		ssize_t n;
		size_t total = 0;

		while ((n = read(fd, block, sizeof(block))) > 0)
			total += (size_t)n;
		if (total < (48UL << 20))
			fail("%s: read only %zu bytes", dev, total);
	}
	/* Still open: the last close of a block device drops its page cache. */
	if (mem_compare(v3))
		return 1;
	close(fd);
	print_mem("block device read", v3);
	moved("buffers_bytes after reading the block device", v2[3], v3[3], 1, 40);
	munmap(mem, anon);
	unlink("/tmp/vw-cache");
	return failures ? 1 : 0;
}

/* Run by the guest in a memory cgroup smaller than MIB: part of it goes to swap. */
static int cmd_swap_use(long mib, const char *ready, const char *go)
{
	size_t len = (size_t)mib << 20, i;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char sink = 0;
	int waited = 0;
	FILE *f;

	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	pid_t sharer;

	for (i = 0; i < len; i += 4096)
		mem[i] = (char)(i >> 12);
	/*
	 * A child shares every page, so a swapped-out page has two users and
	 * comes back in through the swap cache (a zram page with one user
	 * skips it): SwapCached grows, which Cached must not count.
	 */
	sharer = fork();
	if (sharer < 0)
		die("fork: %s", strerror(errno));
	if (sharer == 0) {
		alarm(300);
		for (;;)
			pause();
	}
	for (i = 0; i < len / 2; i += 4096)
		sink ^= mem[i];
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	while (access(go, F_OK)) {
		if (++waited > 1200) {
			kill(sharer, SIGKILL);
			die("no go signal after 120 s");
		}
		usleep(100000);
	}
	(void)sink;
	kill(sharer, SIGKILL);
	waitpid(sharer, NULL, 0);
	return 0;
}

/* Sorted pids under /proc. */
static size_t list_pids(uint64_t **out)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0, cap = 1024;
	uint64_t *p = malloc(cap * sizeof(*p));

	if (!d)
		die("/proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		uint64_t v;

		if (parse_u64(e->d_name, &v))
			continue;
		if (n == cap)
			p = realloc(p, (cap *= 2) * sizeof(*p));
		p[n++] = v;
	}
	closedir(d);
	for (size_t i = 1; i < n; i++) /* insertion sort: readdir order is nearly sorted */
		for (size_t j = i; j > 0 && p[j - 1] > p[j]; j--) {
			uint64_t t = p[j];

			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	*out = p;
	return n;
}

static int has_pid(const uint64_t *p, size_t n, uint64_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[mid] == pid)
			return 1;
		if (p[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static const struct proc_rec *find_rec(const struct proc_rec *r, long n, uint64_t pid)
{
	long lo = 0, hi = n;

	while (lo < hi) {
		long mid = (lo + hi) / 2;

		if (r[mid].pid == pid)
			return &r[mid];
		if (r[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct proc_view {
	char state;
	uint64_t ppid, utime, stime, start, vsize, uid, threads, rss;
	char comm[64];
};

/* /proc/PID/{stat,status,comm}; -1 when the process is gone. */
static int read_proc_view(uint64_t pid, struct proc_view *v)
{
	char path[64], *stat, *status, *comm, *p;
	size_t len;
	unsigned long long f[60];
	int i;

	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	stat = slurp(path, 4096, NULL);
	snprintf(path, sizeof(path), "/proc/%llu/status", (unsigned long long)pid);
	status = slurp(path, 4096, NULL);
	snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)pid);
	comm = slurp(path, 4096, &len);
	if (!stat || !status || !comm) {
		free(stat);
		free(status);
		free(comm);
		return -1;
	}
	memset(v, 0, sizeof(*v));
	if (len < 1 || len > 64)
		die("%s: unexpected length %zu", path, len);
	memcpy(v->comm, comm, len - 1); /* comm ends with one newline */
	v->comm[len - 1] = '\0';
	p = strrchr(stat, ')');
	v->state = p[2];
	p += 4;
	for (i = 4; i <= 23; i++) {
		f[i] = strtoull(p, &p, 10);
		p++;
	}
	v->ppid = f[4];
	v->utime = f[14];
	v->stime = f[15];
	v->start = f[22];
	v->vsize = f[23];
	p = strstr(status, "\nUid:");
	v->uid = 0;
	if (p) {
		char *q = p + 5;

		strtoull(q, &q, 10);
		v->uid = strtoull(q, NULL, 10);
	}
	p = strstr(status, "\nThreads:");
	v->threads = p ? strtoull(p + 9, NULL, 10) : 0;
	p = strstr(status, "\nVmRSS:");
	v->rss = p ? strtoull(p + 7, NULL, 10) * 1024 : 0;
	free(stat);
	free(status);
	free(comm);
	return 0;
}

/*
 * The module prints the task's comm (at most 15 bytes). For kernel threads
 * /proc/PID/comm shows more: the full kthread name, or a workqueue worker's
 * comm plus "-desc" or "+desc". Those must start with the module's name.
 */
static int same_comm(const struct proc_rec *r, const char *proc_comm)
{
	size_t n = strlen(r->name);
	int kthread = r->pid == 2 || r->ppid == 2;

	if (!strcmp(r->name, proc_comm))
		return 1;
	if (!kthread || strncmp(r->name, proc_comm, n))
		return 0;
	return n == 15 || proc_comm[n] == '-' || proc_comm[n] == '+';
}

static int cmd_procs(uint64_t hostile, uint64_t threaded)
{
	uint64_t *before, *after, self = (uint64_t)getpid(), t_read;
	size_t nb, na, len, i;
	struct proc_rec *recs = NULL;
	long n, compared = 0, k;
	char *buf;

	nb = list_pids(&before);
	t_read = now_ns();
	buf = slurp("/proc/vmwatch_procs", 1 << 16, &len);
	if (!buf)
		die("/proc/vmwatch_procs: %s", strerror(errno));
	na = list_pids(&after);
	n = parse_procs(buf, len, &recs);
	if (n < 0)
		return 1;
	for (i = 0; i < nb; i++)
		if (has_pid(after, na, before[i]) && !find_rec(recs, n, before[i]))
			fail("pid %llu in /proc before and after but not in vmwatch_procs",
			     (unsigned long long)before[i]);
	for (k = 0; k < n; k++)
		if (!has_pid(before, nb, recs[k].pid) && !has_pid(after, na, recs[k].pid))
			fail("pid %llu in vmwatch_procs but never in /proc", (unsigned long long)recs[k].pid);
	for (k = 0; k < n; k++) {
		const struct proc_rec *r = &recs[k];
		struct proc_view v;

		if (read_proc_view(r->pid, &v))
			continue; /* exited since */
		compared++;
		if (!same_comm(r, v.comm))
			fail("pid %llu name '%s' != comm '%s'", (unsigned long long)r->pid, r->raw, v.comm);
		if (r->ppid != v.ppid || r->uid != v.uid || r->start / TICK_NS != v.start)
			fail("pid %llu ppid/uid/start %llu/%llu/%llu != /proc %llu/%llu/%llu",
			     (unsigned long long)r->pid, (unsigned long long)r->ppid,
			     (unsigned long long)r->uid, (unsigned long long)(r->start / TICK_NS),
			     (unsigned long long)v.ppid, (unsigned long long)v.uid,
			     (unsigned long long)v.start);
		if (r->pid == self)
			continue; /* this process is running and growing */
		/* A state may change between the two reads: only a settled pair must match. */
		if (r->threads != v.threads || r->vsize != v.vsize || r->rss != v.rss ||
		    (r->state != v.state && !strchr("RD", r->state) && !strchr("RD", v.state) &&
		     r->ppid != 2 && r->pid != 2))
			fail("pid %llu threads/vsize/rss/state %llu/%llu/%llu/%c != /proc %llu/%llu/%llu/%c",
			     (unsigned long long)r->pid, (unsigned long long)r->threads,
			     (unsigned long long)r->vsize, (unsigned long long)r->rss, r->state,
			     (unsigned long long)v.threads, (unsigned long long)v.vsize,
			     (unsigned long long)v.rss, v.state);
		/*
		 * Same rule and same state as /proc/PID/stat, read later: neither value may be
		 * lower than ours (one tick of rounding), and the total may have grown by at
		 * most the time since the table was read, per thread.
		 */
		{
			uint64_t ru = r->utime / TICK_NS, rs = r->stime / TICK_NS;
			uint64_t slack = ((now_ns() - t_read) / TICK_NS + 1) * (v.threads ? v.threads : 1) + 1;
			int asleep = r->pid == hostile || r->pid == threaded;

			if (ru > v.utime + 1 || rs > v.stime + 1 ||
			    v.utime + v.stime > ru + rs + (asleep ? 1 : slack))
				fail("pid %llu utime/stime %llu/%llu ticks, later /proc %llu/%llu",
				     (unsigned long long)r->pid, (unsigned long long)ru,
				     (unsigned long long)rs, (unsigned long long)v.utime,
				     (unsigned long long)v.stime);
		}
	}
	if (hostile) {
		const struct proc_rec *r = find_rec(recs, n, hostile);

		if (!r)
			fail("hostile pid %llu missing", (unsigned long long)hostile);
		else if (strcmp(r->raw, HOSTILE_ESCAPED) || strcmp(r->name, HOSTILE_NAME))
			fail("hostile pid %llu name field '%s', expected '%s'",
			     (unsigned long long)hostile, r->raw, HOSTILE_ESCAPED);
		else
			printf("hostile name of pid %llu escaped as %s and equal to its comm\n",
			       (unsigned long long)hostile, r->raw);
	}
	if (threaded) {
		const struct proc_rec *r = find_rec(recs, n, threaded);

		/* main + 2 sleeping threads alive; 2 exited threads burned 150 ms each. */
		if (!r)
			fail("threaded pid %llu missing", (unsigned long long)threaded);
		else if (r->threads != 3 || r->utime + r->stime < 250000000ULL || strcmp(r->name, "vw-threads"))
			fail("threaded pid %llu: threads %llu, cpu %llu ns, name %s; expected 3, >= 250 ms, vw-threads",
			     (unsigned long long)threaded, (unsigned long long)r->threads,
			     (unsigned long long)(r->utime + r->stime), r->raw);
		else
			printf("threaded pid %llu: 3 threads, %llu ns CPU including exited threads\n",
			       (unsigned long long)threaded, (unsigned long long)(r->utime + r->stime));
	}
	if (compared < n / 2 || compared < 1)
		fail("only %ld of %ld records could be compared", compared, n);
	printf("vmwatch_procs: %ld records, pid set equal to /proc (%zu/%zu), %ld compared field by field\n",
	       n, nb, na, compared);
	free(recs);
	free(buf);
	free(before);
	free(after);
	return failures ? 1 : 0;
}

static int cmd_spawn_hostile(unsigned int seconds)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* Let a shell's $(...) around this command finish. */
		if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(1);
		close(devnull);
		if (prctl(PR_SET_NAME, HOSTILE_NAME))
			_exit(1);
		alarm(seconds);
		for (;;)
			pause();
	}
	printf("%d\n", pid);
	return 0;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Burns 150 ms of this thread's own CPU time, then exits. */
static void *burn_thread(void *arg)
{
	volatile uint64_t spin = 0;

	(void)arg;
	while (thread_cpu_ns() < 150000000ULL)
		spin++;
	return NULL;
}

static void *sleep_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int cmd_spawn_threads(unsigned int seconds)
{
	int ready[2];
	char byte;
	pid_t pid;

	if (pipe(ready))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		pthread_t t[4];
		int devnull = open("/dev/null", O_RDWR), i;

		if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(1);
		close(ready[0]);
		prctl(PR_SET_NAME, "vw-threads");
		alarm(seconds);
		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, i < 2 ? burn_thread : sleep_thread, NULL))
				_exit(1);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1)
		die("threaded process did not start");
	printf("%d\n", pid);
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int cmd_idle(long n, unsigned int seconds, const char *ready)
{
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	long i, started = 0;
	FILE *f;

	signal(SIGTERM, on_stop);
	signal(SIGALRM, on_stop);
	for (i = 0; i < n && !stop_requested; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			fail("fork %ld: %s", i, strerror(errno));
			break;
		}
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			alarm(seconds);
			for (;;)
				pause();
		}
		kids[started++] = pid;
	}
	f = fopen(ready, "w");
	if (f) {
		fprintf(f, "%ld\n", started);
		fclose(f);
	}
	alarm(seconds);
	while (!stop_requested && !failures)
		pause();
	for (i = 0; i < started; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < started; i++)
		waitpid(kids[i], NULL, 0);
	return failures ? 1 : 0;
}

static int cmd_storm_read(long total)
{
	uint64_t *start_pids;
	size_t ns = list_pids(&start_pids);
	uint64_t max_start = ns ? start_pids[ns - 1] : 0;
	long reads = 0, reads_seeing_storm = 0, max_records = 0;
	int status;
	pid_t driver = fork();

	if (driver < 0)
		die("fork: %s", strerror(errno));
	if (driver == 0) {
		/* Up to 32 children alive at once, TOTAL in all, each exits at once. */
		long forked = 0, alive = 0;

		while (forked < total || alive > 0) {
			if (forked < total && alive < 32) {
				pid_t pid = fork();

				if (pid == 0)
					_exit(0);
				if (pid > 0) {
					forked++;
					alive++;
					continue;
				}
			}
			if (wait(NULL) > 0)
				alive--;
		}
		_exit(0);
	}
	while (waitpid(driver, &status, WNOHANG) == 0) {
		size_t len;
		char *buf = slurp("/proc/vmwatch_procs", 4096, &len);
		struct proc_rec *recs = NULL;
		long n, k;

		if (!buf)
			die("read during storm: %s", strerror(errno));
		n = parse_procs(buf, len, &recs);
		free(buf);
		if (n < 0)
			return 1;
		reads++;
		if (n > max_records)
			max_records = n;
		for (k = 0; k < n; k++)
			if (recs[k].pid > max_start && recs[k].pid != (uint64_t)driver) {
				reads_seeing_storm++;
				break;
			}
		free(recs);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("storm driver failed");
	if (reads_seeing_storm < 3)
		fail("only %ld of %ld reads overlapped the storm", reads_seeing_storm, reads);
	printf("storm of %ld processes: %ld reads valid, %ld saw storm processes, up to %ld records\n",
	       total, reads, reads_seeing_storm, max_records);
	return failures ? 1 : 0;
}

/* The rest of fd from its current offset, 1000 bytes per read; NUL-terminated. */
static char *read_rest(int fd, const char *path, size_t *len_out)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	ssize_t n;

	if (!buf)
		die("out of memory");
	for (;;) {
		if (len + 1000 > cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				die("out of memory");
		}
		n = read(fd, buf + len, 1000);
		if (n < 0)
			die("%s: read: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

/*
 * lseek and pread on one open file: back to 0 after a partial read, reads at
 * EOF, a seek into the header, a seek past the end, and a whole valid file
 * after each of them.
 */
static int cmd_seek(const char *which)
{
	char path[64], header[64], small[16], *buf;
	size_t len, hlen;
	int fd, round;
	long n;

	snprintf(path, sizeof(path), "/proc/vmwatch_%s", which);
	hlen = (size_t)snprintf(header, sizeof(header), "vmwatch_%s %s\n", which,
				strcmp(which, "mem") ? "1" : "2");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (read(fd, small, 10) != 10)
		fail("%s: first read of 10 bytes failed", path);
	for (round = 0; round < 3; round++) {
		if (lseek(fd, 0, SEEK_SET) != 0)
			fail("%s: lseek to 0 failed: %s", path, strerror(errno));
		buf = read_rest(fd, path, &len);
		n = validate(which, buf, len);
		free(buf);
		if (n < 0)
			fail("%s: whole file after lseek to 0 (round %d) is invalid", path, round);
		if (read(fd, small, sizeof(small)) != 0)
			fail("%s: read at end of file did not return 0", path);
		if (round == 0) {
			/* Into the header of a fresh copy. */
			if (lseek(fd, 5, SEEK_SET) != 5 || read(fd, small, 8) != 8 ||
			    memcmp(small, header + 5, 8))
				fail("%s: lseek to 5 then read 8 does not give header bytes 5..12", path);
			if (pread(fd, small, 8, 2) != 8 || memcmp(small, header + 2, 8))
				fail("%s: pread of 8 bytes at 2 does not give header bytes 2..9", path);
		} else if (round == 1) {
			/* Far past the end: the position is accepted and reads give EOF. */
			if (lseek(fd, 1 << 24, SEEK_SET) != 1 << 24)
				fail("%s: lseek past the end failed: %s", path, strerror(errno));
			else if (read(fd, small, sizeof(small)) != 0)
				fail("%s: read past the end did not return 0", path);
		}
	}
	close(fd);
	if (!failures)
		printf("%s: lseek 0 after partial read, EOF, seek into header (%zu bytes), pread, seek past end: ok\n",
		       path, hlen);
	return failures ? 1 : 0;
}

static int cmd_hold(const char *path, const char *ready, const char *go)
{
	char buf[4096];
	int fd = open(path, O_RDONLY), waited = 0;
	ssize_t n, total = 0;
	FILE *f;

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	n = read(fd, buf, 40);
	if (n != 40)
		die("first read of %s returned %zd", path, n);
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	while (access(go, F_OK)) {
		if (++waited > 600)
			die("no go signal after 60 s");
		usleep(100000);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	/* The file still had unread bytes: after unload they must not arrive, the read fails. */
	if (n == 0 || errno != EIO)
		fail("read after unload gave %s after %zd bytes, expected EIO",
		     n == 0 ? "end of file" : strerror(errno), total);
	printf("read after unload: %s after %zd more bytes\n", n < 0 ? strerror(errno) : "end of file",
	       total);
	close(fd);
	return failures ? 1 : 0;
}

/* Parses "1,2,3" (or "-": none) into gids; the count. */
static int parse_groups(const char *list, gid_t *gids, int max)
{
	int n = 0;
	char *copy = strdup(list), *tok, *save = NULL;

	if (!strcmp(list, "-"))
		return free(copy), 0;
	for (tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		gids[n++] = (gid_t)strtoul(tok, NULL, 10);
	free(copy);
	return n;
}

static int cmd_as(uid_t uid, gid_t gid, const char *groups, char **cmd)
{
	gid_t gids[32];
	int n = parse_groups(groups, gids, 32);

	if (setgroups((size_t)n, gids) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		die("cannot become uid %u gid %u: %s", uid, gid, strerror(errno));
	execvp(cmd[0], cmd);
	die("exec %s: %s", cmd[0], strerror(errno));
	return 1;
}

/* allow: opens and reads a valid table; deny: open fails with EACCES. */
static int cmd_access(const char *path, const char *expect)
{
	int allow = !strcmp(expect, "allow");
	size_t len;
	char *buf = slurp(path, 65536, &len);

	if (allow) {
		long n;

		if (!buf)
			return fail("%s: uid %u euid %u: read refused: %s, expected a table", path, getuid(),
				    geteuid(), strerror(errno)), 1;
		n = validate("procs", buf, len);
		free(buf);
		if (n < 1)
			return fail("%s: not a valid table", path), 1;
		printf("%s: uid %u read %ld records\n", path, geteuid(), n);
		return 0;
	}
	if (buf)
		return fail("%s: uid %u read %zu bytes, expected EACCES", path, geteuid(), len), free(buf), 1;
	if (errno != EACCES)
		return fail("%s: failed with %s, expected EACCES", path, strerror(errno)), 1;
	printf("%s: uid %u refused with EACCES\n", path, geteuid());
	return 0;
}

static pid_t spawn_child(unsigned int seconds, const char *name, uid_t ruid, uid_t euid, int userns)
{
	int sync_up[2], sync_down[2];
	char byte = 0;
	pid_t pid;

	if (pipe(sync_up) || pipe(sync_down))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(1);
		prctl(PR_SET_NAME, name);
		if (userns) {
			/* uid 0 inside, 100000 outside: the parent writes the maps. */
			if (unshare(CLONE_NEWUSER) || write(sync_up[1], "u", 1) != 1 ||
			    read(sync_down[0], &byte, 1) != 1 || setresgid(0, 0, 0) || setresuid(0, 0, 0))
				_exit(1);
		} else if (setresgid(ruid, ruid, ruid) || setresuid(ruid, euid, ruid)) {
			_exit(1);
		}
		if (write(sync_up[1], "r", 1) != 1)
			_exit(1);
		alarm(seconds);
		for (;;)
			pause();
	}
	if (userns) {
		char path[64];
		static const char *files[] = { "uid_map", "setgroups", "gid_map" };
		static const char *text[] = { "0 100000 1000\n", "deny\n", "0 100000 1000\n" };
		int k;

		if (read(sync_up[0], &byte, 1) != 1)
			die("user namespace child did not start");
		for (k = 0; k < 3; k++) {
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[k]);
			fd = open(path, O_WRONLY);
			if (fd < 0 || write(fd, text[k], strlen(text[k])) != (ssize_t)strlen(text[k]))
				die("%s: %s", path, strerror(errno));
			close(fd);
		}
		if (write(sync_down[1], "g", 1) != 1)
			die("pipe: %s", strerror(errno));
	}
	if (read(sync_up[0], &byte, 1) != 1 || byte != 'r')
		die("child %s did not start", name);
	close(sync_up[0]);
	close(sync_up[1]);
	close(sync_down[0]);
	close(sync_down[1]);
	return pid;
}

static int cmd_spawn_uids(unsigned int seconds)
{
	pid_t a = spawn_child(seconds, "vw-uid1000", 1000, 1000, 0);
	pid_t b = spawn_child(seconds, "vw-euid2000", 1000, 2000, 0);
	pid_t c = spawn_child(seconds, "vw-userns", 0, 0, 1);

	printf("%d:1000 %d:2000 %d:100000\n", a, b, c);
	return 0;
}

static int cmd_uids(int argc, char **argv)
{
	size_t len;
	char *buf = slurp("/proc/vmwatch_procs", 65536, &len);
	struct proc_rec *recs = NULL;
	long n;
	int i;

	if (!buf)
		die("/proc/vmwatch_procs: %s", strerror(errno));
	n = parse_procs(buf, len, &recs);
	if (n < 0)
		return 1;
	for (i = 0; i < argc; i++) {
		uint64_t pid = strtoull(argv[i], NULL, 10), uid = strtoull(strchr(argv[i], ':') + 1, NULL, 10);
		const struct proc_rec *r = find_rec(recs, n, pid);

		if (!r)
			fail("pid %llu missing", (unsigned long long)pid);
		else if (r->uid != uid)
			fail("pid %llu (%s): uid %llu, expected %llu", (unsigned long long)pid, r->raw,
			     (unsigned long long)r->uid, (unsigned long long)uid);
		else
			printf("pid %llu (%s) uid %llu\n", (unsigned long long)pid, r->raw,
			       (unsigned long long)uid);
	}
	free(recs);
	free(buf);
	return failures ? 1 : 0;
}

/*
 * Reads PATH whole, 4 KiB per read(), again and again until open fails with
 * ENOENT (the module is gone). Each pass either validates or fails with EIO
 * (the module left while this reader was between or inside its reads).
 */
static int cmd_read_until_gone(const char *path, const char *ready)
{
	long passes = 0, valid = 0, eio = 0;
	static char buf[8 << 20];
	FILE *f;

	for (;;) {
		size_t len = 0;
		ssize_t n;
		int fd = open(path, O_RDONLY);

		if (fd < 0) {
			if (errno == ENOENT)
				break;
			return fail("%s: open: %s", path, strerror(errno)), 1;
		}
		while (len + 4096 <= sizeof(buf) && (n = read(fd, buf + len, 4096)) > 0)
			len += (size_t)n;
		if (n < 0 && errno != EIO)
			return fail("%s: read: %s", path, strerror(errno)), 1;
		close(fd);
		passes++;
		if (n < 0) {
			eio++;
		} else if (validate(strstr(path, "procs") ? "procs" : strstr(path, "mem") ? "mem" : "cpu",
				    buf, len) < 0) {
			return fail("%s: pass %ld invalid", path, passes), 1;
		} else {
			valid++;
		}
		if (passes == 1 && (f = fopen(ready, "w")))
			fclose(f);
	}
	if (valid < 1)
		fail("%s: no valid pass before the module left", path);
	printf("%s: %ld passes, %ld valid, %ld ended in EIO, then ENOENT\n", path, passes, valid, eio);
	return failures ? 1 : 0;
}

/* One read() or pread() in a child; the errno it failed with, 0 on success, -1 if it hung. */
static int try_read_child(const char *path, int use_pread)
{
	pid_t pid = fork();
	int status, waited;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		char buf[256];
		int fd = open(path, O_RDONLY), devnull = open("/dev/null", O_RDWR);
		ssize_t n;

		/* A read stuck in the kernel must not hold the caller's output open. */
		if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(103);

		if (fd < 0)
			_exit(100);
		n = use_pread ? pread(fd, buf, sizeof(buf), 100) : read(fd, buf, sizeof(buf));
		_exit(n >= 0 ? 0 : errno > 0 && errno < 100 ? errno : 101);
	}
	for (waited = 0; waited < 200; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 102;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	return -1;
}

static int cmd_busy(const char *path)
{
	static const char *how[] = { "read()", "pread() at offset 100" };
	int k;

	for (k = 0; k < 2; k++) {
		int r = try_read_child(path, k);

		if (r == -1)
			fail("%s of %s did not return within 20 s (retried forever?)", how[k], path);
		else if (r != EBUSY)
			fail("%s of %s: %s, expected EBUSY", how[k], path, r ? strerror(r) : "succeeded");
		else
			printf("%s of %s failed with EBUSY\n", how[k], path);
	}
	return failures ? 1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Reads a whole file into one reused buffer, as a long-running reader would; bytes read. */
static size_t bench_read(const char *path)
{
	static char buf[8 << 20];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	return len;
}

static int cmd_bench(int reps)
{
	uint64_t *mod_ns = calloc((size_t)reps, sizeof(uint64_t));
	uint64_t *proc_ns = calloc((size_t)reps, sizeof(uint64_t));
	long procs = 0;
	int r;

	for (r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();
		size_t len = bench_read("/proc/vmwatch_procs");
		DIR *d;
		struct dirent *e;

		mod_ns[r] = now_ns() - t0;
		if (len == 0)
			die("/proc/vmwatch_procs: nothing read");

		t0 = now_ns();
		d = opendir("/proc");
		procs = 0;
		while ((e = readdir(d))) {
			char path[300];

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
			bench_read(path);
			snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
			bench_read(path);
			procs++;
		}
		closedir(d);
		proc_ns[r] = now_ns() - t0;
	}
	qsort(mod_ns, (size_t)reps, sizeof(uint64_t), cmp_u64);
	qsort(proc_ns, (size_t)reps, sizeof(uint64_t), cmp_u64);
	printf("BENCH processes=%ld reps=%d vmwatch_median_us=%llu proc_median_us=%llu ratio=%.1f\n",
	       procs, reps, (unsigned long long)(mod_ns[reps / 2] / 1000),
	       (unsigned long long)(proc_ns[reps / 2] / 1000),
	       (double)proc_ns[reps / 2] / (double)mod_ns[reps / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "mode"))
		return cmd_mode((unsigned int)strtoul(argv[2], NULL, 8), (unsigned int)atoi(argv[3]),
				argc - 4, argv + 4);
	if (argc >= 3 && !strcmp(argv[1], "format"))
		return cmd_format(argv[2], argc > 3 ? strtoul(argv[3], NULL, 10) : 65536, NULL);
	if (argc == 4 && !strcmp(argv[1], "file"))
		return cmd_format(argv[2], 65536, argv[3]);
	if (argc == 2 && !strcmp(argv[1], "cpu"))
		return cmd_cpu();
	if (argc == 2 && !strcmp(argv[1], "mem"))
		return cmd_mem();
	if (argc >= 2 && !strcmp(argv[1], "procs"))
		return cmd_procs(argc > 2 ? strtoull(argv[2], NULL, 10) : 0,
				 argc > 3 ? strtoull(argv[3], NULL, 10) : 0);
	if (argc == 3 && !strcmp(argv[1], "spawn-threads"))
		return cmd_spawn_threads((unsigned int)atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "spawn-hostile"))
		return cmd_spawn_hostile((unsigned int)atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "idle"))
		return cmd_idle(atol(argv[2]), (unsigned int)atoi(argv[3]), argv[4]);
	if (argc == 3 && !strcmp(argv[1], "storm-read"))
		return cmd_storm_read(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "seek"))
		return cmd_seek(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return cmd_bench(atoi(argv[2]));
	if (argc >= 6 && !strcmp(argv[1], "as"))
		return cmd_as((uid_t)atoi(argv[2]), (gid_t)atoi(argv[3]), argv[4], argv + 5);
	if (argc == 4 && !strcmp(argv[1], "access"))
		return cmd_access(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "spawn-uids"))
		return cmd_spawn_uids((unsigned int)atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "uids"))
		return cmd_uids(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "read-until-gone"))
		return cmd_read_until_gone(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "busy"))
		return cmd_busy(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mem-move"))
		return cmd_mem_move(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "swap-use"))
		return cmd_swap_use(atol(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of vwcheck.c\n");
	return 2;
}
