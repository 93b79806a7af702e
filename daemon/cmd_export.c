/*
 * geotrackd export --format gdelt|jsonl|csv [--since DATE] [--until DATE]
 *                  [-c CONFIG | --database FILE]
 *
 * Writes the stored events dated from --since to --until (inclusive) to stdout:
 *   gdelt  GDELT 2.0's export format: the 61 event columns in GDELT's order, tab
 *          separated, no header, so tools written for GDELT's 15-minute files read ours;
 *   jsonl  one JSON object per event: every column of the events table, the codebook's
 *          labels, the evidence and the list of mentions;
 *   csv    event_view (dates, codes and readable names) as RFC 4180 CSV with a header.
 * The database is opened read-only, so exporting while the daemon runs is safe and sees
 * one consistent snapshot. Exit status: 0 on success, 1 if the database cannot be read
 * or stdout cannot be written, 2 on a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "date.h"
#include "store.h"
#include "xalloc.h"

#define DEFAULT_CONFIG GEOTRACK_SYSCONFDIR "/geotrackd.conf"

static void usage(FILE *out)
{
	fputs("usage: geotrackd export --format gdelt|jsonl|csv [--since YYYY-MM-DD]\n"
	      "                        [--until YYYY-MM-DD] [-c CONFIG | --database FILE]\n"
	      "  writes the events dated from --since to --until (inclusive) to stdout\n"
	      "  gdelt: GDELT 2.0's 61 tab-separated event columns; jsonl: one object per\n"
	      "  event with its evidence and mentions; csv: event_view with a header\n"
	      "  the database is the config's (default " DEFAULT_CONFIG ") or --database\n",
		out);
}

struct exporter {
	FILE *out;
	struct buf line;
	int write_error; /* errno of a failed write to stdout, 0 if none */
};

/* GDELT's files print these REAL columns with a fixed number of decimals. */
static int gdelt_decimals(const char *column)
{
	if (strcmp(column, "FractionDate") == 0)
		return 4;
	if (strcmp(column, "GoldsteinScale") == 0)
		return 1;
	return -1;
}

/* GDELT's format has no quoting: a tab or line break inside a value would shift every
 * later column, so they become spaces. */
