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

/* Finishes loading (sorting, indexing); call once after the last dict_load_file(). */
void dict_finish(struct dict *dict);

#endif
