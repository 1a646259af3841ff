// SPDX-License-Identifier: GPL-3.0-or-later
// What the Kea hook's load/unload and its callouts share: the journal
// writer, the server id the events carry, the logger and its messages.

#ifndef ATTRIB_KEA_H
#define ATTRIB_KEA_H

#include <log/logger.h>
#include <log/macros.h>

#include <string>

extern "C" {
#include "attrib/event.h"
#include "attrib/journal.h"
#include "attrib/times.h"
}

namespace attrib_kea {

/// @brief The journal writer; null while the library is not loaded.
///
/// Set by load() and cleared by unload(), both of which Kea runs with no
/// packet being processed (it stops its worker threads to reconfigure), so
/// the callouts read it without a lock.
extern attrib_journal_writer* writer;

/// @brief The server id every event carries (the "server-id" parameter).
extern std::string server_id;

/// @brief The hook's logger ("attrib-hooks" in Kea's logging config).
extern isc::log::Logger logger;

extern const isc::log::MessageID ATTRIB_CALLOUT_FAILED;
extern const isc::log::MessageID ATTRIB_EVENT_LOST;
extern const isc::log::MessageID ATTRIB_JOURNAL_RECOVERED;
extern const isc::log::MessageID ATTRIB_JOURNAL_TROUBLE;
extern const isc::log::MessageID ATTRIB_LOAD_FAILED;
extern const isc::log::MessageID ATTRIB_LOADED;
extern const isc::log::MessageID ATTRIB_UNLOADED;

} // namespace attrib_kea

#endif // ATTRIB_KEA_H
