/*
 * The kernel as the command and the uapi see it: boot over a machine,
 * module loading, the event loop, shutdown.
 */
#ifndef LAB_KERNEL_KERNEL_H
#define LAB_KERNEL_KERNEL_H

#include "common/types.h"

struct machine;

/*
 * Boots over @m with the kernel command line @cmdline (may be NULL):
 * built-in drivers register, the device tree is populated, late initcalls
 * run (deferred probing enabled). Returns 0 or -errno.
 */
int kernel_boot(struct machine *m, const char *cmdline);
/* Tears everything down (devices, drivers, modules, sysfs, log). */
void kernel_shutdown(void);
struct machine *kernel_machine(void);

/*
 * Runs the work due now: hardware events at the current virtual time and
 * kernel work they queue (deferred probing), until none is left. Future
 * events (a DMA in flight, the deferred-probe timeout) wait for
 * kernel_sleep. Call it after each command that may bind a device.
 */
void kernel_run_pending(void);
/* Lets virtual time pass (the deferred-probe timeout, DMA completion). */
void kernel_sleep(u64 ns);
/*
 * The idle loop of a task that waits: runs hardware events one at a time,
 * in time order, until @done(@arg) holds or the next event lies beyond
 * @deadline (virtual ns; UINT64_MAX: none) or nothing is pending. With a
 * finite deadline and nothing more to run, time moves on to it (the wait
 * timed out). Returns @done's last answer.
 */
bool kernel_idle_until(u64 deadline, bool (*done)(void *arg), void *arg);

/*
 * modprobe NAME [param=value ...]: 0 also when NAME is built in or already
 * loaded; -ENOENT unknown module; -EINVAL a bad parameter value (unknown
 * parameters are ignored with a warning, as Linux does); the init's error.
 * rmmod NAME: -ENOENT unknown or not loaded, -EPERM built in, -EBUSY in use
 * (refcnt > 0); nothing changes on error. See docs/kernel.md.
 */
int kernel_modprobe(const char *name, const char *params);
int kernel_rmmod(const char *name);

/* MMIO accessors drivers use: physical addresses of their `reg` windows. */
u8 readb(u64 addr);
u16 readw(u64 addr);
u32 readl(u64 addr);
void writeb(u8 val, u64 addr);
void writew(u16 val, u64 addr);
void writel(u32 val, u64 addr);
u64 readq(u64 addr);
void writeq(u64 val, u64 addr);

#endif
