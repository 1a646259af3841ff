// SPDX-License-Identifier: GPL-3.0-or-later
// Every public header of the core, compiled as C++ (-Wpedantic, and -Werror
// in CI): the Kea shim never meets a header C++ rejects.  Built, not run.

extern "C" {
#include "attrib/addr.h"
#include "attrib/audit.h"
#include "attrib/cases.h"
#include "attrib/command.h"
#include "attrib/command_legal.h"
#include "attrib/crc32c.h"
#include "attrib/event.h"
#include "attrib/export.h"
#include "attrib/hold.h"
#include "attrib/ingest.h"
#include "attrib/journal.h"
#include "attrib/lookup.h"
#include "attrib/require.h"
#include "attrib/retention.h"
#include "attrib/schema.h"
#include "attrib/store.h"
#include "attrib/times.h"
}

int
main() {
    return (0);
}
