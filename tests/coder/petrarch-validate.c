/*
 * Runs PETRARCH 1's unit-test records (PETR.UnitTest.records.xml with its
 * PETR.Validate.* dictionaries) through our coder, in its default (news) mode, and
 * reports records passed by category. Report only: exits 0 whatever the rate, 77 when
 * the suite is absent. The records are read from ../shared at run time.
 *
 *   petrarch-validate DIR [-v]
 *
 * A record passes when the events coded are exactly those listed; "noevents" wants
 * none, error="sentencediscard"/"storydiscard" a discard. Records marked valid="false"
 * are skipped, as PETRARCH skips them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "coder.h"
#include "dict.h"
#include "suite.h"
#include "xalloc.h"

#define MAX_EVENTS 64

struct triple {
	char source[64], target[64], code[16];
};

struct run {
	struct triple got[MAX_EVENTS];
	int n;
};

static void on_event(const struct coded_event *ev, void *ctx)
{
	struct run *r = ctx;
	if (r->n >= MAX_EVENTS)
		return;
	struct triple *t = &r->got[r->n++];
	snprintf(t->source, sizeof t->source, "%s", ev->source);
	snprintf(t->target, sizeof t->target, "%s", ev->target);
	snprintf(t->code, sizeof t->code, "%s", ev->event_code);
}


/* The value of attribute `name` inside [tag, end); "" if absent. */
static void attribute(const char *tag, const char *end, const char *name, char *out, size_t cap)
{
	out[0] = '\0';
	size_t nl = strlen(name);
	for (const char *p = tag; p && p < end; p++) {
		p = strstr(p, name);
		if (!p || p >= end)
			return;
		const char *q = p + nl;
		while (*q == ' ')
			q++;
		if (*q != '=' || (p > tag && p[-1] != ' '))
			continue;
		q++;
		while (*q == ' ')
			q++;
		if (*q != '"')
			return;
		const char *close = strchr(q + 1, '"');
		if (!close || close > end)
			return;
		snprintf(out, cap, "%.*s", (int)(close - q - 1), q + 1);
		return;
	}
}

struct category {
	char name[32];
	int passed, total;
};

