/* SPDX-License-Identifier: GPL-3.0-or-later
 * The control socket's connections.  Requests are read into a per-connection
 * buffer and cut into lines; answers collect in a per-connection buffer and
 * are written once per loop turn, from a check handle, after the owner has
 * committed the audit rows they depend on: no answer leaves before its
 * request is on record.  Every limit closes only the connection that broke
 * it; the others are served meanwhile. */
#include "attrib/daemon/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "attrib/daemon/log.h"

#define READ_CHUNK   65536
#define SWEEP_MS     1000
#define LISTEN_QUEUE 1024

struct buf {
	char *p;
	size_t len, cap;
};

struct server_conn {
	uv_pipe_t pipe;
	struct server *srv;
	struct server_peer peer;
	struct buf in;
	struct buf out;
	size_t answers;     /* in out, not yet written */
	uint64_t last_active;
	bool dirty;         /* on the flush list */
	bool closing;
	bool close_after;   /* close once everything queued is written */
	struct server_conn *next, *prev;
	struct server_conn *next_dirty;
};

struct write_req {
	uv_write_t req;
	struct buf b;
};

struct server {
	uv_loop_t *loop;
	uv_pipe_t listener;
	uv_check_t check;
	uv_timer_t sweep;
	const struct server_ops *ops;
	void *arg;
	struct config_limits lim;
	char *path;
	struct server_conn *conns;
	struct server_conn *dirty;
	unsigned handles; /* open uv handles, connections included */
	bool closing;
	struct server_stats stats;
};

static struct log_limit refused_limit = LOG_LIMIT_INIT(10000, 5);

static int buf_reserve(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_add(struct buf *b, const char *s, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	return 0;
}

static void handle_closed(struct server *s)
{
	if (--s->handles == 0 && s->closing) {
		free(s->path);
		free(s);
	}
}

static void server_handle_close_cb(uv_handle_t *h)
{
	handle_closed(h->data);
}

static void conn_close_cb(uv_handle_t *h)
{
	struct server_conn *c = (struct server_conn *)h;
	struct server *s = c->srv;

	free(c->in.p);
	free(c->out.p);
	free(c);
	handle_closed(s);
}

static void conn_close(struct server_conn *c)
{
	struct server *s = c->srv;

	if (c->closing)
		return;
	c->closing = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->stats.open--;
	/* Still on the flush list: the check callback skips it by its flag. */
	uv_close((uv_handle_t *)&c->pipe, conn_close_cb);
}

static size_t queued(const struct server_conn *c)
{
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->pipe) + c->out.len;
}

static void write_cb(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct server_conn *c = req->data;

	free(w->b.p);
	free(w);
	if (c->closing)
		return;
	if (status < 0) {
		log_debug("socket", "pid %d: write failed: %s", (int)c->peer.pid,
			  uv_strerror(status));
		conn_close(c);
		return;
	}
	c->last_active = uv_now(c->srv->loop);
	if (c->close_after && queued(c) == 0)
		conn_close(c);
}

static void mark_dirty(struct server_conn *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	c->next_dirty = c->srv->dirty;
	c->srv->dirty = c;
}

static const char withheld_line[] =
	"{\"result\": 1, \"text\": \"the audit log could not be written: answer withheld\"}\n";

/* Write what one connection has collected. */
static void conn_flush(struct server_conn *c, bool withhold)
{
	struct write_req *w;
	uv_buf_t b;
	int rc;

	if (withhold) {
		size_t n = c->answers;

		c->srv->stats.withheld += n;
		c->out.len = 0;
		for (size_t i = 0; i < n; i++)
			if (buf_add(&c->out, withheld_line, sizeof(withheld_line) - 1) < 0)
				break;
	}
	c->answers = 0;
	if (c->out.len == 0) {
		if (c->close_after && queued(c) == 0)
			conn_close(c);
		return;
	}
	w = malloc(sizeof(*w));
	if (!w) {
		conn_close(c);
		return;
	}
	w->b = c->out;
	c->out = (struct buf){ 0 };
	w->req.data = c;
	b = uv_buf_init(w->b.p, (unsigned)w->b.len);
	rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_cb);
	if (rc < 0) {
		free(w->b.p);
		free(w);
		conn_close(c);
	}
}

