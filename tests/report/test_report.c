/* SPDX-License-Identifier: GPL-3.0-or-later
 * The report reader, format by format: which field gives the address, the
 * source port and the time, what each time is in UTC (worked out by hand
 * from its offset) and where its zone came from; what is refused and why. */
#include "rt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* An ARF message: a feedback-report part between the human text and the
 * reported message's headers, whose Date: is the spammer's clock. */
#define ARF_HEAD                                                                                   \
	"From: FBL <fbl@mail.example>\n"                                                           \
	"To: abuse@isp.example\n"                                                                  \
	"Subject: complaint\n"                                                                     \
	"Message-ID: <fbl-17@mail.example>\n"                                                      \
	"MIME-Version: 1.0\n"                                                                      \
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\n"          \
	"\n"                                                                                       \
	"--b1\n"                                                                                   \
	"Content-Type: text/plain\n"                                                               \
	"\n"                                                                                       \
	"A user marked a message as spam.\n"                                                       \
	"--b1\n"                                                                                   \
	"Content-Type: message/feedback-report\n"                                                  \
	"\n"                                                                                       \
	"Feedback-Type: abuse\n"                                                                   \
	"User-Agent: TestFBL/1\n"                                                                  \
	"Version: 1\n"

#define ARF_TAIL                                                                                   \
	"\n--b1\n"                                                                                 \
	"Content-Type: text/rfc822-headers\n"                                                      \
	"\n"                                                                                       \
	"From: shop@sender.example\n"                                                              \
	"Date: Sat, 07 Feb 2026 23:59:00 +0000\n"                                                  \
	"Subject: offers\n"                                                                        \
	"\n"                                                                                       \
	"--b1--\n"

static void test_arf_gives_source_ip_port_and_arrival_date_in_utc(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, ARF_HEAD "Arrival-Date: Sun, 08 Feb 2026 01:30:05 +0200\n"
			     "Source-IP: 198.51.100.41\n"
			     "Source-Port: 40001\n" ARF_TAIL,
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_ARF);
	assert_string_equal(r.info.type, "abuse");
	assert_string_equal(r.info.reporter, "fbl@mail.example");
	assert_string_equal(r.info.message_id, "fbl-17@mail.example");
	assert_true(r.info.mail);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ev[0].addr, "198.51.100.41");
	assert_int_equal(r.ev[0].port, 40001);
	/* 01:30:05 at +02:00 is 23:30:05 UTC the day before; not the Date: */
	assert_true(r.ev[0].time == rt_utc("2026-02-07T23:30:05Z"));
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_EXPLICIT);
	assert_string_equal(r.ev[0].field, "Arrival-Date");
}

static void test_arf_reads_received_date_when_arrival_date_is_missing(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, ARF_HEAD "Received-Date: Thu, 05 Feb 2026 10:00:00 -0500\n"
			     "Source-IP: 2001:db8:7::9\n" ARF_TAIL,
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ev[0].addr, "2001:db8:7::9");
	assert_int_equal(r.ev[0].port, -1);
	assert_true(r.ev[0].time == rt_utc("2026-02-05T15:00:00Z"));
	assert_string_equal(r.ev[0].field, "Received-Date");
}

static void test_arf_time_without_a_zone_is_refused_unless_tz_names_one(void **state)
{
	static const char msg[] = ARF_HEAD "Arrival-Date: Sun, 08 Feb 2026 01:30:05\n"
					   "Source-IP: 198.51.100.41\n" ARF_TAIL;
	struct rt r;

	(void)state;
	rt_read(&r, msg, 0, NULL, NULL);
	assert_refused(&r, -EINVAL, "time without a zone");
	assert_int_equal(r.n, 0);
	/* Berlin is at +01:00 in February. */
	rt_read(&r, msg, 0, "Europe/Berlin", NULL);
	assert_read_ok(&r);
	assert_true(r.ev[0].time == rt_utc("2026-02-08T00:30:05Z"));
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_OPTION);
}

static void test_arf_without_source_ip_is_refused(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, ARF_HEAD "Arrival-Date: Sun, 08 Feb 2026 01:30:05 +0200\n" ARF_TAIL, 0, NULL,
		NULL);
	assert_refused(&r, -EINVAL, "without Source-IP");
}

static void test_arf_bad_source_port_is_refused(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, ARF_HEAD "Arrival-Date: Sun, 08 Feb 2026 01:30:05 +0200\n"
			     "Source-IP: 198.51.100.41\nSource-Port: 70000\n" ARF_TAIL,
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "Source-Port: not a port");
}

