/*
 * Unit tests for the coder, on the small dictionary set in tests/coder/dicts: what a
 * user of `geotrackd code` would see for each grammatical construction.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "coder.h"
#include "dict.h"
#include "tap.h"

static struct dict *dict;
static struct coder *coder;

#define DAY_2019_03_28 17983 /* days since 1970-01-01 */
#define DAY_2015_06_01 16587

struct seen {
	struct buf events; /* "SRC CODE TGT;" ... */
	struct buf evidence;
	unsigned sentences;
	char location[8];
};

static void on_event(const struct coded_event *ev, void *ctx)
{
	struct seen *s = ctx;
	snprintf(s->location, sizeof s->location, "%s", ev->location);
	buf_printf(&s->events, "%s%s %s %s", s->events.len ? "; " : "", ev->source, ev->event_code,
		ev->target);
	buf_reset(&s->evidence);
	buf_printf(&s->evidence, "%u|%s|%s|%s|%s|%s:%u|%d", ev->sentence_index, ev->source_text,
		ev->verb_text, ev->target_text, ev->pattern, strrchr(ev->dict_file, '/') + 1,
		ev->dict_line, ev->quad_class);
}

/* Codes text and returns its events as "SRC CODE TGT; ..." (static storage). */
static const char *code_at(const char *text, int32_t day)
{
	static char out[4096];
	struct seen s = {0};
	int n = coder_code(coder, text, strlen(text), day, on_event, &s);
	snprintf(out, sizeof out, "%s", n > 0 ? s.events.data : n == 0 ? "" : "error");
	buf_free(&s.events);
	buf_free(&s.evidence);
	return out;
}

static const char *code(const char *text)
{
	return code_at(text, DAY_2019_03_28);
}

static void load(void)
{
	static const struct {
		const char *name;
		enum dict_kind kind;
	} files[] = {
		{"test.actors", DICT_ACTORS},
		{"test.agents", DICT_AGENTS},
		{"test.verbs", DICT_VERBS},
		{"test.discards", DICT_DISCARDS},
	};
	struct buf errors = {0};
	dict = dict_new();
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", CODER_DICTS, files[i].name);
		int n = dict_load_file(dict, files[i].kind, path, &errors);
		ok(n > 0, files[i].name);
	}
	is_str(errors.data, NULL, "the test dictionaries load without problems");
	dict_finish(dict);
	coder = coder_new(dict);
	buf_free(&errors);
}

static void test_basics(void)
{
	is_str(code("Russia deploys troops to Venezuela."), "RUS 154 VEN",
		"a pattern with a synset and a target");
	is_str(code("Russia Deploys Troops To Venezuela"), "RUS 154 VEN",
		"a title-case headline still has a verb");
	is_str(code("RUSSIA DEPLOYS TROOPS TO VENEZUELA"), "RUS 154 VEN", "so does an all-caps one");
	is_str(code("Russia attacked Ukraine on Monday."), "RUS 190 UKR", "a root verb, regular ending");
	is_str(code("Ukraine criticised Russia."), "UKR 111 RUS", "an irregular form in {braces}");
	is_str(code("Mr Guaidó criticized Russia."), "VENOPP 111 RUS",
		"accents fold: Guaidó is GUAIDO");
	is_str(code("Russia attacked."), "RUS 190 ", "no target: an attack with an empty target");
	is_str(code("The attack on Ukraine worried Russia."), "",
		"a verb after a determiner is a noun");
}

