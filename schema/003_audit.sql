-- SPDX-License-Identifier: GPL-3.0-or-later
-- The audit: every request to attribd or the attrib command, who asked
-- (the peer's credentials and the role they gave), and how it ended.
-- Rows are hash-chained: chain is SHA-256 over the previous row's chain and
-- this row's fields (attrib/audit.c says how), so a row changed or removed
-- after the fact breaks every chain value after it.

CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	time INTEGER NOT NULL,
	uid INTEGER,
	gid INTEGER,
	pid INTEGER,
	role TEXT,               -- the role the request was served under; NULL: none
	command TEXT,            -- NULL when the request could not be read
	arguments TEXT,          -- the request's arguments, as JSON text
	result INTEGER NOT NULL, -- the control channel's result code (0 success ... 3 empty)
	status TEXT,             -- what came of it: a lookup's status, or why it failed
	chain BLOB NOT NULL
);
CREATE INDEX audit_time ON audit (time);
