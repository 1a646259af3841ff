/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reports that arrive as mail: GMime reads the message and its parts; this
 * file picks out the parts that carry a report (an ARF feedback-report, an
 * X-ARF report.txt, XARF or IntelMQ JSON, ACNS XML attached or inline, a
 * CSV or a zip of them, a SpamCop "Email from" line) and reads the fields
 * each format defines.  The spam's own Date: is the sender's clock and is
 * never used. */
#include "tools/report/report_int.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

struct walk {
	struct rd *rd;
	bool xarf;         /* the message says X-ARF (X-XARF: PLAIN, X-ARF: yes) */
	bool descend;      /* look inside attached messages too */
	unsigned parts;
	unsigned found;    /* parts that held a report */
	int rc;
};

/* A block of "Name: value" fields, read by GMime's header parser. */
static GMimeObject *parse_fields(const char *buf, size_t len)
{
	GByteArray *b = g_byte_array_sized_new((guint)len + 2);
	GMimeStream *s;
	GMimeParser *p;
	GMimeObject *o;

	while (len && (*buf == '\r' || *buf == '\n' || *buf == ' ' || *buf == '\t')) {
		buf++;
		len--;
	}
	g_byte_array_append(b, (const guint8 *)buf, (guint)len);
	g_byte_array_append(b, (const guint8 *)"\n\n", 2);
	s = g_mime_stream_mem_new_with_byte_array(b);
	p = g_mime_parser_new_with_stream(s);
	o = g_mime_parser_construct_part(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	return o;
}

/* The first word of a field's value, into @p buf; NULL when absent. */
static const char *word(GMimeObject *o, const char *name, char *buf, size_t size)
{
	const char *v = g_mime_object_get_header(o, name);
	size_t n;

	if (!v)
		return NULL;
	v += strspn(v, " \t");
	n = strcspn(v, " \t\r\n(;");
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static const char *value(GMimeObject *o, const char *name)
{
	const char *v = g_mime_object_get_header(o, name);

	return v ? v + strspn(v, " \t") : NULL;
}

/* The decoded content of a leaf part, NUL-terminated; g_byte_array_unref. */
static GByteArray *content(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (!w)
		return NULL;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	/* The array is ours once the stream no longer owns it. */
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	g_byte_array_append(ba, (const guint8 *)"", 1);
	return ba;
}

/* RFC 5965 section 3.1 and RFC 6692: Source-IP, Source-Port, Arrival-Date
 * (Received-Date is its historic name). */
static int read_arf(struct rd *rd, const char *buf, size_t len)
{
	GMimeObject *f = parse_fields(buf, len);
	struct report_event ev = { .port = -1 };
	char ip[80], port[16];
	const char *t, *field = "Arrival-Date", *type;
	int rc;

	if (!f)
		return rd_fail(rd, -EINVAL, 0, "feedback report: fields cannot be read");
	rd_kind(rd, REPORT_ARF);
	type = value(f, "Feedback-Type");
	if (type && !rd->info.type[0])
		rd_copy(rd->info.type, sizeof(rd->info.type), type);
	t = value(f, "Arrival-Date");
	if (!t) {
		field = "Received-Date";
		t = value(f, "Received-Date");
	}
	if (!word(f, "Source-IP", ip, sizeof(ip)))
		rc = rd_fail(rd, -EINVAL, 0, "feedback report without Source-IP: nothing to look up");
	else if (!t)
		rc = rd_fail(rd, -EINVAL, 0, "feedback report without Arrival-Date: no time to look "
					     "up (the reported message's Date: is the sender's clock)");
	else if ((rc = rd_address(rd, ip, "Source-IP", 0, &ev)) == 0 &&
		 (rc = rd_time_mail(rd, t, field, 0, &ev)) == 0 &&
		 (!word(f, "Source-Port", port, sizeof(port)) ||
		  (rc = ev.port = rd_port(rd, port, "Source-Port", 0)) >= 0))
		rc = rd_emit(rd, &ev);
	g_object_unref(f);
	return rc < 0 ? rc : 1;
}

/* Legacy X-ARF report.txt.  Its Port is the attacked service's (genxarf
 * fills it from the service's configuration), never the source port: it is
 * kept as the service port and the event has no port. */
static int read_xarf_fields(struct rd *rd, GMimeObject *f)
{
	struct report_event ev = { .port = -1 };
	char src[300], st[32], port[16];
	const char *t, *v;
	int rc;

	rd_kind(rd, REPORT_XARF);
	if ((v = value(f, "Report-Type")) && !rd->info.type[0]) {
		const char *service = value(f, "Service");

		snprintf(rd->info.type, sizeof(rd->info.type), "%.60s%s%.30s", v,
			 service ? ", service " : "", service ? service : "");
		rd_copy(rd->info.type, sizeof(rd->info.type), rd->info.type);
	}
	if ((v = value(f, "Report-ID")) && !rd->info.report_id[0])
		rd_copy(rd->info.report_id, sizeof(rd->info.report_id), v);
	if ((v = value(f, "Reported-From")) && !rd->info.reporter[0])
		rd_copy(rd->info.reporter, sizeof(rd->info.reporter), v);
	if (word(f, "Port", port, sizeof(port)) && rd->info.service_port < 0) {
		int p = rd_port(rd, port, "Port", 0);

		if (p < 0)
			return p;
		rd->info.service_port = p;
	}
	if (word(f, "Source-Type", st, sizeof(st)) && strcasecmp(st, "ipv4") != 0 &&
	    strcasecmp(st, "ipv6") != 0 && strcasecmp(st, "ip-address") != 0)
		return rd_fail(rd, -EINVAL, 0, "X-ARF Source-Type %s: not an address, nothing to "
					       "look up", st);
	if (!word(f, "Source", src, sizeof(src)))
		return rd_fail(rd, -EINVAL, 0, "X-ARF report without Source");
	if (!(t = value(f, "Date")))
		return rd_fail(rd, -EINVAL, 0, "X-ARF report without Date");
	if ((rc = rd_address(rd, src, "Source", 0, &ev)) < 0 ||
	    (rc = rd_time_mail(rd, t, "Date", 0, &ev)) < 0 || (rc = rd_emit(rd, &ev)) < 0)
		return rc;
	return 1;
}

static bool is_xarf_fields(GMimeObject *f)
{
	return f && g_mime_object_get_header(f, "Source") &&
	       (g_mime_object_get_header(f, "Report-Type") ||
		g_mime_object_get_header(f, "Reported-From"));
}

/* ACNS XML inline in a text body, after a human preamble (which may well
 * say "Infringement" too): from "<?xml" or the opening tag, prefixed or
 * not, to the last closing tag. */
static int inline_acns(struct rd *rd, const char *s)
{
	const char *start = strstr(s, "<?xml"), *end = NULL, *p;
	int rc;

	if (!start) {
		for (p = strstr(s, "Infringement"); p && !start; p = strstr(p + 1, "Infringement")) {
			const char *q = p;

			if (q > s && q[-1] == ':')
				for (q--; q > s && q[-1] != '<' && q[-1] != ' ' && q[-1] != '\n'; q--)
					;
			if (q > s && q[-1] == '<')
				start = q - 1;
		}
	}
	if (!start || !strstr(start, "Infringement"))
		return 0;
	for (p = strstr(start, "Infringement>"); p; p = strstr(p + 1, "Infringement>"))
		end = p + strlen("Infringement>");
	if (!end)
		return rd_fail(rd, -EINVAL, 0, "ACNS notice in the body has no closing "
					       "</Infringement>");
	rc = rd_xml(rd, start, (size_t)(end - start));
	return rc < 0 ? rc : 1;
}

/* SpamCop's plain report: "Email from 198.51.100.23 / Tue, 03 Mar 2026
 * 14:05:09 -0500", the recipient MTA's Received: time. */
static int spamcop_line(struct rd *rd, const char *s)
{
	static const char tag[] = "Email from ";
	const char *p = strstr(s, tag), *slash, *eol;
	struct report_event ev = { .port = -1 };
	char ip[80], date[120];
	size_t n;
	int rc;

	if (!p || (p != s && p[-1] != '\n'))
		return 0;
	p += strlen(tag);
	eol = p + strcspn(p, "\r\n");
	slash = memchr(p, '/', (size_t)(eol - p));
	if (!slash)
		return 0;
	n = (size_t)(slash - p);
	while (n && p[n - 1] == ' ')
		n--;
	if (n >= sizeof(ip) || (size_t)(eol - slash) >= sizeof(date))
		return 0;
	memcpy(ip, p, n);
	ip[n] = '\0';
	slash++;
	slash += strspn(slash, " ");
	memcpy(date, slash, (size_t)(eol - slash));
	date[eol - slash] = '\0';
	rd_kind(rd, REPORT_SPAMCOP);
	if (!rd->info.type[0])
		snprintf(rd->info.type, sizeof(rd->info.type), "spam");
	if ((rc = rd_address(rd, ip, "Email from", 0, &ev)) < 0 ||
	    (rc = rd_time_mail(rd, date, "Email from", 0, &ev)) < 0 || (rc = rd_emit(rd, &ev)) < 0)
		return rc;
	return 1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int csv_part(struct rd *rd, const char *buf, size_t len)
{
	struct rd_csv *c;
	int rc = rd_csv_begin(rd, &c);

	if (rc == 0 && (rc = rd_csv_feed(c, buf, len)) == 0)
		return (rc = rd_csv_end(c)) < 0 ? rc : 1;
	if (c)
		rd_csv_free(c);
	return rc;
}

/* One leaf part: @return 1 it held a report, 0 not, or a negative errno. */
static int leaf(struct walk *w, GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *name = g_mime_part_get_filename(part);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	struct rd *rd = w->rd;
	GByteArray *ba;
	const char *s;
	size_t len;
	uint64_t before = rd->events;
	bool doc = false;
	int rc = 0;

	if (!type || !sub || (!strcasecmp(type, "text") && !strcasecmp(sub, "rfc822-headers")))
		return 0;
	ba = content(part);
	if (!ba)
		return rd_fail(rd, -EINVAL, 0, "part %u: content cannot be decoded", w->parts);
	s = (const char *)ba->data;
	len = ba->len - 1;
	if (name)
		snprintf(rd->where, sizeof(rd->where), "attachment %.100s", name);
	else
		snprintf(rd->where, sizeof(rd->where), "MIME part %u (%.30s/%.40s)", w->parts,
			 type, sub);
	if (!strcasecmp(type, "message") && !strcasecmp(sub, "feedback-report")) {
		rc = read_arf(rd, s, len);
	} else if (!strcasecmp(sub, "json") || ends_with(name, ".json")) {
		rc = rd_json(rd, s, len);
		doc = true;
	} else if (!strcasecmp(sub, "xml") || ends_with(sub, "+xml") || ends_with(name, ".xml")) {
		rc = rd_xml(rd, s, len);
		doc = true;
	} else if (!strcasecmp(sub, "csv") || ends_with(name, ".csv")) {
		rc = csv_part(rd, s, len);
	} else if (!strcasecmp(sub, "zip") || !strcasecmp(sub, "x-zip-compressed") ||
		   ends_with(name, ".zip") || rd_looks_like_archive(s, len)) {
		rc = rd_archive(rd, s, len);
		doc = true;
	} else if (!strcasecmp(type, "text")) {
		GMimeObject *f = w->xarf || (name && !strcasecmp(name, "report.txt"))
					 ? parse_fields(s, len)
					 : NULL;

		if (is_xarf_fields(f))
			rc = read_xarf_fields(rd, f);
		else if ((rc = inline_acns(rd, s)) == 0)
			rc = spamcop_line(rd, s);
		if (f)
			g_object_unref(f);
	}
	rd->where[0] = '\0';
	g_byte_array_unref(ba);
	return rc < 0 ? rc : rc > 0 || doc || rd->events > before ? 1 : 0;
}

static void walk(struct walk *w, GMimeObject *o, unsigned depth)
{
	if (w->rc < 0)
		return;
	if (++w->parts > w->rd->src->lim.max_parts) {
		w->rc = rd_fail(w->rd, -EFBIG, 0, "more than %u MIME parts",
				w->rd->src->lim.max_parts);
		return;
	}
	if (depth > w->rd->src->lim.max_depth) {
		w->rc = rd_fail(w->rd, -EFBIG, 0, "MIME parts nested deeper than %u",
				w->rd->src->lim.max_depth);
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));

		for (int i = 0; i < n && w->rc >= 0; i++)
			walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		/* The original message an ARF report carries is evidence, not a
		 * report; a forwarded report is looked into only when the outer
		 * message held none. */
		if (w->descend && m && g_mime_message_get_mime_part(m))
			walk(w, g_mime_message_get_mime_part(m), depth + 1);
	} else if (GMIME_IS_PART(o)) {
		int rc = leaf(w, GMIME_PART(o));

		if (rc < 0)
			w->rc = rc;
		else
			w->found += (unsigned)rc;
	}
}

static void first_address(InternetAddressList *l, char *buf, size_t size)
{
	InternetAddress *a = l && internet_address_list_length(l) > 0
				     ? internet_address_list_get_address(l, 0)
				     : NULL;

	if (a && INTERNET_ADDRESS_IS_MAILBOX(a))
		rd_copy(buf, size, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
}

int rd_mime(struct rd *rd, const char *buf, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(buf, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	struct walk w = { .rd = rd };
	GMimeObject *body, *top;
	const char *v;

	g_object_unref(p);
	g_object_unref(s);
	if (!m)
		return rd_fail(rd, -EINVAL, 0, "not a mail message: its headers cannot be read");
	top = GMIME_OBJECT(m);
	rd->info.mail = true;
	rd_copy(rd->info.subject, sizeof(rd->info.subject), g_mime_message_get_subject(m));
	rd_copy(rd->info.message_id, sizeof(rd->info.message_id),
		g_mime_message_get_message_id(m));
	first_address(g_mime_message_get_reply_to(m), rd->info.reporter, sizeof(rd->info.reporter));
	if (!rd->info.reporter[0])
		first_address(g_mime_message_get_from(m), rd->info.reporter,
			      sizeof(rd->info.reporter));
	w.xarf = ((v = g_mime_object_get_header(top, "X-XARF")) && strcasecmp(v, "no")) ||
		 ((v = g_mime_object_get_header(top, "X-ARF")) && strcasecmp(v, "no"));
	body = g_mime_message_get_mime_part(m);

	/* A report.txt given alone reads as a message whose headers are the
	 * X-ARF fields. */
	if (is_xarf_fields(top)) {
		w.rc = read_xarf_fields(rd, top);
		w.found = w.rc > 0;
	} else if (body) {
		walk(&w, body, 0);
		if (w.rc >= 0 && !w.found) {
			w.descend = true;
			w.parts = 0;
			walk(&w, body, 0);
		}
	}
	g_object_unref(m);
	if (w.rc < 0)
		return w.rc;
	if (!w.found)
		return rd_fail(rd, -EINVAL, 0,
			       "no report found in the message: no ARF feedback-report part, "
			       "X-ARF report.txt, XARF or IntelMQ JSON, ACNS XML, CSV or SpamCop "
			       "\"Email from\" line");
	return 0;
}
