-- SPDX-License-Identifier: GPL-3.0-or-later
-- The abuse desk's ledger: the reports attrib report resolved, recorded
-- against each account they named, and the warnings the desk sent, so that
-- it sees a customer reported again after a warning.

-- The events of one report that named one account: how many, and when the
-- first and the last of them happened.  The same report read again (the
-- same digest) adds nothing.
CREATE TABLE case_report (
	id INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	digest TEXT NOT NULL,
	kind TEXT NOT NULL,
	report_type TEXT,
	reporter TEXT,
	report_id TEXT,
	events INTEGER NOT NULL CHECK (events > 0),
	first_time INTEGER NOT NULL,
	last_time INTEGER NOT NULL CHECK (last_time >= first_time),
	recorded INTEGER NOT NULL,
	recorded_uid INTEGER,
	UNIQUE (account, digest)
);
CREATE INDEX case_report_last ON case_report (account, last_time);

-- A warning the desk sent the customer, at the time it says.
CREATE TABLE case_warning (
	id INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	time INTEGER NOT NULL,
	note TEXT,
	recorded INTEGER NOT NULL,
	recorded_uid INTEGER
);
CREATE INDEX case_warning_account ON case_warning (account, time);
