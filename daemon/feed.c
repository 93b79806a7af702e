/*
 * feed: from fetched bytes to plain items.
 *
 * The work happens in four steps, each of which bounds what it allocates:
 *  1. decode: pick the encoding (BOM, HTTP charset, XML declaration, UTF-8 if it
 *     validates, else windows-1252) and convert the whole document to UTF-8;
 *  2. sanitize: one pass over the UTF-8 text that removes what libxml2 would stop at or
 *     what is unsafe: the DOCTYPE (its safe literal entities are kept by substituting
 *     them ourselves, so libxml2 never sees a DTD and expands nothing), comments and
 *     processing instructions, characters XML forbids, undeclared HTML entities
 *     (rewritten as character references) and bare ampersands (escaped);
 *  3. parse the result with libxml2 in recover mode without network access;
 *  4. walk the tree for the feed's and items' fields, turning HTML into plain text
 *     with libxml2's HTML parser driven through SAX callbacks (no tree is built).
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "buf.h"
#include "date.h"
#include "feed.h"
#include "hash.h"
#include "xalloc.h"

/* Caps: the document, what one item may hold, and how much we say about it. */
#define FEED_MAX_BYTES (32u << 20)
#define FEED_DEFAULT_MAX_ITEMS 10000
#define FEED_MAX_SHORT_FIELD 8192        /* titles, links, ids, authors, categories */
#define FEED_MAX_LONG_FIELD (512u << 10) /* summaries and contents */
#define FEED_MAX_CATEGORIES 64
#define FEED_MAX_WARNINGS 32
#define FEED_FALLBACK_TITLE 100          /* bytes of text an untitled item shows */
#define FEED_MAX_ENTITIES 64
#define FEED_MAX_ENTITY_VALUE 1024
/* Dates further ahead of the fetch time than this are typos or lies; clamp them. */
#define FEED_FUTURE_SLACK_SECONDS (24 * 3600)
/* libxml2's own limit without XML_PARSE_HUGE is 256; our walks stop there too. */
#define FEED_MAX_DEPTH 256

/* ---------------------------------------------------------------------------------- */
/* Small helpers */

static bool ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(s[i]) != ascii_lower(prefix[i]))
			return false;
	return true;
}

static bool equals_ci(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	while (*a && *b)
		if (ascii_lower(*a++) != ascii_lower(*b++))
			return false;
	return *a == *b;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return avail >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
			(s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static bool utf8_valid(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t pos = 0;
	while (pos < len) {
		/* ASCII runs dominate feeds: skip eight bytes at a time. */
		while (pos + 8 <= len) {
			uint64_t word;
			memcpy(&word, s + pos, 8);
			if (word & 0x8080808080808080ull)
				break;
			pos += 8;
		}
		if (pos >= len)
			break;
		size_t n = utf8_sequence_length(s + pos, len - pos);
		if (n == 0)
			return false;
		pos += n;
	}
	return true;
}

/* Writes cp (at most U+10FFFF) as UTF-8; returns the number of bytes. */
static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static void utf8_append(struct buf *out, uint32_t cp)
{
	char bytes[4];
	buf_append(out, bytes, utf8_encode(cp, bytes));
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void utf8_truncate(char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* ---------------------------------------------------------------------------------- */
/* SHA-256 (FIPS 180-4), for ids of items that carry none: stable across runs and
 * machines, and what miniflux uses for the same purpose. */

struct sha256 {
	uint32_t state[8];
	uint64_t length;
	unsigned char block[64];
	size_t used;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t rotr32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *h, const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h->state[0], b = h->state[1], c = h->state[2], d = h->state[3];
	uint32_t e = h->state[4], f = h->state[5], g = h->state[6], k = h->state[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = k + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h->state[0] += a;
	h->state[1] += b;
	h->state[2] += c;
	h->state[3] += d;
	h->state[4] += e;
	h->state[5] += f;
	h->state[6] += g;
	h->state[7] += k;
}

static void sha256_init(struct sha256 *h)
{
	static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(h->state, initial, sizeof(initial));
	h->length = 0;
	h->used = 0;
}

static void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	h->length += len;
	while (len > 0) {
		size_t take = 64 - h->used < len ? 64 - h->used : len;
		memcpy(h->block + h->used, p, take);
		h->used += take;
		p += take;
		len -= take;
		if (h->used == 64) {
			sha256_block(h, h->block);
			h->used = 0;
		}
	}
}

/* Writes 64 lowercase hex digits and a NUL. */
static void sha256_hex(struct sha256 *h, char out[65])
{
	uint64_t bits = h->length * 8;
	static const unsigned char padding[64] = {0x80};
	sha256_update(h, padding, h->used < 56 ? 56 - h->used : 120 - h->used);
	unsigned char length[8];
	for (int i = 0; i < 8; i++)
		length[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(h, length, 8);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		unsigned char byte = (unsigned char)(h->state[i / 4] >> (24 - 8 * (i % 4)));
		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
	out[64] = '\0';
}

/* ---------------------------------------------------------------------------------- */
/* Parse state shared by the steps */

struct parser {
	const struct feed_parse_options *options;
	struct feed_doc *doc;
	size_t item_cap;       /* allocated entries in doc->items */
	size_t warning_cap;
	size_t warnings_dropped;
	htmlParserCtxtPtr html; /* reused for every HTML fragment of the document */
	struct buf scratch;
	char *feed_author;     /* entries without an author inherit the feed's */
	struct feed_item feed_tags; /* the feed's own categories (in .categories), which every
				       item gets after its own, as miniflux shows them */
	bool items_capped;
	/* With options.span_seen: the span hashes of the items left in the document libxml2
	 * reads, in order, and how many of them parse_item() has met. */
	uint64_t *spans;
	size_t span_count;
	size_t spans_met;
	bool spans_unmatched; /* an item met that is not the next span: spans are not used */
	bool xml_clean;       /* libxml2 found the document well-formed, namespaces too */
};

static void warn(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct parser *p, const char *fmt, ...)
{
	struct feed_doc *doc = p->doc;
	if (doc->warning_count >= FEED_MAX_WARNINGS) {
		p->warnings_dropped++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *message = xvasprintf(fmt, ap);
	va_end(ap);
	doc->warnings = xgrow(doc->warnings, &p->warning_cap, doc->warning_count + 1,
		sizeof(*doc->warnings));
	doc->warnings[doc->warning_count++] = message;
}

/* ---------------------------------------------------------------------------------- */
/* Step 1: the encoding */

/* windows-1252's 0x80..0x9F; the five bytes it leaves undefined map to the C1 controls
 * of the same value, as browsers do, so decoding never fails. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void decode_single_byte(const char *data, size_t len, bool windows1252, struct buf *out)
{
	/* Every byte becomes at most three: one allocation. */
	out->data = xgrow(out->data, &out->cap, out->len + 3 * len + 1, 1);
	const unsigned char *s = (const unsigned char *)data;
	char *to = out->data + out->len;
	for (size_t pos = 0; pos < len; pos++) {
		/* ASCII eight bytes at a time */
		while (pos + 8 <= len) {
			uint64_t word;
			memcpy(&word, s + pos, 8);
			if (word & 0x8080808080808080ull)
				break;
			memcpy(to, &word, 8);
			to += 8;
			pos += 8;
		}
		if (pos >= len)
			break;
		unsigned char c = s[pos];
		if (c < 0x80) {
			*to++ = (char)c;
			continue;
		}
		uint32_t cp = c;
		if (windows1252 && c <= 0x9F)
			cp = cp1252_high[c - 0x80];
		to += utf8_encode(cp, to);
	}
	out->len = (size_t)(to - out->data);
	out->data[out->len] = '\0';
}

static bool ascii_only(const char *data, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t word;
		memcpy(&word, data + i, 8);
		if (word & 0x8080808080808080ull)
			return false;
	}
	for (; i < len; i++)
		if ((unsigned char)data[i] >= 0x80)
			return false;
	return true;
}

/* Converts with iconv; fails on any invalid or incomplete sequence. */
static int decode_iconv(const char *data, size_t len, const char *encoding, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", encoding);
	if (cd == (iconv_t)-1)
		return -EINVAL;
	/* UTF-8 needs at most three bytes per UTF-16 unit or single byte; grow if not. */
	size_t size = len * 2 + 64;
	const size_t limit = (size_t)FEED_MAX_BYTES * 4;
	char *in = (char *)data;
	size_t in_left = len;
	int r = 0;
	out->data = xrealloc(out->data, size);
	out->cap = size;
	out->len = 0;
	for (;;) {
		char *dst = out->data + out->len;
		size_t dst_left = out->cap - out->len - 1; /* room for the NUL */
		size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
		out->len = (size_t)(dst - out->data);
		if (rc != (size_t)-1)
			break;
		if (errno != E2BIG || out->cap >= limit) {
			r = -EILSEQ;
			break;
		}
		out->cap *= 2;
		out->data = xrealloc(out->data, out->cap);
	}
	iconv_close(cd);
	out->data[out->len] = '\0';
	return r;
}

/*
 * Decodes data as `encoding` into out (UTF-8). Returns 0, or 1 when data is already
 * valid UTF-8 and out was left empty (no copy), or -EILSEQ when the bytes are not valid
 * in that encoding, or -EINVAL when we don't know the encoding.
 */
static int decode_as(const char *data, size_t len, const char *encoding, struct buf *out)
{
	buf_reset(out);
	if (equals_ci(encoding, "utf-8") || equals_ci(encoding, "utf8"))
		return utf8_valid(data, len) ? 1 : -EILSEQ;
	if (equals_ci(encoding, "us-ascii") || equals_ci(encoding, "ascii"))
		return ascii_only(data, len) ? 1 : -EILSEQ;
	if (equals_ci(encoding, "windows-1252") || equals_ci(encoding, "cp1252")) {
		decode_single_byte(data, len, true, out);
		return 0;
	}
	if (equals_ci(encoding, "iso-8859-1") || equals_ci(encoding, "latin1") ||
		equals_ci(encoding, "latin-1") || equals_ci(encoding, "iso8859-1")) {
		decode_single_byte(data, len, false, out);
		return 0;
	}
	return decode_iconv(data, len, encoding, out);
}

/* The encoding a byte order mark names, with the mark's length. */
static const char *bom_encoding(const char *data, size_t len, size_t *ret_skip)
{
	const unsigned char *s = (const unsigned char *)data;
	if (len >= 4 && s[0] == 0x00 && s[1] == 0x00 && s[2] == 0xFE && s[3] == 0xFF) {
		*ret_skip = 4;
		return "utf-32be";
	}
	if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0x00 && s[3] == 0x00) {
		*ret_skip = 4;
		return "utf-32le";
	}
	if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		*ret_skip = 2;
		return "utf-16be";
	}
	if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
		*ret_skip = 2;
		return "utf-16le";
	}
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		*ret_skip = 3;
		return "utf-8";
	}
	/* No mark, but "<?" written in a wide encoding says which one (XML 1.0 appendix F). */
	if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == '<')
		return "utf-32be";
	if (len >= 4 && s[0] == '<' && s[1] == 0 && s[2] == 0 && s[3] == 0)
		return "utf-32le";
	if (len >= 4 && s[0] == 0 && s[1] == '<' && s[2] == 0 && s[3] == '?')
		return "utf-16be";
	if (len >= 4 && s[0] == '<' && s[1] == 0 && s[2] == '?' && s[3] == 0)
		return "utf-16le";
	if (len >= 4 && s[0] == 0x4C && s[1] == 0x6F && s[2] == 0xA7 && s[3] == 0x94)
		return "cp037"; /* "<?xm" in EBCDIC */
	return NULL;
}

/* The encoding="..." of an ASCII-compatible XML declaration, into out (lowercase). */
static bool declared_encoding(const char *data, size_t len, char *out, size_t out_size)
{
	size_t pos = 0;
	while (pos < len && pos < 64 && ascii_space((unsigned char)data[pos]))
		pos++;
	if (!prefix_ci(data + pos, len - pos, "<?xml"))
		return false;
	size_t end = pos;
	size_t limit = len < pos + 512 ? len : pos + 512;
	while (end < limit && data[end] != '>')
		end++;
	const char *key = memmem(data + pos, end - pos, "encoding", 8);
	if (!key)
		return false;
	pos = (size_t)(key - data) + 8;
	while (pos < end && (ascii_space((unsigned char)data[pos]) || data[pos] == '='))
		pos++;
	if (pos >= end || (data[pos] != '"' && data[pos] != '\''))
		return false;
	char quote = data[pos++];
	size_t n = 0;
	while (pos < end && data[pos] != quote && n + 1 < out_size) {
		char c = data[pos++];
		if (!(ascii_alpha(c) || ascii_digit(c) || c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
		out[n++] = ascii_lower(c);
	}
	out[n] = '\0';
	return n > 0 && pos < end && data[pos] == quote;
}

/* Splits a Content-Type header into the media type and its charset parameter. */
static void parse_content_type(const char *header, char *type, size_t type_size, char *charset,
	size_t charset_size)
{
	type[0] = charset[0] = '\0';
	if (!header)
		return;
	const char *p = header;
	size_t n = 0;
	while (*p && ascii_space((unsigned char)*p))
		p++;
	while (*p && *p != ';' && !ascii_space((unsigned char)*p) && n + 1 < type_size)
		type[n++] = ascii_lower(*p++);
	type[n] = '\0';
	while (*p) {
		while (*p && *p != ';')
			p++;
		if (!*p)
			break;
		p++;
		while (*p && ascii_space((unsigned char)*p))
			p++;
		if (!prefix_ci(p, strlen(p), "charset"))
			continue;
		p += 7;
		while (*p && ascii_space((unsigned char)*p))
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p && (ascii_space((unsigned char)*p) || *p == '"' || *p == '\''))
			p++;
		n = 0;
		while (*p && *p != ';' && *p != '"' && *p != '\'' && !ascii_space((unsigned char)*p) &&
			n + 1 < charset_size)
			charset[n++] = ascii_lower(*p++);
		charset[n] = '\0';
		break;
	}
}

static bool is_wide_encoding(const char *name)
{
	return prefix_ci(name, strlen(name), "utf-16") || prefix_ci(name, strlen(name), "utf-32") ||
	       prefix_ci(name, strlen(name), "utf16") || prefix_ci(name, strlen(name), "utf32") ||
	       prefix_ci(name, strlen(name), "ucs-2") || prefix_ci(name, strlen(name), "ucs-4") ||
	       prefix_ci(name, strlen(name), "iso-10646-ucs");
}

/*
 * Step 1. Tries the candidates in order and keeps the first that decodes; writes the
 * UTF-8 text to out and the encoding used to doc->encoding.
 */
static int decode_document(struct parser *p, const char *data, size_t len, struct buf *out,
	const char **ret_text, size_t *ret_len)
{
	char media_type[128], http_charset[64], xml_charset[64];
	const char *candidates[8];
	size_t candidate_count = 0;
	size_t skip = 0;

	const char *bom = bom_encoding(data, len, &skip);
	data += skip;
	len -= skip;
	parse_content_type(p->options->content_type, media_type, sizeof(media_type), http_charset,
		sizeof(http_charset));
	bool have_declaration = false;
	if (!bom || !is_wide_encoding(bom))
		have_declaration = declared_encoding(data, len, xml_charset, sizeof(xml_charset));
	/* A wide document that declares "utf-16" or an ASCII one declaring a wide encoding
	 * (impossible: the declaration would not be readable) adds nothing to the BOM. */
	if (have_declaration && is_wide_encoding(xml_charset))
		have_declaration = false;

	/* GB2312 documents routinely use GB18030's extra characters; it is a superset. */
	if (equals_ci(http_charset, "gb2312"))
		strcpy(http_charset, "gb18030");
	if (have_declaration && equals_ci(xml_charset, "gb2312"))
		strcpy(xml_charset, "gb18030");
	if (media_type[0] && !strstr(media_type, "xml") && !strstr(media_type, "json"))
		warn(p, "served as %.64s, which is not a feed's media type", media_type);

	if (bom)
		candidates[candidate_count++] = bom;
	bool text_type = strncmp(media_type, "text/", 5) == 0;
	if (http_charset[0])
		candidates[candidate_count++] = http_charset;
	else if (text_type)
		candidates[candidate_count++] = "us-ascii"; /* RFC 3023's default for text/ */
	if (have_declaration)
		candidates[candidate_count++] = xml_charset;
	candidates[candidate_count++] = "utf-8";
	candidates[candidate_count++] = "windows-1252";

	const char *declared = candidates[0];
	for (size_t i = 0; i < candidate_count; i++) {
		int r = decode_as(data, len, candidates[i], out);
		if (r < 0)
			continue;
		*ret_text = r == 1 ? data : (out->data ? out->data : "");
		*ret_len = r == 1 ? len : out->len;
		p->doc->encoding = xstrdup(candidates[i]);
		if (i > 0 && candidates[0] != candidates[i] && strcmp(declared, "us-ascii") != 0)
			warn(p, "the document is declared as %s but does not decode as such; read as %s",
				declared, candidates[i]);
		return 0;
	}
	return FEED_ERR_MALFORMED; /* unreachable: windows-1252 decodes anything */
}

/* ---------------------------------------------------------------------------------- */
/* Step 2: sanitize */

struct entity {
	char name[64];
	char *value;
};

struct sanitizer {
	size_t entity_count;
	size_t stripped_chars;
	size_t html_entities;
	size_t bare_ampersands;
	size_t unknown_entities;
	size_t dropped_entities; /* declared in the DOCTYPE but unsafe to expand */
	struct entity entities[FEED_MAX_ENTITIES]; /* last: not cleared */
};

static bool name_start_char(char c)
{
	return ascii_alpha(c) || c == '_' || c == ':' || (unsigned char)c >= 0x80;
}

static bool name_char(char c)
{
	return name_start_char(c) || ascii_digit(c) || c == '-' || c == '.';
}

static bool xml_char_allowed(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Reads one <!ENTITY ...> declaration at s (after "<!ENTITY"); keeps it if safe. */
static void sanitize_entity_declaration(struct sanitizer *san, const char *s, size_t len)
{
	size_t pos = 0;
	while (pos < len && ascii_space((unsigned char)s[pos]))
		pos++;
	if (pos < len && s[pos] == '%')
		return; /* parameter entities only matter to a DTD, which we don't load */
	size_t name_start = pos;
	while (pos < len && name_char(s[pos]))
		pos++;
	size_t name_len = pos - name_start;
	while (pos < len && ascii_space((unsigned char)s[pos]))
		pos++;
	if (name_len == 0 || name_len >= sizeof(san->entities[0].name))
		return;
	if (pos >= len || (s[pos] != '"' && s[pos] != '\'')) {
		san->dropped_entities++; /* SYSTEM or PUBLIC: external, never loaded */
		return;
	}
	char quote = s[pos++];
	size_t value_start = pos;
	while (pos < len && s[pos] != quote)
		pos++;
	size_t value_len = pos - value_start;
	const char *value = s + value_start;
	/* Safe: plain text, or exactly one character reference. Anything referring to other
	 * entities (the billion laughs) or containing markup is not expanded. */
	bool char_ref = value_len >= 4 && value[0] == '&' && value[1] == '#' &&
			value[value_len - 1] == ';' && memchr(value + 1, '&', value_len - 1) == NULL;
	bool plain = !memchr(value, '&', value_len) && !memchr(value, '<', value_len) &&
		     !memchr(value, '%', value_len);
	if ((!char_ref && !plain) || value_len > FEED_MAX_ENTITY_VALUE ||
		san->entity_count >= FEED_MAX_ENTITIES) {
		san->dropped_entities++;
		return;
	}
	struct entity *e = &san->entities[san->entity_count++];
	memcpy(e->name, s + name_start, name_len);
	e->name[name_len] = '\0';
	e->value = xstrndup(value, value_len);
}

/*
 * Skips a DOCTYPE declaration starting at s (at "<!DOCTYPE"), collecting the safe
 * entities of its internal subset. Returns the bytes consumed.
 */
static size_t sanitize_doctype(struct sanitizer *san, const char *s, size_t len)
{
	size_t pos = 9;
	char quote = 0;
	bool in_subset = false;
	while (pos < len) {
		char c = s[pos];
		if (quote) {
			if (c == quote)
				quote = 0;
			pos++;
		} else if (c == '"' || c == '\'') {
			quote = c;
			pos++;
		} else if (in_subset && c == '<' && len - pos >= 4 && memcmp(s + pos, "<!--", 4) == 0) {
			const char *end = memmem(s + pos + 4, len - pos - 4, "-->", 3);
			pos = end ? (size_t)(end - s) + 3 : len;
		} else if (in_subset && c == '<' && len - pos >= 8 &&
			   memcmp(s + pos, "<!ENTITY", 8) == 0) {
			size_t end = pos + 8;
			char q = 0;
			while (end < len && (q || s[end] != '>')) {
				if (q && s[end] == q)
					q = 0;
				else if (!q && (s[end] == '"' || s[end] == '\''))
					q = s[end];
				end++;
			}
			sanitize_entity_declaration(san, s + pos + 8, end - pos - 8);
			pos = end < len ? end + 1 : len;
		} else if (c == '[') {
			in_subset = true;
			pos++;
		} else if (c == ']') {
			in_subset = false;
			pos++;
		} else if (c == '>' && !in_subset) {
			return pos + 1;
		} else {
			pos++;
		}
	}
	return len;
}

static const struct entity *sanitizer_entity(const struct sanitizer *san, const char *name,
	size_t len)
{
	for (size_t i = 0; i < san->entity_count; i++)
		if (strlen(san->entities[i].name) == len && memcmp(san->entities[i].name, name, len) == 0)
			return &san->entities[i];
	return NULL;
}

/* Writes text with the characters that would end an attribute value or start markup
 * escaped, so an entity's value can stand anywhere a reference did. */
static void append_escaped(struct buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"': buf_append_str(out, "&#34;"); break;
		case '\'': buf_append_str(out, "&#39;"); break;
		case '>': buf_append_str(out, "&#62;"); break;
		default: buf_append_char(out, *s); break;
		}
	}
}

