-- SPDX-License-Identifier: GPL-3.0-or-later
-- What attribd has found and not read yet, so that coverage never calls
-- evidence complete while part of it waits unread (attribd(8), "INGEST").

-- The latest time heard (the writer's clock for heartbeats, losses and
-- seals; an event's own time) among the records of this journal applied so
-- far: where what its writer wrote after is still to be read.
ALTER TABLE journal ADD COLUMN heard_last INTEGER;
-- A writer's journals by what a name gives (its start only to the second).
CREATE INDEX journal_writer ON journal (server_id, pid, writer_start);

-- Journals not being read: no descriptor was free to open them (queued 0),
-- or they are open behind an unfinished earlier journal of their writer
-- (queued 1).  attribd rewrites the table when the set changes.  The writer
-- comes from the name, <server-id>.<start>.<pid>.<seq>.journal, for a file
-- whose header is not read yet: writer_start is its start to the second,
-- and server_id is NULL when the name does not have that shape.
CREATE TABLE journal_wait (
	name TEXT PRIMARY KEY,
	server_id TEXT,
	writer_start INTEGER,
	pid INTEGER,
	seq INTEGER,
	queued INTEGER NOT NULL
);
