/*
 * geotrackd: command line entry point. Parses the command and hands over to the module
 * that does the work; nothing here outlives main().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/geotrack/geotrackd.conf"

static void usage(FILE *out)
{
	fputs("usage: geotrackd [-v] [-c FILE] [--once]     run the daemon (or one poll cycle)\n"
	      "       geotrackd --check-config [-c FILE]    validate the config and feed list\n"
	      "       geotrackd parse FILE...              print what the feed parser reads\n"
	      "       geotrackd --version\n",
		out);
}

static int check_config(const char *path)
{
	struct buf errors = {0};
	struct config *cfg = NULL;
	int r = config_load(path, &cfg, &errors);
	if (r < 0) {
		fputs(errors.data ? errors.data : "invalid configuration\n", stderr);
		buf_free(&errors);
		return 1;
	}
	printf("%s: OK (%zu feeds)\n", path, cfg->feed_count);
	config_free(cfg);
	buf_free(&errors);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	int check = 0;
	log_init(LOG_LEVEL_INFO);
	if (argc > 1 && strcmp(argv[1], "parse") == 0)
		return cmd_parse(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config_path = argv[++i];
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check = 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("geotrackd " GEOTRACK_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (check)
		return check_config(config_path);
	usage(stderr);
	return 2;
}
