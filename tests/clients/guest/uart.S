/*
 * Output on the virt machine's PL011 (its address is fixed on `-M virt`).
 * Leaf functions: they use x0-x5 only, so callers keep x6-x28.
 */
	.equ	UART_BASE,	0x09000000
	.equ	UART_DR,	0x000
	.equ	UART_FR,	0x018
	.equ	UART_FR_TXFF,	5

	.text

/* putc(w0 = byte) */
	.global	putc
putc:
	ldr	x1, =UART_BASE
1:	ldr	w2, [x1, #UART_FR]
	tbnz	w2, #UART_FR_TXFF, 1b
	str	w0, [x1, #UART_DR]
	ret

/* puts(x0 = NUL-terminated string): no newline added */
	.global	puts
puts:
	ldr	x1, =UART_BASE
	mov	x3, x0
1:	ldrb	w0, [x3], #1
	cbz	w0, 3f
2:	ldr	w2, [x1, #UART_FR]
	tbnz	w2, #UART_FR_TXFF, 2b
	str	w0, [x1, #UART_DR]
	b	1b
3:	ret

/* puthex(x0 = value): "0x" and the digits, without leading zeros */
	.global	puthex
puthex:
	ldr	x1, =UART_BASE
	mov	x3, x0
	mov	w0, #'0'
	str	w0, [x1, #UART_DR]
	mov	w0, #'x'
	str	w0, [x1, #UART_DR]
	mov	x4, #60			/* shift of the top nibble */
1:	cbz	x4, 2f			/* the last digit is always printed */
	lsr	x5, x3, x4
	cbnz	x5, 2f
	sub	x4, x4, #4
	b	1b
2:	lsr	x5, x3, x4
	and	x5, x5, #0xf
	cmp	x5, #10
	add	x0, x5, #'0'
	add	x2, x5, #('a' - 10)
	csel	x0, x2, x0, hs
3:	ldr	w2, [x1, #UART_FR]
	tbnz	w2, #UART_FR_TXFF, 3b
	str	w0, [x1, #UART_DR]
	cbz	x4, 4f
	sub	x4, x4, #4
	b	2b
4:	ret

/* putdec(x0 = value) */
	.global	putdec
putdec:
	ldr	x1, =UART_BASE
	mov	x3, x0
	mov	x4, #1
1:	mov	x5, #10			/* x4: the largest power of ten <= value */
	mul	x5, x4, x5
	cmp	x5, x3
	b.hi	2f
	mov	x4, x5
	b	1b
2:	udiv	x5, x3, x4
	msub	x3, x5, x4, x3
	add	x0, x5, #'0'
3:	ldr	w2, [x1, #UART_FR]
	tbnz	w2, #UART_FR_TXFF, 3b
	str	w0, [x1, #UART_DR]
	mov	x5, #10
	udiv	x4, x4, x5
	cbnz	x4, 2b
	ret
