/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reports that are documents: XARF v4 and IntelMQ events in JSON (jansson;
 * one object, an array, or one object per line) and ACNS notices in XML
 * (libxml2, with no network, no DTD and so no entities to expand: a
 * notice with a DTD is refused before anything in it is expanded). */
#include "tools/report/report_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* A string member, or NULL. */
static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A port member: an integer or a string of digits; absent or null: -1. */
static int jport(struct rd *rd, json_t *o, const char *key, unsigned long line)
{
	json_t *v = json_object_get(o, key);
	char buf[32];

	if (!v || json_is_null(v))
		return -1;
	if (json_is_integer(v)) {
		json_int_t p = json_integer_value(v);

		if (p < 1 || p > 65535)
			return rd_fail(rd, -EINVAL, line, "%s: not a port (1 to 65535): %lld", key,
				       (long long)p);
		return (int)p;
	}
	if (json_is_string(v))
		return rd_port(rd, json_string_value(v), key, line);
	snprintf(buf, sizeof(buf), "%s", json_is_real(v) ? "a number with a fraction" : "not a "
											 "number");
	return rd_fail(rd, -EINVAL, line, "%s: not a port: %s", key, buf);
}

/* XARF v4 (xarf-spec, xarf-core.json): source_identifier, source_port,
 * first_seen / last_seen for connection reports, else timestamp. */
static int xarf_v4(struct rd *rd, json_t *o, unsigned long line)
{
	static const char *const times[] = { "first_seen", "last_seen" };
	struct report_event ev = { .line = line };
	json_t *rep = json_object_get(o, "reporter");
	const char *cat = jstr(o, "category"), *type = jstr(o, "type"), *v, *prev = NULL;
	int rc, emitted = 0;

	rd_kind(rd, REPORT_XARF_JSON);
	if (!rd->info.type[0] && (cat || type)) {
		snprintf(rd->info.type, sizeof(rd->info.type), "%.40s%s%.40s", cat ? cat : "",
			 cat && type ? "/" : "", type ? type : "");
		rd_copy(rd->info.type, sizeof(rd->info.type), rd->info.type);
	}
	if ((v = jstr(o, "report_id")) && !rd->info.report_id[0])
		rd_copy(rd->info.report_id, sizeof(rd->info.report_id), v);
	if ((v = jstr(rep, "contact")) && !rd->info.reporter[0])
		rd_copy(rd->info.reporter, sizeof(rd->info.reporter), v);
	if ((rc = rd_address(rd, jstr(o, "source_identifier"), "source_identifier", line, &ev)) <
	    0)
		return rc;
	if ((ev.port = jport(rd, o, "source_port", line)) < -1)
		return ev.port;
	for (size_t i = 0; i < 2; i++) {
		struct report_event e = ev;

		if (!(v = jstr(o, times[i])) || (prev && strcmp(prev, v) == 0))
			continue;
		if ((rc = rd_time_iso(rd, v, times[i], NULL, line, &e)) < 0 ||
		    (rc = rd_emit(rd, &e)) < 0)
			return rc;
		prev = v;
		emitted++;
	}
	if (emitted)
		return 0;
	if (!(v = jstr(o, "timestamp")))
		return rd_fail(rd, -EINVAL, line, "XARF report without timestamp or first_seen");
	if ((rc = rd_time_iso(rd, v, "timestamp", NULL, line, &ev)) < 0)
		return rc;
	return rd_emit(rd, &ev);
}

/* An IntelMQ event (harmonization.conf): source.ip, source.port and
 * time.source, the time it happened; time.observation is only when a
 * collector saw it. */
static int intelmq(struct rd *rd, json_t *o, unsigned long line)
{
	struct report_event ev = { .line = line };
	const char *tax = jstr(o, "classification.taxonomy"), *type = jstr(o, "classification.type");
	const char *t = jstr(o, "time.source");
	int rc;

	rd_kind(rd, REPORT_INTELMQ);
	if (!rd->info.type[0] && (tax || type)) {
		snprintf(rd->info.type, sizeof(rd->info.type), "%.40s%s%.40s", tax ? tax : "",
			 tax && type ? "/" : "", type ? type : "");
		rd_copy(rd->info.type, sizeof(rd->info.type), rd->info.type);
	}
	if ((rc = rd_address(rd, jstr(o, "source.ip"), "source.ip", line, &ev)) < 0)
		return rc;
	if ((ev.port = jport(rd, o, "source.port", line)) < -1)
		return ev.port;
	if (!t)
		return rd_fail(rd, -EINVAL, line, "IntelMQ event without time.source (time.observation "
						  "is when it was collected, not when it happened)");
	if ((rc = rd_time_iso(rd, t, "time.source", NULL, line, &ev)) < 0)
		return rc;
	return rd_emit(rd, &ev);
}

