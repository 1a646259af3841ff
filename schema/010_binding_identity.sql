-- SPDX-License-Identifier: GPL-3.0-or-later
-- Identities a binding's client showed besides the one value of each kind
-- the binding keeps: the same client (by its DHCP key) renewing with another
-- hardware address, or through another relay port.  Lookups map them too,
-- so that one naming another account makes the answer ambiguous.
CREATE TABLE binding_identity (
	binding_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (binding_id, kind, value)
) WITHOUT ROWID;

-- A binding's other identities go with it (a rebuild of a prefix's
-- bindings, a retention purge).
CREATE TRIGGER binding_identity_gone AFTER DELETE ON binding BEGIN
	DELETE FROM binding_identity WHERE binding_id = old.id;
END;

-- What a store written before this migration already holds is filled in
-- by 012, which reads more of its evidence.
