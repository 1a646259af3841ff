/* SPDX-License-Identifier: GPL-3.0-or-later
 * Lines of input files, read with a bound: see cli_read_line() in cli.h.
 * Apart from the rest of the command so that the fuzz harness of the
 * detail reader links it alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

ssize_t cli_read_line(char **buf, size_t *cap, FILE *f)
{
	size_t n = 0;
	int ch;

	errno = 0;
	while ((ch = getc_unlocked(f)) != EOF) {
		if (n + 2 > *cap) {
			size_t ncap = *cap ? 2 * *cap : 256;
			char *p = realloc(*buf, ncap);

			if (!p)
				return errno = ENOMEM, -1;
			*buf = p;
			*cap = ncap;
		}
		(*buf)[n++] = (char)ch;
		if (ch == '\n')
			break;
		/* The limit is the text's: a '\r' before the '\n' is the end. */
		if (n > CLI_LINE_MAX + (ch == '\r'))
			return errno = E2BIG, -1;
	}
	if (n == 0)
		return errno = ferror(f) ? (errno ? errno : EIO) : 0, -1;
	(*buf)[n] = '\0';
	return (ssize_t)n;
}
