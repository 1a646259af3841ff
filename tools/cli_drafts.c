/* SPDX-License-Identifier: GPL-3.0-or-later
 * attrib report --drafts: mail drafts the abuse desk reviews and sends.  Per
 * matched account a notice with the facts (time, address, port, kind of
 * report) and the report attached, and one acknowledgement to the reporter.
 * The acknowledgement's template is filled from the report alone: it is
 * never given the account or anything the store said, so no template can
 * make it disclose the customer.  Messages are built and written by GMime. */
#include "tools/cli_report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "attrib/times.h"

#define TEMPLATE_MAX (64 * 1024)

static const char notice_builtin[] =
	"Subject: Abuse report concerning your connection ({{type}})\n"
	"\n"
	"Hello,\n"
	"\n"
	"we have received a report ({{kind}}{{report_id}}) about traffic that came from\n"
	"your connection.  {{attachment}}\n"
	"\n"
	"What the report says, with our times in UTC:\n"
	"\n"
	"{{facts}}\n"
	"\n"
	"Please check the computers and devices on your network: such reports are often\n"
	"caused by malware or by a device open to the Internet.  If you need help, reply\n"
	"to this message and keep its subject.\n"
	"\n"
	"Your account: {{account}}\n";

static const char ack_builtin[] =
	"To: {{reporter}}\n"
	"Subject: Re: {{subject}}\n"
	"\n"
	"Hello,\n"
	"\n"
	"thank you for your report ({{kind}}{{report_id}}).  We have passed it on to the\n"
	"customer responsible for the connection.\n";

/* The names a template may use, and their values. */
struct vars {
	const char *const *names;
	const char **values;
	size_t n;
};

static const char *const notice_names[] = { "account", "kind",  "type", "report_id", "subject",
					    "events",  "first", "last", "facts",     "attachment" };
static const char *const ack_names[] = { "kind", "type", "report_id", "subject", "reporter" };

#define N_NOTICE (sizeof(notice_names) / sizeof(*notice_names))
#define N_ACK    (sizeof(ack_names) / sizeof(*ack_names))

/* Fill @p tpl's {{name}}s; an unknown name is an error, naming it. */
static GString *fill(const char *tpl, const struct vars *v, const char *what)
{
	GString *out = g_string_new(NULL);
	const char *p = tpl, *open;

	while ((open = strstr(p, "{{"))) {
		const char *close = strstr(open + 2, "}}");
		size_t len, i;

		g_string_append_len(out, p, open - p);
		if (!close) {
			fprintf(stderr, "attrib: template %s: \"{{\" without \"}}\"\n", what);
			g_string_free(out, TRUE);
			return NULL;
		}
		len = (size_t)(close - open - 2);
		for (i = 0; i < v->n; i++)
			if (strlen(v->names[i]) == len && strncmp(open + 2, v->names[i], len) == 0)
				break;
		if (i == v->n) {
			fprintf(stderr,
				"attrib: template %s: unknown name {{%.*s}} (it may use: ", what,
				(int)(len > 40 ? 40 : len), open + 2);
			for (size_t j = 0; j < v->n; j++)
				fprintf(stderr, "%s%s", j ? ", " : "", v->names[j]);
			fprintf(stderr, ")\n");
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append(out, v->values ? v->values[i] : "");
		p = close + 2;
	}
	g_string_append(out, p);
	return out;
}

/* The template text: DIR/NAME when given and present, else the built-in. */
static char *load(const char *dir, const char *name, const char *builtin, char *what,
		  size_t whatlen)
{
	char path[4096];
	gchar *text = NULL;
	gsize len = 0;
	GError *e = NULL;

	snprintf(what, whatlen, "%s (built-in)", name);
	if (!dir)
		return g_strdup(builtin);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, F_OK) != 0)
		return g_strdup(builtin);
	snprintf(what, whatlen, "%s", path);
	if (!g_file_get_contents(path, &text, &len, &e)) {
		fprintf(stderr, "attrib: template %s: %s\n", path, e->message);
		g_error_free(e);
		return NULL;
	}
	if (len > TEMPLATE_MAX || strlen(text) != len) {
		fprintf(stderr, "attrib: template %s: larger than %d bytes or not text\n", path,
			TEMPLATE_MAX);
		g_free(text);
		return NULL;
	}
	return text;
}

int report_drafts_check(const char *templates)
{
	const char *const files[] = { "notice.txt", "ack.txt" };
	const char *const builtins[] = { notice_builtin, ack_builtin };
	const struct vars vars[] = { { notice_names, NULL, N_NOTICE }, { ack_names, NULL, N_ACK } };

	for (int i = 0; i < 2; i++) {
		char what[4200];
		char *t = load(templates, files[i], builtins[i], what, sizeof(what));
		GString *s = t ? fill(t, &vars[i], what) : NULL;

		g_free(t);
		if (!s)
			return -EINVAL;
		g_string_free(s, TRUE);
	}
	return 0;
}

