/* SPDX-License-Identifier: GPL-3.0-or-later */

/**
 * @file rlm_attrib.c
 * @brief Journal every accounting packet for attribd.
 *
 * Each Accounting-Request (Start, Interim-Update, Stop, Accounting-On/Off)
 * becomes one attrib event appended to the journal attribd tails.  The
 * module only translates attributes: which session, address and time the
 * packet stands for is decided by attrib's rules when attribd applies it.
 * It answers ok once the event is written, and fail when it cannot be, so
 * that the NAS gets no Accounting-Response and sends the packet again.
 */
RCSID("$Id$")

#include <freeradius/radiusd.h>
#include <freeradius/modules.h>

#include <string.h>
#include <unistd.h>

#include "attrib/event.h"
#include "attrib/journal.h"
#include "attrib/times.h"

typedef struct rlm_attrib_t {
	char const	*name;			//!< Instance name, for logs.
	char const	*journal_dir;		//!< Where attribd reads journals from.
	char const	*server_id;		//!< Names the journal files (freeradius-HOST).
	char const	*sync;			//!< "interval", "every" or "none".
	uint32_t	sync_interval;		//!< ms between fdatasyncs (sync = interval).
	uint32_t	heartbeat_interval;	//!< ms between heartbeat records.
	char		id[ATTRIB_JOURNAL_ID_MAX + 1];
	struct attrib_journal_writer *writer;
} rlm_attrib_t;

static const CONF_PARSER module_config[] = {
	{ "journal_dir", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_REQUIRED, rlm_attrib_t,
					journal_dir), NULL },
	{ "server_id", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_attrib_t, server_id), NULL },
	{ "sync", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_attrib_t, sync), "interval" },
	{ "sync_interval", FR_CONF_OFFSET(PW_TYPE_INTEGER, rlm_attrib_t, sync_interval), "1000" },
	{ "heartbeat_interval", FR_CONF_OFFSET(PW_TYPE_INTEGER, rlm_attrib_t, heartbeat_interval),
	  "30000" },
	CONF_PARSER_TERMINATOR
};

/*
 *	The writer calls this on a change of state, not per packet, so the
 *	log says once that accounting is being refused and once that it is
 *	written again.
 */
static void journal_notify(void *arg, int err, char const *msg)
{
	rlm_attrib_t const *inst = arg;

	if (err) {
		ERROR("rlm_attrib (%s): %s: %s: accounting is answered with no response "
		      "until the journal can be written", inst->name, msg, fr_syserror(err));
	} else {
		INFO("rlm_attrib (%s): the journal in %s is written again", inst->name,
		     inst->journal_dir);
	}
}

/*
 *	A default server id from the host name, in the characters the journal
 *	allows (letters, digits, '.', '_', '-').
 */
static void default_server_id(char *out, size_t outlen)
{
	char host[64] = "";
	size_t n;

	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0]) strcpy(host, "localhost");
	snprintf(out, outlen, "freeradius-%s", host);
	for (n = 0; out[n]; n++) {
		char c = out[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) out[n] = '_';
	}
}

