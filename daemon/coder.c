/*
 * The matcher. Per sentence, in the order TABARI's manual gives:
 *   1. tokenize and find, for every token, the dictionary words it can match
 *      (one hash probe per prefix: stems, exact words, regular endings);
 *   2. tag actors, agents, nouns/adjectives and verbs, longest phrase first, and
 *      attach agents to the actors beside them (Russian troops -> RUSMIL);
 *   3. find compound actors (A, B and C) and drop comma-delimited clauses;
 *   4. resolve pronouns ("he", "their", "the country") to earlier actors;
 *   5. split clauses at conjunctions, and in each clause try the verbs left to
 *      right: the longest matching pattern gives the code and may place the
 *      source ($), target (+) or a compound (%); otherwise the default rules find
 *      the source before the verb and the target after it (passive voice swaps).
 * All per-sentence state lives in fixed arrays inside struct coder, so coding does
 * not allocate; every loop is bounded by those arrays' sizes or an explicit budget.
 */
#include "coder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cameo.h"
#include "dict-impl.h"
#include "dict.h"
#include "text.h"
#include "xalloc.h"

#define MAX_TOKENS 256            /* words and punctuation per sentence */
#define MAX_FOLDED (MAX_TOKENS * TEXT_MAX_WORD)
#define MAX_LEXMATCH 12           /* dictionary words one token can match */
#define MAX_ACTORS 128
#define MAX_VERBS 96
#define MAX_SENTENCE_EVENTS 256
#define MAX_DOC_EVENTS 4096
#define MAX_CODE 48               /* actor code with agents, "/"-compounds included */
#define MATCH_BUDGET 20000        /* backtracking steps for one pattern against one verb */
#define SENTENCE_BUDGET 2000000   /* and for all patterns of a sentence together */
#define PHRASE_GAP 12             /* tokens an open connector may skip in a name */
#define DERIVED 0xFFFF            /* lexmatch from an e-dropping or y->i verb/noun form */

enum word_class {
	W_NONE,
	W_DETERMINER, /* THE A AN */
	W_CONJ,       /* AND BUT OR NOR */
	W_BY,
	W_AUX,        /* WAS WERE BEEN ... (passive voice) */
	W_PRONOUN,    /* HE SHE IT HIM: the first actor of the sentence */
	W_POSSESSIVE, /* ITS HIS HER: the nearest actor before */
	W_PLURAL,     /* THEY THEM THEIR: the first compound, else the first actor */
	W_PREPOSITION, /* IN OF: agent of actor */
	W_FORMER,
	W_NEGATION,
	W_THAT,
	W_SUBORDINATOR, /* IF WHICH WHO WHILE ... : a pattern does not reach across them */
	W_FIRST_PERSON, /* WE US OUR I ME MY: in a quotation, the speaker */
};

enum tok_type {
	T_FREE,
	T_ACTOR,
	T_AGENT,
	T_VERB,
	T_NOUN,
	T_ADJECTIVE,
	T_TIME,
};

struct lexmatch {
	uint32_t lex;
	uint16_t k; /* prefix length, or DERIVED */
};

struct tok {
	const char *w; /* folded */
	uint16_t len;
	uint16_t flags; /* enum text_token_flags */
	uint8_t word;   /* enum word_class */
	uint8_t type;   /* enum tok_type */
	uint8_t protect; /* conjunction or comma inside a compound: not a boundary */
	uint8_t gone;    /* inside a dropped comma clause */
	int16_t actor;   /* actor covering this token, or -1 */
	int16_t verb;    /* verb covering this token, or -1 */
	int32_t agent;   /* agent entry of an agent token, or -1 */
	uint16_t nlm;
	uint32_t lm;    /* first lexmatch */
	uint32_t src_offset, src_len; /* in the document */
};

enum actor_kind {
	ACT_NAME,    /* from the actors dictionary */
	ACT_AGENT,   /* an agent converted to an actor (SET: CONVERT AGENTS) */
	ACT_PRONOUN, /* stands for an earlier actor */
};

struct actor {
	int16_t start, end; /* tokens, inclusive */
	int16_t group;      /* compound group (index in groups) */
	uint8_t kind;
	uint8_t agent_side; /* 0 none; AGENT_BEFORE "ambassador of X"; AGENT_AFTER "X troops" */
	uint8_t agent_suffix;
	char agent[16];     /* the agent code applied, for the rest of a compound */
	char code[MAX_CODE]; /* may hold "/"-separated codes of a coded compound */
	uint32_t entry;
	uint32_t text_offset, text_len; /* source text, for evidence */
};

struct group {
	int16_t first, count; /* actors */
	int16_t start, end;   /* tokens */
};

struct verb {
	int16_t start, end; /* tokens of the root as matched */
	uint32_t entry;     /* dict->verbs index */
	uint8_t noun;       /* shifted to a noun by a determiner or capital */
};

/* A planned event before expansion over compounds and codes. */
struct pending_event {
	unsigned sentence;
	uint32_t sentence_offset, sentence_len;
	char source[MAX_CODE], target[MAX_CODE], code[8];
	uint32_t source_offset, source_len, target_offset, target_len;
	uint32_t verb_offset, verb_len;
	uint32_t pattern; /* dict->patterns index or UINT32_MAX (the verb's own code) */
	uint32_t verb_entry;
	uint8_t subordinate, dominant;
	uint8_t clause;
	char location[4]; /* country of "in X" after the verb, or "" */
};

struct options {
	enum { BY_CLAUSE, BY_SENTENCE, CODE_ALL } code_by;
	int min_words;
	int comma_on;
	int comma_min, comma_max, comma_bmin, comma_bmax, comma_emin, comma_emax;
	int complex_verbs, complex_conj, complex_actors, complex_noactprior;
	int complex_noactafter, complex_noverb;
	char default_source[MAX_CODE], default_target[MAX_CODE];
	int default_source_prior, default_target_after;
	int convert_agents;
	int time_shift;
	int split_sentences;
	int nearest_subject;
	int negation;
	int statements_subordinate;
	int country_reference;
	int title_case;
	int forward; /* TABARI FORWARD: pronouns reach back across documents */
	int strict_endings; /* regular endings follow English spelling (PLAN+ES is no verb) */
	int merge_actors;   /* "US President Donald Trump": adjacent actors of one country */
};


struct coder {
	const struct dict *dict;
	struct options opt;
	unsigned flags;

	/* the document */
	const char *doc;
	int32_t date;
	char last_subject[MAX_CODE];   /* for pronouns that open a sentence */
	struct {
		char code[4];
		uint16_t count;
		uint32_t last; /* mention number */
	} countries[32];             /* countries named so far in the document */
	int ncountries;
	uint32_t mentions;
	char recent[16][MAX_CODE]; /* the document's last actor codes, newest last */
	int nrecent;

	/* the sentence */
	struct text_token raw[MAX_TOKENS];
	char folded[MAX_FOLDED];
	struct tok toks[MAX_TOKENS];
	int ntoks;
	struct lexmatch lms[MAX_TOKENS * MAX_LEXMATCH];
	size_t nlms;
	struct actor actors[MAX_ACTORS];
	int nactors;
	struct group groups[MAX_ACTORS];
	int ngroups;
	uint8_t excluded[MAX_ACTORS]; /* groups a pattern passed over with ^ */
	struct verb verbs[MAX_VERBS];
	int nverbs;
	int title_case, all_caps;
	bool cased;    /* opens with a capital and has others: names are capitalized */
	bool headline; /* no closing punctuation: a headline's grammar */
	bool discard, complex;
	char attributed[MAX_CODE]; /* speaker of a dropped ", X said" clause, or "" */
	char dateline[MAX_CODE];   /* country of the document's dateline ("DAMASCUS -"), or "" */
	bool dateline_only;        /* code_sentence() only tags the dateline's actors */

	/* compaction scratch */
	struct tok toks2[MAX_TOKENS];
	int16_t remap[MAX_TOKENS + 1];

	/* events of the document, delivered at the end (a story discard drops them all) */
	struct pending_event *events;
	size_t nevents;
	bool story_discard;
	struct pending_event sentence_events[MAX_SENTENCE_EVENTS];
	int nsentence_events;

	long budget; /* matching steps left for this sentence */

	/* which dictionary words the sentence's tokens match: lex_stamp[id] == stamp */
	uint32_t *lex_stamp;
	uint32_t stamp;
	uint8_t country_cache[26 * 26 * 26]; /* 0 unknown, 1 a country, 2 not */

	/* strings handed to the callback */
	char scratch[4][1024];
};

/* ---- options ------------------------------------------------------------------------ */

static void options_geotrack(struct options *o)
{
	memset(o, 0, sizeof *o);
	o->code_by = BY_CLAUSE;
	o->min_words = 0;
	o->comma_on = 1;
	o->comma_min = 2;
	o->comma_max = 10;
	o->comma_bmin = 128;
	o->comma_bmax = 0;
	o->comma_emin = 2;
	o->comma_emax = 10;
	o->split_sentences = 1;
	o->nearest_subject = 1;
	o->negation = 1;
	o->statements_subordinate = 1;
	o->country_reference = 1;
	o->title_case = 1;
	o->strict_endings = 1;
	o->merge_actors = 1;
}

static void options_tabari(struct options *o)
{
	options_geotrack(o);
	o->min_words = 8;
	o->split_sentences = 0;
	o->nearest_subject = 0;
	o->negation = 0;
	o->statements_subordinate = 0;
	o->country_reference = 0;
	o->title_case = 0;
	o->strict_endings = 0;
	o->merge_actors = 0;
}

static void upcase(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
	dst[i] = '\0';
}

/* Reads "[CODE]" after `key` in line; returns 0 and the code, or -1. */
static int bracket_after(const char *line, const char *key, char *out, size_t cap)
{
	const char *k = strstr(line, key);
	if (!k)
		return -1;
	const char *b = strchr(k, '[');
	const char *e = b ? strchr(b, ']') : NULL;
	if (!b || !e || (size_t)(e - b - 1) >= cap)
		return -1;
	size_t n = 0;
	for (const char *p = b + 1; p < e; p++)
		if (*p != ' ')
			out[n++] = *p;
	out[n] = '\0';
	return n ? 0 : -1;
}

static int parse_bool(const char *v, int *ret)
{
	while (*v == ' ' || *v == '=')
		v++;
	if (*v == 'T' || *v == '1' || strncmp(v, "ON", 2) == 0) {
		*ret = 1;
		return 0;
	}
	if (*v == 'F' || *v == '0' || strncmp(v, "OFF", 3) == 0) {
		*ret = 0;
		return 0;
	}
	return -EINVAL;
}

static int int_after(const char *line, const char *key, int *ret)
{
	const char *k = strstr(line, key);
	if (!k)
		return -1;
	k += strlen(key);
	while (*k == ' ' || *k == '=' || *k == '[')
		k++;
	if (*k < '0' || *k > '9')
		return -1;
	long v = strtol(k, NULL, 10);
	*ret = v > 100000 ? 100000 : (int)v;
	return 0;
}

static int set_option(struct options *o, const char *raw)
{
	char line[512];
	upcase(line, sizeof line, raw);
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "SET:", 4) == 0) {
		const char *s = p + 4;
		while (*s == ' ')
			s++;
		const char *eq = strchr(s, '=');
		struct {
			const char *name;
			int *flag;
		} flags[] = {
			{"CONVERT AGENT", &o->convert_agents},
			{"TIME SHIFT", &o->time_shift},
			{"SPLIT SENTENCES", &o->split_sentences},
			{"NEAREST SUBJECT", &o->nearest_subject},
			{"NEGATION", &o->negation},
			{"STATEMENTS SUBORDINATE", &o->statements_subordinate},
			{"COUNTRY REFERENCE", &o->country_reference},
			{"TITLE CASE", &o->title_case},
			{"STRICT ENDINGS", &o->strict_endings},
			{"MERGE ACTORS", &o->merge_actors},
		};
		if (strncmp(s, "CODE BY SENTENCE", 16) == 0) {
			o->code_by = BY_SENTENCE;
			return 0;
		}
		if (strncmp(s, "CODE BY CLAUSE", 14) == 0) {
			o->code_by = BY_CLAUSE;
			return 0;
		}
		if (strncmp(s, "CODE ALL", 8) == 0) {
			o->code_by = CODE_ALL;
			return 0;
		}
		if (strncmp(s, "MINIMUM WORDS", 13) == 0)
			return int_after(s, "MINIMUM WORDS", &o->min_words) < 0 ? -EINVAL : 0;
		if (strncmp(s, "TABARI", 6) == 0 && eq) {
			int on;
			if (parse_bool(eq + 1, &on) < 0)
				return -EINVAL;
			if (on)
				options_tabari(o);
			else
				options_geotrack(o);
			return 0;
		}
		for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
			if (strncmp(s, flags[i].name, strlen(flags[i].name)) == 0 && eq)
				return parse_bool(eq + 1, flags[i].flag);
		/* switches that change nothing here (labels, usage files, haiku ...) */
		static const char *const ignored[] = {"LABEL", "SKIP RECORDS", "VERB USAGE",
			"ACTOR USAGE", "AGENT USAGE", "DUP WARNING", "HAIKU", "YYYY", "FBIS",
			"MATCH", "ALLCAPS", "CHECK DOMINANT"};
		for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
			if (strncmp(s, ignored[i], strlen(ignored[i])) == 0)
				return 0;
		return -EINVAL;
	}
	if (strncmp(p, "COMPLEX:", 8) == 0) {
		o->complex_verbs = o->complex_conj = o->complex_actors = 0;
		o->complex_noactprior = o->complex_noactafter = o->complex_noverb = 0;
		int_after(p, "VERBS", &o->complex_verbs);
		int_after(p, "CONJ", &o->complex_conj);
		int_after(p, "ACTORS", &o->complex_actors);
		o->complex_noactprior = strstr(p, "NOACTPRIOR") != NULL;
		o->complex_noactafter = strstr(p, "NOACTAFTER") != NULL;
		o->complex_noverb = strstr(p, "NOVERB") != NULL;
		return 0;
	}
	if (strncmp(p, "COMMA:", 6) == 0) {
		if (strstr(p, "OFF")) {
			o->comma_on = 0;
			return 0;
		}
		o->comma_on = 1;
		int_after(p, " MIN", &o->comma_min);
		int_after(p, " MAX", &o->comma_max);
		int_after(p, "BMIN", &o->comma_bmin);
		int_after(p, "BMAX", &o->comma_bmax);
		int_after(p, "EMIN", &o->comma_emin);
		int_after(p, "EMAX", &o->comma_emax);
		return 0;
	}
	if (strncmp(p, "DEFAULT:", 8) == 0) {
		if (strstr(p, "OFF")) {
			o->default_source[0] = o->default_target[0] = '\0';
			o->default_source_prior = o->default_target_after = 0;
			return 0;
		}
		if (bracket_after(p, "SOURCE", o->default_source, sizeof o->default_source) == 0)
			o->default_source_prior = strstr(p, "PRIOR") != NULL;
		if (bracket_after(p, "TARGET", o->default_target, sizeof o->default_target) == 0)
			o->default_target_after = strstr(p, "AFTER") != NULL;
		return 0;
	}
	/* TABARI commands about output and input formats: nothing to do for a coder */
	if (strncmp(p, "FORWARD:", 8) == 0) {
		size_t n = strlen(p);
		o->forward = !(n >= 3 && strcmp(p + n - 3, "OFF") == 0);
		return 0;
	}
	static const char *const ignored[] = {"OUTPUT:", "LABEL:", "NONEVENTS:",
		"ISSUES:", "FREQUENCY:"};
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		if (strncmp(p, ignored[i], strlen(ignored[i])) == 0)
			return 0;
	return -EINVAL;
}

int coder_set_option(struct coder *coder, const char *line)
{
	struct options copy = coder->opt;
	int r = set_option(&copy, line);
	if (r == 0)
		coder->opt = copy;
	return r;
}

unsigned coder_last_flags(const struct coder *coder)
{
	return coder->flags;
}

struct coder *coder_new(const struct dict *dict)
{
	if (!dict)
		return NULL;
	struct coder *c = xcalloc(1, sizeof *c);
	c->dict = dict;
	options_geotrack(&c->opt);
	for (size_t i = 0; i < dict->noptions; i++)
		coder_set_option(c, dict_str(dict, dict->options[i]));
	c->events = xmalloc(MAX_DOC_EVENTS * sizeof *c->events);
	c->lex_stamp = xcalloc(dict->nlex + 1, sizeof *c->lex_stamp);
	return c;
}

void coder_free(struct coder *coder)
{
	if (!coder)
		return;
	free(coder->events);
	free(coder->lex_stamp);
	free(coder);
}

/* ---- tokens and the words they match ---------------------------------------------- */

static bool word_is(const struct tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->len == n && memcmp(t->w, w, n) == 0;
}

/* True when t is one of the n words of list. */
static bool word_in(const struct tok *t, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(t, list[i]))
			return true;
	return false;
}
#define WORD_IN(t, list) word_in((t), (list), sizeof(list) / sizeof((list)[0]))

static enum word_class classify_word(const struct tok *t)
{
#define WORD(w, cls) {w, sizeof w - 1, cls}
	static const struct {
		const char *w;
		uint8_t len;
		uint8_t cls;
	} words[] = {
		WORD("THE", W_DETERMINER), WORD("A", W_DETERMINER), WORD("AN", W_DETERMINER),
		WORD("AND", W_CONJ), WORD("BUT", W_CONJ), WORD("OR", W_CONJ), WORD("NOR", W_CONJ),
		WORD("BY", W_BY),
		WORD("WAS", W_AUX), WORD("WERE", W_AUX), WORD("BEEN", W_AUX), WORD("BEING", W_AUX), WORD("IS", W_AUX),
		WORD("ARE", W_AUX), WORD("BE", W_AUX),
		WORD("HE", W_PRONOUN), WORD("SHE", W_PRONOUN), WORD("IT", W_PRONOUN), WORD("HIM", W_PRONOUN),
		WORD("ITS", W_POSSESSIVE), WORD("HIS", W_POSSESSIVE), WORD("HER", W_POSSESSIVE),
		WORD("THEY", W_PLURAL), WORD("THEM", W_PLURAL), WORD("THEIR", W_PLURAL),
		WORD("IN", W_PREPOSITION), WORD("OF", W_PREPOSITION),
		WORD("FORMER", W_FORMER),
		WORD("NOT", W_NEGATION), WORD("NEVER", W_NEGATION), WORD("DIDN'T", W_NEGATION),
		WORD("DOESN'T", W_NEGATION), WORD("DON'T", W_NEGATION), WORD("WON'T", W_NEGATION),
		WORD("CAN'T", W_NEGATION), WORD("CANNOT", W_NEGATION), WORD("WOULDN'T", W_NEGATION),
		WORD("ISN'T", W_NEGATION), WORD("WASN'T", W_NEGATION), WORD("HASN'T", W_NEGATION),
		WORD("HAVEN'T", W_NEGATION), WORD("HADN'T", W_NEGATION), WORD("AREN'T", W_NEGATION),
		WORD("WEREN'T", W_NEGATION), WORD("SHOULDN'T", W_NEGATION), WORD("COULDN'T", W_NEGATION),
		WORD("THAT", W_THAT),
		WORD("IF", W_SUBORDINATOR), WORD("WHICH", W_SUBORDINATOR), WORD("WHO", W_SUBORDINATOR),
		WORD("WHOM", W_SUBORDINATOR), WORD("WHOSE", W_SUBORDINATOR), WORD("WHILE", W_SUBORDINATOR),
		WORD("WHEN", W_SUBORDINATOR), WORD("BECAUSE", W_SUBORDINATOR), WORD("ALTHOUGH", W_SUBORDINATOR),
		WORD("THOUGH", W_SUBORDINATOR), WORD("WHEREAS", W_SUBORDINATOR), WORD("UNLESS", W_SUBORDINATOR),
		WORD("UNTIL", W_SUBORDINATOR), WORD("WHERE", W_SUBORDINATOR), WORD("BEFORE", W_SUBORDINATOR),
		WORD("AFTER", W_SUBORDINATOR),
		WORD("WE", W_FIRST_PERSON), WORD("US", W_FIRST_PERSON), WORD("OUR", W_FIRST_PERSON),
		WORD("I", W_FIRST_PERSON), WORD("ME", W_FIRST_PERSON), WORD("MY", W_FIRST_PERSON),
	};
	if (!(t->flags & TEXT_WORD) || t->len > 9)
		return W_NONE;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (t->len == words[i].len && t->w[0] == words[i].w[0] &&
			memcmp(t->w, words[i].w, t->len) == 0)
			return (enum word_class)words[i].cls;
	return W_NONE;
#undef WORD
}

static void add_lexmatch(struct coder *c, struct tok *t, uint32_t lex, uint16_t k)
{
	if (t->nlm >= MAX_LEXMATCH || c->nlms >= sizeof c->lms / sizeof c->lms[0])
		return;
	c->lms[c->nlms].lex = lex;
	c->lms[c->nlms].k = k;
	c->nlms++;
	t->nlm++;
}

static void find_lexmatches(struct coder *c, struct tok *t)
{
	const struct dict *d = c->dict;
	t->lm = (uint32_t)c->nlms;
	t->nlm = 0;
	if (!(t->flags & TEXT_WORD))
		return;
	uint32_t h = DICT_HASH_INIT;
	for (uint16_t k = 1; k <= t->len; k++) {
		h = dict_hash_step(h, (unsigned char)t->w[k - 1]);
		if (!dict_maybe(d, h))
			continue;
		uint32_t id = dict_lex_find(d, t->w, k, h);
		if (id != UINT32_MAX)
			add_lexmatch(c, t, id, k);
	}
	/* forms whose stem is not a prefix: DEPLORING (DEPLORE), DENIED (DENY), CITIES */
	char buf[TEXT_MAX_WORD + 2];
	if (t->len > 4 && t->len < TEXT_MAX_WORD) {
		size_t n = 0;
		if (memcmp(t->w + t->len - 3, "ING", 3) == 0) {
			memcpy(buf, t->w, t->len - 3);
			buf[t->len - 3] = 'E';
			n = t->len - 2;
		} else if (memcmp(t->w + t->len - 3, "IED", 3) == 0 ||
			   memcmp(t->w + t->len - 3, "IES", 3) == 0) {
			memcpy(buf, t->w, t->len - 3);
			buf[t->len - 3] = 'Y';
			n = t->len - 2;
		}
		if (n) {
			uint32_t hh = DICT_HASH_INIT;
			for (size_t i = 0; i < n; i++)
				hh = dict_hash_step(hh, (unsigned char)buf[i]);
			uint32_t id = dict_maybe(d, hh) ? dict_lex_find(d, buf, n, hh) : UINT32_MAX;
			if (id != UINT32_MAX)
				add_lexmatch(c, t, id, DERIVED);
		}
	}
}

static bool noun_ending(const char *s, size_t n)
{
	return (n == 1 && s[0] == 'S') || (n == 2 && memcmp(s, "'S", 2) == 0) ||
		(n == 2 && memcmp(s, "ES", 2) == 0);
}

static bool verb_ending(const char *word, size_t k, const char *s, size_t n)
{
	char last = k ? word[k - 1] : 0;
	if ((n == 1 && s[0] == 'S') || (n == 2 && (memcmp(s, "ES", 2) == 0 ||
							memcmp(s, "ED", 2) == 0 || memcmp(s, "EN", 2) == 0)) ||
		(n == 3 && memcmp(s, "ING", 3) == 0))
		return true;
	if (last == 'E' && n == 1 && (s[0] == 'D' || s[0] == 'N'))
		return true;
	/* doubled final consonant: STOPPED, PLANNING */
	if (n >= 3 && s[0] == last && last != 'E' &&
		(memcmp(s + 1, "ED", 2) == 0 || (n == 4 && memcmp(s + 1, "ING", 3) == 0) ||
			memcmp(s + 1, "EN", 2) == 0) && (n == 3 || n == 4))
		return true;
	return false;
}

/* Regular verb endings as English spells them: PLANS not PLANES, DEPLORED not DEPLOREED. */
static bool verb_ending_strict(const char *word, size_t k, const char *s, size_t n)
{
	char last = k ? word[k - 1] : 0, prev = k > 1 ? word[k - 2] : 0;
	bool sibilant = last == 'S' || last == 'X' || last == 'Z' || last == 'O' ||
		(last == 'H' && (prev == 'C' || prev == 'S'));
	bool vowel = last == 'A' || last == 'E' || last == 'I' || last == 'O' || last == 'U';
	if (n == 1 && s[0] == 'S')
		return !sibilant || last == 'O';
	if (n == 2 && memcmp(s, "ES", 2) == 0)
		return sibilant;
	if (n == 1 && (s[0] == 'D' || s[0] == 'N'))
		return last == 'E';
	if (n == 2 && (memcmp(s, "ED", 2) == 0 || memcmp(s, "EN", 2) == 0))
		return last != 'E';
	if (n == 3 && memcmp(s, "ING", 3) == 0)
		return last != 'E' || prev == 'E';
	/* doubled final consonant: STOPPED, PLANNING */
	if (n >= 3 && s[0] == last && !vowel && last != 'W' && last != 'X' && last != 'Y' &&
		((n == 3 && (memcmp(s + 1, "ED", 2) == 0 || memcmp(s + 1, "EN", 2) == 0)) ||
			(n == 4 && memcmp(s + 1, "ING", 3) == 0)))
		return true;
	return false;
}

