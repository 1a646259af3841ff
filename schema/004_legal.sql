-- SPDX-License-Identifier: GPL-3.0-or-later
-- Legal: holds that keep records past retention for a court case, and the
-- audit's anchor, which lets a verifier see entries deleted from the end of
-- the chain (a hash chain alone shows edits and gaps, not a shorter tail).

-- One hold: the records of an address or prefix (family, plen, net) or of
-- an account, over [from_time, to_time), kept by purges while the hold is
-- in force: not released, and until (when set) not yet reached.
CREATE TABLE hold (
	id INTEGER PRIMARY KEY,
	case_ref TEXT NOT NULL,
	family INTEGER,
	plen INTEGER,
	net BLOB,
	account TEXT,
	from_time INTEGER NOT NULL,
	to_time INTEGER NOT NULL,
	until INTEGER,
	created INTEGER NOT NULL,
	created_uid INTEGER,
	released INTEGER,
	released_uid INTEGER,
	CHECK ((account IS NULL) != (net IS NULL)),
	CHECK (to_time > from_time)
);
CREATE INDEX hold_case ON hold (case_ref);

-- Which bindings an event backs: a purge keeps an event while one does.
CREATE INDEX evidence_event ON evidence (event_id);

-- How many entries the audit has and the chain value of the last, kept by
-- the trigger below in the transaction that appends, whoever appends.
CREATE TABLE audit_anchor (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	entries INTEGER NOT NULL,
	last_id INTEGER NOT NULL,
	chain BLOB
);
INSERT INTO audit_anchor (id, entries, last_id, chain)
	SELECT 1, count(*), coalesce(max(id), 0),
	       (SELECT chain FROM audit ORDER BY id DESC LIMIT 1) FROM audit;

CREATE TRIGGER audit_anchor_add AFTER INSERT ON audit BEGIN
	UPDATE audit_anchor SET entries = entries + 1, last_id = NEW.id, chain = NEW.chain
		WHERE id = 1;
END;

-- Entries are never changed or removed through attrib; these refuse it
-- from any other SQLite client too, short of dropping them (which the
-- chain and the anchor then show).
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
	SELECT RAISE(ABORT, 'audit entries are never changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
	SELECT RAISE(ABORT, 'audit entries are never deleted');
END;