/* Writes "&#<cp>;" in decimal. */
static void append_char_reference(struct buf *out, uint32_t cp)
{
	char text[16];
	size_t n = sizeof(text);
	text[--n] = ';';
	do {
		text[--n] = (char)('0' + cp % 10);
		cp /= 10;
	} while (cp > 0);
	text[--n] = '#';
	text[--n] = '&';
	buf_append(out, text + n, sizeof(text) - n);
}

/* The length of the reference at s[0] ('&') when libxml2 can read it as it is: a
 * character reference ("&#" or "&#x", at most eight digits) to a character XML allows.
 * 0 otherwise. */
static size_t reference_as_is(const char *s, size_t len)
{
	size_t pos = 1;
	if (pos < len && s[pos] == '#') {
		pos++;
		bool hex = pos < len && s[pos] == 'x';
		if (hex)
			pos++;
		size_t digits_start = pos;
		uint32_t cp = 0;
		while (pos < len && pos - digits_start < 8) {
			char c = s[pos];
			if (ascii_digit(c))
				cp = cp * (hex ? 16 : 10) + (uint32_t)(c - '0');
			else if (hex && ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f')
				cp = cp * 16 + (uint32_t)(ascii_lower(c) - 'a' + 10);
			else
				break;
			pos++;
		}
		if (pos == digits_start || pos >= len || s[pos] != ';' || !xml_char_allowed(cp))
			return 0;
		return pos + 1;
	}
	return 0;
}

/*
 * Handles the '&' at s[0]: keeps XML's own references, rewrites HTML's named ones and
 * declared safe ones, drops references to forbidden characters and escapes the rest.
 * Returns the bytes consumed.
 */
static size_t sanitize_reference(struct sanitizer *san, const char *s, size_t len, struct buf *out)
{
	size_t pos = reference_as_is(s, len);
	if (pos > 0) {
		buf_append(out, s, pos);
		return pos;
	}
	/*
	 * XML's own entities become character references: once a document has shown an error,
	 * libxml2's recovery drops references to entities (so "AT&amp;T" reads "ATT") but keeps
	 * character references; and it reads those with less work. '>' needs no reference at
	 * all, save after "]]", where it would end a CDATA section; escaped HTML has as many
	 * "&gt;" as tags.
	 */
	static const struct {
		char name[8];
		char reference[8];
	} predefined[] = {
		{"&lt;", "&#60;"}, {"&amp;", "&#38;"}, {"&quot;", "&#34;"}, {"&apos;", "&#39;"},
	};
	if (len >= 4 && memcmp(s, "&gt;", 4) == 0) {
		if (out->len >= 2 && out->data[out->len - 1] == ']' && out->data[out->len - 2] == ']')
			buf_append(out, "&#62;", 5);
		else
			buf_append_char(out, '>');
		return 4;
	}
	for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		size_t n = strlen(predefined[i].name);
		if (len >= n && memcmp(s, predefined[i].name, n) == 0) {
			buf_append_str(out, predefined[i].reference);
			return n;
		}
	}
	pos = 1;
	if (pos < len && s[pos] == '#') {
		pos++;
		bool hex = pos < len && (s[pos] == 'x' || s[pos] == 'X');
		if (hex)
			pos++;
		size_t digits_start = pos;
		uint32_t cp = 0;
		while (pos < len && pos - digits_start < 8 &&
			(ascii_digit(s[pos]) ||
				(hex && ((s[pos] >= 'a' && s[pos] <= 'f') || (s[pos] >= 'A' && s[pos] <= 'F'))))) {
			char c = s[pos++];
			uint32_t digit = ascii_digit(c) ? (uint32_t)(c - '0')
					 : (uint32_t)(ascii_lower(c) - 'a' + 10);
			cp = cp * (hex ? 16 : 10) + digit;
		}
		if (pos == digits_start || pos >= len || s[pos] != ';') {
			san->bare_ampersands++;
			buf_append_str(out, "&#38;");
			return 1;
		}
		pos++;
		/* References to C1 controls (&#146;) stay as they are: the text extraction reads
		 * them as windows-1252, after undoing double encodings they may be part of. */
		if (!xml_char_allowed(cp)) {
			san->stripped_chars++;
			return pos;
		}
		if (s[2] == 'X')
			append_char_reference(out, cp); /* XML has no "&#X" */
		else
			buf_append(out, s, pos);
		return pos;
	}
	size_t name_start = pos;
	while (pos < len && pos - name_start < 40 && (ascii_alpha(s[pos]) || ascii_digit(s[pos]) ||
						      s[pos] == '_' || s[pos] == '-' || s[pos] == '.'))
		pos++;
	size_t name_len = pos - name_start;
	if (name_len == 0 || pos >= len || s[pos] != ';' || !ascii_alpha(s[name_start])) {
		san->bare_ampersands++;
		buf_append_str(out, "&#38;");
		return 1;
	}
	const char *name = s + name_start;
	const struct entity *declared = sanitizer_entity(san, name, name_len);
	if (declared) {
		append_escaped(out, declared->value);
		return pos + 1;
	}
	char name_copy[48];
	memcpy(name_copy, name, name_len);
	name_copy[name_len] = '\0';
	const htmlEntityDesc *html = htmlEntityLookup((const xmlChar *)name_copy);
	if (html) {
		san->html_entities++;
		append_char_reference(out, html->value);
		return pos + 1;
	}
	/* Unknown: keep it visible as text, as loose parsers do. */
	san->unknown_entities++;
	buf_append_str(out, "&#38;");
	return 1;
}

/* What the sanitizer must look at: 1 for characters XML forbids (the controls, and 0xEF
 * that may start U+FFFE or U+FFFF), 2 for references, 3 for '!' and '?', which after '<'
 * start the constructs it removes or rewrites. Everything else is copied in runs. */
static const unsigned char sanitize_byte[256] = {
	[0x00 ... 0x08] = 1, [0x0B ... 0x0C] = 1, [0x0E ... 0x1F] = 1, [0xEF] = 1,
	['&'] = 2, ['!'] = 3, ['?'] = 3,
};

/* The end of the run from s[start] that needs nothing done: at a byte the main loop must
 * handle, or at the '<' of "<!" or "<?". References libxml2 can read as they are, and
 * ordinary tags, stay inside the run. */
static size_t sanitize_run(const char *s, size_t start, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t pos = start;
	for (;;) {
		while (pos + 4 <= len && !(sanitize_byte[u[pos]] | sanitize_byte[u[pos + 1]] |
					     sanitize_byte[u[pos + 2]] | sanitize_byte[u[pos + 3]]))
			pos += 4;
		while (pos < len && !sanitize_byte[u[pos]])
			pos++;
		if (pos >= len)
			return pos;
		switch (sanitize_byte[u[pos]]) {
		case 2: {
			size_t n = reference_as_is(s + pos, len - pos);
			if (n == 0)
				return pos;
			pos += n;
			break;
		}
		case 3:
			if (pos > start && u[pos - 1] == '<')
				return pos - 1;
			pos++;
			break;
		default:
			return pos;
		}
	}
}

/* Copies s (no markup handling) dropping characters XML forbids. */
static void copy_stripping(struct sanitizer *san, const char *s, size_t len, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t pos = 0;
	while (pos < len) {
		size_t start = pos;
		while (pos < len && sanitize_byte[u[pos]] != 1)
			pos++;
		buf_append(out, s + start, pos - start);
		if (pos >= len)
			break;
		if (u[pos] == 0xEF && pos + 2 < len && u[pos + 1] == 0xBF &&
			(u[pos + 2] == 0xBE || u[pos + 2] == 0xBF)) {
			san->stripped_chars++;
			pos += 3;
		} else if (u[pos] == 0xEF) {
			buf_append_char(out, (char)u[pos]);
			pos++;
		} else {
			san->stripped_chars++;
			pos++;
		}
	}
}

/* What cdata_as_text() escapes or drops: the bytes sanitize_byte[] marks, and ']'. */
static const unsigned char cdata_byte[256] = {
	[0x00 ... 0x08] = 1, [0x0B ... 0x0C] = 1, [0x0E ... 0x1F] = 1, [0xEF] = 1,
	['<'] = 2, ['&'] = 2, [']'] = 2,
};

/*
 * Writes the content of the CDATA section at s (after "<![CDATA[") as character data;
 * returns the bytes read, its "]]>" included, or 0 (and out as it was) when it does not
 * end. libxml2 makes the same text node of either, but reads character data in runs and
 * CDATA a character at a time, several times slower. '<' and '&' become character
 * references (see sanitize_reference() for why not entities); so do every ']', so that no
 * "]]>" (not allowed in character data) forms with what follows, and a leading '>', so that
 * none forms with what precedes.
 */
static size_t cdata_as_text(struct sanitizer *san, const char *s, size_t len, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t before = out->len, stripped = 0, pos = 0;
	if (len > 0 && s[0] == '>') {
		buf_append(out, "&#62;", 5);
		pos = 1;
	}
	for (;;) {
		size_t start = pos;
		while (pos < len && !cdata_byte[u[pos]])
			pos++;
		/* the run, and room for what replaces the byte after it */
		out->data = xgrow(out->data, &out->cap, out->len + (pos - start) + 6, 1);
		memcpy(out->data + out->len, s + start, pos - start);
		out->len += pos - start;
		if (pos >= len) {
			out->len = before; /* unterminated: libxml2 shall see it as it is */
			out->data[before] = '\0';
			return 0;
		}
		char *to = out->data + out->len;
		unsigned char c = u[pos];
		if (c == ']' && len - pos >= 3 && u[pos + 1] == ']' && u[pos + 2] == '>') {
			out->data[out->len] = '\0';
			san->stripped_chars += stripped;
			return pos + 3;
		}
		if (c == '<' || c == '&' || c == ']') {
			memcpy(to, c == '<' ? "&#60;" : c == '&' ? "&#38;" : "&#93;", 5);
			out->len += 5;
			pos++;
		} else if (c == 0xEF && pos + 2 < len && u[pos + 1] == 0xBF &&
			   (u[pos + 2] == 0xBE || u[pos + 2] == 0xBF)) {
			stripped++;
			pos += 3;
		} else if (c == 0xEF) {
			*to = (char)c;
			out->len++;
			pos++;
		} else {
			stripped++;
			pos++;
		}
	}
}

/* Has the text an element's start tag, i.e. are we past the prolog? */
static bool has_start_tag(const char *s, size_t len)
{
	for (const char *lt = s; (lt = memchr(lt, '<', len - (size_t)(lt - s))); lt++)
		if ((size_t)(lt - s) + 1 < len && name_start_char(lt[1]))
			return true;
	return false;
}

/* Step 2 (see the top of the file). Input is valid UTF-8. */
static void sanitize_document(struct parser *p, const char *s, size_t len, struct buf *out)
{
	struct sanitizer san;
	memset(&san, 0, offsetof(struct sanitizer, entities)); /* the entities are filled as counted */
	size_t pos = 0;
	size_t skipped_text = 0;
	bool in_root = false; /* the root element has started: CDATA is content */
	size_t root_checked = 0; /* bytes of out already searched for the root's start tag */

	buf_reset(out);
	/* Anything before the first '<' (blank lines before the XML declaration, a PHP
	 * warning) would stop libxml2 before it starts. */
	while (pos < len && s[pos] != '<') {
		if (!ascii_space((unsigned char)s[pos]))
			skipped_text++;
		pos++;
	}
	if (skipped_text > 0)
		warn(p, "%zu bytes of text before the first element were dropped", skipped_text);

	/* The result is about as long as the text: one allocation, in the usual case. */
	out->data = xgrow(out->data, &out->cap, len - pos + len / 16 + 64, 1);
	while (pos < len) {
		size_t start = pos;
		pos = sanitize_run(s, pos, len);
		buf_append(out, s + start, pos - start);
		if (pos >= len)
			break;
		const char *at = s + pos;
		size_t left = len - pos;
		unsigned char c = (unsigned char)*at;
		if (c == '<') {
			if (left >= 9 && memcmp(at, "<![CDATA[", 9) == 0) {
				if (!in_root) {
					/* each byte once (the last again: a '<' may end it) */
					in_root = has_start_tag(out->data + root_checked, out->len - root_checked);
					root_checked = out->len > 0 ? out->len - 1 : 0;
				}
				size_t n = in_root ? cdata_as_text(&san, at + 9, left - 9, out) : 0;
				if (n > 0) {
					pos += 9 + n;
				} else {
					/* as libxml2 would see it */
					const char *end = memmem(at + 9, left - 9, "]]>", 3);
					n = end ? (size_t)(end - at) + 3 : left;
					copy_stripping(&san, at, n, out);
					pos += n;
				}
			} else if (left >= 4 && memcmp(at, "<!--", 4) == 0) {
				const char *end = memmem(at + 4, left - 4, "-->", 3);
				pos += end ? (size_t)(end - at) + 3 : left;
			} else if (left >= 2 && at[1] == '?') {
				const char *end = memmem(at + 2, left - 2, "?>", 2);
				pos += end ? (size_t)(end - at) + 2 : left;
			} else if (prefix_ci(at, left, "<!DOCTYPE")) {
				pos += sanitize_doctype(&san, at, left);
			} else {
				buf_append_char(out, '<');
				pos++;
			}
		} else if (c == '&') {
			pos += sanitize_reference(&san, at, left, out);
		} else if (c == 0xEF) {
			if (left >= 3 && (unsigned char)at[1] == 0xBF &&
				((unsigned char)at[2] == 0xBE || (unsigned char)at[2] == 0xBF)) {
				san.stripped_chars++;
				pos += 3;
			} else {
				buf_append_char(out, (char)c);
				pos++;
			}
		} else {
			san.stripped_chars++;
			pos++;
		}
	}

	if (san.stripped_chars)
		warn(p, "%zu characters not allowed in XML (control characters, NULs) were removed",
			san.stripped_chars);
	if (san.html_entities)
		warn(p, "%zu HTML entities not declared in XML were decoded", san.html_entities);
	if (san.bare_ampersands)
		warn(p, "%zu bare '&' were read as text", san.bare_ampersands);
	if (san.unknown_entities)
		warn(p, "%zu references to unknown entities were kept as text", san.unknown_entities);
	if (san.dropped_entities)
		warn(p, "%zu entity declarations (external or recursive) were ignored",
			san.dropped_entities);
	for (size_t i = 0; i < san.entity_count; i++)
		free(san.entities[i].value);
}