/* Does token t match the dictionary word `lex` in `mode`? */
static bool tok_matches(const struct coder *c, const struct tok *t, uint32_t lex, uint8_t mode)
{
	const struct lexmatch *lm = c->lms + t->lm;
	for (uint16_t i = 0; i < t->nlm; i++) {
		if (lm[i].lex != lex)
			continue;
		uint16_t k = lm[i].k;
		if (k == DERIVED)
			return mode == DICT_VERB || mode == DICT_NOUN;
		switch (mode) {
		case DICT_STEM:
			return true;
		case DICT_EXACT:
			return k == t->len;
		case DICT_NOUN:
			return k == t->len || noun_ending(t->w + k, t->len - k);
		case DICT_VERB:
			if (k == t->len)
				return true;
			return c->opt.strict_endings ?
				verb_ending_strict(c->dict->strings + c->dict->lex[lex].str, k, t->w + k,
					t->len - k) :
				verb_ending(t->w, k, t->w + k, t->len - k);
		default:
			return false;
		}
	}
	return false;
}

/* ---- phrases of names, agents, verbs and nouns --------------------------------------- */

/*
 * Matches a phrase made only of words at token `pos`. Open connectors skip up to
 * PHRASE_GAP tokens (not across a comma). Marks matched tokens in `used`; returns the
 * last token matched, or -1.
 */
static int match_words(const struct coder *c, const struct dict_elem *e, int n, int pos,
	uint8_t *used, int *budget)
{
	if (--*budget < 0)
		return -1;
	const struct tok *t = &c->toks[pos];
	if (e[0].kind != ELEM_WORD || !tok_matches(c, t, e[0].id, e[0].mode))
		return -1;
	if (n == 1) {
		used[pos] = 1;
		return pos;
	}
	int limit = e[0].consecutive ? pos + 1 : pos + 1 + PHRASE_GAP;
	for (int p = pos + 1; p <= limit && p < c->ntoks; p++) {
		if (c->toks[p].flags & TEXT_COMMA)
			break;
		int end = match_words(c, e + 1, n - 1, p, used, budget);
		if (end >= 0) {
			used[pos] = 1;
			return end;
		}
	}
	return -1;
}

struct phrase_hit {
	uint32_t entry;
	int end;
	unsigned length;
	uint8_t used[MAX_TOKENS];
};

/*
 * The longest phrase of class `cls` starting at token pos (plain phrases of one kind
 * only when plain_kind >= 0). Returns true with the hit filled in.
 */
static bool best_phrase_upto(const struct coder *c, int pos, enum dict_class cls, int plain_kind,
	int max_end, struct phrase_hit *hit)
{
	const struct dict *d = c->dict;
	const struct tok *t = &c->toks[pos];
	bool found = false;
	hit->length = 0;
	for (uint16_t i = 0; i < t->nlm; i++) {
		const struct lexmatch *lm = &c->lms[t->lm + i];
		const struct dict_lex *lx = &d->lex[lm->lex];
		uint32_t first = lx->starts;
		for (int k = 0; k < (int)cls; k++)
			first += lx->nstarts[k];
		for (uint32_t s = 0; s < lx->nstarts[cls]; s++) {
			const struct dict_start *st = &d->starts[first + s];
			if (found && st->length <= hit->length)
				break; /* sorted longest first: nothing better for this word */
			/* cheap tests before touching the phrase: its first word fits the token
			 * and its second word occurs somewhere in the sentence */
			if (st->mode == DICT_EXACT && lm->k != t->len)
				continue;
			if (st->second != UINT32_MAX && c->lex_stamp[st->second] != c->stamp)
				continue;
			uint32_t phrase;
			switch (cls) {
			case CLASS_ACTOR:
				phrase = d->actors[st->entry].phrase;
				break;
			case CLASS_AGENT:
				phrase = d->agents[st->entry].phrase;
				break;
			case CLASS_VERB:
				phrase = d->verbs[st->entry].phrase;
				break;
			default:
				if (plain_kind >= 0 && d->plains[st->entry].kind != plain_kind)
					continue;
				phrase = d->plains[st->entry].phrase;
				break;
			}
			const struct dict_phrase *p = &d->phrases[phrase];
			if (found && p->length <= hit->length)
				break; /* sorted longest first: nothing better for this word */
			uint8_t used[MAX_TOKENS];
			int budget = 2000;
			int lo = pos, hi = pos + p->count * (PHRASE_GAP + 1);
			if (hi > c->ntoks)
				hi = c->ntoks;
			memset(used + lo, 0, (size_t)(hi - lo));
			int end = match_words(c, d->elems + p->first, p->count, pos, used, &budget);
			if (end < 0 || end > max_end)
				continue;
			found = true;
			hit->entry = st->entry;
			hit->end = end;
			hit->length = p->length;
			memset(hit->used + lo, 0, (size_t)(hi - lo));
			memcpy(hit->used + pos, used + pos, (size_t)(end - pos + 1));
			break;
		}
	}
	return found;
}

static bool best_phrase(const struct coder *c, int pos, enum dict_class cls, int plain_kind,
	struct phrase_hit *hit)
{
	return best_phrase_upto(c, pos, cls, plain_kind, c->ntoks, hit);
}

/* ---- actor codes ------------------------------------------------------------------- */

/* The code an actor has on the document's date (TABARI's rule); NULL if none. */
static const char *actor_code_on(const struct dict *d, const struct dict_actor *a, int32_t date)
{
	const char *fallback = NULL;
	for (uint16_t i = 0; i < a->ncodes; i++) {
		const struct dict_code *code = &d->codes[a->codes + i];
		if (!code->dated) {
			if (!fallback)
				fallback = dict_str(d, code->code);
			continue;
		}
		if (date == CODER_DATE_UNKNOWN)
			continue;
		if (date >= code->from && date <= code->to)
			return dict_str(d, code->code);
	}
	return fallback;
}

/* Appends or prefixes an agent code unless it is already there on a 3-letter boundary. */
static void combine_code(char *code, const char *agent, bool suffix)
{
	size_t cl = strlen(code), al = strlen(agent);
	if (al == 0 || cl + al + 1 > MAX_CODE || strchr(code, '/'))
		return;
	if (suffix) {
		for (size_t i = 0; i + al <= cl; i += 3)
			if (memcmp(code + i, agent, al) == 0)
				return;
		memcpy(code + cl, agent, al + 1);
	} else {
		if (cl >= al && memcmp(code, agent, al) == 0)
			return;
		memmove(code + al, code, cl + 1);
		memcpy(code, agent, al);
	}
}

/* ---- tagging --------------------------------------------------------------------- */

static void mark(struct coder *c, const struct phrase_hit *hit, int pos, enum tok_type type,
	int index)
{
	for (int i = pos; i <= hit->end; i++) {
		if (!hit->used[i])
			continue;
		c->toks[i].type = (uint8_t)type;
		if (type == T_ACTOR)
			c->toks[i].actor = (int16_t)index;
		if (type == T_VERB)
			c->toks[i].verb = (int16_t)index;
	}
}

static void add_actor(struct coder *c, int start, int end, const char *code, uint32_t entry,
	enum actor_kind kind)
{
	if (c->nactors >= MAX_ACTORS)
		return;
	struct actor *a = &c->actors[c->nactors];
	memset(a, 0, sizeof *a);
	a->start = (int16_t)start;
	a->end = (int16_t)end;
	a->kind = (uint8_t)kind;
	a->entry = entry;
	a->group = -1;
	snprintf(a->code, sizeof a->code, "%s", code);
	c->nactors++;
}

/* Does word t, joined by a hyphen to the word after it, make that word an adjective
 * of which it is no part ("pro-Russian", "anti-US", "ex-Soviet", "non-NATO")? */
static bool hyphen_prefix(const struct tok *t)
{
	static const char *const prefixes[] = {"PRO", "ANTI", "EX", "POST", "PRE", "NON",
		"NEO", "PAN", "PSEUDO", "QUASI", "SEMI", "MID", "CROSS", "TRANS", "INTRA",
		"INTER", "SUB", "SUPER", "ULTRA", "COUNTER"};
	if (!(t->flags & TEXT_WORD) || t->len > 7)
		return false;
	return WORD_IN(t, prefixes);
}

/*
 * "US-backed forces", "China-brokered talks", "Iranian-made drones": a name joined by a
 * hyphen to a participle (or a word like BORN, STYLE) is an adjective about something
 * else, not the actor. Kept: "US-led", "Saudi-owned", "British-flagged", "Israel-linked",
 * "state-run", "a Somalia-based group", where what follows belongs to or sits in the
 * name's country; and names joined to names or nouns ("US-South Korean drills", "the
 * Russia-Ukraine war").
 */
static bool hyphen_belonging(const struct tok *t)
{
	static const char *const keep[] = {"LED", "RUN", "OWNED", "FLAGGED", "LINKED",
		"REGISTERED", "OPERATED", "COMMANDED", "STATE", "BASED", "HEADQUARTERED"};
	if (!(t->flags & TEXT_WORD) || !(t->flags & TEXT_HYPHEN))
		return false;
	return WORD_IN(t, keep);
}

static bool hyphen_modifier(const struct tok *t)
{
	static const char *const words[] = {"BORN", "MADE", "BUILT", "HELD", "STYLE", "ERA",
		"BOUND", "FRIENDLY", "WIDE", "LANGUAGE", "INSPIRED", "BRED", "GROWN", "ORIGIN",
		"FOCUSED", "CENTRIC", "LEANING", "SPEAKING", "AFFILIATED", "BACKED"};
	if (!(t->flags & TEXT_WORD) || !(t->flags & TEXT_HYPHEN) || (t->flags & TEXT_NUMBER) ||
		hyphen_belonging(t))
		return false;
	if (WORD_IN(t, words))
		return true;
	return t->len > 4 && (memcmp(t->w + t->len - 2, "ED", 2) == 0 ||
				     memcmp(t->w + t->len - 2, "EN", 2) == 0 ||
				     memcmp(t->w + t->len - 3, "ING", 3) == 0);
}

/*
 * A one-word name of up to three letters is an abbreviation or a short name, and may be
 * an ordinary word in lower case ("us", "un", "eu"): it matches only a capitalised word
 * (all capitals for two letters that are also a common word: "Us" is not the US) or any
 * word of an all-capitals sentence, and takes no plural ending ("uses" is not the US's).
 */
static bool short_name_fits(const struct coder *c, int i, const struct dict_actor *a)
{
	const struct dict *d = c->dict;
	const struct dict_phrase *ph = &d->phrases[a->phrase];
	const struct dict_elem *e = &d->elems[ph->first];
	if (ph->count != 1 || e->kind != ELEM_WORD || d->lex[e->id].len > 3)
		return true;
	const struct tok *t = &c->toks[i];
	uint16_t len = d->lex[e->id].len;
	if (t->len != len && !(t->len == len + 2 && memcmp(t->w + len, "'S", 2) == 0))
		return false;
	if (c->all_caps)
		return true;
	if (!(t->flags & TEXT_CAPITALIZED))
		return false;
	/* two letters that are also a common word ("Us", "Un", "It"): all capitals; other
	 * two-letter names ("Xi", "Li") need only their capital */
	static const char *const words[] = {"US", "UN", "AU", "EU", "IS", "IT", "AS", "AT", "BE",
		"BY", "DO", "GO", "HE", "IF", "IN", "ME", "MY", "NO", "OF", "ON", "OR", "SO", "TO",
		"UP", "WE", "AM", "AN", "OH", "OK", "LA", "LE", "DE", "EL", "DI", "DA", "DU", "EN",
		"ET", "IL", "YA", "YE"};
	bool word = false;
	for (size_t w = 0; len == 2 && w < sizeof words / sizeof words[0] && !word; w++)
		word = memcmp(t->w, words[w], 2) == 0;
	if (word) {
		const char *src = c->doc + t->src_offset;
		for (uint16_t k = 0, letters = 0; k < t->src_len && letters < len; k++) {
			if (src[k] >= 'a' && src[k] <= 'z')
				return false;
			letters += src[k] >= 'A' && src[k] <= 'Z';
		}
	}
	return true;
}

/* Is the phrase at [start, end] part of a hyphenated adjective (news mode)? */
static bool in_hyphen_adjective(const struct coder *c, int start, int end)
{
	if (!c->opt.nearest_subject)
		return false;
	if ((c->toks[start].flags & TEXT_HYPHEN) && start > 0 && hyphen_prefix(&c->toks[start - 1]))
		return true;
	return end + 1 < c->ntoks && c->toks[end + 1].type == T_FREE &&
		hyphen_modifier(&c->toks[end + 1]);
}

static void tag_actors(struct coder *c)
{
	const struct dict *d = c->dict;
	struct phrase_hit hit;
	for (int i = 0; i < c->ntoks; i++) {
		if (c->toks[i].type != T_FREE || !(c->toks[i].flags & TEXT_WORD))
			continue;
		if (!best_phrase(c, i, CLASS_ACTOR, -1, &hit))
			continue;
		/* news: a phrase that cuts a longer name of the same actor in two ("Chinese
		 * President Xi | Jinping", both CHNGOV) yields to the longer name ("Xi
		 * Jinping"): what is tagged here stops before it ("Chinese") */
		const char *mine = NULL;
		for (int q = i + 1; c->opt.nearest_subject && q <= hit.end; q++) {
			struct phrase_hit longer;
			if (!best_phrase(c, q, CLASS_ACTOR, -1, &longer) || longer.end <= hit.end)
				continue;
			if (!mine)
				mine = actor_code_on(d, &d->actors[hit.entry], c->date);
			const char *its = actor_code_on(d, &d->actors[longer.entry], c->date);
			if (!mine || !its || strcmp(mine, its) != 0)
				continue;
			/* the longest phrase here that stops before the longer name, if any */
			if (!best_phrase_upto(c, i, CLASS_ACTOR, -1, q - 1, &hit))
				hit.end = -1;
			break;
		}
		if (hit.end < i)
			continue;
		const struct dict_actor *a = &d->actors[hit.entry];
		/* "us" is not the US, "un" not the UN: a short one-word name wants capitals */
		if (c->opt.nearest_subject ? !short_name_fits(c, i, a) :
					     hit.end == i && c->toks[i].len <= 3 &&
						     (c->toks[i].flags & TEXT_HAS_LOWER) &&
						     d->phrases[a->phrase].count == 1)
			continue;
		/* news: in a text written in mixed case a name has a capital; "the west bank of
		 * the Dnipro", "two turkeys" are not the West Bank and Turkey */
		if (c->opt.nearest_subject && !c->all_caps && c->cased) {
			bool capital = false;
			for (int k = i; k <= hit.end && !capital; k++)
				capital = (c->toks[k].flags & TEXT_CAPITALIZED) != 0;
			if (!capital)
				continue;
		}
		if (in_hyphen_adjective(c, i, hit.end)) {
			mark(c, &hit, i, T_NOUN, -1);
			continue;
		}
		const char *code = actor_code_on(d, a, c->date);
		if (!code || strcmp(code, DICT_CODE_NULL) == 0) {
			mark(c, &hit, i, T_NOUN, -1); /* null-coded actors are nouns */
			continue;
		}
		if (strcmp(code, DICT_CODE_DISCARD) == 0)
			c->discard = true;
		else if (strcmp(code, DICT_CODE_COMPLEX) == 0)
			c->complex = true;
		if (c->nactors >= MAX_ACTORS)
			return;
		mark(c, &hit, i, T_ACTOR, c->nactors);
		add_actor(c, i, hit.end, code, hit.entry, ACT_NAME);
	}
}

static bool is_country_code(struct coder *c, const char *code);
static int actor_starting_at(const struct coder *c, int pos);

/* Removes actor a (tokens become nouns) and renumbers the token references. */
static void remove_actor(struct coder *c, int a)
{
	for (int k = 0; k < c->ntoks; k++) {
		if (c->toks[k].type != T_ACTOR)
			continue;
		if (c->toks[k].actor == a) {
			c->toks[k].type = T_NOUN;
			c->toks[k].actor = -1;
		} else if (c->toks[k].actor > a) {
			c->toks[k].actor--;
		}
	}
	memmove(&c->actors[a], &c->actors[a + 1], (size_t)(c->nactors - a - 1) * sizeof *c->actors);
	c->nactors--;
}

/*
 * News: "in Atlanta, Georgia", "near Tbilisi, Georgia": a place after a locative
 * preposition, a comma and a country or state name is one place. When the two name the
 * same country they are one actor; when they do not, the dictionaries cannot tell which
 * reading is meant (Georgia the state, Moscow the town in Idaho), and neither is coded.
 * A list ("in Russia, China and Iran") is not an appositive.
 */
static void place_appositives(struct coder *c)
{
	for (int a = 0; a + 1 < c->nactors; a++) {
		struct actor *x = &c->actors[a], *y = &c->actors[a + 1];
		int comma = x->end + 1;
		if (comma >= c->ntoks || !(c->toks[comma].flags & TEXT_COMMA) || y->start != comma + 1 ||
			strlen(x->code) != 3 || strlen(y->code) != 3 || !is_country_code(c, x->code) ||
			!is_country_code(c, y->code))
			continue;
		int b = x->start - 1;
		while (b >= 0 && c->toks[b].word == W_DETERMINER)
			b--;
		if (b < 0 || !(word_is(&c->toks[b], "IN") || word_is(&c->toks[b], "AT") ||
				      word_is(&c->toks[b], "NEAR") || word_is(&c->toks[b], "OUTSIDE") ||
				      word_is(&c->toks[b], "INSIDE")))
			continue;
		/* "... its troops in Ukraine, Britain says": after a verb, a name before a
		 * verb opens a new clause */
		bool verb_before = false;
		for (int k = 0; k < b && !verb_before; k++)
			verb_before = c->toks[k].type == T_VERB && !c->verbs[c->toks[k].verb].noun;
		int after = y->end + 1;
		if (verb_before && after < c->ntoks && c->toks[after].type == T_VERB &&
			!c->verbs[c->toks[after].verb].noun)
			continue;
		/* a list goes on: ", Z" or "and Z" after Y */
		int p = y->end + 1;
		if (p < c->ntoks && (c->toks[p].flags & TEXT_COMMA))
			p++;
		if (p < c->ntoks && c->toks[p].word == W_CONJ)
			p++;
		if (p > y->end + 1 && actor_starting_at(c, p) >= 0)
			continue;
		if (strcmp(x->code, y->code) != 0) {
			remove_actor(c, a + 1);
			remove_actor(c, a);
			a--;
			continue;
		}
		for (int k = y->start; k <= y->end; k++)
			if (c->toks[k].type == T_ACTOR)
				c->toks[k].actor = (int16_t)a;
		c->toks[comma].type = T_ACTOR;
		c->toks[comma].actor = (int16_t)a;
		c->toks[comma].protect = 1;
		/* and the comma closing the appositive: "Police in Tbilisi, Georgia, fired" */
		if (y->end + 1 < c->ntoks && (c->toks[y->end + 1].flags & TEXT_COMMA))
			c->toks[y->end + 1].protect = 1;
		x->end = y->end;
		remove_actor(c, a + 1);
	}
}

static void tag_plain_and_verbs(struct coder *c)
{
	const struct dict *d = c->dict;
	struct phrase_hit hit;
	/* discards look at every word, tagged or not */
	for (int i = 0; i < c->ntoks && !c->discard; i++) {
		if (!(c->toks[i].flags & TEXT_WORD))
			continue;
		if (!best_phrase(c, i, CLASS_DISCARD, -1, &hit))
			continue;
		c->discard = true;
		if (d->plains[hit.entry].kind == PLAIN_DISCARD_STORY ||
			best_phrase(c, i, CLASS_DISCARD, PLAIN_DISCARD_STORY, &hit))
			c->story_discard = true;
	}
	for (int i = 0; i < c->ntoks; i++) {
		struct tok *t = &c->toks[i];
		if (t->type != T_FREE || !(t->flags & TEXT_WORD))
			continue;
		if (best_phrase(c, i, CLASS_AGENT, -1, &hit)) {
			/* "pro-government militias": no government here */
			if ((t->flags & TEXT_HYPHEN) && c->opt.nearest_subject && i > 0 &&
				hyphen_prefix(&c->toks[i - 1])) {
				mark(c, &hit, i, T_NOUN, -1);
				continue;
			}
			mark(c, &hit, i, T_AGENT, -1);
			for (int k = i; k <= hit.end; k++)
				if (hit.used[k])
					c->toks[k].agent = (int32_t)hit.entry;
			continue;
		}
		if (best_phrase(c, i, CLASS_PLAIN, PLAIN_NOUN, &hit)) {
			mark(c, &hit, i, T_NOUN, -1);
			continue;
		}
		if (best_phrase(c, i, CLASS_PLAIN, PLAIN_ADJECTIVE, &hit)) {
			mark(c, &hit, i, T_ADJECTIVE, -1);
			continue;
		}
		if (best_phrase(c, i, CLASS_VERB, -1, &hit)) {
			const struct dict_verb *v = &d->verbs[hit.entry];
			const struct dict_family *f = &d->families[v->family];
			const struct dict_event_code *ev = &d->events[v->event];
			if (f->time) {
				if (c->opt.time_shift) {
					if (ev->flags & EVENT_DISCARD)
						c->discard = true;
					if (ev->flags & EVENT_COMPLEX)
						c->complex = true;
				}
				mark(c, &hit, i, T_TIME, -1);
				continue;
			}
			if ((ev->flags & EVENT_NULL) && f->npatterns == 0) {
				mark(c, &hit, i, T_NOUN, -1); /* a null word, not a verb */
				continue;
			}
			if (c->nverbs >= MAX_VERBS)
				continue;
			struct verb *vb = &c->verbs[c->nverbs];
			vb->start = (int16_t)i;
			vb->end = (int16_t)hit.end;
			vb->entry = hit.entry;
			vb->noun = 0;
			mark(c, &hit, i, T_VERB, c->nverbs);
			c->nverbs++;
		}
	}
}

/* Verbs after THE/A/AN, and capitalised verbs inside ordinary sentences, are nouns. */
static void shift_verbs_to_nouns(struct coder *c)
{
	const struct dict *d = c->dict;
	for (int v = 0; v < c->nverbs; v++) {
		struct verb *vb = &c->verbs[v];
		int s = vb->start;
		bool noun = false;
		if (s > 0 && c->toks[s - 1].word == W_DETERMINER)
			noun = true;
		bool initial = true;
		for (int k = s - 1; k >= 0; k--) {
			if (c->toks[k].flags & TEXT_WORD) {
				initial = false;
				break;
			}
			if (c->toks[k].flags & TEXT_QUOTE)
				break;
		}
		if (!initial && (c->toks[s].flags & TEXT_CAPITALIZED) && !c->all_caps &&
			!c->title_case)
			noun = true;
		if (noun) {
			vb->noun = 1;
			for (int k = vb->start; k <= vb->end; k++)
				if (c->toks[k].verb == v)
					c->toks[k].type = T_NOUN;
		}
		(void)d;
	}
}

static const struct dict_agent *agent_at(const struct coder *c, int i)
{
	const struct tok *t = &c->toks[i];
	if (t->type != T_AGENT || t->agent < 0 || (size_t)t->agent >= c->dict->nagents)
		return NULL;
	return &c->dict->agents[t->agent];
}

/* Agent phrase extent [*ret_start, *ret_end] around token i. */
static void agent_extent(const struct coder *c, int i, int *ret_start, int *ret_end)
{
	int32_t id = c->toks[i].agent;
	int s = i, e = i;
	while (s > 0 && c->toks[s - 1].type == T_AGENT && c->toks[s - 1].agent == id)
		s--;
	while (e + 1 < c->ntoks && c->toks[e + 1].type == T_AGENT && c->toks[e + 1].agent == id)
		e++;
	*ret_start = s;
	*ret_end = e;
}

enum { AGENT_BEFORE = 1, AGENT_AFTER = 2 };

/*
 * Does an actor already coded as an armed group or the opposition take the agent in as
 * one of its own? "Hamas leader", "Houthi officials", "Congress spokesman" are members
 * of the group, not a government (PSEREB, not PSEREBGOV); "Boko Haram gunmen" are its
 * rebels (NGAREB, not NGAREBUAF), a cartel's gunmen its criminals. Groups: REB INS SEP
 * CRM (and for GOV also UAF and OPP) after the country, or an international militarized
 * group (IMG...).
 */
static bool agent_of_group(const char *code, const char *agent)
{
	bool gov = strcmp(agent, "GOV") == 0, uaf = strcmp(agent, "UAF") == 0;
	if (!gov && !uaf)
		return false;
	if (strncmp(code, "IMG", 3) == 0)
		return true;
	static const char *const groups[] = {"REB", "INS", "SEP", "CRM", "UAF", "OPP"};
	size_t cl = strlen(code);
	for (size_t i = 3; i + 3 <= cl; i += 3)
		for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
			if (memcmp(code + i, groups[g], 3) == 0 && (gov || g < 4))
				return true;
	return false;
}

