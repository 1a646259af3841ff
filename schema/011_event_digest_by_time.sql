-- SPDX-License-Identifier: GPL-3.0-or-later
-- The key that makes a repeated event a no-op leads with the event's time.
-- The digest already covers that time, so the same events are repeats as
-- before; but events come roughly in time order, so each new key lands at
-- the end of the index rather than on a random page of it, which on a store
-- of millions of events made this index the costliest write of an event.
-- Rebuilding it reads every event once.

DROP INDEX event_digest;
CREATE UNIQUE INDEX event_digest ON event (time, digest);
