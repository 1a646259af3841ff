/* SPDX-License-Identifier: GPL-3.0-or-later
 * How the attrib command asks its questions: as control-channel commands,
 * sent to attribd's socket, or with --db run in this process on the store
 * file by the same code attribd runs (attrib/command.c), audit row
 * included.  Either way the answer is the same JSON, so each subcommand
 * renders it once. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "attrib/command.h"

#define ANSWER_MAX (1024 * 1024 * 1024) /* bytes: far above any real answer */
#define TIMEOUT_S  600                  /* a large batch or export may take minutes */

/* The command on the store file.  Whoever can open the file for writing
 * can read it all, so the caller holds every role; the audit row names its
 * uid and says it came from the command line. */
static int call_local(struct cli *c, const char *line, json_t **response)
{
	struct attrib_peer me = { (int64_t)getuid(), (int64_t)getgid(), (int64_t)getpid() };
	struct attrib_cmd_ctx ctx = { .pol = &c->policy, .max_lookups = CLI_MAX_LOOKUPS };
	int rc;

	if (!c->store && (rc = cli_open_store(c, 0, &c->store)))
		return rc;
	ctx.st = c->store;
	if (attrib_audit_open(c->store, &ctx.audit) < 0) {
		fprintf(stderr, "attrib: %s: cannot prepare the audit log: %s\n", c->db,
			attrib_store_errmsg(c->store));
		return CLI_EXIT_IO;
	}
	*response = attrib_command_serve(&ctx, &me, ATTRIB_ROLE_ALL, line, strlen(line));
	rc = attrib_command_flush(&ctx);
	attrib_audit_close(ctx.audit);
	if (!*response) {
		fprintf(stderr, "attrib: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	if (rc < 0) {
		json_decref(*response);
		*response = NULL;
		fprintf(stderr,
			"attrib: %s: the audit log could not be written (%s): no answer "
			"without it\n",
			c->db, attrib_store_errmsg(c->store));
		return CLI_EXIT_IO;
	}
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one answer line into a growing buffer.  @return its length, or -1
 * with errno set (ECONNRESET when the daemon closed without a newline). */
static ssize_t read_line(int fd, char **out)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		char *nl;
		ssize_t n;

		if (cap - len < 65536) {
			char *p = cap + 65536 > ANSWER_MAX ? NULL : realloc(buf, cap + 65536);

			if (!p) {
				free(buf);
				errno = cap ? EFBIG : ENOMEM;
				return -1;
			}
			buf = p;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			*nl = '\0';
			*out = buf;
			return nl - buf;
		}
	}
}

static int call_socket(struct cli *c, const char *line, json_t **response)
{
	const char *path = cli_socket_path(c);
	json_error_t jerr;
	char *answer;
	ssize_t len;
	int fd = connect_to(path);

	if (fd < 0) {
		fprintf(stderr, "attrib: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED
				? " (is attribd running? --db PATH works on a store file)"
			: errno == EACCES ? " (ask for a group that may use attribd's socket)"
					  : "");
		return errno == ENOENT ? CLI_EXIT_NOINPUT : CLI_EXIT_IO;
	}
	if (write_all(fd, line, strlen(line)) < 0 || write_all(fd, "\n", 1) < 0 ||
	    (len = read_line(fd, &answer)) < 0) {
		fprintf(stderr, "attrib: %s: %s\n", path,
			errno == EAGAIN ? "no answer in time" : strerror(errno));
		close(fd);
		return CLI_EXIT_IO;
	}
	close(fd);
	*response = json_loadb(answer, (size_t)len, 0, &jerr);
	free(answer);
	if (!json_is_object(*response)) {
		fprintf(stderr, "attrib: %s: the answer is not a JSON object: %s\n", path,
			jerr.text);
		json_decref(*response);
		*response = NULL;
		return CLI_EXIT_SOFTWARE;
	}
	return 0;
}

const char *cli_socket_path(const struct cli *c)
{
	const char *env = getenv("ATTRIB_SOCKET");

	return c->socket ? c->socket : env && *env ? env : CLI_SOCKET_DEFAULT;
}

int cli_call(struct cli *c, const char *command, json_t *args, json_t **response)
{
	json_t *req = json_pack("{s:s}", "command", command);
	char *line;
	int rc;

	*response = NULL;
	if (req && args)
		json_object_set(req, "arguments", args);
	line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!line) {
		fprintf(stderr, "attrib: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	rc = c->db && *c->db && !c->socket ? call_local(c, line, response)
					   : call_socket(c, line, response);
	free(line);
	return rc;
}

int cli_result(const json_t *response, json_t **args)
{
	int res = (int)json_integer_value(json_object_get(response, "result"));
	const char *text = json_string_value(json_object_get(response, "text"));
	const char *kind;

	*args = json_object_get(response, "arguments");
	if (res == ATTRIB_RESULT_SUCCESS || res == ATTRIB_RESULT_EMPTY)
		return 0;
	fprintf(stderr, "attrib: %s\n", text ? text : "the answer carries no text");
	if (res == ATTRIB_RESULT_UNSUPPORTED)
		return CLI_EXIT_SOFTWARE; /* this attrib is newer than the daemon */
	kind = json_string_value(json_object_get(*args, "error"));
	*args = NULL;
	if (kind && strcmp(kind, ATTRIB_ERROR_PERMISSION) == 0)
		return CLI_EXIT_NOPERM;
	if (kind && strcmp(kind, ATTRIB_ERROR_STORE) == 0)
		return CLI_EXIT_IO;
	return CLI_EXIT_DATA;
}