/* After the loop's I/O callbacks: commit, then write every answer. */
static void check_cb(uv_check_t *h)
{
	struct server *s = h->data;
	struct server_conn *c = s->dirty;
	bool withhold;

	/* Every turn, answers or not: a request whose answer could not be
	 * queued (its client cut off) has left an audit row to commit too. */
	withhold = s->ops->flush(s->arg) < 0;
	if (!c)
		return;
	s->dirty = NULL;
	while (c) {
		struct server_conn *next = c->next_dirty;

		c->dirty = false;
		if (!c->closing)
			conn_flush(c, withhold);
		c = next;
	}
}

int server_send(struct server_conn *c, const char *text, size_t len)
{
	struct server *s = c->srv;

	if (c->closing)
		return -EPIPE;
	if (queued(c) > s->lim.max_queued_bytes) {
		s->stats.not_read++;
		log_info("socket", "pid %d uid %u: closed: %zu bytes of answers unread",
			 (int)c->peer.pid, (unsigned)c->peer.uid, queued(c));
		conn_close(c);
		return -EPIPE;
	}
	if (buf_reserve(&c->out, len + 1) < 0) {
		conn_close(c);
		return -EPIPE;
	}
	memcpy(c->out.p + c->out.len, text, len);
	c->out.len += len;
	c->out.p[c->out.len++] = '\n';
	c->answers++;
	mark_dirty(c);
	return 0;
}

int server_send_json(struct server_conn *c, const json_t *answer)
{
	char small[8192], *big;
	size_t n = json_dumpb(answer, small, sizeof(small), JSON_COMPACT);
	int rc;

	/* Most answers fit on the stack; json_dumpb says how much a longer
	 * one needs, and writes it in a second pass. */
	if (n == 0)
		return -ENOMEM;
	if (n <= sizeof(small))
		return server_send(c, small, n);
	big = malloc(n);
	if (!big)
		return -ENOMEM;
	rc = json_dumpb(answer, big, n, JSON_COMPACT) == n ? server_send(c, big, n) : -ENOMEM;
	free(big);
	return rc;
}

void server_close_after_answers(struct server_conn *c)
{
	c->close_after = true;
	if (!c->closing && queued(c) == 0 && !c->dirty)
		conn_close(c);
}

const struct server_peer *server_peer(const struct server_conn *c)
{
	return &c->peer;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct server_conn *c = (struct server_conn *)h;
	size_t room = c->srv->lim.max_request_bytes + 1 - c->in.len;

	(void)hint;
	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (buf_reserve(&c->in, room) < 0) {
		*b = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
		return;
	}
	*b = uv_buf_init(c->in.p + c->in.len, (unsigned)room);
}

/* The request was too long: say so, and hang up once that is written. */
static void cut(struct server_conn *c, size_t len)
{
	static const char line[] = "{\"result\": 1, \"text\": \"request longer than the limit "
				   "(max-request-bytes): connection closed\"}";
	struct server *s = c->srv;

	s->stats.too_long++;
	log_info("socket", "pid %d uid %u: request over %zu bytes: connection closed",
		 (int)c->peer.pid, (unsigned)c->peer.uid, s->lim.max_request_bytes);
	uv_read_stop((uv_stream_t *)&c->pipe);
	s->ops->cut(s->arg, c, len);
	server_send(c, line, sizeof(line) - 1);
	server_close_after_answers(c);
	c->in.len = 0;
}

