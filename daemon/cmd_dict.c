/*
 * geotrackd dict check FILES...: what the loader cannot read, codes the CAMEO codebook
 * does not know, and names given conflicting codes. One "file:line: reason" per
 * problem on stdout; exit 1 if there is any.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cameo.h"
#include "commands.h"
#include "dict.h"
#include "xalloc.h"

struct seen {
	char **codes;
	size_t count, cap;
	struct buf *out;
	size_t problems;
};

static bool seen_before(struct seen *s, const char *code, int is_event)
{
	char key[80];
	snprintf(key, sizeof key, "%c%s", is_event ? 'E' : 'A', code);
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->codes[i], key) == 0)
			return true;
	s->codes = xgrow(s->codes, &s->cap, s->count + 1, sizeof *s->codes);
	s->codes[s->count++] = xstrdup(key);
	return false;
}

/* Each three-letter part of an actor code must be a CAMEO component of some kind. */
static bool actor_code_known(const char *code)
{
	if (code[0] == '-' || code[0] == '#' || code[0] == '+')
		return true; /* ---, ###, +++ */
	char part[4];
	size_t n = strlen(code);
	size_t i = 0;
	while (i < n) {
		if (code[i] == '/') {
			i++;
			continue;
		}
		size_t k = 0;
		while (k < 3 && i + k < n && code[i + k] != '/') {
			part[k] = code[i + k];
			k++;
		}
		part[k] = '\0';
		if (k != 3)
			return false;
		bool known = false;
		for (int kind = CAMEO_COUNTRY; kind <= CAMEO_ETHNIC && !known; kind++)
			known = cameo_actor_lookup(part, (enum cameo_actor_kind)kind) != NULL;
		if (!known) {
			char lower[4];
			for (int j = 0; j < 3; j++)
				lower[j] = (char)(part[j] >= 'A' && part[j] <= 'Z' ? part[j] + 32 : part[j]);
			lower[3] = '\0';
			known = cameo_actor_lookup(lower, CAMEO_ETHNIC) != NULL;
		}
		/* GDELT's own exports code the African Union IGOAFRAFU although its lookup
		 * tables have no AFU; we keep those tables as GDELT has them (so our actor
		 * columns split like GDELT's) and accept the segment here. */
		if (!known)
			known = strcmp(part, "AFU") == 0;
		if (!known)
			return false;
		i += 3;
	}
	return true;
}

static void check_code(const char *code, int is_event, const char *file, unsigned line, void *ctx)
{
	struct seen *s = ctx;
	if (seen_before(s, code, is_event))
		return;
	if (is_event ? cameo_event_lookup(code) != NULL : actor_code_known(code))
		return;
	buf_printf(s->out, "%s:%u: %s code '%s' is not in the CAMEO codebook\n", file, line,
		is_event ? "event" : "actor", code);
	s->problems++;
}

static void usage(FILE *out)
{
	fputs("usage: geotrackd dict check [--actors|--agents|--verbs|--discards|--options] "
	      "FILE...\n"
	      "\n"
	      "Checks dictionary files in the TABARI/PETRARCH formats. A file's kind comes\n"
	      "from its name (x.actors, Phoenix.agents.txt, CAMEO.verbpatterns...) or from the\n"
	      "option before it. Prints one 'file:line: reason' per problem.\n",
		out);
}

int cmd_dict(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		usage(argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) ?
			stdout : stderr);
		return argc >= 2 && argv[1][0] == '-' && argv[1][1] == 'h' ? 0 : 2;
	}
	static const struct {
		const char *flag;
		enum dict_kind kind;
	} flags[] = {
		{"--actors", DICT_ACTORS},   {"--agents", DICT_AGENTS},   {"--verbs", DICT_VERBS},
		{"--discards", DICT_DISCARDS}, {"--options", DICT_OPTIONS},
	};
	struct dict *dict = dict_new();
	struct buf out = {0};
	struct seen seen = {.out = &out};
	int forced = -1;
	int files = 0;
	int status = 0;
	for (int i = 2; i < argc; i++) {
		bool flag = false;
		for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
			if (strcmp(argv[i], flags[k].flag) == 0) {
				forced = (int)flags[k].kind;
				flag = true;
			}
		if (flag)
			continue;
		enum dict_kind kind;
		if (forced >= 0) {
			kind = (enum dict_kind)forced;
		} else if (dict_kind_from_path(argv[i], &kind) < 0) {
			fprintf(stderr, "geotrackd dict check: %s: cannot tell the kind from the name; "
					"put --actors, --agents, --verbs, --discards or --options before it\n",
				argv[i]);
			status = 2;
			continue;
		}
		size_t before = out.len;
		int r = dict_load_file(dict, kind, argv[i], &out);
		if (r < 0)
			status = 1;
		files++;
		for (size_t k = before; k < out.len; k++)
			seen.problems += out.data[k] == '\n';
	}
	if (files == 0 && status == 0) {
		usage(stderr);
		status = 2;
	}
	dict_finish(dict);
	seen.problems += (size_t)dict_check(dict, &out);
	dict_each_code(dict, check_code, &seen);
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	struct dict_stats st;
	dict_get_stats(dict, &st);
	fprintf(stderr,
		"%d files: %zu actor names, %zu agents, %zu verbs, %zu patterns, %zu synsets, "
		"%zu discards; %zu problems\n",
		files, st.actors, st.agents, st.verbs, st.patterns, st.synsets, st.discards,
		seen.problems);
	if (status == 0 && seen.problems)
		status = 1;
	for (size_t i = 0; i < seen.count; i++)
		free(seen.codes[i]);
	free(seen.codes);
	buf_free(&out);
	dict_free(dict);
	return status;
}