static int mod_instantiate(CONF_SECTION *conf, void *instance)
{
	rlm_attrib_t *inst = instance;
	struct attrib_journal_config cfg;
	int rc;

	inst->name = cf_section_name2(conf);
	if (!inst->name) inst->name = cf_section_name1(conf);

	memset(&cfg, 0, sizeof(cfg));
	if (strcmp(inst->sync, "interval") == 0) {
		cfg.sync = ATTRIB_JOURNAL_SYNC_INTERVAL;
	} else if (strcmp(inst->sync, "every") == 0) {
		cfg.sync = ATTRIB_JOURNAL_SYNC_EVERY;
	} else if (strcmp(inst->sync, "none") == 0) {
		cfg.sync = ATTRIB_JOURNAL_SYNC_NONE;
	} else {
		cf_log_err_cs(conf, "sync = \"%s\": must be interval, every or none", inst->sync);
		return -1;
	}
	if (inst->sync_interval < 10 || inst->sync_interval > 3600000) {
		cf_log_err_cs(conf, "sync_interval = %u: must be 10 to 3600000 (ms)",
			      inst->sync_interval);
		return -1;
	}
	if (inst->heartbeat_interval < 100 || inst->heartbeat_interval > 3600000) {
		cf_log_err_cs(conf, "heartbeat_interval = %u: must be 100 to 3600000 (ms)",
			      inst->heartbeat_interval);
		return -1;
	}
	if (inst->server_id && inst->server_id[0]) {
		if (strlen(inst->server_id) > ATTRIB_JOURNAL_ID_MAX) {
			cf_log_err_cs(conf, "server_id: longer than %d bytes",
				      ATTRIB_JOURNAL_ID_MAX);
			return -1;
		}
		strcpy(inst->id, inst->server_id);
	} else {
		default_server_id(inst->id, sizeof(inst->id));
	}

	cfg.dir = inst->journal_dir;
	cfg.server_id = inst->id;
	cfg.on_failure = ATTRIB_JOURNAL_REFUSE;
	cfg.sync_ms = inst->sync_interval;
	cfg.heartbeat_ms = inst->heartbeat_interval;
	cfg.notify = journal_notify;
	cfg.notify_arg = inst;

	rc = attrib_journal_open(&cfg, &inst->writer);
	if (rc == -EINVAL) {
		cf_log_err_cs(conf, "server_id \"%s\": letters, digits, '.', '_' and '-' only, "
			      "not starting with '.'", inst->id);
		return -1;
	}
	if (rc < 0) {
		cf_log_err_cs(conf, "cannot open a journal in %s: %s", inst->journal_dir,
			      fr_syserror(-rc));
		return -1;
	}
	INFO("rlm_attrib (%s): journal in %s as %s, sync %s", inst->name, inst->journal_dir,
	     inst->id, inst->sync);
	return 0;
}

static int mod_detach(void *instance)
{
	rlm_attrib_t *inst = instance;
	int rc;

	if (!inst->writer) return 0;
	rc = attrib_journal_close(&inst->writer);
	if (rc < 0) ERROR("rlm_attrib (%s): closing the journal: %s", inst->name, fr_syserror(-rc));
	return 0;
}

/*
 *	Copy a string attribute.  A value with a NUL inside would be cut short
 *	by the journal and could name another subscriber, so it is refused.
 *
 *	@return 0, or -1 with the reason logged.
 */
static int copy_string(REQUEST *request, char *out, VALUE_PAIR const *vp)
{
	if (vp->vp_length >= ATTRIB_STR_MAX || memchr(vp->vp_strvalue, '\0', vp->vp_length)) {
		REDEBUG("%s is longer than %d bytes or holds a NUL byte", vp->da->name,
			ATTRIB_STR_MAX - 1);
		return -1;
	}
	memcpy(out, vp->vp_strvalue, vp->vp_length);
	out[vp->vp_length] = '\0';
	return 0;
}

static int copy_identity(REQUEST *request, char const *kind, char *out, VALUE_PAIR const *vp)
{
	char text[ATTRIB_STR_MAX];

	if (copy_string(request, text, vp) < 0) return -1;
	if (attrib_identity_normalize(kind, text, out, ATTRIB_STR_MAX) < 0) {
		REDEBUG("%s cannot be used as an identity", vp->da->name);
		return -1;
	}
	return 0;
}

static void add_prefix(REQUEST *request, struct attrib_event *ev, int family, uint8_t const *bytes,
		       unsigned len)
{
	struct attrib_prefix full = { .family = (uint8_t)family };

	if (ev->naddr == ATTRIB_EVENT_ADDRS) {
		RWARN("more than %d addresses and prefixes: the rest are not journaled",
		      ATTRIB_EVENT_ADDRS);
		return;
	}
	memcpy(full.net, bytes, family == 4 ? 4 : 16);
	/* A prefix sent with host bits set still names its network. */
	attrib_prefix_mask(&full, len, &ev->addr[ev->naddr++]);
}