static void apply_agent(struct coder *c, struct actor *a, const struct dict_agent *ag,
	bool former, int side)
{
	const char *code = former ? "ELI" : dict_str(c->dict, ag->code);
	bool suffix = former ? true : ag->suffix;
	if (!(suffix && agent_of_group(a->code, code)))
		combine_code(a->code, code, suffix);
	a->agent_side = (uint8_t)side;
	a->agent_suffix = suffix;
	snprintf(a->agent, sizeof a->agent, "%s", code);
}

/*
 * "The ambassadors of France, Germany and Italy", "Russian and Chinese troops": in news
 * mode an agent at one end of a compound applies to its other members (TABARI applies
 * it to the nearest only).
 */
static void spread_agents(struct coder *c)
{
	for (int g = 0; g < c->ngroups; g++) {
		const struct group *gr = &c->groups[g];
		if (gr->count < 2)
			continue;
		const struct actor *from = NULL;
		const struct actor *first = &c->actors[gr->first];
		const struct actor *last = &c->actors[gr->first + gr->count - 1];
		if (first->agent_side == AGENT_BEFORE)
			from = first;
		else if (last->agent_side == AGENT_AFTER)
			from = last;
		if (!from)
			continue;
		for (int a = gr->first; a < gr->first + gr->count; a++) {
			struct actor *ac = &c->actors[a];
			if (ac->agent_side || ac->kind == ACT_PRONOUN || strchr(ac->code, '/'))
				continue;
			if (from->agent_suffix && agent_of_group(ac->code, from->agent))
				continue;
			combine_code(ac->code, from->agent, from->agent_suffix);
		}
	}
}

static bool is_country_code(struct coder *c, const char *code);
static bool the_role(struct coder *c, int at, char *code, size_t cap, int *ret_end);

/*
 * Roles that are mostly a country's own people: police, protesters, rebels, workers,
 * courts... Not government or military: "Slovakia expels diplomats" and "troops
 * withdraw from Brunei" are about other countries' officials and soldiers.
 */
static bool domestic_role(const char *role)
{
	static const char *const roles[] = {"OPP", "COP", "REB", "INS", "SEP", "UAF", "CVL",
		"LAB", "EDU", "JUD", "LEG", "MED", "BUS", "CRM", "REF", "HLH", "AGR", "REL", "NGO",
		"ENV", "SPY"};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strncmp(role, roles[i], 3) == 0)
			return true;
	return false;
}

static bool is_preposition(const struct tok *t);

/*
 * The one country the sentence names for the agent at [s, e], into out[4]; "" if none
 * or several. For armed men and criminals (`armed`), who cross borders, a country named
 * after the agent's verb is the other party, not their home ("militants fired rockets
 * at Israel", "hackers attacked Italian websites"), unless it is where things happen
 * ("gunmen kidnapped students in northwest Nigeria").
 */
static void sentence_country(struct coder *c, int e, bool armed, char out[4])
{
	out[0] = '\0';
	for (int a = 0; a < c->nactors; a++) {
		const char *code = c->actors[a].code;
		if (c->actors[a].kind != ACT_NAME || strchr(code, '/') || !is_country_code(c, code))
			continue;
		int at = c->actors[a].start;
		/* a name inside a quotation is not the home of reporters outside it */
		int quotes = 0;
		for (int k = at < e ? at : e; k < (at < e ? e : at); k++)
			quotes += (c->toks[k].flags & TEXT_QUOTE) != 0;
		if (quotes % 2)
			continue;
		if (armed && at > e) {
			bool verb = false, place = false;
			for (int k = e + 1; k < at && !verb; k++)
				verb = c->toks[k].type == T_VERB;
			int b = at - 1;
			while (b > e && (c->toks[b].word == W_DETERMINER || c->toks[b].type == T_FREE) &&
				!is_preposition(&c->toks[b]) && b > at - 3)
				b--;
			place = b > e && (word_is(&c->toks[b], "IN") || word_is(&c->toks[b], "ACROSS") ||
						 word_is(&c->toks[b], "THROUGHOUT") ||
						 word_is(&c->toks[b], "INSIDE") || word_is(&c->toks[b], "AROUND"));
			if (verb && !place)
				continue;
		}
		if (out[0] && strncmp(out, code, 3) != 0) {
			out[0] = '\0';
			return;
		}
		memcpy(out, code, 3);
		out[3] = '\0';
	}
}

static bool premodifier(const struct tok *t)
{
	static const char *const words[] = {"CURRENT", "NEW", "TOP", "SENIOR", "ACTING",
		"INTERIM", "OUTGOING", "INCOMING", "LONGTIME", "VETERAN", "POWERFUL", "EMBATTLED",
		"EXILED", "JAILED", "DETAINED", "NEWLY", "ELECTED", "CAPTURED", "SUSPECTED",
		"ALLEGED", "ARMED", "UNIDENTIFIED", "MASKED", "ELITE", "HARDLINE", "LOCAL",
		"REGIONAL", "PROVINCIAL", "VISITING", "RULING", "RIVAL", "LEADING", "OFFICIAL",
		"SEVERAL", "MANY", "SOME", "TWO", "THREE", "FOUR", "FIVE", "DOZENS", "HUNDREDS"};
	return WORD_IN(t, words);
}

/*
 * Back from the token before an agent (b) over the words that may stand between it and
 * its name: after a possessive ("Poland's current interior minister") up to two words
 * that are not prepositions, conjunctions or verbs; after a plain name one listed
 * modifier ("Iranian senior officials"). Returns the token the name should end at, or
 * b unchanged.
 */
static int skip_premodifiers(const struct coder *c, int b)
{
	int k = b, n = 0;
	while (k > 0 && n < 2) {
		const struct tok *t = &c->toks[k];
		if (t->type != T_FREE || t->word != W_NONE || !(t->flags & TEXT_WORD) ||
			is_preposition(t) || (t->flags & TEXT_NUMBER && n > 0))
			break;
		k--;
		n++;
		const struct tok *e = &c->toks[k];
		if (e->type != T_ACTOR || e->actor < 0 || c->actors[e->actor].end != k)
			continue;
		bool possessive = e->len > 2 && memcmp(e->w + e->len - 2, "'S", 2) == 0;
		if (possessive || (n == 1 && premodifier(&c->toks[b])))
			return k;
		break;
	}
	return b;
}

/*
 * Agents join the actor right before or after them, or the actor after IN/OF:
 * "Russian troops", "President Putin", "ambassador of Arnor". FORMER turns the
 * agent into ELI. Unattached agents become actors only with SET: CONVERT AGENTS.
 */
/*
 * News: an agent word that is also an abstract noun (-TION, -ANCE, -ENCE, -SHIP), as
 * the object of a verb or after a possessive and followed by TO, is the stance, not
 * the people: "drops (its) opposition to the plan", "ended resistance to the deal".
 */
static bool abstract_use(const struct coder *c, int s, int e)
{
	if (e + 1 >= c->ntoks || !word_is(&c->toks[e + 1], "TO") || s < 1)
		return false;
	const struct tok *w = &c->toks[e];
	static const char *const endings[] = {"TION", "ANCE", "ENCE", "SHIP"};
	bool abstract = false;
	for (size_t i = 0; i < sizeof endings / sizeof endings[0] && !abstract; i++)
		abstract = w->len > 6 && memcmp(w->w + w->len - 4, endings[i], 4) == 0;
	if (!abstract)
		return false;
	const struct tok *b = &c->toks[s - 1];
	return b->type == T_VERB || b->word == W_POSSESSIVE || b->word == W_PLURAL ||
		word_is(b, "OUR");
}

static void attach_agents(struct coder *c)
{
	for (int i = 0; i < c->ntoks; i++) {
		if (c->toks[i].type != T_AGENT)
			continue;
		int s, e;
		agent_extent(c, i, &s, &e);
		const struct dict_agent *ag = agent_at(c, i);
		i = e;
		if (!ag)
			continue;
		bool former = s > 0 && c->toks[s - 1].word == W_FORMER;
		int attached = 0;
		/* actor before: "Russian troops", "Arnor former security officials" */
		int b = s - 1;
		if (b >= 0 && c->toks[b].word == W_FORMER) {
			former = true;
			b--;
		}
		/* "US-led forces", "Saudi-owned firms" (LED may have been tagged as a verb) */
		if (b > 0 && c->opt.nearest_subject && c->toks[b].type != T_ACTOR &&
			c->toks[b].type != T_AGENT && hyphen_belonging(&c->toks[b]))
			b--;
		/* "Poland's current interior minister", "Russia's new deputy envoy", "Iranian
		 * senior officials": modifiers between a name and its agent (news mode) */
		if (c->opt.nearest_subject)
			b = skip_premodifiers(c, b);
		if (b >= 0 && c->toks[b].type == T_ACTOR && c->toks[b].actor >= 0) {
			struct actor *a = &c->actors[c->toks[b].actor];
			if (a->end == b) {
				/* "former Gondor prosecutors" */
				if (a->start > 0 && c->toks[a->start - 1].word == W_FORMER)
					former = true;
				apply_agent(c, a, ag, former, AGENT_AFTER);
				a->end = (int16_t)e;
				attached++;
			}
		}
		/* actor after: "President Putin", "human rights activists in Arnor" */
		int f = e + 1;
		if (f < c->ntoks && c->toks[f].word == W_FORMER) {
			former = true;
			f++;
		}
		/* "ambassador of X", "activists in X"; in news also "spokeswoman for X", and
		 * "troops from X" where the agent opens the noun phrase (not "pulled its
		 * troops from X", "evacuated diplomats from X") and the phrase is no verb's
		 * object: a word other than a preposition or a conjunction before its article
		 * or number is a verb taking it ("withdraws 500 troops from Syria", "receives
		 * 16 jets from Denmark": from where, not whose) */
		bool opens = s == 0;
		if (s > 0 && (c->toks[s - 1].word == W_DETERMINER ||
				     (c->toks[s - 1].flags & TEXT_NUMBER))) {
			int before = s - 2;
			while (before >= 0 && (c->toks[before].word == W_DETERMINER ||
						       (c->toks[before].flags & TEXT_NUMBER)))
				before--;
			const struct tok *lead = before >= 0 ? &c->toks[before] : NULL;
			opens = !lead || !(lead->flags & TEXT_WORD) || lead->word == W_PREPOSITION ||
				is_preposition(lead) || lead->word == W_CONJ ||
				lead->word == W_SUBORDINATOR;
		}
		if (f < c->ntoks && (c->toks[f].word == W_PREPOSITION ||
					    (c->opt.merge_actors && word_is(&c->toks[f], "FOR")) ||
					    (c->opt.merge_actors && opens && word_is(&c->toks[f], "FROM"))))
			f++;
		if (f < c->ntoks && c->toks[f].word == W_DETERMINER && f > e + 1)
			f++;
		if (!attached && f < c->ntoks && c->toks[f].type == T_ACTOR && c->toks[f].actor >= 0 &&
			c->actors[c->toks[f].actor].start == f) {
			struct actor *a = &c->actors[c->toks[f].actor];
			apply_agent(c, a, ag, former, AGENT_BEFORE);
			if (!attached)
				a->start = (int16_t)s;
			attached++;
		}
		for (int k = s; k <= e; k++)
			if (attached)
				c->toks[k].type = T_ACTOR, c->toks[k].actor = -1;
		/* news: an agent with no actor of its own, in a sentence about one country,
		 * belongs to it ("Venezuelan security forces arrested two opposition
		 * activists") */
		char home[4] = "";
		char known[MAX_CODE] = "";
		int known_end;
		if (!attached && c->opt.merge_actors && abstract_use(c, s, e))
			continue;
		if (!attached && c->opt.merge_actors && !former) {
			/* "the president": someone named before, if anyone has the role */
			if (!(s > 0 && word_is(&c->toks[s - 1], "THE") &&
				    the_role(c, s, known, sizeof known, &known_end)) &&
				domestic_role(dict_str(c->dict, ag->code))) {
				const char *role = dict_str(c->dict, ag->code);
				bool armed = strncmp(role, "UAF", 3) == 0 || strncmp(role, "INS", 3) == 0 ||
					strncmp(role, "SEP", 3) == 0 || strncmp(role, "CRM", 3) == 0;
				sentence_country(c, e, armed, home);
			}
		}
		if (!attached && (c->opt.convert_agents || home[0] || known[0]) &&
			c->nactors < MAX_ACTORS) {
			char code[MAX_CODE];
			const char *ac = dict_str(c->dict, ag->code);
			if (known[0])
				snprintf(code, sizeof code, "%s", known);
			else if (home[0])
				snprintf(code, sizeof code, ag->suffix ? "%s%s" : "%2$s%1$s", home, ac);
			else if (ag->suffix)
				snprintf(code, sizeof code, "~%s", ac);
			else
				snprintf(code, sizeof code, "%s~", ac);
			/* keep actors in token order */
			int at = 0;
			while (at < c->nactors && c->actors[at].start < s)
				at++;
			memmove(&c->actors[at + 1], &c->actors[at],
				(size_t)(c->nactors - at) * sizeof *c->actors);
			c->nactors++;
			struct actor *a = &c->actors[at];
			memset(a, 0, sizeof *a);
			a->start = (int16_t)s;
			a->end = (int16_t)e;
			a->kind = ACT_AGENT;
			a->group = -1;
			snprintf(a->code, sizeof a->code, "%s", code);
			for (int k = 0; k < c->ntoks; k++)
				if (c->toks[k].type == T_ACTOR && c->toks[k].actor >= at)
					c->toks[k].actor++;
			for (int k = s; k <= e; k++) {
				c->toks[k].type = T_ACTOR;
				c->toks[k].actor = (int16_t)at;
			}
		}
	}
	/* every token inside an actor's (possibly widened) span points at it */
	for (int a = 0; a < c->nactors; a++)
		for (int k = c->actors[a].start; k <= c->actors[a].end; k++)
			if (c->toks[k].type == T_ACTOR)
				c->toks[k].actor = (int16_t)a;
}

/*
 * "US President Donald Trump", "Venezuelan opposition leader Juan Guaido": actors side
 * by side that name one country are one actor, with the more specific code. (TABARI
 * would see two actors; news writes names this way all the time.)
 */
static void merge_adjacent_actors(struct coder *c)
{
	for (int a = 0; a + 1 < c->nactors;) {
		struct actor *x = &c->actors[a], *y = &c->actors[a + 1];
		size_t lx = strlen(x->code), ly = strlen(y->code);
		/* "the country's president Maduro" joins too: a reference then a name; so does
		 * "Russia's first deputy prime minister X" (a possessive, two words between) */
		bool adjacent = x->end + 1 == y->start && y->kind != ACT_PRONOUN;
		const struct tok *xe = &c->toks[x->end];
		if (!adjacent && y->kind != ACT_PRONOUN && y->start - x->end - 1 <= 2 &&
			xe->len > 2 && memcmp(xe->w + xe->len - 2, "'S", 2) == 0) {
			adjacent = true;
			for (int k = x->end + 1; k < y->start; k++)
				if (c->toks[k].type != T_FREE || !(c->toks[k].flags & TEXT_WORD) ||
					c->toks[k].word != W_NONE)
					adjacent = false;
		}
		bool compatible = lx >= 3 && ly >= 3 && !strchr(x->code, '/') &&
			!strchr(y->code, '/') &&
			(strncmp(x->code, y->code, lx < ly ? lx : ly) == 0);
		/* a possessive first name belongs to someone else: "Russia's Putin" merges,
		 * "Guaido's wife" is not an actor anyway */
		if (!adjacent || !compatible) {
			a++;
			continue;
		}
		if (ly > lx)
			memcpy(x->code, y->code, ly + 1);
		x->end = y->end;
		x->kind = y->kind;
		for (int k = y->start; k <= y->end; k++)
			if (c->toks[k].type == T_ACTOR)
				c->toks[k].actor = (int16_t)a;
		memmove(&c->actors[a + 1], &c->actors[a + 2],
			(size_t)(c->nactors - a - 2) * sizeof *c->actors);
		c->nactors--;
		for (int k = 0; k < c->ntoks; k++)
			if (c->toks[k].type == T_ACTOR && c->toks[k].actor > a)
				c->toks[k].actor--;
	}
}

/* "its troops", "their foreign ministers": an agent right after a possessive pronoun
 * belongs to the actor the pronoun stands for (news mode, after pronouns are resolved). */
static void attach_agents_to_pronouns(struct coder *c)
{
	for (int a = 0; a < c->nactors; a++) {
		struct actor *ac = &c->actors[a];
		if (ac->kind != ACT_PRONOUN || ac->end + 1 >= c->ntoks ||
			c->toks[ac->start].word == W_PRONOUN)
			continue;
		int f = ac->end + 1;
		if (c->toks[f].type != T_AGENT)
			continue;
		const struct dict_agent *ag = agent_at(c, f);
		int s, e;
		agent_extent(c, f, &s, &e);
		if (!ag || s != f || strchr(ac->code, '/') || abstract_use(c, s, e))
			continue;
		apply_agent(c, ac, ag, false, AGENT_AFTER);
		for (int k = s; k <= e; k++) {
			c->toks[k].type = T_ACTOR;
			c->toks[k].actor = (int16_t)a;
		}
		ac->end = (int16_t)e;
	}
}

/* ---- compounds -------------------------------------------------------------------- */

static int actor_starting_at(const struct coder *c, int pos)
{
	if (pos < 0 || pos >= c->ntoks || c->toks[pos].type != T_ACTOR)
		return -1;
	int a = c->toks[pos].actor;
	return a >= 0 && c->actors[a].start == pos ? a : -1;
}

/*
 * A noun phrase of the compound grammar at pos: determiners and adjectives, then
 * actors possibly separated by more adjectives ("the evil Arnor awful Gondor").
 * Returns the index of the last actor, -1 if none; *ret_end is its last token.
 */
static int np_at(const struct coder *c, int pos, int *ret_first, int *ret_end)
{
	int p = pos;
	int first = -1, last = -1;
	bool modifiers = true; /* the first actor may follow none */
	int loose = 0;         /* news mode: unlisted modifiers ("the awful Fornost") */
	while (p < c->ntoks) {
		const struct tok *t = &c->toks[p];
		/* a determiner may open the name itself ("the European Union"); news: so may
		 * a possessive ("Lavrov and his Ukrainian counterpart Dmytro Kuleba") */
		if ((t->word == W_DETERMINER || t->type == T_ADJECTIVE ||
			    (c->opt.nearest_subject && t->word == W_POSSESSIVE)) &&
			actor_starting_at(c, p) < 0) {
			modifiers = true;
			p++;
			continue;
		}
		if (c->opt.nearest_subject && first < 0 && loose < 2 && t->type == T_FREE &&
			t->word == W_NONE && (t->flags & TEXT_WORD) && !(t->flags & TEXT_NUMBER)) {
			loose++;
			p++;
			continue;
		}
		int a = actor_starting_at(c, p);
		if (a < 0 || !modifiers)
			break;
		if (first < 0)
			first = a;
		last = a;
		/* "Arnor awful Gondor" joins, and so does "Arnor's Elrond"; "Dagolath Osgiliath"
		 * does not */
		const struct tok *e = &c->toks[c->actors[a].end];
		modifiers = e->len > 2 && memcmp(e->w + e->len - 2, "'S", 2) == 0;
		p = c->actors[a].end + 1;
	}
	if (last < 0)
		return -1;
	*ret_first = first;
	*ret_end = c->actors[last].end;
	return last;
}

static bool any_verb_before(const struct coder *c, int pos)
{
	for (int k = 0; k < pos; k++)
		if (c->toks[k].type == T_VERB)
			return true;
	return false;
}

/* Is verb v one of saying (its own code a 01x statement: SAY, TELL, ANNOUNCE)? */
static bool statement_verb(const struct coder *c, int v)
{
	const struct dict *d = c->dict;
	const struct dict_verb *dv = &d->verbs[c->verbs[v].entry];
	const char *code = dict_str(d, d->events[dv->event].code);
	return code[0] == '0' && code[1] == '1';
}

/*
 * Is the actor at pos the direct object of a verb (the verb right before it)? Not after
 * a verb of saying, whose object is a clause: "The Kremlin said Putin and Erdogan
 * discussed ..." (news mode).
 */
static bool verb_before(const struct coder *c, int pos)
{
	int k = pos - 1;
	while (k >= 0 && c->toks[k].word == W_DETERMINER)
		k--;
	if (k < 0 || c->toks[k].type != T_VERB)
		return false;
	return !(c->opt.nearest_subject && c->toks[k].verb >= 0 && statement_verb(c, c->toks[k].verb));
}

static bool ing_form(const struct tok *t)
{
	return t->len > 4 && memcmp(t->w + t->len - 3, "ING", 3) == 0;
}

/* Does the actor at pos follow a preposition ("At the United Nations, Zelensky ...")? */
static bool opening_place(const struct coder *c, int pos)
{
	int b = pos - 1;
	while (b >= 0 && c->toks[b].word == W_DETERMINER)
		b--;
	return b >= 0 && is_preposition(&c->toks[b]);
}

/* After the actor ending at `end`: ", and C and D" (another pair)? */
static bool pair_follows(const struct coder *c, int end)
{
	int p = end + 1, f, e;
	if (p >= c->ntoks || !(c->toks[p].flags & TEXT_COMMA))
		return false;
	if (++p >= c->ntoks || c->toks[p].word != W_CONJ)
		return false;
	if (np_at(c, p + 1, &f, &e) < 0)
		return false;
	p = e + 1;
	return p + 1 < c->ntoks && c->toks[p].word == W_CONJ && np_at(c, p + 1, &f, &e) >= 0;
}

static void new_group(struct coder *c, int first, int last)
{
	struct group *g = &c->groups[c->ngroups];
	g->first = (int16_t)first;
	g->count = (int16_t)(last - first + 1);
	g->start = c->actors[first].start;
	g->end = c->actors[last].end;
	for (int a = first; a <= last; a++)
		c->actors[a].group = (int16_t)c->ngroups;
	c->ngroups++;
}

/* "A and B", "A, B and C": one group of actors that act together. */
static void find_compounds(struct coder *c)
{
	c->ngroups = 0;
	int a = 0;
	while (a < c->nactors) {
		if (c->actors[a].kind == ACT_PRONOUN) {
			new_group(c, a, a);
			a++;
			continue;
		}
		int first = a, last = a;
		int end = c->actors[a].end;
		int protect[MAX_TOKENS / 2];
		int nprotect = 0;
		bool joined = false;
		int pairs = 0;
		for (;;) {
			int p = end + 1;
			int sep_start = p;
			bool comma = false;
			if (p < c->ntoks && (c->toks[p].flags & TEXT_COMMA)) {
				comma = true;
				p++;
			}
			bool conj = false;
			if (p < c->ntoks && c->toks[p].word == W_CONJ && !word_is(&c->toks[p], "BUT")) {
				conj = true;
				p++;
			}
			/* news: "US-Iranian talks", "the Russia-Ukraine war" */
			bool hyphen = !comma && !conj && c->opt.nearest_subject && p < c->ntoks &&
				(c->toks[p].flags & TEXT_HYPHEN) && actor_starting_at(c, p) == last + 1;
			if (!comma && !conj && !hyphen)
				break;
			int nfirst, nend;
			int nlast = np_at(c, p, &nfirst, &nend);
			if (nlast < 0 || nfirst != last + 1)
				break;
			/* "Russia attacked Ukraine and China criticized Iran": an object joined to
			 * the subject of the next verb is two clauses, not a compound */
			if (conj && c->opt.nearest_subject && nend + 1 < c->ntoks &&
				c->toks[nend + 1].type == T_VERB && !ing_form(&c->toks[nend + 1]) &&
				verb_before(c, c->actors[first].start))
				break;
			if (!conj && !hyphen) {
				/* a comma list must end in a conjunction: look ahead for it */
				int q = nend + 1, qf, qe;
				bool ok = false;
				int guard = 0;
				while (q < c->ntoks && guard++ < MAX_ACTORS) {
					bool cm = c->toks[q].flags & TEXT_COMMA;
					int q2 = q + cm;
					if (q2 < c->ntoks && c->toks[q2].word == W_CONJ) {
						ok = np_at(c, q2 + 1, &qf, &qe) >= 0;
						break;
					}
					/* headlines: "Nicaragua, South Korea Agree ..." ends in a verb;
					 * only a subject list, before any verb ("... off its coast,
					 * South Korea's military said" is an attribution) */
					if (c->opt.nearest_subject && q2 < c->ntoks &&
						c->toks[q2].type == T_VERB &&
						!any_verb_before(c, c->actors[first].start) &&
						!opening_place(c, c->actors[first].start)) {
						ok = true;
						if (cm)
							c->toks[q].protect = 1;
						break;
					}
					if (!cm)
						break;
					int nl = np_at(c, q2, &qf, &qe);
					if (nl < 0)
						break;
					q = qe + 1;
				}
				if (!ok)
					break;
			}
			for (int k = sep_start; k < p && nprotect < MAX_TOKENS / 2; k++)
				protect[nprotect++] = k;
			last = nlast;
			end = nend;
			joined = true;
			/* the conjunction ends a list ("A and B, and C" is two) unless pairs are
			 * listed: "between A and B, and C and D" */
			if (conj && (pairs == 0 || --pairs == 0)) {
				if (!pair_follows(c, nend))
					break;
				pairs = 2; /* ", and C" and "and D" may follow */
			}
		}
		if (joined)
			for (int k = 0; k < nprotect; k++)
				c->toks[protect[k]].protect = 1;
		new_group(c, first, last);
		a = last + 1;
	}
}

