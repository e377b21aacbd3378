/* Host names in the egress policy (allow:host.name[:PORTS]).
   - The sentry resolves them itself, over DNS to the nameservers of the sandbox's own
     /etc/resolv.conf (read at boot as init reads it), from the sandbox's network namespace:
     the queries leave from where the guest's own would. The calls it needs (a datagram
     socket, connect, send, poll, recv) were on the sentry's allow-list for the guest's IP
     sockets already; nothing reads a host file after boot.
   - Those nameservers (port 53, UDP and TCP) become allowed destinations, so the guest's
     resolver reaches them. A nameserver on loopback or on an address of the namespace is
     skipped (with a warning): a guest could answer in its place and allow itself anything.
   - Each name is resolved (A and AAAA) at boot, before the guest runs, then again when the
     shortest TTL of its answer runs out (at least 1 s, at most a day; 5 s after a failure)
     by a thread of the sentry's. An address stays allowed for its TTL plus a minute after
     the last answer that had it: a round-robin name's answers differ from query to query,
     and the guest's resolver may have been given another of them.
   - Query ids come from getrandom; answers are taken only from the connected nameserver,
     with the query's id and question; answers that do not fit 512 bytes (truncated) are
     used as far as they parse (no TCP retry). */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "sentry/task/task.h"
#include "sentry/vfs/vfs.h"
#include "common/cleanup.h"
#include "common/egress.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DNS_PORT 53
#define DNS_TIMEOUT_MS 1000
#define DNS_TTL_MIN 1
#define DNS_TTL_MAX 86400
#define DNS_RETRY 5			/* seconds before a failed lookup is tried again */
#define DNS_GRACE 60			/* seconds an address stays allowed past its TTL */
#define DNS_ANSWER_MAX 4096
#define HOST_ADDRS_MAX 64
#define RESOLV_CONF_MAX 16384

struct host_addr {
	int family;
	uint8_t addr[16];
	time_t until;			/* CLOCK_MONOTONIC seconds */
};

struct host_entry {
	const struct egress_host *host;
	int naddrs;
	struct host_addr addrs[HOST_ADDRS_MAX];
	time_t refresh_at;
};

static pthread_mutex_t hosts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hosts_cond;
static struct host_entry *entries;
static int nentries;
static struct sockaddr_storage servers[MAXNS];
static int nservers;

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* --- the nameservers --- */

static int read_resolv_conf(struct task *init, char *buf, size_t size)
{
	struct path p;
	struct file *f;
	int r = vfs_resolve(init, &init->fs->root, "/etc/resolv.conf", LOOKUP_FOLLOW, &p, NULL);
	if (r < 0)
		return r;
	r = vfs_open(init, &p, O_RDONLY, &f);
	path_put(&p);
	if (r < 0)
		return r;
	ssize_t n = f->host_fd >= 0 ? pread(f->host_fd, buf, size - 1, 0) : -1;
	r = n < 0 ? (f->host_fd >= 0 ? -errno : -EINVAL) : 0;
	file_put(f);
	if (r == 0)
		buf[n] = '\0';
	return r;
}

/* Could a guest stand in for a server at a (loopback, or one of the namespace's own)? */
static bool guest_could_answer(const struct sockaddr_storage *a, socklen_t len)
{
	if (egress_loopback((const struct sockaddr *)a, len))
		return true;
	struct sockaddr_storage probe = *a;
	((struct sockaddr_in *)&probe)->sin_port = 0;
	_cleanup_close_ int fd = socket(a->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 || bind(fd, (struct sockaddr *)&probe, len) == 0;
}

static socklen_t sockaddr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* "nameserver ADDR" lines, as glibc reads them (the first MAXNS). */
static void parse_nameservers(char *text, struct egress_policy *p)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && nservers < MAXNS; line = strtok_r(NULL, "\n", &save)) {
		char addr[INET6_ADDRSTRLEN + 1];
		struct sockaddr_storage ss = { 0 };
		struct egress_rule rule = { .prefix = 0, .port_lo = DNS_PORT, .port_hi = DNS_PORT };
		if (sscanf(line, " nameserver %46s", addr) != 1)
			continue;
		char *zone = strchr(addr, '%');
		if (zone)
			*zone = '\0';
		if (inet_pton(AF_INET, addr, rule.addr) == 1) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			rule.family = in->sin_family = AF_INET;
			rule.prefix = 32;
			memcpy(&in->sin_addr, rule.addr, 4);
			in->sin_port = htons(DNS_PORT);
		} else if (inet_pton(AF_INET6, addr, rule.addr) == 1) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			rule.family = in6->sin6_family = AF_INET6;
			rule.prefix = 128;
			memcpy(&in6->sin6_addr, rule.addr, 16);
			in6->sin6_port = htons(DNS_PORT);
		} else {
			continue;
		}
		if (guest_could_answer(&ss, sockaddr_len(rule.family))) {
			log_warn("egress: nameserver %s is not used for the policy's host names: a guest could answer in its place", addr);
			continue;
		}
		if (egress_add_rule(p, &rule) == 0)
			servers[nservers++] = ss;
	}
}

