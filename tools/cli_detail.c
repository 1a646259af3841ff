/* SPDX-License-Identifier: GPL-3.0-or-later
 * `attrib import radius-detail`: FreeRADIUS detail files, as rlm_detail
 * writes them, replayed as the accounting events they record, to backfill
 * history from before rlm_attrib was installed.  Attributes are read as
 * rlm_attrib reads them from the packet, so that both give the same events;
 * times come from the epoch fields only (Timestamp, and Event-Timestamp when
 * it is written as an integer), never from the dates rlm_detail prints in
 * the server's local zone, which do not read back unambiguously. */
#include "tools/cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/times.h"


/* One record being read: where it is, and what the NAS fields said. */
struct detail {
	struct cli *c;
	const char *name;
	FILE *f;
	char *buf;
	size_t cap;
	long line;     /* of the line in buf */
	long rec_line; /* where the record starts */
	bool pending;  /* buf holds a line not yet used */
	/* Per record. */
	bool has_status, has_timestamp, skip;
	int64_t timestamp;
	char nas_ip[ATTRIB_ADDR_STRLEN], nas_ipv6[ATTRIB_ADDR_STRLEN], nas_id[ATTRIB_STR_MAX];
	char src_ip[ATTRIB_ADDR_STRLEN];
	uint64_t octets[2], gigawords[2];
	bool has_octets;
};

static int bad(const struct detail *d, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const struct detail *d, long line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%ld: ", d->c->prog, d->name, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* The next line without its end into d->buf.  @return 1, 0 at the end, or
 * a negative errno. */
static int next_line(struct detail *d)
{
	ssize_t n;

	if (d->pending) {
		d->pending = false;
		return 1;
	}
	n = cli_read_line(&d->buf, &d->cap, d->f);
	if (n < 0 && errno == E2BIG)
		return bad(d, d->line + 1, "a line longer than %d bytes: not a detail file",
			   CLI_LINE_MAX);
	if (n < 0 && errno) {
		fprintf(stderr, "%s: %s: %s\n", d->c->prog, d->name, strerror(errno));
		return -errno;
	}
	if (n < 0)
		return 0;
	d->line++;
	while (n > 0 && (d->buf[n - 1] == '\n' || d->buf[n - 1] == '\r'))
		d->buf[--n] = '\0';
	if (strlen(d->buf) != (size_t)n)
		return bad(d, d->line, "a NUL byte: not a detail file");
	return 1;
}

/* A string value as rlm_detail writes it: in double quotes, with \\, \",
 * \n, \r, \t and \NNN (octal) escapes.  @return 0, or -EINVAL. */
static int unquote(const struct detail *d, const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	if (*v++ != '"')
		return bad(d, d->line, "expected a quoted string");
	while (*v && *v != '"') {
		char ch = *v++;

		if (ch == '\\') {
			ch = *v++;
			if (ch == 'n')
				ch = '\n';
			else if (ch == 'r')
				ch = '\r';
			else if (ch == 't')
				ch = '\t';
			else if (ch >= '0' && ch <= '3' && v[0] >= '0' && v[0] <= '7' &&
				 v[1] >= '0' && v[1] <= '7') {
				ch = (char)((ch - '0') << 6 | (v[0] - '0') << 3 | (v[1] - '0'));
				v += 2;
			} else if (ch != '\\' && ch != '"') {
				return bad(d, d->line, "unknown escape \\%c", ch ? ch : '0');
			}
			if (ch == '\0')
				return bad(d, d->line, "a NUL byte in a string");
		}
		if (n + 1 >= outlen)
			return bad(d, d->line, "longer than %zu bytes", outlen - 1);
		out[n++] = ch;
	}
	if (*v != '"' || v[1])
		return bad(d, d->line, "the string does not end in a quote");
	out[n] = '\0';
	return 0;
}

static int parse_uint(const struct detail *d, const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return bad(d, d->line, "\"%s\" is not a whole number", v);
	*out = strtoull(v, &end, 10);
	if (*end || errno || *out > max)
		return bad(d, d->line, "\"%s\" is not a whole number up to %" PRIu64, v, max);
	return 0;
}

static int parse_u32(const struct detail *d, const char *v, uint32_t *out)
{
	uint64_t n;

	if (parse_uint(d, v, UINT32_MAX, &n) < 0)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* An address or a prefix; host bits past the length are cleared, as
 * rlm_attrib clears them. */
static int parse_prefix(const struct detail *d, const char *v, int family, struct attrib_event *ev)
{
	char addr[ATTRIB_ADDR_STRLEN], why[160];
	const char *slash = strchr(v, '/');
	struct attrib_prefix full;
	uint64_t len = family == 4 ? 32 : 128;

	if (strlen(v) >= sizeof(addr))
		return bad(d, d->line, "\"%s\" is not an address", v);
	snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - v) : (int)strlen(v), v);
	if (attrib_addr_parse(addr, &full, why, sizeof(why)) < 0 || full.family != family)
		return bad(d, d->line, "\"%s\" is not an IPv%d address%s", v, family,
			   family == 6 ? " or prefix" : "");
	if (slash && parse_uint(d, slash + 1, family == 4 ? 32 : 128, &len) < 0)
		return -EINVAL;
	if (ev->naddr == ATTRIB_EVENT_ADDRS) {
		fprintf(stderr, "%s: %s:%ld: more than %d addresses in a record: %s is left out\n",
			d->c->prog, d->name, d->line, ATTRIB_EVENT_ADDRS, v);
		return 0;
	}
	attrib_prefix_mask(&full, (unsigned)len, &ev->addr[ev->naddr++]);
	return 0;
}

