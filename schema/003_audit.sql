-- SPDX-License-Identifier: GPL-3.0-or-later
-- The audit: every request to attribd or the attrib command, who asked
-- (the peer's credentials and the role they gave), and how it ended.

CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	time INTEGER NOT NULL,
	uid INTEGER,
	gid INTEGER,
	pid INTEGER,
	role TEXT,
	command TEXT NOT NULL,
	arguments TEXT,
	result INTEGER NOT NULL,
	status TEXT
);
CREATE INDEX audit_time ON audit (time);
