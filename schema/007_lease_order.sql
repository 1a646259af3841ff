-- SPDX-License-Identifier: GPL-3.0-or-later
-- The lease events of one address or prefix, by time: the rules take them
-- in time order, and rebuild a prefix's bindings when an event arrives
-- older than one already applied.
CREATE INDEX event_lease ON event (addresses, time) WHERE type BETWEEN 1 AND 5;
