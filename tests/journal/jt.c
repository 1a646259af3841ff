/* SPDX-License-Identifier: GPL-3.0-or-later
 * The journal tests' shared helpers; see jt.h. */
#include "jt.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void jt_mkdir(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, len, "%s/attrib-journal-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void jt_rmdir(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int jt_setup(void **state)
{
	struct jt_fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	jt_mkdir(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.1.1.000001.journal", f->dir);
	*state = f;
	return 0;
}

int jt_teardown(void **state)
{
	struct jt_fx *f = *state;

	jt_rmdir(f->dir);
	free(f);
	return 0;
}

void jt_event(struct attrib_event *ev, unsigned n)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ATTRIB_EV_LEASE_COMMIT;
	ev->source = ATTRIB_SRC_DHCP4;
	ev->time = 1796047331000000LL + n; /* 2026-11-30T14:02:11Z */
	ev->valid_lifetime = 3600;
	ev->subnet_id = n;
	ev->has = ATTRIB_HAS_LIFETIME | ATTRIB_HAS_SUBNET;
	ev->naddr = 1;
	ev->addr[0].family = 4;
	ev->addr[0].len = 32;
	ev->addr[0].net[0] = 10;
	ev->addr[0].net[1] = (uint8_t)(n >> 16);
	ev->addr[0].net[2] = (uint8_t)(n >> 8);
	ev->addr[0].net[3] = (uint8_t)n;
	strcpy(ev->server, "kea-dhcp4-a");
	snprintf(ev->id.hwaddr, sizeof(ev->id.hwaddr), "00:00:5e:%02x:%02x:%02x", n >> 16 & 0xff,
		 n >> 8 & 0xff, n & 0xff);
	snprintf(ev->id.client_id, sizeof(ev->id.client_id), "01:00:00:5e:%02x:%02x:%02x",
		 n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t jt_names(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, sfx = strlen(ATTRIB_JOURNAL_SUFFIX);

	assert_non_null(d);
	*names = NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= sfx ||
		    strcmp(e->d_name + len - sfx, ATTRIB_JOURNAL_SUFFIX) != 0)
			continue;
		*names = realloc(*names, (n + 1) * sizeof(**names));
		assert_non_null(*names);
		(*names)[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(*names, n, sizeof(**names), name_cmp);
	return n;
}

void jt_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void count(struct jt_read *out, const struct attrib_journal_record *rec)
{
	switch (rec->kind) {
	case ATTRIB_JOURNAL_REC_EVENT:
		out->events++;
		break;
	case ATTRIB_JOURNAL_REC_HEARTBEAT:
		out->heartbeats++;
		break;
	case ATTRIB_JOURNAL_REC_LOSS:
		out->losses++;
		break;
	case ATTRIB_JOURNAL_REC_SEAL:
		out->seals++;
		break;
	}
}

void jt_read_dir(const char *dir, jt_record_cb cb, void *arg, struct jt_read *out)
{
	struct attrib_journal_record *rec = malloc(sizeof(*rec));
	char **names;

	assert_non_null(rec);
	memset(out, 0, sizeof(*out));
	out->files = jt_names(dir, &names);
	for (size_t i = 0; i < out->files; i++) {
		struct attrib_journal_reader *r;
		char path[4096];
		int st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(attrib_journal_reader_open(path, &r), 0);
		while ((st = attrib_journal_next(r, rec)) == ATTRIB_JOURNAL_OK) {
			count(out, rec);
			out->n++;
			if (cb)
				cb(arg, i, rec);
		}
		out->last_status = st;
		if (st != ATTRIB_JOURNAL_END && st != ATTRIB_JOURNAL_DONE && !out->bad_status)
			out->bad_status = st;
		attrib_journal_reader_close(r);
	}
	jt_names_free(names, out->files);
	free(rec);
}

void jt_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}
