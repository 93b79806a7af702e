#include "dict.h"

#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "date.h"
#include "dict-impl.h"
#include "text.h"
#include "xalloc.h"

/* Caps that keep a hostile dictionary from costing unbounded memory or time. */
#define MAX_FILE_BYTES (256u << 20)
#define MAX_LINE 4096
#define MAX_PHRASE_ELEMS 64
#define MAX_GROUP 4096       /* synonyms in one actor group */
#define MAX_CODES 64         /* code blocks of one actor group */
#define MAX_SUBST_VALUES 64
#define MAX_EXPANSIONS 256   /* phrases one agent line may expand to */
#define MAX_ALT_DEPTH 1
#define MAX_ALTERNATIVES 512 /* in one { a | b | ... } */

/* ---- growable arrays ------------------------------------------------------------- */

#define PUSH(arr, n, cap) (*(__typeof__(*(arr)) *)push_slot((void **)&(arr), &(n), &(cap), sizeof *(arr)))

static void *push_slot(void **arr, size_t *n, size_t *cap, size_t size)
{
	*arr = xgrow(*arr, cap, *n + 1, size);
	void *slot = (char *)*arr + *n * size;
	memset(slot, 0, size);
	(*n)++;
	return slot;
}

static uint32_t add_string(struct dict *d, const char *s, size_t n)
{
	d->strings = xgrow(d->strings, &d->strings_cap, d->strings_len + n + 1, 1);
	uint32_t off = (uint32_t)d->strings_len;
	memcpy(d->strings + off, s, n);
	d->strings[off + n] = '\0';
	d->strings_len += n + 1;
	return off;
}

/* ---- lexicon --------------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = DICT_HASH_INIT;
	for (size_t i = 0; i < n; i++)
		h = dict_hash_step(h, (unsigned char)s[i]);
	return h;
}

uint32_t dict_lex_find(const struct dict *dict, const char *word, size_t len, uint32_t hash)
{
	if (!dict->lex_table_size)
		return UINT32_MAX;
	size_t mask = dict->lex_table_size - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		uint32_t slot = dict->lex_table[i];
		if (!slot)
			return UINT32_MAX;
		const struct dict_lex *lx = &dict->lex[slot - 1];
		if (lx->hash == hash && lx->len == len &&
			memcmp(dict->strings + lx->str, word, len) == 0)
			return slot - 1;
	}
}

static void lex_rehash(struct dict *d)
{
	size_t size = d->lex_table_size ? d->lex_table_size * 2 : 1024;
	free(d->lex_table);
	d->lex_table = xcalloc(size, sizeof *d->lex_table);
	d->lex_table_size = size;
	for (size_t id = 0; id < d->nlex; id++) {
		size_t i = d->lex[id].hash & (size - 1);
		while (d->lex_table[i])
			i = (i + 1) & (size - 1);
		d->lex_table[i] = (uint32_t)id + 1;
	}
}

static uint32_t lex_intern(struct dict *d, const char *word, size_t len)
{
	uint32_t h = hash_bytes(word, len);
	uint32_t id = dict_lex_find(d, word, len, h);
	if (id != UINT32_MAX)
		return id;
	if ((d->nlex + 1) * 2 > d->lex_table_size)
		lex_rehash(d);
	struct dict_lex *lx = &PUSH(d->lex, d->nlex, d->lex_cap);
	lx->str = add_string(d, word, len);
	lx->hash = h;
	lx->len = (uint16_t)len;
	id = (uint32_t)(d->nlex - 1);
	size_t mask = d->lex_table_size - 1;
	size_t i = h & mask;
	while (d->lex_table[i])
		i = (i + 1) & mask;
	d->lex_table[i] = id + 1;
	return id;
}

/* ---- dates ----------------------------------------------------------------------- */

/*
 * YYMMDD (years 00-30 are 2000-2030, the rest 19xx, as in TABARI) or YYYYMMDD.
 * Returns 0 and the day number, or -EINVAL.
 */
static int parse_dict_date(const char *s, size_t n, int32_t *ret_days)
{
	if (n != 6 && n != 8)
		return -EINVAL;
	int v[8];
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v[i] = s[i] - '0';
	}
	int year, month, day;
	if (n == 6) {
		year = v[0] * 10 + v[1];
		year += year <= 30 ? 2000 : 1900;
		month = v[2] * 10 + v[3];
		day = v[4] * 10 + v[5];
	} else {
		year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
		month = v[4] * 10 + v[5];
		day = v[6] * 10 + v[7];
	}
	static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1])
		return -EINVAL;
	if (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return -EINVAL;
	*ret_days = date_days_of(date_from_civil(year, month, day, 0, 0, 0));
	return 0;
}

/* ---- the loader ------------------------------------------------------------------ */

enum section {
	SEC_NONE,
	SEC_NOUN,
	SEC_ADJECTIVE,
	SEC_SYNSETS,
	SEC_TIME,
	SEC_SKIP, /* <ATTRIB>, <ISSUES> and other sections we do not use */
};

enum phrase_ctx {
	CTX_NAME,    /* actors, agents, nouns: a final word_ takes noun endings */
	CTX_VERB,    /* verb roots and forms: a final word_ takes verb endings */
	CTX_PATTERN, /* verb patterns: tokens allowed, word_ is exact */
	CTX_MEMBER,  /* synset members and alternatives: like patterns, no '*' */
	CTX_DISCARD, /* discard phrases: consecutive words, exact with noun endings */
};

struct subst {
	char name[40];
	char *values[MAX_SUBST_VALUES];
	size_t count;
};

struct loader {
	struct dict *dict;
	enum dict_kind kind;
	uint32_t file;
	const char *name;
	unsigned line;
	struct buf *errors;
	int loaded;
	enum section section;
	bool petrarch; /* PETRARCH-era file: bare words are whole words with regular endings */

	/* actors: the synonym group being read */
	bool group_open;
	unsigned group_line;
	uint32_t group_phrases[MAX_GROUP];
	size_t ngroup;
	uint32_t group_parent;
	struct dict_code group_codes[MAX_CODES];
	size_t ngroup_codes;
	bool group_error;

	/* verbs */
	int64_t family;     /* current family, -1 if none */
	bool family_block;  /* PETRARCH "--- NAME [code] ---" block */
	int64_t synset;     /* synset being defined, -1 if none */
	int64_t last_root;  /* verb whose {forms} line may follow, -1 if none */

	/* agents */
	struct subst *substs;
	size_t nsubsts, substs_cap;
};