/* ---------------------------------------------------------------------------------- */
/* Plain text: whitespace normalised, paragraph breaks kept */

struct text {
	struct buf out;
	size_t max;          /* bytes; further text is dropped */
	bool pending_space;
	int pending_break;   /* 0, 1 ("\n") or 2 ("\n\n") */
	bool truncated;
	int skip_depth;      /* inside <script>/<style>: their text is not content */
};

static void text_break(struct text *t, int level)
{
	if (level > t->pending_break)
		t->pending_break = level;
}

/* ascii_space() as a table: ' ', \t, \n, \v, \f, \r. */
static const unsigned char text_space_byte[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

static bool text_space(unsigned char c)
{
	return text_space_byte[c];
}

/* Appends UTF-8 text, collapsing runs of whitespace into one space. */
static void text_append(struct text *t, const char *s, size_t len)
{
	if (t->skip_depth > 0 || t->truncated || len == 0)
		return;
	/* Collapsing whitespace never lengthens text, and a separator from before this call
	 * adds at most two bytes; the cap bounds the rest. One reservation serves the call. */
	size_t used = t->out.len;
	/* eight more: words are copied eight bytes at a time */
	t->out.data = xgrow(t->out.data, &t->out.cap, used + (len < t->max ? len : t->max) + 11, 1);
	char *out = t->out.data;
	const unsigned char *in = (const unsigned char *)s, *end = in + len;
	if (used + len + 2 <= t->max) {
		/* The cap cannot be reached: no word bookkeeping. Whitespace before the first
		 * word joins what is pending; after it, each run of whitespace becomes one space,
		 * and one left at the end is pending again. */
		while (in < end && text_space(*in)) {
			t->pending_space = true;
			in++;
		}
		if (in == end)
			return;
		if (used > 0) {
			if (t->pending_break == 2) {
				out[used++] = '\n';
				out[used++] = '\n';
			} else if (t->pending_break == 1) {
				out[used++] = '\n';
			} else if (t->pending_space) {
				out[used++] = ' ';
			}
		}
		t->pending_space = false;
		t->pending_break = 0;
		for (;;) {
			/* A word, eight bytes at a time up to the first byte of at most ' ' (the
			 * lowest flag of this test is exact; whitespace is among those bytes) */
			while (end - in >= 8) {
				uint64_t word;
				memcpy(&word, in, 8);
				uint64_t low = (word - UINT64_C(0x2121212121212121)) & ~word &
					       UINT64_C(0x8080808080808080);
				memcpy(out + used, &word, 8);
				if (low == 0) {
					used += 8;
					in += 8;
					continue;
				}
				size_t n = (size_t)__builtin_ctzll(low) / 8;
				used += n;
				in += n;
				break;
			}
			while (in < end && !text_space(*in))
				out[used++] = (char)*in++; /* the word's tail, or a control byte */
			if (in == end)
				break;
			while (in < end && text_space(*in))
				in++;
			if (in == end) {
				t->pending_space = true;
				break;
			}
			out[used++] = ' ';
		}
		t->out.len = used;
		out[used] = '\0';
		return;
	}
	while (in < end) {
		if (text_space(*in)) {
			t->pending_space = true;
			in++;
			continue;
		}
		const unsigned char *word = in;
		while (in < end && !text_space(*in))
			in++;
		if (used > 0) {
			if (t->pending_break == 2) {
				out[used++] = '\n';
				out[used++] = '\n';
			} else if (t->pending_break == 1) {
				out[used++] = '\n';
			} else if (t->pending_space) {
				out[used++] = ' ';
			}
		}
		t->pending_space = false;
		t->pending_break = 0;
		size_t n = (size_t)(in - word);
		if (used + n > t->max) {
			n = t->max > used ? t->max - used : 0;
			while (n > 0 && (word[n] & 0xC0) == 0x80)
				n--;
			memcpy(out + used, word, n);
			used += n;
			t->truncated = true;
			break;
		}
		memcpy(out + used, word, n);
		used += n;
	}
	t->out.len = used;
	out[used] = '\0';
}

/*
 * Text that went through UTF-8 -> read as Latin-1 -> written as UTF-8 ("Ã©" for "é")
 * has only characters below U+0100 whose Latin-1 bytes are valid UTF-8 again. Real text
 * almost never does, so undo it, as feedparser does for UTF-8 documents.
 */
static void repair_double_encoding(char *s)
{
	bool multibyte = false;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c >= 0xC4)
			return; /* a character above U+00FF: not the double-encoding pattern */
		if (*c >= 0xC2)
			multibyte = true;
	}
	if (!multibyte)
		return;
	size_t len = strlen(s), out = 0;
	char *latin1 = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xC2 && i + 1 < len)
			latin1[out++] = (char)(((c & 0x03) << 6) | ((unsigned char)s[++i] & 0x3F));
		else
			latin1[out++] = (char)c;
	}
	latin1[out] = '\0';
	bool changed = false;
	for (size_t i = 0; i < out; i++)
		if ((unsigned char)latin1[i] >= 0x80)
			changed = true;
	if (changed && utf8_valid(latin1, out))
		memcpy(s, latin1, out + 1);
	free(latin1);
}

/* C1 controls (U+0080..U+009F) are never meant as such in feeds: they are windows-1252
 * characters that went through a Latin-1 decoder. Returns a new string or NULL. */
static char *map_c1_controls(const char *s)
{
	const char *c1 = strchr(s, 0xC2);
	while (c1 && !((unsigned char)c1[1] >= 0x80 && (unsigned char)c1[1] <= 0x9F))
		c1 = strchr(c1 + 1, 0xC2);
	if (!c1)
		return NULL;
	struct buf out = {0};
	for (const char *c = s; *c; c++) {
		unsigned char next = (unsigned char)c[1];
		if ((unsigned char)*c == 0xC2 && next >= 0x80 && next <= 0x9F) {
			utf8_append(&out, cp1252_high[next - 0x80]);
			c++;
		} else {
			buf_append_char(&out, *c);
		}
	}
	return buf_steal(&out);
}

/* Returns the text (NULL when empty) and resets the builder. */
static char *text_finish(struct parser *p, struct text *t)
{
	size_t len = t->out.len;
	char *result = len > 0 ? buf_steal(&t->out) : NULL;
	/* Both repairs concern characters above U+007F. */
	if (result && !ascii_only(result, len)) {
		if (p->doc->encoding && strcmp(p->doc->encoding, "utf-8") == 0)
			repair_double_encoding(result);
		char *mapped = map_c1_controls(result);
		if (mapped) {
			free(result);
			result = mapped;
		}
	}
	buf_free(&t->out);
	t->pending_space = false;
	t->pending_break = 0;
	t->truncated = false;
	t->skip_depth = 0;
	return result;
}

/* How an HTML element's start and end change the text: the break it makes (0, 1 for a
 * line, 2 for a paragraph), whether its content is hidden, whether it is a table cell. */
enum {
	HTML_ROLE_BREAK = 3,
	HTML_ROLE_HIDDEN = 4,
	HTML_ROLE_CELL = 8,
};

/* Compares ASCII case-insensitively, as strcmp() orders lowercase names. */
static int strcmp_ci(const char *a, const char *b)
{
	while (*a && ascii_lower(*a) == *b) {
		a++;
		b++;
	}
	return (unsigned char)ascii_lower(*a) - (unsigned char)*b;
}

/* The role of an element by name, in any case; 0 for inline elements. */
static unsigned html_element_role(const char *name)
{
	/* sorted by name */
	static const struct {
		const char *name;
		unsigned char role;
	} roles[] = {
		{"address", 2}, {"article", 2}, {"aside", 2}, {"blockquote", 2}, {"body", 2},
		{"br", 1}, {"caption", 2}, {"center", 2}, {"dd", 2}, {"details", 2}, {"div", 2},
		{"dl", 2}, {"dt", 2}, {"fieldset", 2}, {"figcaption", 2}, {"figure", 2},
		{"footer", 2}, {"form", 2}, {"h1", 2}, {"h2", 2}, {"h3", 2}, {"h4", 2}, {"h5", 2},
		{"h6", 2}, {"head", HTML_ROLE_HIDDEN}, {"header", 2}, {"hr", 2}, {"html", 2},
		{"li", 2}, {"main", 2}, {"nav", 2}, {"noscript", HTML_ROLE_HIDDEN}, {"ol", 2},
		{"p", 2}, {"pre", 2}, {"script", HTML_ROLE_HIDDEN}, {"section", 2},
		{"style", HTML_ROLE_HIDDEN}, {"summary", 2}, {"table", 2}, {"tbody", 2},
		{"td", HTML_ROLE_CELL}, {"template", HTML_ROLE_HIDDEN}, {"tfoot", 2},
		{"th", HTML_ROLE_CELL}, {"thead", 2}, {"tr", 2}, {"ul", 2},
	};
	size_t low = 0, high = sizeof(roles) / sizeof(roles[0]);
	while (low < high) {
		size_t mid = (low + high) / 2;
		int cmp = strcmp_ci(name, roles[mid].name);
		if (cmp == 0)
			return roles[mid].role;
		if (cmp < 0)
			high = mid;
		else
			low = mid + 1;
	}
	return 0;
}

static void text_element_start(struct text *t, unsigned role)
{
	if (role & HTML_ROLE_HIDDEN)
		t->skip_depth++;
	text_break(t, (int)(role & HTML_ROLE_BREAK));
	if (role & HTML_ROLE_CELL)
		t->pending_space = true;
}

static void text_element_end(struct text *t, unsigned role)
{
	if ((role & HTML_ROLE_HIDDEN) && t->skip_depth > 0)
		t->skip_depth--;
	if ((role & HTML_ROLE_BREAK) == 2)
		text_break(t, 2);
}

static void html_sax_start(void *user, const xmlChar *name, const xmlChar **attributes)
{
	(void)attributes;
	text_element_start(user, html_element_role((const char *)name));
}

static void html_sax_end(void *user, const xmlChar *name)
{
	text_element_end(user, html_element_role((const char *)name));
}

static void html_sax_characters(void *user, const xmlChar *chars, int len)
{
	text_append(user, (const char *)chars, (size_t)len);
}

/* ---------------------------------------------------------------------------------- */
/* HTML fragments without the HTML parser */

/*
 * Most summaries are simple markup: paragraphs, links, emphasis, lists, tables, line
 * breaks and character references. For those, html_fast_to_text() makes the calls
 * libxml2's HTML parser (2.9, with the options html_to_text() passes) would make to the
 * html_sax_* callbacks: the same elements opened and closed, implied ones included, and
 * the same characters, so the text is the same byte for byte. It runs no parser context,
 * copies nothing and does not decode character by character, which makes it several times
 * faster. Whatever it does not model it refuses, and the caller runs the HTML parser:
 * processing instructions, declarations, elements known to libxml2 but not in
 * html_elements (html, head, body and meta among them), tags it cannot delimit simply,
 * unterminated comments, control characters, nesting deeper than HTML_FAST_MAX_DEPTH.
 * feed_html_to_text() offers both ways so that tests and the fuzzer can compare them.
 *
 * What libxml2 does, and this models:
 *  - blanks before the first markup and after comments that precede it are skipped;
 *    names are read in lowercase;
 *  - a comment ends at the first "-->" or "--!>" after its "<!--";
 *  - the content of script and style runs to "</" and the element's name, and is
 *    handed over as text (which html_sax_* ignore there), unless it starts with '<';
 *  - a start tag first closes the innermost open element while that is one whose end it
 *    implies (html_elements[].closes); void elements and "<x/>" close at once;
 *  - an end tag closes the innermost open element of its name and those opened inside
 *    it, unless one of these has a higher end priority, in which case it is ignored, as
 *    it is when no element of its name is open;
 *  - text or a reference outside any element opens an implied <p>; blanks do not, unless
 *    a reference follows them or they run to 1,000 bytes (libxml2 hands text over in
 *    pieces of that size and checks each piece);
 *  - a '<' that starts no tag is text, and opens no <p>;
 *  - "&#" reads decimal ("&#x" hex) digits up to ';' or the first other character; a
 *    value XML does not allow yields nothing, not even a <p>; a named reference needs its
 *    ';' and a name in the HTML entity table, or else its '&' is text.
 */

#define HTML_FAST_MAX_DEPTH 64
#define HTML_FAST_MAX_NAME 32
#define HTML_PIECE 1000 /* libxml2's HTML_PARSER_BIG_BUFFER_SIZE */

enum html_element_id {
	HTML_A, HTML_ABBR, HTML_ACRONYM, HTML_ADDRESS, HTML_B, HTML_BIG, HTML_BLOCKQUOTE,
	HTML_BR, HTML_CAPTION, HTML_CENTER, HTML_CITE, HTML_CODE, HTML_COL, HTML_COLGROUP,
	HTML_DD, HTML_DEL, HTML_DFN, HTML_DIV, HTML_DL, HTML_DT, HTML_EM, HTML_FONT, HTML_FORM,
	HTML_H1, HTML_H2, HTML_H3, HTML_H4, HTML_H5, HTML_H6, HTML_HR, HTML_I, HTML_IFRAME,
	HTML_IMG, HTML_INS, HTML_KBD, HTML_LI, HTML_NOSCRIPT, HTML_OBJECT, HTML_OL, HTML_P,
	HTML_PARAM, HTML_PRE, HTML_Q, HTML_S, HTML_SAMP, HTML_SCRIPT, HTML_SMALL, HTML_SPAN,
	HTML_STRIKE, HTML_STRONG, HTML_STYLE, HTML_SUB, HTML_SUP, HTML_TABLE, HTML_TBODY, HTML_TD,
	HTML_TFOOT, HTML_TH, HTML_THEAD, HTML_TR, HTML_TT, HTML_U, HTML_UL, HTML_VAR,
	HTML_ELEMENT_COUNT,
	HTML_OTHER = HTML_ELEMENT_COUNT, /* a name libxml2 does not know: no rules apply */
};

_Static_assert(HTML_ELEMENT_COUNT <= 64, "html_elements[].closes is a 64-bit set");

#define HTML_BIT(name) (UINT64_C(1) << HTML_##name)
#define HTML_HEADINGS \
	(HTML_BIT(H1) | HTML_BIT(H2) | HTML_BIT(H3) | HTML_BIT(H4) | HTML_BIT(H5) | HTML_BIT(H6))

