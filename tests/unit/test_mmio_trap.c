/*
 * Region mmap by trap and emulate (src/uapi/mmio_trap*.c): the x86-64
 * decoder on encoded bytes, then every instruction form it takes executed
 * against a vfio-platform mapping of the dma-copy engine's registers
 * (register variants r8-r15, AH..BH, SIB, disp8/disp32, no base,
 * RIP-relative), each compared with the device's register file read
 * through pread; mmap's errors; SIGBUS for what cannot be emulated;
 * chaining to the program's SIGSEGV handler; a copy programmed through
 * the mapping and its interrupt. The oracle watches: no escape.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "test_util.h"
#include "iommulab/fd.h"
#include "uapi/mmio_trap.h"

#define DEV0 "a000000.dma"
#define REG_ID 0x000
#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_SID_IDX 0x01c
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define ID_VALUE 0x444d4143u

/* ---- the decoder on bytes --------------------------------------------------- */

struct dcase {
	const char *name;
	uint8_t code[16];
	uint8_t n;
	int ret;
	uint8_t len, width, reg_width;
	bool store, sext, high8;
	int reg, base, index;
	uint8_t scale;
	int32_t disp;
	uint64_t imm;
};

#define NONE MMIO_REG_NONE
static const struct dcase dcases[] = {
	/* mov (%rax),%ecx */
	{ "8b load", { 0x8b, 0x08 }, 2, 0, 2, 4, 4, false, false, false, 1, 0, NONE, 1, 0, 0 },
	/* mov %r9d,0x10(%r13) */
	{ "REX.RB store disp8", { 0x45, 0x89, 0x4d, 0x10 }, 4, 0, 4, 4, 4, true, false, false, 9, 13, NONE, 1, 0x10, 0 },
	/* mov 0x8(%r12,%r14,8),%r15 */
	{ "SIB REX.WRXB", { 0x4f, 0x8b, 0x7c, 0xf4, 0x08 }, 5, 0, 5, 8, 8, false, false, false, 15, 12, 14, 8, 8, 0 },
	/* mov 0x12345678(%rip),%eax */
	{ "RIP-relative", { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 }, 6, 0, 6, 4, 4, false, false, false, 0, MMIO_REG_RIP, NONE, 1, 0x12345678, 0 },
	/* mov 0x100(,%rdx,4),%esi: no base */
	{ "SIB no base", { 0x8b, 0x34, 0x95, 0x00, 0x01, 0x00, 0x00 }, 7, 0, 7, 4, 4, false, false, false, 6, NONE, 2, 4, 0x100, 0 },
	/* mov (%rsp),%eax: index 4 is none */
	{ "SIB rsp", { 0x8b, 0x04, 0x24 }, 3, 0, 3, 4, 4, false, false, false, 0, 4, NONE, 1, 0, 0 },
	/* movw %ax,(%rbx) */
	{ "66 store", { 0x66, 0x89, 0x03 }, 3, 0, 3, 2, 2, true, false, false, 0, 3, NONE, 1, 0, 0 },
	/* mov %ah,(%rdi) */
	{ "high8 store", { 0x88, 0x27 }, 2, 0, 2, 1, 1, true, false, true, 0, 7, NONE, 1, 0, 0 },
	/* mov %spl,(%rdi): with REX, 4 is SPL */
	{ "REX spl", { 0x40, 0x88, 0x27 }, 3, 0, 3, 1, 1, true, false, false, 4, 7, NONE, 1, 0, 0 },
	/* movl $0xdeadbeef,0x20(%rax) */
	{ "c7 imm32", { 0xc7, 0x40, 0x20, 0xef, 0xbe, 0xad, 0xde }, 7, 0, 7, 4, 4, true, false, false, NONE, 0, NONE, 1, 0x20, 0xffffffffdeadbeefull },
	/* movq $-2,(%rax) */
	{ "REX.W c7", { 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff }, 7, 0, 7, 8, 8, true, false, false, NONE, 0, NONE, 1, 0, (uint64_t)-2 },
	/* movw $0x1234,(%rax) */
	{ "66 c7 imm16", { 0x66, 0xc7, 0x00, 0x34, 0x12 }, 5, 0, 5, 2, 2, true, false, false, NONE, 0, NONE, 1, 0, 0x1234 },
	/* movb $0x80,(%rax) */
	{ "c6 imm8", { 0xc6, 0x00, 0x80 }, 3, 0, 3, 1, 1, true, false, false, NONE, 0, NONE, 1, 0, (uint64_t)-128 },
	/* movzbl 0x1(%rax),%edx */
	{ "movzx b", { 0x0f, 0xb6, 0x50, 0x01 }, 4, 0, 4, 1, 4, false, false, false, 2, 0, NONE, 1, 1, 0 },
	/* movswq (%rax),%r11 */
	{ "movsx w REX.W", { 0x4c, 0x0f, 0xbf, 0x18 }, 4, 0, 4, 2, 8, false, true, false, 11, 0, NONE, 1, 0, 0 },
	/* movslq (%rax),%rcx */
	{ "movsxd", { 0x48, 0x63, 0x08 }, 3, 0, 3, 4, 8, false, true, false, 1, 0, NONE, 1, 0, 0 },
	/* ds prefix passes */
	{ "ds prefix", { 0x3e, 0x8b, 0x08 }, 3, 0, 3, 4, 4, false, false, false, 1, 0, NONE, 1, 0, 0 },
	/* refused: register form, fs, lock, rep, addr32, add, movsxd without W, c7 /1, truncated */
	{ "reg form", { 0x89, 0xc8 }, 2, -EINVAL },
	{ "fs", { 0x64, 0x8b, 0x08 }, 3, -EINVAL },
	{ "lock", { 0xf0, 0x89, 0x08 }, 3, -EINVAL },
	{ "rep movs", { 0xf3, 0xa5 }, 2, -EINVAL },
	{ "addr32", { 0x67, 0x8b, 0x08 }, 3, -EINVAL },
	{ "add", { 0x01, 0x08 }, 2, -EINVAL },
	{ "63 no W", { 0x63, 0x08 }, 2, -EINVAL },
	{ "c7 /1", { 0xc7, 0x08, 0, 0, 0, 0 }, 6, -EINVAL },
	{ "truncated disp32", { 0x8b, 0x80, 0x00, 0x01 }, 4, -EINVAL },
	{ "truncated imm", { 0xc7, 0x00, 0x01 }, 3, -EINVAL },
	{ "only prefixes", { 0x66, 0x48 }, 2, -EINVAL },
};

