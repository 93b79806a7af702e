/* Unit tests for text: folding, tokenizing, sentence splitting, datelines. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"

#define MAXT 64

struct toks {
	struct text_token t[MAXT];
	char folded[4096];
	size_t n;
	int truncated;
};

static void tokenize(struct toks *tk, const char *s)
{
	tk->n = text_tokenize(s, strlen(s), tk->t, MAXT, tk->folded, sizeof tk->folded,
		&tk->truncated);
}

/* The folded tokens joined by single spaces; commas as ",", quotes as '"'. */
static const char *joined(const struct toks *tk)
{
	static char out[4096];
	size_t n = 0;
	for (size_t i = 0; i < tk->n; i++) {
		if (i)
			out[n++] = ' ';
		if (tk->t[i].flags & TEXT_COMMA)
			out[n++] = ',';
		else if (tk->t[i].flags & TEXT_QUOTE)
			out[n++] = '"';
		memcpy(out + n, tk->folded + tk->t[i].folded, tk->t[i].folded_len);
		n += tk->t[i].folded_len;
	}
	out[n] = '\0';
	return out;
}

static const char *fold(const char *word)
{
	static char out[128];
	text_fold_word(word, strlen(word), out, sizeof out);
	return out;
}

static void test_tokens(void)
{
	struct toks tk;
	tokenize(&tk, "Guaidó met Nicolás Maduro’s envoy in São Paulo.");
	is_str(joined(&tk), "GUAIDO MET NICOLAS MADURO'S ENVOY IN SAO PAULO",
		"accents fold, the curly apostrophe becomes ASCII, the final period goes");
	ok(tk.t[0].flags & TEXT_CAPITALIZED, "a capitalised word is marked");
	ok(!(tk.t[1].flags & TEXT_CAPITALIZED), "a lower-case word is not");

	tokenize(&tk, "Mr. Smith of the U.S. said al-Assad paid 1,500 dollars; \"no\", he said.");
	is_str(joined(&tk), "MR SMITH OF THE U.S. SAID AL ASSAD PAID 1500 DOLLARS , \" NO \" , HE SAID",
		"initialisms keep periods, hyphens split, 1,500 is one number, ; is a comma");

	tokenize(&tk, "US-backed pro-Russian forces - a Kyiv-based  -group 2-1");
	is_str(joined(&tk), "US BACKED PRO RUSSIAN FORCES  A KYIV BASED GROUP 2 1",
		"hyphens split words; a free-standing dash is a pause token");
	ok(tk.t[1].flags & TEXT_HYPHEN, "a word after a joining hyphen is marked (BACKED)");
	ok(!(tk.t[0].flags & TEXT_HYPHEN) && (tk.t[3].flags & TEXT_HYPHEN) &&
			!(tk.t[4].flags & TEXT_HYPHEN),
		"the word before it and the next word are not (US, FORCES)");
	ok((tk.t[5].flags & TEXT_DASH) && !(tk.t[6].flags & TEXT_HYPHEN),
		"a dash between blanks joins nothing");
	ok((tk.t[8].flags & TEXT_HYPHEN) && !(tk.t[9].flags & TEXT_HYPHEN) &&
			(tk.t[11].flags & TEXT_HYPHEN),
		"BASED is joined, a hyphen after a blank is not, digits join too");

	tokenize(&tk, "ÆRØ Straße Łódź Şişli Ngô Đình");
	is_str(joined(&tk), "AERO STRASSE LODZ SISLI NGO DINH", "Latin letters beyond Latin-1 fold");

	tokenize(&tk, "Guaido\xcc\x81 \xff\xfe bad \xe2\x80 end");
	is_str(joined(&tk), "GUAIDO BAD END",
		"a combining accent is dropped; invalid UTF-8 separates words");

	tokenize(&tk, "soldiers' rights, didn't");
	is_str(joined(&tk), "SOLDIERS RIGHTS , DIDN'T", "apostrophes stay only inside words");

	char big[MAXT * 6 + 1];
	for (size_t i = 0; i < MAXT * 6; i += 3)
		memcpy(big + i, "ab ", 3);
	big[MAXT * 6] = '\0';
	tokenize(&tk, big);
	is_int(tk.n, MAXT, "no more tokens than the caller's array holds");
	is_int(tk.truncated, 1, "and the truncation is reported");

	is_str(fold("Kofi_Annan"), "KOFI_ANNAN", "fold_word upper-cases dictionary words");
	is_str(fold("K."), "K", "a lone initial loses its period like in text");
	is_str(fold("U.N."), "U.N.", "an initialism keeps it");
}

