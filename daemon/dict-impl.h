/*
 * dict-impl: the loaded dictionary set as the matcher sees it. Private to dict.c and
 * coder.c (the two halves of one component); nothing else includes it.
 *
 * Every dictionary word is interned once in the lexicon and referred to by its id.
 * Phrases (actor names, agent nouns, verb roots, patterns, synset members) are runs of
 * elements in one array. After dict_finish() the lexicon carries, for each word, the
 * entries whose phrase starts with it, longest phrase first, so the matcher finds
 * candidates for a token with one hash probe per prefix of the token.
 */
#ifndef GEOTRACK_DICT_IMPL_H
#define GEOTRACK_DICT_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* How a dictionary word matches a text token. */
enum dict_word_mode {
	DICT_STEM,  /* the token starts with the word (TABARI stems: SYRI matches SYRIAN) */
	DICT_EXACT, /* the token is the word */
	DICT_NOUN,  /* the word, or the word plus a regular noun ending (S, ES, 'S) */
	DICT_VERB,  /* the word, or the word plus a regular verb ending (S, ED, ING ...) */
};

enum dict_elem_kind {
	ELEM_WORD,
	ELEM_SOURCE,   /* $ */
	ELEM_TARGET,   /* + */
	ELEM_COMPOUND, /* % : a compound actor that is both source and target */
	ELEM_SKIP,     /* ^ : an actor passed over */
	ELEM_ATTRIB,   /* @ : an actor passed over (attribution is not coded) */
	ELEM_VERB,     /* * */
	ELEM_SYNSET,   /* &NAME */
	ELEM_ALT,      /* { a | b } */
};

struct dict_elem {
	uint32_t id;         /* lexicon id, synset id or alternative group id */
	uint8_t kind;        /* enum dict_elem_kind */
	uint8_t mode;        /* enum dict_word_mode, for words */
	uint8_t consecutive; /* the next element must follow immediately */
	uint8_t unused;
};

struct dict_phrase {
	uint32_t first;  /* index of the first element */
	uint16_t count;
	uint16_t length; /* letters and digits of its literal words: longer phrases win */
};

struct dict_alt {
	uint32_t first; /* index into dict->alt_members (phrase ids) */
	uint32_t count;
};

struct dict_synset {
	uint32_t name;   /* string offset */
	uint32_t first;  /* index into dict->synset_members (phrase ids) */
	uint32_t count;
	uint16_t length; /* of its longest member */
	uint8_t defined;
	uint32_t ref_file, ref_line; /* first reference, for "never defined" reports */
};

/* Special values of a code string. */
#define DICT_CODE_NULL "---"
#define DICT_CODE_DISCARD "###"
#define DICT_CODE_COMPLEX "+++"

/* A date-restricted actor code: applies on days [from, to]. */
struct dict_code {
	uint32_t code; /* string offset; may be "A/B" (a coded compound) or a special */
	int32_t from;  /* INT32_MIN when open */
	int32_t to;    /* INT32_MAX when open */
	uint8_t dated; /* has a restriction */
};

struct dict_actor {
	uint32_t phrase;
	uint32_t codes; /* index into dict->codes */
	uint16_t ncodes;
	uint32_t parent; /* string offset: the first name of its synonym group */
	uint32_t file, line;
};

struct dict_agent {
	uint32_t phrase;
	uint32_t code;  /* string offset, without the '~' */
	uint8_t suffix; /* [~GOV]: appended to the actor's code; [NGO~]: prefixed */
	uint32_t file, line;
};

enum dict_event_flags {
	EVENT_NULL = 1 << 0,        /* [---]: the phrase codes nothing */
	EVENT_DISCARD = 1 << 1,     /* [###] */
	EVENT_COMPLEX = 1 << 2,     /* [+++] */
	EVENT_SUBORDINATE = 1 << 3, /* [023?]: only if nothing else is coded */
	EVENT_DOMINANT = 1 << 4,    /* [031!]: wins over ordinary events */
	EVENT_PAIRED = 1 << 5,      /* [032:033]: also the reverse event */
	EVENT_TIME = 1 << 6,        /* a <TIME> shift such as [-7] */
};

struct dict_event_code {
	uint32_t code;    /* string offset ("" for specials) */
	uint32_t reverse; /* string offset of the paired code */
	uint16_t flags;   /* enum dict_event_flags */
	int16_t shift;    /* days, for <TIME> entries */
};

struct dict_family {
	uint32_t event;    /* index into dict->events: the default code */
	uint32_t patterns; /* index into dict->pattern_order */
	uint32_t npatterns;
	uint8_t time;      /* a <TIME> entry rather than a verb */
};