static void report(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct loader *L, const char *fmt, ...)
{
	if (!L->errors)
		return;
	va_list ap;
	buf_printf(L->errors, "%s:%u: ", L->name, L->line);
	va_start(ap, fmt);
	buf_vprintf(L->errors, fmt, ap);
	va_end(ap);
	buf_append_char(L->errors, '\n');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* ---- phrases --------------------------------------------------------------------- */

struct phrase_builder {
	struct dict_elem elems[MAX_PHRASE_ELEMS];
	bool underscore[MAX_PHRASE_ELEMS]; /* word ended with '_' */
	bool open_mode[MAX_PHRASE_ELEMS];  /* word ended with nothing: stem or whole word */
	size_t count;
	unsigned length;
	int verbs; /* '*' seen */
	const char *error;
};

static bool word_char(char c, bool tokens)
{
	if (c == '&' || c == '*' || c == '$' || c == '%' || c == '^' || c == '@')
		return !tokens; /* AT&T in a name; pattern tokens in a pattern */
	return !(is_space(c) || c == '_' || c == '~' || c == '+' || c == '{' || c == '}' ||
		c == '|' || c == '=' || c == '-' || c == '[' || c == ']');
}

static struct dict_elem *pb_push(struct phrase_builder *pb, enum dict_elem_kind kind, uint32_t id)
{
	if (pb->count >= MAX_PHRASE_ELEMS) {
		pb->error = "phrase too long";
		return NULL;
	}
	struct dict_elem *e = &pb->elems[pb->count];
	memset(e, 0, sizeof *e);
	e->kind = (uint8_t)kind;
	e->id = id;
	pb->underscore[pb->count] = false;
	pb->open_mode[pb->count] = false;
	pb->count++;
	return e;
}

static uint32_t store_phrase(struct dict *d, const struct phrase_builder *pb)
{
	struct dict_phrase *p = &PUSH(d->phrases, d->nphrases, d->phrases_cap);
	p->first = (uint32_t)d->nelems;
	p->count = (uint16_t)pb->count;
	p->length = (uint16_t)(pb->length > 65535 ? 65535 : pb->length);
	for (size_t i = 0; i < pb->count; i++)
		PUSH(d->elems, d->nelems, d->elems_cap) = pb->elems[i];
	return (uint32_t)(d->nphrases - 1);
}

static uint32_t synset_ref(struct loader *L, const char *name, size_t n)
{
	struct dict *d = L->dict;
	for (size_t i = 0; i < d->nsynsets; i++) {
		const char *s = dict_str(d, d->synsets[i].name);
		if (strlen(s) == n && memcmp(s, name, n) == 0)
			return (uint32_t)i;
	}
	struct dict_synset *sy = &PUSH(d->synsets, d->nsynsets, d->synsets_cap);
	sy->name = add_string(d, name, n);
	sy->ref_file = L->file;
	sy->ref_line = L->line;
	return (uint32_t)(d->nsynsets - 1);
}

static int parse_phrase(struct loader *L, const char *s, size_t n, enum phrase_ctx ctx, int depth,
	uint32_t *ret_phrase, unsigned *ret_length);

/* Parses "{ a | b }" starting at s[*pos] == '{'; pushes one ELEM_ALT. */
static void parse_alternatives(struct loader *L, struct phrase_builder *pb, const char *s, size_t n,
	size_t *pos, int depth)
{
	struct dict *d = L->dict;
	if (depth >= MAX_ALT_DEPTH) {
		pb->error = "alternatives inside alternatives";
		return;
	}
	size_t close = *pos + 1;
	while (close < n && s[close] != '}' && s[close] != '{')
		close++;
	if (close >= n || s[close] != '}') {
		pb->error = "missing '}' in alternatives";
		return;
	}
	uint32_t members[MAX_ALTERNATIVES];
	size_t nmembers = 0;
	unsigned longest = 0;
	size_t start = *pos + 1;
	for (size_t i = start; i <= close; i++) {
		if (i < close && s[i] != '|')
			continue;
		const char *a = s + start;
		size_t an = i - start;
		trim(&a, &an);
		if (an == 0) {
			pb->error = "empty alternative";
			return;
		}
		if (nmembers >= sizeof members / sizeof members[0]) {
			pb->error = "too many alternatives";
			return;
		}
		unsigned len = 0;
		if (parse_phrase(L, a, an, CTX_MEMBER, depth + 1, &members[nmembers], &len) < 0) {
			pb->error = "bad alternative";
			return;
		}
		nmembers++;
		if (len > longest)
			longest = len;
		start = i + 1;
	}
	struct dict_alt *alt = &PUSH(d->alts, d->nalts, d->alts_cap);
	alt->first = (uint32_t)d->nalt_members;
	alt->count = (uint32_t)nmembers;
	for (size_t i = 0; i < nmembers; i++)
		PUSH(d->alt_members, d->nalt_members, d->alt_members_cap) = members[i];
	if (pb_push(pb, ELEM_ALT, (uint32_t)(d->nalts - 1)))
		pb->length += longest;
	*pos = close + 1;
}

/*
 * Parses a phrase written in the dictionaries' notation into elements and stores it.
 * Returns 0 (with the phrase id) or -EINVAL after reporting the problem.
 */
static int parse_phrase(struct loader *L, const char *s, size_t n, enum phrase_ctx ctx, int depth,
	uint32_t *ret_phrase, unsigned *ret_length)
{
	struct phrase_builder pb;
	pb.count = 0;
	pb.length = 0;
	pb.verbs = 0;
	pb.error = NULL;
	bool tokens = ctx == CTX_PATTERN || ctx == CTX_MEMBER;
	size_t i = 0;
	while (i < n && !pb.error) {
		char c = s[i];
		if (is_space(c)) {
			i++;
			continue;
		}
		if (!tokens && c == '+' && ctx == CTX_VERB) {
			i++; /* PETRARCH marks the head of a compound verb: RE_+ADMIT */
			continue;
		}
		if (c == '_' || c == '-' || (!tokens && c == '+')) {
			/* "X_Y": Y must follow X immediately; "X_ Y" only makes X a whole word */
			bool joins = i + 1 < n && !is_space(s[i + 1]) && s[i + 1] != '|' &&
				s[i + 1] != '}' && s[i + 1] != ']';
			if (pb.count) {
				if (joins)
					pb.elems[pb.count - 1].consecutive = 1;
				pb.underscore[pb.count - 1] = pb.elems[pb.count - 1].kind == ELEM_WORD &&
					!(i > 0 && s[i - 1] == '~');
				pb.open_mode[pb.count - 1] = false;
			}
			i++;
			continue;
		}
		if (c == '~') {
			if (pb.count && pb.elems[pb.count - 1].kind == ELEM_WORD) {
				pb.elems[pb.count - 1].consecutive = 1;
				pb.elems[pb.count - 1].mode = DICT_STEM;
				pb.open_mode[pb.count - 1] = false;
				pb.underscore[pb.count - 1] = false;
			}
			i++;
			continue;
		}
		if (c == '=') {
			if (pb.count && pb.elems[pb.count - 1].kind == ELEM_WORD) {
				pb.elems[pb.count - 1].mode = DICT_EXACT;
				pb.open_mode[pb.count - 1] = false;
				pb.underscore[pb.count - 1] = false;
			}
			i++;
			continue;
		}
		if (tokens && (c == '*' || c == '$' || c == '+' || c == '%' || c == '^' || c == '@')) {
			enum dict_elem_kind k = c == '*' ? ELEM_VERB : c == '$' ? ELEM_SOURCE :
				c == '+' ? ELEM_TARGET : c == '%' ? ELEM_COMPOUND :
				c == '^' ? ELEM_SKIP : ELEM_ATTRIB;
			if (k == ELEM_VERB) {
				if (ctx != CTX_PATTERN) {
					pb.error = "'*' outside a pattern";
					break;
				}
				pb.verbs++;
			}
			pb_push(&pb, k, 0);
			i++;
			continue;
		}
		if (tokens && c == '&') {
			size_t b = ++i;
			while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
					    (s[i] >= '0' && s[i] <= '9')))
				i++;
			if (i == b) {
				pb.error = "'&' without a synset name";
				break;
			}
			char name[64];
			size_t nn = text_fold_word(s + b, i - b, name, sizeof name);
			uint32_t id = synset_ref(L, name, nn);
			/* a synset adds nothing to a pattern's length: TABARI tries a pattern
			 * naming a member outright before one naming its synset */
			pb_push(&pb, ELEM_SYNSET, id);
			continue;
		}
		if (tokens && c == '{') {
			parse_alternatives(L, &pb, s, n, &i, depth);
			continue;
		}
		if (c == '{' || c == '}' || c == '|' || c == '[' || c == ']') {
			pb.error = "unexpected character in phrase";
			break;
		}
		/* a word */
		size_t b = i;
		while (i < n && word_char(s[i], tokens))
			i++;
		char folded[TEXT_MAX_WORD * 2];
		size_t fn = text_fold_word(s + b, i - b, folded, sizeof folded);
		if (fn == 0)
			continue;
		unsigned letters = 0;
		for (size_t k = 0; k < fn; k++)
			letters += (folded[k] >= 'A' && folded[k] <= 'Z') ||
				(folded[k] >= '0' && folded[k] <= '9');
		struct dict_elem *e = pb_push(&pb, ELEM_WORD, lex_intern(L->dict, folded, fn));
		if (!e)
			break;
		e->mode = DICT_STEM;
		pb.open_mode[pb.count - 1] = true;
		pb.length += letters;
	}
	if (!pb.error && pb.count == 0)
		pb.error = "empty phrase";
	if (!pb.error && ctx == CTX_PATTERN && pb.verbs != 1)
		pb.error = pb.verbs ? "more than one '*' in pattern" : "missing verb marker '*'";
	if (pb.error) {
		if (depth == 0)
			report(L, "%s: '%.*s'", pb.error, (int)(n > 200 ? 200 : n), s);
		return -EINVAL;
	}
	/* Decide word modes now that we know which word is last. */
	size_t last_word = SIZE_MAX;
	for (size_t k = 0; k < pb.count; k++)
		if (pb.elems[k].kind == ELEM_WORD)
			last_word = k;
	for (size_t k = 0; k < pb.count; k++) {
		struct dict_elem *e = &pb.elems[k];
		if (e->kind != ELEM_WORD)
			continue;
		bool last = k == last_word;
		if (ctx == CTX_DISCARD) {
			e->mode = last ? DICT_NOUN : DICT_EXACT;
			if (k + 1 < pb.count)
				e->consecutive = 1;
			continue;
		}
		if (pb.underscore[k]) {
			if (last && ctx == CTX_NAME)
				e->mode = DICT_NOUN;
			else if (last && ctx == CTX_VERB)
				e->mode = DICT_VERB;
			else
				e->mode = DICT_EXACT;
		} else if (pb.open_mode[k] && L->petrarch) {
			/* PETRARCH-era dictionaries list whole words and generate regular forms */
			e->mode = ctx == CTX_VERB ? DICT_VERB : ctx == CTX_NAME ? DICT_NOUN : DICT_STEM;
		}
	}
	if (pb.count)
		pb.elems[pb.count - 1].consecutive = 0;
	*ret_phrase = store_phrase(L->dict, &pb);
	if (ret_length)
		*ret_length = pb.length;
	return 0;
}