static void test_actors(void)
{
	is_str(code("Russian troops attacked Ukraine."), "RUSMIL 190 UKR", "an agent after an actor");
	is_str(code("A spokeswoman for Russia's Foreign Ministry criticized the United States."),
		"RUSGOV 111 USA", "agents before the actor, through FOR? no: through the ministry");
	is_str(code("Human rights activists in Iran criticized China."), "NGMIRN 111 CHN",
		"a prefixed agent with IN");
	is_str(code("Hamas leader criticized Russia."), "PSEREB 111 RUS",
		"a leader of an armed group is the group, not a government");
	is_str(code("Hamas gunmen attacked Ukraine."), "PSEREB 190 UKR",
		"and its gunmen are its rebels");
	is_str(code("Russian leader criticized Hamas."), "RUSGOV 111 PSEREB",
		"while a country's leader is its government");
	is_str(code("Troops from Russia attacked Ukraine."), "RUSMIL 190 UKR",
		"an agent that opens the phrase takes the actor after FROM");
	is_str(code("Russia deployed troops from Georgia to Ukraine."), "RUS 154 UKR",
		"but not an object agent after the verb (no GEOMIL)");
	is_str(code("Russia and China backed Maduro."), "RUS 051 VENGOV; CHN 051 VENGOV",
		"a compound source codes one event per actor");
	is_str(code("Ukraine criticized Russia, China and Iran."),
		"UKR 111 RUS; UKR 111 CHN; UKR 111 IRN", "a compound target with a comma list");
	is_str(code_at("Putin criticized Trump.", DAY_2019_03_28), "RUSGOV 111 USAGOV",
		"dated codes pick the document's date");
	is_str(code_at("Putin criticized Trump.", DAY_2015_06_01), "RUSGOV 111 USABUS",
		"another date, another code");
	is_str(code_at("Guaido criticized Russia.", CODER_DATE_UNKNOWN), "VENLEG 111 RUS",
		"an undated document takes the actor's undated code");
	is_str(code_at("Trump criticized Russia.", CODER_DATE_UNKNOWN), "USABUS 111 RUS",
		"(TABARI's rule: restricted codes need a date)");
	is_str(code("The sports star criticized Russia."), "", "a null-coded actor is no actor");
	is_str(code("US President Donald Trump criticized Russia."), "USAGOV 111 RUS",
		"a country name before a person of that country is one actor");
	is_str(code("Iran said a spokeswoman for Russia's Foreign Ministry criticized China."),
		"RUSGOV 111 CHN", "the actor right before the verb is its subject");
	is_str(code("Iran in talks with Russia criticized China."), "IRN 111 CHN",
		"but not one inside a phrase that modifies the subject");
	is_str(code("During the meeting, Russia attacked Ukraine."), "RUS 190 UKR",
		"a short main clause after an opening phrase is not dropped as a comma clause");
	is_str(code("Russia attacked on Monday, an Iranian official said."), "RUS 190 ",
		"but a closing attribution is: its actor is not the target");
	is_str(code("At the White House, Iran criticized China."), "IRN 111 CHN",
		"a place in an opening phrase is not a subject in a list with the next name");
	is_str(code("At the White House, the envoy criticized China."), "",
		"nor the subject when the sentence names none");
	is_str(code("Iran joined Russia in criticizing Ukraine."), "IRN 111 UKR; RUS 111 UKR",
		"\"X joined Y in criticizing Z\": both criticize Z");
	is_str(code("Russian and Chinese troops attacked Ukraine."), "RUSMIL 190 UKR; CHNMIL 190 UKR",
		"an agent after a compound applies to all of it");
	is_str(code("Iran's current president criticized China."), "IRNGOV 111 CHN",
		"words between a possessive name and its agent");
	is_str(code("Russia's war on troops criticized China."), "RUS 111 CHN",
		"but not across a preposition (no RUSMIL)");
	is_str(code("Russia criticized us."), "", "\"us\" in lower case is not the US");
	is_str(code("Iran criticized uses of force."), "", "nor \"uses\" (no plural of a short name)");
	is_str(code("Let Us Criticize Russia"), "",
		"a two-letter name that is also a word (us) wants all capitals");
	is_str(code("Iran criticized the US's envoy."), "IRN 111 USA", "its possessive is fine");
	is_str(code("Russian troops attacked opposition leaders."), "RUSMIL 190 RUSOPP",
		"an opposition with no country of its own is the sentence's country's");
	is_str(code("Soldiers attacked Ukraine."), "",
		"but soldiers are not assumed to be the country's they fight");
	is_str(code("Russia, China Criticize Ukraine"), "RUS 111 UKR; CHN 111 UKR",
		"a headline's comma list before the verb is a compound");
	is_str(code("US-backed forces attacked Iran."), "",
		"a name joined to a participle (US-backed) is an adjective, not the actor");
	is_str(code("Pro-Russian separatists criticized Ukraine."), "",
		"and so is one after PRO-, ANTI-, EX-");
	is_str(code("US-led troops attacked Iran."), "USAMIL 190 IRN",
		"but US-led forces are the US's");
	is_str(code("China criticized US-Iranian talks."), "CHN 111 USA; CHN 111 IRN",
		"two names joined by a hyphen are both actors");
	is_str(code("Soldiers attacked Ukraine's president."), "",
		"an agent with no actor does not take the country it acts against");
	is_str(code("Russia attacked targets in Tbilisi, Georgia."), "RUS 190 GEO",
		"\"in Tbilisi, Georgia\" is one place");
	is_str(code("Russia attacked targets in Atlanta, Georgia."), "RUS 190 ",
		"\"in Atlanta, Georgia\": two countries for one place, neither is coded");
	is_str(code("Iran criticized talks in Russia, China and Ukraine."),
		"IRN 111 RUS; IRN 111 CHN; IRN 111 UKR", "but a list after IN is a list");
}