/* <noun> <conj> <adj>* <noun> and <adj> <conj> <adj> do not split clauses. */
static void protect_noun_phrases(struct coder *c)
{
	for (int i = 1; i + 1 < c->ntoks; i++) {
		if (c->toks[i].word != W_CONJ || c->toks[i].protect)
			continue;
		int prev = c->toks[i - 1].type;
		/* news: an agent with no actor is a noun ("drones and missiles at Israel") */
		if (prev == T_AGENT && c->opt.nearest_subject)
			prev = T_NOUN;
		int k = i + 1;
		while (k < c->ntoks && c->toks[k].type == T_ADJECTIVE && prev == T_NOUN)
			k++;
		int next = k < c->ntoks ? c->toks[k].type : -1;
		if (next == T_AGENT && c->opt.nearest_subject)
			next = T_NOUN;
		if ((prev == T_NOUN && next == T_NOUN) ||
			(prev == T_ADJECTIVE && c->toks[i + 1].type == T_ADJECTIVE))
			c->toks[i].protect = 1;
	}
	/* a conjunction matched inside a verb phrase (SHOT_AND_WOUND) is part of it */
	for (int i = 0; i < c->ntoks; i++)
		if (c->toks[i].word == W_CONJ && c->toks[i].type == T_VERB)
			c->toks[i].protect = 1;
}

/* ---- comma-delimited clauses -------------------------------------------------------- */

static bool statement_verb(const struct coder *c, int v);
static void remembered(const struct coder *c, char *code, size_t cap);

/* A verb read as a verb, not as the noun its word also is. */
static bool verb_token(const struct coder *c, const struct tok *t)
{
	return t->type == T_VERB && t->verb >= 0 && !c->verbs[t->verb].noun;
}

/*
 * A comma clause about to be dropped that says who spoke (", the Polish president told
 * reporters", ", he says,") names the speaker of the rest of the sentence: remembered
 * for reported demands ("Russia has to get out").
 */
static void note_attribution(struct coder *c, int from, int to)
{
	bool says = false;
	for (int k = from; k < to && !says; k++)
		says = verb_token(c, &c->toks[k]) && statement_verb(c, c->toks[k].verb);
	if (!says)
		return;
	for (int k = from; k < to; k++) {
		const struct tok *t = &c->toks[k];
		if (t->type == T_ACTOR && t->actor >= 0) {
			snprintf(c->attributed, sizeof c->attributed, "%s", c->actors[t->actor].code);
			return;
		}
		if (t->word == W_PRONOUN && !word_is(t, "IT") && c->last_subject[0]) {
			remembered(c, c->attributed, sizeof c->attributed);
			return;
		}
	}
}

/*
 * A headline's comma right before a verb of its own starts a second predicate of the same
 * subject ("Israel bombs Beirut airport, imposes blockade", "Iran seizes tanker, detains
 * crew"): a clause boundary, as AND before a verb is, not an aside to drop. The verb is
 * finite ("citing security" is an aside) and not one of saying (", says Iran" names
 * who spoke), and the comma follows an actor and its verb.
 */
static bool headline_predicate_comma(const struct coder *c, int i)
{
	if (!c->headline || !c->opt.nearest_subject || !(c->toks[i].flags & TEXT_COMMA) ||
		c->toks[i].protect || i + 1 >= c->ntoks)
		return false;
	const struct tok *v = &c->toks[i + 1];
	if (!verb_token(c, v) || ing_form(v) || statement_verb(c, v->verb))
		return false;
	bool actor = false;
	for (int k = 0; k < i; k++) {
		actor |= c->toks[k].type == T_ACTOR;
		if (actor && verb_token(c, &c->toks[k]))
			return true;
	}
	return false;
}

static void drop_comma_clauses(struct coder *c)
{
	if (!c->opt.comma_on)
		return;
	int commas[MAX_TOKENS];
	int ncommas = 0;
	for (int i = 0; i < c->ntoks; i++)
		if ((c->toks[i].flags & TEXT_COMMA) && !c->toks[i].protect)
			commas[ncommas++] = i;
	if (ncommas == 0)
		return;
	int end = c->ntoks;
	/* A dropped clause takes its closing comma with it, so the clause after it no longer
	 * opens with a comma and stays (TABARI's chaining). */
	bool opening_consumed = false;
	for (int seg = 0; seg <= ncommas; seg++) {
		int from = seg == 0 ? 0 : commas[seg - 1] + 1;
		int to = seg == ncommas ? end : commas[seg];
		int words = 0;
		for (int k = from; k < to; k++)
			words += (c->toks[k].flags & TEXT_WORD) != 0;
		int lo, hi;
		if (seg == 0) {
			lo = c->opt.comma_bmin;
			hi = c->opt.comma_bmax;
		} else if (seg == ncommas) {
			lo = c->opt.comma_emin;
			hi = c->opt.comma_emax;
		} else {
			lo = c->opt.comma_min;
			hi = c->opt.comma_max;
		}
		int dfrom = seg == 0 ? 0 : from - 1;
		int dto = seg == ncommas ? to : to + 1;
		/* news: never drop the whole substance of the sentence ("During the meeting,
		 * he told reporters: ..."): what would remain must hold a verb or an actor;
		 * TABARI's leads always have their main clause before the comma */
		bool keep = false;
		if (c->opt.nearest_subject) {
			keep = true;
			for (int k = 0; k < c->ntoks && keep; k++) {
				const struct tok *t = &c->toks[k];
				if ((k >= dfrom && k < dto) || t->gone)
					continue;
				if (t->type == T_ACTOR ||
					verb_token(c, t))
					keep = false;
			}
			/* nor a main clause after an opening phrase that has no verb ("At the
			 * United Nations, Zelensky accused Russia ..."): an actor, then a verb */
			bool rest_verb = false, actor = false, subject = false;
			for (int k = 0; k < c->ntoks; k++) {
				const struct tok *t = &c->toks[k];
				bool verb = verb_token(c, t);
				if ((k >= dfrom && k < dto)) {
					actor |= t->type == T_ACTOR;
					subject |= verb && actor;
				} else if (!t->gone) {
					rest_verb |= verb;
				}
			}
			if (!rest_verb && subject)
				keep = true;
		}
		if (seg > 0 && headline_predicate_comma(c, from - 1))
			keep = true;
		if (!keep && !opening_consumed && words > lo && words <= hi) {
			if (c->opt.nearest_subject)
				note_attribution(c, dfrom, dto);
			for (int k = dfrom; k < dto; k++)
				c->toks[k].gone = 1;
			opening_consumed = seg < ncommas;
		} else {
			opening_consumed = false;
		}
	}
}

/* Rebuilds the sentence without the dropped tokens; actors and verbs follow. */
static void compact(struct coder *c)
{
	int n = 0;
	for (int i = 0; i < c->ntoks; i++) {
		c->remap[i] = (int16_t)(c->toks[i].gone ? -1 : n);
		if (!c->toks[i].gone)
			c->toks2[n++] = c->toks[i];
	}
	if (n == c->ntoks)
		return;
	/* actors touching a dropped token are dropped with it */
	int na = 0;
	int16_t amap[MAX_ACTORS];
	for (int a = 0; a < c->nactors; a++) {
		struct actor *ac = &c->actors[a];
		bool gone = false;
		for (int k = ac->start; k <= ac->end; k++)
			if (c->toks[k].gone && (c->toks[k].type == T_ACTOR || k == ac->start || k == ac->end))
				gone = true;
		amap[a] = (int16_t)(gone ? -1 : na);
		if (gone)
			continue;
		struct actor copy = *ac;
		copy.start = c->remap[ac->start];
		copy.end = c->remap[ac->end];
		c->actors[na++] = copy;
	}
	c->nactors = na;
	int nv = 0;
	int16_t vmap[MAX_VERBS];
	for (int v = 0; v < c->nverbs; v++) {
		struct verb *vb = &c->verbs[v];
		bool gone = false;
		for (int k = vb->start; k <= vb->end; k++)
			if (c->toks[k].gone && c->toks[k].verb == v)
				gone = true;
		if (c->toks[vb->start].gone || c->toks[vb->end].gone)
			gone = true;
		vmap[v] = (int16_t)(gone ? -1 : nv);
		if (gone)
			continue;
		struct verb copy = *vb;
		copy.start = c->remap[vb->start];
		copy.end = c->remap[vb->end];
		c->verbs[nv++] = copy;
	}
	c->nverbs = nv;
	for (int i = 0; i < n; i++) {
		struct tok *t = &c->toks2[i];
		if (t->type == T_ACTOR && t->actor >= 0) {
			t->actor = amap[t->actor];
			if (t->actor < 0)
				t->type = T_FREE;
		}
		if (t->type == T_VERB && t->verb >= 0) {
			t->verb = vmap[t->verb];
			if (t->verb < 0)
				t->type = T_FREE;
		}
		c->toks[i] = *t;
	}
	c->ntoks = n;
}

/* ---- pronouns --------------------------------------------------------------------- */

/* Is the code's first part a CAMEO country (not a group)? Answers are cached by code. */
static bool is_country_code(struct coder *c, const char *code)
{
	if (strlen(code) < 3 || strchr(code, '/'))
		return false;
	unsigned key = 0;
	for (int i = 0; i < 3; i++) {
		if (code[i] < 'A' || code[i] > 'Z')
			return false;
		key = key * 26 + (unsigned)(code[i] - 'A');
	}
	if (!c->country_cache[key]) {
		char three[4] = {code[0], code[1], code[2], 0};
		bool yes = cameo_actor_lookup(three, CAMEO_COUNTRY) != NULL &&
			!cameo_actor_lookup(three, CAMEO_GROUP);
		c->country_cache[key] = yes ? 1 : 2;
	}
	return c->country_cache[key] == 1;
}

static void insert_actor(struct coder *c, int start, int end, const char *code,
	enum actor_kind kind)
{
	if (c->nactors >= MAX_ACTORS)
		return;
	int at = 0;
	while (at < c->nactors && c->actors[at].start < start)
		at++;
	memmove(&c->actors[at + 1], &c->actors[at], (size_t)(c->nactors - at) * sizeof *c->actors);
	c->nactors++;
	struct actor *a = &c->actors[at];
	memset(a, 0, sizeof *a);
	a->start = (int16_t)start;
	a->end = (int16_t)end;
	a->kind = (uint8_t)kind;
	a->group = -1;
	snprintf(a->code, sizeof a->code, "%s", code);
	for (int k = 0; k < c->ntoks; k++)
		if (c->toks[k].type == T_ACTOR && c->toks[k].actor >= at)
			c->toks[k].actor++;
	for (int k = start; k <= end; k++) {
		c->toks[k].type = T_ACTOR;
		c->toks[k].actor = (int16_t)at;
	}
}

static int group_codes(const struct coder *c, int g, char codes[][MAX_CODE], int max);

/* The codes of group g joined by '/', for a pronoun that stands for the whole group. */
static void group_code(const struct coder *c, int g, char *out, size_t cap)
{
	const struct group *gr = &c->groups[g];
	size_t n = 0;
	out[0] = '\0';
	for (int a = gr->first; a < gr->first + gr->count; a++) {
		const char *code = c->actors[a].code;
		size_t l = strlen(code);
		if (n + l + 2 > cap)
			break;
		if (n)
			out[n++] = '/';
		memcpy(out + n, code, l + 1);
		n += l;
	}
}

/*
 * The group before token i that a pronoun stands for: the first that fits, "it"/"its" a
 * bare state or organisation code, "he"/"his" one with a role (a person), "they" a
 * compound ("Iran denied accusations by the US that it supplied drones": Iran; "Ukraine
 * said Russia attacked it": Ukraine); else the nearest group of any kind; -1 if none.
 */
static int nearest_referent(const struct coder *c, int i, int want)
{
	int any = -1;
	for (int g = 0; g < c->ngroups; g++) {
		const struct group *gr = &c->groups[g];
		if (gr->end >= i)
			break;
		any = g;
		size_t len = strlen(c->actors[gr->first].code);
		bool fits = want == 'I' ? gr->count == 1 && len == 3 :
			want == 'H' ? gr->count == 1 && len > 3 : gr->count > 1;
		if (fits)
			return g;
	}
	return any;
}

/*
 * "The country" is a country named earlier and not the sentence's subject ("Russian
 * planes landed in the country"): the nearest such in the sentence, else the country
 * the document has named most (the latest on a tie), passing over a subject that is a
 * country itself ("Russia attacked the country") but not a person's country ("Guaido
 * claimed the country's presidency").
 */
static void the_country(struct coder *c, int i, char *code, size_t cap)
{
	for (int a = c->nactors - 1; a >= 0; a--)
		if (c->actors[a].end < i && c->actors[a].group != 0 &&
			is_country_code(c, c->actors[a].code)) {
			snprintf(code, cap, "%.3s", c->actors[a].code);
			return;
		}
	char subjects[8][MAX_CODE];
	int nsubjects = c->ngroups ? group_codes(c, 0, subjects, 8) : 0;
	int best = -1;
	for (int k = 0; k < c->ncountries; k++) {
		bool subject = false;
		for (int j = 0; j < nsubjects && !subject; j++)
			subject = strlen(subjects[j]) == 3 && strcmp(subjects[j], c->countries[k].code) == 0;
		if (subject)
			continue;
		if (best < 0 || c->countries[k].count > c->countries[best].count ||
			(c->countries[k].count == c->countries[best].count &&
				c->countries[k].last > c->countries[best].last))
			best = k;
	}
	if (best >= 0)
		snprintf(code, cap, "%s", c->countries[best].code);
}

/* Counts the countries a coded sentence named, for later "the country". */
static void note_countries(struct coder *c)
{
	for (int a = 0; a < c->nactors; a++) {
		if (c->actors[a].kind == ACT_PRONOUN)
			continue; /* "it", "its": the name was counted where it stood */
		if (!strchr(c->actors[a].code, '/')) {
			if (c->nrecent == 16) {
				memmove(c->recent[0], c->recent[1], sizeof c->recent - sizeof c->recent[0]);
				c->nrecent--;
			}
			memcpy(c->recent[c->nrecent++], c->actors[a].code, MAX_CODE);
		}
		const char *s = c->actors[a].code;
		while (*s) {
			const char *slash = strchr(s, '/');
			size_t len = slash ? (size_t)(slash - s) : strlen(s);
			if (len >= 3 && is_country_code(c, s)) {
				int k = 0;
				while (k < c->ncountries && strncmp(c->countries[k].code, s, 3) != 0)
					k++;
				if (k == c->ncountries && c->ncountries < 32) {
					snprintf(c->countries[k].code, 4, "%.3s", s);
					c->countries[k].count = 0;
					c->ncountries++;
				}
				if (k < c->ncountries) {
					c->countries[k].count++;
					c->countries[k].last = ++c->mentions;
				}
			}
			s += len + (slash != NULL);
		}
	}
}

/*
 * "The president", "the army": an agent with no actor of its own, after THE, stands for
 * the latest actor named with that role ("US President Donald Trump ... the president
 * says"). Sets the code and the agent's last token; false if no actor has the role.
 */
static bool the_role(struct coder *c, int at, char *code, size_t cap, int *ret_end)
{
	const struct dict_agent *ag = agent_at(c, at);
	if (!ag || !ag->suffix)
		return false;
	int s, e;
	agent_extent(c, at, &s, &e);
	if (s != at)
		return false;
	const char *role = dict_str(c->dict, ag->code);
	size_t rl = strlen(role);
	const char *found = NULL;
	for (int a = c->nactors - 1; a >= 0 && !found; a--)
		if (c->actors[a].end < at && c->actors[a].kind == ACT_NAME)
			found = strlen(c->actors[a].code) >= 3 + rl &&
					memcmp(c->actors[a].code + 3, role, rl) == 0 ?
				c->actors[a].code : NULL;
	for (int k = c->nrecent - 1; k >= 0 && !found; k--)
		if (strlen(c->recent[k]) >= 3 + rl && memcmp(c->recent[k] + 3, role, rl) == 0)
			found = c->recent[k];
	/* news: none named: a country's own people (protesters, police, rebels, courts)
	 * before it speak of their own president, army, government ("Kenyan protesters
	 * demand the president resign") */
	for (int a = 0; a < c->nactors && !found && c->opt.nearest_subject; a++) {
		const char *own = c->actors[a].code;
		if (c->actors[a].end >= at)
			break;
		if (c->actors[a].kind == ACT_NAME && strlen(own) >= 6 && is_country_code(c, own) &&
			domestic_role(own + 3)) {
			snprintf(code, cap, "%.3s%s", own, role);
			*ret_end = e;
			return true;
		}
	}
	if (!found)
		return false;
	snprintf(code, cap, "%s", found);
	*ret_end = e;
	return true;
}

/* The remembered subject of earlier sentences (TABARI forwards only the country). */
static void remembered(const struct coder *c, char *code, size_t cap)
{
	if (c->opt.nearest_subject)
		snprintf(code, cap, "%s", c->last_subject);
	else
		snprintf(code, cap, "%.3s", c->last_subject);
}

/*
 * Pronouns become actors standing for earlier ones. TABARI's rules: he, she, it: the
 * first actor of the sentence; its, his, her: the first actor before the pronoun; they,
 * them, their: the first compound, else the first actor. With NEAREST SUBJECT (news):
 * the nearest fitting actor before the pronoun. Either way a pronoun with nothing
 * before it in the sentence takes the subject remembered from earlier sentences, and
 * with COUNTRY REFERENCE "the country" takes the last country named.
 */
static void resolve_pronouns(struct coder *c)
{
	int first_group = c->ngroups ? 0 : -1;
	int first_compound = -1;
	for (int g = 0; g < c->ngroups; g++)
		if (c->groups[g].count > 1) {
			first_compound = g;
			break;
		}
	bool memory = c->last_subject[0] && (c->opt.split_sentences || c->opt.forward);
	struct {
		int pos, end;
		char code[MAX_CODE];
	} found[MAX_ACTORS];
	int nfound = 0;
	for (int i = 0; i < c->ntoks && nfound < MAX_ACTORS; i++) {
		struct tok *t = &c->toks[i];
		if (t->type != T_FREE && t->type != T_NOUN)
			continue;
		char code[MAX_CODE] = "";
		int end = i;
		bool before_any = first_group >= 0 && c->groups[first_group].start < i;
		int g = -1;
		switch (t->word) {
		case W_PRONOUN:
		case W_POSSESSIVE:
			if (c->opt.nearest_subject) {
				bool it = word_is(t, "IT") || word_is(t, "ITS");
				g = nearest_referent(c, i, it ? 'I' : 'H');
			} else if (before_any) {
				g = first_group;
			} else if (!memory && t->word == W_PRONOUN) {
				g = first_group;
			}
			break;
		case W_PLURAL:
			if (c->opt.nearest_subject)
				g = nearest_referent(c, i, 'C');
			else if (first_compound >= 0)
				g = first_compound;
			else if (before_any || !memory)
				g = first_group;
			break;
		case W_DETERMINER:
			if (c->opt.country_reference && word_is(t, "THE") && i + 1 < c->ntoks &&
				c->toks[i + 1].type == T_AGENT && the_role(c, i + 1, code, sizeof code, &end))
				break;
			/* "the capital" of a datelined story is the dateline's city */
			if (c->opt.country_reference && c->dateline[0] && word_is(t, "THE") &&
				i + 1 < c->ntoks && (word_is(&c->toks[i + 1], "CAPITAL") ||
							    word_is(&c->toks[i + 1], "CAPITAL'S")) &&
				(c->toks[i + 1].type == T_FREE || c->toks[i + 1].type == T_NOUN)) {
				end = i + 1;
				snprintf(code, sizeof code, "%s", c->dateline);
				break;
			}
			/* "the country", "the nation": the nearest country named before */
			if (!c->opt.country_reference || !word_is(t, "THE") || i + 1 >= c->ntoks)
				break;
			if (!(word_is(&c->toks[i + 1], "COUNTRY") || word_is(&c->toks[i + 1], "COUNTRY'S") ||
				    word_is(&c->toks[i + 1], "NATION") || word_is(&c->toks[i + 1], "NATION'S")))
				break;
			if (c->toks[i + 1].type != T_FREE && c->toks[i + 1].type != T_NOUN)
				break;
			end = i + 1;
			the_country(c, i, code, sizeof code);
			break;
		default:
			break;
		}
		if (g >= 0)
			group_code(c, g, code, sizeof code);
		else if (!code[0] && memory &&
			(t->word == W_PRONOUN || t->word == W_POSSESSIVE || t->word == W_PLURAL))
			remembered(c, code, sizeof code);
		/* news: "he", "him", "its" stand for one actor, never for a remembered
		 * compound ("In China and Taiwan, ... for him to kill") */
		if (g < 0 && c->opt.nearest_subject && t->word != W_PLURAL && strchr(code, '/'))
			code[0] = '\0';
		if (!code[0])
			continue;
		found[nfound].pos = i;
		found[nfound].end = end;
		snprintf(found[nfound].code, sizeof found[nfound].code, "%s", code);
		nfound++;
		i = end;
	}
	/* news: "we", "us", "our" inside a quotation are its speaker, the first actor of the
	 * sentence outside quotation marks ("'Russia attacked us,' Ukraine said") */
	if (c->opt.nearest_subject) {
		bool quoted[MAX_TOKENS];
		bool in = false;
		for (int i = 0; i < c->ntoks; i++) {
			if (c->toks[i].flags & TEXT_QUOTE)
				in = !in;
			quoted[i] = in;
		}
		char speaker[MAX_CODE] = "";
		int speaker_pos = MAX_TOKENS;
		for (int a = 0; a < c->nactors; a++)
			if (!quoted[c->actors[a].start] && c->actors[a].start < speaker_pos) {
				speaker_pos = c->actors[a].start;
				snprintf(speaker, sizeof speaker, "%s", c->actors[a].code);
				break;
			}
		for (int k = 0; k < nfound; k++)
			if (!quoted[found[k].pos] && found[k].pos < speaker_pos) {
				speaker_pos = found[k].pos;
				snprintf(speaker, sizeof speaker, "%s", found[k].code);
			}
		/* '"We demand ...," the Philippine foreign minister said': the attribution
		 * was dropped as a comma clause, its speaker kept */
		if (!speaker[0])
			snprintf(speaker, sizeof speaker, "%s", c->attributed);
		for (int i = 0; i < c->ntoks && speaker[0] && nfound < MAX_ACTORS; i++) {
			const struct tok *t = &c->toks[i];
			if (t->word != W_FIRST_PERSON || !quoted[i] ||
				(t->type != T_FREE && t->type != T_NOUN))
				continue;
			found[nfound].pos = found[nfound].end = i;
			snprintf(found[nfound].code, sizeof found[nfound].code, "%s", speaker);
			nfound++;
		}
	}
	for (int k = 0; k < nfound; k++)
		insert_actor(c, found[k].pos, found[k].end, found[k].code, ACT_PRONOUN);
}

/* ---- pattern matching ------------------------------------------------------------- */

/*
 * A pattern is matched around its verb: the part before '*' backwards from the verb, so
 * that "$" or "+" takes the actor nearest the words that follow it (TABARI's "first
 * actor encountered"), the part after '*' forwards. Synsets and alternatives are tried
 * member by member with backtracking; MATCH_BUDGET bounds the steps for one pattern.
 * Synset members add nothing to the matched length (see dict.c), alternatives do.
 */

struct fcont { /* forward: resume at e[i] once a member is matched */
	const struct dict_elem *e;
	int n, i;
	bool anchored; /* the synset or alternative element was consecutive */
	bool counting;
	const struct fcont *next;
};

struct bcont { /* backward: resume at e[i] (i may be -1) once a member is matched */
	const struct dict_elem *e;
	int i;
	bool counting;
	const struct bcont *next;
};

#define MAX_SKIPS 8

struct match_state {
	const struct coder *c;
	int verb_index;
	int verb_start, verb_end;
	int clause_start, clause_end; /* inclusive */
	const struct dict_elem *upper;
	int nupper;
	bool verb_consecutive;
	int budget;
	int source, target, compound; /* groups bound by $, +, % (-1 none) */
	int skips[MAX_SKIPS];         /* groups passed over by ^ and @ */
	int nskips;
	unsigned length;              /* literal characters matched */
	int span_start, span_end;     /* tokens the pattern covered */
};


/*
 * Tokens a pattern's open connector may not skip: a comma (TABARI); for news also a
 * subordinating word and another verb, so a pattern stays within its verb's phrase
 * ("The move has led to ... with Russia backing" does not match "MOVE *" at BACKING).
 */
