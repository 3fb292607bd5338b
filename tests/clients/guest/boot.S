/*
 * Entry, exception vectors and the way out. QEMU starts a bare-metal
 * image at EL1 with the MMU off (so every data access is Device memory:
 * keep them aligned) and IRQs masked; a Linux-style boot has the tree in
 * x0, a bare-metal one finds it at the start of RAM.
 */
	.equ	RAM_BASE,		0x40000000	/* virt's RAM, where the tree is */
	.equ	PSCI_SYSTEM_OFF,	0x84000008

	.section .text.boot
	.global	_start
_start:
	mov	x19, x0
	ldr	x1, =stack_top
	mov	sp, x1
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
	mov	x0, x19
	bl	fdt_valid
	cbnz	x0, 1f
	ldr	x19, =RAM_BASE
1:	mov	x0, x19
	bl	guest_main
	/* fall through: guest_main does not return, but stop if it does */

/* poweroff(): PSCI SYSTEM_OFF through the conduit virt's tree names (hvc) */
	.global	poweroff
poweroff:
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
1:	wfi
	b	1b

	.text
/*
 * An IRQ from EL1 with SP_EL1: save what a C-like callee may clobber,
 * call irq_handler, return. Anything else is a bug in the guest: say
 * which vector, then power off.
 */
	.macro	unexpected	n
	.balign	0x80
	mov	x0, #\n
	b	unexpected_exception
	.endm

	.balign	0x800
vectors:
	unexpected	0	/* EL1 with SP_EL0: sync, IRQ, FIQ, SError */
	unexpected	1
	unexpected	2
	unexpected	3
	unexpected	4	/* EL1 with SP_EL1: sync */
	.balign	0x80		/* EL1 with SP_EL1: IRQ */
	b	irq_entry
	unexpected	6
	unexpected	7
	unexpected	8	/* lower EL, AArch64 */
	unexpected	9
	unexpected	10
	unexpected	11
	unexpected	12	/* lower EL, AArch32 */
	unexpected	13
	unexpected	14
	unexpected	15

irq_entry:
	sub	sp, sp, #176
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	str	x30, [sp, #160]
	bl	irq_handler
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	ldr	x30, [sp, #160]
	add	sp, sp, #176
	eret

unexpected_exception:
	mov	x19, x0
	adr	x0, msg_unexpected
	bl	puts
	mov	x0, x19
	bl	putdec
	adr	x0, msg_esr
	bl	puts
	mrs	x0, esr_el1
	bl	puthex
	adr	x0, msg_elr
	bl	puts
	mrs	x0, elr_el1
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	b	poweroff

	.section .rodata
msg_unexpected:	.asciz	"FAIL: unexpected exception, vector "
msg_esr:	.asciz	", ESR "
msg_elr:	.asciz	", ELR "
