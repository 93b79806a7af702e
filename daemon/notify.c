#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;
static uint64_t watchdog_usec;

int notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wd_pid = getenv("WATCHDOG_PID");
	if (wd && (!wd_pid || strtol(wd_pid, NULL, 10) == (long)getpid()))
		watchdog_usec = strtoull(wd, NULL, 10);
	/* Children we might start must not talk to systemd in our name. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (!path || (path[0] != '/' && path[0] != '@'))
		return 0;
	size_t len = strlen(path);
	if (len >= sizeof(notify_addr.sun_path))
		return 0;
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0'; /* abstract namespace */
	notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	/* Non-blocking: a manager that stops reading (its queue holds ten datagrams) must
	 * cost us a lost status line, never a stalled event loop. */
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return notify_fd >= 0 ? 1 : 0;
}

int notify_send(const char *fmt, ...)
{
	if (notify_fd < 0)
		return -ENOTCONN;
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(message))
		n = sizeof(message) - 1;
	ssize_t sent = sendto(notify_fd, message, (size_t)n, MSG_NOSIGNAL,
		(struct sockaddr *)&notify_addr, notify_addr_len);
	return sent < 0 ? -errno : 0;
}

uint64_t notify_watchdog_usec(void)
{
	return watchdog_usec;
}

uint64_t notify_monotonic_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