static size_t count_sentences(const char *s, char out[][128], size_t max)
{
	size_t len = strlen(s), pos = 0, n = 0;
	while (pos < len && n < max) {
		while (pos < len && (s[pos] == ' ' || s[pos] == '\n'))
			pos++;
		if (pos >= len)
			break;
		size_t end = text_sentence_end(s, len, pos);
		size_t k = end - pos;
		while (k && (s[pos + k - 1] == ' ' || s[pos + k - 1] == '\n'))
			k--;
		snprintf(out[n], 128, "%.*s", (int)k, s + pos);
		n++;
		pos = end;
	}
	return n;
}

static void test_sentences(void)
{
	char s[8][128];
	size_t n = count_sentences("Mr. Guaido met Gen. Padrino on Jan. 5 in the U.S. capital. "
				   "Russia objected. Did China? Yes!",
		s, 8);
	is_int(n, 4, "abbreviations and initialisms do not end sentences");
	is_str(s[0], "Mr. Guaido met Gen. Padrino on Jan. 5 in the U.S. capital.", "first sentence");
	is_str(s[2], "Did China?", "a question mark ends one");

	n = count_sentences("He said: “Russia has to get out.” Then he left. “We will see,” he added.", s, 8);
	is_int(n, 3, "closing quotes go with their sentence");
	is_str(s[0], "He said: “Russia has to get out.”", "quote kept whole");

	n = count_sentences("Iran sanctioned the U.S. The move angered the U.S. Senate.", s, 8);
	is_int(n, 2, "an initialism ends a sentence when a sentence opener follows");

	n = count_sentences("Get out\nRussia deployed troops.", s, 8);
	is_int(n, 2, "a line break ends a heading");

	n = count_sentences("the price was 3.5 percent. it rose", s, 8);
	is_int(n, 1, "a period before a lower-case word does not split");
}

static void test_dateline(void)
{
	const char *a = "WASHINGTON (Reuters) - The United States warned Russia.";
	size_t off = text_skip_dateline(a, strlen(a));
	is_str(a + off, "The United States warned Russia.", "agency dateline skipped");
	const char *b = "MOSCOW, March 28 (AP) — Russia said on Thursday.";
	off = text_skip_dateline(b, strlen(b));
	is_str(b + off, "Russia said on Thursday.", "dateline with a date and an em dash");
	const char *c = "Russia deploys troops - report";
	is_int(text_skip_dateline(c, strlen(c)), 0, "an ordinary headline has none");
	const char *d = "NATO - the alliance";
	is_int(text_skip_dateline(d, strlen(d)), 0, "a short acronym is not a dateline");
	const char *e = "BEIJING — China's foreign ministry on Friday lodged a protest.";
	off = text_skip_dateline(e, strlen(e));
	is_str(e + off, "China's foreign ministry on Friday lodged a protest.",
		"a place before an em dash and a sentence is a dateline");
	const char *f = "RUSSIA — UKRAINE TALKS RESUME";
	is_int(text_skip_dateline(f, strlen(f)), 0, "an all-caps headline is not a dateline");
	const char *g = "NATO — the alliance";
	is_int(text_skip_dateline(g, strlen(g)), 0, "nor a name before a lower-case phrase");
	const char *h = "EGYPT - Israel talks resume";
	is_int(text_skip_dateline(h, strlen(h)), 0, "nor a name before a plain hyphen");
}

int main(void)
{
	test_tokens();
	test_sentences();
	test_dateline();
	return tap_done();
}
