/*
 * Runs TABARI's validation suite (Validate.text with TABARI.Demo.actors, TABARI.Demo.verbs,
 * Validate.agents and Validate.options) through our coder and reports records passed by
 * section. The suite is read from ../shared at run time and never copied into the tree.
 *
 *   tabari-validate DIR [--bar PERCENT] [-v]
 *
 * A record passes as TABARI's own validator decides: {---} wants no event, {###} a
 * discard, {+++} a complex sentence, otherwise the events listed must be exactly the
 * events coded (a "-{" entry means: at least those listed). {OPTION: ...} records change
 * settings for the records after them. Exit 77 when DIR is missing; exit 1 when fewer
 * than PERCENT (default 90) of the standard records (those before FINAL-01) pass.
 */
#include <errno.h>
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

#define MAX_EXPECT 64
#define MAX_GOT 256

struct triple {
	char source[48], target[48], code[16];
};

struct record {
	char id[64];
	char date[16];
	struct buf text;
	struct buf comment;
	unsigned line;
};

struct section {
	char name[32];
	int passed, total;
};

struct run {
	struct triple got[MAX_GOT];
	int ngot;
};

static struct section sections[64];
static int nsections;
static int yyyy_mode;

static void on_event(const struct coded_event *ev, void *ctx)
{
	struct run *r = ctx;
	if (r->ngot >= MAX_GOT)
		return;
	struct triple *t = &r->got[r->ngot++];
	snprintf(t->source, sizeof t->source, "%s", ev->source);
	snprintf(t->target, sizeof t->target, "%s", ev->target);
	snprintf(t->code, sizeof t->code, "%s", ev->event_code);
}


static void strip(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	size_t b = 0;
	while (s[b] == ' ' || s[b] == '\t')
		b++;
	memmove(s, s + b, n - b + 1);
}

/* "950101  DEMO-01" (the date may be 6 to 9 digits, and repeated). */
static bool record_header(const char *line, char *date, char *id)
{
	const char *p = line;
	size_t d = 0;
	while (p[d] >= '0' && p[d] <= '9')
		d++;
	if (d < 6 || d > 9 || (p[d] != ' ' && p[d] != '\t'))
		return false;
	snprintf(date, 16, "%.*s", (int)d, p);
	p += d;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t k = 0;
		while (p[k] >= '0' && p[k] <= '9')
			k++;
		if (k >= 6 && (p[k] == ' ' || p[k] == '\t')) {
			p += k;
			continue;
		}
		break;
	}
	size_t k = 0;
	while (p[k] && p[k] != ' ' && p[k] != '\t' && p[k] != '\n' && p[k] != '\r')
		k++;
	if (k == 0 || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
		return false;
	snprintf(id, 64, "%.*s", (int)k, p);
	return true;
}

static int32_t record_day(const char *date)
{
	int y, m, d;
	size_t n = strlen(date);
	if (yyyy_mode && n >= 8) {
		y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + date[3] - '0';
		m = (date[4] - '0') * 10 + date[5] - '0';
		d = (date[6] - '0') * 10 + date[7] - '0';
	} else {
		y = (date[0] - '0') * 10 + date[1] - '0';
		y += y <= 30 ? 2000 : 1900;
		m = (date[2] - '0') * 10 + date[3] - '0';
		d = (date[4] - '0') * 10 + date[5] - '0';
	}
	return suite_day(y, m, d);
}

