/*
 * The trap's x86-64 instruction decoder (mmio_trap.h): the memory forms
 * of MOV that a program's loads and stores of device registers compile to.
 *
 *   88 /r  mov r/m8, r8          8A /r  mov r8, r/m8
 *   89 /r  mov r/m, r            8B /r  mov r, r/m
 *   C6 /0  mov r/m8, imm8        C7 /0  mov r/m, imm16/32
 *   0F B6/B7 movzx r, r/m8/16    0F BE/BF movsx r, r/m8/16
 *   REX.W 63 /r  movsxd r64, r/m32
 *
 * with the operand-size prefix 66, REX (W, R, X, B) and the ds/es/cs/ss
 * segment prefixes (no effect in 64-bit mode). ModRM addressing: base,
 * base + index * scale (SIB), disp8/disp32, RIP-relative. Anything else
 * (fs/gs, lock, rep, address-size, string and SSE moves) is refused: the
 * program then gets SIGBUS, as for an MMIO access the bus rejects.
 */
#include <errno.h>
#include <string.h>

#include "mmio_trap.h"

struct prefixes {
	bool opsize;		/* 66 */
	uint8_t rex;		/* 0, or 0x40-0x4f */
};

/* Legacy prefixes then REX: the bytes they took, or -EINVAL. */
static int decode_prefixes(const uint8_t *code, size_t avail, struct prefixes *p)
{
	size_t i = 0;

	for (; i < avail; i++) {
		uint8_t b = code[i];
		if (b == 0x66)
			p->opsize = true;
		else if (b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36)
			continue;
		else if (b == 0x64 || b == 0x65 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
			 b == 0xf3)
			return -EINVAL;
		else
			break;
	}
	/* REX counts only right before the opcode. */
	if (i < avail && (code[i] & 0xf0) == 0x40)
		p->rex = code[i++];
	return i < avail ? (int)i : -EINVAL;
}

static uint8_t operand_size(const struct prefixes *p)
{
	if (p->rex & 0x08)
		return 8;
	return p->opsize ? 2 : 4;
}

/* ModRM (+SIB, displacement) at @code: the bytes taken, or -EINVAL for a register form. */
static int decode_modrm(const uint8_t *code, size_t avail, const struct prefixes *p,
			struct mmio_insn *insn)
{
	size_t i = 0;
	uint8_t modrm, mod, rm;

	if (avail < 1)
		return -EINVAL;
	modrm = code[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -EINVAL;
	insn->reg = ((modrm >> 3) & 7) | ((p->rex & 0x04) ? 8 : 0);
	insn->base = MMIO_REG_NONE;
	insn->index = MMIO_REG_NONE;
	insn->scale = 1;
	insn->disp = 0;
	if (rm == 4) {
		if (i >= avail)
			return -EINVAL;
		uint8_t sib = code[i++];
		uint8_t index = ((sib >> 3) & 7) | ((p->rex & 0x02) ? 8 : 0);
		uint8_t base = sib & 7;
		insn->scale = (uint8_t)(1u << (sib >> 6));
		/* Index 4 without REX.X is "none" (RSP cannot be an index). */
		if (index != 4)
			insn->index = index;
		if (base == 5 && mod == 0)
			mod = 2;	/* disp32, no base */
		else
			insn->base = base | ((p->rex & 0x01) ? 8 : 0);
	} else if (rm == 5 && mod == 0) {
		insn->base = MMIO_REG_RIP;
		mod = 2;
	} else {
		insn->base = rm | ((p->rex & 0x01) ? 8 : 0);
	}
	if (mod == 1) {
		if (i + 1 > avail)
			return -EINVAL;
		insn->disp = (int8_t)code[i++];
	} else if (mod == 2) {
		if (i + 4 > avail)
			return -EINVAL;
		int32_t d;
		memcpy(&d, code + i, 4);
		insn->disp = d;
		i += 4;
	}
	return (int)i;
}

/* An immediate of @size bytes (1, 2, 4), sign-extended. */
static int decode_imm(const uint8_t *code, size_t avail, unsigned size, uint64_t *imm)
{
	if (avail < size)
		return -EINVAL;
	if (size == 1)
		*imm = (uint64_t)(int64_t)(int8_t)code[0];
	else if (size == 2)
		*imm = (uint64_t)(int64_t)(int16_t)(code[0] | code[1] << 8);
	else {
		int32_t v;
		memcpy(&v, code, 4);
		*imm = (uint64_t)(int64_t)v;
	}
	return (int)size;
}

/* The opcode's shape: widths and direction. -EINVAL if not a MOV we know. */
static int decode_opcode(const uint8_t *code, size_t avail, const struct prefixes *p,
			 struct mmio_insn *insn, unsigned *imm_size)
{
	uint8_t size = operand_size(p);

