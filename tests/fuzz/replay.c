/*
 * Replay driver: runs a libFuzzer target over files and directories of inputs, so the
 * gcc build (and the sanitizer build) exercises every fuzz target on its corpus as a
 * plain test. Prints TAP: one line per directory or file argument.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t *data = malloc(REPLAY_MAX_INPUT);
	if (!data)
		abort();
	size_t size = fread(data, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* an exact-size copy, so sanitizers see reads past the end of the input */
	uint8_t *exact = malloc(size ? size : 1);
	if (!exact)
		abort();
	memcpy(exact, data, size);
	free(data);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			printf("ok %d - %s # SKIP absent\n", ++count, argv[i]);
			continue;
		}
		size_t files = 0;
		if (S_ISDIR(st.st_mode)) {
			DIR *dir = opendir(argv[i]);
			struct dirent *entry;
			while (dir && (entry = readdir(dir)) != NULL) {
				if (entry->d_name[0] == '.')
					continue;
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", argv[i], entry->d_name);
				if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) == 0)
					files++;
			}
			if (dir)
				closedir(dir);
		} else if (replay_file(argv[i]) == 0) {
			files++;
		}
		printf("ok %d - %s: %zu inputs replayed\n", ++count, argv[i], files);
		fflush(stdout);
	}
	printf("1..%d\n", count);
	return 0;
}
