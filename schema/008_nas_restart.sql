-- SPDX-License-Identifier: GPL-3.0-or-later
-- When each NAS restarted (Accounting-On and -Off): a session made known
-- after its NAS's restart ended there.
CREATE INDEX event_nas_restart ON event (nas, time) WHERE type IN (9, 10);