/* Headers "Name: value" up to the first blank line go on the message (a
 * Subject encoded as it needs); the rest is the text. */
static GMimeMessage *compose(const char *filled, GMimeObject *attachment)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeTextPart *body = g_mime_text_part_new_with_subtype("plain");
	const char *p = filled;
	GDateTime *now = g_date_time_new_now_utc();

	while (*p && *p != '\n') {
		const char *eol = strchr(p, '\n'), *colon;
		gchar *name, *value;

		if (!eol)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			name = g_strstrip(g_strndup(p, (gsize)(colon - p)));
			value = g_strstrip(g_strndup(colon + 1, (gsize)(eol - colon - 1)));
			if (*value && !g_ascii_strcasecmp(name, "Subject"))
				g_mime_message_set_subject(m, value, "utf-8");
			else if (*value && *name)
				g_mime_object_set_header(GMIME_OBJECT(m), name, value, "utf-8");
			g_free(name);
			g_free(value);
		}
		p = *eol ? eol + 1 : eol;
	}
	if (*p == '\n')
		p++;
	g_mime_message_set_date(m, now);
	g_date_time_unref(now);
	g_mime_text_part_set_text(body, p);
	g_mime_text_part_set_charset(body, "utf-8");
	if (attachment) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");

		g_mime_multipart_add(mixed, GMIME_OBJECT(body));
		g_mime_multipart_add(mixed, attachment);
		g_mime_message_set_mime_part(m, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	} else {
		g_mime_message_set_mime_part(m, GMIME_OBJECT(body));
	}
	g_object_unref(body);
	return m;
}

/* Write @p m to @p path by way of a temporary name, so that a draft is
 * there whole or not at all. */
static int write_message(GMimeMessage *m, const char *path)
{
	char tmp[4200];
	GMimeStream *s;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "attrib: %s: %s\n", tmp, strerror(errno));
		return -errno;
	}
	s = g_mime_stream_fs_new(fd);
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, s) < 0 ||
	    g_mime_stream_flush(s) < 0)
		rc = -EIO;
	g_object_unref(s); /* closes fd */
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		fprintf(stderr, "attrib: %s: cannot be written: %s\n", path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

/* The report itself as an attachment: a mail as message/rfc822, other
 * files as what they are, under their name. */
static GMimeObject *attachment(const struct report_done *r)
{
	GError *e = NULL;
	GMimeStream *s = g_mime_stream_fs_open(r->path, O_RDONLY, 0, &e);
	GMimeObject *o;

	if (!s) {
		fprintf(stderr, "attrib: %s: %s\n", r->path, e->message);
		g_error_free(e);
		return NULL;
	}
	if (r->info->mail) {
		GMimeParser *p = g_mime_parser_new_with_stream(s);
		GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);

		g_object_unref(p);
		g_object_unref(s);
		if (!msg)
			return NULL;
		o = GMIME_OBJECT(g_mime_message_part_new_with_message("rfc822", msg));
		g_object_unref(msg);
	} else {
		static const char *const types[REPORT__KINDS][2] = {
			[REPORT_XARF_JSON] = { "application", "json" },
			[REPORT_INTELMQ] = { "application", "json" },
			[REPORT_ACNS] = { "application", "xml" },
			[REPORT_SHADOWSERVER] = { "text", "csv" },
		};
		const char *const *t = types[r->info->kind];
		GMimePart *part =
			g_mime_part_new_with_type(t[0] ? t[0] : "text", t[1] ? t[1] : "plain");
		GMimeDataWrapper *w =
			g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
		gchar *base = g_path_get_basename(strcmp(r->file, "-") ? r->file : "report.txt");

		g_mime_part_set_content(part, w);
		g_mime_part_set_filename(part, base);
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
		g_free(base);
		g_object_unref(w);
		g_object_unref(s);
		o = GMIME_OBJECT(part);
	}
	return o;
}

