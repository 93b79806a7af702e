/*
 * geotrackd code: the coder on standard input, one document per line, events as TSV.
 *
 * The same coder_code() the daemon's ingest calls, so what a user tries here is what
 * the daemon stores. Dictionaries: the files named on the command line; else the
 * config's [coder] set (-c FILE, or the installed config when it exists); else the
 * default set beside the binary.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "coder.h"
#include "commands.h"
#include "config.h"
#include "date.h"
#include "dict.h"
#include "dictset.h"
#include "xalloc.h"

#define DEFAULT_CONFIG GEOTRACK_SYSCONFDIR "/geotrackd.conf"
#define MAX_LINE_BYTES (8u << 20) /* longer documents are coded up to this point */

struct code_args {
	const char *config_path;
	bool explain;
	bool paragraphs;
	int32_t date;
	struct path_list files[5]; /* actors, agents, verbs, discards, options */
	struct path_list dirs;
	struct path_list settings;
};

struct output {
	const char *id;
	bool explain;
	struct buf line;
};

static void usage(FILE *out)
{
	fputs("usage: geotrackd code [--date YYYY-MM-DD] [--explain] [-c FILE]\n"
	      "                      [--actors F] [--agents F] [--verbs F] [--discards F]\n"
	      "                      [--options F] [--dictionaries DIR] [--set 'OPTION LINE']\n"
	      "                      [--paragraphs]\n"
	      "\n"
	      "Reads documents from standard input, one per line: ID<TAB>TEXT,\n"
	      "ID<TAB>YYYY-MM-DD<TAB>TEXT, or TEXT (the line number is the ID), and writes the\n"
	      "CAMEO events found as TSV. With --paragraphs a document is a block of lines\n"
	      "(paragraphs) ended by an empty line, the ID and date on its first line, so\n"
	      "pronouns and \"the country\" reach across paragraphs as in an article.\n"
	      "Dictionary options are repeatable and replace the configured set. Documents\n"
	      "without a date use each actor's undated code (date-restricted codes are skipped).\n",
		out);
}

static void path_add(struct path_list *list, const char *path)
{
	list->paths = xrealloc(list->paths, (list->count + 1) * sizeof *list->paths);
	list->paths[list->count++] = xstrdup(path);
}

static void path_free(struct path_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->paths[i]);
	free(list->paths);
}

