// SPDX-License-Identifier: GPL-2.0
/*
 * timer_lateness: how late do unpinned timers armed on one CPU expire?
 *
 * A kernel thread bound to CPU @cpu arms one timer_list timer at a time,
 * unpinned, 1 to @max_delay jiffies ahead, and sleeps until it expires. The
 * callback notes the jiffies and the CPU it runs on. Loading the module runs
 * the whole series; the results are read-only parameters in
 * /sys/module/timer_lateness/parameters/ until the module is removed.
 *
 * The VM suite loads it with nohz_full=3 and @cpu=3 in a guest with two NUMA
 * nodes, CPUs 0-1 and 2-3. On a nohz_full CPU the timers are meant to go to a
 * housekeeping CPU (patches/fixes/6.12/0002 on 6.12, the timer code itself
 * on 6.1). With every housekeeping CPU idle, the kernel picks the first one
 * on the arming CPU's node, CPU 2: idle with its tick stopped, and not the
 * timekeeper, whose tick never stops. A timer queued there must still expire
 * on time. @queued_on tells where they were queued (the CPU of the base
 * mod_timer() put them on), @expired_on where their callbacks ran: on 6.12
 * the timer migration hierarchy lets a busy CPU expire the global timers of
 * an idle one, so the two can differ.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/timer.h>

static int cpu = 3;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "CPU the timers are armed on (default 3)");
static int count = 200;
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "timers to arm, one after the other (default 200)");
static int max_delay = 8;
module_param(max_delay, int, 0444);
MODULE_PARM_DESC(max_delay, "timer i expires 1 + i % max_delay jiffies after it is armed (default 8)");

/*
 * Results. A timer that has not expired 5 s after its expiry is "lost"; the
 * series stops at the third.
 */
static int expired;
module_param(expired, int, 0444);
MODULE_PARM_DESC(expired, "timers that expired");
static int lost;
module_param(lost, int, 0444);
MODULE_PARM_DESC(lost, "timers still pending 5 s after their expiry (deleted)");
static int max_late;
module_param(max_late, int, 0444);
MODULE_PARM_DESC(max_late, "the latest expiry, in jiffies after the timer's expires");
static int late_2;
module_param(late_2, int, 0444);
MODULE_PARM_DESC(late_2, "timers that expired more than 2 jiffies late");
static int on_arming_cpu;
module_param(on_arming_cpu, int, 0444);
MODULE_PARM_DESC(on_arming_cpu, "timers whose callback ran on @cpu itself");
static int queued_on[8];
module_param_array(queued_on, int, NULL, 0444);
MODULE_PARM_DESC(queued_on, "timers that mod_timer() queued on CPU 0, 1, ..., 7");
static int expired_on[8];
module_param_array(expired_on, int, NULL, 0444);
MODULE_PARM_DESC(expired_on, "timers whose callback ran on CPU 0, 1, ..., 7");
static int hz = HZ;
module_param(hz, int, 0444);
MODULE_PARM_DESC(hz, "jiffies per second (CONFIG_HZ)");

struct probe {
	struct timer_list timer;
	struct completion fired;
	unsigned long fired_at;
	int fired_on;
};

static struct probe probe;
static DECLARE_COMPLETION(series_done);

static void probe_fired(struct timer_list *t)
{
	struct probe *p = from_timer(p, t, timer);

	p->fired_at = jiffies;
	p->fired_on = smp_processor_id();
	complete(&p->fired);
}

static int arm_timers(void *unused)
{
	int i;

	for (i = 0; i < count; i++) {
		unsigned long delay = 1 + i % max_delay;
		unsigned int queued;
		long late;

		reinit_completion(&probe.fired);
		mod_timer(&probe.timer, jiffies + delay);
		/* The base's CPU, which stays in the flags after the timer fires. */
		queued = READ_ONCE(probe.timer.flags) & TIMER_CPUMASK;
		if (queued < ARRAY_SIZE(queued_on))
			queued_on[queued]++;
		if (!wait_for_completion_timeout(&probe.fired, delay + 5 * HZ)) {
			del_timer_sync(&probe.timer);
			lost++;
			max_late = max_t(int, max_late, 5 * HZ);
			/* The verdict is clear; do not make insmod wait minutes. */
			if (lost == 3)
				break;
			continue;
		}
		expired++;
		late = (long)(probe.fired_at - probe.timer.expires);
		max_late = max_t(int, max_late, late);
		if (late > 2)
			late_2++;
		if (probe.fired_on == cpu)
			on_arming_cpu++;
		if ((unsigned int)probe.fired_on < ARRAY_SIZE(expired_on))
			expired_on[probe.fired_on]++;
	}
	/* Not a return into this module's text, which rmmod may then free. */
	kthread_complete_and_exit(&series_done, 0);
}

static int __init timer_lateness_init(void)
{
	struct task_struct *t;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("CPU %d is not online: load with cpu=<an online CPU>\n", cpu);
		return -EINVAL;
	}
	if (count < 1 || max_delay < 1) {
		pr_err("count=%d max_delay=%d: both must be at least 1\n", count, max_delay);
		return -EINVAL;
	}
	timer_setup(&probe.timer, probe_fired, 0);
	init_completion(&probe.fired);
	t = kthread_run_on_cpu(arm_timers, NULL, cpu, "timer_lateness/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&series_done);
	pr_info("timers armed on CPU %d: queued on CPUs 0-3: %d,%d,%d,%d; %d expired (%d on CPU %d itself; on CPUs 0-3: %d,%d,%d,%d), %d lost, latest %d jiffies late, %d more than 2 late (HZ=%d)\n",
		cpu, queued_on[0], queued_on[1], queued_on[2], queued_on[3],
		expired, on_arming_cpu, cpu, expired_on[0], expired_on[1],
		expired_on[2], expired_on[3], lost, max_late, late_2, HZ);
	return 0;
}

static void __exit timer_lateness_exit(void)
{
	del_timer_sync(&probe.timer);
}

module_init(timer_lateness_init);
module_exit(timer_lateness_exit);
MODULE_DESCRIPTION("Lateness of unpinned timers armed on one CPU (linux-tickless VM suite)");
MODULE_LICENSE("GPL");