/* libxml2 2.9's rules for these elements, sorted by name. */
static const struct html_element {
	const char *name;
	uint8_t end_priority; /* an end tag closes no open element of higher priority */
	bool empty;           /* void: closed as soon as it is opened */
	uint64_t closes;      /* open elements whose end a start tag of this one implies */
} html_elements[HTML_ELEMENT_COUNT] = {
	[HTML_A] = {"a", 100, false, HTML_BIT(A)},
	[HTML_ABBR] = {"abbr", 100, false, 0},
	[HTML_ACRONYM] = {"acronym", 100, false, 0},
	[HTML_ADDRESS] = {"address", 100, false, HTML_BIT(P) | HTML_BIT(UL)},
	[HTML_B] = {"b", 100, false, 0},
	[HTML_BIG] = {"big", 100, false, 0},
	[HTML_BLOCKQUOTE] = {"blockquote", 100, false, HTML_BIT(P)},
	[HTML_BR] = {"br", 100, true, 0},
	[HTML_CAPTION] = {"caption", 100, false, HTML_BIT(P)},
	[HTML_CENTER] = {"center", 100, false, HTML_BIT(B) | HTML_BIT(FONT) | HTML_BIT(I) | HTML_BIT(P)},
	[HTML_CITE] = {"cite", 100, false, 0},
	[HTML_CODE] = {"code", 100, false, 0},
	[HTML_COL] = {"col", 100, true, HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(P)},
	[HTML_COLGROUP] = {"colgroup", 100, false,
		HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(COLGROUP) | HTML_BIT(P)},
	[HTML_DD] = {"dd", 100, false, HTML_BIT(ADDRESS) | HTML_BIT(DT) | HTML_BIT(P) | HTML_BIT(PRE)},
	[HTML_DEL] = {"del", 100, false, 0},
	[HTML_DFN] = {"dfn", 100, false, 0},
	[HTML_DIV] = {"div", 150, false, HTML_BIT(P)},
	[HTML_DL] = {"dl", 100, false, HTML_BIT(ADDRESS) | HTML_BIT(DT) | HTML_BIT(P) | HTML_BIT(PRE)},
	[HTML_DT] = {"dt", 100, false, HTML_BIT(ADDRESS) | HTML_BIT(DD) | HTML_BIT(P) | HTML_BIT(PRE)},
	[HTML_EM] = {"em", 100, false, 0},
	[HTML_FONT] = {"font", 100, false, 0},
	[HTML_FORM] = {"form", 100, false,
		HTML_BIT(ADDRESS) | HTML_BIT(DL) | HTML_BIT(FORM) | HTML_HEADINGS | HTML_BIT(HR) |
			HTML_BIT(OL) | HTML_BIT(P) | HTML_BIT(PRE) | HTML_BIT(UL)},
	[HTML_H1] = {"h1", 100, false, HTML_BIT(P)},
	[HTML_H2] = {"h2", 100, false, HTML_BIT(P)},
	[HTML_H3] = {"h3", 100, false, HTML_BIT(P)},
	[HTML_H4] = {"h4", 100, false, HTML_BIT(P)},
	[HTML_H5] = {"h5", 100, false, HTML_BIT(P)},
	[HTML_H6] = {"h6", 100, false, HTML_BIT(P)},
	[HTML_HR] = {"hr", 100, true, HTML_BIT(P)},
	[HTML_I] = {"i", 100, false, 0},
	[HTML_IFRAME] = {"iframe", 100, false, 0},
	[HTML_IMG] = {"img", 100, true, 0},
	[HTML_INS] = {"ins", 100, false, 0},
	[HTML_KBD] = {"kbd", 100, false, 0},
	[HTML_LI] = {"li", 100, false,
		HTML_BIT(ADDRESS) | HTML_BIT(DL) | HTML_HEADINGS | HTML_BIT(LI) | HTML_BIT(P) |
			HTML_BIT(PRE)},
	[HTML_NOSCRIPT] = {"noscript", 100, false, 0},
	[HTML_OBJECT] = {"object", 100, false, 0},
	[HTML_OL] = {"ol", 100, false, HTML_BIT(P) | HTML_BIT(UL)},
	[HTML_P] = {"p", 100, false,
		HTML_BIT(B) | HTML_BIT(BIG) | HTML_HEADINGS | HTML_BIT(I) | HTML_BIT(P) | HTML_BIT(S) |
			HTML_BIT(SMALL) | HTML_BIT(STRIKE) | HTML_BIT(TT) | HTML_BIT(U)},
	[HTML_PARAM] = {"param", 100, true, 0},
	[HTML_PRE] = {"pre", 100, false, HTML_BIT(P) | HTML_BIT(UL)},
	[HTML_Q] = {"q", 100, false, 0},
	[HTML_S] = {"s", 100, false, 0},
	[HTML_SAMP] = {"samp", 100, false, 0},
	[HTML_SCRIPT] = {"script", 100, false, 0},
	[HTML_SMALL] = {"small", 100, false, 0},
	[HTML_SPAN] = {"span", 100, false, 0},
	[HTML_STRIKE] = {"strike", 100, false, 0},
	[HTML_STRONG] = {"strong", 100, false, 0},
	[HTML_STYLE] = {"style", 100, false, 0},
	[HTML_SUB] = {"sub", 100, false, 0},
	[HTML_SUP] = {"sup", 100, false, 0},
	[HTML_TABLE] = {"table", 190, false,
		HTML_BIT(A) | HTML_HEADINGS | HTML_BIT(P) | HTML_BIT(PRE)},
	[HTML_TBODY] = {"tbody", 180, false,
		HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(COLGROUP) | HTML_BIT(P) | HTML_BIT(TBODY) |
			HTML_BIT(TD) | HTML_BIT(TFOOT) | HTML_BIT(TH) | HTML_BIT(THEAD) | HTML_BIT(TR)},
	[HTML_TD] = {"td", 160, false,
		HTML_BIT(A) | HTML_BIT(B) | HTML_BIT(FONT) | HTML_BIT(I) | HTML_BIT(P) | HTML_BIT(SPAN) |
			HTML_BIT(TD) | HTML_BIT(TH) | HTML_BIT(U)},
	[HTML_TFOOT] = {"tfoot", 180, false,
		HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(COLGROUP) | HTML_BIT(P) | HTML_BIT(TBODY) |
			HTML_BIT(TD) | HTML_BIT(TH) | HTML_BIT(THEAD) | HTML_BIT(TR)},
	[HTML_TH] = {"th", 160, false,
		HTML_BIT(A) | HTML_BIT(B) | HTML_BIT(FONT) | HTML_BIT(I) | HTML_BIT(P) | HTML_BIT(SPAN) |
			HTML_BIT(TD) | HTML_BIT(TH) | HTML_BIT(U)},
	[HTML_THEAD] = {"thead", 180, false, HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(COLGROUP)},
	[HTML_TR] = {"tr", 170, false,
		HTML_BIT(CAPTION) | HTML_BIT(COL) | HTML_BIT(COLGROUP) | HTML_BIT(P) | HTML_BIT(TD) |
			HTML_BIT(TH) | HTML_BIT(TR)},
	[HTML_TT] = {"tt", 100, false, 0},
	[HTML_U] = {"u", 100, false, 0},
	[HTML_UL] = {"ul", 100, false, HTML_BIT(ADDRESS) | HTML_BIT(OL) | HTML_BIT(P) | HTML_BIT(PRE)},
	[HTML_VAR] = {"var", 100, false, 0},
};

/* The element a lowercase tag name stands for: HTML_OTHER for names libxml2 has no rule
 * for, -1 for those the fast path leaves to the HTML parser. */
static int html_fast_element(const char *name)
{
	size_t low = 0, high = HTML_ELEMENT_COUNT;
	while (low < high) {
		size_t mid = (low + high) / 2;
		int cmp = strcmp(name, html_elements[mid].name);
		if (cmp == 0)
			return (int)mid;
		if (cmp < 0)
			high = mid;
		else
			low = mid + 1;
	}
	/* xmp and listing are missing from libxml2's element table, not from its rules. */
	if (strcmp(name, "xmp") == 0 || strcmp(name, "listing") == 0)
		return -1;
	return htmlTagLookup((const xmlChar *)name) ? -1 : HTML_OTHER;
}

static unsigned html_end_priority(int id)
{
	return id == HTML_OTHER ? 100 : html_elements[id].end_priority;
}

/* IS_BLANK_CH: what libxml2 skips between the parts of a tag. */
static bool html_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool html_name_char(char c)
{
	return ascii_alpha(c) || ascii_digit(c) || c == ':' || c == '-' || c == '_';
}

/* Reads the tag name at s[pos] (an ASCII letter) in lowercase into name; returns its
 * length, or 0 when the fast path does not take it. */
static size_t html_fast_name(const char *s, size_t len, size_t pos, char name[HTML_FAST_MAX_NAME + 1])
{
	size_t n = 0;
	while (pos + n < len && html_name_char(s[pos + n])) {
		if (n >= HTML_FAST_MAX_NAME)
			return 0;
		name[n] = ascii_lower(s[pos + n]);
		n++;
	}
	/* libxml2 reads '.' as part of a name in some places and not in others */
	if (pos + n < len && s[pos + n] == '.')
		return 0;
	name[n] = '\0';
	return n;
}

/* Skips a start tag's attributes from s[pos]; returns the offset of the '>' or of the
 * "/>" that ends the tag, or 0 when the fast path does not take the syntax. */
static size_t html_fast_attributes(const char *s, size_t len, size_t pos)
{
	for (;;) { /* every round consumes at least one byte or returns */
		while (pos < len && html_blank((unsigned char)s[pos]))
			pos++;
		if (pos >= len)
			return 0;
		if (s[pos] == '>' || (s[pos] == '/' && pos + 1 < len && s[pos + 1] == '>'))
			return pos;
		if (!ascii_alpha(s[pos]) && s[pos] != '_' && s[pos] != ':' && s[pos] != '.')
			return 0; /* libxml2 skips such junk up to a blank; leave it to it */
		while (pos < len && (html_name_char(s[pos]) || s[pos] == '.'))
			pos++;
		while (pos < len && html_blank((unsigned char)s[pos]))
			pos++;
		if (pos >= len || s[pos] != '=')
			continue;
		pos++;
		while (pos < len && html_blank((unsigned char)s[pos]))
			pos++;
		if (pos < len && (s[pos] == '"' || s[pos] == '\'')) {
			/* references in the value cannot step over its quote */
			const char *quote = memchr(s + pos + 1, s[pos], len - pos - 1);
			if (!quote)
				return 0;
			pos = (size_t)(quote - s) + 1;
		} else {
			while (pos < len && !html_blank((unsigned char)s[pos]) && s[pos] != '>')
				pos++;
		}
	}
}

/* A comment at s[pos] ("<!--"); returns the offset after it, 0 when it does not end. */
static size_t html_fast_comment(const char *s, size_t len, size_t pos)
{
	for (size_t at = pos + 4; at + 2 < len; at++) {
		const char *dash = memchr(s + at, '-', len - at - 2);
		if (!dash)
			return 0;
		at = (size_t)(dash - s);
		if (s[at + 1] != '-')
			continue;
		if (s[at + 2] == '>')
			return at + 3;
		if (s[at + 2] == '!' && at + 3 < len && s[at + 3] == '>')
			return at + 4;
	}
	return 0;
}

/* The content of script or style from s[pos]: returns the offset of the "</name" that
 * ends it, len when nothing does, 0 when libxml2 would read that end tag as another. */
static size_t html_fast_raw_text(const char *s, size_t len, size_t pos, const char *name)
{
	size_t n = strlen(name);
	size_t end = len;
	for (const char *at = s + pos; (at = memmem(at, len - (size_t)(at - s), "</", 2)); at += 2) {
		end = (size_t)(at - s);
		if (len - end - 2 < n || !prefix_ci(at + 2, n, name)) {
			end = len;
			continue;
		}
		if (end + 2 + n < len && (html_name_char(at[2 + n]) || at[2 + n] == '.'))
			return 0;
		break;
	}
	/* Markup right at the start is read as such: an end tag, or a start tag that may
	 * imply the element's end. */
	if (end > pos && s[pos] == '<')
		return 0;
	return end;
}

struct html_open {
	int id;
	unsigned role;
	char name[HTML_FAST_MAX_NAME + 1];
};

struct html_fast {
	struct text *t;
	struct html_open stack[HTML_FAST_MAX_DEPTH];
	size_t depth;
};

static bool html_fast_open(struct html_fast *h, int id, const char *name)
{
	if (h->depth >= HTML_FAST_MAX_DEPTH)
		return false;
	struct html_open *open = &h->stack[h->depth++];
	open->id = id;
	open->role = html_element_role(name);
	strcpy(open->name, name);
	text_element_start(h->t, open->role);
	return true;
}

static void html_fast_close(struct html_fast *h)
{
	text_element_end(h->t, h->stack[--h->depth].role);
}

/* Text and references outside any element open an implied <p>. */
static void html_fast_paragraph(struct html_fast *h)
{
	if (h->depth == 0)
		html_fast_open(h, HTML_P, "p");
}

/* A start tag at s[pos] ('<' and a letter); returns the offset after it, 0 to give up. */
static size_t html_fast_start_tag(struct html_fast *h, const char *s, size_t len, size_t pos)
{
	char name[HTML_FAST_MAX_NAME + 1];
	size_t n = html_fast_name(s, len, pos + 1, name);
	int id = n ? html_fast_element(name) : -1;
	if (id < 0)
		return 0;
	if (id != HTML_OTHER)
		while (h->depth > 0 && h->stack[h->depth - 1].id != HTML_OTHER &&
			(html_elements[id].closes & (UINT64_C(1) << h->stack[h->depth - 1].id)))
			html_fast_close(h);
	size_t end = html_fast_attributes(s, len, pos + 1 + n);
	if (end == 0 || !html_fast_open(h, id, name))
		return 0;
	if (s[end] == '/') {
		html_fast_close(h);
		return end + 2;
	}
	if (id != HTML_OTHER && html_elements[id].empty)
		html_fast_close(h);
	if (id == HTML_SCRIPT || id == HTML_STYLE) {
		size_t raw_end = html_fast_raw_text(s, len, end + 1, name);
		if (raw_end == 0)
			return 0;
		text_append(h->t, s + end + 1, raw_end - (end + 1));
		return raw_end;
	}
	return end + 1;
}

/* An end tag at s[pos] ("</"); returns the offset after it, 0 to give up. */
static size_t html_fast_end_tag(struct html_fast *h, const char *s, size_t len, size_t pos)
{
	char name[HTML_FAST_MAX_NAME + 1];
	if (pos + 2 >= len || !ascii_alpha(s[pos + 2]))
		return 0;
	size_t n = html_fast_name(s, len, pos + 2, name);
	if (n == 0)
		return 0;
	size_t end = pos + 2 + n;
	while (end < len && html_blank((unsigned char)s[end]))
		end++;
	if (end >= len || s[end] != '>')
		return 0;
	size_t match = h->depth;
	while (match > 0 && strcmp(h->stack[match - 1].name, name) != 0)
		match--;
	if (match == 0)
		return end + 1; /* nothing of that name is open: ignored */
	match--;
	unsigned priority = html_end_priority(h->stack[match].id);
	for (size_t i = match + 1; i < h->depth; i++)
		if (html_end_priority(h->stack[i].id) > priority)
			return end + 1;
	while (h->depth > match)
		html_fast_close(h);
	return end + 1;
}

/* A reference at s[pos] ('&'); returns the offset after it. */
static size_t html_fast_reference(struct html_fast *h, const char *s, size_t len, size_t pos)
{
	char bytes[4];
	if (pos + 1 < len && s[pos + 1] == '#') {
		size_t at = pos + 2;
		bool hex = at < len && (s[at] == 'x' || s[at] == 'X');
		if (hex)
			at++;
		uint32_t value = 0;
		for (; at < len && s[at] != ';'; at++) {
			char c = s[at];
			uint32_t digit;
			if (ascii_digit(c))
				digit = (uint32_t)(c - '0');
			else if (hex && ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f')
				digit = (uint32_t)(ascii_lower(c) - 'a' + 10);
			else
				break;
			if (value < 0x110000)
				value = value * (hex ? 16 : 10) + digit;
		}
		if (at < len && s[at] == ';')
			at++;
		if (xml_char_allowed(value)) {
			html_fast_paragraph(h);
			text_append(h->t, bytes, utf8_encode(value, bytes));
		}
		return at;
	}
	size_t at = pos + 1;
	if (at < len && (ascii_alpha(s[at]) || s[at] == '_' || s[at] == ':')) {
		while (at < len && (html_name_char(s[at]) || s[at] == '.') && at - pos <= 40)
			at++;
		if (at < len && s[at] == ';' && at - pos <= 40) {
			char name[48];
			memcpy(name, s + pos + 1, at - pos - 1);
			name[at - pos - 1] = '\0';
			const htmlEntityDesc *entity = htmlEntityLookup((const xmlChar *)name);
			if (entity) {
				html_fast_paragraph(h);
				text_append(h->t, bytes, utf8_encode(entity->value, bytes));
				return at + 1;
			}
		}
	}
	/* Not a reference: the '&' is text, and what follows is read as such. */
	html_fast_paragraph(h);
	text_append(h->t, "&", 1);
	return pos + 1;
}

/* What ends a run of text for the fast reader: '<' and '&' (2), and what it leaves to
 * libxml2 (1): the controls XML does not allow, and 0xEF that may start U+FFFE or U+FFFF. */
static const unsigned char html_text_byte[256] = {
	[0x00 ... 0x08] = 1, [0x0B ... 0x0C] = 1, [0x0E ... 0x1F] = 1, [0xEF] = 1,
	['<'] = 2, ['&'] = 2,
};

/* The end of the text from s[pos]: the next '<' or '&', or len; SIZE_MAX at a character
 * the fast reader leaves to libxml2, which drops those XML does not allow. */
static size_t html_fast_text_end(const char *s, size_t pos, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (; pos < len; pos++) {
		unsigned char c = u[pos];
		if (!html_text_byte[c])
			continue;
		if (c == '<' || c == '&')
			break;
		if (c != 0xEF || (len - pos >= 3 && u[pos + 1] == 0xBF && u[pos + 2] >= 0xBE))
			return SIZE_MAX; /* controls; U+FFFE, U+FFFF */
	}
	return pos;
}

/* True when the bytes are all IS_BLANK_CH. */
static bool html_all_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!html_blank((unsigned char)s[i]))
			return false;
	return true;
}

/* See the top of this section. Returns false, with t in an unspecified state, when the
 * fragment needs the HTML parser. */
