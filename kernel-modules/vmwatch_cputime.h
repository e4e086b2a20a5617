/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of the kernel's cputime_adjust() (kernel/sched/cputime.c),
 * without its lock and without touching any state: given the last reported
 * pair and the group's current samples, the pair to report now. Kept in a
 * header of its own so that test/cputime-test.c checks it in user space with
 * a division that overshoots, as the generic mul_u64_u64_div_u64() may.
 *
 * The result always satisfies ut + st == rtime, ut >= prev_utime,
 * st >= prev_stime and st <= rtime, so it never wraps. Returns false when the
 * previous pair already covers rtime: then nothing changes and the previous
 * pair is reported.
 */
#ifndef VMWATCH_CPUTIME_H
#define VMWATCH_CPUTIME_H

static inline bool vmwatch_cputime_split(u64 prev_utime, u64 prev_stime, u64 rtime, u64 utime,
					 u64 stime, u64 *ut, u64 *st)
{
	if (prev_stime + prev_utime >= rtime) {
		*ut = prev_utime;
		*st = prev_stime;
		return false;
	}
	if (stime == 0) {
		/* No system ticks yet: all user. */
		stime = 0;
	} else if (utime == 0) {
		stime = rtime;
	} else {
		stime = mul_u64_u64_div_u64(stime, rtime, stime + utime);
		/* As upstream: the division may approximate; a*b/(a+c) <= b. */
		if (stime > rtime)
			stime = rtime;
	}
	/* Neither value may go back; rtime grows, so one of the two can absorb it. */
	if (stime < prev_stime)
		stime = prev_stime;
	utime = rtime - stime;
	if (utime < prev_utime) {
		utime = prev_utime;
		stime = rtime - utime;
	}
	*ut = utime;
	*st = stime;
	return true;
}

#endif