/* ---- codes ----------------------------------------------------------------------- */

static bool is_code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Normalises the special codes, including the spaced "- - -" form. */
static const char *special_code(const char *s, size_t n)
{
	char compact[16];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof compact - 1; i++)
		if (!is_space(s[i]))
			compact[k++] = s[i];
	compact[k] = '\0';
	if (strcmp(compact, "---") == 0)
		return DICT_CODE_NULL;
	if (strcmp(compact, "###") == 0)
		return DICT_CODE_DISCARD;
	if (strcmp(compact, "+++") == 0)
		return DICT_CODE_COMPLEX;
	return NULL;
}

/* An actor code: letters and digits, '/' between the parts of a coded compound. */
static bool valid_actor_code(const char *s, size_t n)
{
	if (n == 0)
		return false;
	bool part = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (!part)
				return false;
			part = false;
		} else if (is_code_char(s[i])) {
			part = true;
		} else {
			return false;
		}
	}
	return part;
}

/* Parses the inside of one actor code block: "CODE", "CODE >YYMMDD", "CODE a-b" ... */
static int parse_actor_code(struct loader *L, const char *s, size_t n, struct dict_code *ret)
{
	trim(&s, &n);
	const char *special = special_code(s, n);
	memset(ret, 0, sizeof *ret);
	ret->from = INT32_MIN;
	ret->to = INT32_MAX;
	if (special) {
		ret->code = add_string(L->dict, special, strlen(special));
		return 0;
	}
	size_t c = 0;
	while (c < n && (is_code_char(s[c]) || s[c] == '/'))
		c++;
	/* "---" or "###" followed by a date restriction */
	size_t sc = 0;
	while (sc < n && (s[sc] == '-' || s[sc] == '#' || s[sc] == '+'))
		sc++;
	const char *code = s;
	size_t code_len = c;
	if (sc == 3) {
		special = special_code(s, 3);
		code = special;
		code_len = 3;
		c = 3;
	}
	if (!special && !valid_actor_code(s, c)) {
		report(L, "bad actor code '[%.*s]'", (int)(n > 80 ? 80 : n), s);
		return -EINVAL;
	}
	const char *r = s + c;
	size_t rn = n - c;
	trim(&r, &rn);
	if (rn == 0) {
		ret->code = add_string(L->dict, code, code_len);
		return 0;
	}
	if (c && is_code_char(s[c - 1]) && rn == n - c && !special) {
		/* "AAA950601-990815": no space between code and date */
		report(L, "bad actor code '[%.*s]'", (int)(n > 80 ? 80 : n), s);
		return -EINVAL;
	}
	int32_t a, b;
	if (r[0] == '<' || r[0] == '>') {
		const char *dt = r + 1;
		size_t dn = rn - 1;
		trim(&dt, &dn);
		if (parse_dict_date(dt, dn, &a) < 0) {
			report(L, "bad date '%.*s' in actor code", (int)(dn > 40 ? 40 : dn), dt);
			return -EINVAL;
		}
		if (r[0] == '<')
			ret->to = a;
		else
			ret->from = a;
	} else {
		const char *dash = memchr(r, '-', rn);
		if (!dash) {
			report(L, "bad date restriction '%.*s'", (int)(rn > 40 ? 40 : rn), r);
			return -EINVAL;
		}
		const char *d1 = r, *d2 = dash + 1;
		size_t n1 = (size_t)(dash - r), n2 = rn - n1 - 1;
		trim(&d1, &n1);
		trim(&d2, &n2);
		if (parse_dict_date(d1, n1, &a) < 0 || parse_dict_date(d2, n2, &b) < 0) {
			report(L, "bad date range '%.*s'", (int)(rn > 40 ? 40 : rn), r);
			return -EINVAL;
		}
		ret->from = a;
		ret->to = b;
	}
	ret->dated = 1;
	ret->code = add_string(L->dict, code, code_len);
	return 0;
}

/* Finds the [...] blocks of a line: returns the offset of the first '[' (n if none). */
static size_t first_bracket(const char *s, size_t n)
{
	const char *b = memchr(s, '[', n);
	return b ? (size_t)(b - s) : n;
}

/*
 * Strips a trailing comment: ';' or '#' outside brackets and braces. A '#' right after
 * a word character is part of the word only in codes, which sit inside brackets.
 */
static size_t strip_comment(const char *s, size_t n)
{
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '[' || c == '{')
			depth++;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
		else if ((c == ';' || c == '#') && depth == 0)
			return i;
	}
	return n;
}

/* Parses a verb code block "[032:033]", "[023?]", "[---]", "[-7]" into dict->events. */
static int parse_event_code(struct loader *L, const char *s, size_t n, bool time, uint32_t *ret)
{
	struct dict *d = L->dict;
	struct dict_event_code ev = {0};
	trim(&s, &n);
	const char *special = special_code(s, n);
	if (special) {
		ev.flags = strcmp(special, DICT_CODE_NULL) == 0 ? EVENT_NULL :
			strcmp(special, DICT_CODE_DISCARD) == 0 ? EVENT_DISCARD : EVENT_COMPLEX;
		ev.code = add_string(d, special, 3);
		ev.reverse = ev.code;
	} else if (time && n > 0 && (s[0] == '+' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
		long v = 0;
		size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0;
		if (i == n)
			goto bad;
		for (; i < n; i++) {
			if (s[i] < '0' || s[i] > '9' || v > 100000)
				goto bad;
			v = v * 10 + (s[i] - '0');
		}
		if (s[0] == '-')
			v = -v;
		ev.flags = EVENT_TIME;
		ev.shift = (int16_t)(v > 8192 || v < -8192 ? 0 : v);
		ev.code = add_string(d, "", 0);
		ev.reverse = ev.code;
	} else {
		if (n && s[n - 1] == '?') {
			ev.flags |= EVENT_SUBORDINATE;
			n--;
		} else if (n && s[n - 1] == '!') {
			ev.flags |= EVENT_DOMINANT;
			n--;
		}
		const char *colon = memchr(s, ':', n);
		size_t n1 = colon ? (size_t)(colon - s) : n;
		const char *a = s, *b = colon ? colon + 1 : NULL;
		size_t bn = colon ? n - n1 - 1 : 0;
		trim(&a, &n1);
		if (b)
			trim(&b, &bn);
		if (n1 == 0 || (b && bn == 0))
			goto bad;
		for (size_t i = 0; i < n1; i++)
			if (!is_code_char(a[i]))
				goto bad;
		for (size_t i = 0; i < bn; i++)
			if (!is_code_char(b[i]))
				goto bad;
		ev.code = add_string(d, a, n1);
		if (b) {
			ev.flags |= EVENT_PAIRED;
			ev.reverse = add_string(d, b, bn);
		} else {
			ev.reverse = ev.code;
		}
	}
	PUSH(d->events, d->nevents, d->events_cap) = ev;
	*ret = (uint32_t)(d->nevents - 1);
	return 0;
bad:
	report(L, "bad event code '[%.*s]'", (int)(n > 40 ? 40 : n), s);
	return -EINVAL;
}

/* Splits "TEXT [code] rest" into the text before the bracket and the code inside. */
static int split_code(struct loader *L, const char *s, size_t n, const char **ret_code,
	size_t *ret_code_len, size_t *ret_text_len)
{
	size_t b = first_bracket(s, n);
	*ret_text_len = b;
	if (b == n) {
		*ret_code = NULL;
		*ret_code_len = 0;
		return 0;
	}
	const char *close = memchr(s + b, ']', n - b);
	if (!close) {
		report(L, "missing ']'");
		return -EINVAL;
	}
	*ret_code = s + b + 1;
	*ret_code_len = (size_t)(close - s) - b - 1;
	return 0;
}

/* ---- actors ---------------------------------------------------------------------- */

static void group_close(struct loader *L)
{
	struct dict *d = L->dict;
	if (!L->group_open)
		return;
	L->group_open = false;
	if (L->group_error)
		return;
	if (L->ngroup_codes == 0) {
		unsigned line = L->line;
		L->line = L->group_line;
		report(L, "actor without a code: '%s'", dict_str(d, L->group_parent));
		L->line = line;
		return;
	}
	/* TABARI wants the unrestricted default last; keep it last whatever the order */
	uint32_t first = (uint32_t)d->ncodes;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < L->ngroup_codes; i++)
			if (L->group_codes[i].dated == (pass == 0))
				PUSH(d->codes, d->ncodes, d->codes_cap) = L->group_codes[i];
	for (size_t i = 0; i < L->ngroup; i++) {
		struct dict_actor *a = &PUSH(d->actors, d->nactors, d->actors_cap);
		a->phrase = L->group_phrases[i];
		a->codes = first;
		a->ncodes = (uint16_t)L->ngroup_codes;
		a->parent = L->group_parent;
		a->file = L->file;
		a->line = L->group_line;
		L->loaded++;
	}
}

