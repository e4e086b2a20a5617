// SPDX-License-Identifier: GPL-2.0
/*
 * vmwatch_cpu: /proc/vmwatch_cpu, cumulative per-CPU times in nanoseconds.
 * Format: kernel-modules/FORMAT.md, version 1.
 */
#include <linux/cpumask.h>
#include <linux/kernel_stat.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tick.h>

#define VMWATCH_CPU_NAME "vmwatch_cpu"

enum vmwatch_cpu_column {
	COL_USER, COL_NICE, COL_SYSTEM, COL_IDLE, COL_IOWAIT, COL_IRQ,
	COL_SOFTIRQ, COL_STEAL, COL_COUNT
};

/*
 * The last values printed for each CPU. The kernel's idle and iowait sums
 * can step back a little when a sleeping CPU's time moves from iowait to
 * idle; the file promises counters that never decrease, so each value is
 * held at the highest one already printed.
 */
static u64 (*vmwatch_cpu_last)[COL_COUNT];
static DEFINE_MUTEX(vmwatch_cpu_lock);

/* Idle time the way fs/proc/stat.c counts it, tickless idle included. */
static u64 vmwatch_cpu_idle_ns(const struct kernel_cpustat *kcs, int cpu)
{
	u64 us = cpu_online(cpu) ? get_cpu_idle_time_us(cpu, NULL) : -1ULL;

	return us == -1ULL ? kcs->cpustat[CPUTIME_IDLE] : us * NSEC_PER_USEC;
}

static u64 vmwatch_cpu_iowait_ns(const struct kernel_cpustat *kcs, int cpu)
{
	u64 us = cpu_online(cpu) ? get_cpu_iowait_time_us(cpu, NULL) : -1ULL;

	return us == -1ULL ? kcs->cpustat[CPUTIME_IOWAIT] : us * NSEC_PER_USEC;
}

static int vmwatch_cpu_show(struct seq_file *m, void *v)
{
	struct kernel_cpustat kcs;
	u64 now[COL_COUNT];
	int cpu, col;

	seq_puts(m, VMWATCH_CPU_NAME " 1\n");
	seq_puts(m, "cpu user_ns nice_ns system_ns idle_ns iowait_ns irq_ns softirq_ns steal_ns\n");
	mutex_lock(&vmwatch_cpu_lock);
	for_each_online_cpu(cpu) {
		kcpustat_cpu_fetch(&kcs, cpu);
		now[COL_USER] = kcs.cpustat[CPUTIME_USER];
		now[COL_NICE] = kcs.cpustat[CPUTIME_NICE];
		now[COL_SYSTEM] = kcs.cpustat[CPUTIME_SYSTEM];
		now[COL_IDLE] = vmwatch_cpu_idle_ns(&kcs, cpu);
		now[COL_IOWAIT] = vmwatch_cpu_iowait_ns(&kcs, cpu);
		now[COL_IRQ] = kcs.cpustat[CPUTIME_IRQ];
		now[COL_SOFTIRQ] = kcs.cpustat[CPUTIME_SOFTIRQ];
		now[COL_STEAL] = kcs.cpustat[CPUTIME_STEAL];
		seq_printf(m, "%d", cpu);
		for (col = 0; col < COL_COUNT; col++) {
			u64 *last = &vmwatch_cpu_last[cpu][col];

			if (now[col] > *last)
				*last = now[col];
			seq_printf(m, " %llu", *last);
		}
		seq_putc(m, '\n');
	}
	mutex_unlock(&vmwatch_cpu_lock);
	seq_puts(m, "end\n");
	return 0;
}

static int vmwatch_cpu_open(struct inode *inode, struct file *file)
{
	return single_open(file, vmwatch_cpu_show, NULL);
}

static const struct proc_ops vmwatch_cpu_ops = {
	.proc_open = vmwatch_cpu_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init vmwatch_cpu_init(void)
{
	vmwatch_cpu_last = kcalloc(nr_cpu_ids, sizeof(*vmwatch_cpu_last), GFP_KERNEL);
	if (!vmwatch_cpu_last)
		return -ENOMEM;
	if (!proc_create(VMWATCH_CPU_NAME, 0444, NULL, &vmwatch_cpu_ops)) {
		kfree(vmwatch_cpu_last);
		return -ENOMEM;
	}
	return 0;
}

static void __exit vmwatch_cpu_exit(void)
{
	/* Waits for every reader inside a proc_ops call and closes open files. */
	remove_proc_entry(VMWATCH_CPU_NAME, NULL);
	kfree(vmwatch_cpu_last);
}

module_init(vmwatch_cpu_init);
module_exit(vmwatch_cpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmwatch: per-CPU times in nanoseconds in /proc/vmwatch_cpu");
MODULE_VERSION("0.1.0");