static bool is_barrier(const struct match_state *m, const struct tok *t)
{
	if (t->flags & TEXT_COMMA)
		return true;
	if (!m->c->opt.nearest_subject)
		return false;
	if (t->flags & (TEXT_DASH | TEXT_QUOTE))
		return true;
	if (t->word == W_SUBORDINATOR || t->word == W_THAT)
		return true;
	if (t->type != T_VERB || t->verb < 0 || t->verb == m->verb_index ||
		m->c->verbs[t->verb].noun)
		return false;
	/* a verb whose own code is null (HAVE, BE in most dictionaries) is an auxiliary */
	const struct dict *d = m->c->dict;
	const struct dict_verb *dv = &d->verbs[m->c->verbs[t->verb].entry];
	return !(d->events[dv->event].flags & EVENT_NULL);
}

static int group_starting_at(const struct coder *c, int pos, int lo, int *ret_end)
{
	for (int g = 0; g < c->ngroups; g++)
		if (c->groups[g].start == pos && pos >= lo) {
			*ret_end = c->groups[g].end;
			return g;
		}
	return -1;
}

static int group_ending_at(const struct coder *c, int pos, int lo, int *ret_start)
{
	for (int g = 0; g < c->ngroups; g++)
		if (c->groups[g].end == pos && c->groups[g].start >= lo) {
			*ret_start = c->groups[g].start;
			return g;
		}
	return -1;
}

static bool is_compound(const struct coder *c, int g)
{
	return c->groups[g].count > 1 || strchr(c->actors[c->groups[g].first].code, '/');
}

static unsigned word_letters(const struct dict *d, uint32_t lex)
{
	const struct dict_lex *lx = &d->lex[lex];
	unsigned n = 0;
	const char *w = d->strings + lx->str;
	for (uint16_t k = 0; k < lx->len; k++)
		n += (w[k] >= 'A' && w[k] <= 'Z') || (w[k] >= '0' && w[k] <= '9');
	return n;
}

struct binding {
	int source, target, compound, nskips;
};

static struct binding bind(struct match_state *m, uint8_t kind, int g)
{
	struct binding saved = {m->source, m->target, m->compound, m->nskips};
	if (kind == ELEM_SOURCE)
		m->source = g;
	else if (kind == ELEM_TARGET)
		m->target = g;
	else if (kind == ELEM_COMPOUND)
		m->compound = g;
	else if (m->nskips < MAX_SKIPS)
		m->skips[m->nskips++] = g;
	return saved;
}

static void unbind(struct match_state *m, struct binding saved)
{
	m->source = saved.source;
	m->target = saved.target;
	m->compound = saved.compound;
	m->nskips = saved.nskips;
}

static void members_of(const struct dict *d, const struct dict_elem *el, const uint32_t **ret,
	uint32_t *ret_count)
{
	if (el->kind == ELEM_SYNSET) {
		/* a synset used but never defined has no members (dict_check reports it) */
		const struct dict_synset *sy = &d->synsets[el->id];
		*ret = sy->count ? d->synset_members + sy->first : NULL;
		*ret_count = sy->count;
	} else {
		const struct dict_alt *alt = &d->alts[el->id];
		*ret = alt->count ? d->alt_members + alt->first : NULL;
		*ret_count = alt->count;
	}
}

/* A day or month name: "on Tuesday", "on March 3" are when, not on whom. */
static bool time_word(const struct tok *t)
{
	static const char *const words[] = {"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY",
		"FRIDAY", "SATURDAY", "SUNDAY", "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY",
		"JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER", "JAN",
		"FEB", "AUG", "SEPT", "SEP", "OCT", "NOV", "DEC", "WEDNESDAY'S", "TUESDAY'S"};
	return WORD_IN(t, words);
}

static bool match_fwd(struct match_state *m, const struct dict_elem *e, int n, int i, int pos,
	bool anchored, bool counting, const struct fcont *k, int depth)
{
	const struct coder *c = m->c;
	const struct dict *d = c->dict;
	if (--m->budget < 0)
		return false;
	if (i == n) {
		if (k)
			return match_fwd(m, k->e, k->n, k->i, pos, k->anchored, k->counting, k->next,
				depth);
		if (pos - 1 > m->span_end)
			m->span_end = pos - 1;
		return true;
	}
	const struct dict_elem *el = &e[i];
	int limit = m->clause_end + 1;
	int last = anchored ? pos : limit - 1;
	for (int p = pos; p <= last && p < limit && m->budget >= 0; p++) {
		const struct tok *t = &c->toks[p];
		/* a pattern does not reach across a comma (TABARI) or, for news, into a
		 * subordinate clause: the word itself may still be matched */
		if (p > pos && is_barrier(m, &c->toks[p - 1]))
			break;
		switch (el->kind) {
		case ELEM_WORD:
			if (!(t->flags & TEXT_WORD) || !tok_matches(c, t, el->id, el->mode))
				break;
			/* news: "blamed Syria on Tuesday for ..." has no BLAME ... ON + */
			if (c->opt.nearest_subject && word_is(t, "ON") && p + 1 < c->ntoks &&
				time_word(&c->toks[p + 1]))
				break;
			if (match_fwd(m, e, n, i + 1, p + 1, el->consecutive, counting, k, depth)) {
				if (counting)
					m->length += word_letters(d, el->id);
				return true;
			}
			break;
		case ELEM_SOURCE:
		case ELEM_TARGET:
		case ELEM_COMPOUND:
		case ELEM_SKIP:
		case ELEM_ATTRIB: {
			int end;
			int g = group_starting_at(c, p, m->clause_start, &end);
			if (g < 0 || end >= limit || (el->kind == ELEM_COMPOUND && !is_compound(c, g)))
				break;
			struct binding saved = bind(m, el->kind, g);
			if (match_fwd(m, e, n, i + 1, end + 1, el->consecutive, counting, k, depth))
				return true;
			unbind(m, saved);
			break;
		}
		case ELEM_SYNSET:
		case ELEM_ALT: {
			if (depth > 6)
				return false;
			const uint32_t *members;
			uint32_t count;
			members_of(d, el, &members, &count);
			struct fcont next = {e, n, i + 1, el->consecutive, counting, k};
			bool inner = counting && el->kind == ELEM_ALT;
			for (uint32_t mb = 0; mb < count && m->budget >= 0; mb++) {
				const struct dict_phrase *ph = &d->phrases[members[mb]];
				unsigned before = m->length;
				if (match_fwd(m, d->elems + ph->first, ph->count, 0, p, true, inner, &next,
					    depth + 1))
					return true;
				m->length = before;
			}
			break;
		}
		default:
			break;
		}
	}
	return false;
}

static bool match_back(struct match_state *m, const struct dict_elem *e, int i, int limit,
	bool anchored, bool counting, const struct bcont *k, int depth)
{
	const struct coder *c = m->c;
	const struct dict *d = c->dict;
	if (--m->budget < 0)
		return false;
	if (i < 0) {
		if (k)
			return match_back(m, k->e, k->i, limit, k->i >= 0 && k->e[k->i].consecutive,
				k->counting, k->next, depth);
		/* the part before the verb is placed; now the part after it */
		if (limit < m->span_start)
			m->span_start = limit;
		return match_fwd(m, m->upper, m->nupper, 0, m->verb_end + 1, m->verb_consecutive, true,
			NULL, 0);
	}
	const struct dict_elem *el = &e[i];
	bool next_anchored = i > 0 && e[i - 1].consecutive;
	int lowest = anchored ? limit - 1 : m->clause_start;
	for (int p = limit - 1; p >= lowest && p >= m->clause_start && m->budget >= 0; p--) {
		const struct tok *t = &c->toks[p];
		if (p < limit - 1 && is_barrier(m, &c->toks[p + 1]))
			break;
		switch (el->kind) {
		case ELEM_WORD:
			if (!(t->flags & TEXT_WORD) || !tok_matches(c, t, el->id, el->mode))
				break;
			if (match_back(m, e, i - 1, p, next_anchored, counting, k, depth)) {
				if (counting)
					m->length += word_letters(d, el->id);
				return true;
			}
			break;
		case ELEM_SOURCE:
		case ELEM_TARGET:
		case ELEM_COMPOUND:
		case ELEM_SKIP:
		case ELEM_ATTRIB: {
			int start;
			int g = group_ending_at(c, p, m->clause_start, &start);
			if (g < 0 || (el->kind == ELEM_COMPOUND && !is_compound(c, g)))
				break;
			struct binding saved = bind(m, el->kind, g);
			if (match_back(m, e, i - 1, start, next_anchored, counting, k, depth))
				return true;
			unbind(m, saved);
			break;
		}
		case ELEM_SYNSET:
		case ELEM_ALT: {
			if (depth > 6)
				return false;
			const uint32_t *members;
			uint32_t count;
			members_of(d, el, &members, &count);
			struct bcont next = {e, i - 1, counting, k};
			bool inner = counting && el->kind == ELEM_ALT;
			for (uint32_t mb = 0; mb < count && m->budget >= 0; mb++) {
				const struct dict_phrase *ph = &d->phrases[members[mb]];
				unsigned before = m->length;
				if (match_back(m, d->elems + ph->first, ph->count - 1, p + 1, true, inner,
					    &next, depth + 1))
					return true;
				m->length = before;
			}
			break;
		}
		default:
			break;
		}
	}
	return false;
}

/* ---- coding a clause ------------------------------------------------------------- */

/* Every code of group g ('/'-compounds split), into codes[]; returns the count. */
static int group_codes(const struct coder *c, int g, char codes[][MAX_CODE], int max)
{
	int n = 0;
	const struct group *gr = &c->groups[g];
	for (int a = gr->first; a < gr->first + gr->count; a++) {
		const char *s = c->actors[a].code;
		while (*s && n < max) {
			const char *slash = strchr(s, '/');
			size_t len = slash ? (size_t)(slash - s) : strlen(s);
			if (len && len < MAX_CODE) {
				memcpy(codes[n], s, len);
				codes[n][len] = '\0';
				n++;
			}
			s += len + (slash != NULL);
		}
	}
	return n;
}