static struct section *section_of(const char *id)
{
	char name[32];
	size_t k = 0;
	while (id[k] && id[k] != '-' && k < sizeof name - 1) {
		name[k] = id[k];
		k++;
	}
	name[k] = '\0';
	for (int i = 0; i < nsections; i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	if (nsections >= (int)(sizeof sections / sizeof sections[0]))
		return &sections[nsections - 1];
	snprintf(sections[nsections].name, sizeof sections[0].name, "%s", name);
	return &sections[nsections++];
}

struct expect {
	struct triple events[MAX_EXPECT];
	int nevents;
	bool none, discard, complex, open, checks;
};

/* Reads the {...} entries of a record's comment; applies {OPTION: ...} ones. */
static void parse_comment(const char *c, struct expect *ex, struct coder *coder, bool verbose)
{
	memset(ex, 0, sizeof *ex);
	const char *p = c;
	while ((p = strchr(p, '{')) != NULL) {
		const char *close = strchr(p, '}');
		if (!close && strncmp(p + 1, " OPTION:", 8) == 0)
			close = p + strlen(p); /* the suite leaves some option records unclosed */
		if (!close)
			break;
		bool dash = p > c && p[-1] == '-';
		char inner[512];
		snprintf(inner, sizeof inner, "%.*s", (int)(close - p - 1), p + 1);
		strip(inner);
		p = *close ? close + 1 : close;
		if (strncmp(inner, "OPTION:", 7) == 0) {
			char *opt = inner + 7;
			strip(opt);
			if (strstr(opt, "YYYY")) {
				yyyy_mode = strstr(opt, "TRUE") != NULL;
			}
			if (coder_set_option(coder, opt) < 0 && verbose)
				printf("#   option not understood: %s\n", opt);
			continue;
		}
		if (dash) {
			ex->open = true;
			ex->checks = true;
			break; /* later entries are not checked */
		}
		char compact[16];
		size_t k = 0;
		for (const char *q = inner; *q && k < sizeof compact - 1; q++)
			if (*q != ' ')
				compact[k++] = *q;
		compact[k] = '\0';
		if (strcmp(compact, "---") == 0) {
			ex->none = ex->checks = true;
			continue;
		}
		if (strcmp(compact, "###") == 0) {
			ex->discard = ex->checks = true;
			continue;
		}
		if (strcmp(compact, "+++") == 0) {
			ex->complex = ex->checks = true;
			continue;
		}
		char *s1 = strchr(inner, '/');
		char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		if (!s1 || !s2 || ex->nevents >= MAX_EXPECT)
			continue;
		*s1 = *s2 = '\0';
		struct triple *t = &ex->events[ex->nevents++];
		snprintf(t->source, sizeof t->source, "%.47s", inner);
		snprintf(t->target, sizeof t->target, "%.47s", s1 + 1);
		snprintf(t->code, sizeof t->code, "%.15s", s2 + 1);
		strip(t->source);
		strip(t->target);
		strip(t->code);
		ex->checks = true;
	}
}

static bool same(const struct triple *a, const struct triple *b)
{
	return strcmp(a->source, b->source) == 0 && strcmp(a->target, b->target) == 0 &&
		strcmp(a->code, b->code) == 0;
}

static bool judge(const struct expect *ex, const struct run *r, unsigned flags)
{
	if (ex->complex)
		return flags & CODER_COMPLEX;
	if (ex->discard)
		return flags & CODER_DISCARDED;
	if (ex->none && ex->nevents == 0)
		return r->ngot == 0;
	for (int i = 0; i < ex->nevents; i++) {
		bool found = false;
		for (int k = 0; k < r->ngot && !found; k++)
			found = same(&ex->events[i], &r->got[k]);
		if (!found)
			return false;
	}
	if (ex->open)
		return true;
	/* every coded event must be expected (duplicates aside) */
	for (int k = 0; k < r->ngot; k++) {
		bool found = false;
		for (int i = 0; i < ex->nevents && !found; i++)
			found = same(&ex->events[i], &r->got[k]);
		if (!found)
			return false;
	}
	return true;
}

static void apply_options_file(struct coder *coder, const char *path, bool verbose)
{
	char *text = suite_read_file(path);
	if (!text)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *cut = strstr(line, "//");
		if (cut)
			*cut = '\0';
		strip(line);
		if (!line[0] || line[0] == '#')
			continue;
		if (coder_set_option(coder, line) < 0 && verbose)
			printf("# options file line not understood: %s\n", line);
	}
	free(text);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	double bar = 90.0;
	bool verbose = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--bar") == 0 && i + 1 < argc)
			bar = atof(argv[++i]);
		else
			dir = argv[i];
	}
	struct stat st;
	if (!dir || stat(dir, &st) < 0) {
		printf("SKIP: TABARI validation suite not found (%s)\n", dir ? dir : "no directory");
		return 77;
	}
	char path[4096];
	struct buf errors = {0};
	struct dict *dict;
	static const struct suite_file files[] = {
		{"TABARI.Demo.actors", DICT_ACTORS},
		{"TABARI.Demo.verbs", DICT_VERBS},
		{"Validate.agents", DICT_AGENTS},
	};
	dict = suite_load(dir, files, sizeof files / sizeof files[0], &errors);
	if (!dict)
		return 77;
	if (verbose && errors.len)
		printf("# dictionary problems (skipped entries):\n%s", errors.data);
	struct coder *coder = coder_new(dict);
	/* TABARI's own defaults first, then the suite's options file */
	coder_set_option(coder, "SET: TABARI = TRUE");
	snprintf(path, sizeof path, "%s/Validate.options", dir);
	apply_options_file(coder, path, verbose);

	snprintf(path, sizeof path, "%s/Validate.text", dir);
	char *text = suite_read_file(path);
	if (!text) {
		printf("SKIP: cannot read %s\n", path);
		return 77;
	}
	int standard_passed = 0, standard_total = 0, extra_passed = 0, extra_total = 0;
	int unchecked = 0;
	bool past_final = false;
	struct record rec = {0};
	bool in_record = false, in_comment = false;
	unsigned lineno = 0;
	char *save = NULL;
	struct buf failures = {0};
	/* Walk lines; a record ends where the next begins (or at end of file). */
	char *cursor = text;
	for (;;) {
		char *line = cursor;
		char *nl = line ? strchr(line, '\n') : NULL;
		if (nl)
			*nl = '\0';
		bool eof = line == NULL || (*line == '\0' && !nl);
		char date[16], id[64];
		bool header = !eof && !in_comment && record_header(line, date, id);
		if ((header || eof) && in_record) {
			/* finish the record before this one */
			struct expect ex;
			parse_comment(rec.comment.data ? rec.comment.data : "", &ex, coder, verbose);
			if (ex.checks) {
				struct run r = {0};
				int32_t day = record_day(rec.date);
				coder_code(coder, rec.text.data ? rec.text.data : "", rec.text.len, day,
					on_event, &r);
				unsigned flags = coder_last_flags(coder);
				bool ok = judge(&ex, &r, flags);
				struct section *sec = section_of(rec.id);
				if (!past_final) {
					standard_total++;
					standard_passed += ok;
					sec->total++;
					sec->passed += ok;
					unchecked += ex.open && ex.nevents == 0;
				} else {
					extra_total++;
					extra_passed += ok;
				}
				if (!ok) {
					buf_printf(&failures, "# FAIL %s%s (line %u): got", rec.id,
						past_final ? " [after FINAL-01]" : "", rec.line);
					if (flags & CODER_COMPLEX)
						buf_printf(&failures, " {+++}");
					if (flags & CODER_DISCARDED)
						buf_printf(&failures, " {###}");
					for (int k = 0; k < r.ngot; k++)
						buf_printf(&failures, " {%s/%s/%s}", r.got[k].source,
							r.got[k].target, r.got[k].code);
					if (r.ngot == 0 && !(flags & (CODER_COMPLEX | CODER_DISCARDED)))
						buf_printf(&failures, " nothing");
					buf_printf(&failures, "; want");
					if (ex.none)
						buf_printf(&failures, " {---}");
					if (ex.discard)
						buf_printf(&failures, " {###}");
					if (ex.complex)
						buf_printf(&failures, " {+++}");
					for (int k = 0; k < ex.nevents; k++)
						buf_printf(&failures, " {%s/%s/%s}", ex.events[k].source,
							ex.events[k].target, ex.events[k].code);
					buf_printf(&failures, "%s\n", ex.open ? " ..." : "");
				}
			}
			if (strcmp(rec.id, "FINAL-01") == 0)
				past_final = true;
			in_record = false;
		}
		if (eof)
			break;
		lineno++;
		if (header) {
			buf_reset(&rec.text);
			buf_reset(&rec.comment);
			snprintf(rec.id, sizeof rec.id, "%s", id);
			snprintf(rec.date, sizeof rec.date, "%s", date);
			rec.line = lineno;
			in_record = true;
			in_comment = false;
			if (strcmp(id, "FINAL-01") == 0)
				past_final = false;
		} else if (in_record && !(line[0] == '#' && !in_comment)) {
			/* text outside comments is the story; comments hold the checks */
			const char *p = line;
			while (*p) {
				if (in_comment) {
					const char *end = strstr(p, "*/");
					size_t n = end ? (size_t)(end - p) : strlen(p);
					buf_append(&rec.comment, p, n);
					buf_append_char(&rec.comment, ' ');
					p += n;
					if (end) {
						in_comment = false;
						p += 2;
					}
				} else {
					const char *start = strstr(p, "/*");
					size_t n = start ? (size_t)(start - p) : strlen(p);
					buf_append(&rec.text, p, n);
					buf_append_char(&rec.text, ' ');
					p += n;
					if (start) {
						in_comment = true;
						p += 2;
					}
				}
			}
		}
		if (!nl)
			cursor = NULL;
		else
			cursor = nl + 1;
	}
	(void)save;
	if (verbose && failures.len)
		fputs(failures.data, stdout);
	printf("TABARI validation suite: %d of %d standard records pass (%.1f%%)", standard_passed,
		standard_total, standard_total ? 100.0 * standard_passed / standard_total : 0.0);
	printf("; %d of them only list events they need not check (\"-{\")\n", unchecked);
	for (int i = 0; i < nsections; i++)
		printf("  %-10s %3d / %3d\n", sections[i].name, sections[i].passed, sections[i].total);
	printf("after FINAL-01 (records TABARI itself does not pass; not counted): %d of %d\n",
		extra_passed, extra_total);
	double rate = standard_total ? 100.0 * standard_passed / standard_total : 0.0;
	int status = rate + 1e-9 >= bar ? 0 : 1;
	if (status)
		printf("FAIL: below the bar of %.0f%%\n", bar);
	free(text);
	buf_free(&rec.text);
	buf_free(&rec.comment);
	buf_free(&failures);
	buf_free(&errors);
	coder_free(coder);
	dict_free(dict);
	return status;
}
