#include "cameo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "xalloc.h"

static struct cameo_event_code *event_codes;
static size_t event_count;
static struct cameo_actor_code *actor_codes;
static size_t actor_count;
/* Sorted views for lookups: the store splits two actor codes per stored event, and a
 * linear scan of the thousand actor codes per segment showed in the ingest rate. The
 * arrays above keep codebook order for the *_at() iterators. */
static const struct cameo_event_code **events_sorted;
static const struct cameo_actor_code **actors_sorted;

/* Splits line [p, end) into at most max tab-separated fields, copied. Returns the count. */
static size_t split_fields(const char *p, const char *end, char **fields, size_t max)
{
	size_t n = 0;
	while (p <= end && n < max) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *stop = tab ? tab : end;
		fields[n++] = xstrndup(p, (size_t)(stop - p));
		if (!tab)
			break;
		p = tab + 1;
	}
	return n;
}

/* Calls row(fields, n) for each data line (the header is skipped) of an embedded table. */
static void for_each_row(const char *name, void (*row)(char **fields, size_t n, void *ctx),
	void *ctx)
{
	for (size_t i = 0; i < embedded_cameo_count; i++) {
		if (strcmp(embedded_cameo[i].name, name) != 0)
			continue;
		const char *p = embedded_cameo[i].data;
		const char *data_end = p + embedded_cameo[i].len;
		bool header = true;
		while (p < data_end) {
			const char *nl = memchr(p, '\n', (size_t)(data_end - p));
			const char *end = nl ? nl : data_end;
			if (!header && end > p) {
				char *fields[8];
				size_t n = split_fields(p, end, fields, 8);
				row(fields, n, ctx);
			}
			header = false;
			p = end + 1;
		}
	}
}

static size_t event_cap;
static void add_event(char **f, size_t n, void *ctx)
{
	(void)ctx;
	if (n < 6)
		abort(); /* the embedded table is ours: a short row is a build defect */
	event_codes = xgrow(event_codes, &event_cap, event_count + 1, sizeof(*event_codes));
	struct cameo_event_code *e = &event_codes[event_count++];
	e->code = f[0];
	e->root = f[1];
	e->base = f[2];
	e->quad_class = atoi(f[3]);
	e->goldstein = strtod(f[4], NULL);
	e->label = f[5];
	free(f[3]);
	free(f[4]);
	for (size_t i = 6; i < n; i++)
		free(f[i]);
}

static size_t actor_cap;
static void add_actor(char **f, size_t n, void *ctx)
{
	if (n < 2)
		abort();
	actor_codes = xgrow(actor_codes, &actor_cap, actor_count + 1, sizeof(*actor_codes));
	struct cameo_actor_code *a = &actor_codes[actor_count++];
	a->code = f[0];
	a->label = f[1];
	a->kind = *(enum cameo_actor_kind *)ctx;
	for (size_t i = 2; i < n; i++)
		free(f[i]);
}

static int compare_events(const void *a, const void *b)
{
	const struct cameo_event_code *x = *(const struct cameo_event_code *const *)a;
	const struct cameo_event_code *y = *(const struct cameo_event_code *const *)b;
	return strcmp(x->code, y->code);
}

static int compare_actors(const void *a, const void *b)
{
	const struct cameo_actor_code *x = *(const struct cameo_actor_code *const *)a;
	const struct cameo_actor_code *y = *(const struct cameo_actor_code *const *)b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->code, y->code);
}

static void sort_views(void)
{
	events_sorted = xmalloc((event_count + 1) * sizeof(*events_sorted));
	for (size_t i = 0; i < event_count; i++)
		events_sorted[i] = &event_codes[i];
	qsort(events_sorted, event_count, sizeof(*events_sorted), compare_events);
	actors_sorted = xmalloc((actor_count + 1) * sizeof(*actors_sorted));
	for (size_t i = 0; i < actor_count; i++)
		actors_sorted[i] = &actor_codes[i];
	qsort(actors_sorted, actor_count, sizeof(*actors_sorted), compare_actors);
}

