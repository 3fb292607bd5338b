/*
 * Interrupts and time for VFIO users: the IRQ core's nested masking
 * (disable_irq_nosync/enable_irq, IRQF_NO_AUTOEN), vfio-platform's
 * automasked level handler on top of it, and virtual time that passes
 * while the program waits on its interrupt eventfd, not while it writes
 * registers. The oracle watches every test: no escape.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "check/oracle.h"
#include "test_util.h"
#include "hw/machine.h"
#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "kernel/kernel.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"

#define DEV0 "a000000.dma"
#define UNSAFE "vfio_iommu_type1.allow_unsafe_interrupts=1"
#define REG_SRC_LO 0x008
#define REG_DST_LO 0x010
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define ST_BUSY 1u
#define ST_DONE 2u
#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static void boot(void)
{
	assert_int_equal(tu_lab_boot(NULL, UNSAFE), LAB_OK);
}

/* Every descriptor closed, then the shutdown's oracle check (test_util.h): no escape. */
static void shutdown_checked(void)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
}

static int teardown(void **state)
{
	lab_close_all();
	int oracle = tu_lab_shutdown();
	if (kalloc_outstanding() != 0) {
		fprintf(stderr, "leak: %ld kernel allocations outstanding\n", kalloc_outstanding());
		return -1;
	}
	return oracle;
}

/* ---- the IRQ core ---------------------------------------------------------- */

static int hits;

static irqreturn_t count_irq(int irq, void *data)
{
	hits++;
	hw_irq_set(kernel_machine(), (u32)irq, false);   /* the handler acks the device */
	return IRQ_HANDLED;
}

static irqreturn_t count_noack(int irq, void *data)
{
	hits++;
	disable_irq_nosync((u32)irq);   /* an automasking handler */
	return IRQ_HANDLED;
}

static void test_irq_core_masking(void **state)
{
	boot();
	struct machine *m = kernel_machine();
	int token;
	const u32 line = 70;

	/* NO_AUTOEN: a high line is not delivered until enable_irq. */
	hw_irq_set(m, line, true);
	hits = 0;
	assert_int_equal(request_irq_flags(line, count_irq, IRQF_NO_AUTOEN, "t", &token), 0);
	assert_int_equal(hits, 0);
	enable_irq(line);
	assert_int_equal(hits, 1);
	assert_false(hw_irq_level(m, line));
	/* A masked line does not call its handler; nested disables need as many enables. */
	disable_irq_nosync(line);
	disable_irq(line);
	hw_irq_set(m, line, true);
	assert_int_equal(hits, 1);
	enable_irq(line);
	assert_int_equal(hits, 1);
	enable_irq(line);              /* depth 0 with the line still high: delivered now */
	assert_int_equal(hits, 2);
	/* Unbalanced enable: logged, nothing else. */
	enable_irq(line);
	assert_non_null(strstr(dmesg_text(NULL), "Unbalanced enable for IRQ 70"));
	assert_int_equal(hits, 2);
	free_irq(line, &token);
	/* IRQF_SHARED with NO_AUTOEN is refused, as Linux. */
	assert_int_equal(request_irq_flags(line, count_irq, IRQF_SHARED | IRQF_NO_AUTOEN, "t",
					   &token), -EINVAL);

	/* A handler that masks its own level line runs once, not in a storm. */
	hits = 0;
	assert_int_equal(request_irq(line, count_noack, "t", &token), 0);
	hw_irq_set(m, line, true);
	assert_int_equal(hits, 1);
	assert_null(strstr(dmesg_text(NULL), "nobody cared"));
	enable_irq(line);              /* still high: once more, masked again */
	assert_int_equal(hits, 2);
	hw_irq_set(m, line, false);
	enable_irq(line);              /* low now: nothing */
	assert_int_equal(hits, 2);
	free_irq(line, &token);
	shutdown_checked();
}

/* ---- vfio-platform over it ---------------------------------------------------- */

struct vctx {
	int container, group, dev, efd;
	uint8_t *buf;
};

