-- SPDX-License-Identifier: GPL-3.0-or-later
-- The RADIUS octet counters of an accounting event (gigawords folded in),
-- kept with the rest of its evidence: how much a session had used by then.
ALTER TABLE event ADD COLUMN input_octets INTEGER;
ALTER TABLE event ADD COLUMN output_octets INTEGER;
