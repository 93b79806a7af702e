#include "text.h"

#include <stdbool.h>
#include <string.h>

/* What one code point is to the tokenizer. */
enum char_class {
	C_SPACE,  /* separates words, carries no token */
	C_LETTER, /* Latin letter (folded to A-Z) or any other script's letter (kept as is) */
	C_DIGIT,
	C_APOSTROPHE,
	C_PERIOD,
	C_JOINER, /* '&' and '/': part of a word between word characters (AT&T, F/A-18) */
	C_COMMA,  /* ',' and ';' */
	C_QUOTE,
	C_SKIP,   /* combining marks: dropped so that decomposed accents fold like composed */
	C_END,    /* sentence punctuation '!' and '?' (a separator for the tokenizer) */
	C_DASH,   /* en and em dashes, and a hyphen standing between spaces */
};

struct code_point {
	unsigned char cls;
	unsigned char upper;  /* the letter was upper case */
	unsigned char lower;  /* the letter was lower case */
	unsigned char in_len; /* bytes consumed from the input (>= 1) */
	unsigned char fold_len;
	char fold[4];
};

/*
 * Base letters of U+00C0..U+017F, two characters per code point ("A " is A; "AE" for
 * the ligature). '*' marks the two non-letters of the block (multiplication, division).
 */
static const char latin_fold[] =
	/* C0 */ "A A A A A A AEC E E E E I I I I "
	/* D0 */ "D N O O O O O * O U U U U Y THSS"
	/* E0 */ "A A A A A A AEC E E E E I I I I "
	/* F0 */ "D N O O O O O * O U U U U Y THY "
	/* 100 */ "A A A A A A C C C C C C C C D D "
	/* 110 */ "D D E E E E E E E E E E G G G G "
	/* 120 */ "G G G G H H H H I I I I I I I I "
	/* 130 */ "I I IJIJJ J K K K L L L L L L L "
	/* 140 */ "L L L N N N N N N N N N O O O O "
	/* 150 */ "O O OEOER R R R R R S S S S S S "
	/* 160 */ "S S T T T T T T U U U U U U U U "
	/* 170 */ "U U U U W W Y Y Y Z Z Z Z Z Z S ";

/* Upper case in Latin Extended-A alternates, with the parity flipping in two stretches. */
static bool latin_ext_upper(unsigned cp)
{
	if (cp == 0x138 || cp == 0x149 || cp == 0x17F)
		return false;
	if (cp == 0x178)
		return true;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
		return cp & 1;
	return !(cp & 1);
}

static void set_fold(struct code_point *c, const char *fold, size_t n)
{
	memcpy(c->fold, fold, n);
	c->fold_len = (unsigned char)n;
}

