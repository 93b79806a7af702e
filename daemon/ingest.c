#include "ingest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "coder.h"
#include "date.h"
#include "feed.h"
#include "store.h"
#include "xalloc.h"

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Carries what the coder's callback needs to store an event. */
struct coding {
	struct store *store;
	struct store_report_origin origin;
	int32_t event_day;
	size_t events;
	size_t new_events;
	int error;
	double store_seconds; /* spent storing events, to keep the coder's own time apart */
};

/* "default.verbs:412": the file's base name, so the origin reads the same wherever the
 * dictionaries are installed. */
static void pattern_origin(const struct coded_event *ev, char *out, size_t size)
{
	out[0] = '\0';
	if (!ev->dict_file)
		return;
	const char *slash = strrchr(ev->dict_file, '/');
	snprintf(out, size, "%s:%u", slash ? slash + 1 : ev->dict_file, ev->dict_line);
}

static void store_coded_event(const struct coded_event *ev, void *ctx)
{
	struct coding *c = ctx;
	if (c->error)
		return;
	char origin[256];
	pattern_origin(ev, origin, sizeof(origin));
	struct store_event row = {
		.sentence_index = ev->sentence_index,
		/* GDELT's IsRootEvent marks the lead paragraph; a feed item's lead is its
		 * headline and the sentence after it. */
		.in_lead = ev->sentence_index <= 2,
		.event_day = c->event_day,
		.source = ev->source,
		.event_code = ev->event_code,
		.target = ev->target,
		.location = ev->location,
		.quad_class = ev->quad_class,
		.goldstein = ev->goldstein,
		.sentence = ev->sentence,
		.sentence_len = ev->sentence_len,
		.source_text = ev->source_text,
		.verb_text = ev->verb_text,
		.target_text = ev->target_text,
		.pattern = ev->pattern,
		.pattern_origin = origin[0] ? origin : NULL,
	};
	double start = seconds_now();
	int r = store_event_add(c->store, &c->origin, &row);
	c->store_seconds += seconds_now() - start;
	if (r < 0) {
		c->error = r;
		return;
	}
	c->events++;
	c->new_events += (size_t)r;
}

/*
 * The text the coder sees: the headline as its own paragraph, then the summary. Many
 * feeds open the summary with the headline again; coding it twice would double-report.
 */
static void article_text(const struct feed_item *item, struct buf *out)
{
	/* A fallback title is the start of the summary (or the link): not a headline. */
	const char *title = item->title && !item->title_is_fallback ? item->title : "";
	const char *summary = item->summary ? item->summary : "";
	size_t title_len = strlen(title);
	buf_reset(out);
	if (title_len && strncmp(summary, title, title_len) != 0) {
		buf_append(out, title, title_len);
		buf_append_str(out, "\n\n");
	}
	buf_append_str(out, summary);
}

static const char *item_key(const struct feed_item *item)
{
	if (item->id)
		return item->id;
	if (item->link)
		return item->link;
	return item->title;
}

uint64_t ingest_key_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool known(const struct ingest_input *in, uint64_t hash)
{
	return in->known_key_count &&
		bsearch(&hash, in->known_keys, in->known_key_count, sizeof(hash), compare_u64);
}