static void test_grammar(void)
{
	is_str(code("Ukraine criticised the opposition."), "UKR 111 UKROPP",
		"an agent with no actor of its own is of the sentence's country");
	is_str(code("Ukraine criticised opposition to the deal."), "",
		"but \"opposition to\" is a stance, not the people");
	is_str(code("Ukraine criticised its opposition to the deal."), "", "so is \"its opposition to\"");
	is_str(code("Ukraine was attacked by Russian troops."), "RUSMIL 190 UKR",
		"passive voice: the actor after BY is the source");
	is_str(code("Ukraine was attacked on Monday by Russia."), "RUS 190 UKR",
		"also when BY does not follow the verb at once");
	is_str(code("Ukraine Attacked by Russian Troops"), "RUSMIL 190 UKR",
		"a headline's passive has no auxiliary");
	is_str(code("Russia attacked Ukraine by surprise."), "RUS 190 UKR",
		"BY without an actor after it is no passive");
	is_str(code("Ukrainian President Attacked in Russia"), "",
		"a headline's bare participle with no BY is a passive whose doer is unnamed");
	is_str(code("Sanctions were imposed on Iran by the European Union."), "EUR 163 IRN",
		"a passive pattern names the target; the source is the actor after the verb");
	is_str(code("The European Union imposed sanctions on Iran."), "EUR 163 IRN", "active voice");
	is_str(code("Russia did not attack Ukraine."), "", "a negated verb codes nothing");
	is_str(code("Will Russia attack Ukraine?"), "", "a yes/no question asks, it reports nothing");
	is_str(code("What would happen if Russia attacked Ukraine?"), "",
		"nor does a hypothetical question");
	is_str(code("Why did Russia attack Ukraine?"), "RUS 190 UKR",
		"a question that takes its act as done is coded");
	is_str(code("If Russia attacked Ukraine, Georgia would protest."), "",
		"a condition reports nothing");
	is_str(code("Russia attacked Ukraine, if the reports are right."), "RUS 190 UKR",
		"the act before a condition is coded");
	is_str(code("Russia denied claims by Ukraine that it attacked Georgia."), "RUS 016 UKR",
		"a claim that is denied is not an event; the denial is, against the accuser");
	is_str(code("Ukraine said that Russia attacked Georgia."), "RUS 190 GEO",
		"attribution: X said that Y attacked Z codes Y against Z");
	is_str(code("Ukraine said on Monday."), "", "a statement without a target: nothing");
	is_str(code("Russia must back down, Iran says."), "IRN 1056 RUS",
		"an obligation a speaker reports is the speaker's demand (CAMEO 1.1b3 codes)");
	is_str(code("\"Russia has to back down,\" Iran said."), "IRN 1056 RUS",
		"also in a quotation, and with HAS TO");
	is_str(code("Iran says Russia should stop attacking Ukraine."), "IRN 1056 RUS",
		"stopping a hostile act is de-escalation");
	is_str(code("Ukraine demanded Russia back down."), "UKR 1056 RUS",
		"X demands Y <verb>: X's demand of Y, its code from the verb demanded");
	is_str(code("Ukraine demanded that Russia back down."), "UKR 1056 RUS",
		"also with THAT");
	is_str(code("Ukraine demanded the president back down."), "",
		"what is demanded of no actor named is not the demander's own act");
	is_str(code("Ukraine's opposition leader demanded the president back down."),
		"UKROPP 1056 UKRGOV",
		"\"the president\" of a country's own people named before is their country's");
	is_str(code("Ukraine demanded talks with Russia."), "UKR 100 RUS",
		"a demand of a noun keeps DEMAND's own code");
	is_str(code("Russia must back down."), "", "with no speaker an obligation is no event");
	is_str(code("Russia deployed troops and more to Ukraine."), "RUS 154 UKR",
		"AND with no verb and no name after it joins nouns, not clauses");
	is_str(code("Russia deployed soldiers and troops to Ukraine."), "RUS 154 UKR",
		"agents with no actor joined by AND are one noun phrase, not two clauses");
	is_str(code("MOSCOW — Chinese troops attacked the capital."), "CHNMIL 190 RUS",
		"the capital of a datelined story is the dateline's city");
	is_str(code("Chinese troops attacked the capital."), "CHNMIL 190 ",
		"without a dateline the capital is nobody's");
	is_str(code("MOSCOW — China on Friday warned Iran."), "CHN 130 IRN",
		"a place before an em dash is a dateline, not the subject");
	is_str(code("MOSCOW — Chinese troops attacked."), "CHNMIL 190 ",
		"nor the target");
	is_str(code("Russia bombed Ukraine."), "RUS 190 UKR",
		"a state's bombing is military force, not CAMEO's non-military 183");
	is_str(code("Hamas bombed Ukraine."), "PSEREB 183 UKR", "an armed group's stays 183");
	is_str(code("Russia urged both sides to attack."), "",
		"an act asked of someone else is not the asker's act");
	is_str(code("Russia decided to attack."), "RUS 1384 ",
		"an infinitive with no object before it is the subject's (intended) act");
	is_str(code("Russian troops attacked."), "RUSMIL 190 ",
		"an act with no other party is coded with an empty target");
	is_str(code("Russian troops attacked in Moscow."), "RUSMIL 190 ",
		"a place in the source's own country is where, not whom");
	is_str(code("Russian troops attacked in Tbilisi."), "RUSMIL 190 GEO",
		"a place abroad is the likeliest target");
	is_str(code("Russia said."), "", "but not a statement");
	is_str(code("The United States was attacked."), "", "nor a passive with its doer unnamed");
	is_str(code("Russia vowed to attack Ukraine."), "RUS 1384 UKR",
		"a hostile intention is a threat (13x), not the act");
	is_str(code("Russia threatened to impose sanctions on Ukraine."), "RUS 1312 UKR",
		"a threatened sanction is 1312");
	is_str(code("Russia could attack Ukraine."), "RUS 1384 UKR", "and so is a possible attack");
	is_str(code("Russia agreed to back down."), "RUS 0356 ",
		"an intention to yield is 035x");
	is_str(code("Russia denied attacking Ukraine."), "RUS 016 UKR",
		"a denial frames what follows: no attack is coded");
	is_str(code("Russia denied claims that its troops attacked Ukraine."), "RUS 016 UKR",
		"the source's own people (\"its troops\") are not its target");
	is_str(code("Iran criticised the Tbilisi talks with Russia."), "IRN 111 RUS",
		"a place naming a meeting (\"the Tbilisi talks\") is not a party");
	is_str(code("Russia considered attacking Ukraine."), "RUS 014 UKR",
		"and so does considering an option");
	is_str(code("Putin visited China."), "RUSGOV 042 CHN; CHN 043 RUSGOV",
		"a paired code gives the reverse event");
	is_str(code("The US President has warned Russia that all options are on the table."),
		"USAGOV 138 RUS", "the seed's first sentence shape");
	is_str(code("Russia backed Venezuela, Russia backed Venezuela and Russia backed Venezuela."),
		"RUS 051 VEN", "one event per source, code and target in a sentence");
	is_str(code("Troops attacked villages between Russia and Ukraine."), "RUS 190 UKR; UKR 190 RUS",
		"no subject, a compound after BETWEEN: its members against each other");
	is_str(code("Russia and China met."), "RUS 036 CHN; CHN 036 RUS",
		"a compound source is its own target (paired code both ways)");
	is_str(code("Russia and China met in Iran."), "RUS 036 CHN; CHN 036 RUS",
		"a compound that meets does so with itself; IN names the place");
	is_str(code("Ukraine appealed for help after Russian attacks."), "UKR 023 ",
		"an appeal's target is not in a circumstance phrase (AFTER, AMID ...)");
	is_str(code("Ukraine appealed to the United States amid Russian attacks."), "UKR 023 USA",
		"but before it");
	is_str(code("Russia attacked Ukraine after Georgia criticised Iran."),
		"RUS 190 UKR; GEO 111 IRN", "a time clause with its own subject is coded too");
	is_str(code("Russia criticised Ukraine after Georgia visited attack sites."), "RUS 111 UKR",
		"by the verb right after its subject alone");
	is_str(code("Russia deployed troops amid tensions with Ukraine."), "RUS 154 UKR",
		"a hostile act is aimed at the party its circumstance names");
	is_str(code("Russia and China agreed to back down."), "RUS 0356 CHN; CHN 0356 RUS",
		"what a compound agrees to do, its members agree with each other");
	is_str(code("Russia and China backed their deal."), "RUS 051 CHN; CHN 051 RUS",
		"and what they do with what is theirs");
	is_str(code("Russia and China backed the deal."), "RUS 051 ; CHN 051 ",
		"but a compound is not its own target when each acts alone");
	is_str(code("Russia and China criticised Iran."), "RUS 111 IRN; CHN 111 IRN",
		"a compound with a target names its members' target");
	is_str(code("Iran said Russia and China met."), "RUS 036 CHN; CHN 036 RUS",
		"after a verb of saying, \"A and B\" before a verb is its compound subject");
}