static int group_add_codes(struct loader *L, const char *s, size_t n)
{
	/* one or more [..] blocks; anything else on the line is an error */
	size_t i = 0;
	while (i < n) {
		if (is_space(s[i])) {
			i++;
			continue;
		}
		if (s[i] != '[') {
			report(L, "text after code: '%.*s'", (int)(n - i > 40 ? 40 : n - i), s + i);
			return -EINVAL;
		}
		const char *close = memchr(s + i, ']', n - i);
		if (!close) {
			report(L, "missing ']'");
			return -EINVAL;
		}
		size_t inner = (size_t)(close - s) - i - 1;
		if (L->ngroup_codes >= MAX_CODES) {
			report(L, "too many codes");
			return -EINVAL;
		}
		const char *in = s + i + 1;
		size_t inn = inner;
		trim(&in, &inn);
		if (inn == 0) {
			report(L, "no code in []");
			return -EINVAL;
		}
		if (parse_actor_code(L, s + i + 1, inner, &L->group_codes[L->ngroup_codes]) < 0)
			return -EINVAL;
		L->ngroup_codes++;
		i = (size_t)(close - s) + 1;
	}
	return 0;
}

static void actor_line(struct loader *L, const char *raw, size_t rawn, const char *s, size_t n)
{
	struct dict *d = L->dict;
	if (L->section == SEC_NOUN || L->section == SEC_ADJECTIVE) {
		size_t tn = first_bracket(s, n);
		const char *t = s;
		trim(&t, &tn);
		uint32_t phrase;
		if (tn && parse_phrase(L, t, tn, CTX_NAME, 0, &phrase, NULL) == 0) {
			struct dict_plain *p = &PUSH(d->plains, d->nplains, d->plains_cap);
			p->phrase = phrase;
			p->kind = L->section == SEC_NOUN ? PLAIN_NOUN : PLAIN_ADJECTIVE;
			p->file = L->file;
			p->line = L->line;
			L->loaded++;
		}
		return;
	}
	bool indented = rawn && is_space(raw[0]);
	if (s[0] == '[' && indented) {
		if (!L->group_open) {
			report(L, "code line without an actor");
			return;
		}
		if (group_add_codes(L, s, n) < 0)
			L->group_error = true;
		return;
	}
	if (s[0] == '+') {
		if (!L->group_open) {
			report(L, "synonym without an actor");
			return;
		}
		const char *t = s + 1;
		size_t tn = first_bracket(t, n - 1);
		const char *rest = t + tn;
		size_t restn = n - 1 - tn;
		trim(&t, &tn);
		uint32_t phrase;
		if (tn == 0 || parse_phrase(L, t, tn, CTX_NAME, 0, &phrase, NULL) < 0) {
			if (tn == 0)
				report(L, "empty synonym");
			return;
		}
		if (L->ngroup >= MAX_GROUP) {
			report(L, "too many synonyms");
			return;
		}
		L->group_phrases[L->ngroup++] = phrase;
		if (restn && group_add_codes(L, rest, restn) < 0)
			L->group_error = true;
		return;
	}
	size_t tn = first_bracket(s, n);
	const char *t = s;
	const char *rest = s + tn;
	size_t restn = n - tn;
	trim(&t, &tn);
	/* Phoenix lists synonyms as plain name lines before the group's code lines */
	if (L->group_open && L->ngroup_codes == 0 && !L->group_error && tn && restn == 0) {
		uint32_t phrase;
		if (L->ngroup < MAX_GROUP && parse_phrase(L, t, tn, CTX_NAME, 0, &phrase, NULL) == 0)
			L->group_phrases[L->ngroup++] = phrase;
		return;
	}
	group_close(L);
	L->group_open = true;
	L->group_error = false;
	L->group_line = L->line;
	L->ngroup = 0;
	L->ngroup_codes = 0;
	L->group_parent = add_string(d, t, tn);
	uint32_t phrase;
	if (tn == 0) {
		report(L, "code without an actor name");
		L->group_error = true;
		return;
	}
	if (parse_phrase(L, t, tn, CTX_NAME, 0, &phrase, NULL) < 0) {
		L->group_error = true;
		return;
	}
	L->group_phrases[L->ngroup++] = phrase;
	if (restn && group_add_codes(L, rest, restn) < 0)
		L->group_error = true;
}

/* ---- agents ---------------------------------------------------------------------- */

static void subst_define(struct loader *L, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	const char *end = memchr(s + 1, '!', n - 1);
	if (!eq || !end || end > eq || (size_t)(end - s) + 1 > sizeof L->substs[0].name - 1) {
		report(L, "bad substitution set");
		return;
	}
	struct subst *sub = &PUSH(L->substs, L->nsubsts, L->substs_cap);
	size_t nn = (size_t)(end - s) + 1;
	memcpy(sub->name, s, nn);
	sub->name[nn] = '\0';
	const char *v = eq + 1;
	size_t vn = n - (size_t)(v - s);
	while (vn) {
		const char *comma = memchr(v, ',', vn);
		size_t k = comma ? (size_t)(comma - v) : vn;
		const char *w = v;
		size_t wn = k;
		trim(&w, &wn);
		if (wn && sub->count < MAX_SUBST_VALUES)
			sub->values[sub->count++] = xstrndup(w, wn);
		if (!comma)
			break;
		vn -= k + 1;
		v = comma + 1;
	}
}

/* Expands !NAME! markers; calls add() for each resulting phrase text. */
static void expand_substitutions(struct loader *L, const char *s, size_t n, int depth,
	size_t *budget, void (*add)(struct loader *, const char *, size_t, void *), void *ctx)
{
	if (*budget == 0)
		return;
	const char *open = memchr(s, '!', n);
	if (!open || depth > 4) {
		(*budget)--;
		add(L, s, n, ctx);
		return;
	}
	const char *close = memchr(open + 1, '!', n - (size_t)(open + 1 - s));
	if (!close) {
		report(L, "unterminated '!' substitution");
		return;
	}
	size_t nn = (size_t)(close - open) + 1;
	for (size_t i = 0; i < L->nsubsts; i++) {
		struct subst *sub = &L->substs[i];
		if (strlen(sub->name) != nn || memcmp(sub->name, open, nn) != 0)
			continue;
		for (size_t v = 0; v < sub->count; v++) {
			char tmp[MAX_LINE];
			size_t pre = (size_t)(open - s), vl = strlen(sub->values[v]);
			size_t post = n - pre - nn;
			if (pre + vl + post >= sizeof tmp)
				continue;
			memcpy(tmp, s, pre);
			memcpy(tmp + pre, sub->values[v], vl);
			memcpy(tmp + pre + vl, close + 1, post);
			expand_substitutions(L, tmp, pre + vl + post, depth + 1, budget, add, ctx);
		}
		return;
	}
	report(L, "unknown substitution set %.*s", (int)nn, open);
}