#define XARF_MSG(date, port)                                                                       \
	"From: trap@honey.example\n"                                                               \
	"Subject: report\n"                                                                        \
	"X-XARF: PLAIN\n"                                                                          \
	"MIME-Version: 1.0\n"                                                                      \
	"Content-Type: multipart/mixed; boundary=\"x\"\n"                                          \
	"\n"                                                                                       \
	"--x\n"                                                                                    \
	"Content-Type: text/plain\n"                                                               \
	"\n"                                                                                       \
	"SSH attempts.\n"                                                                          \
	"--x\n"                                                                                    \
	"Content-Type: text/plain; name=\"report.txt\"\n"                                          \
	"\n"                                                                                       \
	"Reported-From: trap@honey.example\n"                                                      \
	"Category: abuse\n"                                                                        \
	"Report-Type: login-attack\n"                                                              \
	"Service: ssh\n"                                                                           \
	"Version: 0.2\n"                                                                           \
	"Date: " date "\n"                                                                         \
	"Source-Type: ipv4\n"                                                                      \
	"Source: 203.0.113.140\n"                                                                  \
	"Port: " port "\n"                                                                         \
	"Report-ID: t-1@honey.example\n"                                                           \
	"--x\n"                                                                                    \
	"Content-Type: text/plain; name=\"logfile.log\"\n"                                         \
	"\n"                                                                                       \
	"Feb  9 04:00:01 trap sshd[1]: Failed password from 203.0.113.140 port 50505\n"           \
	"--x--\n"

static void test_legacy_xarf_port_is_the_attacked_service_never_a_source_port(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, XARF_MSG("Mon, 09 Feb 2026 04:00:01 +0100", "2222"), 0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_XARF);
	assert_int_equal(r.info.service_port, 2222);
	assert_string_equal(r.info.report_id, "t-1@honey.example");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ev[0].addr, "203.0.113.140");
	assert_int_equal(r.ev[0].port, -1);
	assert_true(r.ev[0].time == rt_utc("2026-02-09T03:00:01Z"));
	assert_string_equal(r.ev[0].field, "Date");
}

static void test_legacy_xarf_date_may_be_unix_time(void **state)
{
	struct rt r;

	(void)state;
	/* 1770609601 = 2026-02-09T04:00:01Z */
	rt_read(&r, XARF_MSG("1770609601", "22"), 0, NULL, NULL);
	assert_read_ok(&r);
	assert_true(r.ev[0].time == rt_utc("2026-02-09T04:00:01Z"));
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_EXPLICIT);
}

static void test_xarf_v4_gives_first_and_last_seen_with_the_source_port(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r,
		"{\"xarf_version\": \"4.2.0\", \"report_id\": \"r-99\",\n"
		" \"timestamp\": \"2026-02-10T12:00:00Z\",\n"
		" \"reporter\": {\"org\": \"Shield\", \"contact\": \"reports@shield.example\"},\n"
		" \"source_identifier\": \"192.0.2.150\", \"source_port\": 33333,\n"
		" \"category\": \"connection\", \"type\": \"login_attack\",\n"
		" \"first_seen\": \"2026-02-10T11:00:00+01:00\",\n"
		" \"last_seen\": \"2026-02-10T11:20:00Z\"}\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_XARF_JSON);
	assert_string_equal(r.info.type, "connection/login_attack");
	assert_string_equal(r.info.reporter, "reports@shield.example");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0].port, 33333);
	assert_true(r.ev[0].time == rt_utc("2026-02-10T10:00:00Z"));
	assert_string_equal(r.ev[0].field, "first_seen");
	assert_true(r.ev[1].time == rt_utc("2026-02-10T11:20:00Z"));
	assert_string_equal(r.ev[1].field, "last_seen");
}

static void test_xarf_v4_source_that_is_not_an_address_is_refused(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "{\"xarf_version\": \"4.0.0\", \"source_identifier\": \"bad.example\", "
		    "\"timestamp\": \"2026-02-10T12:00:00Z\"}",
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "source_identifier");
}