static void take_lines(struct server_conn *c, size_t scan_from, bool eof)
{
	struct server *s = c->srv;
	size_t start = 0, i = scan_from;

	for (; i < c->in.len && !c->closing && !c->close_after; i++) {
		size_t end = i;

		if (c->in.p[i] != '\n')
			continue;
		if (end > start && c->in.p[end - 1] == '\r')
			end--;
		if (end - start > s->lim.max_request_bytes) {
			cut(c, end - start);
			return;
		}
		if (end > start) {
			s->stats.requests++;
			s->ops->request(s->arg, c, c->in.p + start, end - start);
		}
		start = i + 1;
	}
	if (c->closing || c->close_after)
		return;
	memmove(c->in.p, c->in.p + start, c->in.len - start);
	c->in.len -= start;
	if (c->in.len > s->lim.max_request_bytes) {
		cut(c, c->in.len);
	} else if (eof && c->in.len) {
		/* A last request without its newline, as `socat` sends one. */
		s->stats.requests++;
		s->ops->request(s->arg, c, c->in.p, c->in.len);
		c->in.len = 0;
	}
}

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct server_conn *c = (struct server_conn *)st;
	size_t before = c->in.len;

	(void)b;
	if (c->closing)
		return;
	if (nread == UV_EOF) {
		/* The client has said all it will: answer, then hang up. */
		uv_read_stop(st);
		take_lines(c, before, true);
		server_close_after_answers(c);
		return;
	}
	if (nread < 0) {
		log_debug("socket", "pid %d: read failed: %s", (int)c->peer.pid,
			  uv_strerror((int)nread));
		conn_close(c);
		return;
	}
	c->last_active = uv_now(c->srv->loop);
	c->in.len += (size_t)nread;
	take_lines(c, before, false);
}

static void read_peer(struct server_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	c->peer.uid = (uid_t)-1;
	c->peer.gid = (gid_t)-1;
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->peer.pid = cred.pid;
		c->peer.uid = cred.uid;
		c->peer.gid = cred.gid;
	}
	/* Linux 4.13 and later name the supplementary groups too; before, a
	 * role granted to a group reaches only those whose primary group it is. */
	len = sizeof(c->peer.groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, c->peer.groups, &len) == 0)
		c->peer.n_groups = len / sizeof(gid_t);
}

/* Over the limit: tell the client why without waiting on it, and close. */
static void refuse(struct server_conn *c)
{
	static const char line[] = "{\"result\": 1, \"text\": \"too many connections "
				   "(max-connections): try again later\"}\n";
	uv_buf_t b = uv_buf_init((char *)line, sizeof(line) - 1);

	c->srv->stats.refused++;
	log_limited(&refused_limit, LOG_INFO, "socket",
		    "pid %d uid %u: connection refused: %u open (max-connections)",
		    (int)c->peer.pid, (unsigned)c->peer.uid, c->srv->stats.open - 1);
	uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
	conn_close(c);
}