static int store_items(struct store *store, struct coder *coder, const struct ingest_input *in,
	const struct feed_doc *doc, struct ingest_stats *stats)
{
	struct buf text = {0};
	int r = 0;
	stats->keys = xcalloc(doc->item_count ? doc->item_count : 1, sizeof(*stats->keys));
	stats->key_count = 0;
	for (size_t i = 0; i < doc->item_count; i++) {
		const struct feed_item *item = &doc->items[i];
		const char *key = item_key(item);
		if (!key)
			continue; /* nothing to tell this item from the next poll's copy */
		uint64_t hash = ingest_key_hash(key);
		stats->keys[stats->key_count++] = hash;
		if (known(in, hash))
			continue;
		struct store_article article = {
			.item_key = key,
			.url = item->link,
			.title = item->title,
			.summary = item->summary,
			.published = item->published,
			.published_is_fallback = item->published_is_fallback,
			.fetched = in->now,
		};
		int64_t article_id = 0;
		r = store_article_add(store, in->feed_id, &article, &article_id);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		stats->new_articles++;
		article_text(item, &text);
		struct coding coding = {
			.store = store,
			.origin = {
				.article_id = article_id,
				.feed_id = in->feed_id,
				.url = item->link,
				.feed_url = in->url,
				.published = item->published,
				.added = in->now,
				.doc_len = text.len,
			},
			.event_day = date_days_of(item->published),
		};
		double start = seconds_now();
		int n = coder_code(coder, text.data ? text.data : "", text.len, coding.event_day,
			store_coded_event, &coding);
		stats->code_seconds += seconds_now() - start - coding.store_seconds;
		if (coding.error) {
			r = coding.error;
			break;
		}
		if (n < 0) {
			r = n;
			break;
		}
		stats->events += coding.events;
		stats->new_events += coding.new_events;
		r = 0;
	}
	buf_free(&text);
	return r;
}

int ingest_fetch(struct store *store, struct coder *coder, const struct ingest_input *in,
	struct ingest_stats *ret_stats, char **ret_error)
{
	struct ingest_stats stats = {0};
	struct feed_doc *doc = NULL;
	int r;

	if (in->http_status != 200 && in->http_status != 304) {
		*ret_error = xasprintf("HTTP status %ld", in->http_status);
		ingest_record_failure(store, in->feed_id, in->now, in->http_status, *ret_error);
		return -EPROTO;
	}
	if (in->http_status == 200 && !in->unchanged) {
		struct feed_parse_options options = {
			.url = in->url,
			.content_type = in->content_type,
			.fetch_time = in->now,
		};
		double start = seconds_now();
		r = feed_parse(in->body, in->body_len, &options, &doc);
		stats.parse_seconds = seconds_now() - start;
		if (r < 0) {
			*ret_error = xasprintf("%s", feed_strerror(r));
			ingest_record_failure(store, in->feed_id, in->now, in->http_status, *ret_error);
			return r;
		}
		stats.items = doc->item_count;
		stats.warnings = doc->warning_count;
		stats.ttl_minutes = doc->ttl_minutes;
	}

	r = store_begin(store);
	if (r < 0)
		goto db_fail;
	if (doc) {
		r = store_items(store, coder, in, doc, &stats);
		if (r < 0)
			goto db_fail;
		if (stats.key_count > 1)
			qsort(stats.keys, stats.key_count, sizeof(*stats.keys), compare_u64);
	}
	struct store_fetch_record rec = {
		.time = in->now,
		.http_status = in->http_status,
		.etag = in->etag,
		.last_modified = in->last_modified,
		.feed_title = doc ? doc->title : NULL,
		.site_url = doc ? doc->site_link : NULL,
	};
	r = store_feed_record(store, in->feed_id, &rec);
	if (r < 0)
		goto db_fail;
	if (in->before_commit) {
		r = in->before_commit(store, &stats, in->before_commit_ctx);
		if (r < 0)
			goto db_fail;
	}
	r = store_commit(store);
	if (r < 0)
		goto db_fail;
	feed_doc_free(doc);
	*ret_stats = stats;
	return 0;

db_fail:
	free(stats.keys);
	*ret_error = xasprintf("database: %s", store_errmsg(store));
	store_rollback(store);
	feed_doc_free(doc);
	return r;
}

int ingest_record_failure(struct store *store, int64_t feed_id, int64_t now, long http_status,
	const char *error)
{
	struct store_fetch_record rec = {
		.time = now,
		.http_status = http_status,
		.error = error,
	};
	return store_feed_record(store, feed_id, &rec);
}