/* --- one lookup --- */

/* A query for name of type (ns_t_a or ns_t_aaaa), recursion desired; its length or -EINVAL. */
static int build_query(const char *name, int type, uint16_t id, uint8_t *q, size_t size)
{
	size_t n = 12, len = strlen(name);
	if (len + 2 + 12 + 4 > size)
		return -EINVAL;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;			/* RD */
	q[5] = 1;			/* QDCOUNT */
	for (const char *label = name; *label;) {
		size_t l = strcspn(label, ".");
		q[n++] = (uint8_t)l;
		memcpy(q + n, label, l);
		n += l;
		label += l;
		if (*label == '.')
			label++;
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = ns_c_in;
	return (int)n;
}

/* Sends the query to server and waits for its answer; the answer's length or -errno. */
static int ask(const struct sockaddr_storage *server, const uint8_t *q, int qlen, uint8_t *ans, size_t size)
{
	_cleanup_close_ int fd = socket(server->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)server, sockaddr_len(server->ss_family)) < 0 ||
	    send(fd, q, (size_t)qlen, 0) != qlen)
		return -errno;
	struct timespec start, t;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = DNS_TIMEOUT_MS - ((t.tv_sec - start.tv_sec) * 1000 + (t.tv_nsec - start.tv_nsec) / 1000000);
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(fd, ans, size, 0);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		/* The answer to this query: its id, QR set, and the question as asked. */
		if (n >= qlen && ans[0] == q[0] && ans[1] == q[1] && (ans[2] & 0x80) &&
		    !memcmp(ans + 4, q + 4, 2) && !memcmp(ans + 12, q + 12, (size_t)qlen - 12))
			return (int)n;
	}
}

/* The A or AAAA records of an answer into e's addresses (until: now + TTL + grace); the
   smallest TTL, or -1 if the name has no such records. */
static long take_answer(struct host_entry *e, const uint8_t *ans, int len, time_t t)
{
	ns_msg msg;
	ns_rr rr;
	long ttl_min = -1;
	if (ns_initparse(ans, len, &msg) < 0 || ns_msg_getflag(msg, ns_f_rcode) != ns_r_noerror)
		return -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		int family = ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4 ? AF_INET
			   : ns_rr_type(rr) == ns_t_aaaa && ns_rr_rdlen(rr) == 16 ? AF_INET6 : 0;
		if (!family || ns_rr_class(rr) != ns_c_in)
			continue;
		long ttl = ns_rr_ttl(rr) < DNS_TTL_MIN ? DNS_TTL_MIN : ns_rr_ttl(rr) > DNS_TTL_MAX ? DNS_TTL_MAX : (long)ns_rr_ttl(rr);
		if (ttl_min < 0 || ttl < ttl_min)
			ttl_min = ttl;
		struct host_addr *slot = NULL;
		for (int k = 0; k < e->naddrs && !slot; k++)
			if (e->addrs[k].family == family && !memcmp(e->addrs[k].addr, ns_rr_rdata(rr), ns_rr_rdlen(rr)))
				slot = &e->addrs[k];
		if (!slot && e->naddrs < HOST_ADDRS_MAX) {
			slot = &e->addrs[e->naddrs++];
			*slot = (struct host_addr){ .family = family };
			memcpy(slot->addr, ns_rr_rdata(rr), ns_rr_rdlen(rr));
		}
		if (slot)
			slot->until = t + ttl + DNS_GRACE;
	}
	return ttl_min;
}

