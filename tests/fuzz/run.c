/* SPDX-License-Identifier: GPL-3.0-or-later
 * Runs a fuzz harness without libFuzzer: every file named on the command line,
 * and every file in every directory named there, goes once through
 * LLVMFuzzerTestOneInput().  This is how the corpora and the inputs that once
 * crashed stay tests in every build, whatever the compiler.  A harness that
 * fails aborts, so the run ends on the input that broke it. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read the whole of @p path into a new buffer.  @return 0 or a negative errno. */
static int slurp(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int rc = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (n == cap) {
			uint8_t *b = realloc(buf, cap ? cap * 2 : 4096);

			if (!b) {
				rc = -ENOMEM;
				goto out;
			}
			buf = b;
			cap = cap ? cap * 2 : 4096;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f))
		rc = -EIO;
out:
	fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int run_file(const char *path)
{
	uint8_t *buf = NULL, *copy;
	size_t len = 0;
	int rc = slurp(path, &buf, &len);

	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		return rc;
	}
	/* An exactly sized copy, so that AddressSanitizer sees a read past the
	 * input as the fuzzer would. */
	copy = malloc(len ? len : 1);
	if (!copy) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	free(buf);
	fprintf(stderr, "%s\n", path);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

/* Every regular file in @p dir, in name order (so a run is repeatable).
 * @return how many, or a negative errno. */
static int run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	int count = 0, rc = 0;

	if (n < 0) {
		rc = -errno;
		fprintf(stderr, "%s: %s\n", dir, strerror(-rc));
		return rc;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == 0 && names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			rc = run_file(path);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : count;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		rc = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		if (rc < 0)
			return 1;
		total += S_ISDIR(st.st_mode) ? rc : 1;
	}
	if (total == 0) {
		fprintf(stderr, "no inputs\n");
		return 1;
	}
	printf("%d inputs\n", total);
	return 0;
}