static void test_decode_table(void **state)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct mmio_insn in;
		int ret = mmio_insn_decode(c->code, c->n, &in);
		if (ret != c->ret)
			fail_msg("%s: decode %d, expected %d", c->name, ret, c->ret);
		if (ret)
			continue;
		if (in.len != c->len || in.width != c->width || in.reg_width != c->reg_width ||
		    in.store != c->store || in.sign_extend != c->sext || in.high8 != c->high8 ||
		    in.reg != c->reg || in.base != c->base || in.index != c->index ||
		    in.scale != c->scale || in.disp != c->disp || (in.has_imm && in.imm != c->imm))
			fail_msg("%s: len %u width %u/%u store %d sext %d high8 %d reg %d base %d "
				 "index %d scale %u disp %d imm %#llx", c->name, in.len, in.width,
				 in.reg_width, in.store, in.sign_extend, in.high8, in.reg, in.base,
				 in.index, in.scale, in.disp, (unsigned long long)in.imm);
	}
}

static void test_decode_semantics(void **state)
{
	uint64_t regs[16] = { 0 };
	struct mmio_insn in;

	/* mov 0x8(%r12,%r14,8),%r15: the address. */
	const uint8_t sib[] = { 0x4f, 0x8b, 0x7c, 0xf4, 0x08 };
	assert_int_equal(mmio_insn_decode(sib, sizeof(sib), &in), 0);
	regs[12] = 0x1000;
	regs[14] = 3;
	assert_int_equal(mmio_insn_addr(&in, regs, 0), 0x1000 + 24 + 8);
	/* RIP-relative counts from the next instruction. */
	const uint8_t rip[] = { 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff };
	assert_int_equal(mmio_insn_decode(rip, sizeof(rip), &in), 0);
	assert_int_equal(mmio_insn_addr(&in, regs, 0x5000), 0x5000 + 6 - 16);
	/* A 32-bit load clears the upper half; 16 and 8 bits keep the rest. */
	const uint8_t l32[] = { 0x8b, 0x08 }, l16[] = { 0x66, 0x8b, 0x08 }, l8h[] = { 0x8a, 0x28 };
	regs[1] = 0x1111111111111111ull;
	assert_int_equal(mmio_insn_decode(l32, 2, &in), 0);
	mmio_insn_load(&in, regs, 0xaabbccdd);
	assert_int_equal(regs[1], 0xaabbccdd);
	regs[1] = 0x1111111111111111ull;
	assert_int_equal(mmio_insn_decode(l16, 3, &in), 0);
	mmio_insn_load(&in, regs, 0xccdd);
	assert_int_equal(regs[1], 0x111111111111ccddull);
	/* mov (%rax),%ch */
	assert_int_equal(mmio_insn_decode(l8h, 2, &in), 0);
	assert_true(in.high8);
	mmio_insn_load(&in, regs, 0xee);
	assert_int_equal(regs[1], 0x111111111111eeddull);
	/* mov %ch,(%rax) stores CH */
	const uint8_t s8h[] = { 0x88, 0x28 };
	assert_int_equal(mmio_insn_decode(s8h, 2, &in), 0);
	assert_int_equal(mmio_insn_store_value(&in, regs) & 0xff, 0xee);
	/* movsbl sign-extends to 32 bits, then clears the upper half. */
	const uint8_t sx[] = { 0x0f, 0xbe, 0x08 };
	assert_int_equal(mmio_insn_decode(sx, 3, &in), 0);
	mmio_insn_load(&in, regs, 0x81);
	assert_int_equal(regs[1], 0xffffff81ull);
}

