// SPDX-License-Identifier: GPL-2.0
/*
 * vmwatch_procs: /proc/vmwatch_procs, one line per process (thread group).
 * Format: kernel-modules/FORMAT.md, version 1.
 *
 * Design: when a reader starts at offset 0, the whole table is copied in one
 * walk of the task list under rcu_read_lock() into an array owned by that open
 * file, then sorted by pid and printed record by record through seq_file. The
 * array is sized from a counting walk and allocated outside RCU (nothing
 * sleeps under RCU); if the table grew in between, the copy is retried with a
 * bigger array. No lock is held while the output is printed. The array is
 * freed once the reader has passed the "end" line, or on close.
 *
 * Who may read: the file is 0440, owned by root and the group given by the
 * gid= parameter (root only without it). Opening it also needs the reader and
 * the procfs instance it is opened through to be in the initial pid
 * namespace, the reader in the initial user namespace, and on a procfs
 * mounted with hidepid= the mount's gid= group or CAP_SYS_PTRACE (a reader
 * that could see every /proc/PID there). Pids and uids are those of the
 * initial namespaces. See FORMAT.md, "Who may read".
 */
#include <linux/cred.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/version.h>

#include "vmwatch_cputime.h"

#define VMWATCH_PROCS_NAME "vmwatch_procs"
#define SNAPSHOT_ATTEMPTS 8

static unsigned int gid;
module_param(gid, uint, 0444);
MODULE_PARM_DESC(gid, "group (in the initial user namespace) that may read /proc/vmwatch_procs besides root; 0: root only");

#ifdef VMWATCH_TEST_KNOBS
/* Test builds only (make VMWATCH_TEST_KNOBS=1): force the retry path of vmwatch_take_snapshot(). */
static unsigned int test_short_copies;
module_param(test_short_copies, uint, 0644);
MODULE_PARM_DESC(test_short_copies, "test builds: the first N copies of each snapshot get room for one process");
static atomic_t test_retries = ATOMIC_INIT(0);
module_param_named(test_retries, test_retries.counter, int, 0444);
MODULE_PARM_DESC(test_retries, "test builds: copies retried because the table did not fit");
#endif

struct vmwatch_proc {
	u64 rss_bytes;
	u64 vsize_bytes;
	u64 utime_ns;
	u64 stime_ns;
	u64 start_time_ns;
	pid_t pid;
	pid_t ppid;
	uid_t uid;
	int threads;
	char state;
	char comm[TASK_COMM_LEN];
};

struct vmwatch_snapshot {
	size_t count;
	struct vmwatch_proc procs[];
};

/* Marks the "end" line; distinct from every record and from SEQ_START_TOKEN. */
static const char vmwatch_end_token;

static size_t vmwatch_count_processes(void)
{
	struct task_struct *p;
	size_t n = 0;

	rcu_read_lock();
	for_each_process(p)
		n++;
	rcu_read_unlock();
	return n;
}

/*
 * Scale tick-sampled user/system time so that they add up to the exact run
 * time, never letting either go below what was reported before: the kernel's
 * own rule for /proc/PID/stat (cputime_adjust() in kernel/sched/cputime.c, not
 * exported), applied to the same per-group prev_cputime under its lock. The
 * arithmetic (vmwatch_cputime_split) is upstream's, clamp included, so the
 * pair stored is the one /proc/PID/stat would store for the same samples, and
 * both files report the same, monotonic, numbers.
 */
static void vmwatch_cputime_adjust(struct prev_cputime *prev, u64 rtime, u64 utime, u64 stime,
				   u64 *ut, u64 *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&prev->lock, flags);
	if (vmwatch_cputime_split(prev->utime, prev->stime, rtime, utime, stime, ut, st)) {
		prev->stime = *st;
		prev->utime = *ut;
	}
	raw_spin_unlock_irqrestore(&prev->lock, flags);
}

/*
 * User and system time of the whole group, as /proc/PID/stat computes it:
 * the samples of the exited threads (kept in signal_struct under stats_lock)
 * plus those of the live threads, scaled to the group's exact run time.
 * (On a nohz_full CPU the samples of a thread running right now lag until it
 * next leaves the CPU; the run time does not, so the total stays exact.)
 */