static void connection_cb(uv_stream_t *l, int status)
{
	struct server *s = l->data;
	struct server_conn *c;
	int rc;

	if (status < 0) {
		log_err("socket", "accept failed: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("socket", "accept failed: out of memory");
		return;
	}
	c->srv = s;
	uv_pipe_init(s->loop, &c->pipe, 0);
	s->handles++;
	rc = uv_accept(l, (uv_stream_t *)&c->pipe);
	/* Counted as open from here on, so that conn_close can take it off. */
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->stats.open++;
	if (rc < 0) {
		log_err("socket", "accept failed: %s", uv_strerror(rc));
		conn_close(c);
		return;
	}
	read_peer(c);
	if (s->stats.open > s->lim.max_connections) {
		refuse(c);
		return;
	}
	s->stats.accepted++;
	c->last_active = uv_now(s->loop);
	log_debug("socket", "pid %d uid %u gid %u: connected", (int)c->peer.pid,
		  (unsigned)c->peer.uid, (unsigned)c->peer.gid);
	rc = uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
	if (rc < 0)
		conn_close(c);
}

static void sweep_cb(uv_timer_t *t)
{
	struct server *s = t->data;
	uint64_t now = uv_now(s->loop), limit = (uint64_t)s->lim.idle_timeout * 1000;
	struct server_conn *c = s->conns;

	while (c) {
		struct server_conn *next = c->next;

		if (now - c->last_active >= limit) {
			static const char line[] = "{\"result\": 1, \"text\": \"idle too long "
						   "(idle-timeout): connection closed\"}\n";
			uv_buf_t b = uv_buf_init((char *)line, sizeof(line) - 1);

			s->stats.idle++;
			log_info("socket", "pid %d uid %u: closed after %u s idle",
				 (int)c->peer.pid, (unsigned)c->peer.uid, s->lim.idle_timeout);
			/* Said without waiting: an idle client may not read either. */
			if (!c->dirty && queued(c) == 0)
				uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
			conn_close(c);
		}
		c = next;
	}
}

/* Whether a process answers on @p path: a socket file a dead attribd left
 * behind answers ECONNREFUSED and may be replaced. */
static int probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* Bind under a temporary name beside @p path, so that the socket appears
 * under its real name only once it listens with its mode and group: a
 * client (or a test, or systemd) that sees the file can connect at once,
 * never meeting ECONNREFUSED from a socket bound but not yet listening.
 * @return 0 with the name in @p tmp, or -ENAMETOOLONG when no such name fits
 * (the socket is then bound under @p path directly). */
static int temp_name(const char *path, char *tmp, size_t len)
{
	struct sockaddr_un sa;
	int n = snprintf(tmp, len, "%s.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int listen_on(struct server *s, const struct config *cfg, char *err, size_t errlen)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 32];
	const char *name = cfg->socket_name;
	struct stat sb;
	mode_t old;
	int rc;

	if (lstat(cfg->socket_name, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket", cfg->socket_name);
			return -EEXIST;
		}
		rc = probe(cfg->socket_name);
		if (rc == 0) {
			snprintf(err, errlen, "%s: another process is listening there",
				 cfg->socket_name);
			return -EADDRINUSE;
		}
		if (rc == -ECONNREFUSED)
			unlink(cfg->socket_name);
	}
	if (temp_name(cfg->socket_name, tmp, sizeof(tmp)) == 0) {
		name = tmp;
		unlink(tmp); /* left by a process of ours with the same pid */
	}
	/* Nobody may connect before the mode and group are set: bind with
	 * every permission masked, then open up as configured. */
	old = umask(0177);
	rc = uv_pipe_bind(&s->listener, name);
	umask(old);
	if (rc < 0) {
		snprintf(err, errlen, "%s: bind failed: %s", name, uv_strerror(rc));
		return rc;
	}
	if (cfg->socket_group >= 0 && chown(name, (uid_t)-1, (gid_t)cfg->socket_group)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot give it group %ld: %s", cfg->socket_name,
			 cfg->socket_group, strerror(errno));
		goto fail;
	}
	if (chmod(name, cfg->socket_mode) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: chmod failed: %s", cfg->socket_name, strerror(errno));
		goto fail;
	}
	rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_QUEUE, connection_cb);
	if (rc < 0) {
		snprintf(err, errlen, "%s: listen failed: %s", cfg->socket_name, uv_strerror(rc));
		goto fail;
	}
	if (name != cfg->socket_name && rename(name, cfg->socket_name) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot move the socket there from %s: %s",
			 cfg->socket_name, name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(name);
	return rc;
}

int server_open(uv_loop_t *loop, const struct config *cfg, const struct server_ops *ops,
		void *arg, struct server **out, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s || !(s->path = strdup(cfg->socket_name))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	s->ops = ops;
	s->arg = arg;
	s->lim = cfg->limits;
	uv_pipe_init(loop, &s->listener, 0);
	uv_check_init(loop, &s->check);
	uv_timer_init(loop, &s->sweep);
	s->listener.data = s->check.data = s->sweep.data = s;
	s->handles = 3;
	rc = listen_on(s, cfg, err, errlen);
	if (rc < 0) {
		free(s->path);
		s->path = NULL;
		server_close(s);
		return rc;
	}
	uv_check_start(&s->check, check_cb);
	uv_timer_start(&s->sweep, sweep_cb, SWEEP_MS, SWEEP_MS);
	*out = s;
	return 0;
}

void server_set_limits(struct server *s, const struct config_limits *lim)
{
	s->lim = *lim;
}

void server_stats(const struct server *s, struct server_stats *out)
{
	*out = s->stats;
}

void server_close(struct server *s)
{
	if (!s || s->closing)
		return;
	/* Answers of this turn still go out, as far as the kernel takes them. */
	check_cb(&s->check);
	if (s->path)
		unlink(s->path);
	while (s->conns)
		conn_close(s->conns);
	s->closing = true;
	uv_close((uv_handle_t *)&s->listener, server_handle_close_cb);
	uv_close((uv_handle_t *)&s->check, server_handle_close_cb);
	uv_close((uv_handle_t *)&s->sweep, server_handle_close_cb);
}