/* ---- executed against a mapping --------------------------------------------- */

struct fx {
	int container, group, device;
	volatile uint8_t *regs;
};

static struct fx fx;

static int open_device(struct fx *x)
{
	char link[256], target[256], path[64];
	assert_int_equal(tu_lab_boot(NULL, "vfio_iommu_type1.allow_unsafe_interrupts=1"), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", DEV0);
	ssize_t n = lab_readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	x->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	x->group = lab_open(path, O_RDWR, 0);
	assert_true(x->container >= 0 && x->group >= 0);
	assert_int_equal(lab_ioctl(x->group, VFIO_GROUP_SET_CONTAINER, &x->container), 0);
	assert_int_equal(lab_ioctl(x->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	x->device = lab_ioctl(x->group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(x->device >= 0);
	return 0;
}

static int setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	open_device(&fx);
	fx.regs = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fx.device, 0);
	if (fx.regs == MAP_FAILED)
		fail_msg("lab_mmap: %s", strerror(errno));
	return 0;
}

static int teardown(void **state)
{
	if (fx.regs)
		assert_int_equal(lab_munmap((void *)fx.regs, 4096), 0);
	assert_false(mmio_trap_any());
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
	return 0;
}

/*
 * cmocka puts its own SIGSEGV handler in for each test (with signal(),
 * which the shim would interpose in a real program): the trap's again.
 */
#define ARM() mmio_trap_rearm()

static uint32_t dev_read(uint32_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(fx.device, &v, 4, off), 4);
	return v;
}

static void dev_write(uint32_t off, uint32_t v)
{
	assert_int_equal(lab_pwrite(fx.device, &v, 4, off), 4);
}

static void test_region_info_mmap(void **state)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	ARM();
	assert_int_equal(lab_ioctl(fx.device, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				   VFIO_REGION_INFO_FLAG_MMAP);
}

/* Loads: each form against the register file (pread is the reference). */
static void test_loads(void **state)
{
	volatile uint8_t *p = fx.regs;
	uint64_t out;
	ARM();

	dev_write(REG_SRC_LO, 0x80ff8081);
	dev_write(REG_SRC_HI, 0x01020304);
	assert_int_equal(dev_read(REG_ID), ID_VALUE);

	/* mov disp8(base), r32 with the base and destination in r8-r15 */
	{
		register volatile uint8_t *b asm("r13") = p;
		register uint64_t v asm("r9") = ~0ull;
		asm volatile("movl 0x8(%1), %k0" : "+r"(v) : "r"(b) : "memory");
		assert_int_equal(v, 0x80ff8081);	/* upper half cleared */
	}
	/* mov (base), r64 with base r12 (needs a SIB) */
	{
		register volatile uint8_t *b asm("r12") = p + REG_SRC_LO;
		register uint64_t v asm("r15");
		asm volatile("movq (%1), %0" : "=r"(v) : "r"(b) : "memory");
		assert_int_equal(v, 0x0102030480ff8081ull);
	}
	/* SIB: base + index * scale + disp, index r14 */
	{
		register volatile uint8_t *b asm("r10") = p;
		register uint64_t i asm("r14") = 2;
		register uint32_t v asm("r11");
		asm volatile("movl 0x4(%1,%2,4), %0" : "=r"(v) : "r"(b), "r"(i) : "memory");
		assert_int_equal(v, 0x01020304);	/* 4 + 8 = SRC_HI */
	}
	/* No base: disp32 + index */
	{
		uint64_t i = (uintptr_t)p;
		uint32_t v;
		asm volatile("movl 0x8(,%1,1), %0" : "=r"(v) : "r"(i) : "memory");
		assert_int_equal(v, 0x80ff8081);
	}
	/* disp32 from a base */
	{
		volatile uint8_t *b = p - 0x1000;
		uint32_t v;
		asm volatile("movl 0x1000(%1), %0" : "=r"(v) : "r"(b) : "memory");
		assert_int_equal(v, ID_VALUE);
	}
	/* 16-bit load keeps the register's upper bits */
	{
		uint64_t v = 0x1111111111111111ull;
		asm volatile("movw 0x8(%1), %w0" : "+r"(v) : "r"(p) : "memory");
		assert_int_equal(v, 0x1111111111118081ull);
	}
	/* byte lanes: AH and a REX byte register */
	{
		register uint64_t a asm("rax") = 0x2222222222222222ull;
		asm volatile("movb 0x1(%1), %%ah" : "+r"(a) : "D"(p) : "memory");
		assert_int_equal(a, 0x2222222222224122ull);	/* "C A M D": byte 1 'A' */
		register uint64_t v asm("r8") = 0;
		asm volatile("movb 0x3(%1), %b0" : "+r"(v) : "r"(p) : "memory");
		assert_int_equal(v, 0x44);
	}
	/* movzx / movsx / movsxd */
	asm volatile("movzbl 0x8(%1), %k0" : "=r"(out) : "r"(p) : "memory");
	assert_int_equal(out, 0x81);
	asm volatile("movzwq 0x8(%1), %0" : "=r"(out) : "r"(p) : "memory");
	assert_int_equal(out, 0x8081);
	asm volatile("movsbl 0x8(%1), %k0" : "=r"(out) : "r"(p) : "memory");
	assert_int_equal(out, 0xffffff81ull);
	asm volatile("movswq 0x8(%1), %0" : "=r"(out) : "r"(p) : "memory");
	assert_int_equal(out, 0xffffffffffff8081ull);
	asm volatile("movslq 0x8(%1), %0" : "=r"(out) : "r"(p) : "memory");
	assert_int_equal(out, 0xffffffff80ff8081ull);
	/* And C, as a driver writes it. */
	assert_int_equal(*(volatile uint32_t *)(p + REG_ID), ID_VALUE);
	assert_int_equal(*(volatile uint64_t *)(p + REG_SRC_LO), 0x0102030480ff8081ull);
}

/* Stores: each form, then the register file through pread. */
static void test_stores(void **state)
{
	volatile uint8_t *p = fx.regs;
	ARM();

	{
		register volatile uint8_t *b asm("r13") = p;
		register uint64_t v asm("r9") = 0xffffffffa5a5a5a5ull;
		asm volatile("movl %k1, 0x8(%0)" : : "r"(b), "r"(v) : "memory");
		assert_int_equal(dev_read(REG_SRC_LO), 0xa5a5a5a5);
	}
	{
		register volatile uint8_t *b asm("r12") = p;
		register uint64_t i asm("r15") = 1;
		register uint64_t v asm("r14") = 0x1122334455667788ull;
		asm volatile("movq %2, 0x8(%0,%1,8)" : : "r"(b), "r"(i), "r"(v) : "memory");
		assert_int_equal(dev_read(REG_DST_LO), 0x55667788);
		assert_int_equal(dev_read(REG_DST_HI), 0x11223344);
	}
	asm volatile("movl $0x12345678, 0x18(%0)" : : "r"(p) : "memory");
	assert_int_equal(dev_read(REG_LEN), 0x12345678);
	asm volatile("movq $-2, 0x8(%0)" : : "r"(p) : "memory");
	assert_int_equal(dev_read(REG_SRC_LO), 0xfffffffe);
	assert_int_equal(dev_read(REG_SRC_HI), 0xffffffff);
	/* The engine ignores narrower writes: the mapping passes them as they are. */
	dev_write(REG_SID_IDX, 7);
	asm volatile("movw $0x1234, 0x1c(%0)" : : "r"(p) : "memory");
	asm volatile("movb $0x55, 0x1c(%0)" : : "r"(p) : "memory");
	{
		register uint64_t a asm("rax") = 0x6600;
		asm volatile("movb %%ah, 0x1c(%1)" : : "r"(a), "S"(p) : "memory");
	}
	assert_int_equal(dev_read(REG_SID_IDX), 7);
	*(volatile uint32_t *)(p + REG_SID_IDX) = 0;
	assert_int_equal(dev_read(REG_SID_IDX), 0);
}

/*
 * RIP-relative: the instruction must lie within 2 GiB of the mapping, so
 * it is written into a page right before it (the mapping placed with
 * MAP_FIXED at the next page).
 */
static void test_rip_relative(void **state)
{
	uint8_t *code = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	ARM();
	assert_true(code != MAP_FAILED);
	volatile uint8_t *m = lab_mmap(code + 4096, 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_FIXED, fx.device, 0);
	assert_ptr_equal(m, code + 4096);
	/* mov disp(%rip),%eax ; ret   (reads SRC_LO) */
	int32_t d = (int32_t)((code + 4096 + REG_SRC_LO) - (code + 6));
	uint8_t load[] = { 0x8b, 0x05, 0, 0, 0, 0, 0xc3 };
	memcpy(load + 2, &d, 4);
	/* mov %edi,disp(%rip) ; ret   (writes DST_LO), at code + 16 */
	int32_t d2 = (int32_t)((code + 4096 + REG_DST_LO) - (code + 16 + 6));
	uint8_t store[] = { 0x89, 0x3d, 0, 0, 0, 0, 0xc3 };
	memcpy(store + 2, &d2, 4);
	memcpy(code, load, sizeof(load));
	memcpy(code + 16, store, sizeof(store));
	assert_int_equal(mprotect(code, 4096, PROT_READ | PROT_EXEC), 0);
	dev_write(REG_SRC_LO, 0xc0ffee01);
	uint32_t (*get)(void) = (uint32_t (*)(void))(void *)code;
	void (*put)(uint32_t) = (void (*)(uint32_t))(void *)(code + 16);
	assert_int_equal(get(), 0xc0ffee01);
	put(0xbadcafe0);
	assert_int_equal(dev_read(REG_DST_LO), 0xbadcafe0);
	assert_int_equal(lab_munmap(code, 2 * 4096), 0);
}

static sigjmp_buf jump;
static volatile sig_atomic_t got_sig;
static void *volatile got_addr;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_addr = si->si_addr;
	siglongjmp(jump, 1);
}

