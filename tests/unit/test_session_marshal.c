/*
 * How VFIO ioctl arguments travel through a session
 * (src/uapi/session_vfio_marshal.c): which requests are values, strings or
 * argsz-driven structs, how many bytes go, where descriptors sit inside
 * SET_IRQS and SET_CONTAINER, and MAP_DMA's range. No kernel and no DMA:
 * nothing for the oracle to judge (docs/hacking.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/vfio.h>

#include "uapi/session_vfio.h"

static void test_values(void **state)
{
	static const unsigned int cmds[] = {
		VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU,
		VFIO_GROUP_UNSET_CONTAINER, VFIO_DEVICE_RESET, 0x1234,
	};
	struct session_ioctl_plan p;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		session_ioctl_plan(cmds[i], &p);
		assert_true(p.value);
		assert_false(p.new_handle || p.share || p.eventfds || p.container_fd);
	}
}

static void test_argsz(void **state)
{
	struct session_ioctl_plan p;

	session_ioctl_plan(VFIO_DEVICE_GET_REGION_INFO, &p);
	assert_false(p.value);
	assert_int_equal(p.minsz, 32);
	/* A short argsz still sends what the kernel reads first: it answers -EINVAL itself. */
	assert_int_equal(session_ioctl_len(&p, 4), 32);
	/* A capability chain: up to argsz. */
	assert_int_equal(session_ioctl_len(&p, 200), 200);
	/* A huge argsz: capped (the rest by the client's pid). */
	assert_int_equal(session_ioctl_len(&p, 0xffffffffu), SESSION_IOCTL_MAX_ARG);
	session_ioctl_plan(VFIO_IOMMU_GET_INFO, &p);
	assert_int_equal(p.minsz, 16);
	session_ioctl_plan(VFIO_GROUP_GET_STATUS, &p);
	assert_int_equal(p.minsz, 8);
	session_ioctl_plan(VFIO_IOMMU_UNMAP_DMA, &p);
	assert_int_equal(p.minsz, 24);
	session_ioctl_plan(VFIO_DEVICE_GET_INFO, &p);
	assert_int_equal(p.minsz, 16);
	session_ioctl_plan(VFIO_GROUP_GET_DEVICE_FD, &p);
	assert_true(p.string && p.new_handle);
}

static void test_container_slot(void **state)
{
	struct session_ioctl_plan p;
	int fd = 5;
	size_t offs[SESSION_MAX_FDS];

	session_ioctl_plan(VFIO_GROUP_SET_CONTAINER, &p);
	assert_int_equal(p.minsz, sizeof(int));
	/* An int is not argsz-driven: whatever its value, four bytes go. */
	assert_int_equal(session_ioctl_len(&p, 0x7fffffff), sizeof(int));
	assert_int_equal(session_ioctl_fd_slots(&p, &fd, sizeof(fd), offs, SESSION_MAX_FDS), 1);
	assert_int_equal(offs[0], 0);
}

static void test_set_irqs_slots(void **state)
{
	uint8_t buf[sizeof(struct vfio_irq_set) + 4 * sizeof(int32_t)];
	struct vfio_irq_set *s = (void *)buf;
	struct session_ioctl_plan p;
	size_t offs[SESSION_MAX_FDS];

	session_ioctl_plan(VFIO_DEVICE_SET_IRQS, &p);
	assert_int_equal(p.minsz, 20);
	*s = (struct vfio_irq_set){ .argsz = sizeof(buf), .count = 4,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	assert_int_equal(session_ioctl_fd_slots(&p, buf, sizeof(buf), offs, SESSION_MAX_FDS), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(offs[i], 20 + 4 * i);
	/* Only what was sent: a count past the bytes stops at them. */
	assert_int_equal(session_ioctl_fd_slots(&p, buf, 28, offs, SESSION_MAX_FDS), 2);
	/* At most @max. */
	assert_int_equal(session_ioctl_fd_slots(&p, buf, sizeof(buf), offs, 3), 3);
	/* BOOL and NONE data carry no descriptors. */
	s->flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
	assert_int_equal(session_ioctl_fd_slots(&p, buf, sizeof(buf), offs, SESSION_MAX_FDS), 0);
	s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(session_ioctl_fd_slots(&p, buf, sizeof(buf), offs, SESSION_MAX_FDS), 0);
	/* A header shorter than minsz: nothing. */
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	assert_int_equal(session_ioctl_fd_slots(&p, buf, 12, offs, SESSION_MAX_FDS), 0);
}

static void test_map_dma_range(void **state)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = 0x7f0000000000,
		.iova = 0x100000, .size = 1ull << 32,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE };
	struct session_ioctl_plan p;
	uint64_t vaddr, size;
	bool write;

	session_ioctl_plan(VFIO_IOMMU_MAP_DMA, &p);
	assert_true(p.share);
	assert_int_equal(p.minsz, 32);
	assert_true(session_ioctl_share_range(VFIO_IOMMU_MAP_DMA, &m, sizeof(m), &vaddr, &size,
					      &write));
	assert_int_equal(vaddr, m.vaddr);
	assert_int_equal(size, m.size);
	assert_true(write);
	m.flags = VFIO_DMA_MAP_FLAG_READ;
	assert_true(session_ioctl_share_range(VFIO_IOMMU_MAP_DMA, &m, sizeof(m), &vaddr, &size,
					      &write));
	assert_false(write);
	/* Short, a small argsz or no size: nothing shared (the kernel answers). */
	assert_false(session_ioctl_share_range(VFIO_IOMMU_MAP_DMA, &m, 16, &vaddr, &size, &write));
	m.argsz = 8;
	assert_false(session_ioctl_share_range(VFIO_IOMMU_MAP_DMA, &m, sizeof(m), &vaddr, &size,
					       &write));
	m.argsz = sizeof(m);
	m.size = 0;
	assert_false(session_ioctl_share_range(VFIO_IOMMU_MAP_DMA, &m, sizeof(m), &vaddr, &size,
					       &write));
	m.size = 4096;
	assert_false(session_ioctl_share_range(VFIO_IOMMU_UNMAP_DMA, &m, sizeof(m), &vaddr,
					       &size, &write));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_argsz),
		cmocka_unit_test(test_container_slot),
		cmocka_unit_test(test_set_irqs_slots),
		cmocka_unit_test(test_map_dma_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
