/*
 * The virt machine's GICv2 (its default under TCG), at its fixed
 * addresses: just enough to take one shared peripheral interrupt as an
 * IRQ at EL1. No security extensions on `-M virt` without secure=on, so
 * group 0 is the one that signals IRQ.
 */
	.equ	GICD_BASE,		0x08000000
	.equ	GICC_BASE,		0x08010000
	.equ	GICD_CTLR,		0x000
	.equ	GICD_ISENABLER,		0x100
	.equ	GICD_IPRIORITYR,	0x400
	.equ	GICD_ITARGETSR,		0x800
	.equ	GICC_CTLR,		0x000
	.equ	GICC_PMR,		0x004
	.equ	GICC_IAR,		0x00c
	.equ	GICC_EOIR,		0x010

	.text

/* gic_init(x0 = interrupt ID to enable): leaf, x0-x5 */
	.global	gic_init
gic_init:
	ldr	x1, =GICD_BASE
	str	wzr, [x1, #GICD_CTLR]
	/* priority 0x80 and CPU 0 as target, in the ID's byte of its word */
	and	x2, x0, #~3
	and	x3, x0, #3
	lsl	x3, x3, #3
	add	x4, x1, #GICD_IPRIORITYR
	ldr	w5, [x4, x2]
	mov	w0, #0xff
	lsl	w0, w0, w3
	bic	w5, w5, w0
	mov	w0, #0x80
	lsl	w0, w0, w3
	orr	w5, w5, w0
	str	w5, [x4, x2]
	add	x4, x1, #GICD_ITARGETSR
	ldr	w5, [x4, x2]
	mov	w0, #0xff
	lsl	w0, w0, w3
	bic	w5, w5, w0
	mov	w0, #1
	lsl	w0, w0, w3
	orr	w5, w5, w0
	str	w5, [x4, x2]
	/* the set-enable bit: word ID / 32, bit ID % 32 */
	add	x2, x2, x3, lsr #3	/* back to the ID */
	lsr	x4, x2, #5
	lsl	x4, x4, #2
	add	x4, x4, #GICD_ISENABLER
	and	x3, x2, #31
	mov	w5, #1
	lsl	w5, w5, w3
	str	w5, [x1, x4]
	mov	w0, #1
	str	w0, [x1, #GICD_CTLR]
	ldr	x1, =GICC_BASE
	mov	w0, #0xff
	str	w0, [x1, #GICC_PMR]
	mov	w0, #1
	str	w0, [x1, #GICC_CTLR]
	ret

/* gic_ack(): x0 = GICC_IAR (the ID in bits 9:0; 1023 spurious) */
	.global	gic_ack
gic_ack:
	ldr	x1, =GICC_BASE
	ldr	w0, [x1, #GICC_IAR]
	ret

/* gic_eoi(x0 = the value gic_ack returned) */
	.global	gic_eoi
gic_eoi:
	ldr	x1, =GICC_BASE
	str	w0, [x1, #GICC_EOIR]
	ret
