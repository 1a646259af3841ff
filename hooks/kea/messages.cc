// SPDX-License-Identifier: GPL-3.0-or-later
// The hook's log messages, registered with Kea's dictionary as the code
// kea-msg-compiler generates would (Debian's kea-dev does not ship the
// compiler).  Kea drops them again when the library is unloaded.

#include "attrib_kea.h"

#include <log/message_initializer.h>

namespace attrib_kea {

extern const isc::log::MessageID ATTRIB_CALLOUT_FAILED = "ATTRIB_CALLOUT_FAILED";
extern const isc::log::MessageID ATTRIB_EVENT_LOST = "ATTRIB_EVENT_LOST";
extern const isc::log::MessageID ATTRIB_JOURNAL_RECOVERED = "ATTRIB_JOURNAL_RECOVERED";
extern const isc::log::MessageID ATTRIB_JOURNAL_TROUBLE = "ATTRIB_JOURNAL_TROUBLE";
extern const isc::log::MessageID ATTRIB_LOAD_FAILED = "ATTRIB_LOAD_FAILED";
extern const isc::log::MessageID ATTRIB_LOADED = "ATTRIB_LOADED";
extern const isc::log::MessageID ATTRIB_UNLOADED = "ATTRIB_UNLOADED";

isc::log::Logger logger("attrib-hooks");

} // namespace attrib_kea

namespace {

const char* values[] = {
    "ATTRIB_CALLOUT_FAILED", "attrib callout %1 failed, its event is lost: %2",
    "ATTRIB_EVENT_LOST", "attrib could not journal an event of %1 (%2): %3",
    "ATTRIB_JOURNAL_RECOVERED", "attrib journal: %1",
    "ATTRIB_JOURNAL_TROUBLE",
    "attrib journal: %1: %2; DHCP service goes on, events are counted as lost",
    "ATTRIB_LOAD_FAILED", "attrib hook library not loaded: %1",
    "ATTRIB_LOADED",
    "attrib hook library loaded: journal directory %1, server id %2, sync policy %3",
    "ATTRIB_UNLOADED", "attrib hook library unloaded: %1 events journaled, %2 lost",
    NULL
};

const isc::log::MessageInitializer initializer(values);

} // namespace