static void test_documents(void)
{
	struct seen s = {0};
	const char *doc = "Trump met Putin on Monday. He criticized China. The troops attacked the "
			  "country on Tuesday.";
	coder_code(coder, doc, strlen(doc), DAY_2019_03_28, on_event, &s);
	is_str(s.events.data, "USAGOV 036 RUSGOV; RUSGOV 036 USAGOV; USAGOV 111 CHN",
		"a pronoun opening a sentence is the previous sentence's subject");
	buf_free(&s.events);
	buf_free(&s.evidence);

	is_str(code("Ukraine said Russia attacked it."), "RUS 190 UKR",
		"\"it\" is the first fitting actor before it, the subject, not the nearest");
	is_str(code("Russia said its troops attacked Ukraine."), "RUSMIL 190 UKR",
		"\"its troops\": the agent joins the pronoun's actor");
	is_str(code("Putin met Ukraine's envoy. The president criticized China."),
		"RUSGOV 036 UKR; UKR 036 RUSGOV; RUSGOV 111 CHN",
		"\"the president\" is the last actor named with that role");
	is_str(code("Putin was silent. He attacked Ukraine."), "RUSGOV 190 UKR",
		"a pronoun opening a sentence stands for the one actor before it");
	is_str(code("Russia and China were silent. He attacked Ukraine."), "",
		"but \"he\" is not a compound");
	is_str(code("\u201CRussia attacked us,\u201D Ukraine said."), "RUS 190 UKR",
		"\"us\" in a quotation is its speaker");
	is_str(code("Russia attacked us."), "RUS 190 ", "but not outside one (no US)");
	is_str(code("Russian planes landed in Venezuela. Russia attacked the country."),
		"RUS 190 VEN", "\"the country\" is the last country named");

	s = (struct seen){0};
	doc = "Iran criticized China. Then Russia deployed troops to Venezuela.";
	coder_code(coder, doc, strlen(doc), DAY_2019_03_28, on_event, &s);
	is_str(s.evidence.data,
		"2|Russia|deployed troops to Venezuela|Venezuela|* &FORCES TO +|test.verbs:9|4",
		"evidence: sentence index, matched texts, pattern, file:line, quad class");
	buf_free(&s.events);
	buf_free(&s.evidence);

	is_str(code("MOSCOW (Reuters) - Ukraine criticized Russia."), "UKR 111 RUS",
		"a dateline is not an actor");
	is_str(code("Iran criticized China. MOSCOW, March 3 (AP) - Ukraine criticized Russia."),
		"IRN 111 CHN; UKR 111 RUS", "nor when it opens a later paragraph");
	s = (struct seen){0};
	doc = "Russian troops attacked Ukrainian soldiers in Georgia.";
	coder_code(coder, doc, strlen(doc), DAY_2019_03_28, on_event, &s);
	is_str(s.location, "GEO", "the action's location: the country after IN");
	buf_free(&s.events);
	buf_free(&s.evidence);
	is_str(code("Russia attacked Ukraine before the World Cup final."), "",
		"a discard phrase drops the sentence");
	is_str(code("Russia attacked Ukraine. Iran criticized China after a football match."), "",
		"a story discard drops the whole document");
	ok(coder_last_flags(coder) & CODER_DISCARDED, "and says so");
}