/* Appends a field with tabs and line breaks turned into spaces. */
static void field(struct buf *b, const char *s)
{
	buf_append_char(b, '\t');
	for (; s && *s; s++)
		buf_append_char(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void on_event(const struct coded_event *ev, void *vctx)
{
	struct output *out = vctx;
	struct buf *b = &out->line;
	buf_reset(b);
	buf_append_str(b, out->id);
	buf_printf(b, "\t%u\t%s\t%s\t%s\t%d\t%.1f", ev->sentence_index, ev->source,
		ev->event_code, ev->target, ev->quad_class, ev->goldstein);
	field(b, ev->source_text);
	field(b, ev->verb_text);
	field(b, ev->target_text);
	field(b, ev->pattern);
	field(b, ev->location);
	if (out->explain) {
		buf_printf(b, "\t%s:%u", ev->dict_file ? ev->dict_file : "", ev->dict_line);
		char *sentence = xstrndup(ev->sentence, ev->sentence_len);
		field(b, sentence);
		free(sentence);
	}
	buf_append_char(b, '\n');
	fwrite(b->data, 1, b->len, stdout);
}

static int parse_args(int argc, char **argv, struct code_args *a)
{
	static const char *const kinds[] = {"--actors", "--agents", "--verbs", "--discards",
		"--options"};
	a->date = CODER_DATE_UNKNOWN;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;
		if (strcmp(arg, "--explain") == 0) {
			a->explain = true;
			continue;
		}
		if (strcmp(arg, "--paragraphs") == 0) {
			a->paragraphs = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 1;
		}
		if (!has_value) {
			fprintf(stderr, "geotrackd code: unknown option or missing value: %s\n", arg);
			return -EINVAL;
		}
		const char *value = argv[++i];
		if (strcmp(arg, "--date") == 0) {
			if (date_parse_day(value, &a->date) < 0) {
				fprintf(stderr, "geotrackd code: --date wants YYYY-MM-DD, not '%s'\n", value);
				return -EINVAL;
			}
		} else if (strcmp(arg, "-c") == 0) {
			a->config_path = value;
		} else if (strcmp(arg, "--dictionaries") == 0) {
			path_add(&a->dirs, value);
		} else if (strcmp(arg, "--set") == 0) {
			path_add(&a->settings, value);
		} else {
			size_t k = 0;
			while (k < 5 && strcmp(arg, kinds[k]) != 0)
				k++;
			if (k == 5) {
				fprintf(stderr, "geotrackd code: unknown option %s\n", arg);
				return -EINVAL;
			}
			path_add(&a->files[k], value);
		}
	}
	return 0;
}

/* Loads the dictionary set the arguments, the config or the defaults name. */
static int load_dictionaries(const struct code_args *a, struct dict **ret_dict, struct buf *errors)
{
	static const enum dict_kind kinds[] = {DICT_ACTORS, DICT_AGENTS, DICT_VERBS,
		DICT_DISCARDS, DICT_OPTIONS};
	bool named = a->dirs.count > 0;
	for (size_t k = 0; k < 4; k++)
		named |= a->files[k].count > 0;
	struct dict *dict = NULL;
	int r;
	if (named) {
		dict = dict_new();
		for (size_t i = 0; i < a->dirs.count; i++) {
			r = dictset_load_dir(dict, a->dirs.paths[i], errors);
			if (r < 0)
				goto fail;
		}
		for (size_t k = 0; k < 5; k++)
			for (size_t i = 0; i < a->files[k].count; i++) {
				r = dict_load_file(dict, kinds[k], a->files[k].paths[i], errors);
				if (r < 0)
					goto fail;
			}
		dict_finish(dict);
		*ret_dict = dict;
		return 0;
	}
	const char *path = a->config_path;
	if (!path && access(DEFAULT_CONFIG, R_OK) == 0)
		path = DEFAULT_CONFIG;
	struct config empty = {0};
	struct config *config = NULL;
	if (path) {
		r = config_load(path, &config, errors);
		if (r < 0)
			return r;
	}
	r = dictset_load(config ? config : &empty, &dict, errors);
	config_free(config);
	if (r < 0)
		return r;
	/* options files are not part of a set; add any named on the command line */
	for (size_t i = 0; i < a->files[4].count; i++)
		dict_load_file(dict, DICT_OPTIONS, a->files[4].paths[i], errors);
	*ret_dict = dict;
	return 0;
fail:
	dict_free(dict);
	return r;
}

/* Reads one line of at most MAX_LINE_BYTES (the rest is dropped). 0 at EOF. */
static int read_document(FILE *in, struct buf *line, bool *ret_cut)
{
	char chunk[65536];
	buf_reset(line);
	*ret_cut = false;
	bool any = false;
	while (fgets(chunk, sizeof chunk, in)) {
		any = true;
		size_t n = strlen(chunk);
		bool end = n && chunk[n - 1] == '\n';
		if (end)
			n--;
		if (line->len + n <= MAX_LINE_BYTES)
			buf_append(line, chunk, n);
		else
			*ret_cut = true;
		if (end)
			break;
	}
	return any;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int cmd_code(int argc, char **argv)
{
	struct code_args args = {0};
	struct buf errors = {0};
	struct buf line = {0};
	struct dict *dict = NULL;
	struct coder *coder = NULL;
	int status = 1;
	int r = parse_args(argc, argv, &args);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		status = r < 0 ? 2 : 0;
		goto done;
	}
	r = load_dictionaries(&args, &dict, &errors);
	if (errors.len) {
		size_t problems = 0;
		for (size_t i = 0; i < errors.len; i++)
			problems += errors.data[i] == '\n';
		if (r < 0)
			fputs(errors.data, stderr);
		else
			fprintf(stderr, "geotrackd code: %zu dictionary entries skipped "
					"(geotrackd dict check FILES lists them)\n", problems);
	}
	if (r < 0)
		goto done;
	coder = coder_new(dict);
	for (size_t i = 0; i < args.settings.count; i++)
		if (coder_set_option(coder, args.settings.paths[i]) < 0) {
			fprintf(stderr, "geotrackd code: --set: not understood: %s\n",
				args.settings.paths[i]);
			status = 2;
			goto done;
		}
	printf("id\tsentence\tsource\tevent_code\ttarget\tquad_class\tgoldstein\tsource_text"
	       "\tverb_text\ttarget_text\tpattern\tlocation%s\n", args.explain ? "\trule\ttext" : "");
	struct output out = {.explain = args.explain};
	unsigned long lineno = 0, first_line = 0;
	bool cut;
	char idbuf[32];
	struct buf block = {0};
	bool more = true;
	while (more) {
		more = read_document(stdin, &line, &cut);
		if (more) {
			lineno++;
			if (cut)
				fprintf(stderr, "geotrackd code: line %lu longer than %u bytes, cut\n",
					lineno, MAX_LINE_BYTES);
		}
		if (args.paragraphs) {
			/* gather the block; code it at the empty line or the end */
			if (more && line.len > 0) {
				if (block.len == 0)
					first_line = lineno;
				if (block.len)
					buf_append_char(&block, '\n');
				if (block.len + line.len <= MAX_LINE_BYTES)
					buf_append(&block, line.data, line.len);
				continue;
			}
			if (block.len == 0)
				continue;
			buf_reset(&line);
			buf_append(&line, block.data, block.len);
			buf_reset(&block);
		} else if (!more) {
			break;
		} else {
			first_line = lineno;
		}
		char *text = line.data ? line.data : "";
		size_t len = line.len;
		int32_t date = args.date;
		char *tab = memchr(text, '\t', len);
		if (tab) {
			*tab = '\0';
			out.id = text;
			len -= (size_t)(tab + 1 - text);
			text = tab + 1;
			char *tab2 = memchr(text, '\t', len);
			int32_t day;
			if (tab2 && tab2 - text == 10 && digits(text, 4) && text[4] == '-') {
				*tab2 = '\0';
				if (date_parse_day(text, &day) == 0) {
					date = day;
					len -= (size_t)(tab2 + 1 - text);
					text = tab2 + 1;
				} else {
					*tab2 = '\t';
				}
			}
		} else {
			snprintf(idbuf, sizeof idbuf, "%lu", first_line);
			out.id = idbuf;
		}
		coder_code(coder, text, len, date, on_event, &out);
	}
	buf_free(&block);
	fflush(stdout);
	status = ferror(stdout) ? 1 : 0;
	buf_free(&out.line);
done:
	coder_free(coder);
	dict_free(dict);
	buf_free(&errors);
	buf_free(&line);
	for (size_t k = 0; k < 5; k++)
		path_free(&args.files[k]);
	path_free(&args.dirs);
	path_free(&args.settings);
	return status;
}
