/*
 * cameo: the CAMEO codebook as facts compiled into the binary.
 *
 * Event codes with their root, base code, GDELT QuadClass and Goldstein value, and the
 * actor code components (countries and regions, known groups, role types, religions,
 * ethnic groups) with labels. Loaded from embedded schema/cameo/ tables on first use;
 * every pointer returned stays valid for the life of the process. Never logs.
 */
#ifndef GEOTRACK_CAMEO_H
#define GEOTRACK_CAMEO_H

#include <stdbool.h>
#include <stddef.h>

struct cameo_event_code {
	const char *code;  /* "0314" */
	const char *root;  /* "03" */
	const char *base;  /* "031": the three-digit code GDELT calls EventBaseCode */
	int quad_class;    /* 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict */
	double goldstein;  /* -10 .. +10 */
	const char *label;
};

enum cameo_actor_kind {
	CAMEO_COUNTRY,   /* country, territory, region or city: the first three letters */
	CAMEO_GROUP,     /* known group: NATO, UNO, EUR ... */
	CAMEO_ROLE,      /* role/type: GOV, MIL, OPP ... */
	CAMEO_RELIGION,  /* CHR, MOS ... */
	CAMEO_ETHNIC,    /* lower case in the codebook: aar, abk ... */
};

struct cameo_actor_code {
	const char *code;
	const char *label;
	enum cameo_actor_kind kind;
};

/* Returns the event code entry, or NULL if `code` is not in the codebook. */
const struct cameo_event_code *cameo_event_lookup(const char *code);
/* Iterates all event codes in codebook order; returns NULL past the end. */
const struct cameo_event_code *cameo_event_at(size_t index);

/* Returns the actor component with this code and kind, or NULL. */
const struct cameo_actor_code *cameo_actor_lookup(const char *code, enum cameo_actor_kind kind);
const struct cameo_actor_code *cameo_actor_at(size_t index);

/*
 * Splits a full actor code ("USAGOV", "IGOUNOAGR", "RUSMIL") into GDELT's parts.
 * Each ret_* receives a three-letter code or "" (buffers of 4 bytes). Returns true if
 * the code starts with a known country or group.
 */
struct cameo_actor_parts {
	char country[4];
	char known_group[4];
	char ethnic[4];
	char religion1[4];
	char religion2[4];
	char type1[4];
	char type2[4];
	char type3[4];
};
bool cameo_actor_split(const char *actor_code, struct cameo_actor_parts *ret_parts);

#endif
