/* Unit tests for dict: the TABARI/PETRARCH formats, error reports, kinds from names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict.h"
#include "tap.h"

static int load(struct dict *d, enum dict_kind kind, const char *text, struct buf *errors)
{
	return dict_load_text(d, kind, "t.txt", text, strlen(text), errors);
}

static void test_actors(void)
{
	struct dict *d = dict_new();
	struct buf errors = {0};
	int n = load(d, DICT_ACTORS,
		"# comment\n"
		"RUSSIA_ [RUS]\n"
		"+RUSSIAN_\n"
		"GOLLUM ; a comment\n"
		"+SMEAGOL\n"
		"\t[HOB <950601]\n"
		"\t[HOBGOV 950601 - 990815]\n"
		"\t[HOBREB >20190816]\n"
		"IVO_JOSIPOVIC_\n"
		"PRESIDENT_JOSIPOVIC_\n"
		"\t[HRVGOV >20120219]\n"
		"BAD_DATE [XXX 991301-000101]\n"
		"NO_CODE\n"
		"\n"
		"+ORPHAN\n"
		"BROKEN [RUS\n"
		"<NOUN>\nSHEEP\n</NOUN>\n"
		"~~FINISH\n"
		"AFTER_FINISH [AFT]\n",
		&errors);
	/* RUSSIA, RUSSIAN, GOLLUM, SMEAGOL, IVO_JOSIPOVIC, PRESIDENT_JOSIPOVIC, SHEEP */
	is_int(n, 7, "names, synonyms and plain name lines before codes are loaded");
	ok(errors.data && strstr(errors.data, "t.txt:12: bad date range"), "a bad date is t.txt:12");
	ok(errors.data && strstr(errors.data, "t.txt:13: actor without a code"),
		"a name without code is reported at its line");
	ok(errors.data && strstr(errors.data, "t.txt:16: missing ']'"), "a missing bracket too");
	ok(!errors.data || !strstr(errors.data, "AFT"), "nothing after ~~FINISH is read");
	dict_finish(d);
	struct dict_stats st;
	dict_get_stats(d, &st);
	is_int(st.actors, 6, "six actor names");
	buf_free(&errors);
	dict_free(d);

	d = dict_new();
	load(d, DICT_ACTORS, "SMEAGOL [HOB]\nRUSSIA_ [RUS]\nSMEAGOL [XXX]\nRUSSIA_ [RUS]\n", NULL);
	dict_finish(d);
	struct buf check = {0};
	is_int(dict_check(d, &check), 1, "a name listed again with other codes is a problem");
	is_str(check.data, "t.txt:3: actor 'SMEAGOL' is also at t.txt:1 with other codes\n",
		"reported at the second listing, naming the first (the same codes twice are fine)");
	buf_free(&check);
	dict_free(d);
}

static void test_verbs(void)
{
	struct dict *d = dict_new();
	struct buf errors = {0};
	int n = load(d, DICT_VERBS,
		"<SYNSETS>\n&CURRENCY\n+DOLLAR\n+SWISS_FRANC\n</SYNSETS>\n"
		"CONTRIBUT [070]\n"
		"- * &CURRENCY [071]\n"
		"- * { AID | HELP } TO + [073:074]\n"
		"- NO VERB HERE [010]\n"
		"BREAK_ [1717]\n"
		"{ BROKE_ BROKEN_ }\n"
		"- * &UNDEFINED [099]\n"
		"- * TREATY [1-2]\n",
		&errors);
	/* 2 synset members, 2 roots, 2 forms, 3 good patterns */
	is_int(n, 9, "synset members, verbs, forms and patterns load");
	ok(errors.data && strstr(errors.data, "t.txt:9: missing verb marker '*'"),
		"a pattern without '*' is reported");
	ok(errors.data && strstr(errors.data, "t.txt:13: bad event code"),
		"a code with a stray character is reported");
	dict_finish(d);
	struct buf check = {0};
	is_int(dict_check(d, &check), 1, "an undefined synset is found after loading");
	ok(check.data && strstr(check.data, "t.txt:12: synset &UNDEFINED is used but never defined"),
		"and reported where it is first used");
	buf_free(&check);
	buf_free(&errors);
	dict_free(d);

	d = dict_new();
	errors = (struct buf){0};
	n = load(d, DICT_VERBS,
		"--- ABANDON [080] ---\n"
		"ABANDON\n"
		"DESERT {DESERTS DESERTED} [0874]\n"
		"+GIVE_UP {+GIVES_UP +GAVE_UP}\n"
		"- * POLICY [100] # a comment\n",
		&errors);
	is_int(n, 8, "a PETRARCH verb family: verbs, forms, compound verbs, shared patterns");
	is_int(errors.len, 0, "without problems");
	buf_free(&errors);
	dict_free(d);
}

static void test_agents(void)
{
	struct dict *d = dict_new();
	struct buf errors = {0};
	int n = load(d, DICT_AGENTS,
		"!PERSON! = MAN, WOMAN\n"
		"POLICE!PERSON! [~COP]\n"
		"CHAMBER_OF_COMMERCE {CHAMBERS_OF_COMMERCE} [~BUS]\n"
		"HUMAN_RIGHTS_GROUP [NGO~]\n"
		"NO_TILDE [GOV]\n",
		&errors);
	is_int(n, 5, "substitution sets expand, braces add plurals");
	ok(errors.data && strstr(errors.data, "t.txt:5: missing ~ connector"),
		"an agent code without ~ is reported");
	buf_free(&errors);
	dict_free(d);
}

static void test_kinds(void)
{
	enum dict_kind k = DICT_OPTIONS;
	is_int(dict_kind_from_path("/x/Phoenix.agents.txt", &k), 0, "Phoenix.agents.txt");
	is_int(k, DICT_AGENTS, "is an agents file");
	dict_kind_from_path("CAMEO.verbpatterns.150430.txt", &k);
	is_int(k, DICT_VERBS, "verbpatterns are verbs");
	dict_kind_from_path("default.actors", &k);
	is_int(k, DICT_ACTORS, ".actors");
	is_int(dict_kind_from_path("notes.txt", &k), -EINVAL, "a name without a kind is refused");
	struct dict *d = dict_new();
	is_int(dict_load_file(d, DICT_ACTORS, "/nonexistent/x.actors", NULL), -ENOENT,
		"an unreadable file is -errno");
	dict_free(d);
}

int main(void)
{
	test_actors();
	test_verbs();
	test_agents();
	test_kinds();
	return tap_done();
}