/*
 *	Every address and prefix of the packet, in the order the design lists
 *	them, each attribute as often as it occurs.
 */
static void read_addresses(REQUEST *request, struct attrib_event *ev)
{
	vp_cursor_t cursor;
	VALUE_PAIR *vp;

	for (vp = fr_cursor_init(&cursor, &request->packet->vps); vp;
	     vp = fr_cursor_next(&cursor)) {
		if (vp->da->vendor != 0) continue;
		switch (vp->da->attr) {
		case PW_FRAMED_IP_ADDRESS:
			add_prefix(request, ev, 4, (uint8_t const *)&vp->vp_ipaddr, 32);
			break;
		case PW_FRAMED_IPV6_ADDRESS:
			add_prefix(request, ev, 6, vp->vp_ipv6addr.s6_addr, 128);
			break;
		case PW_FRAMED_IPV6_PREFIX:
		case PW_DELEGATED_IPV6_PREFIX:
			add_prefix(request, ev, 6, vp->vp_ipv6prefix + 2,
				   vp->vp_ipv6prefix[1] > 128 ? 128 : vp->vp_ipv6prefix[1]);
			break;
		default:
			break;
		}
	}
}

/*
 *	The first instance of an RFC attribute in the request.
 */
static VALUE_PAIR *find(REQUEST *request, unsigned attr)
{
	return fr_pair_find_by_num(request->packet->vps, attr, 0, TAG_ANY);
}

/*
 *	The NAS, as the rules key sessions and Accounting-On/Off on it:
 *	NAS-IP-Address, else NAS-IPv6-Address, else NAS-Identifier, else the
 *	address the packet came from.  attrib import radius-detail picks it the
 *	same way.
 */
static void read_nas(REQUEST *request, struct attrib_event *ev)
{
	VALUE_PAIR *vp;

	if ((vp = find(request, PW_NAS_IP_ADDRESS))) {
		inet_ntop(AF_INET, &vp->vp_ipaddr, ev->nas, sizeof(ev->nas));
	} else if ((vp = find(request, PW_NAS_IPV6_ADDRESS))) {
		inet_ntop(AF_INET6, &vp->vp_ipv6addr, ev->nas, sizeof(ev->nas));
	} else if ((vp = find(request, PW_NAS_IDENTIFIER)) &&
		   vp->vp_length > 0 && copy_string(request, ev->nas, vp) == 0) {
		return;
	} else {
		fr_ipaddr_t const *src = &request->packet->src_ipaddr;

		inet_ntop(src->af, &src->ipaddr, ev->nas, sizeof(ev->nas));
	}
}

static uint64_t counter(REQUEST *request, unsigned octets, unsigned gigawords, bool *found)
{
	VALUE_PAIR *lo = find(request, octets);
	VALUE_PAIR *hi = find(request, gigawords);

	*found |= lo || hi;
	return (hi ? (uint64_t)hi->vp_integer << 32 : 0) + (lo ? lo->vp_integer : 0);
}

/*
 *	The packet as an event.  @return 0, or -1 when it cannot be one (logged).
 */