/* What the decoder refuses is SIGBUS at the address, as a bad MMIO access. */
static void test_sigbus(void **state)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO }, old;
	volatile uint8_t *p = fx.regs;
	ARM();

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	got_sig = 0;
	if (!sigsetjmp(jump, 1))
		asm volatile("addl $1, 0x8(%0)" : : "r"(p) : "memory");
	assert_int_equal(got_sig, SIGBUS);
	assert_ptr_equal(got_addr, (void *)(p + 8));
	/* The device is still there. */
	assert_int_equal(*(volatile uint32_t *)p, ID_VALUE);
	sigaction(SIGBUS, &old, NULL);
}

/* A fault outside the mappings goes to the handler installed before the trap's. */
static void test_chain(void **state)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO }, old;
	uint8_t *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ARM();

	assert_true(none != MAP_FAILED);
	/* Ours is installed: put the test's under it as the shim's sigaction would. */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(mmio_trap_sigaction(&sa, &old), 0);
	got_sig = 0;
	if (!sigsetjmp(jump, 1))
		*(volatile uint32_t *)(none + 8) = 1;
	assert_int_equal(got_sig, SIGSEGV);
	assert_ptr_equal(got_addr, none + 8);
	/* The mapping still traps. */
	assert_int_equal(*(volatile uint32_t *)fx.regs, ID_VALUE);
	assert_int_equal(mmio_trap_sigaction(&old, NULL), 0);
	munmap(none, 4096);
}

