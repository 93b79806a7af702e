/*
 * schedule: one timer per feed on the libuv loop.
 *
 * Each feed has an entry that fires once when armed; the owner re-arms it after the
 * fetch finishes, with the delay it decides (interval, backoff, Retry-After). Jitter is
 * applied here so feeds added together don't fire in lockstep. Entries are freed in
 * their handle's close callback. Never logs.
 */
#ifndef GEOTRACK_SCHEDULE_H
#define GEOTRACK_SCHEDULE_H

#include <stdint.h>

#include <uv.h>

struct schedule_entry;
typedef void (*schedule_fire_fn)(struct schedule_entry *entry, void *data);

/* Creates an unarmed entry on `loop` that calls fire(entry, data) when due. */
struct schedule_entry *schedule_entry_new(uv_loop_t *loop, schedule_fire_fn fire, void *data);

/*
 * Arms the entry to fire after delay_ms plus up to jitter_percent of it at random
 * (0 for exact). Re-arming replaces the previous deadline.
 */
void schedule_arm(struct schedule_entry *entry, uint64_t delay_ms, unsigned jitter_percent);
void schedule_disarm(struct schedule_entry *entry);
/* delay_ms plus up to jitter_percent of it at random: what schedule_arm() would use, for
 * callers that record the deadline before arming it exactly. */
uint64_t schedule_jitter(uint64_t delay_ms, unsigned jitter_percent);
/* Milliseconds until the entry fires, or UINT64_MAX when unarmed. */
uint64_t schedule_due_in(const struct schedule_entry *entry);

/* Disarms and closes the entry; the loop frees it. Safe from inside its own fire callback. */
void schedule_entry_close(struct schedule_entry *entry);

#endif
