/* SPDX-License-Identifier: GPL-3.0-or-later
 * The legal team's commands and retention's, for the table in command.c:
 *   export                              legal: records of a subject under a case
 *   hold-add, hold-list, hold-release   legal
 *   audit-show, audit-verify            legal, admin
 *   purge                               admin
 * Their arguments and answers are in attrib(1) and attribd(8). */
#pragma once

#include <jansson.h>

#include "attrib/command.h"

void attrib_cmd_export(struct attrib_request *r);
void attrib_cmd_hold_add(struct attrib_request *r);
void attrib_cmd_hold_list(struct attrib_request *r);
void attrib_cmd_hold_release(struct attrib_request *r);
void attrib_cmd_audit_show(struct attrib_request *r);
void attrib_cmd_audit_verify(struct attrib_request *r);
void attrib_cmd_purge(struct attrib_request *r);

/** The digest an export answer carries and its audit entry names: SHA-256
 * (libcrypto) of {"events", "records"} of @p answer written compactly with
 * sorted keys, in lower-case hex into @p hex (65 bytes).
 * @return 0, or -ENOMEM. */
int attrib_export_digest(const json_t *answer, char *hex);
