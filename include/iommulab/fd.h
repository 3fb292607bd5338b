/*
 * iommulab: the file-descriptor API. A program linked with the library
 * (or any program, through the libiommulab-preload.so shim) reaches the
 * lab's /dev/vfio/vfio, /dev/vfio/N and /sys with these calls. They behave
 * as the system calls of the same name: on failure they return -1 and set
 * errno to the value Linux would give. The descriptors are real ones (the
 * program can close, poll, dup and pass them around in this process).
 *
 * Paths the lab serves: /dev/vfio, /dev/vfio/vfio, /dev/vfio/<group id>,
 * and everything under /sys except /sys/devices/system, /sys/fs and
 * /sys/kernel/mm (those stay the host's). lab_path_is_lab() tells.
 *
 * Thread-safe: every call takes the lab's one lock.
 */
#ifndef IOMMULAB_FD_H
#define IOMMULAB_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifndef LAB_API
#define LAB_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

LAB_API bool lab_path_is_lab(const char *path);
LAB_API bool lab_fd_is_lab(int fd);

LAB_API int lab_open(const char *path, int flags, mode_t mode);
LAB_API int lab_close(int fd);
LAB_API int lab_ioctl(int fd, unsigned long request, void *arg);
LAB_API ssize_t lab_read(int fd, void *buf, size_t count);
LAB_API ssize_t lab_write(int fd, const void *buf, size_t count);
LAB_API ssize_t lab_pread(int fd, void *buf, size_t count, off_t offset);
LAB_API ssize_t lab_pwrite(int fd, const void *buf, size_t count, off_t offset);
LAB_API off_t lab_lseek(int fd, off_t offset, int whence);
/*
 * mmap(2) of a lab descriptor (a VFIO device's region) and munmap(2) of
 * any range (a lab mapping's part goes with it). The mapping is trap and
 * emulate: each load or store the program makes in it is one access to
 * the device (docs/uapi.md "Region mmap"); x86-64 hosts only (elsewhere
 * EINVAL). @flags: MAP_SHARED (MAP_PRIVATE: EINVAL, as Linux's VFIO),
 * MAP_FIXED and MAP_FIXED_NOREPLACE honoured.
 */
LAB_API void *lab_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
LAB_API int lab_munmap(void *addr, size_t len);
/* dup/dup2/dup3/F_DUPFD of a lab descriptor: the new one shares its file. */
LAB_API int lab_dup(int fd, int newfd, int flags);
LAB_API int lab_stat(const char *path, struct stat *st);
LAB_API int lab_lstat(const char *path, struct stat *st);
LAB_API int lab_fstat(int fd, struct stat *st);
LAB_API int lab_access(const char *path, int mode);
LAB_API ssize_t lab_readlink(const char *path, char *buf, size_t size);
/* realpath(3) for a lab path: every link resolved, into @buf (PATH_MAX bytes). */
LAB_API char *lab_realpath(const char *path, char *buf);
/* Directory listing: calls @fn for each entry name (sorted) until it returns non-zero. */
LAB_API int lab_listdir(const char *path, int (*fn)(void *opaque, const char *name,
						   unsigned char d_type),
			void *opaque);

/*
 * Waiting on interrupt eventfds. Virtual time passes while a program
 * waits, not while it writes registers: when @fds holds an eventfd
 * registered with VFIO_DEVICE_SET_IRQS (or any duplicate of one),
 * lab_irq_wait runs the lab's pending hardware events in time order until
 * one of @fds is ready (a raw poll(2) with no timeout), the next event
 * lies more than @timeout_ms away (negative: no limit; 0 lets one
 * microsecond pass, so a polling loop sees the device progress) or
 * nothing is pending. Returns the number of ready descriptors, like
 * poll(2) with timeout 0; nothing runs when no registered eventfd is in
 * @fds. lab_poll is poll(2) after that wait: with nothing ready it blocks
 * as the real call does (a program waiting on an interrupt that cannot
 * come waits forever, as on Linux).
 */
LAB_API int lab_irq_wait(struct pollfd *fds, nfds_t nfds, int timeout_ms);
LAB_API int lab_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
/*
 * The same wait for epoll_wait: the set's members are the host kernel's,
 * so while any interrupt eventfd is registered the lab runs until @epfd
 * polls readable.
 */
LAB_API int lab_irq_wait_epoll(int epfd, int timeout_ms);
/* Is @fd a registered interrupt eventfd (or a duplicate of one)? Any registered at all? */
LAB_API bool lab_fd_is_irq(int fd);
LAB_API bool lab_irq_registered(void);

/* The lab's lock, for code that calls into the lab by other routes (the shim). */
LAB_API void lab_lock(void);
LAB_API void lab_unlock(void);
/* Closes every lab descriptor (before lab_shutdown). */
LAB_API void lab_close_all(void);

#ifdef __cplusplus
}
#endif

#endif
