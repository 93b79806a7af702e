/*
 * ingest: one fetched feed document into the database.
 *
 * Parses the body, adds the items the feed has not delivered before, codes each new
 * article (title, then summary) with the coder, and records the fetch on the feed's row,
 * all in one transaction (a savepoint when the caller batches fetches, store_batch_begin()):
 * a reader never sees half an ingest, and a crash or a full disk leaves the database as
 * it was before the fetch. The parse and the coder need no
 * database, so ingest_prepare() can do them first on another thread. Never logs; the
 * caller decides.
 */
#ifndef GEOTRACK_INGEST_H
#define GEOTRACK_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct coder;
struct ingest_stats;
struct ingest_prepared;

/* An item as the feed parser found it in the bytes (feed_item.span), its key's hash and
 * its fingerprint (its own link, title, text and date; 0 for none): the next parse of the
 * feed leaves out the items whose bytes repeat, and these say what they were. */
struct ingest_span {
	uint64_t span;
	uint64_t key;
	uint64_t fingerprint;
};

struct ingest_input {
	int64_t feed_id;
	const char *url;          /* the feed's URL after redirects: base for relative links */
	long http_status;         /* 200 and 304 are successes; anything else is recorded as a failure */
	const char *body;
	size_t body_len;
	const char *content_type; /* may be NULL */
	const char *etag;         /* validators to store for the next conditional GET; may be NULL */
	const char *last_modified;
	int64_t now;              /* UTC seconds: fetch time */
	bool unchanged;           /* a 200 whose body is the one parsed last time: skip the parse */
	/* Hashes of the items of the feed's last stored document, sorted: of each item's
	 * key (ingest_key_hash) and its fingerprint (its own link, title, text and date). An
	 * item whose key is here is stored already and is skipped without a database lookup
	 * (a news feed repeats most of its items on every poll); so is one whose key is new
	 * but whose fingerprint is here: the same article under a new id (a site that moved,
	 * or a feed that stamps ids per request), which would otherwise be stored again. May
	 * be NULL. */
	const uint64_t *known_keys;
	size_t known_key_count;
	/* The items of that document by their bytes, sorted by span: an item whose bytes and
	 * surroundings repeat is not parsed again, its key is taken from here. Only items
	 * whose keys are in known_keys. May be NULL. */
	const struct ingest_span *spans;
	size_t span_count;
	/* The body as ingest_prepare() parsed and coded it for this same input, off the
	 * loop; ingest_fetch() then only stores it. NULL: ingest_fetch() parses and codes. */
	const struct ingest_prepared *prepared;
	/* Called inside the fetch's transaction, after the feed's row is written and before
	 * the commit, so the caller's own records of the fetch (schedule, fetch log) commit or
	 * roll back with the articles. A negative return rolls back and fails the ingest with
	 * the store's message. May be NULL. */
	int (*before_commit)(struct store *store, const struct ingest_stats *stats, void *ctx);
	void *before_commit_ctx;
};

struct ingest_stats {
	size_t items;        /* items in the document */
	size_t new_articles; /* items not seen before, stored */
	size_t elsewhere;    /* items not seen before, whose article another feed stored */
	size_t renamed;      /* items seen before under another key (same fingerprint) */
	size_t events;       /* events coded from the new articles (reports: mentions) */
	size_t new_events;   /* of those, events not reported before */
	size_t warnings;     /* what the parser recovered from */
	unsigned ttl_minutes; /* the feed's <ttl>; 0 when absent or not parsed */
	/* Time in the feed parser and in the coder (storing its events excluded): wall time
	 * when ingest_fetch() did them, the pool thread's CPU time when ingest_prepare() did. */
	double parse_seconds;
	double code_seconds;
	/* With a parsed document: the hashes of its item keys, sorted, for the next fetch's
	 * known_keys (already set when before_commit runs). On success the caller frees
	 * them (free()); NULL otherwise. */
	uint64_t *keys;
	size_t key_count;
	/* Likewise the document's items by their bytes, sorted, for the next fetch's spans
	 * (free() them with the keys). */
	struct ingest_span *spans;
	size_t span_count;
};

/* The hash ingest uses for an item key (64-bit FNV-1a). */
uint64_t ingest_key_hash(const char *key);

/*
 * Stores one fetch. Returns 0 and fills *ret_stats when the document was stored (or was
 * unchanged: 304); on failure returns a negative error with a description in *ret_error
 * (caller frees) — the failure itself is recorded on the feed's row when the database
 * allows it (-ENOSPC and -EBUSY are the database's own failures: nothing was written).
 */
int ingest_fetch(struct store *store, struct coder *coder, const struct ingest_input *input,
	struct ingest_stats *ret_stats, char **ret_error);

/*
 * The part of an ingest that needs no database: parses the body of a 200 and codes the
 * items that `known_keys` does not list, keeping the events for ingest_fetch(). Touches
 * nothing shared but the coder's dictionary (read only), so it runs on any thread with a
 * coder of its own. The result holds pointers into the coder's dictionary: store it
 * before that dictionary is freed. Never fails: a parse error is kept and reported by
 * ingest_fetch().
 */
struct ingest_prepared *ingest_prepare(struct coder *coder, const struct ingest_input *input);
void ingest_prepared_free(struct ingest_prepared *prepared);

/* Records a fetch that produced no document (transport error, HTTP error). */
int ingest_record_failure(struct store *store, int64_t feed_id, int64_t now, long http_status,
	const char *error);

#endif