struct agent_ctx {
	uint32_t code;
	bool suffix;
};

static void add_agent(struct loader *L, const char *s, size_t n, void *vctx)
{
	struct agent_ctx *ac = vctx;
	struct dict *d = L->dict;
	uint32_t phrase;
	if (parse_phrase(L, s, n, CTX_NAME, 0, &phrase, NULL) < 0)
		return;
	struct dict_agent *a = &PUSH(d->agents, d->nagents, d->agents_cap);
	a->phrase = phrase;
	a->code = ac->code;
	a->suffix = ac->suffix;
	a->file = L->file;
	a->line = L->line;
	L->loaded++;
}

static void agent_line(struct loader *L, const char *s, size_t n)
{
	if (s[0] == '!' && memchr(s, '=', n)) {
		subst_define(L, s, n);
		return;
	}
	const char *code;
	size_t code_len, text_len;
	if (split_code(L, s, n, &code, &code_len, &text_len) < 0)
		return;
	if (!code) {
		report(L, "agent without a code");
		return;
	}
	trim(&code, &code_len);
	struct agent_ctx ac;
	if (code_len >= 2 && code[0] == '~') {
		ac.suffix = true;
		code++;
		code_len--;
	} else if (code_len >= 2 && code[code_len - 1] == '~') {
		ac.suffix = false;
		code_len--;
	} else {
		report(L, "missing ~ connector in agent code '[%.*s]'", (int)(code_len > 40 ? 40 :
			code_len), code);
		return;
	}
	trim(&code, &code_len);
	if (!valid_actor_code(code, code_len)) {
		report(L, "bad agent code '[%.*s]'", (int)(code_len > 40 ? 40 : code_len), code);
		return;
	}
	ac.code = add_string(L->dict, code, code_len);
	/* "NAME {PLURAL FORMS}": the braces list irregular plurals ({} means none) */
	const char *t = s;
	size_t tn = text_len;
	const char *brace = memchr(t, '{', tn);
	const char *forms = NULL;
	size_t forms_len = 0;
	if (brace) {
		const char *close = memchr(brace, '}', tn - (size_t)(brace - t));
		if (!close) {
			report(L, "missing '}'");
			return;
		}
		forms = brace + 1;
		forms_len = (size_t)(close - brace) - 1;
		tn = (size_t)(brace - t);
	}
	trim(&t, &tn);
	if (tn == 0) {
		report(L, "agent without a name");
		return;
	}
	size_t budget = MAX_EXPANSIONS;
	expand_substitutions(L, t, tn, 0, &budget, add_agent, &ac);
	while (forms && forms_len) {
		while (forms_len && is_space(*forms)) {
			forms++;
			forms_len--;
		}
		size_t k = 0;
		while (k < forms_len && !is_space(forms[k]))
			k++;
		if (k)
			expand_substitutions(L, forms, k, 0, &budget, add_agent, &ac);
		forms += k;
		forms_len -= k;
	}
}

/* ---- verbs ----------------------------------------------------------------------- */

static uint32_t new_family(struct loader *L, uint32_t event, bool time)
{
	struct dict *d = L->dict;
	struct dict_family *f = &PUSH(d->families, d->nfamilies, d->families_cap);
	f->event = event;
	f->time = time;
	return (uint32_t)(d->nfamilies - 1);
}

static uint32_t null_event(struct loader *L)
{
	uint32_t ev;
	parse_event_code(L, "---", 3, false, &ev);
	return ev;
}

static void add_verb(struct loader *L, const char *s, size_t n, uint32_t family, uint32_t event)
{
	struct dict *d = L->dict;
	uint32_t phrase;
	if (parse_phrase(L, s, n, CTX_VERB, 0, &phrase, NULL) < 0)
		return;
	struct dict_verb *v = &PUSH(d->verbs, d->nverbs, d->verbs_cap);
	v->phrase = phrase;
	v->family = family;
	v->event = event;
	v->file = L->file;
	v->line = L->line;
	L->last_root = (int64_t)(d->nverbs - 1);
	L->loaded++;
}

/* "{ FORM_ FORM2 }": forms of the last root, sharing its family and code */
static void add_forms(struct loader *L, const char *s, size_t n)
{
	struct dict *d = L->dict;
	if (L->last_root < 0) {
		report(L, "verb forms without a verb");
		return;
	}
	const struct dict_verb root = d->verbs[L->last_root];
	int64_t keep = L->last_root;
	size_t i = 0;
	while (i < n) {
		while (i < n && (is_space(s[i]) || s[i] == '{' || s[i] == '}'))
			i++;
		while (i < n && s[i] == '+')
			i++;
		size_t b = i;
		while (i < n && !is_space(s[i]) && s[i] != '{' && s[i] != '}')
			i++;
		if (i > b)
			add_verb(L, s + b, i - b, root.family, root.event);
	}
	L->last_root = keep;
}

static void pattern_line(struct loader *L, const char *s, size_t n)
{
	struct dict *d = L->dict;
	if (L->family < 0) {
		report(L, "pattern before any verb");
		return;
	}
	const char *code;
	size_t code_len, text_len;
	if (split_code(L, s, n, &code, &code_len, &text_len) < 0)
		return;
	if (!code) {
		report(L, "pattern without a code");
		return;
	}
	const char *t = s;
	trim(&t, &text_len);
	uint32_t event, phrase;
	if (parse_event_code(L, code, code_len, d->families[L->family].time, &event) < 0)
		return;
	if (parse_phrase(L, t, text_len, CTX_PATTERN, 0, &phrase, NULL) < 0)
		return;
	struct dict_pattern *p = &PUSH(d->patterns, d->npatterns, d->patterns_cap);
	p->phrase = phrase;
	p->event = event;
	p->text = add_string(d, t, text_len);
	p->file = L->file;
	p->line = L->line;
	p->family = (uint32_t)L->family;
	L->loaded++;
}

static void synset_member(struct loader *L, const char *s, size_t n)
{
	struct dict *d = L->dict;
	uint32_t phrase;
	unsigned len = 0;
	if (parse_phrase(L, s, n, CTX_MEMBER, 0, &phrase, &len) < 0)
		return;
	/* members are appended in one run per synset: definitions are not interleaved */
	struct dict_synset *sy = &d->synsets[L->synset];
	if (sy->count == 0)
		sy->first = (uint32_t)d->nsynset_members;
	else if (sy->first + sy->count != d->nsynset_members) {
		report(L, "synset &%s defined twice", dict_str(d, sy->name));
		return;
	}
	PUSH(d->synset_members, d->nsynset_members, d->synset_members_cap) = phrase;
	sy->count++;
	if (len > sy->length)
		sy->length = (uint16_t)(len > 65535 ? 65535 : len);
	L->loaded++;
}

