/*
 * dictset: which dictionary files make up the coder's set, and loading them.
 *
 * The config's [coder] section names directories (every *.actors, *.agents, *.verbs and
 * *.discards file inside, in name order) and single files per kind. With none named, the
 * default set is used: the source tree's config/dictionaries when the binary runs from
 * its build directory, else the installed share/geotrack/dictionaries. Never logs.
 */
#ifndef GEOTRACK_DICTSET_H
#define GEOTRACK_DICTSET_H

struct buf;
struct config;
struct dict;
struct path_list;

/* The directory of the default dictionary set for this binary. Static storage. */
const char *dictset_default_dir(void);

/*
 * Loads every file of one directory by extension into `dict`. Entry problems go to
 * `errors` as "file:line: reason". Returns the number of files read, or -errno if the
 * directory or one of its files cannot be read at all.
 */
int dictset_load_dir(struct dict *dict, const char *dir, struct buf *errors);

/*
 * Builds the set the config names (or the default set when it names none) and finishes
 * it. Returns 0 and sets *ret_dict, or -errno when a directory or file cannot be read
 * (described in `errors`); entry-level problems are reported but do not fail the load.
 */
int dictset_load(const struct config *config, struct dict **ret_dict, struct buf *errors);

#endif
