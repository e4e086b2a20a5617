// SPDX-License-Identifier: GPL-2.0
/*
 * vmwatch_mem: /proc/vmwatch_mem, system memory in bytes.
 * Format: kernel-modules/FORMAT.md, version 1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/path.h>
#include <linux/proc_fs.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#define VMWATCH_MEM_NAME "vmwatch_mem"
#define MEMINFO_READ_MAX 8192

/* Value in KiB of one "Key:   N kB" line of meminfo text, or -ENOENT. */
static long long vmwatch_meminfo_kib(const char *text, const char *key)
{
	size_t key_len = strlen(key);
	const char *line = text;
	unsigned long long kib;

	while (line && *line) {
		if (!strncmp(line, key, key_len) && line[key_len] == ':') {
			const char *num = skip_spaces(line + key_len + 1);
			char digits[24];
			size_t n = 0;

			while (n < sizeof(digits) - 1 && num[n] >= '0' && num[n] <= '9') {
				digits[n] = num[n];
				n++;
			}
			digits[n] = '\0';
			if (!n || kstrtoull(digits, 10, &kib))
				return -EINVAL;
			return kib;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

/*
 * Swap totals. The kernel keeps them in si_swapinfo(), which is not exported
 * to modules, so they come from the kernel's own /proc/meminfo, opened from
 * the root of the initial task so that a reader's chroot or mount namespace
 * does not matter.
 */
static int vmwatch_swap_bytes(u64 *total, u64 *free)
{
	struct path root;
	struct file *meminfo;
	loff_t pos = 0;
	ssize_t len;
	long long total_kib, free_kib;
	char *text;
	int ret = 0;

	text = kmalloc(MEMINFO_READ_MAX, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	get_fs_root(init_task.fs, &root);
	meminfo = file_open_root(&root, "proc/meminfo", O_RDONLY, 0);
	path_put(&root);
	if (IS_ERR(meminfo)) {
		ret = PTR_ERR(meminfo);
		goto out_free;
	}
	len = kernel_read(meminfo, text, MEMINFO_READ_MAX - 1, &pos);
	filp_close(meminfo, NULL);
	if (len < 0) {
		ret = len;
		goto out_free;
	}
	text[len] = '\0';
	total_kib = vmwatch_meminfo_kib(text, "SwapTotal");
	free_kib = vmwatch_meminfo_kib(text, "SwapFree");
	if (total_kib < 0 || free_kib < 0) {
		ret = -EIO;
		goto out_free;
	}
	*total = (u64)total_kib * 1024;
	*free = (u64)free_kib * 1024;
out_free:
	kfree(text);
	return ret;
}

static int vmwatch_mem_show(struct seq_file *m, void *v)
{
	struct sysinfo si;
	u64 unit, available, buffers, swap_total, swap_free;
	long cached;
	int ret;

	ret = vmwatch_swap_bytes(&swap_total, &swap_free);
	if (ret) {
		pr_warn_ratelimited("cannot read swap totals from /proc/meminfo: %d\n", ret);
		return ret;
	}
	si_meminfo(&si);
	unit = si.mem_unit;
	available = (u64)si_mem_available() << PAGE_SHIFT;
	buffers = (u64)si.bufferram * unit;
	/* As /proc/meminfo's Cached: file pages that are neither swap cache nor buffers. */
	cached = global_node_page_state(NR_FILE_PAGES) - global_node_page_state(NR_SWAPCACHE) -
		 si.bufferram;
	if (cached < 0)
		cached = 0;

	seq_puts(m, VMWATCH_MEM_NAME " 1\n");
	seq_printf(m, "total_bytes %llu\n", (u64)si.totalram * unit);
	seq_printf(m, "free_bytes %llu\n", (u64)si.freeram * unit);
	seq_printf(m, "available_bytes %llu\n", available);
	seq_printf(m, "buffers_bytes %llu\n", buffers);
	seq_printf(m, "cached_bytes %llu\n", (u64)cached << PAGE_SHIFT);
	seq_printf(m, "swap_total_bytes %llu\n", swap_total);
	seq_printf(m, "swap_free_bytes %llu\n", swap_free);
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