int main(int argc, char **argv)
{
	const char *dir = NULL;
	bool verbose = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			dir = argv[i];
	}
	struct stat st;
	if (!dir || stat(dir, &st) < 0) {
		printf("SKIP: PETRARCH unit-test records not found\n");
		return 77;
	}
	static const struct suite_file files[] = {
		{"PETR.Validate.actors.txt", DICT_ACTORS},
		{"PETR.Validate.agents.txt", DICT_AGENTS},
		{"PETR.Validate.verbs.txt", DICT_VERBS},
		{"PETR.Validate.discards.txt", DICT_DISCARDS},
	};
	char path[4096];
	struct buf errors = {0};
	struct dict *dict = suite_load(dir, files, sizeof files / sizeof files[0], &errors);
	if (!dict)
		return 77;
	if (verbose && errors.len)
		printf("# dictionary problems:\n%s", errors.data);
	struct coder *coder = coder_new(dict);
	snprintf(path, sizeof path, "%s/PETR.UnitTest.records.xml", dir);
	char *xml = suite_read_file(path);
	if (!xml) {
		printf("SKIP: cannot read %s\n", path);
		return 77;
	}
	struct category cats[32];
	int ncats = 0, passed = 0, total = 0;
	for (char *p = strstr(xml, "<Sentence "); p; p = strstr(p + 1, "<Sentence ")) {
		char *tag_end = strchr(p, '>');
		char *rec_end = strstr(p, "</Sentence>");
		if (!tag_end || !rec_end)
			break;
		char date[16], id[64], category[32], valid[8];
		attribute(p, tag_end, "date", date, sizeof date);
		attribute(p, tag_end, "id", id, sizeof id);
		attribute(p, tag_end, "category", category, sizeof category);
		attribute(p, tag_end, "valid", valid, sizeof valid);
		if (strcmp(valid, "true") != 0)
			continue;
		struct triple want[MAX_EVENTS];
		int nwant = 0;
		bool none = false, discard = false;
		for (char *e = strstr(tag_end, "<EventCoding"); e && e < rec_end;
			e = strstr(e + 1, "<EventCoding")) {
			char *ee = strchr(e, '>');
			char err[32];
			attribute(e, ee, "error", err, sizeof err);
			if (strstr(e, "noevents") && strstr(e, "noevents") < ee)
				none = true;
			if (strstr(err, "discard"))
				discard = true;
			if (err[0] && !strstr(err, "discard"))
				none = true;
			struct triple t;
			attribute(e, ee, "sourcecode", t.source, sizeof t.source);
			attribute(e, ee, "targetcode", t.target, sizeof t.target);
			attribute(e, ee, "eventcode", t.code, sizeof t.code);
			if (t.code[0] && nwant < MAX_EVENTS)
				want[nwant++] = t;
		}
		char *text = strstr(tag_end, "<Text>");
		char *text_end = text ? strstr(text, "</Text>") : NULL;
		if (!text || !text_end || text_end > rec_end)
			continue;
		text += 6;
		/* the records wrap their text; a line break is not a paragraph here */
		for (char *q = text; q < text_end; q++)
			if (*q == '\n' || *q == '\r')
				*q = ' ';
		int y = atoi(date) / 10000, m = atoi(date) / 100 % 100, d = atoi(date) % 100;
		int32_t day = y > 1800 ? suite_day(y, m, d) : CODER_DATE_UNKNOWN;
		struct run r = {0};
		coder_code(coder, text, (size_t)(text_end - text), day, on_event, &r);
		unsigned flags = coder_last_flags(coder);
		bool ok;
		if (discard) {
			ok = flags & CODER_DISCARDED;
		} else if (none && nwant == 0) {
			ok = r.n == 0;
		} else {
			ok = true;
			for (int i = 0; i < nwant && ok; i++) {
				bool found = false;
				for (int k = 0; k < r.n && !found; k++)
					found = !strcmp(want[i].source, r.got[k].source) &&
						!strcmp(want[i].target, r.got[k].target) &&
						!strcmp(want[i].code, r.got[k].code);
				ok = found;
			}
			for (int k = 0; k < r.n && ok; k++) {
				bool found = false;
				for (int i = 0; i < nwant && !found; i++)
					found = !strcmp(want[i].source, r.got[k].source) &&
						!strcmp(want[i].target, r.got[k].target) &&
						!strcmp(want[i].code, r.got[k].code);
				ok = found;
			}
		}
		int c = 0;
		while (c < ncats && strcmp(cats[c].name, category) != 0)
			c++;
		if (c == ncats && ncats < 32) {
			snprintf(cats[c].name, sizeof cats[c].name, "%s", category);
			cats[c].passed = cats[c].total = 0;
			ncats++;
		}
		if (c < ncats) {
			cats[c].total++;
			cats[c].passed += ok;
		}
		total++;
		passed += ok;
		if (!ok && verbose) {
			printf("# FAIL %s: got", id);
			for (int k = 0; k < r.n; k++)
				printf(" {%s/%s/%s}", r.got[k].source, r.got[k].target, r.got[k].code);
			printf("; want");
			if (discard)
				printf(" discard");
			if (none && !nwant)
				printf(" nothing");
			for (int i = 0; i < nwant; i++)
				printf(" {%s/%s/%s}", want[i].source, want[i].target, want[i].code);
			printf("\n");
		}
	}
	printf("PETRARCH 1 unit-test records: %d of %d pass (%.1f%%) in the coder's default mode "
	       "(report only)\n",
		passed, total, total ? 100.0 * passed / total : 0.0);
	for (int c = 0; c < ncats; c++)
		printf("  %-10s %3d / %3d\n", cats[c].name, cats[c].passed, cats[c].total);
	free(xml);
	buf_free(&errors);
	coder_free(coder);
	dict_free(dict);
	return 0;
}