static void *map_err(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	errno = 0;
	void *p = lab_mmap(addr, len, prot, flags, fd, off);
	assert_ptr_equal(p, MAP_FAILED);
	return p;
}

/* mmap's errors: Linux's, and nothing mapped. */
static void test_mmap_errors(void **state)
{
	const int rw = PROT_READ | PROT_WRITE;
	ARM();

	map_err(NULL, 4096, rw, MAP_PRIVATE, fx.device, 0);
	assert_int_equal(errno, EINVAL);		/* no VM_SHARED */
	map_err(NULL, 8192, rw, MAP_SHARED, fx.device, 0);
	assert_int_equal(errno, EINVAL);		/* past the region */
	map_err(NULL, 4096, rw, MAP_SHARED, fx.device, 4096);
	assert_int_equal(errno, EINVAL);		/* starts past it */
	map_err(NULL, 4096, rw, MAP_SHARED, fx.device, 1ll << 40);
	assert_int_equal(errno, EINVAL);		/* region 1: none */
	map_err(NULL, 4096, rw, MAP_SHARED, fx.device, 100);
	assert_int_equal(errno, EINVAL);		/* offset not page aligned */
	map_err(NULL, 0, rw, MAP_SHARED, fx.device, 0);
	assert_int_equal(errno, EINVAL);		/* length 0 */
	map_err((void *)0x1001, 4096, rw, MAP_SHARED | MAP_FIXED, fx.device, 0);
	assert_int_equal(errno, EINVAL);		/* fixed, unaligned */
	map_err(NULL, 4096, rw, MAP_SHARED, fx.container, 0);
	assert_int_equal(errno, ENODEV);		/* the container has no mmap */
	map_err(NULL, 4096, rw, MAP_SHARED, 1000, 0);
	assert_int_equal(errno, EBADF);
	/* A refused MAP_FIXED leaves what was there. */
	uint32_t *keep = mmap(NULL, 8192, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	keep[0] = 42;
	map_err(keep, 8192, rw, MAP_SHARED | MAP_FIXED, fx.device, 0);
	assert_int_equal(keep[0], 42);
	munmap(keep, 8192);
	/* Read-only and write-only mappings of a R/W region are fine. */
	volatile uint32_t *ro = lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fx.device, 0);
	assert_true(ro != MAP_FAILED);
	assert_int_equal(ro[0], ID_VALUE);
	assert_int_equal(lab_munmap((void *)ro, 4096), 0);
}

