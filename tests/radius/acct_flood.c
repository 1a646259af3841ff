/* SPDX-License-Identifier: GPL-3.0-or-later
 * acct-flood: a NAS in a hurry, for the RADIUS benchmark.  Sends COUNT
 * Accounting-Requests over UDP, keeping up to INFLIGHT unanswered at once
 * (radclient gives out first), as sessions: every session's Start, then
 * every Interim-Update, then every Stop.  A request unanswered after a
 * second is sent again, as a NAS does, up to three times.  Prints one line:
 *
 *   sent N answered N unanswered N retransmitted N seconds S rate R
 *
 * where R is answered requests per second over the whole run, and exits 1
 * if any request went unanswered.
 *
 *   acct-flood HOST PORT SECRET COUNT INFLIGHT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#define IDS        256 /* RADIUS identifiers per socket */
#define TIMEOUT_NS 1000000000LL
#define TRIES      4
#define PKT_MAX    256

struct slot {
	long req; /* -1: free */
	int64_t sent;
	int tries;
	uint8_t pkt[PKT_MAX];
	size_t len;
};

struct sock {
	int fd;
	struct slot slot[IDS];
	int used;
};

static const char *secret;
static uint32_t now_s;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t attr(uint8_t *p, uint8_t type, const void *v, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(len + 2);
	memcpy(p + 2, v, len);
	return len + 2;
}

static size_t attr_u32(uint8_t *p, uint8_t type, uint32_t v)
{
	uint32_t n = htonl(v);

	return attr(p, type, &n, 4);
}

/* Request @p req of @p count as an Accounting-Request with identifier
 * @p id: session req % (count / 3), Start, Interim or Stop by req / that. */
static size_t build(uint8_t *pkt, long req, long count, uint8_t id)
{
	long sessions = count / 3 ? count / 3 : 1;
	long s = req % sessions;
	int phase = (int)(req / sessions);
	static const uint32_t status[] = { 1, 3, 2 };
	char text[64];
	uint8_t v6[10] = { 0, 64, 0x20, 0x01, 0x0d, 0xb8 };
	size_t n = 20;
	unsigned int mdlen;
	EVP_MD_CTX *md;

	pkt[0] = 4; /* Accounting-Request */
	pkt[1] = id;
	n += attr_u32(pkt + n, 40, status[phase > 2 ? 2 : phase]);
	n += attr(pkt + n, 44, text, (size_t)snprintf(text, sizeof(text), "S%08lx", s));
	n += attr(pkt + n, 1, text, (size_t)snprintf(text, sizeof(text), "u%ld@example.net", s));
	n += attr_u32(pkt + n, 4, 0xc0000201);                            /* NAS 192.0.2.1 */
	n += attr_u32(pkt + n, 8, 0x0a000000 | (uint32_t)(s & 0xffffff)); /* 10.x.y.z */
	v6[6] = (uint8_t)(s >> 24);
	v6[7] = (uint8_t)(s >> 16);
	v6[8] = (uint8_t)(s >> 8);
	v6[9] = (uint8_t)s;
	n += attr(pkt + n, 97, v6, sizeof(v6)); /* Framed-IPv6-Prefix 2001:db8:xxxx:xxxx::/64 */
	n += attr_u32(pkt + n, 55, now_s - (phase ? 0 : 60)); /* Event-Timestamp */
	n += attr_u32(pkt + n, 41, 0);                        /* Acct-Delay-Time */
	if (phase) {
		n += attr_u32(pkt + n, 46, 60 * (uint32_t)phase); /* Acct-Session-Time */
		n += attr_u32(pkt + n, 42, (uint32_t)s * 1000);   /* Acct-Input-Octets */
		n += attr_u32(pkt + n, 43, (uint32_t)s * 7000);   /* Acct-Output-Octets */
	}
	pkt[2] = (uint8_t)(n >> 8);
	pkt[3] = (uint8_t)n;
	/* Request Authenticator: MD5(packet with 16 zero bytes there + secret). */
	memset(pkt + 4, 0, 16);
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	EVP_DigestUpdate(md, pkt, n);
	EVP_DigestUpdate(md, secret, strlen(secret));
	EVP_DigestFinal_ex(md, pkt + 4, &mdlen);
	EVP_MD_CTX_free(md);
	return n;
}

/* Whether @p resp (@p n bytes) answers the request in @p sl: an
 * Accounting-Response whose Response Authenticator is MD5(code, id, length,
 * the request's authenticator, attributes, secret). */