/* An address as inet_ntop writes it, the form rlm_attrib gives the NAS. */
static int parse_ip_text(const struct detail *d, const char *v, int family, char *out)
{
	unsigned char bin[16];

	if (inet_pton(family == 4 ? AF_INET : AF_INET6, v, bin) != 1)
		return bad(d, d->line, "\"%s\" is not an IPv%d address", v, family);
	inet_ntop(family == 4 ? AF_INET : AF_INET6, bin, out, ATTRIB_ADDR_STRLEN);
	return 0;
}

static int status_type(struct detail *d, const char *v, struct attrib_event *ev)
{
	static const struct {
		const char *name;
		unsigned num;
		enum attrib_event_type type;
	} types[] = {
		{ "Start", 1, ATTRIB_EV_ACCT_START },
		{ "Stop", 2, ATTRIB_EV_ACCT_STOP },
		{ "Interim-Update", 3, ATTRIB_EV_ACCT_INTERIM },
		{ "Alive", 3, ATTRIB_EV_ACCT_INTERIM },
		{ "Accounting-On", 7, ATTRIB_EV_ACCT_ON },
		{ "Accounting-Off", 8, ATTRIB_EV_ACCT_OFF },
	};
	uint32_t num = 0;
	bool numeric = isdigit((unsigned char)*v);

	if (numeric && parse_u32(d, v, &num) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		if (numeric ? num == types[i].num : strcmp(v, types[i].name) == 0) {
			ev->type = types[i].type;
			return 0;
		}
	}
	/* Tunnel-Start, Failed and the like bind no address: as rlm_attrib,
	 * nothing to replay.  A word that is no status type is an error. */
	static const char *const others[] = {
		"Tunnel-Start",     "Tunnel-Stop",        "Tunnel-Reject", "Tunnel-Link-Start",
		"Tunnel-Link-Stop", "Tunnel-Link-Reject", "Failed"
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
		numeric |= strcmp(v, others[i]) == 0;
	if (!numeric)
		return bad(d, d->line, "Acct-Status-Type \"%s\" is no status type", v);
	d->skip = true;
	return 0;
}

static int identity(const struct detail *d, const char *kind, const char *v, char *out)
{
	char text[ATTRIB_STR_MAX];

	if (unquote(d, v, text, sizeof(text)) < 0)
		return -EINVAL;
	if (text[0] && attrib_identity_normalize(kind, text, out, ATTRIB_STR_MAX) < 0)
		return bad(d, d->line, "\"%s\" cannot be used as a %s", text, kind);
	return 0;
}

/* One "Name = value" line of a record into @p ev. */
static int attribute(struct detail *d, const char *name, const char *v, struct attrib_event *ev)
{
	uint32_t u;
	uint64_t n;

	if (strcmp(name, "Acct-Status-Type") == 0) {
		if (d->has_status)
			return bad(d, d->line, "a second Acct-Status-Type");
		d->has_status = true;
		return status_type(d, v, ev);
	}
	if (strcmp(name, "Timestamp") == 0) {
		if (parse_uint(d, v, ATTRIB_TIME_LIMIT_SEC, &n) < 0)
			return -EINVAL;
		d->timestamp = (int64_t)n * ATTRIB_USEC;
		d->has_timestamp = true;
		return 0;
	}
	if (strcmp(name, "Packet-Type") == 0) {
		d->skip |= strcmp(v, "Accounting-Request") != 0;
		return 0;
	}
	/* Event-Timestamp in the server's local time ("Nov 14 2023 22:13:20
	 * CET") is left out: the time is then arrival minus Acct-Delay-Time. */
	if (strcmp(name, "Event-Timestamp") == 0) {
		if (*v == '"' || (ev->has & ATTRIB_HAS_EVENT_TS))
			return 0;
		if (parse_uint(d, v, ATTRIB_TIME_LIMIT_SEC, &n) < 0)
			return -EINVAL;
		ev->event_ts = (int64_t)n * ATTRIB_USEC;
		ev->has |= ATTRIB_HAS_EVENT_TS;
		return 0;
	}
	if (strcmp(name, "Acct-Delay-Time") == 0 && !(ev->has & ATTRIB_HAS_DELAY)) {
		ev->has |= ATTRIB_HAS_DELAY;
		return parse_u32(d, v, &ev->delay);
	}
	if (strcmp(name, "Acct-Session-Time") == 0 && !(ev->has & ATTRIB_HAS_SESSION_TIME)) {
		ev->has |= ATTRIB_HAS_SESSION_TIME;
		return parse_u32(d, v, &ev->session_time);
	}
	for (int i = 0; i < 2; i++) {
		static const char *const oct[] = { "Acct-Input-Octets", "Acct-Output-Octets" };
		static const char *const giga[] = { "Acct-Input-Gigawords",
						    "Acct-Output-Gigawords" };

		if (strcmp(name, oct[i]) == 0 || strcmp(name, giga[i]) == 0) {
			if (parse_u32(d, v, &u) < 0)
				return -EINVAL;
			if (strcmp(name, oct[i]) == 0)
				d->octets[i] = u;
			else
				d->gigawords[i] = u;
			d->has_octets = true;
			return 0;
		}
	}
	if (strcmp(name, "Framed-IP-Address") == 0)
		return parse_prefix(d, v, 4, ev);
	if (strcmp(name, "Framed-IPv6-Address") == 0 || strcmp(name, "Framed-IPv6-Prefix") == 0 ||
	    strcmp(name, "Delegated-IPv6-Prefix") == 0)
		return parse_prefix(d, v, 6, ev);
	if (strcmp(name, "NAS-IP-Address") == 0 && !d->nas_ip[0])
		return parse_ip_text(d, v, 4, d->nas_ip);
	if (strcmp(name, "NAS-IPv6-Address") == 0 && !d->nas_ipv6[0])
		return parse_ip_text(d, v, 6, d->nas_ipv6);
	if ((strcmp(name, "Packet-Src-IP-Address") == 0 ||
	     strcmp(name, "Client-IP-Address") == 0) &&
	    !d->src_ip[0])
		return parse_ip_text(d, v, 4, d->src_ip);
	if (strcmp(name, "Packet-Src-IPv6-Address") == 0 && !d->src_ip[0])
		return parse_ip_text(d, v, 6, d->src_ip);
	if (strcmp(name, "NAS-Identifier") == 0 && !d->nas_id[0])
		return unquote(d, v, d->nas_id, sizeof(d->nas_id));
	if (strcmp(name, "Acct-Session-Id") == 0 && !ev->session_id[0])
		return unquote(d, v, ev->session_id, sizeof(ev->session_id));
	if (strcmp(name, "Acct-Unique-Session-Id") == 0 && !ev->unique_session_id[0])
		return unquote(d, v, ev->unique_session_id, sizeof(ev->unique_session_id));
	if (strcmp(name, "User-Name") == 0 && !ev->id.username[0])
		return identity(d, "username", v, ev->id.username);
	if (strcmp(name, "Calling-Station-Id") == 0 && !ev->id.calling_station_id[0])
		return identity(d, "calling-station-id", v, ev->id.calling_station_id);
	return 0; /* an attribute attrib does not read */
}

/* What the whole record gives, once it is read: as rlm_attrib, the NAS is
 * NAS-IP-Address, else NAS-IPv6-Address, else NAS-Identifier, else the
 * address the packet came from. */
static int finish(struct detail *d, struct attrib_event *ev)
{
	char err[160];

	if (!d->has_timestamp)
		return bad(d, d->rec_line,
			   "the record has no Timestamp (its arrival, epoch seconds)");
	if (!d->has_status)
		return bad(d, d->rec_line, "the record has no Acct-Status-Type");
	ev->arrival = d->timestamp;
	snprintf(ev->nas, sizeof(ev->nas), "%s",
		 d->nas_ip[0]     ? d->nas_ip
		 : d->nas_ipv6[0] ? d->nas_ipv6
		 : d->nas_id[0]   ? d->nas_id
				  : d->src_ip);
	if (d->has_octets) {
		ev->input_octets = d->gigawords[0] << 32 | d->octets[0];
		ev->output_octets = d->gigawords[1] << 32 | d->octets[1];
		ev->has |= ATTRIB_HAS_OCTETS;
	}
	if (attrib_event_validate(ev, err, sizeof(err)) < 0)
		return bad(d, d->rec_line, "not an accounting event: %s", err);
	return 0;
}

/* The next record.  @return 1 (an event in @p ev), 2 (a record with nothing
 * to replay), 0 at the end, -EINVAL (reported) or a negative errno. */
static int next_record(struct detail *d, struct attrib_event *ev)
{
	int rc;

	/* Blank lines between records. */
	while ((rc = next_line(d)) == 1 && d->buf[0] == '\0')
		;
	if (rc <= 0)
		return rc;
	if (isspace((unsigned char)d->buf[0]))
		return bad(d, d->line, "an attribute line where a record's date line should be");
	d->rec_line = d->line;
	memset(ev, 0, sizeof(*ev));
	memset(&d->has_status, 0, sizeof(*d) - offsetof(struct detail, has_status));
	ev->source = ATTRIB_SRC_IMPORT;

	while ((rc = next_line(d)) == 1 && d->buf[0] != '\0') {
		char *p = d->buf, *name, *eq;

		if (!isspace((unsigned char)*p)) {
			d->pending = true; /* the next record's date line: no blank line between */
			break;
		}
		while (isspace((unsigned char)*p))
			p++;
		name = p;
		eq = strstr(p, " = ");
		if (!eq || eq == p)
			return bad(d, d->line, "expected \"Name = value\"");
		*eq = '\0';
		if (strchr(name, ' '))
			return bad(d, d->line, "expected \"Name = value\"");
		if (attribute(d, name, eq + 3, ev) < 0)
			return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (d->skip)
		return 2;
	return finish(d, ev) < 0 ? -EINVAL : 1;
}

int cli_import_detail(struct cli *c, struct attrib_store *st, FILE *f, const char *name,
		      struct cli_import_counts *n)
{
	struct detail d = { .c = c, .name = name, .f = f };
	struct attrib_event ev;
	int rc;

	while ((rc = next_record(&d, &ev)) > 0) {
		if (rc == 2) {
			n->skipped++;
			continue;
		}
		rc = attrib_store_apply(st, &c->policy, &ev);
		if (rc < 0) {
			bad(&d, d.rec_line, "%s: %s",
			    rc == -EINVAL ? "the store refused this record" : strerror(-rc),
			    attrib_store_errmsg(st));
			break;
		}
		n->applied += rc;
		n->repeats += !rc;
		n->rows++;
	}
	free(d.buf);
	if (rc == 0)
		return 0;
	return rc == -EINVAL ? CLI_EXIT_DATA : CLI_EXIT_IO;
}