/* A part unmapped goes; the rest still traps; the mapping outlives close(fd). */
static void test_partial_and_close(void **state)
{
	volatile uint32_t *p = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
					fx.device, 0);
	ARM();
	assert_true(p != MAP_FAILED);
	int dup = lab_dup(fx.device, -1, 0);
	assert_true(dup >= 0);
	assert_int_equal(lab_close(dup), 0);
	assert_int_equal(p[0], ID_VALUE);
	assert_int_equal(lab_munmap((void *)p, 4096), 0);

	/* Closing the device fd: fx.regs keeps the device open. */
	assert_int_equal(lab_close(fx.device), 0);
	assert_int_equal(*(volatile uint32_t *)fx.regs, ID_VALUE);
	fx.regs[REG_LEN] = 0;
	*(volatile uint32_t *)(fx.regs + REG_LEN) = 0x40;
	assert_int_equal(*(volatile uint32_t *)(fx.regs + REG_LEN), 0x40);
}

/* A copy programmed through the mapping, its interrupt taken, the bytes checked. */
static void test_copy_through_mapping(void **state)
{
	volatile uint32_t *r = (volatile uint32_t *)fx.regs;
	uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int efd = eventfd(0, EFD_CLOEXEC);
	ARM();

	assert_true(buf != MAP_FAILED && efd >= 0);
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(buf + 4096, 0, 4096);
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = 0x100000, .size = 8192 };
	assert_int_equal(lab_ioctl(fx.container, VFIO_IOMMU_MAP_DMA, &m), 0);
	char irqbuf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)irqbuf;
	*set = (struct vfio_irq_set){ .argsz = sizeof(irqbuf), .index = 0, .start = 0, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(set->data, &efd, sizeof(efd));
	assert_int_equal(lab_ioctl(fx.device, VFIO_DEVICE_SET_IRQS, set), 0);

	r[REG_SRC_LO / 4] = 0x100000;
	r[REG_SRC_HI / 4] = 0;
	*(volatile uint64_t *)&r[REG_DST_LO / 4] = 0x101000;
	r[REG_LEN / 4] = 4096;
	r[REG_SID_IDX / 4] = 0;
	r[REG_CTRL / 4] = 3;		/* IRQ_EN | START */
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	assert_int_equal(lab_irq_wait(&pfd, 1, 1000), 1);
	assert_int_equal(r[REG_STATUS / 4] & 0x7, 0x2);	/* DONE, no BUSY, no ERROR */
	assert_memory_equal(buf, buf + 4096, 4096);
	r[REG_STATUS / 4] = 0x2;
	assert_int_equal(dev_read(REG_STATUS) & 0x2, 0);
	close(efd);
}

/* The driver leaving cuts the mapping off: SIGBUS, as the device fd answers ENODEV. */
static void test_unbind_cuts_off(void **state)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO }, old;
	ARM();

	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/unbind", DEV0), 0);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	got_sig = 0;
	if (!sigsetjmp(jump, 1))
		(void)*(volatile uint32_t *)fx.regs;
	assert_int_equal(got_sig, SIGBUS);
	sigaction(SIGBUS, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_semantics),
		cmocka_unit_test_setup_teardown(test_region_info_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rip_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigbus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_through_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind_cuts_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
