/*
 * geotrackd parse FILE... [--content-type TYPE] [--url URL]: what the feed parser makes
 * of each file, as JSON Lines on stdout. One {"type":"feed"} object per file (or
 * {"type":"error"} when nothing could be read), then its {"type":"warning"} lines, then
 * one {"type":"item"} per item. For users whose feed looks wrong, and for the
 * conformance runner. Exit status: 0 when every file parsed, 1 otherwise, 2 on usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "commands.h"
#include "date.h"
#include "feed.h"
#include "xalloc.h"

/* Larger files are refused by the parser anyway; read a little more to say so. */
#define PARSE_MAX_FILE ((64u << 20) + 1)

static void usage(FILE *out)
{
	fputs("usage: geotrackd parse [--content-type TYPE] [--content-language LANG] [--url URL] FILE...\n"
	      "  prints the feed and its items as JSON Lines; FILE - reads stdin\n",
		out);
}

static int read_file(const char *path, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return -errno;
	char chunk[65536];
	size_t n;
	int r = 0;
	buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(out, chunk, n);
		if (out->len > PARSE_MAX_FILE) {
			r = -EFBIG;
			break;
		}
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	if (f != stdin)
		fclose(f);
	return r;
}

static void json_key_string(struct buf *out, const char *key, const char *value)
{
	buf_printf(out, ",\"%s\":", key);
	if (value)
		buf_append_json_string(out, value, strlen(value));
	else
		buf_append_str(out, "null");
}

static void json_key_time(struct buf *out, const char *key, int64_t time)
{
	char text[DATE_TEXT_SIZE];
	date_format(time, text);
	text[10] = 'T';
	buf_printf(out, ",\"%s\":\"%sZ\"", key, text);
}

static void print_item(struct buf *out, const struct feed_item *item)
{
	buf_append_str(out, "{\"type\":\"item\"");
	json_key_string(out, "id", item->id);
	json_key_string(out, "title", item->title);
	if (item->title_is_fallback)
		buf_append_str(out, ",\"title_fallback\":true");
	json_key_string(out, "link", item->link);
	if (item->published_is_fallback)
		buf_append_str(out, ",\"published\":null");
	else
		json_key_time(out, "published", item->published);
	if (item->updated)
		json_key_time(out, "updated", item->updated);
	else
		buf_append_str(out, ",\"updated\":null");
	json_key_string(out, "author", item->author);
	json_key_string(out, "language", item->language);
	buf_append_str(out, ",\"categories\":[");
	for (size_t i = 0; i < item->category_count; i++) {
		if (i)
			buf_append_char(out, ',');
		buf_append_json_string(out, item->categories[i], strlen(item->categories[i]));
	}
	buf_append_char(out, ']');
	json_key_string(out, "summary", item->summary);
	json_key_string(out, "content", item->content);
	buf_append_str(out, "}\n");
}

static int parse_one(const char *path, const struct feed_parse_options *options, struct buf *out)
{
	struct buf data = {0};
	struct feed_doc *doc = NULL;
	int r = read_file(path, &data);
	buf_reset(out);
	if (r < 0) {
		buf_append_str(out, "{\"type\":\"error\"");
		json_key_string(out, "file", path);
		json_key_string(out, "error", strerror(-r));
		buf_append_str(out, "}\n");
		goto done;
	}
	r = feed_parse(data.data ? data.data : "", data.len, options, &doc);
	if (r < 0) {
		buf_append_str(out, "{\"type\":\"error\"");
		json_key_string(out, "file", path);
		json_key_string(out, "error", feed_strerror(r));
		buf_printf(out, ",\"code\":%d}\n", r);
		goto done;
	}
	buf_append_str(out, "{\"type\":\"feed\"");
	json_key_string(out, "file", path);
	json_key_string(out, "format", feed_format_name(doc->format));
	json_key_string(out, "encoding", doc->encoding);
	json_key_string(out, "title", doc->title);
	json_key_string(out, "link", doc->site_link);
	json_key_string(out, "language", doc->language);
	buf_printf(out, ",\"ttl\":%u,\"items\":%zu}\n", doc->ttl_minutes, doc->item_count);
	for (size_t i = 0; i < doc->warning_count; i++) {
		buf_append_str(out, "{\"type\":\"warning\"");
		json_key_string(out, "file", path);
		json_key_string(out, "message", doc->warnings[i]);
		buf_append_str(out, "}\n");
	}
	for (size_t i = 0; i < doc->item_count; i++)
		print_item(out, &doc->items[i]);
done:
	fwrite(out->data, 1, out->len, stdout);
	feed_doc_free(doc);
	buf_free(&data);
	return r;
}

int cmd_parse(int argc, char **argv)
{
	struct feed_parse_options options = {.fetch_time = (int64_t)time(NULL)};
	struct buf out = {0};
	int file_count = 0, failures = 0;
	bool options_done = false;
	char **files = xcalloc((size_t)argc, sizeof(*files));

	/* Options may stand before or after the files, as in the usage line. */
	for (int i = 1; i < argc; i++) {
		if (options_done || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			files[file_count++] = argv[i];
		} else if (strcmp(argv[i], "--content-type") == 0 && i + 1 < argc) {
			options.content_type = argv[++i];
		} else if (strcmp(argv[i], "--content-language") == 0 && i + 1 < argc) {
			options.content_language = argv[++i];
		} else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			options.url = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(files);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			options_done = true;
		} else {
			usage(stderr);
			free(files);
			return 2;
		}
	}
	if (file_count == 0) {
		usage(stderr);
		free(files);
		return 2;
	}
	for (int i = 0; i < file_count; i++)
		if (parse_one(files[i], &options, &out) < 0)
			failures++;
	buf_free(&out);
	free(files);
	if (fflush(stdout) != 0)
		return 1;
	return failures ? 1 : 0;
}
