/*
 * text: the coder's view of raw text. UTF-8 folding, tokenizing, sentence splitting.
 *
 * Everything the dictionaries are matched against goes through text_tokenize(): letters
 * are upper-cased and stripped of diacritics ("Guaidó" becomes GUAIDO), typographic
 * quotes and apostrophes become ASCII, hyphens separate words (the dictionaries write
 * them as '_'; the word after one carries TEXT_HYPHEN), commas and semicolons become comma tokens, double quotes become quote
 * tokens, and a period survives only inside initialisms such as U.S. The folded forms
 * are written to a caller-supplied buffer so a sentence costs no allocation.
 *
 * Any byte sequence is accepted: invalid UTF-8 separates words, and every output is
 * bounded by the caller's capacities. Pure: no I/O, no logging, no allocation.
 */
#ifndef GEOTRACK_TEXT_H
#define GEOTRACK_TEXT_H

#include <stddef.h>
#include <stdint.h>

enum text_token_flags {
	TEXT_WORD = 1 << 0,        /* letters or digits; otherwise punctuation */
	TEXT_COMMA = 1 << 1,       /* ',' or ';' */
	TEXT_QUOTE = 1 << 2,       /* a double quote of any style */
	TEXT_NUMBER = 1 << 3,      /* starts with a digit */
	TEXT_CAPITALIZED = 1 << 4, /* first letter upper case in the original */
	TEXT_HAS_LOWER = 1 << 5,   /* some letter lower case in the original */
	TEXT_HAS_LETTER = 1 << 6,
	TEXT_DASH = 1 << 7,        /* a dash between words (" - ", "–", "—"): a pause */
	TEXT_HYPHEN = 1 << 8,      /* joined to the word before by a hyphen ("US-backed":
	                            * BACKED), which the folded forms no longer show */
};

struct text_token {
	uint32_t offset;      /* start of the token in the input, in bytes */
	uint32_t length;      /* its length in the input, in bytes */
	uint32_t folded;      /* start of the folded form in the caller's folded buffer */
	uint16_t folded_len;  /* length of the folded form (not NUL-terminated) */
	uint16_t flags;       /* enum text_token_flags */
};

/* Longest folded form of one token; longer words are cut (they match nothing anyway). */
#define TEXT_MAX_WORD 64

/*
 * Splits text[0..len) into tokens. Writes at most max_tokens tokens and their folded
 * forms into folded[0..folded_cap). Returns the number of tokens written; if the text
 * holds more tokens than fit, *ret_truncated (if not NULL) is set to 1, else 0.
 */
size_t text_tokenize(const char *text, size_t len, struct text_token *tokens, size_t max_tokens,
	char *folded, size_t folded_cap, int *ret_truncated);

/*
 * Finds the end of the sentence that starts at `start`: a '.', '!' or '?' (with any
 * closing quotes) followed by a capital, digit or opening quote, a newline, or the end
 * of the text. Abbreviations (Mr., Jan., Gen.) and initialisms (U.S.) do not end a
 * sentence. Returns the offset just past the sentence, always > start when start < len.
 */
size_t text_sentence_end(const char *text, size_t len, size_t start);

/*
 * Returns the offset where a news dateline at the start of the text ends
 * ("WASHINGTON (Reuters) - ", "MOSCOW, March 28 (AP) — "), or 0 if there is none.
 */
size_t text_skip_dateline(const char *text, size_t len);

/*
 * Folds one word (already isolated: no spaces) the way text_tokenize() folds a token
 * and writes it NUL-terminated to out (capacity cap > 0). Used by the dictionary loader
 * so that dictionary entries and text compare byte for byte. Returns the length.
 */
size_t text_fold_word(const char *word, size_t len, char *out, size_t cap);

#endif
