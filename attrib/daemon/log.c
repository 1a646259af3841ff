/* SPDX-License-Identifier: GPL-3.0-or-later
 * Log lines to standard error, a level filter, and the rate limit for what
 * peers can cause. */
#include "attrib/daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int max_level = LOG_NOTICE;
static int journal_prefix;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err",         [LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",       [LOG_DEBUG] = "debug",
};

void log_init(int level, int prefixed)
{
	max_level = level;
	journal_prefix = prefixed;
}

int log_enabled(int level)
{
	return level <= max_level;
}

static void vlog(int level, const char *group, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (journal_prefix)
		n = snprintf(line, sizeof(line), "<%d>", level);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s [%s] ", level_names[level & 7],
		      group);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line, so that lines never interleave. */
	fprintf(stderr, "%s\n", line);
}

void log_msg(int level, const char *group, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, group, fmt, ap);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void log_limited(struct log_limit *lim, int level, const char *group, const char *fmt, ...)
{
	uint64_t now = now_ms();
	va_list ap;

	if (!log_enabled(level))
		return;
	if (now - lim->start >= lim->period_ms) {
		if (lim->dropped)
			log_msg(level, group, "%u similar messages left out in the last %llu s",
				lim->dropped, (unsigned long long)(lim->period_ms / 1000));
		lim->start = now;
		lim->count = 0;
		lim->dropped = 0;
	}
	if (lim->count >= lim->burst) {
		lim->dropped++;
		return;
	}
	lim->count++;
	va_start(ap, fmt);
	vlog(level, group, fmt, ap);
	va_end(ap);
}
