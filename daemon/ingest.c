#include "ingest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "articleurl.h"
#include "buf.h"
#include "coder.h"
#include "date.h"
#include "feed.h"
#include "hash.h"
#include "store.h"
#include "xalloc.h"

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: what a pool thread spent, however the two cores were
 * shared among the pool's threads and the loop meanwhile. */
static double thread_cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

/* The item's link unless it is the feed's home page, which items without a link are
 * given: that tells nothing of which article an item is. NULL for none. */
static const char *own_link(const struct feed_doc *doc, const struct feed_item *item)
{
	if (!item->link || (doc->site_link && strcmp(item->link, doc->site_link) == 0))
		return NULL;
	return item->link;
}

#define FINGERPRINT_SEED 0x6c696e6b7469746cULL

/*
 * What an item shows: its own link (as article_url() stores it), its title, its text and
 * its date, the second thing known_keys knows an item by. An item under a new key with
 * all of these the same is the same article (a site that moved to new ids keeps them; so
 * does a feed that stamps ids, or its links' tracking parameters, per request). 0 when the
 * item lacks a title or a link of its own (the feed's home page, which items without a
 * link are given, tells nothing): a daily "Briefing" with the same text under the home
 * page is a new item each day. *scratch holds the link without its tracking parameters.
 */
static uint64_t fingerprint_of(const struct feed_doc *doc, const struct feed_item *item,
	struct buf *scratch)
{
	const char *link = own_link(doc, item);
	if (!link || !item->title || item->title_is_fallback)
		return 0;
	link = article_url(link, scratch);
	uint64_t h = hash64(link, strlen(link), FINGERPRINT_SEED);
	h = hash64(item->title, strlen(item->title), h);
	if (item->summary)
		h = hash64(item->summary, strlen(item->summary), h);
	if (!item->published_is_fallback)
		h = hash64(&item->published, sizeof(item->published), h);
	return h ? h : 1;
}

/* --- parsing and coding off the loop --- */

/* The coder's text fields, copied into the arena of the document they came from. */
enum { KEPT_SENTENCE, KEPT_SOURCE, KEPT_CODE, KEPT_TARGET, KEPT_SOURCE_TEXT, KEPT_TARGET_TEXT,
	KEPT_VERB_TEXT, KEPT_PATTERN, KEPT_FILE, KEPT_LOCATION, KEPT_FIELDS };

/* What a document's items are known by: the hashes the next fetch will know (sorted), the
 * items by their bytes (sorted by span), and each item's key hash (for items with a key)
 * and fingerprint (fingerprint_of(); 0 for none). */
struct item_keys {
	uint64_t *keys;
	size_t key_count;
	struct ingest_span *spans;
	size_t span_count;
	uint64_t *item_hash;
	uint64_t *fingerprint;
};

enum item_seen { ITEM_NEW, ITEM_KNOWN, ITEM_RENAMED };

/* Whether item i of a document with these keys was in the feed's last stored document:
 * by its key, or under another key with the same fingerprint. */
static enum item_seen item_seen(const struct ingest_input *in, const struct item_keys *k,
	size_t i)
{
	if (known(in, k->item_hash[i]))
		return ITEM_KNOWN;
	return k->fingerprint[i] && known(in, k->fingerprint[i]) ? ITEM_RENAMED : ITEM_NEW;
}

struct ingest_prepared {
	struct feed_doc *doc; /* NULL when the parse failed */
	struct item_keys keys;
	int parse_error;
	int code_error;       /* the first coder error; the ingest fails with it */
	double parse_seconds;
	double code_seconds;
	/* Item i's events are events[first_event[i]] up to events[first_event[i + 1]]; an item
	 * that was known or had no key has none. */
	size_t *first_event;
	size_t *doc_len; /* per item: the length of the text the coder read */
	struct coded_event *events;
	size_t (*text_at)[KEPT_FIELDS]; /* arena offsets, per event, until the pointers are set */
	size_t event_count;
	size_t event_cap;
	struct buf arena;
};

static size_t keep_text(struct buf *arena, const char *text, size_t len)
{
	size_t at = arena->len;
	buf_append(arena, text ? text : "", text ? len : 0);
	buf_append(arena, "", 1);
	return at;
}

