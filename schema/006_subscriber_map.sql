-- SPDX-License-Identifier: GPL-3.0-or-later
-- Every answer maps identities to accounts: an index that holds the whole
-- mapping (validity and account) answers that from the index alone, without
-- a visit to the table per identity.
CREATE INDEX subscriber_map ON subscriber (kind, value, valid_from, valid_to, account);
DROP INDEX subscriber_identity;