static int one_json(struct rd *rd, json_t *o, unsigned long line)
{
	if (!json_is_object(o))
		return rd_fail(rd, -EINVAL, line, "expected a JSON object");
	if (json_object_get(o, "xarf_version"))
		return xarf_v4(rd, o, line);
	if (json_object_get(o, "source.ip"))
		return intelmq(rd, o, line);
	return rd_fail(rd, -EINVAL, line, "a JSON object that is neither XARF (xarf_version) nor "
					  "an IntelMQ event (source.ip)");
}

/* Objects one after another (IntelMQ's file output): each is read where it
 * stands, so errors name its line. */
static int json_lines(struct rd *rd, const char *buf, size_t len)
{
	unsigned long line = 1;
	size_t pos = 0;

	for (;;) {
		json_error_t je;
		json_t *v;
		int rc;

		while (pos < len && strchr(" \t\r\n", buf[pos]))
			line += buf[pos++] == '\n';
		if (pos >= len)
			return 0;
		v = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
			       &je);
		if (!v)
			return rd_fail(rd, -EINVAL, line + (unsigned long)je.line - 1,
				       "bad JSON: %s", je.text);
		rc = one_json(rd, v, line);
		json_decref(v);
		if (rc < 0)
			return rc;
		for (size_t end = pos + (size_t)je.position; pos < end; pos++)
			line += buf[pos] == '\n';
	}
}

int rd_json(struct rd *rd, const char *buf, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je), *v;
	size_t i;
	int rc = 0;

	if (!root) {
		if (strstr(je.text, "end of file expected"))
			return json_lines(rd, buf, len);
		return rd_fail(rd, -EINVAL, (unsigned long)je.line, "bad JSON: %s", je.text);
	}
	if (json_is_array(root)) {
		json_array_foreach(root, i, v) {
			if ((rc = one_json(rd, v, 0)) < 0)
				break;
		}
	} else {
		rc = one_json(rd, root, 0);
	}
	json_decref(root);
	return rc;
}

/* libxml2's SAX hook for <!DOCTYPE ...[ ]>: a notice needs no DTD, and
 * refusing it here means no entity is ever declared, let alone expanded. */
struct dtd_seen {
	bool seen;
	unsigned long line;
};

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr c = ctx;
	struct dtd_seen *d = c->_private;

	(void)name;
	(void)ext;
	(void)sys;
	d->seen = true;
	d->line = c->input ? (unsigned long)c->input->line : 0;
	xmlStopParser(c);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* The trimmed text of element @p n, into @p buf; NULL when absent. */
static const char *text(xmlNodePtr n, char *buf, size_t size)
{
	xmlChar *s;
	const char *p;
	size_t len;

	if (!n || !(s = xmlNodeGetContent(n)))
		return NULL;
	p = (const char *)s + strspn((const char *)s, " \t\r\n");
	len = strlen(p);
	while (len && strchr(" \t\r\n", p[len - 1]))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	xmlFree(s);
	return buf;
}

/* ACNS: Source/TimeStamp is the observation the notice is about,
 * Source/IP_Address and Source/Port the infringer's side of it. */