static void append_gdelt_value(struct buf *line, const char *column, const char *value)
{
	int decimals = gdelt_decimals(column);
	if (decimals >= 0) {
		char *end;
		double number = strtod(value, &end);
		if (end != value && *end == '\0') {
			buf_printf(line, "%.*f", decimals, number);
			return;
		}
	}
	for (const char *p = value; *p; p++)
		buf_append_char(line, (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
}

static int write_line(struct exporter *ex)
{
	if (fwrite(ex->line.data, 1, ex->line.len, ex->out) == ex->line.len)
		return 0;
	ex->write_error = errno ? errno : EIO;
	return -ex->write_error;
}

static int gdelt_row(void *ctx, size_t count, const char *const *names,
	const char *const *values)
{
	struct exporter *ex = ctx;
	if (!values)
		return 0; /* GDELT's files have no header */
	buf_reset(&ex->line);
	for (size_t i = 0; i < count; i++) {
		if (i)
			buf_append_char(&ex->line, '\t');
		if (values[i])
			append_gdelt_value(&ex->line, names[i], values[i]);
	}
	buf_append_char(&ex->line, '\n');
	return write_line(ex);
}

static int jsonl_row(void *ctx, size_t count, const char *const *names,
	const char *const *values)
{
	struct exporter *ex = ctx;
	(void)names;
	if (!values)
		return 0;
	buf_reset(&ex->line);
	if (count == 1 && values[0])
		buf_append_str(&ex->line, values[0]);
	buf_append_char(&ex->line, '\n');
	return write_line(ex);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static void append_csv_field(struct buf *line, const char *value)
{
	if (!value)
		return;
	if (!strpbrk(value, ",\"\r\n")) {
		buf_append_str(line, value);
		return;
	}
	buf_append_char(line, '"');
	for (const char *p = value; *p; p++) {
		if (*p == '"')
			buf_append_char(line, '"');
		buf_append_char(line, *p);
	}
	buf_append_char(line, '"');
}

static int csv_line(struct exporter *ex, size_t count, const char *const *fields)
{
	buf_reset(&ex->line);
	for (size_t i = 0; i < count; i++) {
		if (i)
			buf_append_char(&ex->line, ',');
		append_csv_field(&ex->line, fields[i]);
	}
	buf_append_str(&ex->line, "\r\n");
	return write_line(ex);
}

/* The header comes first, even when no event matched, so a script always gets the
 * column names. */
static int csv_row(void *ctx, size_t count, const char *const *names,
	const char *const *values)
{
	return csv_line(ctx, count, values ? values : names);
}

static int check_day(const char *option, const char *text)
{
	int32_t days;
	if (date_parse_day(text, &days) < 0) {
		fprintf(stderr, "geotrackd export: %s wants a date YYYY-MM-DD, not '%s'\n", option,
			text);
		return -EINVAL;
	}
	return 0;
}

/* The database path: --database, else the one the config names. Caller frees. */
static char *database_path(const char *config_path, const char *database)
{
	if (database)
		return xstrdup(database);
	struct buf errors = {0};
	struct config *config = NULL;
	char *path = NULL;
	if (config_load(config_path, &config, &errors) < 0) {
		fputs(errors.data ? errors.data : "", stderr);
		fprintf(stderr, "geotrackd export: cannot use %s; or name the database with "
				"--database FILE\n", config_path);
	} else {
		path = xstrdup(config->database);
	}
	config_free(config);
	buf_free(&errors);
	return path;
}

int cmd_export(int argc, char **argv)
{
	const char *format = NULL, *since = NULL, *until = NULL;
	const char *config_path = NULL, *database = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **slot = NULL;
		if (strcmp(arg, "--format") == 0)
			slot = &format;
		else if (strcmp(arg, "--since") == 0)
			slot = &since;
		else if (strcmp(arg, "--until") == 0)
			slot = &until;
		else if (strcmp(arg, "-c") == 0)
			slot = &config_path;
		else if (strcmp(arg, "--database") == 0)
			slot = &database;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (!slot || i + 1 >= argc) {
			fprintf(stderr, "geotrackd export: %s '%s'\n",
				slot ? "missing value after" : "unknown argument", arg);
			usage(stderr);
			return 2;
		}
		*slot = argv[++i];
	}
	enum store_export_view view;
	if (format && strcmp(format, "gdelt") == 0) {
		view = STORE_EXPORT_GDELT;
	} else if (format && strcmp(format, "jsonl") == 0) {
		view = STORE_EXPORT_JSON;
	} else if (format && strcmp(format, "csv") == 0) {
		view = STORE_EXPORT_EVENTS;
	} else {
		fprintf(stderr, "geotrackd export: --format must be gdelt, jsonl or csv\n");
		usage(stderr);
		return 2;
	}
	if (config_path && database) {
		fprintf(stderr, "geotrackd export: give -c CONFIG or --database FILE, not both\n");
		return 2;
	}
	if ((since && check_day("--since", since) < 0) || (until && check_day("--until", until) < 0))
		return 2;

	char *path = database_path(config_path ? config_path : DEFAULT_CONFIG, database);
	if (!path)
		return 1;
	char *error = NULL;
	struct store *store = store_open_readonly(path, &error);
	if (!store) {
		fprintf(stderr, "geotrackd export: %s\n", error);
		free(error);
		free(path);
		return 1;
	}

	static char out_buffer[1 << 16];
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	struct exporter ex = {.out = stdout};
	store_row_fn row = view == STORE_EXPORT_GDELT ? gdelt_row
		: view == STORE_EXPORT_JSON		 ? jsonl_row
							 : csv_row;
	long rows = store_export(store, view, since, until, row, &ex);
	if (rows >= 0 && fflush(stdout) != 0)
		ex.write_error = errno ? errno : EIO;
	int status = 0;
	if (ex.write_error) {
		fprintf(stderr, "geotrackd export: writing: %s\n", strerror(ex.write_error));
		status = 1;
	} else if (rows < 0) {
		fprintf(stderr, "geotrackd export: %s: %s\n", path, store_errmsg(store));
		status = 1;
	}
	buf_free(&ex.line);
	store_close(store);
	free(path);
	return status;
}