#define ACNS_XML(ts)                                                                               \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<Infringement xmlns=\"http://www.acns.net/ACNS\">\n"                                      \
	"  <Case><ID>CASE-7</ID></Case>\n"                                                         \
	"  <Complainant><Email>notices@rights.example</Email></Complainant>\n"                     \
	"  <Source>\n"                                                                             \
	"    <TimeStamp>" ts "</TimeStamp>\n"                                                      \
	"    <IP_Address>203.0.113.99</IP_Address>\n"                                              \
	"    <Port>6881</Port>\n"                                                                  \
	"    <Type>BitTorrent</Type>\n"                                                            \
	"  </Source>\n"                                                                            \
	"  <Content><Item><TimeStamp>2026-02-01T00:00:00Z</TimeStamp>\n"                           \
	"    <Title>Some Film</Title></Item></Content>\n"                                          \
	"</Infringement>\n"

static void test_acns_inline_after_a_preamble_uses_source_timestamp(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r,
		"From: notices@rights.example\n"
		"Subject: Notice of Claimed Infringement\n"
		"Content-Type: text/plain\n"
		"\n"
		"Dear ISP, Initial Infringement Timestamp: 2026-02-01T00:00:00Z\n"
		"\n" ACNS_XML("2026-02-11T08:09:10Z"),
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_ACNS);
	assert_string_equal(r.info.report_id, "CASE-7");
	assert_string_equal(r.info.type, "copyright: Some Film (BitTorrent)");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ev[0].addr, "203.0.113.99");
	assert_int_equal(r.ev[0].port, 6881);
	assert_true(r.ev[0].time == rt_utc("2026-02-11T08:09:10Z"));
	assert_string_equal(r.ev[0].field, "Source/TimeStamp");
}

static void test_acns_attached_in_base64_is_read(void **state)
{
	static const char xml[] = ACNS_XML("2026-02-11T09:09:10+01:00");
	char *b64 = rt_base64(xml, strlen(xml)), *msg = malloc(strlen(b64) + 1000);
	struct rt r;

	(void)state;
	sprintf(msg, "From: a@rights.example\nMIME-Version: 1.0\n"
		     "Content-Type: multipart/mixed; boundary=\"q\"\n\n"
		     "--q\nContent-Type: text/plain\n\nSee attached.\n"
		     "--q\nContent-Type: application/xml; name=\"notice.xml\"\n"
		     "Content-Transfer-Encoding: base64\n\n%s--q--\n", b64);
	rt_read(&r, msg, 0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.n, 1);
	assert_true(r.ev[0].time == rt_utc("2026-02-11T08:09:10Z"));
	free(b64);
	free(msg);
}

static void test_acns_time_without_a_zone_needs_tz(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, ACNS_XML("2026-07-11T08:09:10"), 0, NULL, NULL);
	assert_refused(&r, -EINVAL, "time without a zone");
	/* New York is at -04:00 in July. */
	rt_read(&r, ACNS_XML("2026-07-11T08:09:10"), 0, "America/New_York", NULL);
	assert_read_ok(&r);
	assert_true(r.ev[0].time == rt_utc("2026-07-11T12:09:10Z"));
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_OPTION);
}

static void test_acns_with_a_bare_ampersand_is_still_read(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r,
		"<Infringement><Source><TimeStamp>2026-02-11T08:09:10Z</TimeStamp>"
		"<IP_Address>203.0.113.98</IP_Address></Source>"
		"<Content><Item><Title>Salt & Pepper</Title></Item></Content></Infringement>",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_string_equal(r.ev[0].addr, "203.0.113.98");
	assert_int_equal(r.ev[0].port, -1);
}

static void test_xml_bomb_is_refused_before_any_entity_expands(void **state)
{
	char *doc = malloc(8192), *p = doc;
	struct rt r;

	(void)state;
	/* "billion laughs": ten levels of ten references each. */
	p += sprintf(p, "<?xml version=\"1.0\"?>\n<!DOCTYPE Infringement [\n"
			" <!ENTITY l0 \"lol\">\n");
	for (int i = 1; i < 10; i++) {
		p += sprintf(p, " <!ENTITY l%d \"", i);
		for (int j = 0; j < 10; j++)
			p += sprintf(p, "&l%d;", i - 1);
		p += sprintf(p, "\">\n");
	}
	sprintf(p, "]>\n<Infringement><Source><TimeStamp>2026-02-11T08:09:10Z</TimeStamp>"
		   "<IP_Address>203.0.113.97</IP_Address></Source>"
		   "<Content><Item><Title>&l9;</Title></Item></Content></Infringement>\n");
	rt_read(&r, doc, 0, NULL, NULL);
	assert_refused(&r, -EINVAL, "DTD");
	assert_int_equal(r.n, 0);
	free(doc);
}