static bool html_fast_to_text(const char *s, size_t len, struct text *t)
{
	struct html_fast h;
	h.t = t;
	h.depth = 0;
	size_t pos = 0;
	bool prolog = true; /* nothing but comments yet */
	while (pos < len && html_blank((unsigned char)s[pos]))
		pos++;
	if (len - pos >= 3 && memcmp(s + pos, "\xEF\xBB\xBF", 3) == 0)
		return false; /* libxml2 drops a leading byte order mark */
	while (pos < len) {
		unsigned char c = (unsigned char)s[pos];
		if (c == '<' && len - pos >= 4 && memcmp(s + pos, "<!--", 4) == 0) {
			pos = html_fast_comment(s, len, pos);
			if (pos == 0)
				return false;
			while (prolog && pos < len && html_blank((unsigned char)s[pos]))
				pos++;
			continue;
		}
		prolog = false;
		if (c == '<') {
			char next = pos + 1 < len ? s[pos + 1] : '\0';
			size_t after;
			if (next == '/')
				after = html_fast_end_tag(&h, s, len, pos);
			else if (ascii_alpha(next))
				after = html_fast_start_tag(&h, s, len, pos);
			else if (next == '!' || next == '?' || next == '_' || next == ':')
				after = 0;
			else {
				text_append(t, "<", 1);
				after = pos + 1;
			}
			if (after == 0)
				return false;
			pos = after;
			continue;
		}
		if (c == '&') {
			pos = html_fast_reference(&h, s, len, pos);
			continue;
		}
		size_t start = pos;
		pos = html_fast_text_end(s, pos, len);
		if (pos == SIZE_MAX)
			return false;
		if (h.depth == 0 && (pos - start >= HTML_PIECE || (pos < len && s[pos] == '&') ||
					    !html_all_blank(s + start, pos - start)))
			html_fast_paragraph(&h);
		text_append(t, s + start, pos - start);
	}
	while (h.depth > 0)
		html_fast_close(&h);
	return true;
}

/* Feeds the HTML fragment through libxml2's HTML parser into t. *ctxt is made on first
 * use and serves the document's other fragments. */
static void html_parse_to_text(htmlParserCtxtPtr *ctxt, const char *html, size_t len,
	struct text *t)
{
	if (len > INT32_MAX)
		return;
	if (!*ctxt) {
		*ctxt = htmlNewParserCtxt();
		if (!*ctxt)
			abort(); /* libxml2 allocation failure: out of memory, as xalloc does */
		xmlSAXHandler *sax = (*ctxt)->sax;
		memset(sax, 0, sizeof(*sax));
		sax->initialized = 1;
		sax->startElement = html_sax_start;
		sax->endElement = html_sax_end;
		sax->characters = html_sax_characters;
		/* cdataBlock stays NULL: libxml2 hands script and style bodies to it */
	}
	(*ctxt)->userData = t;
	htmlDocPtr doc = htmlCtxtReadMemory(*ctxt, html, (int)len, NULL, "UTF-8",
		HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
			HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT);
	if (doc)
		xmlFreeDoc(doc);
	(*ctxt)->userData = NULL;
}

/* The plain text of an HTML fragment (valid UTF-8, no NUL) into t: by the fast path when
 * it takes the fragment, else by libxml2's HTML parser, from where t was. */
static void html_to_text(struct parser *p, const char *html, size_t len, struct text *t)
{
	struct text before = *t;
	if (html_fast_to_text(html, len, t))
		return;
	struct buf out = t->out;
	*t = before;
	t->out.data = out.data;
	t->out.cap = out.cap;
	if (t->out.data)
		t->out.data[t->out.len] = '\0';
	html_parse_to_text(&p->html, html, len, t);
}

/* Plain text of an XHTML (or any XML) subtree, with the same block rules as HTML. */
static void xhtml_to_text(xmlNode *node, struct text *t, int depth)
{
	if (depth > FEED_MAX_DEPTH)
		return;
	for (xmlNode *child = node->children; child; child = child->next) {
		if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
			if (child->content)
				text_append(t, (const char *)child->content, strlen((const char *)child->content));
		} else if (child->type == XML_ELEMENT_NODE) {
			html_sax_start(t, child->name, NULL);
			xhtml_to_text(child, t, depth + 1);
			html_sax_end(t, child->name);
		}
	}
}

/* ---------------------------------------------------------------------------------- */
/* Step 4: the tree */

enum ns {
	NS_NONE,
	NS_RSS090,
	NS_RSS10,
	NS_ATOM10,
	NS_ATOM03,
	NS_RDF,
	NS_DC,
	NS_DCTERMS,
	NS_CONTENT,
	NS_XHTML,
	NS_FEEDBURNER,
	NS_MEDIA,
	NS_ITUNES,
	NS_GOOGLEPLAY,
	NS_ROOT,  /* an unknown namespace, but the root element's: the format's own */
	NS_OTHER,
};

static const struct {
	const char *uri;
	const char *prefix; /* the conventional prefix, for elements whose prefix was never declared */
	enum ns ns;
} known_namespaces[] = {
	{"http://my.netscape.com/rdf/simple/0.9/", NULL, NS_RSS090},
	{"http://purl.org/rss/1.0/", NULL, NS_RSS10},
	{"http://www.w3.org/2005/Atom", "atom", NS_ATOM10},
	{"http://purl.org/atom/ns#", NULL, NS_ATOM03},
	{"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf", NS_RDF},
	{"http://purl.org/dc/elements/1.1/", "dc", NS_DC},
	{"http://purl.org/dc/terms/", "dcterms", NS_DCTERMS},
	{"http://purl.org/rss/1.0/modules/content/", "content", NS_CONTENT},
	{"http://www.w3.org/1999/xhtml", "xhtml", NS_XHTML},
	{"http://rssnamespace.org/feedburner/ext/1.0", "feedburner", NS_FEEDBURNER},
	{"http://search.yahoo.com/mrss/", "media", NS_MEDIA},
	{"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes", NS_ITUNES},
	{"http://www.google.com/schemas/play-podcasts/1.0", "googleplay", NS_GOOGLEPLAY},
};

/* The namespace a URI names, for an element or attribute of the document. */
static enum ns href_ns(const xmlNode *node, const char *href)
{
	for (size_t i = 0; i < sizeof(known_namespaces) / sizeof(known_namespaces[0]); i++)
		if (strcmp(href, known_namespaces[i].uri) == 0)
			return known_namespaces[i].ns;
	/* Atom 1.0 documents sometimes miss the trailing slash or use https. */
	if (strcmp(href, "http://www.w3.org/2005/Atom/") == 0)
		return NS_ATOM10;
	/* RSS 2.0 under a default namespace of its own (UserLand's), or a future version of a
	 * format: the root's namespace is the format's vocabulary. */
	const xmlNode *root = node->doc ? xmlDocGetRootElement(node->doc) : NULL;
	if (root && root->ns && root->ns->href && strcmp((const char *)root->ns->href, href) == 0)
		return NS_ROOT;
	return NS_OTHER;
}

/* The namespace of an element or attribute and its local name. Prefixes that were never
 * declared (common: "dc:" without xmlns:dc) reach us as names with a colon. */
static enum ns node_ns(const xmlNode *node, const char **ret_local)
{
	const char *name = (const char *)node->name;
	*ret_local = name;
	if (node->ns && node->ns->href) {
		/* Elements share their namespace declaration's xmlNs: the answer is kept in its
		 * application field, offset by one so that NULL means not yet known. */
		xmlNs *declaration = node->ns;
		if (declaration->_private)
			return (enum ns)((uintptr_t)declaration->_private - 1);
		enum ns ns = href_ns(node, (const char *)declaration->href);
		declaration->_private = (void *)(uintptr_t)(ns + 1);
		return ns;
	}
	const char *colon = name ? strchr(name, ':') : NULL;
	if (colon) {
		size_t prefix_len = (size_t)(colon - name);
		*ret_local = colon + 1;
		for (size_t i = 0; i < sizeof(known_namespaces) / sizeof(known_namespaces[0]); i++) {
			const char *prefix = known_namespaces[i].prefix;
			if (prefix && strlen(prefix) == prefix_len && memcmp(prefix, name, prefix_len) == 0)
				return known_namespaces[i].ns;
		}
		if (prefix_len == 4 && memcmp(name, "dcterms", 4) == 0)
			return NS_DCTERMS;
		return NS_OTHER;
	}
	return NS_NONE;
}

/* Is this element in the vocabulary of the document's own format? */
static bool is_core(enum ns ns, bool atom)
{
	if (atom)
		return ns == NS_ATOM10 || ns == NS_ATOM03 || ns == NS_NONE || ns == NS_ROOT;
	return ns == NS_NONE || ns == NS_RSS10 || ns == NS_RSS090 || ns == NS_ROOT;
}

static const char *attribute(const xmlNode *node, const char *name)
{
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		if (a->name && strcmp((const char *)a->name, name) == 0 && a->children &&
			a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	}
	return NULL;
}

/* An attribute in a namespace (rdf:about), by local name, whatever the prefix. */
static const char *attribute_ns(const xmlNode *node, enum ns ns, const char *local)
{
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		const char *name;
		if (node_ns((const xmlNode *)a, &name) == ns && strcmp(name, local) == 0 && a->children &&
			a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	}
	return NULL;
}

/* The raw text of an element: its text and CDATA children concatenated. */
static void raw_text(const xmlNode *node, struct buf *out, size_t max)
{
	buf_reset(out);
	for (const xmlNode *child = node->children; child; child = child->next) {
		if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
			child->content) {
			size_t n = strlen((const char *)child->content);
			if (out->len + n > max)
				n = max > out->len ? max - out->len : 0;
			buf_append(out, child->content, n);
		}
	}
	if (!out->data)
		buf_append(out, "", 0);
}