/* An account name as a file name: unsafe bytes become '_'. */
static gchar *file_safe(const char *s)
{
	gchar *out = g_strdup(s);

	for (gchar *p = out; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			*p = '_';
	if (out[0] == '.')
		out[0] = '_';
	return out;
}

static GString *facts(const struct report_account *a, const struct report_info *info)
{
	GString *s = g_string_new(NULL);
	char abuf[ATTRIB_ADDR_STRLEN], tbuf[ATTRIB_TIME_STRLEN];

	for (size_t i = 0; i < a->n_facts; i++) {
		const struct report_fact *f = &a->facts[i];

		g_string_append_printf(s, "%s  %s  %s", i ? "\n" : "",
				       attrib_time_format(f->time, tbuf),
				       attrib_prefix_format(&f->addr, abuf));
		if (f->port >= 0)
			g_string_append_printf(s, " port %d", f->port);
		if (info->service_port >= 0)
			g_string_append_printf(s, " (to service port %d)", info->service_port);
	}
	if (a->events > a->n_facts)
		g_string_append_printf(s, "\n  ... and %llu more",
				       (unsigned long long)(a->events - a->n_facts));
	return s;
}

static int notice(const struct report_done *r, const struct report_account *a, const char *dir,
		  const char *tpl, const char *what)
{
	const struct report_info *i = r->info;
	char first[ATTRIB_TIME_STRLEN], last[ATTRIB_TIME_STRLEN], events[24], rid[160];
	char path[4200];
	GString *f = facts(a, i), *text;
	bool attach = r->n_accounts == 1;
	const char *values[N_NOTICE];
	GMimeObject *att = NULL;
	GMimeMessage *m;
	gchar *safe;
	int rc;

	snprintf(events, sizeof(events), "%llu", (unsigned long long)a->events);
	snprintf(rid, sizeof(rid), "%s%s", i->report_id[0] ? ", id " : "", i->report_id);
	values[0] = a->account;
	values[1] = report_kind_name(i->kind);
	values[2] = i->type[0] ? i->type : report_kind_name(i->kind);
	values[3] = rid;
	values[4] = i->subject;
	values[5] = events;
	values[6] = attrib_time_format(a->first, first);
	values[7] = attrib_time_format(a->last, last);
	values[8] = f->str;
	/* A report about several customers is not forwarded whole: each is
	 * told only the facts about their own connection. */
	values[9] = attach ? "The report is attached."
			   : "The report also concerns others, so only the part about your "
			     "connection is given here.";
	text = fill(tpl, &(struct vars){ notice_names, values, N_NOTICE }, what);
	g_string_free(f, TRUE);
	if (!text)
		return -EINVAL;
	if (attach && !(att = attachment(r))) {
		g_string_free(text, TRUE);
		return -EIO;
	}
	m = compose(text->str, att);
	g_string_free(text, TRUE);
	if (att)
		g_object_unref(att);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Attrib-Account", a->account, NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Attrib-Report", r->digest, NULL);
	safe = file_safe(a->account);
	snprintf(path, sizeof(path), "%s/%.16s-notice-%s.eml", dir, r->digest, safe);
	g_free(safe);
	rc = write_message(m, path);
	g_object_unref(m);
	return rc;
}

static int ack(const struct report_done *r, const char *dir, const char *tpl, const char *what)
{
	const struct report_info *i = r->info;
	char rid[160], path[4200];
	const char *values[N_ACK];
	GMimeMessage *m;
	GString *text;
	int rc;

	snprintf(rid, sizeof(rid), "%s%s", i->report_id[0] ? ", id " : "", i->report_id);
	values[0] = report_kind_name(i->kind);
	values[1] = i->type[0] ? i->type : report_kind_name(i->kind);
	values[2] = rid;
	values[3] = i->subject[0] ? i->subject : "your abuse report";
	values[4] = i->reporter;
	text = fill(tpl, &(struct vars){ ack_names, values, N_ACK }, what);
	if (!text)
		return -EINVAL;
	m = compose(text->str, NULL);
	g_string_free(text, TRUE);
	if (i->message_id[0]) {
		char ref[300];

		snprintf(ref, sizeof(ref), "<%s>", i->message_id);
		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", ref, NULL);
		g_mime_object_set_header(GMIME_OBJECT(m), "References", ref, NULL);
	}
	snprintf(path, sizeof(path), "%s/%.16s-ack.eml", dir, r->digest);
	rc = write_message(m, path);
	g_object_unref(m);
	return rc;
}

int report_drafts(const struct report_done *r, const char *dir, const char *templates)
{
	char nwhat[4200], awhat[4200];
	char *ntpl = load(templates, "notice.txt", notice_builtin, nwhat, sizeof(nwhat));
	char *atpl = load(templates, "ack.txt", ack_builtin, awhat, sizeof(awhat));
	int rc = ntpl && atpl ? 0 : -EINVAL;

	for (size_t i = 0; rc == 0 && i < r->n_accounts; i++)
		rc = notice(r, r->accounts[i], dir, ntpl, nwhat);
	if (rc == 0 && r->n_accounts)
		rc = ack(r, dir, atpl, awhat);
	g_free(ntpl);
	g_free(atpl);
	return rc;
}