/* Resolves e's name (A, then AAAA; each nameserver in turn until one answers) and merges
   the addresses. Called without hosts_lock held for the network, with it for the merge. */
static void resolve(struct host_entry *e)
{
	static const int types[] = { ns_t_a, ns_t_aaaa };
	uint8_t ans[2][DNS_ANSWER_MAX];
	int alen[2] = { -1, -1 };
	for (int k = 0; k < 2; k++) {
		uint16_t id;
		uint8_t query[300];
		int qlen = getrandom(&id, sizeof(id), 0) == sizeof(id)
				   ? build_query(e->host->name, types[k], id, query, sizeof(query)) : -EIO;
		for (int s = 0; s < nservers && qlen > 0 && alen[k] < 0; s++)
			alen[k] = ask(&servers[s], query, qlen, ans[k], sizeof(ans[k]));
	}
	pthread_mutex_lock(&hosts_lock);
	time_t t = now();
	long ttl = -1;
	for (int k = 0; k < 2; k++) {
		long tk = alen[k] > 0 ? take_answer(e, ans[k], alen[k], t) : -1;
		if (tk >= 0 && (ttl < 0 || tk < ttl))
			ttl = tk;
	}
	/* Addresses past their time go. */
	for (int k = 0; k < e->naddrs;)
		if (e->addrs[k].until <= t)
			e->addrs[k] = e->addrs[--e->naddrs];
		else
			k++;
	e->refresh_at = t + (ttl >= 0 ? ttl : DNS_RETRY);
	if (ttl < 0)
		log_warn("egress: no address for %s (tried again in %d s)", e->host->name, DNS_RETRY);
	pthread_mutex_unlock(&hosts_lock);
}

/* The refresher: each name again when its time comes. */
static void *refresher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hosts_lock);
	for (;;) {
		time_t t = now(), next = t + DNS_TTL_MAX;
		struct host_entry *due = NULL;
		for (int i = 0; i < nentries; i++) {
			if (entries[i].refresh_at <= t && !due)
				due = &entries[i];
			if (entries[i].refresh_at < next)
				next = entries[i].refresh_at;
		}
		if (due) {
			pthread_mutex_unlock(&hosts_lock);
			resolve(due);
			pthread_mutex_lock(&hosts_lock);
			continue;
		}
		struct timespec until = { .tv_sec = next };
		pthread_cond_timedwait(&hosts_cond, &hosts_lock, &until);
	}
	return NULL;
}

int egress_hosts_start(struct task *init, struct egress_policy *p)
{
	_cleanup_free_ char *conf = malloc(RESOLV_CONF_MAX);
	if (!conf)
		return -ENOMEM;
	int r = read_resolv_conf(init, conf, RESOLV_CONF_MAX);
	if (r < 0)
		log_warn("egress: the sandbox's /etc/resolv.conf: %s", strerror(-r));
	else
		parse_nameservers(conf, p);
	if (nservers == 0)
		log_warn("egress: no nameserver to resolve the policy's host names with");
	entries = calloc((size_t)p->nhosts, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	for (nentries = 0; nentries < p->nhosts; nentries++) {
		entries[nentries].host = &p->hosts[nentries];
		resolve(&entries[nentries]);
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hosts_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* The thread takes no signal of the sentry's. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t thread;
	r = -pthread_create(&thread, NULL, refresher, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return log_errno(r, "starting the egress host names' refresher");
	pthread_detach(thread);
	return 0;
}

bool egress_hosts_allow(const struct sockaddr *a, socklen_t len)
{
	int family;
	uint8_t addr[16];
	uint16_t port;
	bool allowed = false;
	if (!nentries || !egress_ip_of(a, len, &family, addr, &port))
		return false;
	pthread_mutex_lock(&hosts_lock);
	time_t t = now();
	for (int i = 0; i < nentries && !allowed; i++) {
		const struct host_entry *e = &entries[i];
		if (port < e->host->port_lo || port > e->host->port_hi)
			continue;
		for (int k = 0; k < e->naddrs && !allowed; k++)
			allowed = e->addrs[k].family == family && e->addrs[k].until > t &&
				  !memcmp(e->addrs[k].addr, addr, family == AF_INET ? 4 : 16);
	}
	pthread_mutex_unlock(&hosts_lock);
	return allowed;
}
