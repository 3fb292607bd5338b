/*
 * Find what the command line decided in the device tree QEMU hands the
 * guest: the RAM (`memory@...`, two address and two size cells) and the
 * device on QEMU's platform bus: "calxeda,hb-xgmac", the node QEMU writes
 * for `-device vfio-calxeda-xgmac`, or "iommulab,dma-copy", the device's
 * own compatible in a tree the user gives with `-dtb` for
 * `-device vfio-platform` (a child of a root node whose `ranges` maps one
 * address cell to two, as QEMU's `platform-bus@...` does): its
 * first `reg` address translated through those ranges, and its first
 * interrupt (a GIC SPI) as an interrupt ID.
 *
 * The flattened tree is big-endian: a header, then a block of tokens
 * (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), each
 * padded to 4 bytes, property names in a strings block.
 */
	.equ	FDT_MAGIC,	0xd00dfeed
	.equ	FDT_BEGIN_NODE,	1
	.equ	FDT_END_NODE,	2
	.equ	FDT_PROP,	3
	.equ	FDT_NOP,	4
	.equ	FDT_END,	9
	.equ	GIC_SPI_BASE,	32

	/* struct fdt_found, filled by fdt_scan */
	.equ	FOUND_RAM_BASE,	0
	.equ	FOUND_RAM_SIZE,	8
	.equ	FOUND_DEV_BASE,	16
	.equ	FOUND_DEV_IRQ,	24

	/* flags of the node being read (x23) and what was found (x28) */
	.equ	NODE_MEMORY,	0
	.equ	NODE_DEVICE,	1

	.text