/* The element's text, whitespace trimmed, NULL when empty; capped at max bytes. */
static char *trimmed_text(struct parser *p, const xmlNode *node, size_t max)
{
	raw_text(node, &p->scratch, max);
	const char *s = p->scratch.data;
	size_t len = p->scratch.len;
	while (len > 0 && ascii_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && ascii_space((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	char *text = xstrndup(s, len);
	utf8_truncate(text, max);
	return text;
}

enum text_kind {
	TEXT_PLAIN,      /* as written */
	TEXT_HTML,       /* escaped HTML */
	TEXT_MAYBE_HTML, /* nominally plain, but HTML if it looks like it (RSS titles) */
	TEXT_XHTML,      /* inline XHTML (or other XML) elements */
	TEXT_BASE64,     /* base64 of text that may be HTML (Atom's binary types, mode="base64") */
};

/* Decodes base64 in place, skipping whitespace; stops at padding or anything else. */
static size_t base64_decode(char *s, size_t len)
{
	uint32_t bits = 0;
	int count = 0;
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int value;
		if (c >= 'A' && c <= 'Z')
			value = c - 'A';
		else if (c >= 'a' && c <= 'z')
			value = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			value = c - '0' + 52;
		else if (c == '+' || c == '-')
			value = 62;
		else if (c == '/' || c == '_')
			value = 63;
		else if (ascii_space((unsigned char)c))
			continue;
		else
			break;
		bits = bits << 6 | (uint32_t)value;
		if (++count == 4) {
			s[out++] = (char)(bits >> 16);
			s[out++] = (char)(bits >> 8);
			s[out++] = (char)bits;
			bits = 0;
			count = 0;
		}
	}
	if (count == 2) {
		s[out++] = (char)(bits >> 4);
	} else if (count == 3) {
		s[out++] = (char)(bits >> 10);
		s[out++] = (char)(bits >> 2);
	}
	s[out] = '\0';
	return out;
}

/* Text that has a closing tag or an entity reference is HTML (feedparser's rule). */
static bool looks_like_html(const char *s, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		if (s[i] == '<' && s[i + 1] == '/' && ascii_alpha(s[i + 2]))
			return true;
		if (s[i] == '<' && (s[i + 1] == 'b' || s[i + 1] == 'B') && len - i >= 4 &&
			(s[i + 2] == 'r' || s[i + 2] == 'R') && (s[i + 3] == '>' || s[i + 3] == ' ' || s[i + 3] == '/'))
			return true;
		if (s[i] == '&' && (s[i + 1] == '#' || ascii_alpha(s[i + 1]))) {
			size_t j = i + 2;
			while (j < len && j - i < 12 && (ascii_alpha(s[j]) || ascii_digit(s[j])))
				j++;
			if (j < len && s[j] == ';')
				return true;
		}
	}
	return false;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t len = strlen(s), n = strlen(suffix);
	return len >= n && equals_ci(s + len - n, suffix);
}

/* The Atom text construct's kind from its type (and Atom 0.3's mode) attribute. */
static enum text_kind atom_text_kind(const xmlNode *node, enum text_kind default_kind)
{
	const char *type = attribute(node, "type");
	const char *mode = attribute(node, "mode");
	if (mode && equals_ci(mode, "base64"))
		return TEXT_BASE64;
	if (mode && equals_ci(mode, "xml"))
		return TEXT_XHTML;
	if (!type || !*type)
		return mode && equals_ci(mode, "escaped") ? TEXT_HTML : default_kind;
	if (equals_ci(type, "text") || equals_ci(type, "text/plain"))
		return TEXT_PLAIN;
	if (equals_ci(type, "html") || equals_ci(type, "text/html"))
		return TEXT_HTML;
	if (equals_ci(type, "xhtml") || equals_ci(type, "application/xhtml+xml"))
		return TEXT_XHTML;
	if (prefix_ci(type, strlen(type), "text/"))
		return TEXT_PLAIN;
	if (ends_with_ci(type, "+xml") || ends_with_ci(type, "/xml"))
		return TEXT_XHTML;
	return TEXT_BASE64; /* RFC 4287 4.1.3.3: other media types are base64 */
}

static bool has_element_child(const xmlNode *node)
{
	for (const xmlNode *child = node->children; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* The plain text of an element of the given kind, NULL when empty. */
static char *string_text(struct parser *p, const char *raw, size_t len, enum text_kind kind,
	size_t max);

static char *element_text(struct parser *p, xmlNode *node, enum text_kind kind, size_t max)
{
	struct text t = {.max = max};
	/* Markup left unescaped ("<title>Test: <b>bold</b></title>") is still markup. */
	if (kind == TEXT_XHTML || (kind != TEXT_BASE64 && has_element_child(node))) {
		xhtml_to_text(node, &t, 0);
		return text_finish(p, &t);
	}
	const size_t raw_max = FEED_MAX_LONG_FIELD * 4;
	const xmlNode *only = node->children;
	if (only && !only->next && (only->type == XML_TEXT_NODE || only->type == XML_CDATA_SECTION_NODE) &&
		only->content) {
		/* One text child, the usual case: read it where it is. */
		size_t len = strlen((const char *)only->content);
		return string_text(p, (const char *)only->content, len < raw_max ? len : raw_max, kind, max);
	}
	raw_text(node, &p->scratch, raw_max);
	return string_text(p, p->scratch.data, p->scratch.len, kind, max);
}

/* The plain text of len bytes of the given kind (UTF-8 without NUL), NULL when empty. */
static char *string_text(struct parser *p, const char *raw, size_t len, enum text_kind kind,
	size_t max)
{
	struct text t = {.max = max};
	char *decoded = NULL;
	if (kind == TEXT_BASE64) {
		decoded = xstrndup(raw, len);
		len = base64_decode(decoded, len);
		if (!utf8_valid(decoded, len) || memchr(decoded, '\0', len)) {
			free(decoded);
			return NULL; /* binary content: nothing for a reader */
		}
		raw = decoded;
		kind = TEXT_MAYBE_HTML;
	}
	if (kind == TEXT_MAYBE_HTML)
		kind = looks_like_html(raw, len) ? TEXT_HTML : TEXT_PLAIN;
	if (kind == TEXT_HTML)
		html_to_text(p, raw, len, &t);
	else
		text_append(&t, raw, len);
	free(decoded);
	return text_finish(p, &t);
}

/* Does s start with a URI scheme ("http:", "mailto:")? xmlBuildURI() returns such a
 * reference as it is, after parsing it (and as it is too when it does not parse). */
static bool has_scheme(const char *s, size_t len)
{
	if (len == 0 || !ascii_alpha(s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (s[i] == ':')
			return true;
		if (!ascii_alpha(s[i]) && !ascii_digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return false;
	}
	return false;
}

/* Resolves a link against a base URL (may be NULL); NULL when the link is empty. */
static char *resolve_against(const char *base, const char *href)
{
	size_t len = strlen(href);
	while (len > 0 && ascii_space((unsigned char)*href)) {
		href++;
		len--;
	}
	while (len > 0 && ascii_space((unsigned char)href[len - 1]))
		len--;
	if (len == 0 || len > FEED_MAX_SHORT_FIELD)
		return NULL;
	char *trimmed = xstrndup(href, len);
	if (!base || has_scheme(trimmed, len))
		return trimmed;
	xmlChar *resolved = xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base);
	if (!resolved)
		return trimmed;
	free(trimmed);
	char *result = xstrdup((const char *)resolved);
	xmlFree(resolved);
	utf8_truncate(result, FEED_MAX_SHORT_FIELD);
	return result;
}

/* Resolves a link against the element's xml:base and the document URL. */
static char *resolve_link(xmlNode *node, const char *href)
{
	size_t len = strlen(href);
	while (len > 0 && ascii_space((unsigned char)*href)) {
		href++;
		len--;
	}
	while (len > 0 && ascii_space((unsigned char)href[len - 1]))
		len--;
	if (len == 0 || len > FEED_MAX_SHORT_FIELD)
		return NULL;
	char *trimmed = xstrndup(href, len);
	if (has_scheme(trimmed, len))
		return trimmed; /* what xmlBuildURI() would make of it, whatever the base */
	xmlChar *base = xmlNodeGetBase(node->doc, node);
	if (!base)
		return trimmed;
	xmlChar *resolved = xmlBuildURI((const xmlChar *)trimmed, base);
	xmlFree(base);
	if (!resolved)
		return trimmed;
	free(trimmed);
	char *result = xstrdup((const char *)resolved);
	xmlFree(resolved);
	utf8_truncate(result, FEED_MAX_SHORT_FIELD);
	return result;
}

/* What we collect for an item before deciding its id and dates. */
struct item_draft {
	bool title_seen;
	char *published_text;
	bool published_primary; /* from the format's own element, not dc:date and the like */
	char *updated_text;
	char *guid;
	bool guid_is_link;      /* RSS guid without isPermaLink="false"; Atom ids */
	char *atom_link;        /* rel="alternate" */
	int atom_link_rank;
	char *original_link;    /* feedburner:origLink: the article behind the tracking link */
	char *enclosure;        /* the first enclosure's URL: the link of an item without one */
	struct buf authors;     /* Atom authors, ", "-separated */
	xmlNode *nested[16];    /* items illegally nested in this one, read after it */
	size_t nested_count;
};

static void item_add_category(struct feed_item *item, char *category)
{
	if (!category)
		return;
	if (item->category_count >= FEED_MAX_CATEGORIES) {
		free(category);
		return;
	}
	for (size_t i = 0; i < item->category_count; i++) {
		if (strcmp(item->categories[i], category) == 0) {
			free(category);
			return;
		}
	}
	item->categories = xrealloc(item->categories, (item->category_count + 1) * sizeof(char *));
	item->categories[item->category_count++] = category;
}

static bool is_name(const char *name, const char *want)
{
	/* the first byte settles most comparisons without a call */
	return name[0] == want[0] && strcmp(name, want) == 0;
}

/* The plain text of an attribute value, NULL when empty. */
static char *attribute_text(struct parser *p, const char *value)
{
	if (!value)
		return NULL;
	struct text t = {.max = FEED_MAX_SHORT_FIELD};
	text_append(&t, value, strlen(value));
	return text_finish(p, &t);
}

/* <category>: Atom's term, else the text. */
static void add_category_element(struct parser *p, struct feed_item *list, xmlNode *node)
{
	const char *term = attribute(node, "term");
	if (term)
		item_add_category(list, attribute_text(p, term));
	else
		item_add_category(list, element_text(p, node, TEXT_PLAIN, FEED_MAX_SHORT_FIELD));
}

/* itunes:category and googleplay:category name theirs in a text attribute; iTunes nests
 * subcategories. */
static void add_podcast_categories(struct parser *p, struct feed_item *list, xmlNode *node,
	int depth)
{
	item_add_category(list, attribute_text(p, attribute(node, "text")));
	if (depth >= 2)
		return;
	for (xmlNode *child = node->children; child; child = child->next) {
		const char *name;
		if (child->type == XML_ELEMENT_NODE && node_ns(child, &name) == NS_ITUNES &&
			is_name(name, "category"))
			add_podcast_categories(p, list, child, depth + 1);
	}
}

/* <tags>one, two</tags>, which feedparser reads as a list. */
static void add_tag_list(struct parser *p, struct feed_item *list, xmlNode *node)
{
	char *text = element_text(p, node, TEXT_PLAIN, FEED_MAX_SHORT_FIELD);
	for (char *tag = text, *next; tag && *tag; tag = next) {
		next = strchr(tag, ',');
		size_t len = next ? (size_t)(next - tag) : strlen(tag);
		next = next ? next + 1 : NULL;
		while (len > 0 && ascii_space((unsigned char)*tag)) {
			tag++;
			len--;
		}
		while (len > 0 && ascii_space((unsigned char)tag[len - 1]))
			len--;
		if (len > 0)
			item_add_category(list, xstrndup(tag, len));
	}
	free(text);
}

static void free_categories(struct feed_item *item)
{
	for (size_t c = 0; c < item->category_count; c++)
		free(item->categories[c]);
	free(item->categories);
	item->categories = NULL;
	item->category_count = 0;
}

/* Keeps the first non-NULL value: elements earlier in the priority order win. */
static void set_once(char **field, char *value)
{
	if (!value)
		return;
	if (*field) {
		free(value);
		return;
	}
	*field = value;
}

/* Keeps the last non-NULL value: a repeated element overrides (feedparser's rule). */
static void set_last(char **field, char *value)
{
	if (!value)
		return;
	free(*field);
	*field = value;
}

/*
 * Atom links: an alternate link (rel absent or "alternate") wins, an HTML one first.
 * Returns a rank: lower is better; 0 means not an alternate link.
 */
static int atom_link_rank(const xmlNode *node)
{
	const char *rel = attribute(node, "rel");
	const char *type = attribute(node, "type");
	if (rel && !equals_ci(rel, "alternate"))
		return 0;
	if (!type || equals_ci(type, "text/html") || equals_ci(type, "application/xhtml+xml"))
		return 1;
	return 2;
}

/* An Atom link's target: href, or (seen in the wild) the element's text. */
static char *atom_link_target(struct parser *p, xmlNode *node)
{
	const char *href = attribute(node, "href");
	if (href)
		return resolve_link(node, href);
	char *text = trimmed_text(p, node, FEED_MAX_SHORT_FIELD);
	char *link = text ? resolve_link(node, text) : NULL;
	free(text);
	return link;
}

/* Atom person constructs: the name, else the email. */
static char *atom_person(struct parser *p, xmlNode *node)
{
	char *name = NULL, *email = NULL;
	for (xmlNode *part = node->children; part; part = part->next) {
		const char *part_name;
		if (part->type != XML_ELEMENT_NODE || !is_core(node_ns(part, &part_name), true))
			continue;
		if (strcmp(part_name, "name") == 0)
			set_once(&name, trimmed_text(p, part, FEED_MAX_SHORT_FIELD));
		else if (strcmp(part_name, "email") == 0)
			set_once(&email, trimmed_text(p, part, FEED_MAX_SHORT_FIELD));
	}
	if (name) {
		free(email);
		return name;
	}
	return email;
}

/* Is person one of the names in the ", "-separated list? */
static bool person_listed(const char *list, const char *person)
{
	size_t n = strlen(person);
	for (const char *at = list; at;) {
		if (strncmp(at, person, n) == 0 && (at[n] == '\0' || (at[n] == ',' && at[n + 1] == ' ')))
			return true;
		at = strstr(at, ", ");
		if (at)
			at += 2;
	}
	return false;
}

static void append_person(struct buf *list, char *person)
{
	if (!person)
		return;
	if (list->len + strlen(person) < FEED_MAX_SHORT_FIELD) {
		/* the same person twice (author and dc:creator) reads once */
		bool seen = list->data && person_listed(list->data, person);
		if (!seen) {
			if (list->len)
				buf_append_str(list, ", ");
			buf_append_str(list, person);
		}
	}
	free(person);
}

static void item_parse_child(struct parser *p, struct feed_item *item, struct item_draft *draft,
	xmlNode *child, bool atom)
{
	const char *name;
	enum ns ns = node_ns(child, &name);
	bool core = is_core(ns, atom);

	if ((core || ns == NS_DC) && is_name(name, "title"))
		draft->title_seen = true;
	if (core && is_name(name, "title")) {
		set_once(&item->title, element_text(p, child,
			atom ? atom_text_kind(child, TEXT_PLAIN) : TEXT_MAYBE_HTML, FEED_MAX_SHORT_FIELD));
	} else if (ns == NS_DC && is_name(name, "title")) {
		if (!item->title)
			item->title = element_text(p, child, TEXT_MAYBE_HTML, FEED_MAX_SHORT_FIELD);
	} else if ((core && is_name(name, "link") && (atom || attribute(child, "href"))) ||
		   (ns == NS_ATOM10 && is_name(name, "link"))) {
		const char *rel = attribute(child, "rel");
		if (rel && equals_ci(rel, "enclosure") && !draft->enclosure)
			draft->enclosure = atom_link_target(p, child);
		int rank = atom_link_rank(child);
		if (rank > 0 && (draft->atom_link_rank == 0 || rank < draft->atom_link_rank)) {
			char *link = atom_link_target(p, child);
			if (link) {
				free(draft->atom_link);
				draft->atom_link = link;
				draft->atom_link_rank = rank;
			}
		}
	} else if (core && is_name(name, "link")) {
		if (!item->link) {
			char *text = trimmed_text(p, child, FEED_MAX_SHORT_FIELD);
			if (text) {
				item->link = resolve_link(child, text);
				free(text);
			}
		}
	} else if (!atom && core && is_name(name, "enclosure")) {
		const char *url = attribute(child, "url");
		if (url && !draft->enclosure)
			draft->enclosure = resolve_link(child, url);
	} else if (ns == NS_FEEDBURNER && is_name(name, "origLink")) {
		char *text = trimmed_text(p, child, FEED_MAX_SHORT_FIELD);
		if (text && !draft->original_link)
			draft->original_link = resolve_link(child, text);
		free(text);
	} else if (!atom && core && is_name(name, "guid")) {
		if (!draft->guid) {
			draft->guid = trimmed_text(p, child, FEED_MAX_SHORT_FIELD);
			const char *permalink = attribute(child, "isPermaLink");
			draft->guid_is_link = !permalink || !equals_ci(permalink, "false");
		}
	} else if (atom && core && is_name(name, "id")) {
		if (!draft->guid) {
			draft->guid = trimmed_text(p, child, FEED_MAX_SHORT_FIELD);
			draft->guid_is_link = true;
		}
	} else if (!atom && ((core && (is_name(name, "description") || is_name(name, "summary"))) ||
				    (ns == NS_DC && is_name(name, "description")))) {
		/* The first description-like element is the summary; a second one, when there
		 * is no other content, is the content (feedparser's rule). */
		char *text = element_text(p, child, TEXT_HTML, FEED_MAX_LONG_FIELD);
		if (!item->summary)
			item->summary = text;
		else
			set_once(&item->content, text);
	} else if (atom && core && is_name(name, "summary")) {
		set_once(&item->summary,
			element_text(p, child, atom_text_kind(child, TEXT_PLAIN), FEED_MAX_LONG_FIELD));
	} else if (atom && core && is_name(name, "content")) {
		if (!attribute(child, "src"))
			set_once(&item->content, element_text(p, child,
				atom_text_kind(child, TEXT_PLAIN), FEED_MAX_LONG_FIELD));
	} else if ((ns == NS_CONTENT && is_name(name, "encoded")) ||
		   (!atom && core && is_name(name, "fullitem"))) {
		set_once(&item->content, element_text(p, child, TEXT_HTML, FEED_MAX_LONG_FIELD));
	} else if (ns == NS_XHTML && is_name(name, "body")) {
		set_once(&item->content, element_text(p, child, TEXT_XHTML, FEED_MAX_LONG_FIELD));
	} else if ((!atom && core && is_name(name, "pubDate")) ||
		   (atom && core && (is_name(name, "published") || is_name(name, "issued"))) ||
		   (ns == NS_ATOM10 && is_name(name, "published"))) {
		char *text = trimmed_text(p, child, 256);
		if (text) {
			set_last(&draft->published_text, text);
			draft->published_primary = true;
		}
	} else if ((ns == NS_DC && is_name(name, "date")) ||
		   (ns == NS_DCTERMS && (is_name(name, "issued") || is_name(name, "created"))) ||
		   (atom && core && is_name(name, "created"))) {
		/* second choice after the format's own element, whatever the order */
		if (!draft->published_primary)
			set_last(&draft->published_text, trimmed_text(p, child, 256));
	} else if ((atom && core && (is_name(name, "updated") || is_name(name, "modified"))) ||
		   (ns == NS_ATOM10 && is_name(name, "updated")) ||
		   (ns == NS_DCTERMS && is_name(name, "modified"))) {
		set_last(&draft->updated_text, trimmed_text(p, child, 256));
	} else if (atom && core && is_name(name, "author")) {
		append_person(&draft->authors, atom_person(p, child));
	} else if ((!atom && core && is_name(name, "author")) ||
		   (ns == NS_DC && (is_name(name, "creator") || is_name(name, "author")))) {
		set_once(&item->author, element_text(p, child, TEXT_PLAIN, FEED_MAX_SHORT_FIELD));
	} else if (core && is_name(name, "category")) {
		add_category_element(p, item, child);
	} else if (!atom && core && is_name(name, "tags")) {
		add_tag_list(p, item, child);
	} else if (ns == NS_MEDIA && is_name(name, "category")) {
		/* Media RSS categories are scheme paths; the labelled ones read as tags */
		item_add_category(item, attribute_text(p, attribute(child, "label")));
	} else if (ns == NS_DC && is_name(name, "subject")) {
		item_add_category(item, element_text(p, child, TEXT_PLAIN, FEED_MAX_SHORT_FIELD));
	} else if (ns == NS_DC && is_name(name, "language")) {
		set_once(&item->language, trimmed_text(p, child, 64));
	} else if (!atom && core && is_name(name, "item")) {
		/* An unclosed <item> makes the next one its child; read it as the sibling its
		 * author meant (after this one, as a streaming reader would see it). */
		if (draft->nested_count < sizeof(draft->nested) / sizeof(draft->nested[0]))
			draft->nested[draft->nested_count++] = child;
	}
}

/* Parses a date; a date we can't read is a warning, and the caller falls back. */
static bool item_date(struct parser *p, const char *text, int64_t *ret_time)
{
	if (!text)
		return false;
	if (date_parse(text, strlen(text), ret_time) == 0)
		return true;
	warn(p, "unreadable date \"%.64s\"", text);
	return false;
}

static void item_make_id(struct feed_item *item, const char *date_text)
{
	struct sha256 h;
	char hex[65];
	sha256_init(&h);
	if (item->link) {
		sha256_update(&h, item->link, strlen(item->link));
	} else {
		/* Title, date and summary: the same item hashes the same on every fetch. */
		const char *parts[] = {item->title, date_text, item->summary};
		for (size_t i = 0; i < 3; i++) {
			if (parts[i])
				sha256_update(&h, parts[i], strlen(parts[i]));
			sha256_update(&h, "\n", 1);
		}
	}
	sha256_hex(&h, hex);
	item->id = xasprintf("hash:%s", hex);
}

/* Language tags as BCP 47 writes them: "en_US" is "en-US". */
static void normalize_language(char *language)
{
	for (char *c = language; c && *c; c++)
		if (*c == '_')
			*c = '-';
}

static bool is_web_link(const char *s)
{
	return s && (prefix_ci(s, strlen(s), "http://") || prefix_ci(s, strlen(s), "https://"));
}

static void item_complete(struct parser *p, struct feed_item *item, bool title_seen,
	const char *published_text, const char *updated_text);

/* A new item at the end of doc->items, or NULL past the item cap. */
static struct feed_item *item_new(struct parser *p)
{
	struct feed_doc *doc = p->doc;
	size_t max_items = p->options->max_items ? p->options->max_items : FEED_DEFAULT_MAX_ITEMS;
	if (doc->item_count >= max_items) {
		if (!p->items_capped)
			warn(p, "more than %zu items; the rest were ignored", max_items);
		p->items_capped = true;
		return NULL;
	}
	doc->items = xgrow(doc->items, &p->item_cap, doc->item_count + 1, sizeof(*doc->items));
	struct feed_item *item = &doc->items[doc->item_count];
	memset(item, 0, sizeof(*item));
	return item;
}

static void parse_item(struct parser *p, xmlNode *node, bool atom, int depth)
{
	struct feed_doc *doc = p->doc;
	struct feed_item *item = item_new(p);
	struct item_draft draft = {0};
	if (!item)
		return;
	if (p->spans && depth == 0) {
		/* The spans were found by tags alone: the items libxml2 gives are theirs, in
		 * order, only if every item is an unprefixed <item> or <entry> and none is left
		 * over (checked once the tree is walked). */
		bool named = (!node->ns || !node->ns->prefix) &&
			(strcmp((const char *)node->name, atom ? "entry" : "item") == 0);
		if (named && p->spans_met < p->span_count)
			item->span = p->spans[p->spans_met++];
		else
			p->spans_unmatched = true;
	}

	for (xmlNode *child = node->children; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE)
			item_parse_child(p, item, &draft, child, atom);

	if (draft.authors.len)
		set_last(&item->author, buf_steal(&draft.authors));
	buf_free(&draft.authors);

	/* Links: feedburner's original, the format's own link, Atom's alternate, a
	 * permalink guid or an Atom id that is a web address, the first enclosure (and,
	 * in feed_parse(), the feed's home page). RSS 1.0's rdf:about is the item's id. */
	if (draft.original_link)
		set_last(&item->link, draft.original_link);
	if (!item->link && draft.atom_link) {
		item->link = draft.atom_link;
		draft.atom_link = NULL;
	}
	const char *about = attribute_ns(node, NS_RDF, "about");
	if (!item->link && draft.guid_is_link && is_web_link(draft.guid))
		item->link = resolve_link(node, draft.guid);
	if (!item->link && draft.enclosure) {
		item->link = draft.enclosure; /* a podcast episode is its audio file */
		draft.enclosure = NULL;
	}

	if (draft.guid) {
		item->id = draft.guid;
		draft.guid = NULL;
	} else if (about && *about) {
		item->id = xstrdup(about);
		utf8_truncate(item->id, FEED_MAX_SHORT_FIELD);
	}
	if (!item->language) {
		xmlChar *lang = xmlNodeGetLang(node);
		if (lang && *lang)
			item->language = xstrndup((const char *)lang, 64);
		xmlFree(lang);
	}
	item_complete(p, item, draft.title_seen, draft.published_text, draft.updated_text);
	free(draft.published_text);
	free(draft.updated_text);
	free(draft.guid);
	free(draft.atom_link);
	free(draft.enclosure);
	doc->item_count++;

	if (depth < 16)
		for (size_t i = 0; i < draft.nested_count; i++)
			parse_item(p, draft.nested[i], atom, depth + 1);
}

/* The first line of text, cut at a word boundary near FEED_FALLBACK_TITLE bytes. */
static char *fallback_title(const char *text)
{
	size_t len = strcspn(text, "\n");
	if (len > FEED_FALLBACK_TITLE) {
		size_t cut = FEED_FALLBACK_TITLE;
		while (cut > FEED_FALLBACK_TITLE / 2 && text[cut] != ' ')
			cut--;
		if (text[cut] != ' ')
			cut = FEED_FALLBACK_TITLE;
		len = cut;
	}
	char *title = xstrndup(text, len);
	utf8_truncate(title, len);
	return title;
}

/* What every format does once an item's fields are read: the id when it has none,
 * fallbacks, and the dates. Does not count the item. */
static void item_complete(struct parser *p, struct feed_item *item, bool title_seen,
	const char *published_text, const char *updated_text)
{
	if (!item->id)
		item_make_id(item, published_text ? published_text : updated_text);

	/* feedparser and miniflux both fall back to the content for a missing summary. */
	if (!item->summary && item->content)
		item->summary = xstrdup(item->content);
	/* An item without a title shows the start of its text, else its link. A title that
	 * is there but has no text (only markup) stays empty. */
	if (!item->title && !title_seen) {
		const char *source = item->summary ? item->summary : item->link;
		if (source) {
			item->title = fallback_title(source);
			item->title_is_fallback = true;
		}
	}

	if (!item->author && p->feed_author)
		item->author = xstrdup(p->feed_author);
	normalize_language(item->language);

	int64_t published = 0, updated = 0;
	bool have_published = item_date(p, published_text, &published);
	bool have_updated = item_date(p, updated_text, &updated);
	if (have_updated)
		item->updated = updated;
	if (!have_published && have_updated) {
		published = updated;
		have_published = true;
	}
	int64_t fetch_time = p->options->fetch_time;
	if (!have_published) {
		item->published = fetch_time;
		item->published_is_fallback = true;
	} else if (fetch_time > 0 && published > fetch_time + FEED_FUTURE_SLACK_SECONDS) {
		warn(p, "a date in the future (\"%.64s\") was clamped to the fetch time",
			published_text ? published_text : updated_text);
		item->published = fetch_time;
	} else {
		item->published = published;
	}
}

static void parse_ttl(struct feed_doc *doc, const char *text)
{
	if (!text)
		return;
	unsigned long minutes = 0;
	const char *s = text;
	while (ascii_digit(*s) && minutes < 1000000)
		minutes = minutes * 10 + (unsigned long)(*s++ - '0');
	if (s != text && *s == '\0' && minutes <= 1000000)
		doc->ttl_minutes = (unsigned)minutes;
}

/* The children of an RSS <channel>, or of the root of RSS 1.0/0.9x. */
static void parse_rss_container(struct parser *p, xmlNode *container, int depth)
{
	struct feed_doc *doc = p->doc;
	if (depth > 2)
		return;
	/* The channel's author is needed before its items, wherever it stands. */
	for (xmlNode *child = container->children; child && depth > 0 && !p->feed_author;
		child = child->next) {
		const char *name;
		if (child->type == XML_ELEMENT_NODE && node_ns(child, &name) == NS_DC &&
			is_name(name, "creator"))
			p->feed_author = element_text(p, child, TEXT_PLAIN, FEED_MAX_SHORT_FIELD);
	}
	for (xmlNode *child = container->children; child; child = child->next) {
		if (child->type != XML_ELEMENT_NODE)
			continue;
		const char *name;
		enum ns ns = node_ns(child, &name);
		bool core = is_core(ns, false);
		if (core && is_name(name, "item")) {
			parse_item(p, child, false, 0);
		} else if (core && is_name(name, "channel")) {
			parse_rss_container(p, child, depth + 1);
		} else if (depth == 0) {
			continue; /* at the root of RSS 1.0, only channel and items matter */
		} else if (core && is_name(name, "title")) {
			set_once(&doc->title, element_text(p, child, TEXT_MAYBE_HTML, FEED_MAX_SHORT_FIELD));
		} else if (ns == NS_DC && is_name(name, "title")) {
			if (!doc->title)
				doc->title = element_text(p, child, TEXT_MAYBE_HTML, FEED_MAX_SHORT_FIELD);
		} else if (core && is_name(name, "link") && !attribute(child, "href")) {
			char *text = trimmed_text(p, child, FEED_MAX_SHORT_FIELD);
			if (text && !doc->site_link)
				doc->site_link = resolve_link(child, text);
			free(text);
		} else if (ns == NS_ATOM10 && is_name(name, "link") && !doc->site_link &&
			   atom_link_rank(child) > 0) {
			doc->site_link = atom_link_target(p, child);
		} else if ((core || ns == NS_DC) && is_name(name, "language")) {
			set_once(&doc->language, trimmed_text(p, child, 64));
		} else if (core && is_name(name, "ttl")) {
			char *text = trimmed_text(p, child, 32);
			parse_ttl(doc, text);
			free(text);
		} else if (core && is_name(name, "category")) {
			add_category_element(p, &p->feed_tags, child);
		} else if ((ns == NS_ITUNES || ns == NS_GOOGLEPLAY) && is_name(name, "category")) {
			add_podcast_categories(p, &p->feed_tags, child, 0);
		}
	}
}

static void parse_atom_feed(struct parser *p, xmlNode *root)
{
	struct feed_doc *doc = p->doc;
	int link_rank = 0;
	xmlChar *lang = xmlNodeGetLang(root);
	if (lang && *lang)
		doc->language = xstrndup((const char *)lang, 64);
	xmlFree(lang);
	/* The feed's authors are needed before the entries, wherever they stand. */
	struct buf authors = {0};
	for (xmlNode *child = root->children; child; child = child->next) {
		const char *name;
		if (child->type == XML_ELEMENT_NODE && is_core(node_ns(child, &name), true) &&
			is_name(name, "author"))
			append_person(&authors, atom_person(p, child));
	}
	if (authors.len)
		p->feed_author = buf_steal(&authors);
	buf_free(&authors);
	for (xmlNode *child = root->children; child; child = child->next) {
		if (child->type != XML_ELEMENT_NODE)
			continue;
		const char *name;
		enum ns ns = node_ns(child, &name);
		if (!is_core(ns, true))
			continue;
		if (is_name(name, "entry")) {
			parse_item(p, child, true, 0);
		} else if (is_name(name, "category")) {
			add_category_element(p, &p->feed_tags, child);
		} else if (is_name(name, "title")) {
			set_once(&doc->title, element_text(p, child, atom_text_kind(child, TEXT_PLAIN),
						      FEED_MAX_SHORT_FIELD));
		} else if (is_name(name, "link")) {
			int rank = atom_link_rank(child);
			if (rank > 0 && (link_rank == 0 || rank < link_rank)) {
				char *link = atom_link_target(p, child);
				if (link) {
					free(doc->site_link);
					doc->site_link = link;
					link_rank = rank;
				}
			}
		}
	}
}

/* Names the root as a format, or FEED_FORMAT_UNKNOWN. */
static enum feed_format root_format(xmlNode *root)
{
	const char *name;
	enum ns ns = node_ns(root, &name);
	if (strcmp(name, "rss") == 0) {
		const char *version = attribute(root, "version");
		if (!version)
			return FEED_FORMAT_RSS20;
		if (strcmp(version, "0.90") == 0)
			return FEED_FORMAT_RSS090;
		if (strcmp(version, "0.91") == 0)
			return FEED_FORMAT_RSS091;
		if (strcmp(version, "0.92") == 0)
			return FEED_FORMAT_RSS092;
		if (strcmp(version, "0.93") == 0)
			return FEED_FORMAT_RSS093;
		if (strcmp(version, "0.94") == 0)
			return FEED_FORMAT_RSS094;
		return FEED_FORMAT_RSS20;
	}
	if (strcmp(name, "RDF") == 0 && (ns == NS_RDF || ns == NS_NONE || ns == NS_OTHER)) {
		for (xmlNode *child = root->children; child; child = child->next) {
			const char *child_name;
			if (child->type == XML_ELEMENT_NODE && node_ns(child, &child_name) == NS_RSS090)
				return FEED_FORMAT_RSS090;
		}
		return FEED_FORMAT_RSS10;
	}
	if (strcmp(name, "feed") == 0) {
		if (ns == NS_ATOM03)
			return FEED_FORMAT_ATOM03;
		const char *version = attribute(root, "version");
		if (ns != NS_ATOM10 && version && strcmp(version, "0.3") == 0)
			return FEED_FORMAT_ATOM03;
		return FEED_FORMAT_ATOM10;
	}
	if (strcmp(name, "channel") == 0)
		return FEED_FORMAT_RSS091; /* a bare channel: early UserLand-era documents */
	return FEED_FORMAT_UNKNOWN;
}

/* ---------------------------------------------------------------------------------- */
/* JSON Feed 1.0 and 1.1, through jansson: Debian's well-kept JSON library, whose
 * decoder caps nesting depth, rejects invalid UTF-8 and never touches the network. */

/* A JSON string member, or NULL. */
static const char *json_member_string(json_t *object, const char *key)
{
	return json_string_value(json_object_get(object, key));
}

/* A JSON string member as plain text of the given kind, or NULL. */
static char *json_member_text(struct parser *p, json_t *object, const char *key,
	enum text_kind kind, size_t max)
{
	const char *value = json_member_string(object, key);
	return value ? string_text(p, value, strlen(value), kind, max) : NULL;
}

/* JSON Feed 1.1's "authors" then 1.0's "author", names joined with ", ". */
static char *json_authors(struct parser *p, json_t *object)
{
	struct buf names = {0};
	json_t *authors = json_object_get(object, "authors");
	size_t index;
	json_t *author;
	if (json_is_object(authors)) /* one author where a list belongs, as feeds do */
		append_person(&names, json_member_text(p, authors, "name", TEXT_PLAIN, FEED_MAX_SHORT_FIELD));
	json_array_foreach(authors, index, author) {
		if (index >= 64)
			break;
		append_person(&names, json_member_text(p, author, "name", TEXT_PLAIN, FEED_MAX_SHORT_FIELD));
	}
	append_person(&names,
		json_member_text(p, json_object_get(object, "author"), "name", TEXT_PLAIN,
			FEED_MAX_SHORT_FIELD));
	char *result = names.len ? buf_steal(&names) : NULL;
	buf_free(&names);
	return result;
}

static void json_item(struct parser *p, json_t *object)
{
	if (!json_is_object(object))
		return;
	struct feed_item *item = item_new(p);
	if (!item)
		return;
	const char *base = p->options->url;

	json_t *id = json_object_get(object, "id");
	if (json_is_string(id) && json_string_length(id) > 0) {
		item->id = xstrndup(json_string_value(id), FEED_MAX_SHORT_FIELD);
		utf8_truncate(item->id, FEED_MAX_SHORT_FIELD);
	} else if (json_is_integer(id)) {
		item->id = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
	}
	const char *url = json_member_string(object, "url");
	if (!url || !*url)
		url = json_member_string(object, "external_url");
	item->link = url ? resolve_against(base, url) : NULL;
	item->title = json_member_text(p, object, "title", TEXT_PLAIN, FEED_MAX_SHORT_FIELD);
	item->summary = json_member_text(p, object, "summary", TEXT_PLAIN, FEED_MAX_LONG_FIELD);
	item->content = json_member_text(p, object, "content_html", TEXT_HTML, FEED_MAX_LONG_FIELD);
	if (!item->content)
		item->content = json_member_text(p, object, "content_text", TEXT_PLAIN, FEED_MAX_LONG_FIELD);
	item->author = json_authors(p, object);
	item->language = json_member_text(p, object, "language", TEXT_PLAIN, 64);
	json_t *tags = json_object_get(object, "tags");
	size_t index;
	json_t *tag;
	json_array_foreach(tags, index, tag) {
		if (json_is_string(tag))
			item_add_category(item, string_text(p, json_string_value(tag),
							 strlen(json_string_value(tag)), TEXT_PLAIN,
							 FEED_MAX_SHORT_FIELD));
	}
	bool title_seen = json_is_string(json_object_get(object, "title"));
	if (!item->title && !title_seen && !item->summary) {
		/* An untitled item shows the start of its plain text, which JSON Feed may carry
		 * beside its HTML (miniflux's choice); item_complete() falls back otherwise. */
		char *text = json_member_text(p, object, "content_text", TEXT_PLAIN, FEED_MAX_LONG_FIELD);
		if (text) {
			item->title = fallback_title(text);
			item->title_is_fallback = true;
			free(text);
		}
	}
	item_complete(p, item, title_seen,
		json_member_string(object, "date_published"),
		json_member_string(object, "date_modified"));
	p->doc->item_count++;
}

static int parse_json(struct parser *p, const char *text, size_t len)
{
	struct feed_doc *doc = p->doc;
	json_error_t error;
	json_t *root = json_loadb(text, len, 0, &error);
	int r = 0;
	if (!root) {
		r = FEED_ERR_MALFORMED;
		goto done;
	}
	const char *version = json_member_string(root, "version");
	json_t *items = json_object_get(root, "items");
	if (!json_is_object(root) || (!version && !json_is_array(items))) {
		r = FEED_ERR_NOT_A_FEED;
		goto done;
	}
	doc->format = version && strstr(version, "jsonfeed.org/version/1.1") ? FEED_FORMAT_JSON11
		      : version && strstr(version, "jsonfeed.org/version/1")  ? FEED_FORMAT_JSON10
									       : FEED_FORMAT_JSON11;
	doc->title = json_member_text(p, root, "title", TEXT_PLAIN, FEED_MAX_SHORT_FIELD);
	const char *home = json_member_string(root, "home_page_url");
	doc->site_link = home ? resolve_against(p->options->url, home) : NULL;
	doc->language = json_member_text(p, root, "language", TEXT_PLAIN, 64);
	p->feed_author = json_authors(p, root);
	size_t index;
	json_t *item;
	json_array_foreach(items, index, item)
		json_item(p, item);
done:
	json_decref(root);
	return r;
}

/* ---------------------------------------------------------------------------------- */
/* Items unchanged since the last parse */

/*
 * A feed polled again mostly repeats itself: one or two new items among fifty. The
 * items are found in the sanitized text by its tags alone, before libxml2 reads it, and
 * each is hashed with what could change how it parses: the feed's URL (links resolve
 * against it) and the start tags of the elements around it (namespace declarations,
 * xml:base, xml:lang). Items the caller saw with the same hash are cut out of the text,
 * so libxml2 and the walk read only the rest. The scan gives up on anything but plain
 * nesting, and the caller gets no spans from a parse libxml2 did not find well-formed
 * or whose items are not the spans found, so a span always stands for one whole item
 * that parsed cleanly in the same surroundings.
 */

#define SPAN_MAX_DEPTH 32
#define SPAN_URL_SEED 0x6765747261636b31ULL

struct item_span {
	size_t start; /* the '<' of the item's start tag */
	size_t end;   /* past the '>' of its end tag */
	uint64_t hash;
};

struct span_list {
	struct item_span *spans;
	size_t count;
	size_t cap;
};

static bool is_item_tag(const char *name, size_t len)
{
	return (len == 4 && memcmp(name, "item", 4) == 0) ||
	       (len == 5 && memcmp(name, "entry", 5) == 0);
}

/* Past the end of a construct that starts at s[at] and ends with `close`; 0 if it never
 * ends. */
static size_t past(const char *s, size_t len, size_t at, const char *close)
{
	size_t n = strlen(close);
	const char *end = memmem(s + at, len - at, close, n);
	return end ? (size_t)(end - s) + n : 0;
}

struct open_tag {
	size_t at;   /* the '<' */
	size_t len;  /* of the whole start tag */
	size_t name; /* the name's first byte */
	size_t name_len;
};

/* The hash an item's bytes start from: the URL and the start tags of the elements the
 * item is in. */
static uint64_t span_context(const char *s, const struct open_tag *open, size_t depth,
	const char *url)
{
	uint64_t context = hash_bulk(url ? url : "", url ? strlen(url) : 0, SPAN_URL_SEED);
	for (size_t i = 0; i < depth; i++)
		context = hash_bulk(s + open[i].at, open[i].len, context);
	return context;
}

static void add_span(struct span_list *out, const char *s, size_t start, size_t end,
	uint64_t context)
{
	out->spans = xgrow(out->spans, &out->cap, out->count + 1, sizeof(*out->spans));
	out->spans[out->count++] = (struct item_span){
		.start = start,
		.end = end,
		.hash = hash_bulk(s + start, end - start, context),
	};
}

/*
 * Lists in *out every element named item or entry (unprefixed) that holds no other,
 * with its hash. Returns false, and lists nothing to rely on, unless every end tag
 * closes the last element opened and the document ends with all closed, within
 * SPAN_MAX_DEPTH, without declarations.
 */
static bool scan_item_spans(const char *s, size_t len, const char *url, struct span_list *out)
{
	struct open_tag stack[SPAN_MAX_DEPTH];
	size_t depth = 0;
	size_t item_depth = SIZE_MAX; /* where the item being read was opened; SIZE_MAX none */
	bool item_nested = false;
	uint64_t context = 0;
	size_t pos = 0;
	out->count = 0;
	for (;;) {
		const char *lt = memchr(s + pos, '<', len - pos);
		if (!lt)
			break;
		size_t at = (size_t)(lt - s);
		size_t left = len - at;
		if (left >= 4 && memcmp(lt, "<!--", 4) == 0) {
			pos = past(s, len, at + 4, "-->");
		} else if (left >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) {
			pos = past(s, len, at + 9, "]]>");
		} else if (left >= 2 && lt[1] == '?') {
			pos = past(s, len, at + 2, "?>");
		} else if (left >= 2 && lt[1] == '!') {
			return false;
		} else {
			bool end_tag = left >= 2 && lt[1] == '/';
			size_t name = at + (end_tag ? 2 : 1);
			size_t p = name;
			while (p < len && name_char(s[p]))
				p++;
			size_t name_len = p - name;
			char quote = 0;
			for (; p < len && (quote || s[p] != '>'); p++) {
				if (quote) {
					if (s[p] == quote)
						quote = 0;
				} else if (s[p] == '"' || s[p] == '\'') {
					quote = s[p];
				} else if (s[p] == '<') {
					return false;
				}
			}
			if (name_len == 0 || p >= len)
				return false;
			pos = p + 1;
			if (end_tag) {
				if (depth == 0 || stack[depth - 1].name_len != name_len ||
					memcmp(s + stack[depth - 1].name, s + name, name_len) != 0)
					return false;
				depth--;
				if (depth == item_depth) {
					if (!item_nested)
						add_span(out, s, stack[depth].at, pos, context);
					item_depth = SIZE_MAX;
				}
			} else if (s[p - 1] == '/') {
				/* an empty element: an item of its own, or one inside an item */
				if (is_item_tag(s + name, name_len)) {
					if (item_depth == SIZE_MAX)
						add_span(out, s, at, pos,
							span_context(s, stack, depth, url));
					else
						item_nested = true;
				}
			} else {
				if (depth == SPAN_MAX_DEPTH)
					return false;
				if (is_item_tag(s + name, name_len)) {
					if (item_depth == SIZE_MAX) {
						item_depth = depth;
						item_nested = false;
						context = span_context(s, stack, depth, url);
					} else {
						item_nested = true;
					}
				}
				stack[depth++] = (struct open_tag){
					.at = at, .len = pos - at, .name = name, .name_len = name_len,
				};
			}
		}
		if (pos == 0)
			return false; /* a comment, CDATA section or PI that never ends */
	}
	return depth == 0;
}

/*
 * Writes `clean` to *out without the items options.span_seen() knows (their hashes go to
 * doc->skipped_spans) and keeps in p->spans the hashes of the items that stay, in
 * order. Returns true if any item was left out; *out is untouched otherwise.
 */
static bool skip_seen_items(struct parser *p, const struct buf *clean, const struct span_list *list,
	struct buf *out)
{
	struct feed_doc *doc = p->doc;
	size_t from = 0, skipped_cap = 0;
	p->spans = xcalloc(list->count ? list->count : 1, sizeof(*p->spans));
	for (size_t i = 0; i < list->count; i++) {
		const struct item_span *span = &list->spans[i];
		if (!p->options->span_seen(span->hash, p->options->span_ctx)) {
			p->spans[p->span_count++] = span->hash;
			continue;
		}
		buf_append(out, clean->data + from, span->start - from);
		from = span->end;
		doc->skipped_spans = xgrow(doc->skipped_spans, &skipped_cap,
			doc->skipped_span_count + 1, sizeof(*doc->skipped_spans));
		doc->skipped_spans[doc->skipped_span_count++] = span->hash;
	}
	if (doc->skipped_span_count == 0)
		return false;
	buf_append(out, clean->data + from, clean->len - from);
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* HTML served in place of a feed */

/* Looks at the first elements of the (sanitized) text for an HTML page. */
static bool looks_like_html_page(const char *s, size_t len)
{
	size_t limit = len < 4096 ? len : 4096;
	for (size_t i = 0; i + 5 < limit; i++) {
		if (s[i] != '<')
			continue;
		if (prefix_ci(s + i, limit - i, "<html") || prefix_ci(s + i, limit - i, "<!doctype html") ||
			prefix_ci(s + i, limit - i, "<head") || prefix_ci(s + i, limit - i, "<body"))
			return true;
		if (s[i + 1] != '!' && s[i + 1] != '?')
			return false; /* the first element is something else */
	}
	return false;
}

/* libxml2 2.9 sets up its globals in xmlInitParser(), which is not safe to run from two
 * threads at once; the daemon parses in libuv's thread pool. */
static void libxml_init(void)
{
	static pthread_once_t libxml_once = PTHREAD_ONCE_INIT;
	pthread_once(&libxml_once, xmlInitParser);
}

/* Feed discovery: the <link rel="alternate"> elements of an HTML page, read by libxml2's
 * HTML parser (entities decoded, a repeated attribute's first value kept, as in HTML). */

struct alternate_search {
	htmlParserCtxtPtr ctxt;
	const char *page_url;
	char *found;
};

/* Is `word` one of the space-separated tokens of `value` (rel="alternate home")? */
static bool has_token(const char *value, const char *word)
{
	size_t word_len = strlen(word);
	for (const char *s = value; *s;) {
		while (*s && ascii_space((unsigned char)*s))
			s++;
		const char *start = s;
		while (*s && !ascii_space((unsigned char)*s))
			s++;
		if ((size_t)(s - start) == word_len && prefix_ci(start, word_len, word))
			return true;
	}
	return false;
}

static bool is_feed_media_type(const char *type)
{
	static const char *const types[] = {"application/rss+xml", "application/atom+xml",
		"application/rdf+xml", "application/feed+json"};
	size_t len = strlen(type);
	while (len > 0 && ascii_space((unsigned char)type[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (len == strlen(types[i]) && prefix_ci(type, len, types[i]))
			return true;
	return false;
}

static void alternate_sax_start(void *user, const xmlChar *name, const xmlChar **attributes)
{
	struct alternate_search *search = user;
	if (search->found || !attributes || !equals_ci((const char *)name, "link"))
		return;
	const char *rel = NULL, *type = NULL, *href = NULL;
	for (size_t i = 0; attributes[i]; i += 2) {
		const char *key = (const char *)attributes[i];
		const char *value = attributes[i + 1] ? (const char *)attributes[i + 1] : "";
		if (!rel && equals_ci(key, "rel"))
			rel = value;
		else if (!type && equals_ci(key, "type"))
			type = value;
		else if (!href && equals_ci(key, "href"))
			href = value;
	}
	if (rel && type && href && has_token(rel, "alternate") && is_feed_media_type(type)) {
		search->found = resolve_against(search->page_url, href);
		if (search->found)
			xmlStopParser(search->ctxt);
	}
}

char *feed_find_alternate(const char *html, size_t len, const char *page_url)
{
	libxml_init();
	if (!html || len == 0)
		return NULL;
	if (len > FEED_DISCOVERY_BYTES)
		len = FEED_DISCOVERY_BYTES;
	struct alternate_search search = {.page_url = page_url};
	search.ctxt = htmlNewParserCtxt();
	if (!search.ctxt)
		abort(); /* libxml2 allocation failure: out of memory, as xalloc does */
	xmlSAXHandler *sax = search.ctxt->sax;
	memset(sax, 0, sizeof(*sax));
	sax->initialized = 1;
	sax->startElement = alternate_sax_start;
	search.ctxt->userData = &search;
	htmlDocPtr doc = htmlCtxtReadMemory(search.ctxt, html, (int)len, NULL, NULL,
		HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
			HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT);
	if (doc)
		xmlFreeDoc(doc);
	htmlFreeParserCtxt(search.ctxt);
	return search.found;
}

/* ---------------------------------------------------------------------------------- */
/* Public API */

/* JSON Feed documents are objects; XML ones start with '<'. */
static bool is_json(const char *s, size_t len)
{
	size_t pos = 0;
	while (pos < len && pos < 1024 && ascii_space((unsigned char)s[pos]))
		pos++;
	return pos < len && s[pos] == '{';
}

static int parse_xml(struct parser *p, const char *text, size_t len)
{
	struct feed_doc *doc = p->doc;
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		abort(); /* libxml2 could not allocate: out of memory */
	/* No XML_PARSE_NOENT, DTDLOAD or HUGE, ever: entities stay unexpanded, no DTD is
	 * fetched, and libxml2's own size and depth limits apply. */
	int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
		      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC |
		      XML_PARSE_COMPACT;
	xmlDocPtr xml = xmlCtxtReadMemory(ctxt, text, (int)len, p->options->url, NULL, options);
	int r = 0;
	xmlNode *root = xml ? xmlDocGetRootElement(xml) : NULL;
	if (!root) {
		r = FEED_ERR_MALFORMED;
		goto done;
	}
	if (!ctxt->wellFormed) {
		const xmlError *error = xmlCtxtGetLastError(ctxt);
		if (error && error->message)
			warn(p, "not well-formed XML, recovered what could be read (line %d: %.*s)",
				error->line, (int)strcspn(error->message, "\n"), error->message);
		else
			warn(p, "not well-formed XML, recovered what could be read");
	}
	if (ctxt->wellFormed && !ctxt->nsWellFormed)
		warn(p, "namespace prefixes used without a declaration");
	p->xml_clean = ctxt->wellFormed && ctxt->nsWellFormed;
	doc->format = root_format(root);
	const char *root_name;
	node_ns(root, &root_name);
	if (doc->format == FEED_FORMAT_UNKNOWN) {
		r = equals_ci(root_name, "html") ? FEED_ERR_HTML : FEED_ERR_NOT_A_FEED;
		goto done;
	}
	if (doc->format == FEED_FORMAT_ATOM03 || doc->format == FEED_FORMAT_ATOM10)
		parse_atom_feed(p, root);
	else
		parse_rss_container(p, root, strcmp(root_name, "channel") == 0 ? 1 : 0);

done:
	if (xml)
		xmlFreeDoc(xml);
	xmlFreeParserCtxt(ctxt);
	return r;
}

int feed_parse(const char *data, size_t len, const struct feed_parse_options *options,
	struct feed_doc **ret_doc)
{
	libxml_init();
	static const struct feed_parse_options no_options = {0};
	struct parser p = {.options = options ? options : &no_options};
	struct buf decoded = {0}, clean = {0}, cut = {0};
	int r;

	if (len > FEED_MAX_BYTES)
		return FEED_ERR_TOO_LARGE;
	p.doc = xcalloc(1, sizeof(*p.doc));

	const char *text;
	size_t text_len;
	r = decode_document(&p, data ? data : "", data ? len : 0, &decoded, &text, &text_len);
	if (r < 0)
		goto fail;
	if (is_json(text, text_len)) {
		r = parse_json(&p, text, text_len);
		buf_free(&decoded);
		if (r < 0)
			goto fail;
		goto parsed;
	}
	sanitize_document(&p, text, text_len, &clean);
	buf_free(&decoded);
	if (clean.len == 0) {
		r = FEED_ERR_MALFORMED;
		goto fail;
	}
	if (looks_like_html_page(clean.data, clean.len)) {
		r = FEED_ERR_HTML;
		goto fail;
	}
	struct buf *xml = &clean;
	if (p.options->span_seen) {
		struct span_list spans = {0};
		if (scan_item_spans(clean.data, clean.len, p.options->url, &spans) &&
			skip_seen_items(&p, &clean, &spans, &cut))
			xml = &cut;
		free(spans.spans);
	}
	/* libxml2 tops up its input whenever fewer than 250 bytes are left, which costs a
	 * call per token near the end of a memory buffer, 10% of a 2.5 kB document. Blanks
	 * after the root element are allowed and make no node. */
	static const char blanks[256] = {[0 ... 255] = ' '};
	buf_append(xml, blanks, sizeof(blanks));
	r = parse_xml(&p, xml->data, xml->len);
	if (r < 0)
		goto fail;
	if (p.spans && (!p.xml_clean || p.spans_unmatched || p.spans_met != p.span_count))
		for (size_t i = 0; i < p.doc->item_count; i++)
			p.doc->items[i].span = 0;
parsed:
	/* What a feed without a title or home page is known by: its home page, its URL. */
	if (!p.doc->site_link && p.options->url)
		p.doc->site_link = xstrndup(p.options->url, FEED_MAX_SHORT_FIELD);
	if (!p.doc->title && p.doc->site_link)
		p.doc->title = xstrdup(p.doc->site_link);
	/* The feed's language, wherever it was declared, is its items' default. */
	if (!p.doc->language && p.options->content_language && *p.options->content_language)
		p.doc->language = xstrndup(p.options->content_language, 64);
	normalize_language(p.doc->language);
	for (size_t i = 0; i < p.doc->item_count; i++) {
		struct feed_item *item = &p.doc->items[i];
		if (!item->language && p.doc->language)
			item->language = xstrdup(p.doc->language);
		/* An item without categories of its own has the feed's; one without a link of
		 * its own shows the feed's home page (as miniflux does both). Its id was made
		 * without it. */
		if (item->category_count == 0)
			for (size_t c = 0; c < p.feed_tags.category_count; c++)
				item_add_category(item, xstrdup(p.feed_tags.categories[c]));
		if (!item->link && p.doc->site_link)
			item->link = xstrdup(p.doc->site_link);
	}
	if (p.warnings_dropped)
		warn(&p, "and %zu more warnings", p.warnings_dropped);

	if (p.html)
		htmlFreeParserCtxt(p.html);
	buf_free(&clean);
	buf_free(&cut);
	free(p.spans);
	buf_free(&p.scratch);
	free(p.feed_author);
	free_categories(&p.feed_tags);
	*ret_doc = p.doc;
	return 0;

fail:
	if (p.html)
		htmlFreeParserCtxt(p.html);
	buf_free(&decoded);
	buf_free(&clean);
	buf_free(&cut);
	free(p.spans);
	buf_free(&p.scratch);
	free(p.feed_author);
	free_categories(&p.feed_tags);
	feed_doc_free(p.doc);
	return r;
}

void feed_doc_free(struct feed_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->item_count; i++) {
		struct feed_item *item = &doc->items[i];
		free(item->id);
		free(item->title);
		free(item->link);
		free(item->author);
		free(item->summary);
		free(item->content);
		free_categories(item);
		free(item->language);
	}
	free(doc->items);
	free(doc->skipped_spans);
	for (size_t i = 0; i < doc->warning_count; i++)
		free(doc->warnings[i]);
	free(doc->warnings);
	free(doc->title);
	free(doc->site_link);
	free(doc->language);
	free(doc->encoding);
	free(doc);
}

int feed_html_to_text(const char *html, size_t len, bool fast, char **ret_text)
{
	if (!html || memchr(html, '\0', len) || !utf8_valid(html, len))
		return -EINVAL;
	struct text t = {.max = FEED_MAX_LONG_FIELD};
	int r = 0;
	if (fast) {
		if (!html_fast_to_text(html, len, &t))
			r = -ENOTSUP;
	} else {
		htmlParserCtxtPtr ctxt = NULL;
		html_parse_to_text(&ctxt, html, len, &t);
		htmlFreeParserCtxt(ctxt);
	}
	if (r == 0)
		*ret_text = t.out.len > 0 ? buf_steal(&t.out) : NULL;
	buf_free(&t.out);
	return r;
}

const char *feed_strerror(int error)
{
	switch (error) {
	case FEED_ERR_NOT_A_FEED: return "the document is XML but not a feed";
	case FEED_ERR_HTML: return "an HTML page was served instead of a feed";
	case FEED_ERR_MALFORMED: return "nothing could be read from the document";
	case FEED_ERR_TOO_LARGE: return "the document is larger than the parser accepts";
	default: return error < 0 ? strerror(-error) : "no error";
	}
}

const char *feed_format_name(enum feed_format format)
{
	switch (format) {
	case FEED_FORMAT_RSS090: return "rss0.90";
	case FEED_FORMAT_RSS091: return "rss0.91";
	case FEED_FORMAT_RSS092: return "rss0.92";
	case FEED_FORMAT_RSS093: return "rss0.93";
	case FEED_FORMAT_RSS094: return "rss0.94";
	case FEED_FORMAT_RSS20: return "rss2.0";
	case FEED_FORMAT_RSS10: return "rss1.0";
	case FEED_FORMAT_ATOM03: return "atom0.3";
	case FEED_FORMAT_ATOM10: return "atom1.0";
	case FEED_FORMAT_JSON10: return "json1.0";
	case FEED_FORMAT_JSON11: return "json1.1";
	case FEED_FORMAT_UNKNOWN: break;
	}
	return "unknown";
}
