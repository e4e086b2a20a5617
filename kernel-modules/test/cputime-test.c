// SPDX-License-Identifier: GPL-2.0
/*
 * cputime-test: checks vmwatch_cputime_split() (../vmwatch_cputime.h), the
 * arithmetic vmwatch_procs applies to a process's shared prev_cputime, in
 * user space. x86-64's mul_u64_u64_div_u64() is exact, so the guests never
 * reach the clamp upstream added for architectures whose generic division
 * approximates (arm64: GCE T2A/C4A); here the division is replaced by one
 * that overshoots, and by the exact one, over many random and edge-case
 * sequences. Every reported pair must add up to rtime, never go back, and
 * never wrap (stime <= rtime).
 *   cputime-test            exit 0 when every invariant held
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t u64;

static int overshoot; /* 0: exact division; N: result + N (as an approximating division may) */

static u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	u64 q = (u64)(((unsigned __int128)a * b) / c);

	return q + (u64)overshoot;
}

#include "../vmwatch_cputime.h"

static long failures;

static void check_step(const char *what, u64 pu, u64 ps, u64 rtime, u64 ut, u64 st)
{
	if (ut + st != rtime && pu + ps < rtime)
		failures++, fprintf(stderr, "%s: ut %llu + st %llu != rtime %llu\n", what,
				    (unsigned long long)ut, (unsigned long long)st, (unsigned long long)rtime);
	if (ut < pu || st < ps)
		failures++, fprintf(stderr, "%s: went back: %llu/%llu -> %llu/%llu\n", what,
				    (unsigned long long)pu, (unsigned long long)ps, (unsigned long long)ut,
				    (unsigned long long)st);
	if (st > rtime && pu + ps < rtime)
		failures++, fprintf(stderr, "%s: stime %llu > rtime %llu (utime wrapped to %llu)\n", what,
				    (unsigned long long)st, (unsigned long long)rtime, (unsigned long long)ut);
}

static u64 rnd(void)
{
	return ((u64)random() << 31) ^ (u64)random();
}

int main(void)
{
	long steps = 0;
	int seq;

	/* The case of the issue: all system time, the division rounds up past rtime. */
	for (overshoot = 0; overshoot <= 3; overshoot++) {
		u64 ut, st;

		vmwatch_cputime_split(0, 0, 1000, 1, 999999, &ut, &st);
		check_step("mostly system", 0, 0, 1000, ut, st);
		vmwatch_cputime_split(0, 0, 7, 1, 1000000, &ut, &st);
		check_step("tiny rtime", 0, 0, 7, ut, st);
		steps += 2;
	}
	srandom(42);
	for (seq = 0; seq < 20000; seq++) {
		u64 pu = 0, ps = 0, rtime = 0, utime = 0, stime = 0;
		int i;

		overshoot = seq % 4;
		for (i = 0; i < 50; i++) {
			u64 ut, st;
			int kind = (int)(random() % 4);

			rtime += rnd() % (kind == 0 ? 3 : 10000000);
			if (kind == 1)
				utime += rnd() % 10000000;
			if (kind == 2 || kind == 3)
				stime += rnd() % 10000000;
			vmwatch_cputime_split(pu, ps, rtime, utime, stime, &ut, &st);
			check_step("random", pu, ps, rtime, ut, st);
			pu = ut;
			ps = st;
			steps++;
		}
	}
	printf("cputime-test: %ld steps, %ld failures (exact and overshooting division)\n", steps,
	       failures);
	return failures ? 1 : 0;
}
