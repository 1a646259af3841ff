/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading attribd's JSON configuration.  Every object is checked against the
 * keys it may have, so that a misspelt key fails the load with its path
 * rather than silently keeping a default; names of users and groups are
 * resolved here, once, so that a request never waits on NSS. */
#include "attrib/daemon/config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define PATH_MAX_TEXT 160

/* The state of one load: where errors go. */
struct loader {
	char *err;
	size_t errlen;
};

static int fail(struct loader *l, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "%s: ", path);

	if (n < 0 || (size_t)n >= l->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Paths name config keys we wrote: a cut one still points the way. */
static void join(char *buf, const char *path, const char *key)
{
	if (snprintf(buf, PATH_MAX_TEXT, "%s.%s", path, key) < 0)
		buf[0] = '\0';
}

/* Refuse any key of @p obj not in @p keys (NULL-terminated). */
static int only_keys(struct loader *l, const char *path, json_t *obj, const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool known = false;

		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(keys[i], key) == 0;
		if (!known) {
			char p[PATH_MAX_TEXT];

			join(p, path, key);
			return fail(l, p, "unknown key");
		}
	}
	return 0;
}

static int get_string(struct loader *l, const char *path, json_t *obj, const char *key,
		      bool required, char **out)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_MAX_TEXT];

	join(p, path, key);
	if (!v)
		return required ? fail(l, path, "\"%s\" is required", key) : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(l, p, "expected a non-empty string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(l, p, "a NUL byte in a string");
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int get_uint(struct loader *l, const char *path, json_t *obj, const char *key,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_MAX_TEXT];

	if (!v)
		return 0;
	join(p, path, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min || (uint64_t)json_integer_value(v) > max)
		return fail(l, p, "expected a whole number from %llu to %llu",
			    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A user as a name or a uid; a group as a name or a gid. */
static int resolve_id(struct loader *l, const char *path, json_t *v, bool group, unsigned *out)
{
	const char *name;
	char *end;
	unsigned long n;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 0x7fffffff)
			return fail(l, path, "an id from 0 to 2147483647");
		*out = (unsigned)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(l, path, "expected a %s name or a number", group ? "group" : "user");
	name = json_string_value(v);
	if (group) {
		struct group *g = getgrnam(name);

		if (g) {
			*out = g->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(name);

		if (pw) {
			*out = pw->pw_uid;
			return 0;
		}
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (!errno && *end == '\0' && n <= 0x7fffffff && name[0] >= '0' && name[0] <= '9') {
		*out = (unsigned)n;
		return 0;
	}
	return fail(l, path, "no %s \"%s\" on this system", group ? "group" : "user", name);
}

static int add_grant(struct config *cfg, bool is_group, unsigned id, unsigned role)
{
	struct config_grant *g;

	for (size_t i = 0; i < cfg->n_grants; i++)
		if (cfg->grants[i].is_group == is_group && cfg->grants[i].id == id) {
			cfg->grants[i].roles |= role;
			return 0;
		}
	g = realloc(cfg->grants, (cfg->n_grants + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	cfg->grants = g;
	g[cfg->n_grants++] = (struct config_grant){ is_group, id, role };
	return 0;
}

/* One entry of "roles": {"role": NAME, "users": [...], "groups": [...]}. */
static int load_role(struct loader *l, const char *path, json_t *o, struct config *cfg)
{
	static const char *const keys[] = { "role", "users", "groups", NULL };
	static const char *const lists[] = { "users", "groups" };
	unsigned role = 0;
	json_t *name;
	int rc;

	if (!json_is_object(o))
		return fail(l, path, "expected an object");
	if ((rc = only_keys(l, path, o, keys)))
		return rc;
	name = json_object_get(o, "role");
	role = attrib_role_from(json_string_value(name));
	if (!role)
		return fail(l, path, "\"role\" must be one of support, abuse, legal, admin");
	for (int k = 0; k < 2; k++) {
		json_t *arr = json_object_get(o, lists[k]), *v;
		char p[PATH_MAX_TEXT];
		size_t i;

		if (!arr)
			continue;
		join(p, path, lists[k]);
		if (!json_is_array(arr))
			return fail(l, p, "expected a list");
		json_array_foreach(arr, i, v) {
			char pi[PATH_MAX_TEXT];
			unsigned id;

			if (snprintf(pi, sizeof(pi), "%s[%zu]", p, i) < 0)
				pi[0] = '\0';
			if ((rc = resolve_id(l, pi, v, k == 1, &id)) ||
			    (rc = add_grant(cfg, k == 1, id, role)))
				return rc;
		}
	}
	return 0;
}

static int load_socket(struct loader *l, const char *path, json_t *o, struct config *cfg)
{
	static const char *const keys[] = { "socket-type", "socket-name", "mode", "group", NULL };
	char *type = NULL, *mode = NULL, *end, p[PATH_MAX_TEXT];
	json_t *group;
	unsigned long m;
	unsigned gid;
	int rc;

	if (!json_is_object(o))
		return fail(l, path, "expected an object");
	if ((rc = only_keys(l, path, o, keys)) ||
	    (rc = get_string(l, path, o, "socket-type", false, &type)) ||
	    (rc = get_string(l, path, o, "socket-name", true, &cfg->socket_name)) ||
	    (rc = get_string(l, path, o, "mode", false, &mode)))
		goto out;
	if (type && strcmp(type, "unix") != 0) {
		join(p, path, "socket-type");
		rc = fail(l, p, "only \"unix\" is supported");
		goto out;
	}
	if (mode) {
		errno = 0;
		m = strtoul(mode, &end, 8);
		if (errno || *end || m > 0777 || mode[0] < '0' || mode[0] > '7') {
			join(p, path, "mode");
			rc = fail(l, p, "expected octal permissions such as \"0660\"");
			goto out;
		}
		cfg->socket_mode = (unsigned)m;
	}
	group = json_object_get(o, "group");
	if (group) {
		join(p, path, "group");
		if ((rc = resolve_id(l, p, group, true, &gid)))
			goto out;
		cfg->socket_group = gid;
	}
out:
	free(type);
	free(mode);
	return rc;
}

static int load_limits(struct loader *l, const char *path, json_t *o, struct config_limits *lim)
{
	static const char *const keys[] = { "max-connections", "max-request-bytes",
					    "max-queued-bytes", "idle-timeout", "max-lookups",
					    "batch-events", NULL };
	uint64_t conns = lim->max_connections, req = lim->max_request_bytes,
		 queued = lim->max_queued_bytes, idle = lim->idle_timeout,
		 lookups = lim->max_lookups, batch = lim->batch_events;
	int rc;

	if (!json_is_object(o))
		return fail(l, path, "expected an object");
	if ((rc = only_keys(l, path, o, keys)) ||
	    (rc = get_uint(l, path, o, "max-connections", 1, 100000, &conns)) ||
	    (rc = get_uint(l, path, o, "max-request-bytes", 1024, 64 << 20, &req)) ||
	    (rc = get_uint(l, path, o, "max-queued-bytes", 65536, 1 << 30, &queued)) ||
	    (rc = get_uint(l, path, o, "idle-timeout", 1, 86400, &idle)) ||
	    (rc = get_uint(l, path, o, "max-lookups", 1, 100000, &lookups)) ||
	    (rc = get_uint(l, path, o, "batch-events", 1, 1000000, &batch)))
		return rc;
	*lim = (struct config_limits){ (unsigned)conns, req, queued, (unsigned)idle,
				       (unsigned)lookups, (unsigned)batch };
	return 0;
}

static int load_attribd(struct loader *l, json_t *o, struct config *cfg)
{
	static const char *const keys[] = { "database", "journal-dir", "archive-dir",
					    "control-socket", "stale-after", "clock-skew",
					    "retention-days", "roles", "limits", NULL };
	const char *path = "attribd";
	uint64_t stale = (uint64_t)(cfg->policy.stale_after / 1000000),
		 skew = (uint64_t)(cfg->policy.clock_skew / 1000000), days = 0;
	json_t *v;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return fail(l, path, "expected an object");
	if ((rc = only_keys(l, path, o, keys)) ||
	    (rc = get_string(l, path, o, "database", true, &cfg->database)) ||
	    (rc = get_string(l, path, o, "journal-dir", true, &cfg->journal_dir)) ||
	    (rc = get_string(l, path, o, "archive-dir", false, &cfg->archive_dir)) ||
	    (rc = get_uint(l, path, o, "stale-after", 1, 315360000, &stale)) ||
	    (rc = get_uint(l, path, o, "clock-skew", 0, 315360000, &skew)) ||
	    (rc = get_uint(l, path, o, "retention-days", 0, 36500, &days)))
		return rc;
	cfg->policy.stale_after = (int64_t)stale * 1000000;
	cfg->policy.clock_skew = (int64_t)skew * 1000000;
	cfg->retention_days = (unsigned)days;
	v = json_object_get(o, "control-socket");
	if (!v)
		return fail(l, path, "\"control-socket\" is required");
	if ((rc = load_socket(l, "attribd.control-socket", v, cfg)))
		return rc;
	v = json_object_get(o, "limits");
	if (v && (rc = load_limits(l, "attribd.limits", v, &cfg->limits)))
		return rc;
	v = json_object_get(o, "roles");
	if (v && !json_is_array(v))
		return fail(l, "attribd.roles", "expected a list");
	for (i = 0; v && i < json_array_size(v); i++) {
		char p[PATH_MAX_TEXT];

		snprintf(p, sizeof(p), "attribd.roles[%zu]", i);
		if ((rc = load_role(l, p, json_array_get(v, i), cfg)))
			return rc;
	}
	return 0;
}

/* Kea's configuration files may carry comments (#, // and C's), and so may
 * ours: they are blanked out before jansson reads the text, newlines kept,
 * so that jansson's line and column still point into the file.  Outside
 * strings only: "http://..." stays as it is. */
static void blank_comments(char *p, size_t n)
{
	bool in_string = false;

	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (p[i] == '\\' && i + 1 < n)
				i++;
			else if (p[i] == '"')
				in_string = false;
		} else if (p[i] == '"') {
			in_string = true;
		} else if (p[i] == '#' || (p[i] == '/' && i + 1 < n && p[i + 1] == '/')) {
			while (i < n && p[i] != '\n')
				p[i++] = ' ';
		} else if (p[i] == '/' && i + 1 < n && p[i + 1] == '*') {
			p[i++] = ' ';
			p[i] = ' ';
			while (++i < n && !(p[i] == '*' && i + 1 < n && p[i + 1] == '/'))
				if (p[i] != '\n')
					p[i] = ' ';
			for (size_t k = 0; k < 2 && i < n; k++)
				p[i++] = ' ';
			i--;
		}
	}
}

/* The file as JSON, comments blanked.  NULL with @p jerr set on failure. */
static json_t *load_json(const char *path, json_error_t *jerr, int *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	json_t *root = NULL;

	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *b = cap < (16 << 20) ? realloc(buf, cap ? cap * 2 : 8192) : NULL;

			if (!b) {
				*err = cap ? EFBIG : ENOMEM;
				goto out;
			}
			buf = b;
			cap = cap ? cap * 2 : 8192;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f)) {
		*err = EIO;
		goto out;
	}
	blank_comments(buf, n);
	root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, jerr);
out:
	free(buf);
	fclose(f);
	return root;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	static const char *const keys[] = { "attribd", NULL };
	struct loader l = { err, errlen };
	struct config *cfg = calloc(1, sizeof(*cfg));
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if (!cfg)
		return -ENOMEM;
	cfg->socket_mode = 0660;
	cfg->socket_group = -1;
	cfg->policy = attrib_policy_default();
	cfg->limits = (struct config_limits){ 256, 65536, 1 << 20, 60, 1000, 5000 };
	cfg->file = strdup(path);
	if (!cfg->file) {
		rc = -ENOMEM;
		goto fail;
	}
	root = load_json(path, &jerr, &rc);
	if (!root && rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(rc));
		rc = rc == ENOMEM ? -ENOMEM : rc == ENOENT ? -ENOENT : -rc;
		goto fail;
	}
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		rc = -EINVAL;
		goto fail;
	}
	if (!json_is_object(root)) {
		rc = fail(&l, path, "expected an object {\"attribd\": {...}}");
		goto fail;
	}
	if ((rc = only_keys(&l, "(top level)", root, keys)))
		goto fail;
	if (!json_object_get(root, "attribd")) {
		rc = fail(&l, path, "no \"attribd\" object");
		goto fail;
	}
	rc = load_attribd(&l, json_object_get(root, "attribd"), cfg);
	if (rc < 0)
		goto fail;
	json_decref(root);
	*out = cfg;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	json_decref(root);
	config_free(cfg);
	return rc;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->database);
	free(cfg->journal_dir);
	free(cfg->archive_dir);
	free(cfg->socket_name);
	free(cfg->grants);
	free(cfg);
}

unsigned config_roles(const struct config *cfg, uid_t uid, gid_t gid, const gid_t *gids,
		      size_t n)
{
	unsigned roles = 0;

	for (size_t i = 0; i < cfg->n_grants; i++) {
		const struct config_grant *g = &cfg->grants[i];
		bool hit = !g->is_group ? g->id == uid : g->id == gid;

		for (size_t j = 0; g->is_group && !hit && j < n; j++)
			hit = g->id == gids[j];
		if (hit)
			roles |= g->roles;
	}
	return roles;
}