struct dict_verb {
	uint32_t phrase;
	uint32_t family;
	uint32_t event; /* the root's own code (the family's unless the line gives one) */
	uint32_t file, line;
};

struct dict_pattern {
	uint32_t phrase;
	uint32_t family;
	uint32_t need[2]; /* words the pattern cannot match without (UINT32_MAX: none) */
	uint32_t event;
	uint32_t text; /* string offset: the pattern as written, for --explain */
	uint32_t file, line;
};

enum dict_plain_kind {
	PLAIN_NOUN,
	PLAIN_ADJECTIVE,
	PLAIN_DISCARD,       /* discards file: the sentence is not coded */
	PLAIN_DISCARD_STORY, /* discards file, '+' lines: the whole document is not coded */
};

struct dict_plain {
	uint32_t phrase;
	uint8_t kind;
	uint32_t file, line;
};

/* What an index entry points at. */
enum dict_class {
	CLASS_ACTOR,
	CLASS_AGENT,
	CLASS_VERB,
	CLASS_PLAIN,   /* nouns and adjectives */
	CLASS_DISCARD, /* discard phrases (dict_plain entries too) */
	CLASS_COUNT,
};

struct dict_start {
	uint32_t entry;  /* index into the class's array */
	uint32_t second; /* the phrase's second word (UINT32_MAX if none): a cheap filter */
	uint16_t length; /* the phrase's length */
	uint8_t cls;     /* enum dict_class */
	uint8_t mode;    /* how its first word matches */
};

struct dict_lex {
	uint32_t str; /* string offset */
	uint32_t hash;
	uint16_t len;
	/* after dict_finish: the dict_starts of phrases beginning with this word, by class:
	 * class k's run begins after the runs of classes 0..k-1 */
	uint32_t starts;
	uint32_t nstarts[CLASS_COUNT];
};

struct dict {
	char *strings;
	size_t strings_len, strings_cap;

	struct dict_lex *lex;
	size_t nlex, lex_cap;
	uint32_t *lex_table; /* open addressing: lex id + 1, 0 empty */
	size_t lex_table_size;

	struct dict_elem *elems;
	size_t nelems, elems_cap;
	struct dict_phrase *phrases;
	size_t nphrases, phrases_cap;
	struct dict_alt *alts;
	size_t nalts, alts_cap;
	uint32_t *alt_members;
	size_t nalt_members, alt_members_cap;
	struct dict_synset *synsets;
	size_t nsynsets, synsets_cap;
	uint32_t *synset_members;
	size_t nsynset_members, synset_members_cap;

	struct dict_code *codes;
	size_t ncodes, codes_cap;
	struct dict_actor *actors;
	size_t nactors, actors_cap;
	struct dict_agent *agents;
	size_t nagents, agents_cap;
	struct dict_event_code *events;
	size_t nevents, events_cap;
	struct dict_family *families;
	size_t nfamilies, families_cap;
	struct dict_verb *verbs;
	size_t nverbs, verbs_cap;
	struct dict_pattern *patterns;
	size_t npatterns, patterns_cap;
	uint32_t *pattern_order; /* after dict_finish: per family, longest first */
	struct dict_plain *plains;
	size_t nplains, plains_cap;

	char **files;
	size_t nfiles;

	/* .options lines, applied by each coder at creation */
	uint32_t *options; /* string offsets */
	size_t noptions, options_cap;

	struct dict_start *starts;
	size_t nstarts;
	int finished;

	/* after dict_finish: a Bloom filter of the lexicon's hashes, small enough to stay in
	 * cache, so most prefixes of a token are rejected without a hash-table probe */
	uint64_t *bloom;
	uint32_t bloom_mask; /* bits - 1 */
};

/* Looks up a folded word; returns its lexicon id or UINT32_MAX. */
uint32_t dict_lex_find(const struct dict *dict, const char *word, size_t len, uint32_t hash);

/* The hash dict_lex_find() expects, computed one byte at a time (FNV-1a). */
#define DICT_HASH_INIT 2166136261u
static inline uint32_t dict_hash_step(uint32_t hash, unsigned char byte)
{
	return (hash ^ byte) * 16777619u;
}

/* Could a word with this hash be in the lexicon? (false: certainly not) */
static inline int dict_maybe(const struct dict *dict, uint32_t hash)
{
	uint32_t a = hash & dict->bloom_mask, b = (hash >> 15 ^ hash >> 7) & dict->bloom_mask;
	return dict->bloom && (dict->bloom[a >> 6] >> (a & 63) & 1) &&
		(dict->bloom[b >> 6] >> (b & 63) & 1);
}

static inline const char *dict_str(const struct dict *dict, uint32_t offset)
{
	return dict->strings + offset;
}

#endif