static int acns(struct rd *rd, xmlNodePtr root)
{
	xmlNodePtr src = child(root, "Source");
	struct report_event ev = { .port = -1 };
	char ts[80], ip[80], port[16], type[40], title[60], buf[128];
	int rc;

	rd_kind(rd, REPORT_ACNS);
	if (!rd->info.type[0]) {
		const char *t = text(child(src, "Type"), type, sizeof(type));
		const char *w = text(child(child(child(root, "Content"), "Item"), "Title"), title,
				     sizeof(title));

		snprintf(rd->info.type, sizeof(rd->info.type), "copyright%s%s%s%s%s",
			 w ? ": " : "", w ? w : "", t ? " (" : "", t ? t : "", t ? ")" : "");
		rd_copy(rd->info.type, sizeof(rd->info.type), rd->info.type);
	}
	if (text(child(child(root, "Case"), "ID"), buf, sizeof(buf)) && !rd->info.report_id[0])
		rd_copy(rd->info.report_id, sizeof(rd->info.report_id), buf);
	if (text(child(child(root, "Complainant"), "Email"), buf, sizeof(buf)) &&
	    !rd->info.reporter[0])
		rd_copy(rd->info.reporter, sizeof(rd->info.reporter), buf);
	if (!src)
		return rd_fail(rd, -EINVAL, 0, "ACNS notice without <Source>");
	if (!text(child(src, "TimeStamp"), ts, sizeof(ts)))
		return rd_fail(rd, -EINVAL, 0, "ACNS notice without Source/TimeStamp");
	if ((rc = rd_address(rd, text(child(src, "IP_Address"), ip, sizeof(ip)),
			     "Source/IP_Address", 0, &ev)) < 0 ||
	    (rc = rd_time_iso(rd, ts, "Source/TimeStamp", NULL, 0, &ev)) < 0)
		return rc;
	if (text(child(src, "Port"), port, sizeof(port)) &&
	    (ev.port = rd_port(rd, port, "Source/Port", 0)) < 0)
		return ev.port;
	return rd_emit(rd, &ev);
}

static xmlDocPtr parse_xml(struct rd *rd, const char *buf, size_t len, int opts,
			   struct dtd_seen *dtd, char *why, size_t whylen, unsigned long *line)
{
	xmlParserCtxtPtr c = xmlNewParserCtxt();
	xmlDocPtr doc;
	xmlErrorPtr e;

	(void)rd;
	if (!c) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	c->_private = dtd;
	c->sax->internalSubset = refuse_dtd;
	c->sax->externalSubset = refuse_dtd;
	doc = xmlCtxtReadMemory(c, buf, (int)len, "notice.xml", NULL, opts);
	e = xmlCtxtGetLastError(c);
	if (doc && (dtd->seen || !c->wellFormed) && !(opts & XML_PARSE_RECOVER)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc || dtd->seen) {
		snprintf(why, whylen, "%s", e && e->message ? e->message : "not well-formed");
		why[strcspn(why, "\n")] = '\0';
		*line = dtd->seen ? dtd->line : e ? (unsigned long)e->line : 0;
	}
	xmlFreeParserCtxt(c);
	return doc;
}

int rd_xml(struct rd *rd, const char *buf, size_t len)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			 XML_PARSE_NOCDATA;
	char why[200];
	unsigned long line = 0;
	struct dtd_seen dtd = { 0 };
	xmlDocPtr doc;
	xmlNodePtr root;
	int rc;

	if (len > rd->src->lim.max_xml)
		return rd_fail(rd, -EFBIG, 0, "XML larger than %zu bytes: not read",
			       rd->src->lim.max_xml);
	if (len > INT32_MAX)
		return rd_fail(rd, -EFBIG, 0, "XML too large");
	doc = parse_xml(rd, buf, len, opts, &dtd, why, sizeof(why), &line);
	/* Some senders write a bare "&" in titles: read those notices in
	 * libxml2's recovery mode, still without a DTD. */
	if (!doc && !dtd.seen)
		doc = parse_xml(rd, buf, len, opts | XML_PARSE_RECOVER, &dtd, why, sizeof(why),
				&line);
	if (dtd.seen) {
		if (doc)
			xmlFreeDoc(doc);
		return rd_fail(rd, -EINVAL, line, "XML with a DTD (<!DOCTYPE>) is refused: an "
						  "ACNS notice needs none, and a DTD's entities can "
						  "expand without bound");
	}
	if (!doc)
		return rd_fail(rd, -EINVAL, line, "malformed XML: %s", why);
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "Infringement") != 0)
		rc = rd_fail(rd, -EINVAL, 0, "XML that is not an ACNS notice (root <%.40s>, "
					     "expected <Infringement>)",
			     root ? (const char *)root->name : "none");
	else
		rc = acns(rd, root);
	xmlFreeDoc(doc);
	return rc;
}