/* Does group b add no code that group a lacks (so a->b would only be self-events)? */
static bool same_codes(const struct coder *c, int a, int b)
{
	if (a < 0 || b < 0)
		return false;
	if (a == b)
		return true;
	char ca[16][MAX_CODE], cb[16][MAX_CODE];
	int na = group_codes(c, a, ca, 16), nb = group_codes(c, b, cb, 16);
	for (int j = 0; j < nb; j++) {
		bool found = false;
		for (int i = 0; i < na && !found; i++)
			found = strcmp(ca[i], cb[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static int first_group_in(const struct coder *c, int from, int to)
{
	for (int g = 0; g < c->ngroups; g++) {
		const struct group *gr = &c->groups[g];
		if (gr->start >= from && gr->start <= to && !c->excluded[g])
			return g;
	}
	return -1;
}

static int first_distinct_group(const struct coder *c, int from, int to, int source)
{
	for (int g = 0; g < c->ngroups; g++) {
		const struct group *gr = &c->groups[g];
		if (gr->start < from || gr->start > to || c->excluded[g] || same_codes(c, source, g))
			continue;
		return g;
	}
	return -1;
}

/*
 * News: where the phrase that can hold the target of a cooperative act (01x-09x) ends.
 * A time or circumstance phrase after the object (AFTER, BEFORE, AMID, DURING,
 * FOLLOWING, DESPITE, SINCE, AHEAD OF) names what the act answers, not whom it is for:
 * "Ukraine pleaded for air defence after Russian strikes" asks no help of Russia. (A
 * hostile act keeps it: "raises readiness amid tensions with Russia" is aimed at
 * Russia.) OVER stays open: "accuses X over Y" has its X before it, and "files
 * complaint over Chinese tariffs" is about China. Returns the last token that can hold
 * a target, `to` when no such phrase starts in [from, to].
 */
static int before_circumstance(const struct coder *c, int from, int to)
{
	static const char *const words[] = {"AFTER", "BEFORE", "AMID", "AMIDST", "DURING",
		"FOLLOWING", "DESPITE", "SINCE"};
	for (int k = from; k <= to; k++) {
		const struct tok *t = &c->toks[k];
		if (!(t->flags & TEXT_WORD) || t->type == T_ACTOR)
			continue;
		if (word_is(t, "AHEAD") && k < to && word_is(&c->toks[k + 1], "OF"))
			return k - 1;
		if (WORD_IN(t, words))
			return k - 1;
	}
	return to;
}

/*
 * Could token t be a past participle? Regular -ED forms and the irregular ones news uses
 * most; not -EN verbs such as THREATEN, OPEN or STRENGTHEN.
 */
static bool past_participle(const struct tok *t)
{
	static const char *const irregular[] = {"TAKEN", "GIVEN", "BEATEN", "BROKEN", "STOLEN",
		"CHOSEN", "WRITTEN", "DRIVEN", "THROWN", "SHOWN", "BLOWN", "SEEN", "KNOWN", "DRAWN",
		"FALLEN", "HIDDEN", "SPOKEN", "FROZEN", "SWORN", "TORN", "BORN", "SHAKEN", "SLAIN",
		"SHOT", "HIT", "HELD", "STRUCK", "CAUGHT", "HURT", "FOUGHT", "SENT", "KEPT", "PUT",
		"CUT", "LOST", "BUILT", "HUNG", "LEFT", "SOLD", "TOLD", "BROUGHT", "BOUGHT", "SOUGHT",
		"FOUND", "BOUND", "LED", "FLED", "SPENT", "FELT", "MET", "WON", "RUN", "OUSTED"};
	if (t->len > 3 && memcmp(t->w + t->len - 2, "ED", 2) == 0)
		return true;
	return WORD_IN(t, irregular);
}

static bool passive_voice(const struct coder *c, int vs, int ve, int clause_end, int *ret_by)
{
	bool aux = false;
	for (int k = vs - 1; k >= 0 && k >= vs - 2; k--) {
		const struct tok *t = &c->toks[k];
		if (t->word != W_AUX)
			continue;
		if (word_is(t, "WAS") || word_is(t, "WERE") || word_is(t, "BEEN") ||
			c->opt.nearest_subject)
			aux = true;
	}
	/* headlines drop the auxiliary: "Students Abducted From School by Insurgents" is
	 * passive when a participle is followed by BY and an actor */
	bool headline = false;
	if (!aux && c->opt.nearest_subject && ve + 1 <= clause_end) {
		/* and the participle takes no object: "Russia denied claims by Ukraine" */
		const struct tok *v = &c->toks[vs], *next = &c->toks[ve + 1];
		if (past_participle(v) && (next->word == W_BY || is_preposition(next)))
			headline = true;
	}
	if (!aux && !headline)
		return false;
	/* TABARI: BY right after the verb (or after one modifier); ours: anywhere in the
	 * clause before another actor ("were imposed on Iran by the EU") */
	int reach = c->opt.nearest_subject ? clause_end : ve + 2;
	for (int k = ve + 1; k <= reach && k <= clause_end; k++) {
		if (c->toks[k].word == W_BY) {
			if (headline) {
				int p = k + 1;
				while (p <= clause_end && p <= k + 3 && c->toks[p].type != T_ACTOR)
					p++;
				if (p > clause_end || p > k + 3)
					return false;
			}
			*ret_by = k;
			return true;
		}
		if (c->toks[k].type == T_VERB)
			return false;
	}
	return false;
}

/*
 * Where the action happened: the country of the first "in X" after the verb
 * ("clashed with rebels in Mali"), X an actor of a country. "" if none.
 */
static void action_location(struct coder *c, int ve, char out[4])
{
	out[0] = '\0';
	for (int k = ve + 1; k + 1 < c->ntoks; k++) {
		const struct tok *t = &c->toks[k];
		if (t->flags & TEXT_COMMA)
			return;
		/* not AT: "pointed the finger at the US" names a target, not a place */
		if (!word_is(t, "IN") && !word_is(t, "INSIDE"))
			continue;
		int p = k + 1;
		while (p < c->ntoks && c->toks[p].word == W_DETERMINER)
			p++;
		int a = actor_starting_at(c, p);
		if (a >= 0 && c->actors[a].kind != ACT_AGENT && is_country_code(c, c->actors[a].code)) {
			memcpy(out, c->actors[a].code, 3);
			out[3] = '\0';
			return;
		}
	}
}

static void add_pending(struct coder *c, unsigned sentence, int sg, int tg, const char *scode,
	const char *tcode, const char *event_code, int vi, uint32_t pattern, int span_start,
	int span_end, bool sub, bool dom, int clause)
{
	if (c->nsentence_events >= MAX_SENTENCE_EVENTS)
		return;
	struct pending_event *pe = &c->sentence_events[c->nsentence_events++];
	memset(pe, 0, sizeof *pe);
	pe->sentence = sentence;
	snprintf(pe->source, sizeof pe->source, "%s", scode);
	snprintf(pe->target, sizeof pe->target, "%s", tcode);
	snprintf(pe->code, sizeof pe->code, "%s", event_code);
	const struct verb *vb = &c->verbs[vi];
	pe->verb_entry = vb->entry;
	pe->pattern = pattern;
	int vs = span_start < vb->start ? span_start : vb->start;
	int ve = span_end > vb->end ? span_end : vb->end;
	pe->verb_offset = c->toks[vs].src_offset;
	pe->verb_len = c->toks[ve].src_offset + c->toks[ve].src_len - pe->verb_offset;
	if (sg >= 0) {
		const struct group *g = &c->groups[sg];
		pe->source_offset = c->toks[g->start].src_offset;
		pe->source_len = c->toks[g->end].src_offset + c->toks[g->end].src_len -
			pe->source_offset;
	}
	if (tg >= 0) {
		const struct group *g = &c->groups[tg];
		pe->target_offset = c->toks[g->start].src_offset;
		pe->target_len = c->toks[g->end].src_offset + c->toks[g->end].src_len -
			pe->target_offset;
	}
	pe->subordinate = sub;
	pe->dominant = dom;
	pe->clause = (uint8_t)clause;
	action_location(c, vb->end, pe->location);
}

enum pairing {
	PAIR_CROSS,         /* every source with every target (and back, for paired codes) */
	PAIR_COMPOUND_BOTH, /* %: each pair of the compound, the code one way, the pair back */
	PAIR_COMPOUND_ONE,  /* a compound source that is its own target: each pair once */
};

struct event_plan {
	int sg, tg;
	char scodes[16][MAX_CODE], tcodes[16][MAX_CODE];
	int ns, nt;
	enum pairing pairing;
};

static int emit_plan(struct coder *c, unsigned sentence, const struct event_plan *p,
	const struct dict_event_code *ev, const char *recoded, int vi, uint32_t pattern,
	int span_start, int span_end, int clause)
{
	const struct dict *d = c->dict;
	const char *code = recoded ? recoded : dict_str(d, ev->code);
	const char *reverse = dict_str(d, ev->reverse);
	bool sub = ev->flags & EVENT_SUBORDINATE;
	bool dom = ev->flags & EVENT_DOMINANT;
	bool paired = (ev->flags & EVENT_PAIRED) && !recoded;
	if (!paired)
		reverse = code; /* a compound's members do the same (recoded) act both ways */
	int n0 = c->nsentence_events;
	if (p->pairing == PAIR_CROSS) {
		for (int s = 0; s < p->ns; s++)
			for (int t = 0; t < p->nt; t++) {
				if (strcmp(p->scodes[s], p->tcodes[t]) == 0)
					continue;
				add_pending(c, sentence, p->sg, p->tg, p->scodes[s], p->tcodes[t], code, vi,
					pattern, span_start, span_end, sub, dom, clause);
				if (paired)
					add_pending(c, sentence, p->tg, p->sg, p->tcodes[t], p->scodes[s],
						reverse, vi, pattern, span_start, span_end, sub, dom, clause);
			}
	} else {
		for (int i = 0; i < p->ns; i++)
			for (int j = i + 1; j < p->ns; j++) {
				if (strcmp(p->scodes[i], p->scodes[j]) == 0)
					continue;
				add_pending(c, sentence, p->sg, p->sg, p->scodes[i], p->scodes[j], code, vi,
					pattern, span_start, span_end, sub, dom, clause);
				if (paired || p->pairing == PAIR_COMPOUND_BOTH)
					add_pending(c, sentence, p->sg, p->sg, p->scodes[j], p->scodes[i],
						reverse, vi, pattern, span_start, span_end, sub, dom, clause);
			}
	}
	return c->nsentence_events - n0;
}

/*
 * Is the verb at vs inside a condition, after IF or UNLESS and before the comma that ends
 * it ("Iran will retaliate if Israel attacks", "If Russia invades Moldova, the EU will
 * respond")? What might happen has not: no event.
 */
static bool conditional(const struct coder *c, int vs)
{
	for (int k = vs - 1; k >= 0; k--) {
		const struct tok *t = &c->toks[k];
		if (t->flags & TEXT_COMMA)
			return false;
		if (word_is(t, "IF") || word_is(t, "UNLESS"))
			return true;
	}
	return false;
}

static bool negated(const struct coder *c, int vs, int clause_start)
{
	for (int k = vs - 1; k >= clause_start && k >= vs - 3; k--) {
		if (c->toks[k].word == W_NEGATION)
			return true;
		/* "was no longer welcome" */
		if (k > clause_start && word_is(&c->toks[k], "LONGER") &&
			word_is(&c->toks[k - 1], "NO"))
			return true;
		if (c->toks[k].type == T_ACTOR || (c->toks[k].flags & TEXT_COMMA))
			break;
	}
	return false;
}

/*
 * "Iran denied accusations by the US that it supplied drones": what follows THAT after
 * a denial or rejection is a claim, not something that happened.
 */
static bool denied_claim(const struct coder *c, int vs, int cs)
{
	static const char *const denials[] = {"DENY", "DENIES", "DENIED", "DENYING", "REJECT",
		"REJECTS", "REJECTED", "REJECTING", "DISMISS", "DISMISSES", "DISMISSED", "DISMISSING",
		"REFUTE", "REFUTES", "REFUTED", "REFUTING"};
	int k = vs - 1;
	while (k >= cs && c->toks[k].word != W_THAT)
		k--;
	if (k < cs)
		return false;
	for (int v = k - 1; v >= cs; v--) {
		const struct tok *t = &c->toks[v];
		if (WORD_IN(t, denials))
			return true;
		if (t->type == T_VERB)
			return false; /* the nearest verb governs the clause */
	}
	return false;
}

/* Does a phrase of dictionary elements name a negation (NOT, NEVER, NO, ...N'T), itself
 * or in one of its synsets or alternatives? */
static bool elems_negate(const struct dict *d, const struct dict_elem *e, uint16_t n, int depth)
{
	for (uint16_t i = 0; i < n; i++) {
		if ((e[i].kind == ELEM_SYNSET || e[i].kind == ELEM_ALT) && depth < 4) {
			const uint32_t *members;
			uint32_t count;
			members_of(d, &e[i], &members, &count);
			for (uint32_t m = 0; m < count; m++) {
				const struct dict_phrase *ph = &d->phrases[members[m]];
				if (elems_negate(d, d->elems + ph->first, ph->count, depth + 1))
					return true;
			}
			continue;
		}
		if (e[i].kind != ELEM_WORD)
			continue;
		const struct dict_lex *lx = &d->lex[e[i].id];
		const char *w = d->strings + lx->str;
		if ((lx->len == 3 && memcmp(w, "NOT", 3) == 0) ||
			(lx->len == 5 && memcmp(w, "NEVER", 5) == 0) ||
			(lx->len == 2 && memcmp(w, "NO", 2) == 0) ||
			(lx->len > 3 && memcmp(w + lx->len - 3, "N'T", 3) == 0))
			return true;
	}
	return false;
}

static bool pattern_has_negation(const struct coder *c, uint32_t pattern)
{
	const struct dict *d = c->dict;
	const struct dict_phrase *p = &d->phrases[d->patterns[pattern].phrase];
	return elems_negate(d, d->elems + p->first, p->count, 0);
}

struct verb_result {
	const struct dict_event_code *ev;
	uint32_t pattern;
	int source, target, compound;
	int skips[MAX_SKIPS];
	int nskips;
	int span_start, span_end;
};

/* Finds the pattern (or the root's own code) for verb vi in the clause. */
static void evaluate_verb(struct coder *c, int vi, int cs, int ce, struct verb_result *r)
{
	const struct dict *d = c->dict;
	const struct verb *vb = &c->verbs[vi];
	const struct dict_verb *dv = &d->verbs[vb->entry];
	const struct dict_family *f = &d->families[dv->family];
	r->ev = &d->events[dv->event];
	r->pattern = UINT32_MAX;
	r->source = r->target = r->compound = -1;
	r->nskips = 0;
	r->span_start = vb->start;
	r->span_end = vb->end;
	unsigned best = 0;
	for (uint32_t i = 0; i < f->npatterns; i++) {
		uint32_t pi = d->pattern_order[f->patterns + i];
		const struct dict_pattern *pat = &d->patterns[pi];
		const struct dict_phrase *ph = &d->phrases[pat->phrase];
		if (r->pattern != UINT32_MAX && ph->length <= best)
			break; /* longest first: nothing left can beat what matched */
		if ((pat->need[0] != UINT32_MAX && c->lex_stamp[pat->need[0]] != c->stamp) ||
			(pat->need[1] != UINT32_MAX && c->lex_stamp[pat->need[1]] != c->stamp))
			continue; /* a word it needs is nowhere in the sentence */
		const struct dict_elem *e = d->elems + ph->first;
		int k = 0;
		while (k < ph->count && e[k].kind != ELEM_VERB)
			k++;
		if (k == ph->count)
			continue;
		struct match_state m = {
			.c = c,
			.verb_index = vi,
			.verb_start = vb->start,
			.verb_end = vb->end,
			.clause_start = cs,
			.clause_end = ce,
			.upper = e + k + 1,
			.nupper = ph->count - k - 1,
			.verb_consecutive = e[k].consecutive,
			.budget = c->budget < MATCH_BUDGET ? (int)c->budget : MATCH_BUDGET,
			.source = -1,
			.target = -1,
			.compound = -1,
			.span_start = vb->start,
			.span_end = vb->end,
		};
		int before = m.budget;
		bool matched = match_back(&m, e, k - 1, vb->start, k > 0 && e[k - 1].consecutive, true,
			NULL, 0);
		c->budget -= before - (m.budget > 0 ? m.budget : 0);
		if (!matched)
			continue;
		if (r->pattern != UINT32_MAX && m.length <= best)
			continue;
		best = m.length;
		r->pattern = pi;
		r->ev = &d->events[pat->event];
		r->source = m.source;
		r->target = m.target;
		r->compound = m.compound;
		r->nskips = m.nskips;
		memcpy(r->skips, m.skips, sizeof r->skips);
		r->span_start = m.span_start;
		r->span_end = m.span_end;
		if (best >= ph->length)
			break;
	}
}

struct clause {
	int start, end; /* inclusive */
	int head;       /* news: the one verb a time or cause clause codes, else -1 */
};

static bool is_preposition(const struct tok *t)
{
	static const char *const words[] = {"OF", "IN", "BETWEEN", "FROM", "WITH", "ON", "AT",
		"TO", "FOR", "AGAINST", "NEAR", "BY", "OVER", "UNDER", "INTO", "AMONG", "ABOUT"};
	if (!(t->flags & TEXT_WORD) || t->len > 7)
		return false;
	return WORD_IN(t, words);
}

/* Is the group governed by a preposition ("in New Caledonia", "from Tokyo")? */
static bool after_preposition(const struct coder *c, int g, int cs)
{
	int b = c->groups[g].start - 1;
	while (b >= cs && c->toks[b].word == W_DETERMINER)
		b--;
	return b >= cs && is_preposition(&c->toks[b]);
}

/*
 * The first group in [from, to] that can be a subject: not governed by a preposition
 * and (when `not` >= 0) not the same actor as `not`.
 */
static int first_subject_in(const struct coder *c, int from, int to, int not)
{
	for (int g = 0; g < c->ngroups; g++) {
		const struct group *gr = &c->groups[g];
		if (gr->start < from || gr->start > to || c->excluded[g])
			continue;
		if ((not >= 0 && same_codes(c, not, g)) || after_preposition(c, g, from))
			continue;
		return g;
	}
	return -1;
}

/* Words between a subject and its verb: auxiliaries, modals, negations, adverbs. */
static bool verb_phrase_filler(const struct tok *t)
{
	static const char *const fillers[] = {"HAS", "HAVE", "HAD", "WILL", "WOULD", "COULD",
		"SHOULD", "MAY", "MIGHT", "MUST", "CAN", "DID", "DOES", "DO", "ALSO", "NOW",
		"AS", "THEN", "STILL", "ALREADY", "REPORTEDLY", "ALLEGEDLY"};
	if (t->word == W_AUX || t->word == W_NEGATION)
		return true;
	if (!(t->flags & TEXT_WORD) || t->type != T_FREE)
		return false;
	if (t->len > 4 && memcmp(t->w + t->len - 2, "LY", 2) == 0)
		return true;
	return WORD_IN(t, fillers);
}

/*
 * News mode: the actor right before the verb phrase is its subject ("Reuters reported a
 * spokeswoman for Russia's Foreign Ministry as warning": the ministry warns). Returns
 * its group, or -1 when no actor stands there.
 */
static int adjacent_subject(const struct coder *c, int vs, int cs)
{
	for (int k = vs - 1, steps = 0; k >= cs && steps < 5; k--, steps++) {
		const struct tok *t = &c->toks[k];
		/* "Russia has to get out", "Iran needs to stop" */
		if (word_is(t, "TO") && k > cs && (word_is(&c->toks[k - 1], "HAS") ||
							  word_is(&c->toks[k - 1], "HAVE") ||
							  word_is(&c->toks[k - 1], "HAD") ||
							  word_is(&c->toks[k - 1], "NEEDS") ||
							  word_is(&c->toks[k - 1], "NEED") ||
							  word_is(&c->toks[k - 1], "OUGHT")))
			continue;
		if (t->type == T_ACTOR && t->actor >= 0) {
			int g = c->actors[t->actor].group;
			if (g < 0 || c->groups[g].end != k || c->excluded[g])
				return -1;
			/* inside a prepositional phrase it modifies the subject instead:
			 * "Gollum, centre of a row between Radagast the Brown, called on" */
			return after_preposition(c, g, cs) ? -1 : g;
		}
		if (!verb_phrase_filler(t))
			return -1;
	}
	return -1;
}

/* JOIN, JOINS, JOINED, JOINING, whether or not the dictionaries list it */
static bool join_form(const struct tok *t)
{
	return word_is(t, "JOIN") || word_is(t, "JOINS") || word_is(t, "JOINED") ||
		word_is(t, "JOINING");
}

/*
 * "Many European countries have joined the US in backing Guaido": at an -ING verb after
 * IN, after an actor Y, after a form of JOIN, the subject of JOIN is the source and Y
 * (in *ret_partner) acts with it. Returns the subject's group, or -1.
 */
static int join_construction(const struct coder *c, int vs, int cs, int *ret_partner)
{
	*ret_partner = -1;
	if (vs < cs + 3 || !ing_form(&c->toks[vs]) || !word_is(&c->toks[vs - 1], "IN"))
		return -1;
	const struct tok *t = &c->toks[vs - 2];
	if (t->type != T_ACTOR || t->actor < 0)
		return -1;
	int partner = c->actors[t->actor].group;
	if (partner < 0 || c->groups[partner].end != vs - 2)
		return -1;
	int j = c->groups[partner].start - 1;
	while (j > cs && c->toks[j].word == W_DETERMINER)
		j--;
	if (j < cs || !join_form(&c->toks[j]))
		return -1;
	int subject = adjacent_subject(c, j, cs);
	if (subject < 0)
		subject = first_subject_in(c, cs, j - 1, -1);
	if (subject < 0 || subject == partner)
		return -1;
	*ret_partner = partner;
	return subject;
}

/* A compound right after BETWEEN, after the verb in the clause, or -1. */
static int between_compound(const struct coder *c, int from, int cs, int ce)
{
	for (int k = from; k < ce; k++) {
		if (!word_is(&c->toks[k], "BETWEEN"))
			continue;
		int p = k + 1;
		while (p <= ce && c->toks[p].word == W_DETERMINER)
			p++;
		int end;
		int g = p <= ce ? group_starting_at(c, p, cs, &end) : -1;
		if (g >= 0 && c->groups[g].count > 1)
			return g;
	}
	return -1;
}

/*
 * "Russia has to get out", "Israel must stop bombing Gaza", "Iran should release the
 * sailors": a modal of obligation before the verb (MUST, SHOULD, HAS/HAVE/NEEDS/OUGHT
 * TO, with a filler or STOP between) makes it something demanded, not something done.
 * Sets *ret_stop when STOP, END, HALT or CEASE governs the verb.
 */
static bool obligation(const struct coder *c, int vs, int cs, bool *ret_stop)
{
	int k = vs - 1;
	*ret_stop = false;
	if (k >= cs && (word_is(&c->toks[k], "STOP") || word_is(&c->toks[k], "END") ||
			       word_is(&c->toks[k], "HALT") || word_is(&c->toks[k], "CEASE"))) {
		*ret_stop = true;
		k--;
	}
	const struct tok *t = k >= cs ? &c->toks[k] : NULL;
	if (t && t->len > 4 && memcmp(t->w + t->len - 2, "LY", 2) == 0 && t->type == T_FREE)
		t = --k >= cs ? &c->toks[k] : NULL; /* "must immediately withdraw" */
	if (!t)
		return false;
	if (word_is(t, "MUST") || word_is(t, "SHOULD"))
		return true;
	if (!word_is(t, "TO") || k - 1 < cs)
		return false;
	const struct tok *m = &c->toks[k - 1];
	return word_is(m, "HAS") || word_is(m, "HAVE") || word_is(m, "HAD") || word_is(m, "NEEDS") ||
		word_is(m, "NEED") || word_is(m, "OUGHT");
}

/* DEMAND, DEMANDS, DEMANDED, DEMANDING */
static bool demand_form(const struct tok *t)
{
	return t->len >= 6 && t->len <= 9 && memcmp(t->w, "DEMAND", 6) == 0 &&
		(t->len == 6 || word_is(t, "DEMANDS") || word_is(t, "DEMANDED") ||
			word_is(t, "DEMANDING"));
}

/*
 * News: "Kenyan protesters demand the president resign", "Ukraine demands that Russia
 * withdraw": a bare verb after DEMAND (THAT) and a short noun phrase is demanded of
 * that phrase by the subject of DEMAND, not done by anyone. True for the verb at vs in
 * such a frame: *ret_demand is DEMAND's token, *ret_of the group demanded of (or -1
 * when the phrase names no actor), *ret_stop set when STOP, END, HALT or CEASE governs
 * the verb ("demand Israel stop bombing").
 */
static bool demand_frame(const struct coder *c, int vs, int cs, int *ret_demand, int *ret_of,
	bool *ret_stop)
{
	const struct tok *v = &c->toks[vs];
	if (ing_form(v) || past_participle(v))
		return false;
	int k = vs - 1;
	*ret_stop = false;
	if (k >= cs && (word_is(&c->toks[k], "STOP") || word_is(&c->toks[k], "END") ||
			       word_is(&c->toks[k], "HALT") || word_is(&c->toks[k], "CEASE"))) {
		*ret_stop = true;
		k--;
	}
	if (k >= cs && c->toks[k].type == T_FREE && c->toks[k].len > 4 &&
		memcmp(c->toks[k].w + c->toks[k].len - 2, "LY", 2) == 0)
		k--; /* "demand Russia immediately withdraw" */
	/* the noun phrase: an actor, or up to four words of one ("the president") */
	int of = -1;
	const struct tok *t = k >= cs ? &c->toks[k] : NULL;
	if (t && t->type == T_ACTOR && t->actor >= 0) {
		of = c->actors[t->actor].group;
		if (of < 0 || c->groups[of].end != k)
			return false;
		k = c->groups[of].start - 1;
	} else {
		int words = 0;
		while (k >= cs && words < 4 && (c->toks[k].flags & TEXT_WORD) &&
			(c->toks[k].type == T_FREE || c->toks[k].type == T_AGENT ||
				c->toks[k].type == T_NOUN || c->toks[k].type == T_ADJECTIVE) &&
			!demand_form(&c->toks[k]) && c->toks[k].word != W_THAT &&
			c->toks[k].word != W_CONJ && !is_preposition(&c->toks[k]) &&
			!verb_phrase_filler(&c->toks[k])) {
			k--;
			words++;
		}
		if (words == 0)
			return false;
	}
	while (k >= cs && c->toks[k].word == W_DETERMINER)
		k--;
	if (k >= cs && c->toks[k].word == W_THAT)
		k--;
	if (k < cs || !demand_form(&c->toks[k]) || c->toks[k].type != T_VERB)
		return false;
	*ret_demand = k;
	*ret_of = of;
	return true;
}

/* Is the DEMAND at verb vi followed, in its clause, by a verb it frames, demanded of
 * an actor? ("Demands Formal Review of Kenya Tariffs" is a headline's noun, and DEMAND
 * codes.) */
static bool demands_a_verb(const struct coder *c, int vi, int cs, int ce)
{
	for (int v = vi + 1; v < c->nverbs; v++) {
		const struct verb *w = &c->verbs[v];
		if (w->noun || w->start > ce || w->start < cs)
			continue;
		int at, of;
		bool stop;
		return demand_frame(c, w->start, cs, &at, &of, &stop) && at == c->verbs[vi].start &&
			of >= 0;
	}
	return false;
}

enum mood { MOOD_FACT, MOOD_INTENT, MOOD_THREAT, MOOD_POSSIBLE };

/*
 * What governs the verb at vs: an intention ("vows to", "plans to", "agrees to", WILL,
 * WOULD), a threat ("threatens to") or a possibility (MAY, MIGHT, COULD). A verb so
 * governed names something not (yet) done.
 */
static enum mood verb_mood(const struct coder *c, int vs, int cs)
{
	static const char *const intents[] = {"PROMISE", "VOW", "PLEDGE", "PLAN", "INTEND", "AIM",
		"SEEK", "SOUGHT", "WANT", "HOPE", "OFFER", "AGREE", "DECIDE", "PREPARE", "VOTE",
		"EXPECT", "COMMIT", "READY", "WILLING", "SET", "DUE", "VOTED"};
	int k = vs - 1;
	if (k >= cs && c->toks[k].type == T_FREE && c->toks[k].len > 4 &&
		memcmp(c->toks[k].w + c->toks[k].len - 2, "LY", 2) == 0)
		k--;
	if (k < cs)
		return MOOD_FACT;
	const struct tok *t = &c->toks[k];
	if (word_is(t, "WILL") || word_is(t, "WOULD") || word_is(t, "SHALL"))
		return MOOD_INTENT;
	if (word_is(t, "MAY") || word_is(t, "MIGHT") || word_is(t, "COULD"))
		return MOOD_POSSIBLE;
	if (!word_is(t, "TO") || k - 1 < cs)
		return MOOD_FACT;
	const struct tok *g = &c->toks[k - 1];
	if (g->len >= 8 && memcmp(g->w, "THREATEN", 8) == 0)
		return MOOD_THREAT;
	for (size_t i = 0; i < sizeof intents / sizeof intents[0]; i++) {
		size_t n = strlen(intents[i]);
		if (g->len >= n && memcmp(g->w, intents[i], n) == 0 && g->len <= n + 3)
			return MOOD_INTENT;
	}
	return MOOD_FACT;
}

/* Does the pattern name a word before its verb (TO_*, WILL_*: it codes the mood)? */
static bool pattern_has_lead(const struct coder *c, uint32_t pattern)
{
	if (pattern == UINT32_MAX)
		return false;
	const struct dict *d = c->dict;
	const struct dict_phrase *p = &d->phrases[d->patterns[pattern].phrase];
	for (uint16_t i = 0; i < p->count; i++) {
		const struct dict_elem *e = &d->elems[p->first + i];
		if (e->kind == ELEM_VERB)
			return false;
		if (e->kind == ELEM_WORD || e->kind == ELEM_ALT || e->kind == ELEM_SYNSET)
			return true;
	}
	return false;
}

/*
 * The code for an act that is intended (03x: yielding is 035x, talks 036, aid 033x ...)
 * or threatened (13x: sanctions 1312, cutting ties 1313, repression 137, attack 1384 ...)
 * rather than done (hostile intentions are threats, possible cooperation an intent). A
 * code the codebook does not map, or a dictionary's own code, stays as it is.
 */
static void mood_code(const char *code, enum mood mood, char out[8])
{
	snprintf(out, 8, "%s", code);
	if (!cameo_event_lookup(code))
		return;
	static const struct {
		const char *from, *intent, *threat;
	} map[] = {
		{"0811", "0351", NULL}, {"0812", "0351", NULL}, {"0813", "0351", NULL},
		{"0814", "0351", NULL}, {"081", "0351", NULL}, {"082", "0352", NULL},
		{"0831", "0341", NULL}, {"0832", "0342", NULL}, {"0833", "0343", NULL},
		{"0834", "0344", NULL}, {"083", "034", NULL}, {"084", "0353", NULL},
		{"085", "0354", NULL}, {"086", "0355", NULL}, {"087", "0356", NULL},
		{"080", "035", NULL}, {"04", "036", NULL}, {"057", "030", NULL}, {"05", "032", NULL},
		{"061", "0311", NULL}, {"062", "0312", NULL}, {"063", "0313", NULL},
		{"064", "0314", NULL}, {"06", "031", NULL}, {"071", "0331", NULL},
		{"072", "0332", NULL}, {"073", "0333", NULL}, {"074", "0334", NULL}, {"07", "033", NULL},
		{"03", "", NULL}, {"14", "133", "133"}, {"15", "138", "138"}, {"160", "131", "131"},
		{"161", "1313", "1313"}, {"162", "1311", "1311"}, {"163", "1312", "1312"},
		{"164", "134", "134"}, {"165", "135", "135"}, {"166", "136", "136"},
		{"1721", "1321", "1321"}, {"1722", "1322", "1322"}, {"1723", "1323", "1323"},
		{"1724", "1324", "1324"}, {"172", "132", "132"}, {"17", "137", "137"},
		{"18", "1383", "1383"}, {"191", "1381", "1381"}, {"192", "1382", "1382"},
		{"19", "1384", "1384"}, {"204", "1385", "1385"}, {"20", "138", "138"},
		{"13", "", ""},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strncmp(code, map[i].from, strlen(map[i].from)) != 0)
			continue;
		/* an intention to cooperate is 03x; a hostile one, threatened or possible, 13x;
		 * what is threatened but cooperative stays as it is */
		const char *to = mood == MOOD_THREAT ? map[i].threat : map[i].intent;
		if (to && to[0])
			snprintf(out, 8, "%s", to);
		return;
	}
}

/*
 * The demand (10x, CAMEO 1.1b3) for an action that is demanded: release (084) is 1053,
 * withdrawal and de-escalation (087) 1056, talks (036, 04x) 106, mediation 108, aid
 * 103, and so on; stopping a hostile act is de-escalation. False for a hostile act
 * demanded outright ("X must attack"), which is no CAMEO demand.
 */
static bool demand_code(const char *code, bool stop, char out[8])
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{"0871", "1056"}, {"087", "1056"}, {"0841", "1053"}, {"0842", "1053"}, {"084", "1053"},
		{"0811", "1051"}, {"081", "1051"}, {"082", "1052"}, {"0831", "1041"}, {"0832", "1042"},
		{"0833", "1043"}, {"0834", "1044"}, {"083", "104"}, {"085", "1054"}, {"086", "1055"},
		{"080", "105"}, {"0351", "1051"}, {"0352", "1052"}, {"0353", "1053"},
		{"0354", "1054"}, {"0355", "1055"}, {"0356", "1056"}, {"035", "105"}, {"036", "106"},
		{"038", "108"}, {"039", "108"}, {"045", "108"}, {"04", "106"}, {"037", "107"},
		{"0311", "1011"}, {"0312", "1012"}, {"0313", "1013"}, {"0314", "1014"}, {"031", "101"},
		{"061", "1011"}, {"062", "1012"}, {"063", "1013"}, {"064", "1014"}, {"06", "101"},
		{"032", "102"}, {"05", "102"}, {"0331", "1031"}, {"0332", "1032"}, {"0333", "1033"},
		{"0334", "1034"}, {"033", "103"}, {"071", "1031"}, {"072", "1032"}, {"073", "1033"},
		{"074", "1034"}, {"07", "103"}, {"0341", "1041"}, {"0342", "1042"}, {"0343", "1043"},
		{"0344", "1044"}, {"034", "104"}, {"1661", "1056"}, {"166", "1056"},
	};
	if (stop) {
		snprintf(out, 8, "1056");
		return true;
	}
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strncmp(code, map[i].from, strlen(map[i].from)) == 0) {
			snprintf(out, 8, "%s", map[i].to);
			return true;
		}
	if (code[0] == '0' || (code[0] == '1' && (code[1] == '0' || code[1] == '6'))) {
		snprintf(out, 8, "100");
		return true;
	}
	return false;
}

/*
 * Who demands what the obligation at verb vi names of group `subject`: the subject of a
 * verb of saying elsewhere in the sentence (outside the quotation, if the obligation is
 * quoted), else the speaker of a dropped ", X said" clause, else for a quotation the
 * first actor outside it. Returns a group, or -1 with *ret_code set to the remembered
 * speaker ("" if none).
 */
static int demand_speaker(const struct coder *c, int vi, int subject, const bool *quoted,
	const char **ret_code)
{
	bool in_quote = quoted[c->verbs[vi].start];
	*ret_code = "";
	for (int v = 0; v < c->nverbs; v++) {
		if (v == vi || c->verbs[v].noun || !statement_verb(c, v) ||
			(in_quote && quoted[c->verbs[v].start]))
			continue;
		int g = adjacent_subject(c, c->verbs[v].start, 0);
		if (g < 0)
			g = first_subject_in(c, 0, c->verbs[v].start - 1, -1);
		if (g >= 0 && !same_codes(c, g, subject))
			return g;
	}
	if (c->attributed[0]) {
		*ret_code = c->attributed;
		return -1;
	}
	if (in_quote)
		for (int g = 0; g < c->ngroups; g++)
			if (!quoted[c->groups[g].start] && !same_codes(c, g, subject))
				return g;
	return -1;
}

/* Codes of acts done together: consultations (04x, visits aside), intent to meet (036),
 * signing (057), material cooperation (06x), truces and settlements (0356, 037, 087). */
static bool reciprocal(const char *code)
{
	/* a visit is each visitor's own (042) and its host's (043): "the leaders of
	 * Germany, France and Poland arrived in Kyiv" visit Kyiv, not each other */
	if (strncmp(code, "042", 3) == 0 || strncmp(code, "043", 3) == 0)
		return false;
	return (code[0] == '0' && (code[1] == '4' || code[1] == '6')) ||
		strncmp(code, "036", 3) == 0 || strncmp(code, "057", 3) == 0 ||
		strncmp(code, "0356", 4) == 0 || strncmp(code, "037", 3) == 0 ||
		strncmp(code, "087", 3) == 0;
}

/*
 * News: is an act of a compound subject with no other party one its members do to each
 * other? Acts done together (talks, deals, truces), what they agree or intend to do
 * ("Pakistan and Iran agree to de-escalate") and fighting ("Armenia and Azerbaijan
 * fought"); not what each does on its own ("Togo's government and rebels reject the
 * deal", "Russia and China condemned the vote").
 */
static bool among_themselves(const struct coder *c, const char *code, int vs, int cs)
{
	if (reciprocal(code) || strncmp(code, "03", 2) == 0 || strncmp(code, "19", 2) == 0)
		return true;
	/* "Russia and Ukraine trade blame", "exchange fire", "swap prisoners" */
	const struct tok *v = &c->toks[vs];
	if ((v->len >= 5 && memcmp(v->w, "TRAD", 4) == 0) ||
		(v->len >= 8 && memcmp(v->w, "EXCHANG", 7) == 0) ||
		(v->len >= 4 && memcmp(v->w, "SWAP", 4) == 0))
		return true;
	/* "Colombia and Venezuela reopen their border": what is theirs, shared (in
	 * cooperation: "criticised their deal" is no criticism of each other) */
	for (int k = vs + 1; code[0] == '0' && k < c->ntoks && k <= vs + 3; k++)
		if (word_is(&c->toks[k], "THEIR"))
			return true;
	char intended[8];
	if (verb_mood(c, vs, cs) != MOOD_INTENT)
		return false;
	mood_code(code, MOOD_INTENT, intended);
	return strncmp(intended, "03", 2) == 0;
}

/* "each other" or "one another" within a few words after the verb ending at ve: the
 * members of a compound subject act on each other ("accused each other of shelling"). */
static bool each_other_after(const struct coder *c, int ve)
{
	for (int k = ve + 1; k + 1 < c->ntoks && k <= ve + 3; k++) {
		const struct tok *next = &c->toks[k + 1];
		if (word_is(&c->toks[k], "EACH") &&
			(word_is(next, "OTHER") || word_is(next, "OTHER'S")))
			return true;
		if (word_is(&c->toks[k], "ONE") && word_is(next, "ANOTHER"))
			return true;
	}
	return false;
}

/* Are groups sg and t all of one country, t a bare country (a place)? */
static bool home_place(const struct coder *c, int sg, int t)
{
	if (sg < 0)
		return false;
	char sc[16][MAX_CODE], tc[16][MAX_CODE];
	int ns = group_codes(c, sg, sc, 16), nt = group_codes(c, t, tc, 16);
	if (ns < 1 || nt != 1 || strlen(tc[0]) != 3)
		return false;
	for (int i = 0; i < ns; i++)
		if (strncmp(sc[i], tc[0], 3) != 0)
			return false;
	return true;
}

/*
 * News: is group t the source's own, through a possessive that stands for it ("its
 * air defences", "their troops" after the source named)? Its country is the source's.
 */
static bool owned_by_source(const struct coder *c, int sg, int t)
{
	if (sg < 0)
		return false;
	const struct tok *first = &c->toks[c->groups[t].start];
	if (first->word != W_POSSESSIVE && !word_is(first, "THEIR"))
		return false;
	char sc[16][MAX_CODE], tc[16][MAX_CODE];
	int ns = group_codes(c, sg, sc, 16), nt = group_codes(c, t, tc, 16);
	for (int j = 0; j < nt; j++) {
		bool mine = false;
		for (int i = 0; i < ns && !mine; i++)
			mine = strncmp(sc[i], tc[j], 3) == 0;
		if (!mine)
			return false;
	}
	return nt > 0;
}