static int answers(const uint8_t *resp, ssize_t n, const struct slot *sl)
{
	uint8_t want[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t len = (size_t)resp[2] << 8 | resp[3];
	EVP_MD_CTX *md;

	if (resp[0] != 5 || sl->req < 0 || len < 20 || len > (size_t)n)
		return 0;
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	EVP_DigestUpdate(md, resp, 4);
	EVP_DigestUpdate(md, sl->pkt + 4, 16);
	EVP_DigestUpdate(md, resp + 20, len - 20);
	EVP_DigestUpdate(md, secret, strlen(secret));
	EVP_DigestFinal_ex(md, want, &mdlen);
	EVP_MD_CTX_free(md);
	return memcmp(want, resp + 4, 16) == 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	long count, inflight, next = 0, answered = 0, unanswered = 0, retrans = 0;
	int nsock;
	struct sock *socks;
	struct pollfd *pfd;
	int64_t t0, t1;

	if (argc != 6) {
		fprintf(stderr, "usage: acct-flood HOST PORT SECRET COUNT INFLIGHT\n");
		return 64;
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "acct-flood: %s: not an IPv4 address\n", argv[1]);
		return 64;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	secret = argv[3];
	count = atol(argv[4]);
	inflight = atol(argv[5]);
	if (count < 1 || inflight < 1) {
		fprintf(stderr, "acct-flood: COUNT and INFLIGHT must be positive\n");
		return 64;
	}
	nsock = (int)((inflight + IDS - 1) / IDS);
	socks = calloc((size_t)nsock, sizeof(*socks));
	pfd = calloc((size_t)nsock, sizeof(*pfd));
	if (!socks || !pfd)
		return 70;
	for (int i = 0; i < nsock; i++) {
		int buf = 1 << 20;

		socks[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (socks[i].fd < 0 ||
		    connect(socks[i].fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("acct-flood: socket");
			return 71;
		}
		setsockopt(socks[i].fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		for (int j = 0; j < IDS; j++)
			socks[i].slot[j].req = -1;
		pfd[i] = (struct pollfd){ .fd = socks[i].fd, .events = POLLIN };
	}
	now_s = (uint32_t)time(NULL);

	t0 = now_ns();
	while (answered + unanswered < count) {
		int64_t t = now_ns();

		/* Fill every socket's window, then look for answers. */
		for (int i = 0; i < nsock; i++) {
			struct sock *k = &socks[i];
			long room = inflight / nsock;

			for (int id = 0; id < IDS; id++) {
				struct slot *sl = &k->slot[id];

				if (sl->req < 0 && next < count && k->used < room) {
					sl->req = next++;
					sl->len = build(sl->pkt, sl->req, count, (uint8_t)id);
					sl->tries = 0;
					sl->sent = 0;
					k->used++;
				}
				if (sl->req < 0 || (sl->sent && t - sl->sent < TIMEOUT_NS))
					continue;
				if (sl->tries == TRIES) {
					unanswered++;
					sl->req = -1;
					k->used--;
					continue;
				}
				retrans += sl->tries > 0;
				sl->tries++;
				sl->sent = t;
				if (send(k->fd, sl->pkt, sl->len, 0) < 0 && errno != ENOBUFS &&
				    errno != EAGAIN && errno != ECONNREFUSED) {
					perror("acct-flood: send");
					return 71;
				}
			}
		}
		if (poll(pfd, (nfds_t)nsock, 10) < 0 && errno != EINTR) {
			perror("acct-flood: poll");
			return 71;
		}
		for (int i = 0; i < nsock; i++) {
			uint8_t buf[4096];
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = recv(socks[i].fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 20) {
				struct slot *sl = &socks[i].slot[buf[1]];

				if (!answers(buf, n, sl))
					continue; /* a late duplicate, or not ours */
				sl->req = -1;
				socks[i].used--;
				answered++;
			}
		}
	}
	t1 = now_ns();
	printf("sent %ld answered %ld unanswered %ld retransmitted %ld seconds %.3f rate %.0f\n",
	       count, answered, unanswered, retrans, (double)(t1 - t0) / 1e9,
	       (double)answered / ((double)(t1 - t0) / 1e9));
	for (int i = 0; i < nsock; i++)
		close(socks[i].fd);
	free(socks);
	free(pfd);
	return unanswered ? 1 : 0;
}