static void vsetup(struct vctx *c)
{
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
	assert_int_equal(tu_sh("echo vfio-platform > /sys/bus/platform/devices/" DEV0
			    "/driver_override"), 0);
	assert_int_equal(tu_sh("echo " DEV0 " > /sys/bus/platform/drivers/dma-copy/unbind"), 0);
	assert_int_equal(tu_sh("echo " DEV0 " > /sys/bus/platform/drivers/vfio-platform/bind"), 0);
	c->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	c->group = lab_open("/dev/vfio/0", O_RDWR, 0);
	assert_true(c->container >= 0 && c->group >= 0);
	assert_int_equal(lab_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container), 0);
	assert_int_equal(lab_ioctl(c->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	c->buf = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(c->buf != MAP_FAILED);
	memset(c->buf, 0x3c, 0x1000);
	struct vfio_iommu_type1_dma_map mp = { .argsz = sizeof(mp), .flags = RW,
		.vaddr = (uintptr_t)c->buf, .iova = 0x100000, .size = 0x2000 };
	assert_int_equal(lab_ioctl(c->container, VFIO_IOMMU_MAP_DMA, &mp), 0);
	c->dev = lab_ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(c->dev >= 0);
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(c->efd >= 0);
}

static int set_irqs(int dev, uint32_t flags, int32_t *fd)
{
	char b[sizeof(struct vfio_irq_set) + 4];
	struct vfio_irq_set *s = (void *)b;
	*s = (struct vfio_irq_set){ .argsz = fd ? sizeof(b) : sizeof(*s), .flags = flags,
				    .count = 1 };
	if (fd)
		memcpy(s->data, fd, 4);
	return lab_ioctl(dev, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

static void reg_write(int dev, uint32_t off, uint32_t v)
{
	assert_int_equal(lab_pwrite(dev, &v, 4, off), 4);
}

static uint32_t reg_read(int dev, uint32_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(dev, &v, 4, off), 4);
	return v;
}

static void start_copy(int dev)
{
	reg_write(dev, REG_SRC_LO, 0x100000);
	reg_write(dev, REG_DST_LO, 0x101000);
	reg_write(dev, REG_LEN, 0x1000);
	reg_write(dev, REG_CTRL, 3);
}

/* Counter of the eventfd, read raw (no waiting). */
static uint64_t drain(int efd)
{
	uint64_t v = 0;
	if (read(efd, &v, 8) != 8)
		return 0;
	return v;
}

static int wait_efd(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	return lab_poll(&p, 1, ms);
}

static void test_time_passes_when_waiting(void **state)
{
	boot();
	struct vctx c;
	vsetup(&c);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &c.efd), 0);
	struct machine *m = kernel_machine();
	u64 t0 = hw_now(m);
	start_copy(c.dev);
	/* Writing the doorbell lets no time pass: the copy is still running. */
	assert_int_equal(hw_now(m), t0);
	assert_int_equal(reg_read(c.dev, REG_STATUS) & ST_BUSY, ST_BUSY);
	assert_int_equal(drain(c.efd), 0);
	/* Waiting does: the device finishes, the line rises, the eventfd fires. */
	assert_int_equal(wait_efd(c.efd, -1), 1);
	u64 waited = hw_now(m) - t0;
	assert_true(waited >= 2024 && waited < 10000);   /* 1 µs + 1 ns per 4 bytes */
	assert_int_equal(drain(c.efd), 1);
	assert_int_equal(reg_read(c.dev, REG_STATUS) & (ST_BUSY | ST_DONE), ST_DONE);
	assert_memory_equal(c.buf, c.buf + 0x1000, 0x1000);
	/* Automasked: the line is still high, yet nothing more arrives. */
	assert_int_equal(wait_efd(c.efd, 0), 0);
	/* UNMASK with the line still high: the level interrupt fires again. */
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, NULL),
			 0);
	assert_int_equal(drain(c.efd), 1);
	/* Acked, then unmasked: quiet. */
	reg_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, NULL),
			 0);
	assert_int_equal(drain(c.efd), 0);
	/* Nothing pending: a bounded wait returns 0 after its (real) timeout; no hang. */
	t0 = hw_now(m);
	assert_int_equal(wait_efd(c.efd, 20), 0);
	assert_int_equal(hw_now(m) - t0, 20 * 1000000ull);
	shutdown_checked();
}