	*imm_size = 0;
	switch (code[0]) {
	case 0x88: case 0x8a:
		insn->width = insn->reg_width = 1;
		insn->store = code[0] == 0x88;
		return 1;
	case 0x89: case 0x8b:
		insn->width = insn->reg_width = size;
		insn->store = code[0] == 0x89;
		return 1;
	case 0xc6: case 0xc7:
		insn->width = insn->reg_width = code[0] == 0xc6 ? 1 : size;
		insn->store = insn->has_imm = true;
		*imm_size = insn->width == 8 ? 4 : insn->width;
		return 1;
	case 0x63:
		if (!(p->rex & 0x08))
			return -EINVAL;
		insn->width = 4;
		insn->reg_width = 8;
		insn->sign_extend = true;
		return 1;
	case 0x0f:
		if (avail < 2)
			return -EINVAL;
		switch (code[1]) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			insn->width = (code[1] & 1) ? 2 : 1;
			insn->reg_width = size;
			insn->sign_extend = code[1] >= 0xbe;
			return 2;
		}
		return -EINVAL;
	}
	return -EINVAL;
}

int mmio_insn_decode(const uint8_t *code, size_t avail, struct mmio_insn *insn)
{
	struct prefixes p = { 0 };
	unsigned imm_size;
	int n, at;

	memset(insn, 0, sizeof(*insn));
	at = decode_prefixes(code, avail, &p);
	if (at < 0)
		return at;
	n = decode_opcode(code + at, avail - at, &p, insn, &imm_size);
	if (n < 0)
		return n;
	uint8_t opcode = code[at];
	at += n;
	n = decode_modrm(code + at, avail - at, &p, insn);
	if (n < 0)
		return n;
	at += n;
	/* C6/C7 take only /0; the reg field is no register there. */
	if (insn->has_imm) {
		if ((insn->reg & 7) != 0)
			return -EINVAL;
		insn->reg = MMIO_REG_NONE;
		n = decode_imm(code + at, avail - at, imm_size, &insn->imm);
		if (n < 0)
			return n;
		at += n;
	}
	/* Byte registers 4-7 without REX are AH, CH, DH, BH. */
	if (insn->reg_width == 1 && !p.rex && insn->reg >= 4 && (opcode == 0x88 || opcode == 0x8a)) {
		insn->high8 = true;
		insn->reg -= 4;
	}
	if (at > 15)
		return -EINVAL;
	insn->len = (uint8_t)at;
	return 0;
}

uint64_t mmio_insn_addr(const struct mmio_insn *insn, const uint64_t regs[16], uint64_t rip)
{
	uint64_t a = (uint64_t)(int64_t)insn->disp;

	if (insn->base == MMIO_REG_RIP)
		a += rip + insn->len;
	else if (insn->base != MMIO_REG_NONE)
		a += regs[insn->base];
	if (insn->index != MMIO_REG_NONE)
		a += regs[insn->index] * insn->scale;
	return a;
}

uint64_t mmio_insn_store_value(const struct mmio_insn *insn, const uint64_t regs[16])
{
	if (insn->has_imm)
		return insn->imm;
	return insn->high8 ? regs[insn->reg] >> 8 : regs[insn->reg];
}

static uint64_t extend(uint64_t v, unsigned from, bool sign)
{
	unsigned shift = 64 - 8 * from;

	if (from == 8)
		return v;
	v <<= shift;
	return sign ? (uint64_t)((int64_t)v >> shift) : v >> shift;
}

void mmio_insn_load(const struct mmio_insn *insn, uint64_t regs[16], uint64_t val)
{
	uint64_t *r = &regs[insn->reg];
	uint64_t v = extend(val, insn->width, insn->sign_extend);

	switch (insn->reg_width) {
	case 8:
		*r = v;
		break;
	case 4:		/* a 32-bit destination clears the upper half */
		*r = (uint32_t)v;
		break;
	case 2:
		*r = (*r & ~0xffffull) | (v & 0xffff);
		break;
	default:
		if (insn->high8)
			*r = (*r & ~0xff00ull) | (v & 0xff) << 8;
		else
			*r = (*r & ~0xffull) | (v & 0xff);
	}
}
