/*
 * notify: the sd_notify protocol, spoken by hand.
 *
 * systemd's Type=notify needs one datagram per state change on the socket named by
 * $NOTIFY_SOCKET; that is thirty lines, so we write them rather than link libsystemd
 * (which would also pull its dependencies into every test binary). Without
 * NOTIFY_SOCKET every call is a no-op, so the daemon runs the same outside systemd.
 * Never logs: a lost notification is not worth a log line per status update.
 */
#ifndef GEOTRACK_NOTIFY_H
#define GEOTRACK_NOTIFY_H

#include <stdint.h>

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID once. Returns 1 if a socket is set. */
int notify_init(void);

/*
 * Sends "KEY=VALUE\n..." lines as one datagram, e.g. notify_send("READY=1\nSTATUS=%s", s).
 * Returns 0, or -errno if sending failed (-ENOTCONN when there is no socket).
 */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asked for, in microseconds; 0 when there is none. */
uint64_t notify_watchdog_usec(void);

/* CLOCK_MONOTONIC in microseconds, as RELOADING=1's MONOTONIC_USEC wants it. */
uint64_t notify_monotonic_usec(void);

void notify_close(void);

#endif
