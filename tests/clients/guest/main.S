/*
 * What the guest checks, with the device QEMU passed through: it finds
 * the RAM and the device in the tree, fills a source buffer in its image,
 * has the dma-copy engine (register layout: docs/devices.md) copy it to
 * the last 64 KiB of its RAM (so all of the RAM QEMU maps for DMA is
 * reachable, not just the start), takes the engine's interrupt through
 * the GIC, compares the bytes and says PASS or FAIL on the UART.
 */
	.equ	DMAC_ID,	0x000
	.equ	DMAC_SRC_LO,	0x008
	.equ	DMAC_SRC_HI,	0x00c
	.equ	DMAC_DST_LO,	0x010
	.equ	DMAC_DST_HI,	0x014
	.equ	DMAC_LEN,	0x018
	.equ	DMAC_SID_IDX,	0x01c
	.equ	DMAC_CTRL,	0x020
	.equ	DMAC_STATUS,	0x024
	.equ	DMAC_ERR_CODE,	0x030
	.equ	DMAC_ID_VALUE,	0x444d4143	/* "DMAC" */
	.equ	CTRL_START,	(1 << 0)
	.equ	CTRL_IRQ_EN,	(1 << 1)
	.equ	STATUS_DONE,	(1 << 1)
	.equ	STATUS_ERROR,	(1 << 2)

	.equ	COPY_LEN,	0x4000		/* four pages */
	.equ	DST_FROM_TOP,	0x10000
	/* generic timer ticks (62.5 MHz on virt) to wait for the interrupt */
	.equ	TIMEOUT_TICKS,	(62500000 * 20)

	.equ	FOUND_RAM_BASE,	0
	.equ	FOUND_RAM_SIZE,	8
	.equ	FOUND_DEV_BASE,	16
	.equ	FOUND_DEV_IRQ,	24

	.text

/* guest_main(x0 = device tree): never returns */
	.global	guest_main
guest_main:
	mov	x19, x0
	adr	x0, msg_hello
	bl	puts
	mov	x0, x19
	ldr	x1, =found
	bl	fdt_scan
	cbz	x0, 1f
	adr	x0, msg_no_device
	b	fail