static void verb_line(struct loader *L, const char *raw, size_t rawn, const char *s, size_t n)
{
	struct dict *d = L->dict;
	/* "--- NAME [code] ---": a PETRARCH verb family */
	if (n >= 3 && memcmp(s, "---", 3) == 0) {
		const char *code;
		size_t code_len, text_len;
		L->synset = -1;
		if (split_code(L, s, n, &code, &code_len, &text_len) < 0)
			return;
		uint32_t event;
		if (!code)
			event = null_event(L);
		else if (parse_event_code(L, code, code_len, false, &event) < 0)
			return;
		L->family = new_family(L, event, false);
		L->family_block = true;
		L->last_root = -1;
		return;
	}
	if (s[0] == '&') {
		/* the name is letters and digits (a pattern reads "&NAME_WORD" as the synset
		 * followed by a word); Phoenix writes a trailing '_' we ignore */
		size_t b = 1, e = 1;
		while (e < n && ((s[e] >= 'A' && s[e] <= 'Z') || (s[e] >= 'a' && s[e] <= 'z') ||
				       (s[e] >= '0' && s[e] <= '9')))
			e++;
		size_t rest = e;
		while (rest < n && s[rest] == '_')
			rest++;
		if (e == b || (rest < n && !is_space(s[rest]))) {
			report(L, "bad synset name '%.*s': letters and digits only", (int)(n > 40 ? 40 : n), s);
			L->synset = -1;
			return;
		}
		char name[64];
		size_t nn = text_fold_word(s + b, e - b, name, sizeof name);
		uint32_t id = synset_ref(L, name, nn);
		if (d->synsets[id].defined) {
			report(L, "synset &%s defined twice", dict_str(d, d->synsets[id].name));
			L->synset = -1;
			return;
		}
		d->synsets[id].defined = 1;
		L->synset = id;
		return;
	}
	if (s[0] == '+') {
		if (L->synset >= 0) {
			synset_member(L, s + 1, n - 1);
			return;
		}
		if (L->family_block && L->family >= 0 && n > 1 && s[1] != '+') {
			/* another verb of the block, maybe with its own forms and code */
			verb_line(L, raw, rawn, s + 1, n - 1);
			return;
		}
		report(L, "'+' line outside a synset");
		return;
	}
	L->synset = -1;
	if (s[0] == '-') {
		pattern_line(L, s + 1, n - 1);
		return;
	}
	if (s[0] == '{' && rawn && raw[0] == '{') {
		add_forms(L, s, n);
		return;
	}
	/* a verb: "WORDS {forms} [code]" (forms and code optional, in either order) */
	const char *code = NULL;
	size_t code_len = 0;
	const char *forms = NULL;
	size_t forms_len = 0;
	size_t text_end = n;
	const char *lb = memchr(s, '[', n);
	if (lb) {
		const char *rb = memchr(lb, ']', n - (size_t)(lb - s));
		if (!rb) {
			report(L, "missing ']'");
			return;
		}
		code = lb + 1;
		code_len = (size_t)(rb - lb) - 1;
		text_end = (size_t)(lb - s);
	}
	const char *brace = memchr(s, '{', n);
	if (brace) {
		const char *close = memchr(brace, '}', n - (size_t)(brace - s));
		if (!close) {
			report(L, "missing '}'");
			return;
		}
		forms = brace;
		forms_len = (size_t)(close - brace) + 1;
		if ((size_t)(brace - s) < text_end)
			text_end = (size_t)(brace - s);
	}
	const char *t = s;
	size_t tn = text_end;
	trim(&t, &tn);
	if (tn == 0) {
		report(L, "code without a verb");
		return;
	}
	bool time = L->section == SEC_TIME;
	uint32_t event;
	if (code) {
		if (parse_event_code(L, code, code_len, time, &event) < 0)
			return;
	} else if (L->family_block && L->family >= 0 && !time) {
		event = d->families[L->family].event;
	} else {
		event = null_event(L);
	}
	if (!L->family_block || time)
		L->family = new_family(L, event, time);
	add_verb(L, t, tn, (uint32_t)L->family, event);
	if (forms)
		add_forms(L, forms, forms_len);
}

/* ---- discards and options -------------------------------------------------------- */

static void discard_line(struct loader *L, const char *s, size_t n)
{
	struct dict *d = L->dict;
	bool story = s[0] == '+';
	if (story) {
		s++;
		n--;
		trim(&s, &n);
	}
	if (n == 0)
		return;
	uint32_t phrase;
	if (parse_phrase(L, s, n, CTX_DISCARD, 0, &phrase, NULL) < 0)
		return;
	struct dict_plain *p = &PUSH(d->plains, d->nplains, d->plains_cap);
	p->phrase = phrase;
	p->kind = story ? PLAIN_DISCARD_STORY : PLAIN_DISCARD;
	p->file = L->file;
	p->line = L->line;
	L->loaded++;
}

static void option_line(struct loader *L, const char *s, size_t n)
{
	struct dict *d = L->dict;
	/* "//" and "#" start comments in .options files */
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#' || (s[i] == '/' && i + 1 < n && s[i + 1] == '/')) {
			n = i;
			break;
		}
	}
	trim(&s, &n);
	if (n == 0)
		return;
	PUSH(d->options, d->noptions, d->options_cap) = add_string(d, s, n);
	L->loaded++;
}

/* ---- sections and lines ---------------------------------------------------------- */

static bool section_tag(struct loader *L, const char *s, size_t n)
{
	if (n < 3 || s[0] != '<' || s[n - 1] != '>' || (n >= 4 && memcmp(s, "<!--", 4) == 0))
		return false;
	bool close = s[1] == '/';
	const char *name = s + 1 + close;
	size_t nn = n - 2 - close;
	char up[32];
	if (nn >= sizeof up)
		return false;
	for (size_t i = 0; i < nn; i++)
		up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	up[nn] = '\0';
	group_close(L);
	L->synset = -1;
	L->last_root = -1;
	if (close) {
		L->section = SEC_NONE;
		return true;
	}
	if (strcmp(up, "NOUN") == 0 || strcmp(up, "NOUNS") == 0)
		L->section = SEC_NOUN;
	else if (strncmp(up, "ADJ", 3) == 0)
		L->section = SEC_ADJECTIVE;
	else if (strncmp(up, "SYNSET", 6) == 0)
		L->section = SEC_SYNSETS;
	else if (strcmp(up, "TIME") == 0)
		L->section = SEC_TIME;
	else
		L->section = SEC_SKIP;
	if (L->section == SEC_TIME) {
		L->family = -1;
		L->family_block = false;
	}
	return true;
}

static void handle_line(struct loader *L, const char *raw, size_t rawn)
{
	const char *s = raw;
	size_t n = rawn;
	trim(&s, &n);
	if (n == 0)
		return; /* blank lines are for readability; they do not end a synonym group */
	if (L->kind == DICT_OPTIONS) {
		option_line(L, s, n);
		return;
	}
	if (s[0] == '#' || (s[0] == '/' && L->kind != DICT_DISCARDS))
		return;
	if (section_tag(L, s, n))
		return;
	if (L->section == SEC_SKIP)
		return;
	n = strip_comment(s, n);
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0)
		return;
	switch (L->kind) {
	case DICT_ACTORS:
		actor_line(L, raw, rawn, s, n);
		break;
	case DICT_AGENTS:
		agent_line(L, s, n);
		break;
	case DICT_VERBS:
		verb_line(L, raw, rawn, s, n);
		break;
	case DICT_DISCARDS:
		discard_line(L, s, n);
		break;
	case DICT_OPTIONS:
		break;
	}
}

/* PETRARCH-era files: verb families, agent plural braces or substitution sets. */
static bool looks_petrarch(enum dict_kind kind, const char *text, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		if (kind == DICT_VERBS && n >= 4 && memcmp(s, "--- ", 4) == 0)
			return true;
		if (kind == DICT_AGENTS && n > 2 && s[0] != '#' &&
			(s[0] == '!' || memchr(s, '{', n)))
			return true;
		pos = end + 1;
	}
	return false;
}

int dict_load_text(struct dict *dict, enum dict_kind kind, const char *name, const char *text,
	size_t len, struct buf *errors)
{
	struct loader L;
	memset(&L, 0, sizeof L);
	L.dict = dict;
	L.kind = kind;
	L.errors = errors;
	L.family = -1;
	L.synset = -1;
	L.last_root = -1;
	L.name = name;
	dict->files = xrealloc(dict->files, (dict->nfiles + 1) * sizeof *dict->files);
	dict->files[dict->nfiles] = xstrdup(name);
	L.file = (uint32_t)dict->nfiles++;
	L.name = dict->files[L.file];
	L.petrarch = looks_petrarch(kind, text, len);
	bool in_comment = false;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		L.line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n > MAX_LINE) {
			report(&L, "line longer than %d bytes", MAX_LINE);
			continue;
		}
		/* <!-- ... --> comments, possibly over several lines */
		const char *t = s;
		size_t tn = n;
		trim(&t, &tn);
		if (in_comment || (tn >= 4 && memcmp(t, "<!--", 4) == 0)) {
			in_comment = !(tn >= 3 && memcmp(t + tn - 3, "-->", 3) == 0);
			continue;
		}
		if (tn >= 2 && t[0] == '~' && t[1] == '~')
			break; /* ~~FINISH: the rest of the file is not dictionary */
		if (memchr(s, '\0', n)) {
			report(&L, "NUL byte in line");
			continue;
		}
		handle_line(&L, s, n);
	}
	L.line++;
	group_close(&L);
	for (size_t i = 0; i < L.nsubsts; i++)
		for (size_t v = 0; v < L.substs[i].count; v++)
			free(L.substs[i].values[v]);
	free(L.substs);
	return L.loaded;
}

