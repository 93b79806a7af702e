/*
 * cameo: codebook lookups, and actor codes split into GDELT's columns the way GDELT's own
 * export splits them (every actor code of a real 15-minute GDELT 2.0 export, when
 * ../shared/reference is there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cameo.h"
#include "../tap.h"

#define GDELT_EXPORT GEOTRACK_SOURCE_ROOT "/../shared/reference/gdelt/20191024143000.export.CSV"

static void test_lookups(void)
{
	const struct cameo_event_code *e = cameo_event_lookup("0251");
	ok(e != NULL, "0251 is in the codebook");
	if (e) {
		is_str(e->base, "025", "its base code is 025");
		is_str(e->root, "02", "its root code is 02");
	}
	e = cameo_event_lookup("190");
	ok(e && e->quad_class == 4 && e->goldstein == -10.0, "190 is material conflict, -10");
	ok(cameo_event_lookup("999") == NULL, "an unknown code is not found");
	ok(cameo_actor_lookup("RUS", CAMEO_COUNTRY) != NULL, "RUS is a country");
	ok(cameo_actor_lookup("RUS", CAMEO_ROLE) == NULL, "RUS is not a role");
	ok(cameo_actor_lookup("kur", CAMEO_ETHNIC) != NULL, "ethnic codes are lower case");
	size_t n = 0;
	while (cameo_event_at(n))
		n++;
	is_int(n, 317, "the codebook has all 317 CAMEO event codes");
}

static void expect_split(const char *code, const char *country, const char *group,
	const char *type1, const char *type2)
{
	struct cameo_actor_parts p;
	cameo_actor_split(code, &p);
	char what[128];
	snprintf(what, sizeof(what), "%s splits into %s/%s/%s/%s", code, country, group, type1, type2);
	ok(strcmp(p.country, country) == 0 && strcmp(p.known_group, group) == 0 &&
			strcmp(p.type1, type1) == 0 && strcmp(p.type2, type2) == 0,
		what);
}

static void test_split_examples(void)
{
	expect_split("USAGOV", "USA", "", "GOV", "");
	expect_split("RUSMIL", "RUS", "", "MIL", "");
	expect_split("MNCUSAMED", "USA", "", "MNC", "MED");
	expect_split("IGOEUREEC", "EUR", "EEC", "IGO", "");
	expect_split("IGOUNODEVWBK", "", "UNO", "IGO", "DEV");
	expect_split("USAREL", "USA", "", "", "");
	expect_split("GOV", "", "", "GOV", "");
}

/* Splits `line` at tabs in place; returns the number of fields (up to max). */
static size_t split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static void test_split_matches_gdelt(void)
{
	FILE *f = fopen(GDELT_EXPORT, "r");
	if (!f) {
		printf("# skip: %s not found\n", GDELT_EXPORT);
		return;
	}
	static char line[1 << 16];
	size_t codes = 0, mismatches = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *fields[61];
		if (split_tabs(line, fields, 61) != 61)
			continue;
		/* Actor1Code is column 5, then name, country, group, ethnic, religion 1 and 2,
		 * types 1-3; Actor2 repeats the block from column 15. */
		for (size_t base = 5; base <= 15; base += 10) {
			const char *code = fields[base];
			if (!code[0])
				continue;
			struct cameo_actor_parts p;
			cameo_actor_split(code, &p);
			const char *got[8] = {p.country, p.known_group, p.ethnic, p.religion1,
				p.religion2, p.type1, p.type2, p.type3};
			codes++;
			for (size_t i = 0; i < 8; i++) {
				if (strcmp(got[i], fields[base + 2 + i]) != 0) {
					if (mismatches++ < 10)
						printf("# %s: column %zu is '%s', GDELT has '%s'\n", code,
							base + 2 + i, got[i], fields[base + 2 + i]);
					break;
				}
			}
		}
	}
	fclose(f);
	ok(codes > 1000, "the GDELT export has actor codes to compare");
	is_int(mismatches, 0, "every actor code splits into the columns GDELT's export has");
}

int main(void)
{
	test_lookups();
	test_split_examples();
	test_split_matches_gdelt();
	return tap_done();
}
