-- SPDX-License-Identifier: GPL-3.0-or-later
-- Where a journal's evidence begins, so that one set aside (damaged) makes
-- a coverage gap that ends where its writer's next journal takes up, not
-- one that runs on for ever (attribd(8), "INGEST").

-- The earliest time heard among the records of this journal applied so far
-- (the writer's clock for heartbeats, losses and seals; an event's own
-- time).  NULL: nothing heard yet, or applied before this column existed.
ALTER TABLE journal ADD COLUMN heard_first INTEGER;
