#!/bin/sh
# embed.sh SYMBOL IN.dtb OUT.S: wrap a compiled device tree into an object
# with hidden start/end symbols, so the binary carries its built-in platform.
set -e
sym=$1; in=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); out=$3
cat > "$out" <<ASM
	.section .rodata
	.balign 8
	.globl ${sym}_start
	.hidden ${sym}_start
${sym}_start:
	.incbin "$in"
	.globl ${sym}_end
	.hidden ${sym}_end
${sym}_end:
	.section .note.GNU-stack,"",%progbits
ASM
