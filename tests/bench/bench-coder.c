/*
 * Coder benchmark: dictionary load time, sentences coded per second on one thread, and
 * peak memory. Never run as a test; `scripts/bench coder` runs it. Times are this
 * process's CPU time (the machine is shared), with wall time beside them.
 *
 *   bench-coder [--repeat N] [--min-sentences N] CORPUS.tsv DICTFILE...
 *
 * CORPUS.tsv: one document per line; with a header naming a "headline" column, that
 * column is the text. Dictionary files are read by kind from their names (or a directory
 * of *.actors, *.agents, *.verbs, *.discards). The corpus is repeated until it holds at
 * least --min-sentences sentences (default 100,000), then coded in one pass, best of N.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "coder.h"
#include "dict.h"
#include "dictset.h"
#include "text.h"
#include "xalloc.h"

/* CPU time of this process: on a machine shared with other jobs, wall time measures
 * the neighbours as much as the coder. Wall time is reported beside it. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct doc {
	char *text;
	size_t len;
};

static size_t count_sentences(const char *s, size_t len)
{
	size_t n = 0, pos = 0;
	while (pos < len) {
		while (pos < len && (s[pos] == ' ' || s[pos] == '\n'))
			pos++;
		if (pos >= len)
			break;
		pos = text_sentence_end(s, len, pos);
		n++;
	}
	return n;
}

static void count_event(const struct coded_event *ev, void *ctx)
{
	(void)ev;
	(*(size_t *)ctx)++;
}

static int load_set(struct dict *dict, int argc, char **argv, int first, struct buf *errors)
{
	for (int i = first; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (dictset_load_dir(dict, argv[i], errors) < 0)
				return -1;
			continue;
		}
		enum dict_kind kind;
		if (dict_kind_from_path(argv[i], &kind) < 0) {
			fprintf(stderr, "bench-coder: %s: unknown dictionary kind\n", argv[i]);
			return -1;
		}
		if (dict_load_file(dict, kind, argv[i], errors) < 0) {
			fprintf(stderr, "bench-coder: cannot read %s\n", argv[i]);
			return -1;
		}
	}
	dict_finish(dict);
	return 0;
}

int main(int argc, char **argv)
{
	int repeat = 3;
	size_t min_sentences = 100000;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--min-sentences") == 0 && i + 1 < argc)
			min_sentences = (size_t)atol(argv[++i]);
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: bench-coder [--repeat N] [--min-sentences N] CORPUS DICT...\n");
		return 2;
	}
	const char *corpus = argv[i++];
	int dict_first = i;

	/* load time: best of `repeat` full loads */
	double best_load = 1e9;
	struct dict *dict = NULL;
	size_t problems = 0;
	for (int r = 0; r < repeat; r++) {
		struct buf errors = {0};
		struct dict *d = dict_new();
		double t0 = cpu_now();
		if (load_set(d, argc, argv, dict_first, &errors) < 0)
			return 1;
		double t = cpu_now() - t0;
		if (t < best_load)
			best_load = t;
		problems = 0;
		for (size_t k = 0; k < errors.len; k++)
			problems += errors.data[k] == '\n';
		buf_free(&errors);
		if (dict)
			dict_free(dict);
		dict = d;
	}
	struct dict_stats st;
	dict_get_stats(dict, &st);

	/* the corpus */
	FILE *f = fopen(corpus, "r");
	if (!f) {
		perror(corpus);
		return 1;
	}
	struct doc *docs = NULL;
	size_t ndocs = 0, cap = 0, sentences = 0;
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t n;
	int column = -1;
	bool header = true;
	while ((n = getline(&line, &line_cap, f)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (header) {
			header = false;
			if (strncmp(line, "headline\t", 9) == 0 || strcmp(line, "headline") == 0) {
				column = 0;
				continue;
			}
		}
		char *text = line;
		if (column == 0) {
			char *tab = strchr(line, '\t');
			if (tab)
				*tab = '\0';
		}
		docs = xgrow(docs, &cap, ndocs + 1, sizeof *docs);
		docs[ndocs].text = xstrdup(text);
		docs[ndocs].len = strlen(text);
		sentences += count_sentences(docs[ndocs].text, docs[ndocs].len);
		ndocs++;
	}
	free(line);
	fclose(f);
	if (ndocs == 0 || sentences == 0) {
		fprintf(stderr, "bench-coder: empty corpus\n");
		return 1;
	}
	size_t rounds = (min_sentences + sentences - 1) / sentences;

	struct coder *coder = coder_new(dict);
	double best = 1e9, best_wall = 1e9;
	size_t events = 0;
	for (int r = 0; r < repeat; r++) {
		events = 0;
		double t0 = cpu_now(), w0 = wall_now();
		for (size_t round = 0; round < rounds; round++)
			for (size_t d = 0; d < ndocs; d++)
				coder_code(coder, docs[d].text, docs[d].len, 17983, count_event, &events);
		double t = cpu_now() - t0, w = wall_now() - w0;
		if (t < best)
			best = t;
		if (w < best_wall)
			best_wall = w;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	size_t total = sentences * rounds;
	printf("dictionaries: %zu actor names, %zu agents, %zu verbs, %zu patterns; %zu entries "
	       "skipped\n",
		st.actors, st.agents, st.verbs, st.patterns, problems);
	printf("load: %.3f s CPU (best of %d)\n", best_load, repeat);
	printf("corpus: %zu documents, %zu sentences, repeated %zu times = %zu sentences\n", ndocs,
		sentences, rounds, total);
	printf("coding: %.3f s CPU, %.0f sentences/s (wall %.3f s, %.0f/s), %zu events (%.1f per "
	       "100 sentences), best of %d\n",
		best, (double)total / best, best_wall, (double)total / best_wall, events,
		100.0 * (double)events / (double)total, repeat);
	printf("peak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
	coder_free(coder);
	dict_free(dict);
	for (size_t d = 0; d < ndocs; d++)
		free(docs[d].text);
	free(docs);
	return 0;
}