static void load_once(void)
{
	for_each_row("event_codes.tsv", add_event, NULL);
	static const struct {
		const char *file;
		enum cameo_actor_kind kind;
	} tables[] = {
		{"countries.tsv", CAMEO_COUNTRY},
		{"known_groups.tsv", CAMEO_GROUP},
		{"actor_types.tsv", CAMEO_ROLE},
		{"religions.tsv", CAMEO_RELIGION},
		{"ethnic_groups.tsv", CAMEO_ETHNIC},
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		enum cameo_actor_kind kind = tables[i].kind;
		for_each_row(tables[i].file, add_actor, &kind);
	}
	sort_views();
}

/* The tables are read on first use, from whichever thread codes first (ingest codes in
 * libuv's thread pool). */
static void load(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_once);
}

const struct cameo_event_code *cameo_event_lookup(const char *code)
{
	load();
	struct cameo_event_code key = {.code = code};
	const struct cameo_event_code *keyp = &key;
	const struct cameo_event_code **found =
		bsearch(&keyp, events_sorted, event_count, sizeof(*events_sorted), compare_events);
	return found ? *found : NULL;
}

const struct cameo_event_code *cameo_event_at(size_t index)
{
	load();
	return index < event_count ? &event_codes[index] : NULL;
}

const struct cameo_actor_code *cameo_actor_lookup(const char *code, enum cameo_actor_kind kind)
{
	load();
	struct cameo_actor_code key = {.code = code, .kind = kind};
	const struct cameo_actor_code *keyp = &key;
	const struct cameo_actor_code **found =
		bsearch(&keyp, actors_sorted, actor_count, sizeof(*actors_sorted), compare_actors);
	return found ? *found : NULL;
}

const struct cameo_actor_code *cameo_actor_at(size_t index)
{
	load();
	return index < actor_count ? &actor_codes[index] : NULL;
}

static void put_type(struct cameo_actor_parts *p, const char *seg)
{
	char *slots[] = {p->type1, p->type2, p->type3};
	for (size_t i = 0; i < 3; i++) {
		if (!slots[i][0]) {
			memcpy(slots[i], seg, 4);
			return;
		}
	}
}

bool cameo_actor_split(const char *actor_code, struct cameo_actor_parts *ret_parts)
{
	struct cameo_actor_parts parts;
	memset(&parts, 0, sizeof(parts));
	size_t len = strlen(actor_code);
	bool known = false;
	for (size_t off = 0; off + 3 <= len; off += 3) {
		char seg[4];
		memcpy(seg, actor_code + off, 3);
		seg[3] = '\0';
		const struct cameo_actor_code *role;
		/* What GDELT's export does (checked against a real 15-minute export in
		 * tests/unit/test-cameo.c): the first country code anywhere is the country
		 * ("MNCUSA" is USA, "IGOEUREEC" is EUR with group EEC); UNO, IRC, AMN are both
		 * roles and groups in the codebook, and as groups they say more; the roles
		 * GDELT's type list lacks (PLOVER-only, no label: PTY, REL ...) are left out. */
		if (!parts.country[0] && cameo_actor_lookup(seg, CAMEO_COUNTRY)) {
			memcpy(parts.country, seg, 4);
			known = true;
		} else if (!parts.known_group[0] && cameo_actor_lookup(seg, CAMEO_GROUP)) {
			memcpy(parts.known_group, seg, 4);
			known = true;
		} else if ((role = cameo_actor_lookup(seg, CAMEO_ROLE))) {
			if (role->label[0])
				put_type(&parts, seg);
		} else if (cameo_actor_lookup(seg, CAMEO_RELIGION)) {
			if (!parts.religion1[0])
				memcpy(parts.religion1, seg, 4);
			else if (!parts.religion2[0])
				memcpy(parts.religion2, seg, 4);
		} else if (cameo_actor_lookup(seg, CAMEO_ETHNIC)) {
			memcpy(parts.ethnic, seg, 4);
		}
	}
	*ret_parts = parts;
	return known;
}