/* be32 at [\addr + \off] into \w (a w register) */
	.macro	ldbe	w, addr, off
	ldr	\w, [\addr, #\off]
	rev	\w, \w
	.endm

/* fdt_valid(x0 = address): x0 = 1 if a flattened tree starts there */
	.global	fdt_valid
fdt_valid:
	ldbe	w1, x0, 0
	ldr	w2, =FDT_MAGIC
	cmp	w1, w2
	cset	x0, eq
	ret

/*
 * fdt_scan(x0 = tree, x1 = struct fdt_found *): x0 = 0 when both the RAM
 * and the device were found, -1 otherwise.
 * x19 tree, x20 token cursor, x21 strings, x22 depth (the root is 1),
 * x23 flags of the current node, x24 the platform bus's offset (parent
 * address - child address), x25 the node's reg, x26 its interrupt ID,
 * x27 the result, x28 what was found.
 */
	.global	fdt_scan
fdt_scan:
	stp	x29, x30, [sp, #-96]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mov	x19, x0
	mov	x27, x1
	bl	fdt_valid
	cbz	x0, .Lfail
	ldbe	w1, x19, 8		/* off_dt_struct */
	add	x20, x19, x1
	ldbe	w1, x19, 12		/* off_dt_strings */
	add	x21, x19, x1
	mov	x22, #0
	mov	x24, #0
	mov	x28, #0

.Ltoken:
	ldr	w1, [x20], #4
	rev	w1, w1
	cmp	w1, #FDT_BEGIN_NODE
	b.eq	.Lbegin
	cmp	w1, #FDT_END_NODE
	b.eq	.Lend
	cmp	w1, #FDT_PROP
	b.eq	.Lprop
	cmp	w1, #FDT_NOP
	b.eq	.Ltoken
	cmp	w1, #FDT_END
	b.ne	.Lfail
	cmp	x28, #((1 << NODE_MEMORY) | (1 << NODE_DEVICE))
	b.ne	.Lfail
	mov	x0, #0
	b	.Lout
.Lfail:
	mov	x0, #-1
.Lout:
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

.Lbegin:
	add	x22, x22, #1
	mov	x23, #0
	mov	x25, #0
	mov	x26, #0
	cmp	x22, #2
	b.ne	1f
	mov	x24, #0			/* a new child of the root: its own ranges */
	mov	x0, x20
	adr	x1, memory_prefix
	bl	strprefix
	cbz	x0, 1f
	orr	x23, x23, #(1 << NODE_MEMORY)
1:	mov	x0, x20			/* skip the name, its NUL and the padding */
	bl	strlen
	add	x20, x20, x0
	add	x20, x20, #4
	and	x20, x20, #~3
	b	.Ltoken

.Lend:
	cmp	x22, #3
	b.ne	1f
	tbz	x23, #NODE_DEVICE, 1f
	tbnz	x28, #NODE_DEVICE, 1f	/* the first such device only */
	add	x0, x25, x24
	str	x0, [x27, #FOUND_DEV_BASE]
	str	x26, [x27, #FOUND_DEV_IRQ]
	orr	x28, x28, #(1 << NODE_DEVICE)
1:	sub	x22, x22, #1
	b	.Ltoken

/* x9 value, x10 its length, x11 the property's name */
.Lprop:
	ldbe	w10, x20, 0
	ldbe	w11, x20, 4
	add	x11, x21, x11
	add	x9, x20, #8
	add	x20, x9, x10		/* the next token */
	add	x20, x20, #3
	and	x20, x20, #~3
	cmp	x22, #2
	b.eq	.Lprop_root_child
	cmp	x22, #3
	b.eq	.Lprop_device
	b	.Ltoken

.Lprop_root_child:
	tbz	x23, #NODE_MEMORY, 1f
	cmp	x10, #16
	b.lo	1f
	mov	x0, x11
	adr	x1, reg_name
	bl	strcmp
	cbnz	x0, 1f
	bl	.Lbe64_pair		/* x0, x1 = <base>, <size> */
	str	x0, [x27, #FOUND_RAM_BASE]
	str	x1, [x27, #FOUND_RAM_SIZE]
	orr	x28, x28, #(1 << NODE_MEMORY)
	b	.Ltoken
1:	cmp	x10, #16		/* ranges = <child parent-hi parent-lo size> */
	b.ne	.Ltoken
	mov	x0, x11
	adr	x1, ranges_name
	bl	strcmp
	cbnz	x0, .Ltoken
	ldbe	w1, x9, 4
	ldbe	w2, x9, 8
	orr	x24, x2, x1, lsl #32
	ldbe	w1, x9, 0
	sub	x24, x24, x1
	b	.Ltoken

.Lprop_device:
	mov	x0, x11
	adr	x1, compatible_name
	bl	strcmp
	cbnz	x0, 2f
	mov	x12, x9			/* each string of the list */
	add	x13, x9, x10
1:	cmp	x12, x13
	b.hs	.Ltoken
	mov	x0, x12
	adr	x1, xgmac_compatible
	bl	strcmp
	cbz	x0, 4f
	mov	x0, x12
	adr	x1, dma_copy_compatible
	bl	strcmp
	cbz	x0, 4f
	mov	x0, x12
	bl	strlen
	add	x12, x12, x0
	add	x12, x12, #1
	b	1b
4:	orr	x23, x23, #(1 << NODE_DEVICE)
	b	.Ltoken
2:	mov	x0, x11
	adr	x1, reg_name
	bl	strcmp
	cbnz	x0, 3f
	cbz	x10, .Ltoken
	ldbe	w25, x9, 0
	b	.Ltoken
3:	cmp	x10, #12		/* interrupts = <SPI number flags> */
	b.lo	.Ltoken
	mov	x0, x11
	adr	x1, interrupts_name
	bl	strcmp
	cbnz	x0, .Ltoken
	ldbe	w1, x9, 0
	cbnz	w1, .Ltoken		/* not an SPI */
	ldbe	w26, x9, 4
	add	x26, x26, #GIC_SPI_BASE
	b	.Ltoken

/* x0, x1 = the two 64-bit big-endian pairs of cells at x9 */
.Lbe64_pair:
	ldbe	w2, x9, 0
	ldbe	w3, x9, 4
	orr	x0, x3, x2, lsl #32
	ldbe	w2, x9, 8
	ldbe	w3, x9, 12
	orr	x1, x3, x2, lsl #32
	ret

/* strlen(x0): leaf, x0-x2 */
strlen:
	mov	x1, x0
1:	ldrb	w2, [x1], #1
	cbnz	w2, 1b
	sub	x0, x1, x0
	sub	x0, x0, #1
	ret

/* strcmp(x0, x1): x0 = 0 if equal; leaf, x0-x3 */
strcmp:
1:	ldrb	w2, [x0], #1
	ldrb	w3, [x1], #1
	cmp	w2, w3
	b.ne	2f
	cbnz	w2, 1b
	mov	x0, #0
	ret
2:	mov	x0, #1
	ret

/* strprefix(x0 = string, x1 = prefix): x0 = 1 if it starts with it */
strprefix:
1:	ldrb	w3, [x1], #1
	cbz	w3, 2f
	ldrb	w2, [x0], #1
	cmp	w2, w3
	b.eq	1b
	mov	x0, #0
	ret
2:	mov	x0, #1
	ret

	.section .rodata
memory_prefix:		.asciz	"memory@"
reg_name:		.asciz	"reg"
ranges_name:		.asciz	"ranges"
compatible_name:	.asciz	"compatible"
interrupts_name:	.asciz	"interrupts"
xgmac_compatible:	.asciz	"calxeda,hb-xgmac"
dma_copy_compatible:	.asciz	"iommulab,dma-copy"
