/* SPDX-License-Identifier: GPL-3.0-or-later
 * attribd's log: one line per message on standard error, as
 * "<level> [group] message", which systemd's journal keeps with the level.
 * The library never prints; the daemon says what happened here. */
#pragma once

#include <stdint.h>
#include <syslog.h>

/** Print messages up to @p max_level (LOG_NOTICE by default, LOG_DEBUG
 * with -d).  When @p prefixed, each line starts with "<N>" so that journald
 * reads the level (set when standard error is the journal). */
void log_init(int max_level, int prefixed);

/** Whether a message of @p level would be printed. */
int log_enabled(int level);

void log_msg(int level, const char *group, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** A budget for messages a peer can cause over and over: at most @c burst
 * per @c period_ms, then one line saying how many were left out. */
struct log_limit {
	uint64_t period_ms;
	unsigned burst;
	uint64_t start;
	unsigned count, dropped;
};

#define LOG_LIMIT_INIT(period_ms, burst) { (period_ms), (burst), 0, 0, 0 }

void log_limited(struct log_limit *lim, int level, const char *group, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_crit(group, ...)   log_msg(LOG_CRIT, group, __VA_ARGS__)
#define log_err(group, ...)    log_msg(LOG_ERR, group, __VA_ARGS__)
#define log_warn(group, ...)   log_msg(LOG_WARNING, group, __VA_ARGS__)
#define log_notice(group, ...) log_msg(LOG_NOTICE, group, __VA_ARGS__)
#define log_info(group, ...)   log_msg(LOG_INFO, group, __VA_ARGS__)
#define log_debug(group, ...)                                                                      \
	do {                                                                                       \
		if (log_enabled(LOG_DEBUG))                                                        \
			log_msg(LOG_DEBUG, group, __VA_ARGS__);                                    \
	} while (0)