static void test_mask_holds_the_line(void **state)
{
	boot();
	struct vctx c;
	vsetup(&c);
	/* MASK before the trigger exists: it nests inside the trigger's enable. */
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, NULL), 0);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &c.efd), 0);
	start_copy(c.dev);
	assert_int_equal(wait_efd(c.efd, 5), 0);     /* done, but masked */
	assert_int_equal(reg_read(c.dev, REG_STATUS) & ST_DONE, ST_DONE);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, NULL),
			 0);
	assert_int_equal(drain(c.efd), 1);
	/* A new trigger while the line is high and unmasked... automasked: fires on enable. */
	reg_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, NULL),
			 0);
	start_copy(c.dev);
	int32_t none = -1;
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &none), 0);
	/* No trigger: the wait has nothing registered to wait for (no time passes). */
	u64 t0 = hw_now(kernel_machine());
	assert_int_equal(wait_efd(c.efd, 0), 0);
	assert_int_equal(hw_now(kernel_machine()), t0);
	kernel_sleep(1000000);                        /* the copy completes, line high */
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &c.efd), 0);
	assert_int_equal(drain(c.efd), 1);
	/* Loopback while automasked: nothing; BOOL 0 does nothing either. */
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, NULL),
			 0);
	assert_int_equal(drain(c.efd), 0);
	shutdown_checked();
}

/* A duplicate of the registered eventfd is waited on as the eventfd itself. */
static void test_dup_of_trigger(void **state)
{
	boot();
	struct vctx c;
	vsetup(&c);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &c.efd), 0);
	int other = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int d2 = dup(c.efd);
	assert_true(lab_fd_is_irq(c.efd));
	assert_true(lab_fd_is_irq(d2));
	assert_false(lab_fd_is_irq(other));
	assert_true(lab_irq_registered());
	start_copy(c.dev);
	/* Waiting on an unrelated eventfd runs nothing. */
	struct pollfd p = { .fd = other, .events = POLLIN };
	assert_int_equal(lab_irq_wait(&p, 1, -1), 0);
	assert_int_equal(reg_read(c.dev, REG_STATUS) & ST_BUSY, ST_BUSY);
	assert_int_equal(wait_efd(d2, -1), 1);
	assert_int_equal(drain(c.efd), 1);
	close(d2);
	close(other);
	shutdown_checked();
}

/* Several threads wait and map at once through the one lock. */
struct thr {
	int container;
	uint64_t iova;
	int errors;
};

static void *mapper(void *arg)
{
	struct thr *t = arg;
	uint8_t *b = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 200; i++) {
		struct vfio_iommu_type1_dma_map mp = { .argsz = sizeof(mp), .flags = RW,
			.vaddr = (uintptr_t)b, .iova = t->iova, .size = 0x4000 };
		struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um), .iova = t->iova,
							 .size = 0x4000 };
		if (lab_ioctl(t->container, VFIO_IOMMU_MAP_DMA, &mp) ||
		    lab_ioctl(t->container, VFIO_IOMMU_UNMAP_DMA, &um) || um.size != 0x4000)
			t->errors++;
	}
	munmap(b, 0x4000);
	return NULL;
}

static void test_threads_wait_and_map(void **state)
{
	boot();
	struct vctx c;
	vsetup(&c);
	assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  &c.efd), 0);
	pthread_t th[4];
	struct thr t[4];
	for (int i = 0; i < 4; i++) {
		t[i] = (struct thr){ c.container, 0x1000000 + (uint64_t)i * 0x100000, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, mapper, &t[i]), 0);
	}
	for (int round = 0; round < 50; round++) {
		start_copy(c.dev);
		assert_int_equal(wait_efd(c.efd, -1), 1);
		assert_int_equal(drain(c.efd), 1);
		reg_write(c.dev, REG_STATUS, ST_DONE);
		assert_int_equal(set_irqs(c.dev, VFIO_IRQ_SET_DATA_NONE |
						     VFIO_IRQ_SET_ACTION_UNMASK, NULL), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].errors, 0);
	}
	shutdown_checked();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_irq_core_masking, teardown),
		cmocka_unit_test_teardown(test_time_passes_when_waiting, teardown),
		cmocka_unit_test_teardown(test_mask_holds_the_line, teardown),
		cmocka_unit_test_teardown(test_dup_of_trigger, teardown),
		cmocka_unit_test_teardown(test_threads_wait_and_map, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