int dict_load_file(struct dict *dict, enum dict_kind kind, const char *path, struct buf *errors)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (errors)
			buf_printf(errors, "%s: %s\n", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES) {
		int e = st.st_size > MAX_FILE_BYTES ? EFBIG : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		if (errors)
			buf_printf(errors, "%s: %s\n", path, strerror(e));
		close(fd);
		return -e;
	}
	size_t size = (size_t)st.st_size;
	char *text = xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, text + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	int n = dict_load_text(dict, kind, path, text, got, errors);
	free(text);
	return n;
}

int dict_kind_from_path(const char *path, enum dict_kind *ret_kind)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static const struct {
		const char *word;
		enum dict_kind kind;
	} names[] = {
		{"actors", DICT_ACTORS},  {"agents", DICT_AGENTS},     {"verbpatterns", DICT_VERBS},
		{"verbs", DICT_VERBS},    {"discards", DICT_DISCARDS}, {"options", DICT_OPTIONS},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *hit = strstr(base, names[i].word);
		if (!hit)
			continue;
		size_t wl = strlen(names[i].word);
		bool left = hit == base || hit[-1] == '.' || hit[-1] == '_' || hit[-1] == '-';
		bool right = hit[wl] == '\0' || hit[wl] == '.' || hit[wl] == '_' || hit[wl] == '-';
		if (left && right) {
			*ret_kind = names[i].kind;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- finishing --------------------------------------------------------------------- */

struct start_sort {
	uint32_t lex;
	uint32_t entry;
	uint32_t second;
	uint16_t length;
	uint8_t cls;
	uint8_t mode;
};

static int compare_starts(const void *a, const void *b)
{
	const struct start_sort *x = a, *y = b;
	if (x->lex != y->lex)
		return x->lex < y->lex ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->length != y->length)
		return x->length > y->length ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

struct pattern_sort {
	uint32_t family;
	uint32_t index;
	uint16_t length;
};

static int compare_patterns(const void *a, const void *b)
{
	const struct pattern_sort *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->length != y->length)
		return x->length > y->length ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Literal length of a phrase with synsets resolved (they may be defined after use). */
static unsigned phrase_length(const struct dict *d, uint32_t phrase, int depth)
{
	const struct dict_phrase *p = &d->phrases[phrase];
	unsigned len = 0;
	for (uint32_t i = 0; i < p->count; i++) {
		const struct dict_elem *e = &d->elems[p->first + i];
		if (e->kind == ELEM_WORD) {
			const struct dict_lex *lx = &d->lex[e->id];
			const char *w = d->strings + lx->str;
			for (uint16_t k = 0; k < lx->len; k++)
				len += (w[k] >= 'A' && w[k] <= 'Z') || (w[k] >= '0' && w[k] <= '9');
		} else if (e->kind == ELEM_ALT && depth < 4) {
			const struct dict_alt *alt = &d->alts[e->id];
			unsigned best = 0;
			for (uint32_t m = 0; m < alt->count; m++) {
				unsigned l = phrase_length(d, d->alt_members[alt->first + m], depth + 1);
				if (l > best)
					best = l;
			}
			len += best;
		}
	}
	return len;
}

/* A phrase as text, connectors and word modes included: the key for duplicates. */
static void phrase_key(const struct dict *d, uint32_t phrase, struct buf *out)
{
	const struct dict_phrase *p = &d->phrases[phrase];
	for (uint16_t i = 0; i < p->count; i++) {
		const struct dict_elem *e = &d->elems[p->first + i];
		if (e->kind == ELEM_WORD)
			buf_append(out, d->strings + d->lex[e->id].str, d->lex[e->id].len);
		else
			buf_printf(out, "#%u.%u", e->kind, e->id);
		if (e->mode == DICT_EXACT || e->mode == DICT_NOUN || e->mode == DICT_VERB)
			buf_append_char(out, e->mode == DICT_EXACT ? '=' : '_');
		buf_append_char(out, e->consecutive ? '+' : ' ');
	}
}

/* A phrase as written (words joined by '_' or ' '), for messages. */
static void phrase_text(const struct dict *d, uint32_t phrase, struct buf *out)
{
	const struct dict_phrase *p = &d->phrases[phrase];
	for (uint16_t i = 0; i < p->count; i++) {
		const struct dict_elem *e = &d->elems[p->first + i];
		if (e->kind == ELEM_WORD)
			buf_append(out, d->strings + d->lex[e->id].str, d->lex[e->id].len);
		if (i + 1 < p->count)
			buf_append_char(out, e->consecutive ? '_' : ' ');
	}
}

struct named {
	char *key;
	uint32_t index;
};

static int compare_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static bool same_code_lists(const struct dict *d, const struct dict_actor *a,
	const struct dict_actor *b)
{
	if (a->ncodes != b->ncodes)
		return false;
	for (uint16_t i = 0; i < a->ncodes; i++) {
		const struct dict_code *x = &d->codes[a->codes + i], *y = &d->codes[b->codes + i];
		if (strcmp(dict_str(d, x->code), dict_str(d, y->code)) != 0 || x->from != y->from ||
			x->to != y->to)
			return false;
	}
	return true;
}

/* Names listed more than once with different codes (the first listing wins in matching). */
static int check_duplicates(const struct dict *d, struct buf *errors)
{
	int problems = 0;
	struct named *all = xmalloc((d->nactors + d->nagents + 1) * sizeof *all);
	struct buf key = {0};
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? d->nactors : d->nagents;
		for (size_t i = 0; i < n; i++) {
			buf_reset(&key);
			phrase_key(d, pass == 0 ? d->actors[i].phrase : d->agents[i].phrase, &key);
			all[i].key = xstrdup(key.data ? key.data : "");
			all[i].index = (uint32_t)i;
		}
		qsort(all, n, sizeof *all, compare_named);
		for (size_t i = 1; i < n; i++) {
			if (strcmp(all[i].key, all[i - 1].key) != 0)
				continue;
			size_t first = i - 1;
			while (first > 0 && strcmp(all[first - 1].key, all[i].key) == 0)
				first--;
			uint32_t a = all[first].index, b = all[i].index;
			bool same;
			uint32_t file_a, line_a, file_b, line_b;
			if (pass == 0) {
				same = same_code_lists(d, &d->actors[a], &d->actors[b]);
				file_a = d->actors[a].file, line_a = d->actors[a].line;
				file_b = d->actors[b].file, line_b = d->actors[b].line;
			} else {
				same = d->agents[a].code == d->agents[b].code ||
					(strcmp(dict_str(d, d->agents[a].code), dict_str(d, d->agents[b].code)) ==
							0 &&
						d->agents[a].suffix == d->agents[b].suffix);
				file_a = d->agents[a].file, line_a = d->agents[a].line;
				file_b = d->agents[b].file, line_b = d->agents[b].line;
			}
			if (same)
				continue;
			problems++;
			if (errors) {
				buf_reset(&key);
				phrase_text(d, pass == 0 ? d->actors[b].phrase : d->agents[b].phrase, &key);
				buf_printf(errors, "%s:%u: %s '%s' is also at %s:%u with other codes\n",
					d->files[file_b], line_b, pass == 0 ? "actor" : "agent", key.data,
					d->files[file_a], line_a);
			}
		}
		for (size_t i = 0; i < n; i++)
			free(all[i].key);
	}
	buf_free(&key);
	free(all);
	return problems;
}

int dict_check(const struct dict *d, struct buf *errors)
{
	int problems = check_duplicates(d, errors);
	for (size_t i = 0; i < d->nsynsets; i++) {
		const struct dict_synset *sy = &d->synsets[i];
		if (sy->defined)
			continue;
		problems++;
		if (errors)
			buf_printf(errors, "%s:%u: synset &%s is used but never defined\n",
				d->files[sy->ref_file], sy->ref_line, dict_str(d, sy->name));
	}
	return problems;
}

void dict_finish(struct dict *d)
{
	if (d->finished)
		return;
	d->finished = 1;
	/* 16 bits per word, at least 64 Ki bits */
	size_t bits = 1 << 16;
	while (bits < d->nlex * 16 && bits < ((size_t)1 << 28))
		bits <<= 1;
	d->bloom = xcalloc(bits / 64, sizeof *d->bloom);
	d->bloom_mask = (uint32_t)(bits - 1);
	for (size_t i = 0; i < d->nlex; i++) {
		uint32_t h = d->lex[i].hash;
		uint32_t a = h & d->bloom_mask, b = (h >> 15 ^ h >> 7) & d->bloom_mask;
		d->bloom[a >> 6] |= (uint64_t)1 << (a & 63);
		d->bloom[b >> 6] |= (uint64_t)1 << (b & 63);
	}
	for (size_t i = 0; i < d->nsynsets; i++) {
		unsigned best = 0;
		const struct dict_synset *sy = &d->synsets[i];
		for (uint32_t m = 0; m < sy->count; m++) {
			unsigned l = phrase_length(d, d->synset_members[sy->first + m], 1);
			if (l > best)
				best = l;
		}
		d->synsets[i].length = (uint16_t)(best > 65535 ? 65535 : best);
	}
	/* patterns: grouped by family, longest first, file order among equals */
	struct pattern_sort *ps = xmalloc((d->npatterns + 1) * sizeof *ps);
	for (size_t i = 0; i < d->npatterns; i++) {
		ps[i].family = d->patterns[i].family;
		ps[i].index = (uint32_t)i;
		unsigned len = phrase_length(d, d->patterns[i].phrase, 0);
		ps[i].length = (uint16_t)(len > 65535 ? 65535 : len);
		d->phrases[d->patterns[i].phrase].length = ps[i].length;
	}
	qsort(ps, d->npatterns, sizeof *ps, compare_patterns);
	/* the two longest words every match needs: a cheap test before matching */
	for (size_t i = 0; i < d->npatterns; i++) {
		struct dict_pattern *pat = &d->patterns[i];
		const struct dict_phrase *ph = &d->phrases[pat->phrase];
		pat->need[0] = pat->need[1] = UINT32_MAX;
		uint16_t len0 = 0, len1 = 0;
		for (uint16_t k = 0; k < ph->count; k++) {
			const struct dict_elem *e = &d->elems[ph->first + k];
			if (e->kind != ELEM_WORD)
				continue;
			uint16_t len = d->lex[e->id].len;
			if (len > len0) {
				pat->need[1] = pat->need[0];
				len1 = len0;
				pat->need[0] = e->id;
				len0 = len;
			} else if (len > len1 && e->id != pat->need[0]) {
				pat->need[1] = e->id;
				len1 = len;
			}
		}
	}
	d->pattern_order = xmalloc((d->npatterns + 1) * sizeof *d->pattern_order);
	for (size_t i = 0; i < d->npatterns; i++) {
		d->pattern_order[i] = ps[i].index;
		struct dict_family *f = &d->families[ps[i].family];
		if (f->npatterns == 0)
			f->patterns = (uint32_t)i;
		f->npatterns++;
	}
	free(ps);
	/* the index: entries by first word, longest phrase first */
	size_t total = d->nactors + d->nagents + d->nverbs + d->nplains;
	struct start_sort *ss = xmalloc((total + 1) * sizeof *ss);
	size_t n = 0;
	for (int cls = 0; cls < CLASS_DISCARD; cls++) {
		size_t count = cls == CLASS_ACTOR ? d->nactors : cls == CLASS_AGENT ? d->nagents :
			cls == CLASS_VERB ? d->nverbs : d->nplains;
		for (size_t i = 0; i < count; i++) {
			uint32_t phrase = cls == CLASS_ACTOR ? d->actors[i].phrase :
				cls == CLASS_AGENT ? d->agents[i].phrase :
				cls == CLASS_VERB ? d->verbs[i].phrase : d->plains[i].phrase;
			const struct dict_phrase *p = &d->phrases[phrase];
			const struct dict_elem *e = &d->elems[p->first];
			if (p->count == 0 || e->kind != ELEM_WORD)
				continue;
			ss[n].lex = e->id;
			ss[n].entry = (uint32_t)i;
			ss[n].length = p->length;
			ss[n].cls = (uint8_t)cls;
			if (cls == CLASS_PLAIN && (d->plains[i].kind == PLAIN_DISCARD ||
							  d->plains[i].kind == PLAIN_DISCARD_STORY))
				ss[n].cls = CLASS_DISCARD;
			ss[n].mode = e->mode;
			ss[n].second = p->count > 1 && e[1].kind == ELEM_WORD ? e[1].id : UINT32_MAX;
			n++;
		}
	}
	qsort(ss, n, sizeof *ss, compare_starts);
	d->starts = xmalloc((n + 1) * sizeof *d->starts);
	d->nstarts = n;
	for (size_t i = 0; i < n; i++) {
		d->starts[i].entry = ss[i].entry;
		d->starts[i].cls = ss[i].cls;
		d->starts[i].mode = ss[i].mode;
		d->starts[i].second = ss[i].second;
		d->starts[i].length = ss[i].length;
		struct dict_lex *lx = &d->lex[ss[i].lex];
		if (i == 0 || ss[i - 1].lex != ss[i].lex)
			lx->starts = (uint32_t)i;
		lx->nstarts[ss[i].cls]++;
	}
	free(ss);
}

struct dict *dict_new(void)
{
	struct dict *d = xcalloc(1, sizeof *d);
	add_string(d, "", 0); /* offset 0 is the empty string */
	return d;
}

void dict_free(struct dict *d)
{
	if (!d)
		return;
	free(d->strings);
	free(d->lex);
	free(d->lex_table);
	free(d->elems);
	free(d->phrases);
	free(d->alts);
	free(d->alt_members);
	free(d->synsets);
	free(d->synset_members);
	free(d->codes);
	free(d->actors);
	free(d->agents);
	free(d->events);
	free(d->families);
	free(d->verbs);
	free(d->patterns);
	free(d->pattern_order);
	free(d->plains);
	for (size_t i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	free(d->files);
	free(d->options);
	free(d->starts);
	free(d->bloom);
	free(d);
}

void dict_get_stats(const struct dict *d, struct dict_stats *st)
{
	memset(st, 0, sizeof *st);
	st->actors = d->nactors;
	st->agents = d->nagents;
	st->verbs = d->nverbs;
	st->patterns = d->npatterns;
	st->synsets = d->nsynsets;
	for (size_t i = 0; i < d->nplains; i++)
		st->discards += d->plains[i].kind == PLAIN_DISCARD ||
			d->plains[i].kind == PLAIN_DISCARD_STORY;
	st->words = d->nlex;
}

/* Reports the code (and the paired one) of a verb or pattern, unless it is special. */
static void each_event_code(const struct dict *d, uint32_t event, uint32_t family, uint32_t file,
	uint32_t line, dict_code_fn fn, void *ctx)
{
	const struct dict_event_code *ev = &d->events[event];
	if (d->families[family].time || (ev->flags & (EVENT_NULL | EVENT_DISCARD | EVENT_COMPLEX)))
		return;
	fn(dict_str(d, ev->code), 1, d->files[file], line, ctx);
	if (ev->flags & EVENT_PAIRED)
		fn(dict_str(d, ev->reverse), 1, d->files[file], line, ctx);
}

void dict_each_code(const struct dict *d, dict_code_fn fn, void *ctx)
{
	for (size_t i = 0; i < d->nverbs; i++) {
		const struct dict_verb *v = &d->verbs[i];
		each_event_code(d, v->event, v->family, v->file, v->line, fn, ctx);
	}
	for (size_t i = 0; i < d->npatterns; i++) {
		const struct dict_pattern *p = &d->patterns[i];
		each_event_code(d, p->event, p->family, p->file, p->line, fn, ctx);
	}
	for (size_t i = 0; i < d->nactors; i++) {
		const struct dict_actor *a = &d->actors[i];
		for (uint16_t k = 0; k < a->ncodes; k++)
			fn(dict_str(d, d->codes[a->codes + k].code), 0, d->files[a->file], a->line, ctx);
	}
}