/*
 * News: does group g name where a meeting or a treaty was held, after THE and before
 * SUMMIT, TALKS, CONFERENCE, ACCORDS ... ("hailed the Singapore summit as a turning
 * point in relations with the United States", "the Minsk agreements")? Not a party.
 */
static bool venue(const struct coder *c, int g)
{
	static const char *const nouns[] = {"SUMMIT", "TALKS", "CONFERENCE", "MEETING",
		"ACCORD", "ACCORDS", "AGREEMENT", "AGREEMENTS", "PROTOCOL", "PROTOCOLS",
		"CONVENTION", "FORMAT", "PROCESS", "DECLARATION", "SUMMITS"};
	const struct group *gr = &c->groups[g];
	if (gr->count != 1 || gr->start < 1 || !word_is(&c->toks[gr->start - 1], "THE") ||
		gr->end + 1 >= c->ntoks)
		return false;
	const struct tok *n = &c->toks[gr->end + 1];
	return WORD_IN(n, nouns);
}

/* Is group g the agent of a participle ("a ceasefire brokered by the US")? */
static bool agent_of_participle(const struct coder *c, int g)
{
	int b = c->groups[g].start - 1;
	while (b >= 0 && c->toks[b].word == W_DETERMINER)
		b--;
	if (b < 1 || c->toks[b].word != W_BY)
		return false;
	const struct tok *p = &c->toks[b - 1];
	return p->len > 3 && (memcmp(p->w + p->len - 2, "ED", 2) == 0 ||
				     memcmp(p->w + p->len - 2, "EN", 2) == 0);
}

/*
 * A headline's past participle right after its subject, with no BY and no object, is a
 * passive whose doer is not named ("Iran's top nuclear scientist assassinated near
 * Tehran", "three US troops killed in drone attack"): no event.
 */
static bool headline_passive(const struct coder *c, int vs, int ve)
{
	/* Verbs with no passive: they take no object ("Japan protested to China", "India
	 * objected to the map", "Israel clashed with Hezbollah"). */
	static const char *const intransitive[] = {"OBJECTED", "RESPONDED", "REACTED",
		"APOLOGISED", "APOLOGIZED", "RETALIATED", "COMPLAINED", "TALKED", "COOPERATED",
		"COLLABORATED", "SIDED", "APPEALED", "PROTESTED", "CLASHED", "PARTICIPATED",
		"INTERVENED", "CAMPAIGNED"};
	/* Verbs whose subject does what the infinitive after them says: TO after one starts
	 * that infinitive, not a place or a recipient ("Iran threatened to close the
	 * strait", "Germany pledged to send tanks"). */
	static const char *const subject_control[] = {"AGREED", "THREATENED", "VOWED",
		"PLEDGED", "PROMISED", "OFFERED", "REFUSED", "DECIDED", "DECLINED", "TRIED",
		"ATTEMPTED", "PLANNED", "FAILED", "HOPED", "WANTED", "AIMED", "SOUGHT", "RESOLVED",
		"VOTED", "OPTED", "PREPARED", "VOLUNTEERED"};
	if (!c->headline || vs < 1 || c->toks[vs - 1].type != T_ACTOR)
		return false;
	const struct tok *v = &c->toks[vs];
	if (!past_participle(v) || WORD_IN(v, intransitive))
		return false;
	if (ve + 1 >= c->ntoks)
		return true;
	const struct tok *n = &c->toks[ve + 1];
	if (word_is(n, "TO") && WORD_IN(v, subject_control))
		return false;
	return is_preposition(n) && n->word != W_BY;
}

/* Is group g governed by IN, AT, NEAR, ALONG ... (a place)? */
static bool locative(const struct coder *c, int g)
{
	static const char *const words[] = {"IN", "AT", "NEAR", "INSIDE", "ALONG", "ACROSS",
		"THROUGHOUT", "OUTSIDE"};
	int b = c->groups[g].start - 1;
	while (b >= 0 && (c->toks[b].word == W_DETERMINER || c->toks[b].word == W_POSSESSIVE))
		b--;
	return b >= 0 && WORD_IN(&c->toks[b], words);
}

/*
 * News: a place where it happened is not the doer when an actor follows it before the
 * verb ("Thousands rally in Karachi against Israeli strikes": Israeli); alone it stands
 * for the parties there ("Parties in Kyrgyzstan war declare ceasefire"). Returns the
 * subject group from sg on, up to token `last`, distinct from the target tg if any.
 */
static int past_places(const struct coder *c, int sg, int last, int tg)
{
	while (locative(c, sg)) {
		int from = c->groups[sg].end + 1;
		int next = tg >= 0 ? first_distinct_group(c, from, last, tg) :
				     first_group_in(c, from, last);
		if (next < 0)
			break;
		sg = next;
	}
	return sg;
}

/*
 * Can an event of this code stand with a source alone (news mode)? Acts that need no
 * other party: appeals for aid, aid, yielding, investigations, rejections, protests,
 * force posture, cutting ties, coercion and violence. Not statements, intentions and
 * threats (an intent with no object says nothing), consultations, cooperation, demands
 * or criticism, nor sanctions with no one sanctioned (mostly the noun: "while sanctions
 * remain"); not companies or the media as the source, outside protests; not a bare
 * participle after its subject in violence ("President Moise assassinated at home" is
 * a passive with its doer unnamed).
 */
/* A country with no role, or its government or military ("USA", "RUSMIL"). */
static bool state_force(struct coder *c, const char *code)
{
	char country[4];
	snprintf(country, sizeof country, "%.3s", code);
	if (strlen(code) < 3 || !is_country_code(c, country))
		return false;
	return code[3] == '\0' || strncmp(code + 3, "GOV", 3) == 0 ||
		strncmp(code + 3, "MIL", 3) == 0;
}

/*
 * True when the verb at vs is an infinitive whose subject is the object of a verb of
 * asking or ordering before it ("The UN urged both sides to stop fighting": the sides,
 * not the UN, would stop), so the clause's subject does not do it.
 */
static bool object_controlled(const struct coder *c, int vs)
{
	static const char *const stems[] = {"URG", "ASK", "CALL", "TELL", "TOLD", "ORDER",
		"INVIT", "ENCOURAG", "PRESS", "PERSUAD", "ADVIS", "REQUEST", "IMPLOR", "BEG",
		"BEGG", "INSTRUCT", "DIRECT", "APPEAL", "COMMAND", "PUSH", "PRESSUR", "EXHORT"};
	/* TO just before the verb, or before the words that lead into it ("to stop fighting") */
	int to = vs - 1;
	while (to > 0 && to >= vs - 3 && !word_is(&c->toks[to], "TO") &&
		(c->toks[to].flags & TEXT_WORD))
		to--;
	if (to < 1 || !word_is(&c->toks[to], "TO"))
		return false;
	/* the object sits between the verb and TO: at least one word, at most six */
	for (int k = to - 2; k >= 0 && k >= to - 7; k--) {
		const struct tok *t = &c->toks[k];
		if (!(t->flags & TEXT_WORD))
			return false;
		for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++) {
			size_t n = strlen(stems[i]);
			if (t->len >= n && t->len <= n + 3 && memcmp(t->w, stems[i], n) == 0)
				return true;
		}
	}
	return false;
}

static bool one_sided(const struct coder *c, const char *code, const char *source, int vs)
{
	static const char *const codes[] = {"023", "07", "08", "09", "12", "14", "15", "161",
		"162", "164", "165", "166", "17", "18", "19", "20"};
	bool ok = false;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0] && !ok; i++)
		ok = strncmp(code, codes[i], strlen(codes[i])) == 0;
	if (!ok)
		return false;
	bool protest = code[0] == '1' && code[1] == '4';
	if (!protest && (strncmp(source, "MNC", 3) == 0 || strstr(source + 3, "BUS") ||
				strstr(source + 3, "MED")))
		return false;
	if (object_controlled(c, vs))
		return false;
	const struct tok *v = &c->toks[vs];
	bool participle = past_participle(v);
	/* "the US was attacked": the subject of a passive is its target */
	int k = vs - 1;
	if (k >= 0 && c->toks[k].type == T_FREE && c->toks[k].len > 4 &&
		memcmp(c->toks[k].w + c->toks[k].len - 2, "LY", 2) == 0)
		k--;
	if (participle && k >= 0 && c->toks[k].word == W_AUX)
		return false;
	/* a headline's bare participle after its subject is a passive too ("Haitian
	 * President Moise assassinated at his home"); a sentence's is a past tense */
	bool violence = code[0] == '2' || (code[0] == '1' && code[1] >= '7');
	if (violence && c->headline && vs > 0 && c->toks[vs - 1].type == T_ACTOR && participle)
		return false;
	return true;
}

/* Can the act of verb vs with the code of ev stand with group sg alone (one_sided)? */
static bool alone_ok(const struct coder *c, const struct dict_event_code *ev, int sg, int vs)
{
	char codes[16][MAX_CODE];
	int n = sg >= 0 ? group_codes(c, sg, codes, 16) : 0;
	return n > 0 && one_sided(c, dict_str(c->dict, ev->code), codes[0], vs);
}

/* Fills the codes of an event plan from a group, or from a literal (default) code. */
static void plan_side(const struct coder *c, int g, const char *literal, char codes[][MAX_CODE],
	int *ret_n)
{
	if (g >= 0) {
		*ret_n = group_codes(c, g, codes, 16);
	} else if (literal && literal[0]) {
		snprintf(codes[0], MAX_CODE, "%s", literal);
		*ret_n = 1;
	} else {
		*ret_n = 0;
	}
}

/*
 * News: does a clause of time or cause start at token i (AFTER, BEFORE, WHEN, AS,
 * BECAUSE, SINCE, UNTIL, ONCE, then an actor and its verb, before `end`)? Returns the
 * verb's index, or -1.
 */
static int circumstance_clause(const struct coder *c, int i, int end)
{
	static const char *const words[] = {"AFTER", "BEFORE", "WHEN", "AS", "BECAUSE", "SINCE",
		"UNTIL", "ONCE"};
	const struct tok *t = &c->toks[i];
	bool opens = false;
	for (size_t k = 0; k < sizeof words / sizeof words[0] && !opens; k++)
		opens = word_is(t, words[k]);
	if (!opens)
		return -1;
	int p = i + 1;
	while (p <= end && (c->toks[p].word == W_DETERMINER || c->toks[p].type == T_ADJECTIVE))
		p++;
	if (p > end || c->toks[p].type != T_ACTOR || c->toks[p].actor < 0)
		return -1;
	int g = c->actors[c->toks[p].actor].group;
	if (g < 0)
		return -1;
	for (int k = c->groups[g].end + 1; k <= end; k++) {
		const struct tok *v = &c->toks[k];
		if (v->type == T_VERB && v->verb >= 0) {
			if (c->verbs[v->verb].noun)
				return -1;
			/* "after Russian attacks (on Kyiv)" is a noun phrase: an -S form
			 * needs an object */
			int ve = c->verbs[v->verb].end;
			if (v->w[v->len - 1] == 'S' &&
				(ve + 1 > end || !(c->toks[ve + 1].flags & TEXT_WORD) ||
					is_preposition(&c->toks[ve + 1])))
				return -1;
			return v->verb;
		}
		if (!verb_phrase_filler(v))
			return -1;
	}
	return -1;
}

/*
 * Codes the clauses of a tagged sentence into c->sentence_events: the verbs of each
 * clause left to right, under the CODE BY rule, with subordinate codes ([023?], and
 * with STATEMENTS SUBORDINATE every 01x statement) kept only when nothing else is.
 */
/*
 * Real (not subordinate) events were added from n0 on: the clause's subordinate events
 * from *sub_start give way to them, and under CODE BY CLAUSE the clause, under CODE BY
 * SENTENCE the sentence, counts as coded.
 */
static void real_events_stand(struct coder *c, int n0, int *sub_start, bool *coded,
	bool *sentence_done)
{
	if (c->opt.code_by == BY_CLAUSE && *sub_start >= 0) {
		int keep = c->nsentence_events - n0;
		memmove(&c->sentence_events[*sub_start], &c->sentence_events[n0],
			(size_t)keep * sizeof c->sentence_events[0]);
		c->nsentence_events = *sub_start + keep;
		*sub_start = -1;
	}
	if (c->opt.code_by == BY_CLAUSE)
		*coded = true;
	else if (c->opt.code_by == BY_SENTENCE)
		*sentence_done = true;
}

/* A verb of the third person present: -S, not a base form such as DISCUSS or FOCUS. */
static bool third_person(const struct tok *t)
{
	if (t->len < 3 || t->w[t->len - 1] != 'S')
		return false;
	char before = t->w[t->len - 2];
	return before != 'S' && before != 'U' && before != 'I';
}

/*
 * Predicates joined by AND share their form ("imposes sanctions and expels diplomats"):
 * after a verb of the third person, a bare verb form right after AND (token n) is not a
 * second predicate of the same subject but a noun's modifier ("imposes sanctions and
 * export controls on China"), so the AND joins nouns.
 */
static bool bare_verb_after_third_person(const struct coder *c, int start, int conj, int n)
{
	const struct tok *t = &c->toks[n];
	if (!verb_token(c, t) || third_person(t) || ing_form(t) || past_participle(t))
		return false;
	for (int k = conj - 1; k >= start; k--)
		if (verb_token(c, &c->toks[k]))
			return third_person(&c->toks[k]);
	return false;
}

/* Words that make what follows them a possibility, a forecast or a duty, not a fact. */
static const char *const modals[] = {"WILL", "WOULD", "COULD", "CAN", "SHOULD", "SHALL",
	"MIGHT", "MAY", "MUST"};

/*
 * Does the question in c->toks ask whether something happens, rather than about an act it
 * takes as done? A yes/no question opens with an auxiliary or a modal ("Will China invade
 * Taiwan?", "Is Russia preparing an offensive?", "Did Israel strike Iran?"), a
 * hypothetical one with a question word and a modal ("What would happen if North Korea
 * attacked?", "How will China respond?"). "Why is Mexico threatening Andorra?" and "Why
 * did Russia invade Ukraine?" take their act as done and are coded.
 */
static bool open_question(const struct coder *c)
{
	static const char *const auxiliaries[] = {"DO", "DOES", "DID", "IS", "ARE", "WAS",
		"WERE", "HAS", "HAVE", "HAD"};
	static const char *const question_words[] = {"WHAT", "WHO", "HOW", "WHY", "WHERE",
		"WHEN", "WHICH"};
	if (c->ntoks < 2)
		return false;
	const struct tok *first = &c->toks[0], *second = &c->toks[1];
	if (WORD_IN(first, modals) || WORD_IN(first, auxiliaries))
		return true;
	return WORD_IN(first, question_words) && WORD_IN(second, modals);
}

/*
 * Is verb vb, of event code `code`, a headline's report set after what it reports, its
 * speaker after it ("Israel will pay a heavy price, warns Iran", "Hamas must disarm,
 * warns Netanyahu")? A verb of saying or warning right after a comma, the group tg right
 * after it and ending the headline, sg before the comma, and a modal before the comma:
 * what was said is a demand or a forecast. Without the modal a comma and a verb are a
 * second act of the subject ("Israel strikes Gaza, warns Hezbollah").
 */
static bool inverted_report(const struct coder *c, const struct verb *vb, const char *code,
	int sg, int tg)
{
	int comma = vb->start - 1;
	bool saying = (code[0] == '0' && code[1] == '1') || (code[0] == '1' && code[1] == '3');
	if (!c->headline || comma < 1 || !(c->toks[comma].flags & TEXT_COMMA) || !saying)
		return false;
	if (c->groups[tg].start != vb->end + 1 || c->groups[sg].end >= comma)
		return false;
	for (int k = c->groups[tg].end + 1; k < c->ntoks; k++)
		if (c->toks[k].flags & TEXT_WORD)
			return false;
	for (int k = 0; k < comma; k++)
		if (WORD_IN(&c->toks[k], modals))
			return true;
	return false;
}

