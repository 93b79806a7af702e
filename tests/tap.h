/*
 * tap: a minimal TAP producer for unit tests. Each check prints "ok N - what" or
 * "not ok N - what" with the file and line; tap_done() prints the plan and returns the
 * exit status meson expects (0 if every check passed).
 */
#ifndef GEOTRACK_TAP_H
#define GEOTRACK_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void tap_check(int ok, const char *file, int line, const char *what)
{
	tap_count++;
	if (ok) {
		printf("ok %d - %s\n", tap_count, what);
	} else {
		tap_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", tap_count, what, file, line);
	}
	fflush(stdout);
}

#define ok(cond, what) tap_check(!!(cond), __FILE__, __LINE__, (what))

#define is_str(got, want, what)                                                              \
	do {                                                                                  \
		const char *got_ = (got), *want_ = (want);                                    \
		int same_ = got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_;         \
		tap_check(same_, __FILE__, __LINE__, (what));                                 \
		if (!same_)                                                                   \
			printf("#   got:  '%s'\n#   want: '%s'\n", got_ ? got_ : "(null)",      \
				want_ ? want_ : "(null)");                                       \
	} while (0)

#define is_int(got, want, what)                                                              \
	do {                                                                                  \
		long long got_ = (long long)(got), want_ = (long long)(want);                 \
		tap_check(got_ == want_, __FILE__, __LINE__, (what));                         \
		if (got_ != want_)                                                            \
			printf("#   got:  %lld\n#   want: %lld\n", got_, want_);                  \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