1:	ldr	x20, =found
	ldr	x21, [x20, #FOUND_DEV_BASE]	/* x21: the engine's registers */
	ldr	x22, [x20, #FOUND_DEV_IRQ]	/* x22: its interrupt ID */
	ldr	x0, [x20, #FOUND_RAM_BASE]
	ldr	x1, [x20, #FOUND_RAM_SIZE]
	add	x23, x0, x1
	sub	x23, x23, #DST_FROM_TOP		/* x23: destination */
	ldr	x24, =src_buf			/* x24: source */
	bl	say_found

	ldr	w0, [x21, #DMAC_ID]
	ldr	w1, =DMAC_ID_VALUE
	cmp	w0, w1
	b.eq	2f
	adr	x0, msg_not_dmac
	b	fail_hex_w0
2:	bl	fill_buffers
	mov	x0, x22
	bl	gic_init
	msr	daifclr, #2			/* IRQs on */

	str	w24, [x21, #DMAC_SRC_LO]
	lsr	x0, x24, #32
	str	w0, [x21, #DMAC_SRC_HI]
	str	w23, [x21, #DMAC_DST_LO]
	lsr	x0, x23, #32
	str	w0, [x21, #DMAC_DST_HI]
	mov	w0, #COPY_LEN
	str	w0, [x21, #DMAC_LEN]
	str	wzr, [x21, #DMAC_SID_IDX]
	mov	w0, #(CTRL_IRQ_EN | CTRL_START)
	str	w0, [x21, #DMAC_CTRL]

	/* only the interrupt handler reports the end of the copy */
	mrs	x25, cntpct_el0
	ldr	x0, =TIMEOUT_TICKS
	add	x25, x25, x0
	ldr	x26, =irq_status
3:	ldr	w0, [x26]
	cbnz	w0, 4f
	mrs	x0, cntpct_el0
	cmp	x0, x25
	b.lo	3b
	adr	x0, msg_no_irq
	ldr	w1, [x21, #DMAC_STATUS]
	b	fail_status
4:	msr	daifset, #2
	tbz	w0, #2, 5f			/* STATUS_ERROR */
	ldr	w1, [x21, #DMAC_ERR_CODE]
	adr	x0, msg_dma_error
	b	fail_status
5:	adr	x0, msg_irq
	bl	puts
	mov	x0, x22
	bl	putdec
	adr	x0, msg_irq_status
	bl	puts
	ldr	w0, [x26]
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	bl	compare_buffers
	cbz	x0, 6f
	mov	x19, x0
	adr	x0, msg_mismatch
	bl	puts
	mov	x0, x19
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	b	fail_end
6:	adr	x0, msg_checked
	bl	puts
	mov	x0, #COPY_LEN
	bl	putdec
	adr	x0, msg_bytes
	bl	puts
	adr	x0, msg_pass
	bl	puts
	b	poweroff

/* fail with the message in x0 and the register value in w1 */
fail_status:
	mov	x19, x1
	bl	puts
	mov	x0, x19
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	b	fail_end
fail_hex_w0:
	mov	w1, w0
	b	fail_status
fail:
	bl	puts
fail_end:
	adr	x0, msg_fail
	bl	puts
	b	poweroff

/* say where the tree put things (x20 the found struct, x21-x23) */
say_found:
	stp	x29, x30, [sp, #-16]!
	adr	x0, msg_ram
	bl	puts
	ldr	x0, [x20, #FOUND_RAM_BASE]
	bl	puthex
	adr	x0, msg_size
	bl	puts
	ldr	x0, [x20, #FOUND_RAM_SIZE]
	lsr	x0, x0, #20
	bl	putdec
	adr	x0, msg_device
	bl	puts
	mov	x0, x21
	bl	puthex
	adr	x0, msg_intid
	bl	puts
	mov	x0, x22
	bl	putdec
	mov	w0, #'\n'
	bl	putc
	adr	x0, msg_copy
	bl	puts
	mov	x0, x24
	bl	puthex
	adr	x0, msg_to
	bl	puts
	mov	x0, x23
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	ldp	x29, x30, [sp], #16
	ret

/* a pattern no two words share in the source, zeros in the destination */
fill_buffers:
	ldr	w2, =0x9e3779b9
	mov	x0, #0
1:	mul	w1, w0, w2
	eor	w1, w1, w0, lsl #16
	str	w1, [x24, x0]
	str	wzr, [x23, x0]
	add	x0, x0, #4
	cmp	x0, #COPY_LEN
	b.lo	1b
	ret

/* x0 = 0, or the first destination address that differs */
compare_buffers:
	mov	x0, #0
1:	ldr	w1, [x24, x0]
	ldr	w2, [x23, x0]
	cmp	w1, w2
	b.ne	2f
	add	x0, x0, #4
	cmp	x0, #COPY_LEN
	b.lo	1b
	mov	x0, #0
	ret
2:	add	x0, x23, x0
	ret

/*
 * The engine's interrupt: note its STATUS and clear DONE/ERROR (W1C),
 * which drops the line, then end the interrupt at the GIC. QEMU may
 * raise the line once more while the handler runs (it treats any access
 * to the device as the end of the interrupt): a second entry finds
 * STATUS clear and only acknowledges.
 */
	.global	irq_handler
irq_handler:
	stp	x29, x30, [sp, #-32]!
	str	x19, [sp, #16]
	bl	gic_ack
	mov	x19, x0
	and	x1, x0, #0x3ff
	cmp	x1, #1023			/* spurious: nothing to end */
	b.eq	2f
	ldr	x2, =found
	ldr	x2, [x2, #FOUND_DEV_IRQ]
	cmp	x1, x2
	b.ne	1f
	ldr	x2, =found
	ldr	x2, [x2, #FOUND_DEV_BASE]
	ldr	w3, [x2, #DMAC_STATUS]
	and	w3, w3, #(STATUS_DONE | STATUS_ERROR)
	cbz	w3, 1f
	str	w3, [x2, #DMAC_STATUS]
	ldr	x2, =irq_status
	str	w3, [x2]
1:	mov	x0, x19
	bl	gic_eoi
2:	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret

	.section .rodata
msg_hello:	.asciz	"guest: up at EL1, looking for the dma-copy engine\n"
msg_no_device:	.asciz	"guest: no memory node, or no calxeda,hb-xgmac or iommulab,dma-copy device, in the device tree\n"
msg_ram:	.asciz	"guest: RAM at "
msg_size:	.asciz	", "
msg_device:	.asciz	" MiB; the device at "
msg_intid:	.asciz	", interrupt "
msg_copy:	.asciz	"guest: copying 16 KiB from "
msg_to:		.asciz	" to "
msg_not_dmac:	.asciz	"guest: not a dma-copy engine, ID "
msg_no_irq:	.asciz	"guest: no interrupt within 20 s, STATUS "
msg_dma_error:	.asciz	"guest: the copy failed, ERR_CODE "
msg_irq:	.asciz	"guest: interrupt "
msg_irq_status:	.asciz	" taken, STATUS "
msg_mismatch:	.asciz	"guest: the copy differs at "
msg_checked:	.asciz	"guest: "
msg_bytes:	.asciz	" bytes copied and checked\n"
msg_pass:	.asciz	"PASS\n"
msg_fail:	.asciz	"FAIL\n"

	.bss
	.balign	4096
src_buf:	.skip	COPY_LEN
	.balign	8
found:		.skip	32
irq_status:	.skip	4
