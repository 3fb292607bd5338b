/*
 * One deliberate isolation escape, for the tests of the oracle rule
 * (test_oracle_rule.c, test_oracle_undeclared.c): with arm-smmu's test
 * hook lab_skip_tlbi (not in Linux) the driver never invalidates the
 * IOTLB, so after a dma-copy run a DMA to the IOVA it wrote and unmapped
 * still translates from the IOTLB, into a page the kernel freed: one
 * stale-IOTLB escape.
 */
#ifndef LAB_TESTS_ORACLE_ESCAPE_H
#define LAB_TESTS_ORACLE_ESCAPE_H

#include "kernel_test.h"
#include "kernel/drivers/drivers.h"

#define OE_CMDLINE "arm-smmu.lab_skip_tlbi=1"
#define OE_DEV "a000000.dma"
#define OE_NODE "/soc/dma@0"
#define OE_IOVA 0xffffe000ull   /* the destination of the first dma-copy run */

/* On a kt boot with OE_CMDLINE: the escape, through the kernel and the machine directly. */
static inline void oe_kt_escape(void)
{
	char msg[128];
	u8 buf[16] = { 0x5a };
	struct hw_dma_master *master = hw_master_by_name(kt_machine, OE_NODE);

	assert_int_equal(dma_copy_test(OE_DEV, 4096, msg, sizeof(msg)), 0);
	assert_non_null(master);
	assert_int_equal(hw_dma(kt_machine, master, OE_IOVA, buf, sizeof(buf), HW_WRITE), 0);
}

/* On a tu_lab_boot with OE_CMDLINE: the same escape, through the shell. */
static inline void oe_lab_escape(void)
{
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	assert_int_equal(lab_exec("dmatest " OE_DEV " 4096", null), 0);
	assert_int_equal(lab_exec("dma " OE_DEV " write 0xffffe000 16", null), 0);
	fclose(null);
}

#endif
