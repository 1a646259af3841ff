-- SPDX-License-Identifier: GPL-3.0-or-later
-- A binding's client speaks in its releases, declines, expiries and
-- deletions as in its renewals: another hardware address or relay port shown
-- there is kept beside the binding too (binding_identity, 010), so that one
-- naming another account makes the answer ambiguous.  A store at 010 already
-- holds what its renewals showed; INSERT OR IGNORE adds the rest.

-- Every lease event (types 1 to 5: commit, release, decline, expiry,
-- deletion) in a lease binding's evidence by the same client (its DHCPv6
-- DUID, IAID and lease type; its DHCPv4 client-id; else its hardware
-- address) that showed another value of a kind the binding keeps.
INSERT OR IGNORE INTO binding_identity (binding_id, kind, value)
SELECT id, kind, seen FROM (
	SELECT b.id AS id, k.kind AS kind,
		CASE k.kind WHEN 'hwaddr' THEN e.hwaddr WHEN 'client-id' THEN e.client_id
			WHEN 'duid' THEN e.duid WHEN 'remote-id' THEN e.remote_id
			WHEN 'circuit-id' THEN e.circuit_id ELSE e.subscriber_id END AS seen,
		CASE k.kind WHEN 'hwaddr' THEN b.hwaddr WHEN 'client-id' THEN b.client_id
			WHEN 'duid' THEN b.duid WHEN 'remote-id' THEN b.remote_id
			WHEN 'circuit-id' THEN b.circuit_id ELSE b.subscriber_id END AS kept
	FROM binding b
	JOIN evidence x ON x.binding_id = b.id
	JOIN event e ON e.id = x.event_id
	JOIN (SELECT 'hwaddr' AS kind UNION ALL SELECT 'client-id' UNION ALL SELECT 'duid'
		UNION ALL SELECT 'remote-id' UNION ALL SELECT 'circuit-id'
		UNION ALL SELECT 'subscriber-id') k
	WHERE e.type BETWEEN 1 AND 5 AND b.session_id IS NULL AND b.source != 4 AND CASE
		WHEN b.family = 6 AND b.duid IS NOT NULL THEN e.duid = b.duid
			AND e.iaid IS b.iaid AND coalesce(e.lease_type, 0) = coalesce(b.lease_type, 0)
		WHEN b.family = 4 AND b.client_id IS NOT NULL THEN e.client_id = b.client_id
		ELSE e.hwaddr = b.hwaddr AND e.client_id IS NULL AND e.duid IS NULL END)
WHERE seen IS NOT NULL AND kept IS NOT NULL AND seen != kept;
