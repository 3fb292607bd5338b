/*
 * errno names, one table for the kernel's log lines (%pe: "-EPROBE_DEFER")
 * and the shell's `expect errno NAME`.
 */
#ifndef LAB_COMMON_ERRNAME_H
#define LAB_COMMON_ERRNAME_H

/* Linux's value of the kernel-internal probe deferral (not in libc). */
#ifndef EPROBE_DEFER
#define EPROBE_DEFER 517
#endif

/* "EPERM" for EPERM or -EPERM; NULL for a number without a name. */
const char *errno_name(int err);
/* EPERM for "EPERM"; 0 for a name the table lacks. */
int errno_by_name(const char *name);

#endif
