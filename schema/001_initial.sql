-- SPDX-License-Identifier: GPL-3.0-or-later
-- The first schema: bindings with the evidence behind them, RADIUS sessions,
-- the time-versioned subscriber map. All times are integer microseconds
-- since the epoch, UTC; intervals are half-open [start, end).

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value
) WITHOUT ROWID;

-- The (family, length) pairs bindings exist for, so that a lookup probes
-- only those lengths of the asked address.
CREATE TABLE prefix_len (
	family INTEGER NOT NULL,
	plen INTEGER NOT NULL,
	PRIMARY KEY (family, plen)
) WITHOUT ROWID;

-- One accounting session: a generation of a session key (NASes reuse ids).
CREATE TABLE session (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL,
	nas TEXT NOT NULL,
	start INTEGER NOT NULL,
	end_time INTEGER,
	end_reason TEXT,
	last_seen INTEGER NOT NULL,
	start_inferred INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_key ON session (key, start);
CREATE INDEX session_open ON session (nas) WHERE end_time IS NULL;

-- until: when the binding stops holding for lookups: end_time once ended,
-- else a lease's expected end, else NULL (an open session or assignment).
CREATE TABLE binding (
	id INTEGER PRIMARY KEY,
	family INTEGER NOT NULL,
	plen INTEGER NOT NULL,
	net BLOB NOT NULL,
	start INTEGER NOT NULL,
	until INTEGER,
	end_time INTEGER,
	end_reason TEXT,
	expected_end INTEGER,
	last_seen INTEGER NOT NULL,
	confirmed_until INTEGER,
	start_inferred INTEGER NOT NULL DEFAULT 0,
	source INTEGER NOT NULL,
	server TEXT,
	session_id INTEGER REFERENCES session (id),
	account TEXT,
	hwaddr TEXT,
	client_id TEXT,
	duid TEXT,
	iaid INTEGER,
	lease_type INTEGER,
	remote_id TEXT,
	circuit_id TEXT,
	subscriber_id TEXT,
	username TEXT,
	calling_station_id TEXT,
	hostname TEXT,
	acct_session_id TEXT
);
CREATE INDEX binding_addr ON binding (family, plen, net, start, until);
CREATE INDEX binding_session ON binding (session_id) WHERE session_id IS NOT NULL;

-- Every applied event, as it came, with the time the rules gave it.
CREATE TABLE event (
	id INTEGER PRIMARY KEY,
	digest INTEGER NOT NULL,
	type INTEGER NOT NULL,
	source INTEGER NOT NULL,
	time INTEGER NOT NULL,
	arrival INTEGER,
	event_ts INTEGER,
	delay INTEGER,
	session_time INTEGER,
	valid_lifetime INTEGER,
	subnet_id INTEGER,
	lease_type INTEGER,
	addresses TEXT,
	server TEXT,
	nas TEXT,
	acct_session_id TEXT,
	unique_session_id TEXT,
	hwaddr TEXT,
	client_id TEXT,
	duid TEXT,
	iaid INTEGER,
	remote_id TEXT,
	circuit_id TEXT,
	subscriber_id TEXT,
	username TEXT,
	calling_station_id TEXT,
	hostname TEXT,
	note TEXT
);
CREATE UNIQUE INDEX event_digest ON event (digest);

-- Which events opened, extended or closed which bindings.
CREATE TABLE evidence (
	binding_id INTEGER NOT NULL,
	event_id INTEGER NOT NULL,
	PRIMARY KEY (binding_id, event_id)
) WITHOUT ROWID;

CREATE TABLE subscriber (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	account TEXT NOT NULL,
	valid_from INTEGER NOT NULL,
	valid_to INTEGER
);
CREATE INDEX subscriber_identity ON subscriber (kind, value, valid_from);
CREATE INDEX subscriber_account ON subscriber (account);