static void test_xml_with_an_external_entity_is_refused(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r,
		"<?xml version=\"1.0\"?>\n<!DOCTYPE Infringement [ <!ENTITY x SYSTEM "
		"\"file:///etc/passwd\"> ]>\n<Infringement><Source><TimeStamp>&x;</TimeStamp>"
		"<IP_Address>203.0.113.97</IP_Address></Source></Infringement>\n",
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "DTD");
}

static void test_xml_larger_than_its_bound_is_refused(void **state)
{
	struct report_limits lim = report_limits_default();
	size_t n = 100000;
	char *doc = malloc(n + 100);
	struct rt r;

	(void)state;
	lim.max_xml = 50000;
	strcpy(doc, "<Infringement><!--");
	memset(doc + strlen(doc), 'x', n);
	strcpy(doc + 18 + n, "--></Infringement>");
	rt_read(&r, doc, 0, NULL, &lim);
	assert_refused(&r, -EFBIG, "larger than 50000 bytes");
	free(doc);
}

#define SS_HEAD                                                                                    \
	"\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"dst_ip\",\"dst_port\","               \
	"\"infection\"\n"

static void test_shadowserver_event_feed_gives_src_port_and_utc_by_the_format(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, SS_HEAD "\"2026-02-12 23:59:59\",\"tcp\",\"192.0.2.201\",51000,"
			    "\"198.51.100.250\",443,\"test-bot\"\n"
			    "\"2026-02-13 00:00:01\",\"udp\",\"192.0.2.202\",,\"198.51.100.251\",53,"
			    "\"test-bot\"\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_SHADOWSERVER);
	assert_string_equal(r.info.type, "test-bot");
	assert_int_equal(r.n, 2);
	assert_string_equal(r.ev[0].addr, "192.0.2.201");
	assert_int_equal(r.ev[0].port, 51000);
	assert_true(r.ev[0].time == rt_utc("2026-02-12T23:59:59Z"));
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_FORMAT);
	assert_int_equal(r.ev[0].line, 2);
	assert_int_equal(r.ev[1].port, -1);
	assert_int_equal(r.ev[1].line, 3);
}

static void test_shadowserver_scan_feed_port_is_the_service_not_the_source(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "timestamp,ip,protocol,port,tag\n"
		    "2026-02-12 10:00:00,192.0.2.210,tcp,23,telnet\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ev[0].addr, "192.0.2.210");
	assert_int_equal(r.ev[0].port, -1);
}

static void test_shadowserver_bad_row_is_named_by_its_line(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, SS_HEAD "\"2026-02-12 23:59:59\",\"tcp\",\"192.0.2.201\",1,\"x\",1,\"a\"\n"
			    "\"2026-02-12 24:00:00\",\"tcp\",\"192.0.2.201\",1,\"x\",1,\"a\"\n",
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "timestamp");
	assert_int_equal(r.line, 3);
}

static void test_csv_field_that_never_ends_is_stopped_at_the_bound(void **state)
{
	struct report_limits lim = report_limits_default();
	size_t n = 1 << 20;
	char *doc = malloc(n + 200);
	struct rt r;

	(void)state;
	lim.max_line = 4096;
	strcpy(doc, SS_HEAD "\"");
	memset(doc + strlen(doc), 'a', n);
	doc[strlen(SS_HEAD) + 1 + n] = '\0';
	rt_read(&r, doc, 0, NULL, &lim);
	assert_refused(&r, -EFBIG, "field longer than 4096 bytes");
	free(doc);
}

static void test_intelmq_events_one_per_line_name_the_bad_line(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "{\"source.ip\": \"198.51.100.60\", \"source.port\": 1234, "
		    "\"time.source\": \"2026-02-14T06:00:00+00:00\", "
		    "\"classification.taxonomy\": \"malicious-code\", "
		    "\"classification.type\": \"infected-system\"}\n"
		    "{\"source.ip\": \"198.51.100.61\", \"time.source\": "
		    "\"2026-02-14T07:00:00.5-01:00\"}\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_INTELMQ);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0].port, 1234);
	assert_int_equal(r.ev[0].line, 1);
	assert_true(r.ev[1].time == rt_utc("2026-02-14T08:00:00Z") + 500000);
	assert_int_equal(r.ev[1].line, 2);

	rt_read(&r, "{\"source.ip\": \"198.51.100.60\", \"time.source\": "
		    "\"2026-02-14T06:00:00+00:00\"}\n"
		    "\n"
		    "{\"source.ip\": \"198.51.100.61\", \"time.observation\": "
		    "\"2026-02-14T07:00:00+00:00\"}\n",
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "without time.source");
	assert_int_equal(r.line, 3);
}