static void keep_event(const struct coded_event *ev, void *ctx)
{
	struct ingest_prepared *p = ctx;
	if (p->event_count == p->event_cap) {
		p->event_cap = p->event_cap ? p->event_cap * 2 : 16;
		p->events = xrealloc(p->events, p->event_cap * sizeof(*p->events));
		p->text_at = xrealloc(p->text_at, p->event_cap * sizeof(*p->text_at));
	}
	size_t *at = p->text_at[p->event_count];
	p->events[p->event_count++] = *ev;
	const char *fields[KEPT_FIELDS] = {
		[KEPT_SOURCE] = ev->source, [KEPT_CODE] = ev->event_code, [KEPT_TARGET] = ev->target,
		[KEPT_SOURCE_TEXT] = ev->source_text, [KEPT_TARGET_TEXT] = ev->target_text,
		[KEPT_VERB_TEXT] = ev->verb_text, [KEPT_PATTERN] = ev->pattern,
		[KEPT_FILE] = ev->dict_file, [KEPT_LOCATION] = ev->location,
	};
	at[KEPT_SENTENCE] = keep_text(&p->arena, ev->sentence, ev->sentence_len);
	for (int f = KEPT_SOURCE; f < KEPT_FIELDS; f++)
		at[f] = fields[f] ? keep_text(&p->arena, fields[f], strlen(fields[f])) : SIZE_MAX;
}

/* Points the kept events at their text, once the arena has stopped growing. */
static void settle_events(struct ingest_prepared *p)
{
	for (size_t i = 0; i < p->event_count; i++) {
		struct coded_event *ev = &p->events[i];
		const size_t *at = p->text_at[i];
		const char *text[KEPT_FIELDS];
		for (int f = 0; f < KEPT_FIELDS; f++)
			text[f] = at[f] == SIZE_MAX ? NULL : p->arena.data + at[f];
		ev->sentence = text[KEPT_SENTENCE];
		ev->source = text[KEPT_SOURCE];
		ev->event_code = text[KEPT_CODE];
		ev->target = text[KEPT_TARGET];
		ev->source_text = text[KEPT_SOURCE_TEXT];
		ev->target_text = text[KEPT_TARGET_TEXT];
		ev->verb_text = text[KEPT_VERB_TEXT];
		ev->pattern = text[KEPT_PATTERN];
		ev->dict_file = text[KEPT_FILE];
		ev->location = text[KEPT_LOCATION];
	}
	free(p->text_at);
	p->text_at = NULL;
}

static int compare_span(const void *a, const void *b)
{
	uint64_t x = ((const struct ingest_span *)a)->span, y = ((const struct ingest_span *)b)->span;
	return x < y ? -1 : x > y;
}

static const struct ingest_span *span_find(const struct ingest_input *in, uint64_t span)
{
	struct ingest_span want = {.span = span};
	return in->span_count ? bsearch(&want, in->spans, in->span_count, sizeof(want),
		compare_span) : NULL;
}

static bool span_seen(uint64_t span, void *ctx)
{
	return span_find(ctx, span) != NULL;
}

static void item_keys_make(const struct ingest_input *in, const struct feed_doc *doc,
	struct item_keys *out)
{
	size_t most = doc->item_count + doc->skipped_span_count;
	out->keys = xcalloc(most ? 2 * most : 1, sizeof(*out->keys));
	out->spans = xcalloc(most ? most : 1, sizeof(*out->spans));
	out->item_hash = xcalloc(doc->item_count ? doc->item_count : 1, sizeof(*out->item_hash));
	out->fingerprint = xcalloc(doc->item_count ? doc->item_count : 1, sizeof(*out->fingerprint));
	out->key_count = out->span_count = 0;
	struct buf scratch = {0};
	/* Items left out of the parse as seen before: known, their hashes from last time. */
	for (size_t i = 0; i < doc->skipped_span_count; i++) {
		const struct ingest_span *seen = span_find(in, doc->skipped_spans[i]);
		if (!seen)
			continue; /* not from this input's spans: cannot happen */
		out->keys[out->key_count++] = seen->key;
		if (seen->fingerprint)
			out->keys[out->key_count++] = seen->fingerprint;
		out->spans[out->span_count++] = *seen;
	}
	for (size_t i = 0; i < doc->item_count; i++) {
		const struct feed_item *item = &doc->items[i];
		const char *key = item_key(item);
		if (!key)
			continue; /* nothing to tell this item from the next poll's copy */
		uint64_t hash = ingest_key_hash(key);
		uint64_t fingerprint = fingerprint_of(doc, item, &scratch);
		out->item_hash[i] = hash;
		out->fingerprint[i] = fingerprint;
		out->keys[out->key_count++] = hash;
		if (fingerprint)
			out->keys[out->key_count++] = fingerprint;
		if (item->span)
			out->spans[out->span_count++] =
				(struct ingest_span){item->span, hash, fingerprint};
	}
	buf_free(&scratch);
	if (out->key_count > 1)
		qsort(out->keys, out->key_count, sizeof(*out->keys), compare_u64);
	if (out->span_count > 1)
		qsort(out->spans, out->span_count, sizeof(*out->spans), compare_span);
}

