/*
 * Region mmap by trap and emulate (the uapi side of kernel/base/mm.h), for
 * the preload shim in-process and in a session. Not public API.
 *
 * A mapping is an address range the shim reserved with no access
 * (PROT_NONE). A load or store the program makes there faults (SIGSEGV);
 * the handler finds the range, decodes the x86-64 instruction (the MOV
 * family: mmio_insn_decode), performs the access through the range's
 * backend (in-process: the kernel's vma_access; in a session: a forwarded
 * SESSION_READ/WRITE on the mapping's handle), writes a load's value into
 * the register and steps over the instruction. A fault outside every
 * range goes to the handler installed before ours (or the default action);
 * an instruction the decoder does not know, or an access the device
 * refuses, is SIGBUS, as a bad MMIO access on Linux.
 *
 * Only x86-64 hosts trap; elsewhere mmio_trap_supported() is false and the
 * shim's mmap of a region answers EINVAL as before (docs/uapi.md).
 */
#ifndef IOMMULAB_UAPI_MMIO_TRAP_H
#define IOMMULAB_UAPI_MMIO_TRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the instruction decoder (mmio_trap_x86.c) ----------------------- */

/* x86-64 register numbers, as ModRM/REX encode them (RAX 0 ... R15 15). */
#define MMIO_REG_RIP 16		/* a RIP-relative memory operand's "base" */
#define MMIO_REG_NONE (-1)

/* One decoded MOV-family instruction that reads or writes memory. */
struct mmio_insn {
	uint8_t len;		/* bytes, prefixes included */
	uint8_t width;		/* bytes the memory access moves: 1, 2, 4 or 8 */
	bool store;		/* memory is written (else read into reg) */
	bool has_imm;		/* a store of imm (C6/C7) */
	uint64_t imm;		/* sign-extended to the operand size */
	int reg;		/* the register operand (0-15) */
	bool high8;		/* reg is AH, CH, DH or BH (no REX, bytes 4-7) */
	uint8_t reg_width;	/* the register operand's size (movzx/movsx: wider) */
	bool sign_extend;	/* a load extends by sign (movsx, movsxd) */
	int base, index;	/* MMIO_REG_NONE, 0-15, or base MMIO_REG_RIP */
	uint8_t scale;		/* 1, 2, 4, 8 */
	int32_t disp;
};

/*
 * Decodes the instruction at @code (@avail bytes readable): 0, or -EINVAL
 * for anything that is not a memory MOV the trap emulates (lock/rep/
 * segment-override prefixes, a register-only form, other opcodes).
 */
int mmio_insn_decode(const uint8_t *code, size_t avail, struct mmio_insn *insn);
/* The memory operand's address, with @regs (RAX..R15) and @rip (the instruction's). */
uint64_t mmio_insn_addr(const struct mmio_insn *insn, const uint64_t regs[16], uint64_t rip);
/* What a store writes (the low @width bytes count). */
uint64_t mmio_insn_store_value(const struct mmio_insn *insn, const uint64_t regs[16]);
/* A load's @val (width bytes) into its register, as the CPU writes it. */
void mmio_insn_load(const struct mmio_insn *insn, uint64_t regs[16], uint64_t val);

/* ---- mapped ranges (mmio_trap.c) ------------------------------------- */

/* A mapping's backend: what an access does, and its end. */
struct mmio_trap_ops {
	/* @off from the mapping's start; 0 or -errno (then SIGBUS). */
	int (*access)(void *cookie, uint64_t off, void *buf, int len, bool write);
	/* Every page of the mapping is gone (munmap, a MAP_FIXED over it). */
	void (*release)(void *cookie);
};

bool mmio_trap_supported(void);

/*
 * The kernel's side of a new mapping (vfs_mmap, here or in the server):
 * validate [@start, +@len) with @vm_flags (kernel/base/mm.h VM_*) at
 * file offset @off and give the backend's cookie. 0 or -errno.
 */
typedef int (*mmio_trap_open_t)(void *arg, uintptr_t start, size_t len,
				unsigned long vm_flags, uint64_t off, void **cookie);

/*
 * mmap(2) of a region, as Linux's do_mmap then the file's mmap: the
 * argument checks (EINVAL: length 0, offset not page aligned, a fixed
 * address not aligned, MAP_TYPE not shared or private), the range
 * reserved (MAP_FIXED: exactly there, and only once @open accepted, so a
 * refusal leaves the old mapping), @open, then the trap. The address, or
 * MAP_FAILED with errno (EINVAL off x86-64).
 */
void *mmio_trap_mmap(void *addr, size_t len, int prot, int flags, int64_t off,
		     const struct mmio_trap_ops *ops, mmio_trap_open_t open, void *arg);
/*
 * [@addr, +@len) is no longer a mapping's (munmap, or a new mapping over
 * it): pieces are forgotten, a mapping whose last piece went is released.
 */
void mmio_trap_forget(void *addr, size_t len);
/*
 * The cookie of the mapping at @addr if its backend is @ops, else NULL.
 * The caller keeps the cookie alive (the lab's lock, for a vma: its
 * release takes that lock).
 */
void *mmio_trap_cookie(uintptr_t addr, const struct mmio_trap_ops *ops);
/* Is any trapped mapping live? (lock-free: munmap asks on every call) */
bool mmio_trap_any(void);
/*
 * The program installs a SIGSEGV action: ours stays, theirs becomes the
 * one faults outside our ranges go to. @old gets what the program would
 * have seen. 0, or -1 if no mapping was ever made (call the real sigaction).
 */
struct sigaction;
int mmio_trap_sigaction(const struct sigaction *act, struct sigaction *old);

/*
 * The handler's work for a fault at @addr with the thread's ucontext_t
 * @uc: 0 (emulated: @uc's registers and RIP updated), -ENOENT (not in a
 * mapping), -EACCES (its protection forbids the access: SIGSEGV), or
 * -errno (SIGBUS). bench_mmio calls it with a made-up
 * context under valgrind, whose signal frames do not give the faulting
 * instruction's RIP.
 */
int mmio_trap_fault(uintptr_t addr, void *uc);

/*
 * Someone replaced our SIGSEGV action behind the shim's back (a static
 * program, or a test harness calling libc directly): ours again, theirs
 * chained to.
 */
void mmio_trap_rearm(void);

/*
 * The in-process backend (mmio_trap_lab.c): lab_mmap / lab_munmap
 * (iommulab/fd.h), and the kernel's vma_lookup in this process (the vma
 * of the lab mapping at @addr, or NULL; under the lab's lock).
 */
struct vm_area_struct;
struct vm_area_struct *mmio_trap_lab_vma(unsigned long addr);

#endif
