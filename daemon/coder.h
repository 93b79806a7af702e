/*
 * coder: turns text into CAMEO events using a loaded dictionary set.
 *
 * Shallow and deterministic, in the TABARI tradition: split sentences, tokenize (UTF-8,
 * case and accents folded), find actors, agents and verb patterns from the dictionaries,
 * and emit (source, event code, target) triples. The same entry point serves the daemon's
 * ingest and `geotrackd code`, so what a user tests on the command line is what the daemon
 * stores. Pure: no I/O, no logging; one coder per thread.
 */
#ifndef GEOTRACK_CODER_H
#define GEOTRACK_CODER_H

#include <stddef.h>
#include <stdint.h>

struct dict;
struct coder;

/*
 * One coded event. Pointers are valid only during the callback; copy what you keep.
 * Codes are NUL-terminated upper-case CAMEO strings.
 */
struct coded_event {
	unsigned sentence_index;     /* 1-based index of the sentence in the document */
	const char *sentence;        /* the sentence text as it appeared (not folded) */
	size_t sentence_len;
	const char *source;          /* actor code, e.g. "USAGOV" */
	const char *event_code;      /* e.g. "130" */
	const char *target;          /* actor code, or "" when the pattern has no target */
	const char *source_text;     /* the matched source words, as they appeared */
	const char *target_text;
	const char *verb_text;       /* the matched verb phrase */
	const char *pattern;         /* the dictionary pattern that matched, as written */
	const char *dict_file;       /* file the verb pattern came from */
	unsigned dict_line;          /* its line */
	const char *location;        /* CAMEO country of the action's location, or "" */
	int quad_class;              /* from the codebook; 0 if the code is not in it */
	double goldstein;
};

typedef void (*coder_event_fn)(const struct coded_event *event, void *ctx);

/*
 * Creates a coder over `dict`, which must outlive it. Returns NULL only if dict is NULL.
 */
struct coder *coder_new(const struct dict *dict);
void coder_free(struct coder *coder);

/*
 * Codes one document (any bytes; invalid UTF-8 is tolerated) dated `date_days` (days
 * since 1970-01-01 UTC; pass CODER_DATE_UNKNOWN to use undated codes) and calls
 * `on_event` for each event in document order. Returns the number of events, or a
 * negative errno. Bounded in time and memory for any input.
 */
#define CODER_DATE_UNKNOWN INT32_MIN
int coder_code(struct coder *coder, const char *text, size_t len, int32_t date_days,
	coder_event_fn on_event, void *ctx);

/*
 * Changes one setting with a line in TABARI's .options syntax ("SET: CODE BY SENTENCE",
 * "COMPLEX: VERBS[5] NOACTPRIOR", "COMMA: OFF", "DEFAULT: SOURCE [X] PRIOR", "SET:
 * MINIMUM WORDS = 8", "SET: CONVERT AGENTS = TRUE") or one of geotrack's own:
 *   SET: SPLIT SENTENCES = FALSE   code the whole input as one sentence (TABARI records)
 *   SET: NEAREST SUBJECT = FALSE   source is the clause's first actor, as in TABARI,
 *                                  rather than the subject nearest the verb
 *   SET: NEGATION = FALSE          do not drop negated verbs ("did not attack")
 *   SET: STATEMENTS SUBORDINATE = FALSE   01x statements do not yield to other events
 *   SET: COUNTRY REFERENCE = FALSE        "the country" is not resolved
 *   SET: TITLE CASE = FALSE        no headline detection for the capitalisation rule
 *   SET: TABARI = TRUE             all of the above at TABARI's behaviour and defaults
 * The dictionary set's .options lines are applied by coder_new(). Returns 0, or -EINVAL
 * if the line is not understood (the setting is unchanged).
 */
int coder_set_option(struct coder *coder, const char *line);

/* What happened to the sentences of the last document, beyond the events. */
enum coder_flags {
	CODER_DISCARDED = 1 << 0, /* a discard phrase or code ([###]) stopped a sentence */
	CODER_COMPLEX = 1 << 1,   /* a sentence was too complex to code ([+++], COMPLEX:) */
	CODER_TRUNCATED = 1 << 2, /* a sentence was longer than the coder reads, or the
	                           * document had more events than it keeps (4096) */
};
unsigned coder_last_flags(const struct coder *coder);

#endif
