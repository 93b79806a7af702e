#include "dictset.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "dict.h"
#include "xalloc.h"

static const struct {
	const char *extension;
	enum dict_kind kind;
} extensions[] = {
	{".actors", DICT_ACTORS},
	{".agents", DICT_AGENTS},
	{".verbs", DICT_VERBS},
	{".discards", DICT_DISCARDS},
};

const char *dictset_default_dir(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		size_t root_len = strlen(GEOTRACK_BUILD_ROOT);
		if (strncmp(exe, GEOTRACK_BUILD_ROOT, root_len) == 0 && exe[root_len] == '/')
			return GEOTRACK_SOURCE_ROOT "/config/dictionaries";
	}
	return GEOTRACK_DATADIR "/dictionaries";
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int kind_of(const char *name, enum dict_kind *ret_kind)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		size_t ext_len = strlen(extensions[i].extension);
		if (len > ext_len && strcmp(name + len - ext_len, extensions[i].extension) == 0) {
			*ret_kind = extensions[i].kind;
			return 0;
		}
	}
	return -ENOENT;
}

int dictset_load_dir(struct dict *dict, const char *dir, struct buf *errors)
{
	DIR *d = opendir(dir);
	if (!d) {
		int err = errno;
		buf_printf(errors, "%s: cannot open dictionary directory: %s\n", dir, strerror(err));
		return -err;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *entry;
	while ((entry = readdir(d))) {
		enum dict_kind kind;
		if (entry->d_name[0] == '.' || kind_of(entry->d_name, &kind) < 0)
			continue;
		names = xgrow(names, &cap, count + 1, sizeof(*names));
		names[count++] = xstrdup(entry->d_name);
	}
	closedir(d);
	if (count > 1)
		qsort(names, count, sizeof(*names), compare_names);
	int r = (int)count;
	for (size_t i = 0; i < count; i++) {
		enum dict_kind kind = DICT_ACTORS;
		kind_of(names[i], &kind);
		char *path = xasprintf("%s/%s", dir, names[i]);
		int loaded = dict_load_file(dict, kind, path, errors);
		if (loaded < 0 && r >= 0) {
			buf_printf(errors, "%s: cannot read: %s\n", path, strerror(-loaded));
			r = loaded;
		}
		free(path);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return r;
}

static int load_files(struct dict *dict, enum dict_kind kind, const struct path_list *files,
	struct buf *errors)
{
	for (size_t i = 0; i < files->count; i++) {
		int r = dict_load_file(dict, kind, files->paths[i], errors);
		if (r < 0) {
			buf_printf(errors, "%s: cannot read: %s\n", files->paths[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

int dictset_load(const struct config *config, struct dict **ret_dict, struct buf *errors)
{
	struct dict *dict = dict_new();
	int r = 0;
	size_t named = config->dictionary_dirs.count + config->actors.count +
		config->agents.count + config->verbs.count + config->discards.count;
	if (named == 0) {
		r = dictset_load_dir(dict, dictset_default_dir(), errors);
	} else {
		for (size_t i = 0; r >= 0 && i < config->dictionary_dirs.count; i++)
			r = dictset_load_dir(dict, config->dictionary_dirs.paths[i], errors);
		if (r >= 0)
			r = load_files(dict, DICT_ACTORS, &config->actors, errors);
		if (r >= 0)
			r = load_files(dict, DICT_AGENTS, &config->agents, errors);
		if (r >= 0)
			r = load_files(dict, DICT_VERBS, &config->verbs, errors);
		if (r >= 0)
			r = load_files(dict, DICT_DISCARDS, &config->discards, errors);
	}
	if (r < 0) {
		dict_free(dict);
		return r;
	}
	dict_finish(dict);
	*ret_dict = dict;
	return 0;
}