static void item_keys_free(struct item_keys *k)
{
	free(k->keys);
	free(k->spans);
	free(k->item_hash);
	free(k->fingerprint);
	memset(k, 0, sizeof(*k));
}

static int parse_body(const struct ingest_input *in, struct feed_doc **ret_doc, double *seconds)
{
	struct feed_parse_options options = {
		.url = in->url,
		.content_type = in->content_type,
		.fetch_time = in->now,
		.span_seen = span_seen,
		.span_ctx = (void *)in,
	};
	double start = seconds_now();
	int r = feed_parse(in->body, in->body_len, &options, ret_doc);
	*seconds = seconds_now() - start;
	return r;
}

struct ingest_prepared *ingest_prepare(struct coder *coder, const struct ingest_input *in)
{
	struct ingest_prepared *p = xcalloc(1, sizeof(*p));
	double cpu_start = thread_cpu_seconds();
	int r = parse_body(in, &p->doc, &p->parse_seconds);
	p->parse_seconds = thread_cpu_seconds() - cpu_start;
	if (r < 0) {
		p->parse_error = r;
		p->doc = NULL;
		return p;
	}
	/* The keys too, sorted here rather than on the loop. */
	item_keys_make(in, p->doc, &p->keys);
	struct buf text = {0};
	size_t n = p->doc->item_count;
	p->first_event = xcalloc(n + 1, sizeof(*p->first_event));
	p->doc_len = xcalloc(n + 1, sizeof(*p->doc_len));
	cpu_start = thread_cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		p->first_event[i] = p->event_count;
		const struct feed_item *item = &p->doc->items[i];
		if (!item_key(item) || item_seen(in, &p->keys, i) != ITEM_NEW || p->code_error)
			continue;
		article_text(item, &text);
		p->doc_len[i] = text.len;
		int c = coder_code(coder, text.data ? text.data : "", text.len,
			date_days_of(item->published), keep_event, p);
		if (c < 0)
			p->code_error = c;
	}
	p->first_event[n] = p->event_count;
	p->code_seconds = thread_cpu_seconds() - cpu_start;
	buf_free(&text);
	settle_events(p);
	return p;
}

void ingest_prepared_free(struct ingest_prepared *p)
{
	if (!p)
		return;
	feed_doc_free(p->doc);
	item_keys_free(&p->keys);
	free(p->first_event);
	free(p->doc_len);
	free(p->events);
	free(p->text_at);
	buf_free(&p->arena);
	free(p);
}

/* --- storing --- */

