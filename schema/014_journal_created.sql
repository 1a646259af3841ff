-- SPDX-License-Identifier: GPL-3.0-or-later
-- When each journal file was made, so that one set aside (damaged) makes a
-- coverage gap that ends where its writer's next file begins, not one that
-- runs on for ever (attribd(8), "INGEST").

-- The file's creation time from its header: the writer's clock, as its
-- heartbeats are, whatever times its events carry.  NULL for a file done
-- before this column existed.
ALTER TABLE journal ADD COLUMN created INTEGER;

-- journal_wait.queued 2: a journal whose header is damaged, its writer read
-- from its name (it has no journal row); see attribd(8), "INGEST".
