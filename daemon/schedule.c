#include "schedule.h"

#include <stdlib.h>

#include "xalloc.h"

struct schedule_entry {
	uv_timer_t timer;
	schedule_fire_fn fire;
	void *data;
};

static void on_timer(uv_timer_t *timer)
{
	struct schedule_entry *entry = timer->data;
	entry->fire(entry, entry->data);
}

struct schedule_entry *schedule_entry_new(uv_loop_t *loop, schedule_fire_fn fire, void *data)
{
	struct schedule_entry *entry = xcalloc(1, sizeof(*entry));
	uv_timer_init(loop, &entry->timer);
	entry->timer.data = entry;
	entry->fire = fire;
	entry->data = data;
	return entry;
}

/* xorshift64*: jitter needs spread, not secrecy; seeded from the clock. */
static uint64_t next_random(void)
{
	static uint64_t state;
	if (state == 0)
		state = uv_hrtime() | 1;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

uint64_t schedule_jitter(uint64_t delay_ms, unsigned jitter_percent)
{
	if (jitter_percent == 0 || delay_ms == 0)
		return delay_ms;
	uint64_t span = delay_ms / 100 * jitter_percent + 1;
	return delay_ms + next_random() % span;
}

void schedule_arm(struct schedule_entry *entry, uint64_t delay_ms, unsigned jitter_percent)
{
	uv_timer_start(&entry->timer, on_timer, schedule_jitter(delay_ms, jitter_percent), 0);
}

void schedule_disarm(struct schedule_entry *entry)
{
	uv_timer_stop(&entry->timer);
}

uint64_t schedule_due_in(const struct schedule_entry *entry)
{
	if (!uv_is_active((const uv_handle_t *)&entry->timer))
		return UINT64_MAX;
	return uv_timer_get_due_in(&entry->timer);
}

static void entry_closed(uv_handle_t *handle)
{
	free(handle->data);
}

void schedule_entry_close(struct schedule_entry *entry)
{
	if (!entry)
		return;
	uv_timer_stop(&entry->timer);
	uv_close((uv_handle_t *)&entry->timer, entry_closed);
}
