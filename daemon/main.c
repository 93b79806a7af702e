/*
 * geotrackd: command line entry point. Parses the command and hands over to the module
 * that does the work; nothing here outlives main().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "commands.h"
#include "config.h"
#include "log.h"

#define DEFAULT_CONFIG GEOTRACK_SYSCONFDIR "/geotrackd.conf"

static void usage(FILE *out)
{
	fputs("usage: geotrackd [-v] [-c FILE] [--once]    run the daemon (or one poll cycle)\n"
	      "       geotrackd --check-config [-c FILE]   validate the config and feed list\n"
	      "       geotrackd parse FILE...               print what the feed parser reads\n"
	      "       geotrackd code [--date D] [--explain]  code text on stdin into CAMEO events\n"
	      "       geotrackd dict check FILE...          report dictionary problems\n"
	      "       geotrackd export --format gdelt|jsonl|csv [--since DATE] [--until DATE]\n"
	      "                        [-c FILE | --database FILE]   events to stdout\n"
	      "       geotrackd --version\n"
	      "\n"
	      "  -c FILE   configuration (default " DEFAULT_CONFIG ")\n"
	      "  --once    poll every feed once, store, exit 0 if all were fetched\n"
	      "  -v        log at debug level\n",
		out);
}

static int check_config(const char *path)
{
	struct buf errors = {0};
	struct config *cfg = NULL;
	int r = config_load(path, &cfg, &errors);
	if (r < 0) {
		fputs(errors.data ? errors.data : "invalid configuration\n", stderr);
		fprintf(stderr, "%s: configuration is NOT valid\n", path);
		buf_free(&errors);
		return 1;
	}
	printf("%s: OK (%zu feeds from %s)\n", path, cfg->feed_count, cfg->feeds_path);
	app_warn_feed_list(cfg);
	config_free(cfg);
	buf_free(&errors);
	return 0;
}

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{"parse", cmd_parse},
	{"code", cmd_code},
	{"dict", cmd_dict},
	{"export", cmd_export},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	log_init(LOG_LEVEL_INFO);
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; subcommands[i].name; i++)
			if (strcmp(argv[1], subcommands[i].name) == 0)
				return subcommands[i].run(argc - 1, argv + 1);
		fprintf(stderr, "geotrackd: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}

	struct app_options options = {.config_path = DEFAULT_CONFIG};
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			options.config_path = argv[++i];
		} else if (strcmp(argv[i], "--once") == 0) {
			options.once = true;
		} else if (strcmp(argv[i], "-v") == 0) {
			options.verbose = true;
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check = true;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("geotrackd " GEOTRACK_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "geotrackd: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (check)
		return check_config(options.config_path);
	return app_run(&options);
}
