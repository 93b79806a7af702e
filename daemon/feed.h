/*
 * feed: RSS, RDF and Atom documents (later JSON Feed) into plain items.
 *
 * The only module that includes libxml2. Input is hostile: the parser never touches the
 * network, never loads a DTD, expands no entities beyond XML's and HTML's named ones, and
 * caps what it allocates. It recovers what it can from broken documents and reports what
 * it recovered from as warnings. Text fields come out as UTF-8 plain text: entities
 * decoded, HTML stripped, whitespace normalised, paragraph breaks kept as "\n\n" so the
 * coder sees sentence boundaries. Never logs.
 */
#ifndef GEOTRACK_FEED_H
#define GEOTRACK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum feed_format {
	FEED_FORMAT_UNKNOWN,
	FEED_FORMAT_RSS090,
	FEED_FORMAT_RSS091,
	FEED_FORMAT_RSS092,
	FEED_FORMAT_RSS093,
	FEED_FORMAT_RSS094,
	FEED_FORMAT_RSS20,
	FEED_FORMAT_RSS10,  /* RDF */
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_JSON10,
	FEED_FORMAT_JSON11,
};

/* Every string is UTF-8, NUL-terminated, owned by the feed_doc; NULL when absent. */
struct feed_item {
	char *id;            /* guid/id; else "hash:" + hash of link; else of title and date */
	char *title;
	char *link;          /* absolute: resolved against xml:base and the feed URL; without one
				the first enclosure's, else the feed's home page (as miniflux) */
	char *author;
	char *summary;       /* plain text */
	char *content;       /* plain text of the full content, when the feed carries it */
	char **categories;   /* an item without any has the feed's (miniflux) */
	size_t category_count;
	char *language;
	int64_t published;   /* UTC seconds; the fetch time when the item has no date */
	int64_t updated;     /* UTC seconds; 0 when absent */
	bool published_is_fallback; /* true: no usable date in the item, `published` is the fetch time */
	bool title_is_fallback;     /* true: the item has no title; `title` is the start of its
				       summary or content, else its link (as miniflux shows it), so
				       it repeats text found elsewhere and is not worth coding twice */
	uint64_t span;       /* with options.span_seen: the hash of the item's bytes, the feed's
				URL and the start tags around it, the same on the next parse while
				none of them changes; 0 when the item can't be told that way */
};

struct feed_doc {
	enum feed_format format;
	char *title;
	char *site_link;
	char *language;
	unsigned ttl_minutes; /* RSS <ttl>; 0 when absent */
	char *encoding;       /* the encoding the bytes were read in, e.g. "utf-8", "windows-1252" */
	struct feed_item *items;
	size_t item_count;
	char **warnings;      /* what the parser recovered from, one sentence each */
	size_t warning_count;
	uint64_t *skipped_spans; /* the items options.span_seen had seen, left out of `items` */
	size_t skipped_span_count;
};

struct feed_parse_options {
	const char *url;          /* where the document came from; base for relative links; may be NULL */
	const char *content_type; /* the HTTP Content-Type header, charset included; may be NULL */
	const char *content_language; /* the HTTP Content-Language header: the default language; may be NULL */
	int64_t fetch_time;       /* UTC seconds; the fallback for items without dates */
	size_t max_items;         /* 0: the default cap (10,000) */
	/* Items unchanged since the caller's last parse of this feed. When set, every item of
	 * a plainly nested XML document gets the hash of its bytes in their context
	 * (feed_item.span), and an item whose hash this says was seen is left out of the
	 * parse: its hash goes to feed_doc.skipped_spans instead, for the caller to map to
	 * what it made of the item last time. Called from the parsing thread. */
	bool (*span_seen)(uint64_t span, void *ctx);
	void *span_ctx;
};

enum feed_error {
	FEED_ERR_NOT_A_FEED = -1000, /* parsed, but the root is not a feed (e.g. an HTML page) */
	FEED_ERR_HTML = -1001,       /* an HTML page, e.g. a bot challenge, served in place of a feed */
	FEED_ERR_MALFORMED = -1002,  /* nothing could be recovered */
	FEED_ERR_TOO_LARGE = -1003,
};

/*
 * Parses `len` bytes. On success returns 0 and sets *ret_doc (free with feed_doc_free()),
 * even when the document was damaged and only part was recovered (see warnings).
 * On failure returns a negative feed_error; allocation failures abort (xalloc).
 */
int feed_parse(const char *data, size_t len, const struct feed_parse_options *options,
	struct feed_doc **ret_doc);
void feed_doc_free(struct feed_doc *doc);

/*
 * The plain text of an HTML fragment, as feed_parse() makes summaries of it (before it
 * repairs mis-decoded characters); `html` is `len` bytes of UTF-8 without NUL. With `fast`
 * false the text comes from libxml2's HTML parser; with `fast` true from the reader of
 * simple markup that feed_parse() tries first, which must give the same text wherever it
 * takes a fragment, and returns -ENOTSUP where it leaves it to libxml2. For tests and the
 * fuzzer, which compare the two. Returns 0 and sets *ret_text (the caller frees it; NULL
 * when there is no text), or -EINVAL for input that is not UTF-8 or holds a NUL. Never logs.
 */
int feed_html_to_text(const char *html, size_t len, bool fast, char **ret_text);

/*
 * For an HTML page served where a feed was expected (FEED_ERR_HTML): the feed the page
 * names in a <link rel="alternate" type="application/rss+xml"> (or Atom, RDF, JSON Feed)
 * in its first FEED_DISCOVERY_BYTES, resolved against `page_url` (may be NULL). Users
 * list a site's address for its feed's; this is what to list instead. Returns a string to
 * free, or NULL when the page names none.
 */
#define FEED_DISCOVERY_BYTES (256 * 1024)
char *feed_find_alternate(const char *html, size_t len, const char *page_url);

/* A short English description of a feed_error or -errno, for logs and the feeds table. */
const char *feed_strerror(int error);
/* "rss2.0", "atom1.0", ... */
const char *feed_format_name(enum feed_format format);

#endif
