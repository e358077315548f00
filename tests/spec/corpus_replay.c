/* corpus_replay.c — runs the fuzzer's entry point over every file of a
 * corpus directory without libFuzzer (the fuzz target aborts on a broken
 * property, which fails this test). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	unsigned files = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096], buf[4096];
		size_t n;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
		files++;
	}
	closedir(d);
	printf("%u corpus inputs replayed\n", files);
	return files ? 0 : 1; /* an empty corpus would prove nothing */
}