static void vmwatch_group_cputime(struct task_struct *p, u64 *utime, u64 *stime)
{
	struct signal_struct *sig = p->signal;
	struct task_struct *t;
	unsigned long flags;
	int seq, nextseq = 0;
	u64 ut, st, rtime;

	/* Lockless first; if threads exited meanwhile, retry once under the lock (no livelock). */
	do {
		seq = nextseq;
		flags = read_seqbegin_or_lock_irqsave(&sig->stats_lock, &seq);
		ut = sig->utime;
		st = sig->stime;
		rtime = sig->sum_sched_runtime;
		for_each_thread(p, t) {
			ut += READ_ONCE(t->utime);
			st += READ_ONCE(t->stime);
			rtime += READ_ONCE(t->se.sum_exec_runtime);
		}
		nextseq = 1;
	} while (need_seqretry(&sig->stats_lock, seq));
	done_seqretry_irqrestore(&sig->stats_lock, seq, flags);
	vmwatch_cputime_adjust(&sig->prev_cputime, rtime, ut, st, utime, stime);
}

/*
 * Resident pages as /proc/PID/status counts them. Since 6.2 the counters are
 * per-CPU and get_mm_rss() reads them approximately (up to a batch per CPU
 * off); /proc/PID/status sums them exactly (get_mm_counter_sum), and so does
 * this. Before, the counters are plain atomics that both read alike.
 */
static u64 vmwatch_rss_pages(struct mm_struct *mm)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return percpu_counter_sum_positive(&mm->rss_stat[MM_FILEPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_ANONPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_SHMEMPAGES]);
#else
	return get_mm_rss(mm);
#endif
}

/* Called under rcu_read_lock(): takes only spinlocks, never sleeps. */
static void vmwatch_fill(struct vmwatch_proc *rec, struct task_struct *p)
{
	struct mm_struct *mm;

	rec->pid = task_tgid_nr(p);
	rec->ppid = pid_alive(p) ? task_tgid_nr(rcu_dereference(p->real_parent)) : 0;
	rec->uid = from_kuid_munged(&init_user_ns, task_euid(p));
	rec->state = task_state_to_char(p);
	rec->threads = get_nr_threads(p);
	rec->start_time_ns = p->start_boottime;
	vmwatch_group_cputime(p, &rec->utime_ns, &rec->stime_ns);

	/* task_lock keeps p->mm from being released (exit_mm clears it under this lock). */
	task_lock(p);
	memcpy(rec->comm, p->comm, TASK_COMM_LEN);
	rec->comm[TASK_COMM_LEN - 1] = '\0';
	mm = p->mm;
	if (mm && !(p->flags & PF_KTHREAD)) {
		rec->rss_bytes = vmwatch_rss_pages(mm) << PAGE_SHIFT;
		rec->vsize_bytes = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
	} else {
		rec->rss_bytes = 0;
		rec->vsize_bytes = 0;
	}
	task_unlock(p);
}

static int vmwatch_cmp_pid(const void *a, const void *b)
{
	pid_t pa = ((const struct vmwatch_proc *)a)->pid;
	pid_t pb = ((const struct vmwatch_proc *)b)->pid;

	return pa < pb ? -1 : pa > pb;
}

/*
 * One consistent copy of the process table, sorted by pid, or an ERR_PTR:
 * -ENOMEM, or -EBUSY when the table outgrew every copy (each try doubles the
 * room; a reader may simply read again).
 */
static struct vmwatch_snapshot *vmwatch_take_snapshot(void)
{
	size_t capacity = vmwatch_count_processes();
	int attempt;

	for (attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
		struct vmwatch_snapshot *snap;
		struct task_struct *p;
		bool overflow = false;
		size_t n = 0, room;

		capacity += capacity / 8 + 64;
		room = capacity;
#ifdef VMWATCH_TEST_KNOBS
		if (attempt < READ_ONCE(test_short_copies))
			room = 1;
#endif
		/* Charged to the reader's memory cgroup. */
		snap = kvmalloc(struct_size(snap, procs, room), GFP_KERNEL_ACCOUNT);
		if (!snap)
			return ERR_PTR(-ENOMEM);
		rcu_read_lock();
		for_each_process(p) {
			if (n == room) {
				overflow = true;
				break;
			}
			vmwatch_fill(&snap->procs[n++], p);
		}
		rcu_read_unlock();
		if (!overflow) {
			snap->count = n;
			sort(snap->procs, n, sizeof(snap->procs[0]), vmwatch_cmp_pid, NULL);
			return snap;
		}
		kvfree(snap);
#ifdef VMWATCH_TEST_KNOBS
		atomic_inc(&test_retries);
#endif
		capacity *= 2;
		cond_resched();
	}
	/* Not -EAGAIN: seq_file's traverse() takes that as "buffer grown, call again". */
	return ERR_PTR(-EBUSY);
}

