/* Egress policy: parsing and matching (see egress.h). */
#define _GNU_SOURCE
#include "common/egress.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, char **end)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, end, 10);
	return errno || v > 65535 ? -1 : (int)v;
}

/* PORTS: N or N-M. */
static int parse_ports(const char *s, struct egress_rule *r)
{
	char *end;
	int lo = parse_port(s, &end), hi = lo;
	if (lo >= 0 && *end == '-')
		hi = parse_port(end + 1, &end);
	if (lo < 0 || hi < lo || *end)
		return -EINVAL;
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return 0;
}

/* ADDR[/PREFIX] (buf is modified). */
static int parse_cidr(char *buf, struct egress_rule *r)
{
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -EINVAL;
	int max = r->family == AF_INET ? 32 : 128;
	r->prefix = max;
	if (slash) {
		char *end;
		errno = 0;
		long v = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || v < 0 || v > max)
			return -EINVAL;
		r->prefix = (int)v;
	}
	return 0;
}

/* A DNS name: dot-separated labels of letters, digits and hyphens (none at a label's ends),
   with a letter somewhere (so that no address typo passes for a name). */
static bool host_name(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool letter = false;
	if (len == 0 || len > 253)
		return false;
	for (const char *c = s; ; c++) {
		if (*c == '.' || !*c) {
			if (label == 0 || label > 63 || c[-1] == '-')
				return false;
			if (!*c)
				return letter;
			label = 0;
			continue;
		}
		if (*c == '-' && label == 0)
			return false;
		if (((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z'))
			letter = true;
		else if (!(*c >= '0' && *c <= '9') && *c != '-')
			return false;
		label++;
	}
}

/* CIDR[:PORTS] or HOST[:PORTS], with an IPv6 address in brackets when ports follow. A host
   goes to *h (its name malloc'd, *is_host set). */
static int parse_item(char *item, struct egress_rule *r, struct egress_host *h, bool *is_host)
{
	char *ports = NULL;
	bool bracketed = item[0] == '[';
	r->port_lo = 0;
	r->port_hi = 65535;
	if (item[0] == '[') {
		char *close = strchr(item, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		*close = '\0';
		ports = close[1] ? close + 2 : NULL;
		item++;
	} else {
		char *colon = strchr(item, ':');
		/* One colon: IPv4 with ports; more: a bare IPv6 CIDR. */
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			ports = colon + 1;
		}
	}
	*is_host = !bracketed && host_name(item);
	int e = *is_host ? 0 : parse_cidr(item, r);
	if (e == 0 && ports)
		e = parse_ports(ports, r);
	if (e == 0 && *is_host) {
		h->port_lo = r->port_lo;
		h->port_hi = r->port_hi;
		h->name = strdup(item);
		e = h->name ? 0 : -ENOMEM;
	}
	return e;
}

int egress_parse(const char *text, struct egress_policy *p, const char **bad)
{
	static char bad_item[128];
	*p = (struct egress_policy){ 0 };
	*bad = NULL;
	if (!text || !*text)
		return 0;
	p->active = true;
	if (!strcmp(text, "deny-all"))
		return 0;
	if (strncmp(text, "allow:", 6)) {
		*bad = text;
		return -EINVAL;
	}
	char *copy = strdup(text + 6);
	if (!copy)
		return -ENOMEM;
	size_t n = 1;
	for (const char *c = copy; *c; c++)
		n += *c == ',';
	p->rules = calloc(n, sizeof(*p->rules));
	p->hosts = calloc(n, sizeof(*p->hosts));
	if (!p->rules || !p->hosts) {
		free(copy);
		egress_free(p);
		return -ENOMEM;
	}
	char *save = NULL;
	int e = 0;
	for (char *item = strtok_r(copy, ",", &save); item && e == 0; item = strtok_r(NULL, ",", &save)) {
		if (!strncmp(item, "allow:", 6))
			item += 6;
		snprintf(bad_item, sizeof(bad_item), "%s", item);
		bool is_host;
		e = parse_item(item, &p->rules[p->nrules], &p->hosts[p->nhosts], &is_host);
		if (e == 0 && is_host)
			p->nhosts++;
		else if (e == 0)
			p->nrules++;
	}
	free(copy);
	if (e < 0 || p->nrules + p->nhosts == 0) {
		*bad = bad_item;
		egress_free(p);
		return -EINVAL;
	}
	return 0;
}

void egress_free(struct egress_policy *p)
{
	for (int i = 0; i < p->nhosts; i++)
		free(p->hosts[i].name);
	free(p->hosts);
	free(p->rules);
	*p = (struct egress_policy){ 0 };
}

int egress_add_rule(struct egress_policy *p, const struct egress_rule *r)
{
	struct egress_rule *rules = realloc(p->rules, ((size_t)p->nrules + 1) * sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	rules[p->nrules++] = *r;
	p->rules = rules;
	return 0;
}

bool egress_ip_of(const struct sockaddr *a, socklen_t len, int *family, uint8_t addr[16], uint16_t *port)
{
	if (a->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)a;
		*family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return true;
	}
	if (a->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)a;
		*port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			*family = AF_INET;
			memcpy(addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, in6->sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;
	if (memcmp(a, b, (size_t)bytes))
		return false;
	if (!bits)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool egress_rules_allow(const struct egress_policy *p, const struct sockaddr *a, socklen_t len)
{
	int family;
	uint8_t addr[16];
	uint16_t port;
	if (!p->active)
		return true;
	if (!egress_ip_of(a, len, &family, addr, &port))
		return false;
	for (int i = 0; i < p->nrules; i++) {
		const struct egress_rule *r = &p->rules[i];
		if (r->family == family && port >= r->port_lo && port <= r->port_hi &&
		    prefix_match(addr, r->addr, r->prefix))
			return true;
	}
	return false;
}

bool egress_loopback(const struct sockaddr *a, socklen_t len)
{
	int family;
	uint8_t addr[16];
	uint16_t port;
	static const uint8_t any6[16], lo6[16] = { [15] = 1 };
	if (!egress_ip_of(a, len, &family, addr, &port))
		return false;
	if (family == AF_INET)
		return addr[0] == 127 || !memcmp(addr, any6, 4);
	return !memcmp(addr, lo6, 16) || !memcmp(addr, any6, 16);
}