static void test_plain_lines_with_and_without_port(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "# from the web server's log\n"
		    "192.0.2.33 2026-02-15T10:00:00Z 40404\n"
		    "\n"
		    "2001:db8:1::33 2026-02-15 11:00:00+01:00\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_PLAIN);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0].port, 40404);
	assert_int_equal(r.ev[0].line, 2);
	assert_string_equal(r.ev[1].addr, "2001:db8:1::33");
	assert_int_equal(r.ev[1].port, -1);
	assert_true(r.ev[1].time == rt_utc("2026-02-15T10:00:00Z"));
	assert_int_equal(r.ev[1].line, 4);
}

static void test_plain_zoneless_line_refuses_the_whole_report_unless_tz(void **state)
{
	static const char doc[] = "192.0.2.33 2026-03-29T01:30:00Z\n"
				  "192.0.2.34 2026-03-29T03:30:00\n";
	struct rt r;

	(void)state;
	rt_read(&r, doc, 0, NULL, NULL);
	assert_refused(&r, -EINVAL, "time without a zone");
	assert_int_equal(r.line, 2);
	/* 03:30 in Berlin on the day summer time starts is +02:00. */
	rt_read(&r, doc, 0, "Europe/Berlin", NULL);
	assert_read_ok(&r);
	assert_int_equal(r.ev[0].zone, REPORT_ZONE_EXPLICIT);
	assert_true(r.ev[1].time == rt_utc("2026-03-29T01:30:00Z"));
	assert_int_equal(r.ev[1].zone, REPORT_ZONE_OPTION);
}

static void test_plain_line_with_a_bad_address_names_it(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "192.0.2.33 2026-02-15T10:00:00Z\n192.0.2.300 2026-02-15T10:00:00Z\n", 0,
		NULL, NULL);
	assert_refused(&r, -EINVAL, "ADDRESS");
	assert_int_equal(r.line, 2);
}

static void test_spamcop_email_from_line_gives_the_address_and_time(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "From: 1@reports.spamcop.example\nSubject: [SpamCop] x\n\n"
		    "Email from 198.51.100.70 / Mon, 16 Feb 2026 09:00:00 -0800\n",
		0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_SPAMCOP);
	assert_true(r.ev[0].time == rt_utc("2026-02-16T17:00:00Z"));
}

static void test_zip_attachment_of_a_csv_is_read(void **state)
{
	static const char csv[] = SS_HEAD "\"2026-02-12 01:02:03\",\"tcp\",\"192.0.2.220\",5000,"
					  "\"x\",1,\"zipped\"\n";
	size_t zlen;
	char *zip = rt_zip("event4.csv", csv, strlen(csv), &zlen);
	char *b64 = rt_base64(zip, zlen), *msg = malloc(strlen(b64) + 1000);
	struct rt r;

	(void)state;
	sprintf(msg, "From: reports@shadow.example\nMIME-Version: 1.0\n"
		     "Content-Type: multipart/mixed; boundary=\"z\"\n\n"
		     "--z\nContent-Type: text/plain\n\nDaily report.\n"
		     "--z\nContent-Type: application/zip; name=\"r.zip\"\n"
		     "Content-Transfer-Encoding: base64\n\n%s--z--\n", b64);
	rt_read(&r, msg, 0, NULL, NULL);
	assert_read_ok(&r);
	assert_int_equal(r.info.kind, REPORT_SHADOWSERVER);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].port, 5000);
	assert_true(r.ev[0].time == rt_utc("2026-02-12T01:02:03Z"));
	free(zip);
	free(b64);
	free(msg);
}

static void test_zip_bomb_member_is_refused_at_the_unpacked_bound(void **state)
{
	struct report_limits lim = report_limits_default();
	size_t zlen;
	char *zip = rt_zip("big.json", NULL, 16u << 20, &zlen);
	struct rt r;

	(void)state;
	/* 16 MiB of zeros pack to some kilobytes. */
	assert_true(zlen < 200000);
	lim.max_unpacked = 1u << 20;
	rt_read(&r, zip, zlen, NULL, &lim);
	assert_refused(&r, -EFBIG, "unpacks to more than 1048576 bytes");
	free(zip);
}