static void *vmwatch_procs_start(struct seq_file *m, loff_t *pos)
{
	struct vmwatch_snapshot *snap = m->private;

	if (*pos == 0) {
		/* A read from the beginning gets a fresh table. */
		kvfree(snap);
		m->private = NULL;
		snap = vmwatch_take_snapshot();
		if (IS_ERR(snap))
			return snap;
		m->private = snap;
		return SEQ_START_TOKEN;
	}
	if (!snap)
		return NULL;
	if (*pos <= snap->count)
		return &snap->procs[*pos - 1];
	if (*pos == snap->count + 1)
		return (void *)&vmwatch_end_token;
	return NULL;
}

static void *vmwatch_procs_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct vmwatch_snapshot *snap = m->private;

	++*pos;
	if (*pos <= snap->count)
		return &snap->procs[*pos - 1];
	if (*pos == snap->count + 1)
		return (void *)&vmwatch_end_token;
	/* Past "end": the table is no longer needed until a read from offset 0. */
	kvfree(snap);
	m->private = NULL;
	return NULL;
}

static void vmwatch_procs_stop(struct seq_file *m, void *v)
{
}

/* Space, backslash, control bytes and bytes from 0x7f up become \ooo. */
static void vmwatch_put_name(struct seq_file *m, const char *comm)
{
	const unsigned char *c;

	for (c = (const unsigned char *)comm; *c; c++) {
		if (*c <= ' ' || *c == '\\' || *c >= 0x7f)
			seq_printf(m, "\\%03o", *c);
		else
			seq_putc(m, *c);
	}
}

static int vmwatch_procs_show(struct seq_file *m, void *v)
{
	const struct vmwatch_proc *rec = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, VMWATCH_PROCS_NAME " 1\n");
		seq_puts(m, "pid ppid uid state threads rss_bytes vsize_bytes utime_ns stime_ns start_time_ns name\n");
		return 0;
	}
	if (v == &vmwatch_end_token) {
		seq_puts(m, "end\n");
		return 0;
	}
	seq_printf(m, "%d %d %u %c %d %llu %llu %llu %llu %llu ", rec->pid, rec->ppid, rec->uid,
		   rec->state, rec->threads, rec->rss_bytes, rec->vsize_bytes, rec->utime_ns,
		   rec->stime_ns, rec->start_time_ns);
	vmwatch_put_name(m, rec->comm);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations vmwatch_procs_seq_ops = {
	.start = vmwatch_procs_start,
	.next = vmwatch_procs_next,
	.stop = vmwatch_procs_stop,
	.show = vmwatch_procs_show,
};

/*
 * The rules of FORMAT.md, "Who may read", checked at open (the 0440 mode and
 * its owners are checked by the VFS before this): a reader sees the whole
 * table with initial-namespace pids and uids, so only a reader whose own
 * /proc would show all of it may open the file.
 */
static int vmwatch_procs_may_open(struct inode *inode)
{
	struct proc_fs_info *fs_info = proc_sb_info(inode->i_sb);

	if (task_active_pid_ns(current) != &init_pid_ns || fs_info->pid_ns != &init_pid_ns)
		return -EACCES;
	if (current_user_ns() != &init_user_ns)
		return -EACCES;
	if (fs_info->hide_pid != HIDEPID_OFF && !in_group_p(fs_info->pid_gid) &&
	    !ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE))
		return -EACCES;
	return 0;
}

static int vmwatch_procs_open(struct inode *inode, struct file *file)
{
	int ret = vmwatch_procs_may_open(inode);

	if (ret)
		return ret;
	return seq_open(file, &vmwatch_procs_seq_ops);
}

static int vmwatch_procs_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	kvfree(m->private);
	m->private = NULL;
	return seq_release(inode, file);
}

static const struct proc_ops vmwatch_procs_ops = {
	.proc_open = vmwatch_procs_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = vmwatch_procs_release,
};

static int __init vmwatch_procs_init(void)
{
	kgid_t group = make_kgid(&init_user_ns, gid);
	struct proc_dir_entry *pde;

	if (!gid_valid(group))
		return -EINVAL;
	pde = proc_create(VMWATCH_PROCS_NAME, 0440, NULL, &vmwatch_procs_ops);
	if (!pde)
		return -ENOMEM;
	proc_set_user(pde, GLOBAL_ROOT_UID, group);
	return 0;
}

static void __exit vmwatch_procs_exit(void)
{
	/* Waits for readers inside a call, then releases every open file. */
	remove_proc_entry(VMWATCH_PROCS_NAME, NULL);
}

module_init(vmwatch_procs_init);
module_exit(vmwatch_procs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmwatch: the process table in /proc/vmwatch_procs");
MODULE_VERSION("0.1.0");
