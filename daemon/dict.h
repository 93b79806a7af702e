/*
 * dict: the coder's dictionaries, in the formats of TABARI, PETRARCH and Phoenix.
 *
 * Actors (names with dated codes and synonyms), agents ([~ROLE] and [ROLE~]), verbs
 * (families, patterns with $ * + and synsets, paired and null codes) and discards.
 * One loader reads both the field's dictionaries and our own under config/dictionaries/.
 * Entries that cannot be read are reported as "file:line: reason" into the caller's
 * error buffer and skipped. Never logs.
 */
#ifndef GEOTRACK_DICT_H
#define GEOTRACK_DICT_H

#include <stddef.h>

struct buf;
struct dict;

enum dict_kind {
	DICT_ACTORS,
	DICT_AGENTS,
	DICT_VERBS,
	DICT_DISCARDS,
	DICT_OPTIONS, /* TABARI .options files */
};

struct dict *dict_new(void);
void dict_free(struct dict *dict);

/*
 * Loads one dictionary file of the given kind into `dict`. Problems with single entries
 * are appended to `errors` as lines "file:line: reason" (errors may be NULL) and the
 * entries skipped. Returns the number of entries loaded, or -errno if the file cannot
 * be read at all.
 */
int dict_load_file(struct dict *dict, enum dict_kind kind, const char *path, struct buf *errors);

/*
 * Same as dict_load_file() for a file already in memory; `name` is used in messages.
 * The text need not be NUL-terminated. Used by tests and the fuzz target.
 */
int dict_load_text(struct dict *dict, enum dict_kind kind, const char *name, const char *text,
	size_t len, struct buf *errors);

/*
 * Guesses a file's kind from its name ("Phoenix.agents.txt", "x.verbs", "CAMEO.verbpatterns"
 * ...). Returns 0 and sets *ret_kind, or -EINVAL if the name says nothing.
 */
int dict_kind_from_path(const char *path, enum dict_kind *ret_kind);

/* Finishes loading (sorting, indexing); call once after the last dict_load_file(). */
void dict_finish(struct dict *dict);

/*
 * Appends problems only visible across entries or files to errors as "file:line: reason":
 * a synset used but never defined, a name or agent listed twice with different codes.
 * Returns their number.
 */
int dict_check(const struct dict *dict, struct buf *errors);

struct dict_stats {
	size_t actors;   /* names, synonyms included */
	size_t agents;
	size_t verbs;    /* verb roots and forms */
	size_t patterns;
	size_t synsets;
	size_t discards;
	size_t words;    /* distinct words */
};
void dict_get_stats(const struct dict *dict, struct dict_stats *ret_stats);

/*
 * Calls fn for each distinct event code the verb dictionaries can produce (paired codes
 * give both), and for each actor code, with the file and line that first uses it; used
 * by `geotrackd dict check` to compare against the CAMEO codebook.
 */
typedef void (*dict_code_fn)(const char *code, int is_event, const char *file, unsigned line,
	void *ctx);
void dict_each_code(const struct dict *dict, dict_code_fn fn, void *ctx);

#endif