static int read_event(rlm_attrib_t const *inst, REQUEST *request, struct attrib_event *ev)
{
	VALUE_PAIR *vp;
	bool octets = false;
	char err[128];

	ev->source = ATTRIB_SRC_RADIUS;
	ev->arrival = (int64_t)request->packet->timestamp.tv_sec * ATTRIB_USEC +
		      request->packet->timestamp.tv_usec;
	if ((vp = find(request, PW_EVENT_TIMESTAMP))) {
		ev->event_ts = (int64_t)vp->vp_date * ATTRIB_USEC;
		ev->has |= ATTRIB_HAS_EVENT_TS;
	}
	if ((vp = find(request, PW_ACCT_DELAY_TIME))) {
		ev->delay = vp->vp_integer;
		ev->has |= ATTRIB_HAS_DELAY;
	}
	if ((vp = find(request, PW_ACCT_SESSION_TIME))) {
		ev->session_time = vp->vp_integer;
		ev->has |= ATTRIB_HAS_SESSION_TIME;
	}
	ev->input_octets = counter(request, PW_ACCT_INPUT_OCTETS, PW_ACCT_INPUT_GIGAWORDS,
				   &octets);
	ev->output_octets = counter(request, PW_ACCT_OUTPUT_OCTETS, PW_ACCT_OUTPUT_GIGAWORDS,
				    &octets);
	if (octets) ev->has |= ATTRIB_HAS_OCTETS;

	strcpy(ev->server, inst->id);
	read_nas(request, ev);
	if ((vp = find(request, PW_ACCT_SESSION_ID)) &&
	    copy_string(request, ev->session_id, vp) < 0) return -1;
	if ((vp = find(request, PW_ACCT_UNIQUE_SESSION_ID)) &&
	    copy_string(request, ev->unique_session_id, vp) < 0) return -1;
	if ((vp = find(request, PW_USER_NAME)) && vp->vp_length > 0 &&
	    copy_identity(request, "username", ev->id.username, vp) < 0) return -1;
	if ((vp = find(request, PW_CALLING_STATION_ID)) && vp->vp_length > 0 &&
	    copy_identity(request, "calling-station-id", ev->id.calling_station_id, vp) < 0) {
		return -1;
	}
	read_addresses(request, ev);

	if (attrib_event_validate(ev, err, sizeof(err)) < 0) {
		REDEBUG("not an accounting event attrib can keep: %s", err);
		return -1;
	}
	return 0;
}

static rlm_rcode_t CC_HINT(nonnull) mod_accounting(void *instance, REQUEST *request)
{
	rlm_attrib_t *inst = instance;
	struct attrib_event ev;
	VALUE_PAIR *vp;
	int rc;

	memset(&ev, 0, sizeof(ev));
	vp = find(request, PW_ACCT_STATUS_TYPE);
	if (!vp) {
		RDEBUG2("no Acct-Status-Type: nothing to journal");
		return RLM_MODULE_NOOP;
	}
	switch (vp->vp_integer) {
	case PW_STATUS_START:
		ev.type = ATTRIB_EV_ACCT_START;
		break;
	case PW_STATUS_ALIVE:
		ev.type = ATTRIB_EV_ACCT_INTERIM;
		break;
	case PW_STATUS_STOP:
		ev.type = ATTRIB_EV_ACCT_STOP;
		break;
	case PW_STATUS_ACCOUNTING_ON:
		ev.type = ATTRIB_EV_ACCT_ON;
		break;
	case PW_STATUS_ACCOUNTING_OFF:
		ev.type = ATTRIB_EV_ACCT_OFF;
		break;
	default:
		RDEBUG2("Acct-Status-Type %u binds no address: nothing to journal", vp->vp_integer);
		return RLM_MODULE_NOOP;
	}

	/* A packet no rule could apply is dropped, as RFC 2866 drops bad ones. */
	if (read_event(inst, request, &ev) < 0) return RLM_MODULE_INVALID;

	rc = attrib_journal_append(inst->writer, &ev);
	if (rc < 0) {
		REDEBUG("not journaled: %s", fr_syserror(-rc));
		return RLM_MODULE_FAIL;
	}
	RDEBUG2("journaled %s of session %s from %s", attrib_event_type_name(ev.type),
		ev.unique_session_id[0] ? ev.unique_session_id : ev.session_id, ev.nas);
	return RLM_MODULE_OK;
}

extern module_t rlm_attrib;
module_t rlm_attrib = {
	.magic		= RLM_MODULE_INIT,
	.name		= "attrib",
	.type		= RLM_TYPE_THREAD_SAFE,
	.inst_size	= sizeof(rlm_attrib_t),
	.config		= module_config,
	.instantiate	= mod_instantiate,
	.detach		= mod_detach,
	.methods = {
		[MOD_ACCOUNTING]	= mod_accounting
	},
};
