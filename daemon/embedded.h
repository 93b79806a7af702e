/*
 * embedded: files compiled into the binary by scripts/embed.py.
 *
 * The schema migrations (schema/NNNN-*.sql, in order) and the CAMEO codebook tables
 * (schema/cameo/ tables) travel inside geotrackd, so a database can be created and events
 * labelled with nothing installed beside the binary.
 */
#ifndef GEOTRACK_EMBEDDED_H
#define GEOTRACK_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* base name, e.g. "0001-initial.sql" */
	const char *data; /* NUL-terminated contents */
	size_t len;
};

extern const struct embedded_file embedded_schema[];
extern const size_t embedded_schema_count;
extern const struct embedded_file embedded_cameo[];
extern const size_t embedded_cameo_count;

#endif