static void test_hostile(void)
{
	/* 1 MB of arbitrary bytes, with and without sentence breaks */
	size_t size = 1 << 20;
	char *junk = malloc(size);
	uint32_t x = 12345;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (char)(x >> 16);
	}
	ok(coder_code(coder, junk, size, DAY_2019_03_28, NULL, NULL) >= 0, "1 MB of random bytes");
	memset(junk, 'a', size);
	ok(coder_code(coder, junk, size, DAY_2019_03_28, NULL, NULL) >= 0, "one 1 MB word");
	/* 10,000 actors in one sentence */
	struct buf many = {0};
	for (int i = 0; i < 10000; i++)
		buf_append_str(&many, i % 2 ? "Russia and " : "China, ");
	buf_append_str(&many, "attacked Ukraine.");
	int n = coder_code(coder, many.data, many.len, DAY_2019_03_28, NULL, NULL);
	ok(n >= 0, "10,000 actors in one sentence code without a crash");
	ok(coder_last_flags(coder) & CODER_TRUNCATED, "and the overlong sentence is flagged");
	buf_free(&many);
	/* a NUL inside the text is just a byte */
	const char nul[] = "Russia\0attacked Ukraine.";
	ok(coder_code(coder, nul, sizeof nul - 1, DAY_2019_03_28, NULL, NULL) >= 0, "embedded NUL");
	free(junk);
}

static void test_options(void)
{
	is_int(coder_set_option(coder, "SET: NO SUCH THING = TRUE"), -22, "unknown options refused");
	is_int(coder_set_option(coder, "SET: NEGATION = FALSE"), 0, "negation can be switched off");
	is_str(code("Russia did not attack Ukraine."), "RUS 190 UKR", "and then the verb codes");
	coder_set_option(coder, "SET: NEGATION = TRUE");
	is_int(coder_set_option(coder, "SET: CODE BY SENTENCE"), 0, "CODE BY SENTENCE");
	is_str(code("Russia attacked Ukraine and China criticized Iran."), "RUS 190 UKR",
		"codes the first event only");
	coder_set_option(coder, "SET: CODE BY CLAUSE");
	is_str(code("Russia attacked Ukraine and China criticized Iran."), "RUS 190 UKR; CHN 111 IRN",
		"BY CLAUSE codes each clause");
}

int main(void)
{
	load();
	test_basics();
	test_actors();
	test_grammar();
	test_documents();
	test_hostile();
	test_options();
	coder_free(coder);
	dict_free(dict);
	return tap_done();
}
