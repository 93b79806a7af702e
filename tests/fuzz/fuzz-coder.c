/*
 * libFuzzer target: the coder on arbitrary bytes, over a small built-in dictionary set
 * (names, agents, verbs with patterns, synsets, alternatives, paired codes, discards).
 * The first byte picks options (TABARI or news behaviour, sentence splitting, CODE BY),
 * the rest is the document. Every event must carry codes and texts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coder.h"
#include "dict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char actors[] =
	"RUSSIA_ [RUS]\n+RUSSIAN_\n+MOSCOW_\nCHINA_ [CHN]\nUKRAINE_ [UKR]\nVENEZUELA_ [VEN]\n"
	"UNITED_STATES_ [USA]\n+US_\n+U.S.\nWHITE_HOUSE_ [USAGOV]\nG7_ [USA/FRA/DEU]\n"
	"PUTIN_\n\t[RUSGOV >20000507]\n\t[RUSELI]\nGUAIDO_ [VENOPP]\nNOBODY [---]\n"
	"SPORTS_CLUB [###]\nRIDDLE [+++]\nDURTHANG ORC [RUSREB]\n";
static const char agents[] =
	"TROOPS_ [~MIL]\nPRESIDENT_ [~GOV]\nFOREIGN_MINISTRY_ [~GOV]\nACTIVISTS_ [NGM~]\n";
static const char verbs[] =
	"<SYNSETS>\n&FORCES\n+TROOPS\n+SOLDIERS\n&NEG\n+NOT\n+DIDN'T\n</SYNSETS>\n"
	"DEPLOY_ [154]\n- * &FORCES TO + [154]\n- &NEG * [---]\n"
	"ATTACK_ [190]\n- + WAS * BY $ [190]\n- % * [190:190]\n"
	"WARN_ [130]\n- * + THAT { ALL | SOME } OPTIONS [138]\n- $ ^ FOR * [131]\n"
	"VISIT_ [042:043]\nSAY_ [010?]\n{ SAID_ SAYS_ }\nMEET_ [036!]\n{ MET_ }\n"
	"BACK_ [051]\n- * DOWN_ [0874]\n- IN_ * [050]\n- RECENT~_* [052]\n";
static const char discards[] = "WORLD CUP\n+FOOTBALL MATCH\n";

static struct coder *coders[4];

static void setup(void)
{
	struct dict *dict = dict_new();
	dict_load_text(dict, DICT_ACTORS, "a", actors, sizeof actors - 1, NULL);
	dict_load_text(dict, DICT_AGENTS, "g", agents, sizeof agents - 1, NULL);
	dict_load_text(dict, DICT_VERBS, "v", verbs, sizeof verbs - 1, NULL);
	dict_load_text(dict, DICT_DISCARDS, "d", discards, sizeof discards - 1, NULL);
	dict_finish(dict);
	/* the dictionary lives for the whole process, like the coders over it */
	for (int i = 0; i < 4; i++)
		coders[i] = coder_new(dict);
	coder_set_option(coders[1], "SET: TABARI = TRUE");
	coder_set_option(coders[1], "COMPLEX: VERBS[5] CONJ[4] NOACTPRIOR");
	coder_set_option(coders[2], "SET: CODE ALL");
	coder_set_option(coders[2], "DEFAULT: SOURCE [DEF] PRIOR TARGET [TAR] AFTER");
	coder_set_option(coders[3], "SET: TABARI = TRUE");
	coder_set_option(coders[3], "SET: CONVERT AGENTS = TRUE");
	coder_set_option(coders[3], "FORWARD: ^^*****NNN*SSS");
	coder_set_option(coders[3], "COMMA: MIN = 1 MAX = 3 BMIN = 0 BMAX = 4 EMIN = 0 EMAX = 5");
}

static void check_event(const struct coded_event *ev, void *ctx)
{
	(void)ctx;
	if (!ev->source || !ev->target || !ev->event_code || !ev->source[0] ||
		!ev->event_code[0] || !ev->sentence || !ev->source_text || !ev->target_text ||
		!ev->verb_text || !ev->pattern || ev->sentence_index == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!coders[0])
		setup();
	if (size == 0)
		return 0;
	struct coder *coder = coders[data[0] % 4];
	int32_t day = data[0] & 0x80 ? CODER_DATE_UNKNOWN : 17983;
	if (coder_code(coder, (const char *)data + 1, size - 1, day, check_event, NULL) < 0)
		abort();
	return 0;
}
