-- SPDX-License-Identifier: GPL-3.0-or-later
-- Ingest: how far each journal has been applied, and what the hooks said
-- about themselves (heartbeats, losses), which lookups read as coverage.

-- One journal file, known by the identity its header carries, so a renamed
-- or moved file is never read twice.
CREATE TABLE journal (
	id INTEGER PRIMARY KEY,
	server_id TEXT NOT NULL,
	writer_start INTEGER NOT NULL,
	pid INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	position INTEGER NOT NULL,       -- bytes applied: where the next record starts
	records INTEGER NOT NULL DEFAULT 0,
	events INTEGER NOT NULL DEFAULT 0,  -- event records among them
	missing INTEGER NOT NULL DEFAULT 0, -- events the writer's counts say never reached us
	done INTEGER NOT NULL DEFAULT 0,
	set_aside TEXT,
	UNIQUE (server_id, writer_start, pid, seq)
);

-- A span of time over which a source was heard: heartbeats and events
-- extend it while they come within twice the heartbeat interval.  closed:
-- the span ended with the writer's clean close (the server was stopped),
-- not with silence.
CREATE TABLE heard (
	id INTEGER PRIMARY KEY,
	server_id TEXT NOT NULL,
	first INTEGER NOT NULL,
	last INTEGER NOT NULL,
	interval INTEGER NOT NULL,
	closed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX heard_server ON heard (server_id, first);

-- Events a hook could not write, as its loss records report them.
CREATE TABLE loss (
	id INTEGER PRIMARY KEY,
	server_id TEXT NOT NULL,
	first INTEGER NOT NULL,
	last INTEGER NOT NULL,
	lost INTEGER NOT NULL,
	refused INTEGER NOT NULL,
	error INTEGER
);
CREATE INDEX loss_last ON loss (last);
