// SPDX-License-Identifier: GPL-3.0-or-later
// The library's life in Kea: version(), load() that reads the parameters of
// its hooks-libraries entry and opens the journal writer, unload() that
// seals and closes it, and the statement that the callouts are safe with
// Kea's multi-threading.  Kea unloads and loads every library again on each
// reconfiguration (config-set, config-reload, SIGHUP), so load() and
// unload() run many times in one process.

#include "attrib_kea.h"

#include <cc/data.h>
#include <hooks/hooks.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <unistd.h>

using namespace isc::data;
using namespace isc::hooks;

namespace attrib_kea {

attrib_journal_writer* writer = 0;
std::string server_id;

} // namespace attrib_kea

using namespace attrib_kea;

namespace {

/// @brief The journal directory, kept for the writer, which keeps a pointer.
std::string journal_dir;

/// @brief Log the writer's change of state: trouble once, recovery once.
///
/// Called with the writer locked, from any thread: it only logs.
void
journalNotify(void*, int err, const char* msg) {
    try {
        if (err) {
            LOG_ERROR(logger, ATTRIB_JOURNAL_TROUBLE).arg(msg).arg(strerror(err));
        } else {
            LOG_INFO(logger, ATTRIB_JOURNAL_RECOVERED).arg(msg);
        }
    } catch (...) {
        // Nothing may cross into the writer's C code.
    }
}

/// @brief A string parameter, or @c dflt when it is absent.
std::string
getString(ConstElementPtr params, const std::string& name, const std::string& dflt) {
    ConstElementPtr value = params ? params->get(name) : ConstElementPtr();
    if (!value) {
        return (dflt);
    }
    if (value->getType() != Element::string || value->stringValue().empty()) {
        throw std::runtime_error("parameter '" + name + "' must be a non-empty string");
    }
    return (value->stringValue());
}

/// @brief A whole-number parameter in [@c min, @c max], or 0 when absent.
uint32_t
getMillis(ConstElementPtr params, const std::string& name, int64_t min, int64_t max) {
    ConstElementPtr value = params ? params->get(name) : ConstElementPtr();
    if (!value) {
        return (0);
    }
    if (value->getType() != Element::integer || value->intValue() < min ||
        value->intValue() > max) {
        throw std::runtime_error("parameter '" + name + "' must be a whole number from " +
                                 std::to_string(min) + " to " + std::to_string(max));
    }
    return (static_cast<uint32_t>(value->intValue()));
}

/// @brief Read the hooks-libraries parameters into @p cfg.
///
/// A key the library does not know is refused, so that a misspelt one
/// never leaves a default in place unnoticed.
void
configure(ConstElementPtr params, attrib_journal_config& cfg, std::string& sync) {
    static const char* const known[] = {
        "journal-dir", "server-id", "sync", "sync-interval-ms", "heartbeat-interval-ms", 0
    };

    if (params && params->getType() != Element::map) {
        throw std::runtime_error("parameters must be a map");
    }
    if (params) {
        for (auto const& entry : params->mapValue()) {
            bool ok = false;
            for (int i = 0; known[i] && !ok; ++i) {
                ok = entry.first == known[i];
            }
            if (!ok) {
                throw std::runtime_error("unknown parameter '" + entry.first + "' (known: "
                                         "journal-dir, server-id, sync, sync-interval-ms, "
                                         "heartbeat-interval-ms)");
            }
        }
    }

    journal_dir = getString(params, "journal-dir", "");
    if (journal_dir.empty()) {
        throw std::runtime_error("parameter 'journal-dir' is required");
    }

    // The default server id names the host and the server ("kea-dhcp4").
    // (Kea's CfgMgr would tell the family, but Debian's kea-dev lacks a
    // header cfgmgr.h needs.)
    char host[65] = "kea";
    if (gethostname(host, sizeof(host) - 1) == 0) {
        host[strcspn(host, ".")] = '\0';
    }
    server_id = getString(params, "server-id",
                          std::string(host) + "-" + program_invocation_short_name);
    if (server_id.size() > ATTRIB_JOURNAL_ID_MAX || server_id[0] == '.' ||
        server_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-") != std::string::npos) {
        throw std::runtime_error("parameter 'server-id' must be up to 64 letters, digits, "
                                 "'.', '_' or '-', not starting with '.': \"" +
                                 server_id + "\"");
    }

    sync = getString(params, "sync", "interval");
    if (sync == "interval") {
        cfg.sync = ATTRIB_JOURNAL_SYNC_INTERVAL;
    } else if (sync == "none") {
        cfg.sync = ATTRIB_JOURNAL_SYNC_NONE;
    } else if (sync == "every") {
        cfg.sync = ATTRIB_JOURNAL_SYNC_EVERY;
    } else {
        throw std::runtime_error("parameter 'sync' must be \"interval\", \"none\" or "
                                 "\"every\", not \"" + sync + "\"");
    }
    cfg.sync_ms = getMillis(params, "sync-interval-ms", 10, 3600000);
    cfg.heartbeat_ms = getMillis(params, "heartbeat-interval-ms", 100, 3600000);
    cfg.dir = journal_dir.c_str();
    cfg.server_id = server_id.c_str();
    cfg.on_failure = ATTRIB_JOURNAL_CARRY_ON;
    cfg.notify = journalNotify;
}

} // namespace

extern "C" {

/// @brief The hooks API version the library was built against.
int
version() {
    return (KEA_HOOKS_VERSION);
}

/// @brief Read the parameters and open the journal writer.
///
/// @return 0, or 1 (Kea then refuses the configuration) with the reason
/// logged: a bad parameter, or a journal directory the writer cannot use,
/// reported here where the operator sees it rather than as lost events.
int
load(LibraryHandle& handle) {
    try {
        attrib_journal_config cfg;
        std::string sync;

        memset(&cfg, 0, sizeof(cfg));
        configure(handle.getParameters(), cfg, sync);
        // A reload without an unload in between would leak the writer.
        attrib_journal_close(&writer);
        int rc = attrib_journal_open(&cfg, &writer);
        if (rc < 0) {
            throw std::runtime_error("cannot open a journal in " + journal_dir + ": " +
                                     strerror(-rc));
        }
        LOG_INFO(logger, ATTRIB_LOADED).arg(journal_dir).arg(server_id).arg(sync);
        return (0);
    } catch (const std::exception& ex) {
        try {
            LOG_ERROR(logger, ATTRIB_LOAD_FAILED).arg(ex.what());
        } catch (...) {
        }
    } catch (...) {
    }
    attrib_journal_close(&writer);
    return (1);
}

/// @brief Seal and close the journal: what was appended is synced (unless
/// "sync" is "none") before Kea goes on.
int
unload() {
    try {
        if (writer) {
            struct attrib_journal_stats stats;
            attrib_journal_stats(writer, &stats);
            attrib_journal_close(&writer);
            LOG_INFO(logger, ATTRIB_UNLOADED)
                .arg(static_cast<unsigned long long>(stats.counts.events))
                .arg(static_cast<unsigned long long>(stats.counts.lost));
        }
    } catch (...) {
        attrib_journal_close(&writer);
    }
    return (0);
}

/// @brief The callouts may run on Kea's worker threads at once: the
/// writer appends under its own lock.
int
multi_threading_compatible() {
    return (1);
}

} // extern "C"
