/*
 * The session server's watcher on eventfds its kernel acts on when they
 * are written (session_ioeventfd.c). Not public API.
 */
#ifndef IOMMULAB_UAPI_SESSION_IOEVENTFD_H
#define IOMMULAB_UAPI_SESSION_IOEVENTFD_H

/* Wake the kernel (vfio_pci_virqfd_poll) whenever the server's @fd is written. */
void session_eventfd_watch(int fd);
/* Before @fd is closed. */
void session_eventfd_unwatch(int fd);

#endif
