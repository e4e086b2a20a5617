// SPDX-License-Identifier: GPL-2.0
/*
 * vmwatch_mem: /proc/vmwatch_mem, system memory in bytes.
 * Format: kernel-modules/FORMAT.md, version 2.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>

#define VMWATCH_MEM_NAME "vmwatch_mem"

/*
 * Swap is not here (format version 2): the kernel exports neither
 * si_swapinfo() nor total_swap_pages to modules (6.1 and 6.12), so the
 * exporter reads SwapTotal and SwapFree from /proc/meminfo. See FORMAT.md.
 */
static int vmwatch_mem_show(struct seq_file *m, void *v)
{
	struct sysinfo si;
	u64 unit, available, buffers;
	long cached;

	si_meminfo(&si);
	unit = si.mem_unit;
	available = (u64)si_mem_available() << PAGE_SHIFT;
	buffers = (u64)si.bufferram * unit;
	/* As /proc/meminfo's Cached: file pages that are neither swap cache nor buffers. */
	cached = global_node_page_state(NR_FILE_PAGES) - global_node_page_state(NR_SWAPCACHE) -
		 si.bufferram;
	if (cached < 0)
		cached = 0;

	seq_puts(m, VMWATCH_MEM_NAME " 2\n");
	seq_printf(m, "total_bytes %llu\n", (u64)si.totalram * unit);
	seq_printf(m, "free_bytes %llu\n", (u64)si.freeram * unit);
	seq_printf(m, "available_bytes %llu\n", available);
	seq_printf(m, "buffers_bytes %llu\n", buffers);
	seq_printf(m, "cached_bytes %llu\n", (u64)cached << PAGE_SHIFT);
	seq_puts(m, "end\n");
	return 0;
}

static int vmwatch_mem_open(struct inode *inode, struct file *file)
{
	return single_open(file, vmwatch_mem_show, NULL);
}

static const struct proc_ops vmwatch_mem_ops = {
	.proc_open = vmwatch_mem_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init vmwatch_mem_init(void)
{
	if (!proc_create(VMWATCH_MEM_NAME, 0444, NULL, &vmwatch_mem_ops))
		return -ENOMEM;
	return 0;
}

static void __exit vmwatch_mem_exit(void)
{
	remove_proc_entry(VMWATCH_MEM_NAME, NULL);
}

module_init(vmwatch_mem_init);
module_exit(vmwatch_mem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmwatch: system memory in bytes in /proc/vmwatch_mem");
MODULE_VERSION("0.1.0");
