/* SPDX-License-Identifier: GPL-3.0-or-later
 * The legal team's subcommands of attrib (export, audit, hold) and purge:
 * thin callers of the control commands (attrib/command_legal.h) that turn
 * the answers into text, or for export into the files a court receives. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "tools/cli.h"

/* Their options, taken by main()'s getopt_long() with the common ones. */
enum {
	CLI_OPT_CASE = 2000,
	CLI_OPT_ADDRESS,
	CLI_OPT_PREFIX,
	CLI_OPT_ACCOUNT,
	CLI_OPT_OUT,
	CLI_OPT_UNTIL,
	CLI_OPT_ANCHOR,
	CLI_OPT_SAVE_ANCHOR,
	CLI_OPT_ALL,
	CLI_OPT_LIMIT,
	CLI_OPT_LEGAL_END,
};

#define CLI_LEGAL_OPTIONS                                                                          \
	{ "case", required_argument, NULL, CLI_OPT_CASE },                                         \
	{ "address", required_argument, NULL, CLI_OPT_ADDRESS },                                   \
	{ "prefix", required_argument, NULL, CLI_OPT_PREFIX },                                     \
	{ "account", required_argument, NULL, CLI_OPT_ACCOUNT },                                   \
	{ "out", required_argument, NULL, CLI_OPT_OUT },                                           \
	{ "until", required_argument, NULL, CLI_OPT_UNTIL },                                       \
	{ "anchor", required_argument, NULL, CLI_OPT_ANCHOR },                                     \
	{ "save-anchor", required_argument, NULL, CLI_OPT_SAVE_ANCHOR },                           \
	{ "all", no_argument, NULL, CLI_OPT_ALL },                                                 \
	{ "limit", required_argument, NULL, CLI_OPT_LIMIT }

/* Take option @p opt (one of CLI_OPT_*) with its argument.
 * @return 0, or -1 when @p opt is not one of them. */
int cli_legal_option(int opt, const char *arg);

/* True for the subcommands below: "export", "audit", "hold", "purge". */
bool cli_legal_command(const char *name);

/* Run one of them: argv[0] is its name, the rest its positional words;
 * @p from and @p to are the common --from and --to (NULL when absent).
 * @return the exit code, the reason printed. */
int cli_legal(struct cli *c, const char *from, const char *to, int argc, char **argv);

/* The text `attrib NAME --help` prints, or NULL. */
const char *cli_legal_usage(const char *name);