static void code_clauses(struct coder *c, unsigned sentence)
{
	struct clause clauses[MAX_TOKENS / 2 + 1];
	int nclauses = 0;
	int start = 0;
	for (int i = 0; i < c->ntoks && nclauses < MAX_TOKENS / 2; i++) {
		/* news: "X did A, while Y did B" is two clauses too */
		bool contrast = c->opt.nearest_subject && c->toks[i].word == W_SUBORDINATOR &&
			(word_is(&c->toks[i], "WHILE") || word_is(&c->toks[i], "WHEREAS"));
		/* news: AND with no verb after it joins nouns, not clauses ("sent Patriot
		 * systems and HIMARS to Ukraine") */
		bool verb_after = true;
		if (c->opt.nearest_subject && c->toks[i].word == W_CONJ) {
			verb_after = false;
			int n = i + 1;
			while (n < c->ntoks && (c->toks[n].word == W_DETERMINER ||
						       c->toks[n].type == T_ADJECTIVE))
				n++;
			/* a name after AND may start a clause whose verb the dictionaries lack
			 * ("... and President Assad fled") */
			if (n < c->ntoks && c->toks[n].type == T_ACTOR)
				verb_after = true;
			bool modifier = n < c->ntoks && bare_verb_after_third_person(c, start, i, n);
			for (int k = i + 1; k < c->ntoks && !verb_after && !modifier; k++) {
				if (c->toks[k].word == W_CONJ && !c->toks[k].protect)
					break;
				/* nor past a phrase of its own: "agreed to a full and immediate
				 * ceasefire after four days of clashes" joins two adjectives */
				if (k > n && (is_preposition(&c->toks[k]) ||
						     c->toks[k].word == W_SUBORDINATOR))
					break;
				verb_after = verb_token(c, &c->toks[k]);
			}
		}
		if (((c->toks[i].word == W_CONJ || contrast) && !c->toks[i].protect &&
			    c->toks[i].type != T_ACTOR && verb_after) ||
			headline_predicate_comma(c, i)) {
			clauses[nclauses].start = start;
			clauses[nclauses].end = i - 1;
			clauses[nclauses].head = -1;
			nclauses++;
			start = i + 1;
		}
	}
	clauses[nclauses].start = start;
	clauses[nclauses].end = c->ntoks - 1;
	clauses[nclauses].head = -1;
	nclauses++;
	/* news: "China vowed to retaliate after the United States raised tariffs": a time
	 * or cause clause with its own subject is coded too, as a clause of its own (the
	 * main clause still reaches into it for its target), its verb right after its
	 * subject ("after Supreme Court rules arrest illegal": no arrest) */
	for (int ci = 0, n = nclauses; c->opt.nearest_subject && ci < n; ci++)
		for (int i = clauses[ci].start; i < clauses[ci].end && nclauses < MAX_TOKENS / 2; i++) {
			int head = circumstance_clause(c, i, clauses[ci].end);
			if (head >= 0) {
				clauses[nclauses].start = i + 1;
				clauses[nclauses].end = clauses[ci].end;
				clauses[nclauses].head = head;
				nclauses++;
			}
		}

	int carried = -1; /* the subject carried into later clauses */
	bool sentence_done = false;
	bool quoted[MAX_TOKENS];
	for (int i = 0, in = 0; i < c->ntoks; i++) {
		if (c->toks[i].flags & TEXT_QUOTE)
			in = !in;
		quoted[i] = in;
	}
	for (int ci = 0; ci < nclauses && !sentence_done; ci++) {
		int cs = clauses[ci].start, ce = clauses[ci].end;
		if (cs > ce)
			continue;
		int sub_start = -1; /* this clause's subordinate events */
		bool coded = false;
		int clause_source = -1;
		for (int vi = 0; vi < c->nverbs && !coded && !sentence_done; vi++) {
			const struct verb *vb = &c->verbs[vi];
			if (vb->noun || vb->start < cs || vb->start > ce ||
				(clauses[ci].head >= 0 && vi != clauses[ci].head))
				continue;
			/* "joined the US in backing X": the event is the backing */
			if (c->opt.nearest_subject && vb->end + 3 < c->ntoks &&
				join_form(&c->toks[vb->start])) {
				int end;
				int g = group_starting_at(c, vb->end + 1 + (c->toks[vb->end + 1].word ==
									      W_DETERMINER), cs, &end);
				if (g >= 0 && end + 2 <= ce && word_is(&c->toks[end + 1], "IN") &&
					c->toks[end + 2].type == T_VERB && ing_form(&c->toks[end + 2]))
					continue;
			}
			struct verb_result r;
			evaluate_verb(c, vi, cs, ce, &r);
			const struct dict_event_code *ev = r.ev;
			/* news: "X demands Y withdraw": the demanded verb says what is demanded,
			 * unless DEMAND's own pattern already did */
			if (c->opt.nearest_subject && r.pattern == UINT32_MAX &&
				demand_form(&c->toks[vb->start]) && demands_a_verb(c, vi, cs, ce))
				continue;
#ifdef CODER_DEBUG
			fprintf(stderr, "   clause %d verb %d: %s [%s] src %d tgt %d cmp %d\n", ci, vi,
				r.pattern == UINT32_MAX ? "(root)" :
							  dict_str(c->dict, c->dict->patterns[r.pattern].text),
				dict_str(c->dict, ev->code), r.source, r.target, r.compound);
#endif
			if (ev->flags & EVENT_DISCARD) {
				c->discard = true;
				return;
			}
			if (ev->flags & EVENT_COMPLEX) {
				c->complex = true;
				return;
			}
			if (ev->flags & (EVENT_NULL | EVENT_TIME))
				continue;
			if (c->opt.nearest_subject && conditional(c, vb->start))
				continue;
			if (c->opt.negation && negated(c, vb->start, cs) &&
				(r.pattern == UINT32_MAX || !pattern_has_negation(c, r.pattern)))
				continue;
			if (c->opt.negation && denied_claim(c, vb->start, cs))
				continue;
			/* and the rest of its clause is about what was done to the subject, not
			 * by it ("Lawmaker Killed in Targeted Attack"); not when a pattern made
			 * the subject's parties act on each other ("Putin and Xi met in
			 * Beijing": a passive has no such reading) */
			if (c->opt.nearest_subject && r.source < 0 && r.compound < 0 &&
				headline_passive(c, vb->start, vb->end))
				break;
			memset(c->excluded, 0, sizeof c->excluded);
			for (int s = 0; s < r.nskips; s++)
				c->excluded[r.skips[s]] = 1;
			struct event_plan plan;
			plan.pairing = PAIR_CROSS;
			int sg = r.source, tg = r.target;
			bool by_pattern = sg >= 0 || tg >= 0 || r.compound >= 0;
			if (r.compound >= 0) {
				sg = tg = r.compound;
				plan.pairing = PAIR_COMPOUND_BOTH;
			}
			bool prior = first_group_in(c, cs, vb->start - 1) >= 0;
			const char *default_source = NULL, *default_target = NULL;
			int partner = -1;
			if (sg < 0 && c->opt.nearest_subject)
				sg = join_construction(c, vb->start, cs, &partner);
			/* the source */
			if (sg < 0) {
				if (c->opt.nearest_subject) {
					/* the subject of this verb follows any earlier verb or THAT:
					 * "X said that Y attacked Z" is Y's doing */
					int from = cs;
					for (int k = vb->start - 1; k > cs; k--)
						if ((c->toks[k].type == T_VERB && c->toks[k].verb != vi) ||
							c->toks[k].word == W_THAT ||
							((c->toks[k].flags & TEXT_QUOTE) && quoted[k + 1])) {
							from = k + 1;
							break;
						}
					sg = adjacent_subject(c, vb->start, from);
					if (sg >= 0 && tg >= 0 && same_codes(c, sg, tg))
						sg = -1;
					if (sg < 0)
						sg = first_subject_in(c, from, vb->start - 1, tg);
				}
				if (sg < 0) {
					bool own = ci == 0 || carried < 0 || group_starting_at(c, cs, cs, &(int){0}) >= 0;
					/* news: nor the speaker of a statement that reports this verb
					 * ("Jordan says three US troops killed in drone attack") */
					int ofrom = cs;
					for (int k = vb->start - 1; c->opt.nearest_subject && k > cs; k--)
						if ((c->toks[k].type == T_VERB && c->toks[k].verb != vi &&
							    statement_verb(c, c->toks[k].verb)) ||
							c->toks[k].word == W_THAT) {
							/* unless the statement names the act itself ("Rebels
							 * announce suspension of attacks", "Leader said to
							 * reject meeting"): no one stands between */
							if (first_group_in(c, k + 1, vb->start - 1) >= 0)
								ofrom = k + 1;
							break;
						}
					if (own)
						sg = tg >= 0 ? first_distinct_group(c, ofrom, vb->start - 1, tg) :
							first_group_in(c, ofrom, vb->start - 1);
					else
						sg = carried;
					if (own && sg >= 0 && c->opt.nearest_subject)
						sg = past_places(c, sg, vb->start - 1, tg);
					/* news: not a place in an opening phrase ("At the White House, Ms
					 * Rosales said ...") */
					if (own && sg >= 0 && c->opt.nearest_subject &&
						c->groups[sg].end + 1 < vb->start &&
						(c->toks[c->groups[sg].end + 1].flags & TEXT_COMMA) &&
						after_preposition(c, sg, cs))
						sg = -1;
				}
				if (c->opt.default_source[0] && c->opt.default_source_prior && !prior) {
					sg = -1;
					default_source = c->opt.default_source;
				}
				/* TABARI is greedy: no source before the verb, take one after it (news
				 * mode does not: "The move led to ... Russia" has no subject) */
				if (sg < 0 && !default_source && !c->opt.nearest_subject)
					sg = first_distinct_group(c, vb->end + 1, ce, tg);
				/* passive with the target placed by the pattern: the actor after BY */
				if (sg < 0 && !default_source && c->opt.nearest_subject) {
					for (int k = vb->end + 1; k <= ce && sg < 0; k++)
						if (c->toks[k].word == W_BY)
							sg = first_distinct_group(c, k + 1, k + 3 < ce ? k + 3 : ce, tg);
				}
				if (sg < 0 && c->opt.default_source[0])
					default_source = c->opt.default_source;
			}
			/* the target */
			bool each_alone = false; /* a compound's members act, no target named */
			if (tg < 0) {
				int tto = ce;
				if (c->opt.nearest_subject && dict_str(c->dict, ev->code)[0] == '0')
					tto = before_circumstance(c, (r.span_end > vb->end ? r.span_end :
									   vb->end) + 1, ce);
				tg = first_distinct_group(c, vb->end + 1, tto, sg);
				/* news: a place in the source's own country is where it acts, not on
				 * whom ("Niger's junta imposes curfew in Niamey"): the next party, or
				 * none for an act that stands alone */
				while (tg >= 0 && c->opt.nearest_subject && locative(c, tg) &&
					home_place(c, sg, tg) && alone_ok(c, ev, sg, vb->start))
					tg = first_distinct_group(c, c->groups[tg].end + 1, tto, sg);
				/* nor the source's own people by a possessive ("Moscow rejected
				 * accusations that its air defences downed the Azerbaijani jet") */
				while (tg >= 0 && c->opt.nearest_subject &&
					(owned_by_source(c, sg, tg) || venue(c, tg)))
					tg = first_distinct_group(c, c->groups[tg].end + 1, tto, sg);
				if (tg < 0 && c->opt.default_target[0] && c->opt.default_target_after)
					default_target = c->opt.default_target;
				/* TABARI looks before the verb too; news mode not at the speaker of
				 * a statement the verb reports ("Iran said Russia and China met") */
				int tfrom = cs;
				for (int k = vb->start - 1; c->opt.nearest_subject && k > cs; k--) {
					const struct tok *t = &c->toks[k];
					if (t->word == W_SUBORDINATOR || word_is(t, "AS"))
						break; /* "claim victory as Y agrees to demands" */
					if ((t->type == T_VERB && t->verb != vi && statement_verb(c, t->verb)) ||
						t->word == W_THAT) {
						tfrom = k + 1;
						break;
					}
				}
				if (tg < 0 && !default_target)
					tg = first_distinct_group(c, tfrom, vb->start - 1, sg);
				if (tg < 0 && !default_target && sg >= 0 && is_compound(c, sg)) {
					if (!c->opt.nearest_subject ||
						among_themselves(c, dict_str(c->dict, ev->code), vb->start, cs)) {
						tg = sg;
						plan.pairing = c->opt.nearest_subject ? PAIR_COMPOUND_BOTH :
											 PAIR_COMPOUND_ONE;
					} else {
						each_alone = true;
					}
				}
				if (tg < 0 && !default_target && c->opt.default_target[0])
					default_target = c->opt.default_target;
			}
			/* news: "A and B meet in C", "A and B hold talks in C": meeting, talks and
			 * agreements between the members of a compound subject are with each
			 * other, and so is any act "each other" names ("A and B accused each
			 * other of shelling"); a place after IN or AT is where, not with whom */
			if (c->opt.nearest_subject && plan.pairing == PAIR_CROSS && sg >= 0 &&
				r.target < 0 && is_compound(c, sg) &&
				(reciprocal(dict_str(c->dict, ev->code)) ||
					each_other_after(c, vb->end)) &&
				(tg < 0 || (tg != sg && (locative(c, tg) || agent_of_participle(c, tg))))) {
				tg = sg;
				plan.pairing = PAIR_COMPOUND_BOTH;
			}
			/* news: a headline's report put after what it reports ("Israel will pay a
			 * heavy price, warns Iran"): the speaker follows the verb */
			if (c->opt.nearest_subject && r.source < 0 && r.target < 0 && sg >= 0 &&
				tg >= 0 && plan.pairing == PAIR_CROSS &&
				inverted_report(c, vb, dict_str(c->dict, ev->code), sg, tg)) {
				int speaker = tg;
				tg = sg;
				sg = speaker;
			}
			/* news: mediation (done or offered) is between the parties named after
			 * BETWEEN, not with the place before them ("Egypt brokers Gaza ceasefire
			 * between Israel and Hamas") */
			if (c->opt.nearest_subject && sg >= 0 && r.target < 0 &&
				(strncmp(dict_str(c->dict, ev->code), "045", 3) == 0 ||
					strncmp(dict_str(c->dict, ev->code), "039", 3) == 0)) {
				int g = between_compound(c, vb->end + 1, cs, ce);
				if (g >= 0 && g != sg)
					tg = g;
			}
			/* news: "clashes between A and B" with no subject before the verb codes
			 * A and B against each other */
			if (sg < 0 && !default_source && c->opt.nearest_subject) {
				int g = between_compound(c, vb->end + 1, cs, ce);
				if (g >= 0) {
					sg = tg = g;
					plan.pairing = PAIR_COMPOUND_BOTH;
				}
			}
			int by;
			if (!by_pattern && plan.pairing == PAIR_CROSS &&
				passive_voice(c, vb->start, vb->end, ce, &by)) {
				int agent = c->opt.nearest_subject ? first_group_in(c, by + 1, ce) : -1;
				if (agent >= 0) {
					int patient = first_distinct_group(c, cs, vb->start - 1, agent);
					if (patient < 0)
						patient = first_distinct_group(c, vb->end + 1, ce, agent);
					sg = agent;
					tg = patient;
				} else {
					int tmp = sg;
					sg = tg;
					tg = tmp;
					const char *dtmp = default_source;
					default_source = default_target;
					default_target = dtmp;
				}
			}
			/* news: an obligation reported by a speaker is the speaker's demand of
			 * its subject ("Russia has to get out", the president says) */
			bool stop;
			int demand_tok, demanded = -1;
			bool framed = c->opt.nearest_subject && plan.pairing == PAIR_CROSS && !by_pattern &&
				demand_frame(c, vb->start, cs, &demand_tok, &demanded, &stop);
			if (framed || (c->opt.nearest_subject && plan.pairing == PAIR_CROSS &&
					      obligation(c, vb->start, cs, &stop))) {
				char demand[8];
				int of = framed ? demanded : sg;
				if (of < 0 || !demand_code(dict_str(c->dict, ev->code), stop, demand))
					continue;
				const char *literal = "";
				int speaker;
				if (framed) {
					speaker = adjacent_subject(c, demand_tok, cs);
					if (speaker < 0)
						speaker = first_subject_in(c, cs, demand_tok - 1, of);
				} else {
					speaker = demand_speaker(c, vi, sg, quoted, &literal);
				}
				char scodes[16][MAX_CODE], tcodes[16][MAX_CODE];
				int ns, nt;
				plan_side(c, speaker, literal, scodes, &ns);
				plan_side(c, of, NULL, tcodes, &nt);
				int n0 = c->nsentence_events;
				for (int a = 0; a < ns; a++)
					for (int b = 0; b < nt; b++)
						if (strcmp(scodes[a], tcodes[b]) != 0)
							add_pending(c, sentence, speaker, of, scodes[a], tcodes[b],
								demand, vi, r.pattern, r.span_start, r.span_end,
								false, false, ci);
				if (c->nsentence_events == n0)
					continue;
				clause_source = speaker;
				real_events_stand(c, n0, &sub_start, &coded, &sentence_done);
				continue;
			}
			/* news: what is intended, threatened or possible is not done ("vows to
			 * withdraw" is 0356, "threatens to expel observers" 136, "could suspend
			 * relations" 1313), unless the pattern itself reads the mood (TO_*) */
			char recoded[8] = "";
			if (c->opt.nearest_subject && !pattern_has_lead(c, r.pattern)) {
				enum mood mood = verb_mood(c, vb->start, cs);
				const char *own = dict_str(c->dict, ev->code);
				if (mood != MOOD_FACT)
					mood_code(own, mood, recoded);
				if (strcmp(recoded, own) == 0)
					recoded[0] = '\0'; /* unchanged: a paired code keeps its pair */
			}
			plan.sg = sg;
			plan.tg = tg;
			plan_side(c, sg, default_source, plan.scodes, &plan.ns);
			/* news: CAMEO's 183 is a non-military bombing; a state's, its government's
			 * or its army's is military force ("US bombs Iranian nuclear sites"), as
			 * the CAMEO verb dictionary codes BOMB */
			if (c->opt.nearest_subject && !recoded[0] && plan.ns > 0 &&
				strcmp(dict_str(c->dict, ev->code), "183") == 0 &&
				state_force(c, plan.scodes[0]))
				snprintf(recoded, sizeof recoded, "190");
			/* "X joined Y in backing Z": X and Y both back Z */
			if (partner >= 0 && plan.pairing == PAIR_CROSS && partner != tg) {
				char more[16][MAX_CODE];
				int n = group_codes(c, partner, more, 16);
				for (int k = 0; k < n && plan.ns < 16; k++) {
					bool have = false;
					for (int j = 0; j < plan.ns && !have; j++)
						have = strcmp(plan.scodes[j], more[k]) == 0;
					if (!have)
						memcpy(plan.scodes[plan.ns++], more[k], MAX_CODE);
				}
			}
			plan_side(c, tg, default_target, plan.tcodes, &plan.nt);
			/* news: an act with no other party is still an event ("Haiti teachers
			 * go on strike", "Army pulls forces out", "Government rejects request");
			 * statements, consultations, cooperation, demands and criticism need one */
			if (plan.pairing == PAIR_CROSS && plan.nt == 0 && plan.ns > 0 &&
				c->opt.nearest_subject &&
				(one_sided(c, dict_str(c->dict, ev->code), plan.scodes[0], vb->start) ||
					(each_alone && tg < 0 && !passive_voice(c, vb->start, vb->end, ce, &by)))) {
				plan.tcodes[0][0] = '\0';
				plan.nt = 1;
			}
			if (plan.ns == 0 || (plan.pairing == PAIR_CROSS && plan.nt == 0))
				continue;
			int n0 = c->nsentence_events;
			int emitted = emit_plan(c, sentence, &plan, ev, recoded[0] ? recoded : NULL, vi,
				r.pattern, r.span_start,
				r.span_end, ci);
			if (emitted == 0)
				continue;
			clause_source = sg;
			bool sub = ev->flags & EVENT_SUBORDINATE;
			if (!sub && c->opt.statements_subordinate) {
				/* statements give way to the events they report ("X said Y attacked
				 * Z"), except those that frame what follows as no event: declining
				 * to comment, considering, claiming, denying ("Seoul mulls sanctions
				 * on Pyongyang", "Russia denied attacking Ukraine") */
				const char *code = dict_str(c->dict, ev->code);
				sub = code[0] == '0' && code[1] == '1' && !(code[2] == '1' || code[2] == '4' ||
										    code[2] == '5' || code[2] == '6');
			}
			for (int k = n0; k < c->nsentence_events; k++)
				c->sentence_events[k].subordinate = sub;
			if (sub) {
				if (c->opt.code_by == CODE_ALL)
					continue;
				if (sub_start < 0)
					sub_start = n0;
				else
					c->nsentence_events = n0; /* the first subordinate event stands */
				continue;
			}
			real_events_stand(c, n0, &sub_start, &coded, &sentence_done);
		}
		if (clause_source >= 0) {
			carried = clause_source;
		} else {
			int g = first_group_in(c, cs, ce);
			if (g >= 0)
				carried = g;
		}
	}
	/* across the sentence: dominant codes win; outside BY CLAUSE, subordinate codes
	 * stand only if nothing else was coded */
	bool any_real = false, any_dominant = false;
	for (int i = 0; i < c->nsentence_events; i++) {
		any_real |= !c->sentence_events[i].subordinate;
		any_dominant |= c->sentence_events[i].dominant;
	}
	int n = 0;
	for (int i = 0; i < c->nsentence_events; i++) {
		const struct pending_event *pe = &c->sentence_events[i];
		if (any_dominant && !pe->dominant)
			continue;
		if (c->opt.code_by != BY_CLAUSE && any_real && pe->subordinate)
			continue;
		c->sentence_events[n++] = *pe;
	}
	c->nsentence_events = n;
}

/* ---- sentences and documents ------------------------------------------------------- */

static bool title_case_sentence(const struct coder *c)
{
	int words = 0, capitalized = 0;
	for (int i = 0; i < c->ntoks; i++) {
		const struct tok *t = &c->toks[i];
		if (!(t->flags & TEXT_HAS_LETTER) || t->len < 4)
			continue;
		words++;
		capitalized += (t->flags & TEXT_CAPITALIZED) != 0;
	}
	return words >= 2 && capitalized * 10 >= words * 7;
}

#ifdef CODER_DEBUG
/* A parse display for developing the matcher: cc -DCODER_DEBUG. */
static void debug_dump(const struct coder *c, const char *what)
{
	static const char *const types[] = {"", "ACT", "AGT", "VRB", "NOUN", "ADJ", "TIME"};
	fprintf(stderr, "-- %s: %d tokens, %d actors, %d groups, %d verbs%s%s\n", what, c->ntoks,
		c->nactors, c->ngroups, c->nverbs, c->discard ? " DISCARD" : "",
		c->complex ? " COMPLEX" : "");
	for (int i = 0; i < c->ntoks; i++) {
		const struct tok *t = &c->toks[i];
		fprintf(stderr, " %.*s", t->len ? t->len : 1, t->len ? t->w : ",");
		if (t->type)
			fprintf(stderr, "/%s%d", types[t->type], t->type == T_ACTOR ? t->actor : t->verb);
		if (t->protect)
			fprintf(stderr, "/P");
	}
	fprintf(stderr, "\n");
	for (int a = 0; a < c->nactors; a++)
		fprintf(stderr, "   actor %d [%d-%d] %s group %d kind %d\n", a, c->actors[a].start,
			c->actors[a].end, c->actors[a].code, c->actors[a].group, c->actors[a].kind);
	for (int v = 0; v < c->nverbs; v++)
		fprintf(stderr, "   verb %d [%d-%d]%s\n", v, c->verbs[v].start, c->verbs[v].end,
			c->verbs[v].noun ? " noun" : "");
}
#endif

static void code_sentence(struct coder *c, const char *text, size_t start, size_t end,
	unsigned index)
{
	int truncated = 0;
	size_t n = text_tokenize(text + start, end - start, c->raw, MAX_TOKENS, c->folded,
		sizeof c->folded, &truncated);
	c->nsentence_events = 0;
	if (truncated) {
		c->flags |= CODER_TRUNCATED | CODER_COMPLEX;
		return;
	}
	c->ntoks = (int)n;
	c->nlms = 0;
	c->nactors = 0;
	c->nverbs = 0;
	c->ngroups = 0;
	c->discard = c->complex = false;
	int words = 0;
	bool lower = false, cased = false, opens_lower = false;
	int kept = 0;
	for (int i = 0; i < c->ntoks; i++) {
		const struct text_token *r = &c->raw[i];
		/* a dash is a pause like a comma in news; TABARI reads it as a space */
		if ((r->flags & TEXT_DASH) && !c->opt.nearest_subject)
			continue;
		struct tok *t = &c->toks[kept++];
		memset(t, 0, sizeof *t);
		t->w = c->folded + r->folded;
		t->len = r->folded_len;
		t->flags = r->flags;
		t->actor = -1;
		t->verb = -1;
		t->agent = -1;
		t->src_offset = (uint32_t)(start + r->offset);
		t->src_len = r->length;
		t->word = (uint8_t)classify_word(t);
		find_lexmatches(c, t);
		words += (t->flags & (TEXT_WORD | TEXT_COMMA)) != 0;
		lower |= (t->flags & TEXT_HAS_LOWER) != 0;
		if (kept > 1 && (t->flags & TEXT_CAPITALIZED))
			cased = true;
		if (kept == 1 && (t->flags & TEXT_HAS_LETTER) && !(t->flags & TEXT_CAPITALIZED))
			opens_lower = true;
	}
	c->ntoks = kept;
	c->budget = SENTENCE_BUDGET;
	c->attributed[0] = '\0';
	if (words == 0 || words < c->opt.min_words)
		return;
	if (++c->stamp == 0) {
		memset(c->lex_stamp, 0, (c->dict->nlex + 1) * sizeof *c->lex_stamp);
		c->stamp = 1;
	}
	for (size_t i = 0; i < c->nlms; i++)
		c->lex_stamp[c->lms[i].lex] = c->stamp;
	c->all_caps = !lower;
	c->cased = cased && !opens_lower;
	c->title_case = c->opt.title_case && title_case_sentence(c);
	size_t last = end;
	while (last > start && (text[last - 1] == ' ' || text[last - 1] == '\n' ||
				       text[last - 1] == '\r' || text[last - 1] == '\t'))
		last--;
	c->headline = last > start && text[last - 1] != '.' && text[last - 1] != '!' &&
		text[last - 1] != '"' && (unsigned char)text[last - 1] < 0x80;
	if (c->opt.nearest_subject && last > start && text[last - 1] == '?' && open_question(c))
		return;

	tag_actors(c);
	if (c->dateline_only) {
		for (int a = 0; a < c->nactors; a++)
			if (is_country_code(c, c->actors[a].code)) {
				snprintf(c->dateline, sizeof c->dateline, "%.3s", c->actors[a].code);
				break;
			}
		return;
	}
	tag_plain_and_verbs(c);
	shift_verbs_to_nouns(c);
	if (c->opt.nearest_subject)
		place_appositives(c);
	attach_agents(c);
	if (c->opt.merge_actors)
		merge_adjacent_actors(c);
	find_compounds(c);
	protect_noun_phrases(c);
	drop_comma_clauses(c);
	compact(c);
	find_compounds(c);
	if (c->opt.merge_actors)
		spread_agents(c); /* before pronouns, so "their" stands for the full codes */
	resolve_pronouns(c);
	if (c->opt.merge_actors) {
		attach_agents_to_pronouns(c);
		merge_adjacent_actors(c);
	}
	find_compounds(c);
	if (c->opt.merge_actors)
		spread_agents(c);

#ifdef CODER_DEBUG
	debug_dump(c, "tagged");
#endif
	if (c->discard) {
		c->flags |= CODER_DISCARDED;
		return;
	}
	/* complexity conditions of the .options file */
	int verbs = 0, conj = 0;
	for (int v = 0; v < c->nverbs; v++)
		verbs += !c->verbs[v].noun;
	for (int i = 0; i < c->ntoks; i++)
		conj += c->toks[i].word == W_CONJ && !c->toks[i].protect;
	int first_verb = -1; /* verbs whose own code is null do not count (On accord ...) */
	for (int v = 0; v < c->nverbs; v++) {
		const struct dict_verb *dv = &c->dict->verbs[c->verbs[v].entry];
		if (!c->verbs[v].noun && !(c->dict->events[dv->event].flags & EVENT_NULL)) {
			first_verb = c->verbs[v].start;
			break;
		}
	}
	bool complex = c->complex;
	if (c->opt.complex_verbs && verbs >= c->opt.complex_verbs)
		complex = true;
	if (c->opt.complex_conj && conj >= c->opt.complex_conj)
		complex = true;
	if (c->opt.complex_actors && c->nactors >= c->opt.complex_actors)
		complex = true;
	if (c->opt.complex_noverb && first_verb < 0)
		complex = true;
	if (c->opt.complex_noactprior && first_verb >= 0 &&
		!(c->nactors > 0 && c->actors[0].start < first_verb))
		complex = true;
	if (c->opt.complex_noactafter && first_verb >= 0 &&
		!(c->nactors > 0 && c->actors[c->nactors - 1].start > first_verb))
		complex = true;
	if (complex) {
		c->flags |= CODER_COMPLEX;
		return;
	}
	code_clauses(c, index);
	if (c->discard) {
		c->flags |= CODER_DISCARDED;
		c->nsentence_events = 0;
		return;
	}
	if (c->complex) {
		c->flags |= CODER_COMPLEX;
		c->nsentence_events = 0;
		return;
	}
	/* document memory: the subject for a pronoun opening the next sentence */
	if (c->nsentence_events > 0)
		snprintf(c->last_subject, sizeof c->last_subject, "%s", c->sentence_events[0].source);
	else if (c->ngroups > 0)
		group_code(c, 0, c->last_subject, sizeof c->last_subject);
	note_countries(c);
	/* keep one event per (source, code, target) */
	for (int i = 0; i < c->nsentence_events; i++) {
		struct pending_event *pe = &c->sentence_events[i];
		bool dup = false;
		for (int k = 0; k < i && !dup; k++) {
			const struct pending_event *q = &c->sentence_events[k];
			dup = strcmp(q->source, pe->source) == 0 && strcmp(q->target, pe->target) == 0 &&
				strcmp(q->code, pe->code) == 0;
		}
		if (dup)
			continue;
		if (c->nevents >= MAX_DOC_EVENTS) {
			c->flags |= CODER_TRUNCATED; /* a document of more events than we keep */
			continue;
		}
		pe->sentence_offset = (uint32_t)start;
		pe->sentence_len = (uint32_t)(end - start);
		c->events[c->nevents++] = *pe;
	}
}

static const char *span_text(struct coder *c, int slot, uint32_t offset, uint32_t len)
{
	char *out = c->scratch[slot];
	size_t n = len < sizeof c->scratch[slot] - 1 ? len : sizeof c->scratch[slot] - 1;
	memcpy(out, c->doc + offset, n);
	out[n] = '\0';
	/* evidence goes into TSV and JSON: no control characters */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
	return out;
}

int coder_code(struct coder *c, const char *text, size_t len, int32_t date_days,
	coder_event_fn on_event, void *ctx)
{
	if (!c || (!text && len))
		return -EINVAL;
	const struct dict *d = c->dict;
	c->doc = text;
	c->date = date_days;
	c->flags = 0;
	c->nevents = 0;
	c->story_discard = false;
	if (!c->opt.forward) {
		c->last_subject[0] = '\0';
		c->ncountries = 0;
		c->nrecent = 0;
		c->mentions = 0;
	}
	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	size_t pos = 0;
	unsigned index = 0;
	c->dateline[0] = '\0';
	if (c->opt.split_sentences)
		pos = text_skip_dateline(text, len);
	if (pos > 0 && c->opt.country_reference) {
		/* the dateline is where the story happens: "the capital" below is its city */
		c->dateline_only = true;
		code_sentence(c, text, 0, pos, 0);
		c->dateline_only = false;
	}
	while (pos < len) {
		while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
					    text[pos] == '\r'))
			pos++;
		if (pos >= len)
			break;
		/* a dateline may open any paragraph: "Title. WASHINGTON (AP) - The ..." */
		if (c->opt.split_sentences && index > 0)
			pos += text_skip_dateline(text + pos, len - pos);
		if (pos >= len)
			break;
		size_t end = c->opt.split_sentences ? text_sentence_end(text, len, pos) : len;
		if (end <= pos)
			end = pos + 1;
		index++;
		code_sentence(c, text, pos, end, index);
		pos = end;
	}
	if (c->story_discard) {
		c->nevents = 0;
		c->flags |= CODER_DISCARDED;
	}
	for (size_t i = 0; i < c->nevents; i++) {
		const struct pending_event *pe = &c->events[i];
		struct coded_event ev;
		memset(&ev, 0, sizeof ev);
		ev.sentence_index = pe->sentence;
		ev.sentence = text + pe->sentence_offset;
		ev.sentence_len = pe->sentence_len;
		ev.source = pe->source;
		ev.target = pe->target;
		ev.event_code = pe->code;
		ev.source_text = span_text(c, 0, pe->source_offset, pe->source_len);
		ev.target_text = span_text(c, 1, pe->target_offset, pe->target_len);
		ev.verb_text = span_text(c, 2, pe->verb_offset, pe->verb_len);
		const struct dict_verb *dv = &d->verbs[pe->verb_entry];
		if (pe->pattern != UINT32_MAX) {
			const struct dict_pattern *p = &d->patterns[pe->pattern];
			ev.pattern = dict_str(d, p->text);
			ev.dict_file = d->files[p->file];
			ev.dict_line = p->line;
		} else {
			const struct dict_phrase *ph = &d->phrases[dv->phrase];
			(void)ph;
			snprintf(c->scratch[3], sizeof c->scratch[3], "%s", ev.verb_text);
			ev.pattern = "*";
			ev.dict_file = d->files[dv->file];
			ev.dict_line = dv->line;
		}
		ev.location = pe->location;
		const struct cameo_event_code *ce = cameo_event_lookup(pe->code);
		if (ce) {
			ev.quad_class = ce->quad_class;
			ev.goldstein = ce->goldstein;
		}
		if (on_event)
			on_event(&ev, ctx);
	}
	return (int)c->nevents;
}