static void classify(unsigned cp, struct code_point *c)
{
	c->cls = C_SPACE;
	c->upper = c->lower = 0;
	c->fold_len = 0;
	if (cp < 0x80) {
		char ch = (char)cp;
		if (ch >= 'a' && ch <= 'z') {
			c->cls = C_LETTER;
			c->lower = 1;
			ch = (char)(ch - 'a' + 'A');
			set_fold(c, &ch, 1);
		} else if (ch >= 'A' && ch <= 'Z') {
			c->cls = C_LETTER;
			c->upper = 1;
			set_fold(c, &ch, 1);
		} else if (ch >= '0' && ch <= '9') {
			c->cls = C_DIGIT;
			set_fold(c, &ch, 1);
		} else if (ch == '\'' || ch == '`') {
			c->cls = C_APOSTROPHE;
			set_fold(c, "'", 1);
		} else if (ch == '.') {
			c->cls = C_PERIOD;
			set_fold(c, ".", 1);
		} else if (ch == '&' || ch == '/') {
			c->cls = C_JOINER;
			set_fold(c, &ch, 1);
		} else if (ch == ',' || ch == ';') {
			c->cls = C_COMMA;
		} else if (ch == '"') {
			c->cls = C_QUOTE;
		} else if (ch == '!' || ch == '?') {
			c->cls = C_END;
		}
		return;
	}
	if (cp >= 0xC0 && cp <= 0x17F) {
		const char *f = latin_fold + (cp - 0xC0) * 2;
		if (f[0] == '*')
			return;
		c->cls = C_LETTER;
		set_fold(c, f, f[1] == ' ' ? 1 : 2);
		bool upper = cp < 0x100 ? cp < 0xDF : latin_ext_upper(cp);
		if (cp == 0xDF)
			upper = false;
		c->upper = upper;
		c->lower = !upper;
		return;
	}
	switch (cp) {
	case 0x2018: case 0x2019: case 0x02BC: case 0x2032: case 0x00B4:
		c->cls = C_APOSTROPHE;
		set_fold(c, "'", 1);
		return;
	case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x00AB: case 0x00BB:
	case 0x2033:
		c->cls = C_QUOTE;
		return;
	case 0x0218: case 0x0219: case 0x015E:
		c->cls = C_LETTER;
		c->upper = !(cp & 1);
		c->lower = cp & 1;
		set_fold(c, "S", 1);
		return;
	case 0x2013: case 0x2014: case 0x2015:
		c->cls = C_DASH;
		return;
	case 0x021A: case 0x021B:
		c->cls = C_LETTER;
		c->upper = !(cp & 1);
		c->lower = cp & 1;
		set_fold(c, "T", 1);
		return;
	default:
		break;
	}
	if (cp >= 0x300 && cp <= 0x36F) {
		c->cls = C_SKIP;
		return;
	}
	if (cp >= 0x1EA0 && cp <= 0x1EF9) { /* Vietnamese: letters with stacked marks */
		const char *base = cp <= 0x1EB7 ? "A" : cp <= 0x1EC7 ? "E" : cp <= 0x1ECB ? "I" :
			cp <= 0x1EE3 ? "O" : cp <= 0x1EF1 ? "U" : "Y";
		c->cls = C_LETTER;
		c->upper = !(cp & 1);
		c->lower = cp & 1;
		set_fold(c, base, 1);
		return;
	}
	/* Spaces, dashes, other punctuation and symbols of the general punctuation block. */
	if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
		(cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || cp == 0x2212 ||
		(cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
		(cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000))
		return;
	/* Any other script: a letter of a word we keep but will not match. */
	c->cls = C_LETTER;
}

/* Decodes the code point at s (avail > 0 bytes); invalid UTF-8 is one separator byte. */
static void decode(const unsigned char *s, size_t avail, struct code_point *c)
{
	unsigned cp;
	size_t need;
	unsigned char b = s[0];
	if (b < 0x80) {
		c->in_len = 1;
		classify(b, c);
		return;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 2;
		cp = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 3;
		cp = b & 0x0F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 4;
		cp = b & 0x07;
	} else {
		goto invalid;
	}
	if (avail < need)
		goto invalid;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto invalid;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		(need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		goto invalid;
	c->in_len = (unsigned char)need;
	classify(cp, c);
	if (c->cls == C_LETTER && c->fold_len == 0)
		set_fold(c, (const char *)s, need); /* other scripts: kept byte for byte */
	return;
invalid:
	c->in_len = 1;
	c->cls = C_SPACE;
	c->upper = c->lower = 0;
	c->fold_len = 0;
}

static int peek_class(const char *text, size_t len, size_t pos)
{
	struct code_point c;
	while (pos < len) {
		decode((const unsigned char *)text + pos, len - pos, &c);
		if (c.cls != C_SKIP)
			return c.cls;
		pos += c.in_len;
	}
	return C_SPACE;
}

static int is_word_class(int cls)
{
	return cls == C_LETTER || cls == C_DIGIT;
}

/*
 * An initialism keeps its periods: single letters each followed by a period (U.S.,
 * U.N., U.S.S.R). Everything else loses a trailing period.
 */
static bool is_initialism(const char *w, size_t n)
{
	if (n < 2)
		return false;
	size_t letters = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = w[i];
		bool letter = ch >= 'A' && ch <= 'Z';
		if (i % 2 == 0 ? !letter : ch != '.') {
			/* U.S.S.R without its final period still counts */
			if (!(i == n - 1 && letter && i % 2 == 0))
				return false;
		}
		letters += letter;
	}
	return letters >= 2;
}

struct tokenizer {
	struct text_token *tokens;
	size_t max_tokens;
	size_t count;
	char *folded;
	size_t folded_cap;
	size_t folded_len;
	int truncated;
	/* the word being built */
	bool open;
	size_t word_start;
	size_t word_end;
	size_t core_end; /* just past the last letter or digit */
	size_t fold_start;
	size_t fold_len;
	unsigned flags;
	bool first_letter_seen;
	bool hyphen; /* a hyphen joins the next word to the one before it */
};

static void emit(struct tokenizer *t, size_t offset, size_t length, size_t fold_start,
	size_t fold_len, unsigned flags)
{
	if (t->count >= t->max_tokens) {
		t->truncated = 1;
		return;
	}
	struct text_token *tok = &t->tokens[t->count++];
	tok->offset = (uint32_t)offset;
	tok->length = (uint32_t)length;
	tok->folded = (uint32_t)fold_start;
	tok->folded_len = (uint16_t)fold_len;
	tok->flags = (uint16_t)flags;
}

static void close_word(struct tokenizer *t)
{
	if (!t->open)
		return;
	t->open = false;
	char *w = t->folded + t->fold_start;
	size_t n = t->fold_len;
	/* trailing periods, apostrophes and joiners never belong to the word, except the
	 * last period of an initialism */
	while (n > 0 && (w[n - 1] == '\'' || w[n - 1] == '&' || w[n - 1] == '/' ||
			       (w[n - 1] == '.' && !is_initialism(w, n))))
		n--;
	if (n == 0) {
		t->folded_len = t->fold_start;
		return;
	}
	/* the token's text in the input ends where its folded form does */
	if (w[n - 1] != '.')
		t->word_end = t->core_end;
	t->folded_len = t->fold_start + n;
	emit(t, t->word_start, t->word_end - t->word_start, t->fold_start, n, t->flags);
}

static void append_fold(struct tokenizer *t, const char *bytes, size_t n)
{
	if (t->fold_len + n > TEXT_MAX_WORD || t->folded_len + n > t->folded_cap)
		return; /* cut: an over-long word matches no dictionary entry anyway */
	memcpy(t->folded + t->folded_len, bytes, n);
	t->folded_len += n;
	t->fold_len += n;
}

size_t text_tokenize(const char *text, size_t len, struct text_token *tokens, size_t max_tokens,
	char *folded, size_t folded_cap, int *ret_truncated)
{
	struct tokenizer t = {
		.tokens = tokens,
		.max_tokens = max_tokens,
		.folded = folded,
		.folded_cap = folded_cap,
	};
	int prev_cls = C_SPACE;
	size_t pos = 0;
	/* offsets are stored in 32 bits; longer inputs are cut */
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	while (pos < len && !t.truncated) {
		struct code_point c;
		decode((const unsigned char *)text + pos, len - pos, &c);
		size_t here = pos;
		pos += c.in_len;
		if (c.cls == C_SKIP)
			continue;
		bool joined = false;
		int next = peek_class(text, len, pos);
		switch (c.cls) {
		case C_LETTER:
		case C_DIGIT:
			if (!t.open) {
				t.open = true;
				t.word_start = here;
				t.fold_start = t.folded_len;
				t.fold_len = 0;
				t.flags = TEXT_WORD | (c.cls == C_DIGIT ? TEXT_NUMBER : 0) |
					(t.hyphen ? TEXT_HYPHEN : 0);
				t.first_letter_seen = false;
			}
			if (c.cls == C_LETTER) {
				if (!t.first_letter_seen && c.upper)
					t.flags |= TEXT_CAPITALIZED;
				t.first_letter_seen = true;
				t.flags |= TEXT_HAS_LETTER;
				if (c.lower)
					t.flags |= TEXT_HAS_LOWER;
			}
			append_fold(&t, c.fold, c.fold_len);
			t.word_end = t.core_end = pos;
			break;
		case C_APOSTROPHE:
		case C_JOINER:
			/* inside a word only between word characters: didn't, Russia's, AT&T */
			if (t.open && is_word_class(prev_cls) && is_word_class(next)) {
				append_fold(&t, c.fold, c.fold_len);
				t.word_end = pos;
			} else {
				close_word(&t);
			}
			break;
		case C_PERIOD:
			/* kept in numbers (1.5) and initialisms (U.S.); close_word() drops the
			 * trailing period of anything else */
			if (t.open && (is_word_class(next) || prev_cls == C_LETTER)) {
				append_fold(&t, ".", 1);
				t.word_end = pos;
				if (!is_word_class(next))
					close_word(&t);
			} else {
				close_word(&t);
			}
			break;
		case C_COMMA:
			if (text[here] == ',' && prev_cls == C_DIGIT && next == C_DIGIT && t.open)
				break; /* 1,500 is one number */
			close_word(&t);
			emit(&t, here, c.in_len, t.folded_len, 0, TEXT_COMMA);
			break;
		case C_QUOTE:
			close_word(&t);
			emit(&t, here, c.in_len, t.folded_len, 0, TEXT_QUOTE);
			break;
		case C_DASH:
			close_word(&t);
			if (prev_cls != C_DASH)
				emit(&t, here, c.in_len, t.folded_len, 0, TEXT_DASH);
			break;
		default:
			/* "US-backed": a hyphen between word characters joins the two words */
			joined = text[here] == '-' && t.open && is_word_class(prev_cls) &&
				is_word_class(next);
			close_word(&t);
			if (text[here] == '-' && here > 0 && (text[here - 1] == ' ' || text[here - 1] == '-') &&
				pos < len && (text[pos] == ' ' || text[pos] == '-')) {
				if (prev_cls != C_DASH)
					emit(&t, here, 1, t.folded_len, 0, TEXT_DASH);
				c.cls = C_DASH;
			}
			break;
		}
		prev_cls = c.cls;
		t.hyphen = joined;
	}
	if (!t.truncated)
		close_word(&t);
	if (ret_truncated)
		*ret_truncated = t.truncated || pos < len;
	return t.count;
}

size_t text_fold_word(const char *word, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	size_t pos = 0;
	while (pos < len) {
		struct code_point c;
		decode((const unsigned char *)word + pos, len - pos, &c);
		const char *bytes = c.fold;
		size_t k = c.fold_len;
		if (c.cls == C_SKIP) {
			k = 0;
		} else if (c.cls == C_COMMA || c.cls == C_QUOTE || c.cls == C_END ||
			   (c.cls == C_SPACE && k == 0)) {
			/* dictionaries use only ASCII punctuation; keep it as written */
			bytes = word + pos;
			k = c.in_len;
		}
		if (n + k + 1 > cap)
			break;
		memcpy(out + n, bytes, k);
		n += k;
		pos += c.in_len;
	}
	while (n > 0 && out[n - 1] == '.' && !is_initialism(out, n))
		n--;
	out[n] = '\0';
	return n;
}

/* Words whose period does not end a sentence (compared upper-cased, without period). */
static const char *const abbreviations[] = {
	"MR", "MRS", "MS", "DR", "PROF", "GEN", "GENS", "SEN", "SENS", "REP", "REPS", "GOV",
	"LT", "COL", "MAJ", "CAPT", "CPT", "SGT", "CPL", "ADM", "CMDR", "BRIG", "GAL", "ST",
	"JR", "SR", "REV", "FR", "PRES", "SEC", "SECY", "AMB", "HON", "GOVT", "DEPT", "MT",
	"FT", "JAN", "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV",
	"DEC", "NO", "NOS", "VOL", "INC", "CORP", "LTD", "CO", "BROS", "VS", "ETC", "AL",
	"APPROX", "EST", "FIG", "ESP", "SQ", "AVE", "BLVD", "RD", "KM", "GOVS",
};

static bool is_abbreviation(const char *text, size_t start, size_t period)
{
	size_t b = period;
	while (b > start && ((text[b - 1] >= 'A' && text[b - 1] <= 'Z') ||
				    (text[b - 1] >= 'a' && text[b - 1] <= 'z') || text[b - 1] == '.'))
		b--;
	size_t n = period - b;
	if (n == 0)
		return false;
	/* single letters and initialisms: "J. Smith", "U.S. forces" */
	if (n == 1 || memchr(text + b, '.', n))
		return true;
	if (n > 6)
		return false;
	char word[8];
	for (size_t i = 0; i < n; i++) {
		char ch = text[b + i];
		word[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
	}
	word[n] = '\0';
	for (size_t i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++)
		if (strcmp(word, abbreviations[i]) == 0)
			return true;
	return false;
}

/* Does the period at `period` end an initialism (U.S.)? */
static bool ends_initialism(const char *text, size_t start, size_t period)
{
	return period >= start + 3 && text[period - 2] == '.' &&
		((text[period - 1] >= 'A' && text[period - 1] <= 'Z'));
}

/* Is the word at pos one that opens sentences and rarely follows "the U.S."? */
static bool starter_follows(const char *text, size_t len, size_t pos)
{
	static const char *const starters[] = {"The", "A", "An", "He", "She", "It", "They", "We",
		"I", "In", "On", "But", "And", "This", "That", "There", "Its", "His", "Her",
		"Their", "Meanwhile", "However", "Earlier", "Later", "Last"};
	size_t n = 0;
	while (pos + n < len && ((text[pos + n] >= 'A' && text[pos + n] <= 'Z') ||
					(text[pos + n] >= 'a' && text[pos + n] <= 'z')))
		n++;
	if (n == 0 || (pos + n < len && text[pos + n] != ' ' && text[pos + n] != ','))
		return false;
	for (size_t i = 0; i < sizeof starters / sizeof starters[0]; i++)
		if (strlen(starters[i]) == n && memcmp(text + pos, starters[i], n) == 0)
			return true;
	return false;
}

static bool is_closing(const char *text, size_t len, size_t pos, size_t *ret_len)
{
	unsigned char b = (unsigned char)text[pos];
	if (b == '"' || b == '\'' || b == ')') {
		*ret_len = 1;
		return true;
	}
	/* ’ ” » */
	if (pos + 2 < len && b == 0xE2 && (unsigned char)text[pos + 1] == 0x80 &&
		((unsigned char)text[pos + 2] == 0x99 || (unsigned char)text[pos + 2] == 0x9D)) {
		*ret_len = 3;
		return true;
	}
	if (pos + 1 < len && b == 0xC2 && (unsigned char)text[pos + 1] == 0xBB) {
		*ret_len = 2;
		return true;
	}
	return false;
}

/* Does a new sentence plausibly start at pos (after spaces)? */
static bool starts_sentence(const char *text, size_t len, size_t pos)
{
	if (pos >= len)
		return true;
	unsigned char b = (unsigned char)text[pos];
	if ((b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '"' || b == '\'' ||
		b == '(' || b == '[')
		return true;
	if (b >= 0x80) {
		struct code_point c;
		decode((const unsigned char *)text + pos, len - pos, &c);
		return c.upper || c.cls == C_QUOTE || c.cls == C_APOSTROPHE;
	}
	return false;
}

size_t text_sentence_end(const char *text, size_t len, size_t start)
{
	size_t pos = start;
	while (pos < len) {
		char ch = text[pos];
		if (ch == '\n' || ch == '\r') {
			if (pos > start)
				return pos + 1;
			pos++;
			continue;
		}
		if (ch == '.' || ch == '!' || ch == '?') {
			size_t end = pos + 1;
			while (end < len && (text[end] == '.' || text[end] == '!' || text[end] == '?'))
				end++;
			size_t k;
			while (end < len && is_closing(text, len, end, &k))
				end += k;
			if (end >= len)
				return len;
			if (text[end] != ' ' && text[end] != '\t' && text[end] != '\n' &&
				text[end] != '\r') {
				pos = end;
				continue;
			}
			size_t next = end;
			while (next < len && (text[next] == ' ' || text[next] == '\t'))
				next++;
			if (next < len && (text[next] == '\n' || text[next] == '\r'))
				return next;
			if (ch == '.' && is_abbreviation(text, start, pos) &&
				!(ends_initialism(text, start, pos) && starter_follows(text, len, next))) {
				pos = end;
				continue;
			}
			if (starts_sentence(text, len, next))
				return end;
			pos = end;
			continue;
		}
		pos++;
	}
	return len;
}

size_t text_skip_dateline(const char *text, size_t len)
{
	/* Up to ~80 bytes: upper-case place words, optional ", Month Day" or "(Agency)",
	 * then a dash surrounded by spaces. */
	size_t limit = len < 80 ? len : 80;
	size_t pos = 0;
	size_t caps = 0;
	bool after_comma = false, agency = false;
	while (pos < limit && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	while (pos < limit) {
		char ch = text[pos];
		if (ch >= 'A' && ch <= 'Z') {
			caps += !after_comma;
			pos++;
			continue;
		}
		if (ch >= 'a' && ch <= 'z') {
			if (!after_comma)
				return 0; /* lower case before the dash: ordinary text */
			pos++;
			continue;
		}
		if (ch == ',')
			after_comma = true;
		if (ch == ' ' || ch == ',' || ch == '.' || ch == '\'' || (ch >= '0' && ch <= '9')) {
			pos++;
			continue;
		}
		if (ch == '(') {
			const char *close = memchr(text + pos, ')', limit - pos);
			if (!close)
				return 0;
			pos = (size_t)(close - text) + 1;
			agency = true;
			continue;
		}
		break;
	}
	if (caps < 3 || pos >= limit)
		return 0;
	/* the dash: "-", "--", "–" or "—" */
	size_t dash = pos;
	bool typeset = false;
	if (text[pos] == '-') {
		while (pos < limit && text[pos] == '-')
			pos++;
	} else if (pos + 2 < len && (unsigned char)text[pos] == 0xE2 &&
		   (unsigned char)text[pos + 1] == 0x80 &&
		   ((unsigned char)text[pos + 2] == 0x93 || (unsigned char)text[pos + 2] == 0x94)) {
		pos += 3;
		typeset = true;
	} else {
		return 0;
	}
	if (dash == 0 || text[dash - 1] != ' ' || pos >= len || text[pos] != ' ')
		return 0;
	while (pos < len && text[pos] == ' ')
		pos++;
	/* "NATO - the alliance" is a headline: a dateline names its agency or its date, or
	 * is a place of four or more capitals before a typeset dash and a sentence that
	 * starts with a capital and goes on in lower case ("BEIJING — China's ministry"),
	 * not an all-caps headline ("RUSSIA — UKRAINE TALKS") */
	if (!(agency || after_comma)) {
		if (!typeset || caps < 4 || pos >= len || text[pos] < 'A' || text[pos] > 'Z')
			return 0;
		size_t w = pos + 1;
		while (w < len && ((text[w] >= 'A' && text[w] <= 'Z') || text[w] == '\''))
			w++;
		if (w >= len || text[w] < 'a' || text[w] > 'z')
			return 0;
	}
	return pos;
}