static int store_items(struct store *store, struct coder *coder, const struct ingest_input *in,
	const struct feed_doc *doc, const struct item_keys *keys, struct ingest_stats *stats)
{
	const struct ingest_prepared *prepared = in->prepared;
	struct buf text = {0}, cleaned = {0};
	int r = 0;
	for (size_t i = 0; i < doc->item_count; i++) {
		const struct feed_item *item = &doc->items[i];
		const char *key = item_key(item);
		if (!key)
			continue;
		enum item_seen seen = item_seen(in, keys, i);
		if (seen == ITEM_RENAMED)
			stats->renamed++;
		if (seen != ITEM_NEW)
			continue;
		const char *url = item->link ? article_url(item->link, &cleaned) : NULL;
		/* One article listed by several feeds of an outlet is one document: stored
		 * again, its events would count as reported twice. */
		if (own_link(doc, item)) {
			r = store_article_elsewhere(store, in->feed_id, url, in->now);
			if (r < 0)
				break;
			if (r > 0) {
				stats->elsewhere++;
				r = 0;
				continue;
			}
		}
		struct store_article article = {
			.item_key = key,
			.url = url,
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
		struct coding coding = {
			.store = store,
			.origin = {
				.article_id = article_id,
				.feed_id = in->feed_id,
				.url = url,
				.feed_url = in->url,
				.published = item->published,
				.added = in->now,
			},
			.event_day = date_days_of(item->published),
		};
		int n = 0;
		if (prepared) {
			/* coded off the loop: the events only need storing */
			coding.origin.doc_len = prepared->doc_len[i];
			for (size_t e = prepared->first_event[i]; e < prepared->first_event[i + 1]; e++)
				store_coded_event(&prepared->events[e], &coding);
		} else {
			article_text(item, &text);
			coding.origin.doc_len = text.len;
			double start = seconds_now();
			n = coder_code(coder, text.data ? text.data : "", text.len, coding.event_day,
				store_coded_event, &coding);
			stats->code_seconds += seconds_now() - start - coding.store_seconds;
		}
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
	buf_free(&cleaned);
	return r;
}

/* Why a body did not parse. For an HTML page, the feed it names, if it names one: the
 * feed list most likely holds the site's address instead of its feed's. */
static char *parse_error_text(int error, const struct ingest_input *in)
{
	char *feed = error == FEED_ERR_HTML ?
		feed_find_alternate(in->body, in->body_len, in->url) : NULL;
	char *text = feed ? xasprintf("%s; the page names its feed: %s (list that URL instead)",
				    feed_strerror(error), feed) :
			    xstrdup(feed_strerror(error));
	free(feed);
	return text;
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
		const struct ingest_prepared *prepared = in->prepared;
		if (prepared) {
			r = prepared->parse_error;
			doc = prepared->doc;
			stats.parse_seconds = prepared->parse_seconds;
			stats.code_seconds = prepared->code_seconds;
			if (r == 0 && prepared->code_error) {
				*ret_error = xasprintf("coder: %s", strerror(-prepared->code_error));
				ingest_record_failure(store, in->feed_id, in->now, in->http_status,
					*ret_error);
				return prepared->code_error;
			}
		} else {
			r = parse_body(in, &doc, &stats.parse_seconds);
		}
		if (r < 0) {
			*ret_error = parse_error_text(r, in);
			ingest_record_failure(store, in->feed_id, in->now, in->http_status, *ret_error);
			return r;
		}
		stats.items = doc->item_count + doc->skipped_span_count;
		stats.warnings = doc->warning_count;
		stats.ttl_minutes = doc->ttl_minutes;
	}

	struct item_keys keys = {0};
	if (doc && in->prepared) {
		/* made in the pool; the caller keeps the copies */
		const struct item_keys *made = &in->prepared->keys;
		keys.keys = xmemdup(made->keys, (made->key_count ? made->key_count : 1) *
			sizeof(*made->keys));
		keys.key_count = made->key_count;
		keys.spans = xmemdup(made->spans, (made->span_count ? made->span_count : 1) *
			sizeof(*made->spans));
		keys.span_count = made->span_count;
	} else if (doc) {
		item_keys_make(in, doc, &keys);
	}
	stats.keys = keys.keys;
	stats.key_count = keys.key_count;
	stats.spans = keys.spans;
	stats.span_count = keys.span_count;
	r = store_begin(store);
	if (r < 0)
		goto db_fail;
	if (doc) {
		r = store_items(store, coder, in, doc, in->prepared ? &in->prepared->keys : &keys,
			&stats);
		if (r < 0)
			goto db_fail;
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
	free(keys.item_hash);
	free(keys.fingerprint);
	if (!in->prepared)
		feed_doc_free(doc);
	*ret_stats = stats;
	return 0;

db_fail:
	free(stats.keys);
	free(stats.spans);
	free(keys.item_hash);
	free(keys.fingerprint);
	*ret_error = xasprintf("database: %s", store_errmsg(store));
	store_rollback(store);
	if (!in->prepared)
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