static void test_message_larger_than_its_bound_is_refused(void **state)
{
	struct report_limits lim = report_limits_default();
	size_t n = 300000;
	char *msg = malloc(n + 100);
	struct rt r;

	(void)state;
	lim.max_document = 100000;
	strcpy(msg, "From: x@y.example\nSubject: big\n\n");
	memset(msg + strlen(msg), 'a', n);
	msg[n] = '\0';
	rt_read(&r, msg, 0, NULL, &lim);
	assert_refused(&r, -EFBIG, "message larger than 100000 bytes");
	free(msg);
}

static void test_deeply_nested_message_is_refused(void **state)
{
	GString *s = g_string_new("From: x@y.example\nMIME-Version: 1.0\n");
	struct rt r;

	(void)state;
	for (int i = 0; i < 40; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
					  "--b%d\n", i, i);
	g_string_append(s, "Content-Type: text/plain\n\nhello\n");
	rt_read(&r, s->str, 0, NULL, NULL);
	assert_refused(&r, -EFBIG, "nested deeper");
	g_string_free(s, TRUE);
}

static void test_message_without_a_report_says_what_it_looked_for(void **state)
{
	struct rt r;

	(void)state;
	rt_read(&r, "From: someone@forum.example\nSubject: hacking!!\n\n"
		    "someone from 192.0.2.201 tried to log in around 2:30 AM\n",
		0, NULL, NULL);
	assert_refused(&r, -EINVAL, "no report found");
}

static void test_garbage_is_refused_with_a_line(void **state)
{
	static const char junk[] = "\x01\x02\x03 not a report\n";
	struct rt r;

	(void)state;
	rt_read(&r, junk, sizeof(junk) - 1, NULL, NULL);
	assert_int_equal(r.rc, -EINVAL);
	assert_int_equal(r.line, 1);
	rt_read(&r, "", 1, NULL, NULL);
	assert_int_not_equal(r.rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arf_gives_source_ip_port_and_arrival_date_in_utc),
		cmocka_unit_test(test_arf_reads_received_date_when_arrival_date_is_missing),
		cmocka_unit_test(test_arf_time_without_a_zone_is_refused_unless_tz_names_one),
		cmocka_unit_test(test_arf_without_source_ip_is_refused),
		cmocka_unit_test(test_arf_bad_source_port_is_refused),
		cmocka_unit_test(test_legacy_xarf_port_is_the_attacked_service_never_a_source_port),
		cmocka_unit_test(test_legacy_xarf_date_may_be_unix_time),
		cmocka_unit_test(test_xarf_v4_gives_first_and_last_seen_with_the_source_port),
		cmocka_unit_test(test_xarf_v4_source_that_is_not_an_address_is_refused),
		cmocka_unit_test(test_acns_inline_after_a_preamble_uses_source_timestamp),
		cmocka_unit_test(test_acns_attached_in_base64_is_read),
		cmocka_unit_test(test_acns_time_without_a_zone_needs_tz),
		cmocka_unit_test(test_acns_with_a_bare_ampersand_is_still_read),
		cmocka_unit_test(test_xml_bomb_is_refused_before_any_entity_expands),
		cmocka_unit_test(test_xml_with_an_external_entity_is_refused),
		cmocka_unit_test(test_xml_larger_than_its_bound_is_refused),
		cmocka_unit_test(test_shadowserver_event_feed_gives_src_port_and_utc_by_the_format),
		cmocka_unit_test(test_shadowserver_scan_feed_port_is_the_service_not_the_source),
		cmocka_unit_test(test_shadowserver_bad_row_is_named_by_its_line),
		cmocka_unit_test(test_csv_field_that_never_ends_is_stopped_at_the_bound),
		cmocka_unit_test(test_intelmq_events_one_per_line_name_the_bad_line),
		cmocka_unit_test(test_plain_lines_with_and_without_port),
		cmocka_unit_test(test_plain_zoneless_line_refuses_the_whole_report_unless_tz),
		cmocka_unit_test(test_plain_line_with_a_bad_address_names_it),
		cmocka_unit_test(test_spamcop_email_from_line_gives_the_address_and_time),
		cmocka_unit_test(test_zip_attachment_of_a_csv_is_read),
		cmocka_unit_test(test_zip_bomb_member_is_refused_at_the_unpacked_bound),
		cmocka_unit_test(test_message_larger_than_its_bound_is_refused),
		cmocka_unit_test(test_deeply_nested_message_is_refused),
		cmocka_unit_test(test_message_without_a_report_says_what_it_looked_for),
		cmocka_unit_test(test_garbage_is_refused_with_a_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
