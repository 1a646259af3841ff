// SPDX-License-Identifier: GPL-3.0-or-later
// The callouts: each lease Kea commits, releases, declines or reclaims
// becomes one journal event carrying what the lease and its query hold.
// Bindings start and extend only in leases4/6_committed, which run after
// the lease database was written; the earlier callouts can still be undone
// by another library or a failed write.  Declines are the exception Kea
// forces: lease4/6_decline is the last point where the declined lease still
// names its client, so the event is made there, kept in the packet's
// context, and written when leases4/6_committed shows the decline done.
// Nothing here decides anything about bindings: the rules do that in attribd.

#include "attrib_kea.h"

#include <dhcp/dhcp4.h>
#include <dhcp/dhcp6.h>
#include <dhcp/pkt4.h>
#include <dhcp/pkt6.h>
#include <dhcpsrv/lease.h>
#include <hooks/hooks.h>

#include <cstring>
#include <exception>
#include <vector>

using namespace isc::dhcp;
using namespace isc::hooks;
using namespace attrib_kea;

namespace {

/// @brief Context key under which declines wait for their commit.
const char* const DECLINED = "attrib-declined";

typedef std::vector<attrib_event> Events;

/// @brief Copy @p bytes into an identity field of @p kind; an identity too
/// long for the journal is left out (the event keeps the others).
void
setIdentity(const char* kind, const std::vector<uint8_t>& bytes, char* out) {
    if (!bytes.empty()) {
        attrib_identity_from_bytes(kind, &bytes[0], bytes.size(), out, ATTRIB_STR_MAX);
    }
}

/// @brief What every lease event carries: type, source, server, address
/// or prefix, lifetime, subnet, hardware address and hostname.
void
fromLease(attrib_event& ev, attrib_event_type type, const Lease& lease, int64_t time) {
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.time = time;
    strncpy(ev.server, server_id.c_str(), sizeof(ev.server) - 1);
    ev.valid_lifetime = lease.valid_lft_;
    ev.subnet_id = lease.subnet_id_;
    ev.has = ATTRIB_HAS_LIFETIME | ATTRIB_HAS_SUBNET;

    std::vector<uint8_t> addr = lease.addr_.toBytes();
    attrib_prefix raw;
    memset(&raw, 0, sizeof(raw));
    raw.family = addr.size() == 4 ? 4 : 6;
    raw.len = raw.family == 4 ? 32 : 128;
    memcpy(raw.net, &addr[0], addr.size() <= sizeof(raw.net) ? addr.size() : sizeof(raw.net));
    attrib_prefix_mask(&raw, raw.len, &ev.addr[0]);
    ev.naddr = 1;

    if (lease.hwaddr_) {
        setIdentity("hwaddr", lease.hwaddr_->hwaddr_, ev.id.hwaddr);
    }
    // A hostname longer than the journal keeps is cut; one with a NUL ends there.
    strncpy(ev.id.hostname, lease.hostname_.c_str(), sizeof(ev.id.hostname) - 1);
}

/// @brief A DHCPv4 lease event, with option 82 from @p query if it has one.
void
fromLease4(attrib_event& ev, attrib_event_type type, const Lease4& lease, int64_t time,
           const Pkt4Ptr& query) {
    fromLease(ev, type, lease, time);
    ev.source = ATTRIB_SRC_DHCP4;
    if (lease.client_id_) {
        setIdentity("client-id", lease.client_id_->getClientId(), ev.id.client_id);
    }
    OptionPtr rai = query ? query->getOption(DHO_DHCP_AGENT_OPTIONS) : OptionPtr();
    if (!rai) {
        return;
    }
    static const struct {
        uint16_t code;
        const char* kind;
        size_t off;
    } subs[] = {
        { RAI_OPTION_AGENT_CIRCUIT_ID, "circuit-id", offsetof(attrib_identities, circuit_id) },
        { RAI_OPTION_REMOTE_ID, "remote-id", offsetof(attrib_identities, remote_id) },
        { RAI_OPTION_SUBSCRIBER_ID, "subscriber-id", offsetof(attrib_identities, subscriber_id) },
    };
    for (auto const& sub : subs) {
        OptionPtr opt = rai->getOption(sub.code);
        if (opt) {
            setIdentity(sub.kind, opt->toBinary(), reinterpret_cast<char*>(&ev.id) + sub.off);
        }
    }
}

/// @brief A DHCPv6 lease event: DUID, IAID, address or delegated prefix,
/// and the relay options nearest the client, if @p query came relayed.
void
fromLease6(attrib_event& ev, attrib_event_type type, const Lease6& lease, int64_t time,
           const Pkt6Ptr& query) {
    fromLease(ev, type, lease, time);
    ev.source = ATTRIB_SRC_DHCP6;
    if (lease.type_ == Lease::TYPE_PD) {
        ev.lease_type = ATTRIB_LEASE_PREFIX;
        attrib_prefix full = ev.addr[0];
        attrib_prefix_mask(&full, lease.prefixlen_ <= 128 ? lease.prefixlen_ : 128, &ev.addr[0]);
    }
    // A declined lease keeps a one-byte zero DUID (DUID::EMPTY): no client.
    if (lease.duid_ && lease.duid_->getDuid().size() > 1) {
        setIdentity("duid", lease.duid_->getDuid(), ev.id.duid);
    }
    ev.id.iaid = lease.iaid_;
    ev.id.has_iaid = true;
    if (!query || query->relay_info_.empty()) {
        return;
    }
    static const struct {
        uint16_t code;
        const char* kind;
        size_t off;
    } relay[] = {
        { D6O_INTERFACE_ID, "circuit-id", offsetof(attrib_identities, circuit_id) },
        { D6O_REMOTE_ID, "remote-id", offsetof(attrib_identities, remote_id) },
        { D6O_SUBSCRIBER_ID, "subscriber-id", offsetof(attrib_identities, subscriber_id) },
    };
    for (auto const& r : relay) {
        OptionPtr opt = query->getAnyRelayOption(r.code, Pkt6::RELAY_SEARCH_FROM_CLIENT);
        if (opt) {
            setIdentity(r.kind, opt->toBinary(), reinterpret_cast<char*>(&ev.id) + r.off);
        }
    }
}

/// @brief Hand @p ev to the writer.  A failure is counted and logged by
/// the writer (once per outage) and never reaches Kea.
void
append(const attrib_event& ev, const char* callout) {
    if (!writer) {
        return;
    }
    int rc = attrib_journal_append(writer, &ev);
    if (rc == -EINVAL) {
        // Not an outage: this event cannot be encoded.  Should not happen.
        LOG_ERROR(logger, ATTRIB_EVENT_LOST).arg(callout).arg(server_id).arg(strerror(-rc));
    }
}

int64_t
seconds(time_t t) {
    return (static_cast<int64_t>(t) * 1000000);
}

/// @brief When a lease was committed, to the microsecond.
///
/// Kea keeps the commit time (cltt) in whole seconds, and the committed
/// callouts run right after it is set: the clock now places the commit
/// within that second.  Without this, a client that released its address
/// and took it again within one second would appear to have renewed it
/// before the release.
int64_t
commitTime(time_t cltt) {
    int64_t start = seconds(cltt);
    int64_t now = attrib_time_now();
    if (now < start) {
        return (start);
    }
    return (now < start + 1000000 ? now : start + 999999);
}

/// @brief When Kea took @p lease to have expired (cltt + valid lifetime):
/// after its last commit, which the event must not precede (the commit's
/// time is within cltt's second), and before the reclamation.
int64_t
expiry(const Lease& lease) {
    return (seconds(lease.cltt_) + static_cast<int64_t>(lease.valid_lft_) * 1000000);
}

/// @brief Run @p body, catching whatever it throws: the exchange goes on.
template <typename Body>
int
guarded(const char* callout, Body body) {
    try {
        body();
    } catch (const std::exception& ex) {
        try {
            LOG_ERROR(logger, ATTRIB_CALLOUT_FAILED).arg(callout).arg(ex.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            LOG_ERROR(logger, ATTRIB_CALLOUT_FAILED).arg(callout).arg("unknown exception");
        } catch (...) {
        }
    }
    return (0);
}

/// @brief Keep a decline's event until the commit shows it done.
void
stashDecline(CalloutHandle& handle, const attrib_event& ev) {
    Events events;
    try {
        handle.getContext(DECLINED, events);
    } catch (const NoSuchCalloutContext&) {
    }
    events.push_back(ev);
    handle.setContext(DECLINED, events);
}

/// @brief The decline of @p lease (state declined, in a committed list): the
/// event kept by lease4/6_decline for its address, or one without a client
/// if there is none.
template <typename LeaseT>
void
commitDecline(CalloutHandle& handle, const LeaseT& lease, int64_t now) {
    Events events;
    try {
        handle.getContext(DECLINED, events);
    } catch (const NoSuchCalloutContext&) {
    }
    attrib_event ev;
    if (lease.addr_.isV4()) {
        fromLease4(ev, ATTRIB_EV_LEASE_DECLINE, dynamic_cast<const Lease4&>(lease), now,
                   Pkt4Ptr());
    } else {
        fromLease6(ev, ATTRIB_EV_LEASE_DECLINE, dynamic_cast<const Lease6&>(lease), now,
                   Pkt6Ptr());
    }
    for (auto const& kept : events) {
        if (kept.addr[0].len == ev.addr[0].len &&
            memcmp(kept.addr[0].net, ev.addr[0].net, sizeof(ev.addr[0].net)) == 0) {
            ev = kept;
            break;
        }
    }
    append(ev, "declined lease");
}

} // namespace

extern "C" {

/// @brief Leases written for a DHCPv4 REQUEST, RELEASE or DECLINE: new and
/// renewed leases start or extend bindings, deleted ones end them now.
int
leases4_committed(CalloutHandle& handle) {
    return (guarded("leases4_committed", [&]() {
        Pkt4Ptr query;
        Lease4CollectionPtr leases;
        Lease4CollectionPtr deleted;
        handle.getArgument("query4", query);
        handle.getArgument("leases4", leases);
        handle.getArgument("deleted_leases4", deleted);
        int64_t now = attrib_time_now();
        attrib_event ev;

        for (auto const& lease : deleted ? *deleted : Lease4Collection()) {
            fromLease4(ev, ATTRIB_EV_LEASE_RELEASE, *lease, now, query);
            append(ev, "leases4_committed");
        }
        for (auto const& lease : leases ? *leases : Lease4Collection()) {
            if (lease->state_ == Lease::STATE_DECLINED) {
                commitDecline(handle, *lease, now);
                continue;
            }
            fromLease4(ev, ATTRIB_EV_LEASE_COMMIT, *lease, commitTime(lease->cltt_), query);
            append(ev, "leases4_committed");
        }
    }));
}

/// @brief A DHCPv4 DECLINE about to be applied: the last sight of the
/// client's identity, which Kea then strips from the lease.
int
lease4_decline(CalloutHandle& handle) {
    return (guarded("lease4_decline", [&]() {
        Pkt4Ptr query;
        Lease4Ptr lease;
        handle.getArgument("query4", query);
        handle.getArgument("lease4", lease);
        if (lease) {
            attrib_event ev;
            fromLease4(ev, ATTRIB_EV_LEASE_DECLINE, *lease, attrib_time_now(), query);
            stashDecline(handle, ev);
        }
    }));
}

/// @brief A DHCPv4 lease reclaimed after its expected end (cltt + valid):
/// the rules end the binding there, whenever the reclamation runs.
int
lease4_expire(CalloutHandle& handle) {
    return (guarded("lease4_expire", [&]() {
        Lease4Ptr lease;
        handle.getArgument("lease4", lease);
        if (lease) {
            attrib_event ev;
            fromLease4(ev, ATTRIB_EV_LEASE_EXPIRE, *lease, expiry(*lease), Pkt4Ptr());
            append(ev, "lease4_expire");
        }
    }));
}

/// @brief Leases written for a DHCPv6 REQUEST, RENEW, REBIND, RELEASE,
/// DECLINE or rapid-commit SOLICIT, addresses and delegated prefixes alike.
int
leases6_committed(CalloutHandle& handle) {
    return (guarded("leases6_committed", [&]() {
        Pkt6Ptr query;
        Lease6CollectionPtr leases;
        Lease6CollectionPtr deleted;
        handle.getArgument("query6", query);
        handle.getArgument("leases6", leases);
        handle.getArgument("deleted_leases6", deleted);
        int64_t now = attrib_time_now();
        attrib_event ev;

        for (auto const& lease : deleted ? *deleted : Lease6Collection()) {
            if (lease->state_ == Lease::STATE_DECLINED) {
                commitDecline(handle, *lease, now);
                continue;
            }
            fromLease6(ev, ATTRIB_EV_LEASE_RELEASE, *lease, now, query);
            append(ev, "leases6_committed");
        }
        for (auto const& lease : leases ? *leases : Lease6Collection()) {
            if (lease->state_ == Lease::STATE_DECLINED) {
                commitDecline(handle, *lease, now);
                continue;
            }
            fromLease6(ev, ATTRIB_EV_LEASE_COMMIT, *lease, commitTime(lease->cltt_), query);
            append(ev, "leases6_committed");
        }
    }));
}

/// @brief A DHCPv6 DECLINE of one address, before Kea strips its client.
int
lease6_decline(CalloutHandle& handle) {
    return (guarded("lease6_decline", [&]() {
        Pkt6Ptr query;
        Lease6Ptr lease;
        handle.getArgument("query6", query);
        handle.getArgument("lease6", lease);
        if (lease) {
            attrib_event ev;
            fromLease6(ev, ATTRIB_EV_LEASE_DECLINE, *lease, attrib_time_now(), query);
            stashDecline(handle, ev);
        }
    }));
}

/// @brief A DHCPv6 address or prefix reclaimed after its expected end.
int
lease6_expire(CalloutHandle& handle) {
    return (guarded("lease6_expire", [&]() {
        Lease6Ptr lease;
        handle.getArgument("lease6", lease);
        if (lease) {
            attrib_event ev;
            fromLease6(ev, ATTRIB_EV_LEASE_EXPIRE, *lease, expiry(*lease), Pkt6Ptr());
            append(ev, "lease6_expire");
        }
    }));
}

} // extern "C"
