/* A sandbox's egress policy: which remote addresses and ports its sockets may send to.
   Text form (`do --egress`, OCI annotation dev.runsc-c.egress):
     deny-all                      nothing beyond loopback and the namespace's own addresses
     allow:CIDR[:PORTS],...        only these; CIDR is an address with an optional /prefix
                                   (IPv6 in brackets when ports follow), PORTS is N or N-M;
                                   an item may name a host instead (host.name[:PORTS]): the
                                   addresses DNS gives for it (the sentry resolves it)
   An empty text is no policy (everything allowed). */
#ifndef RUNSCC_COMMON_EGRESS_H
#define RUNSCC_COMMON_EGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct egress_rule {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network byte order; 4 bytes used for AF_INET */
	int prefix;
	uint16_t port_lo, port_hi;	/* host byte order; 0-65535: any */
};

/* A host name of the policy, allowed at the addresses its name resolves to. */
struct egress_host {
	char *name;
	uint16_t port_lo, port_hi;
};

struct egress_policy {
	bool active;			/* false: no policy */
	int nrules;
	struct egress_rule *rules;
	int nhosts;
	struct egress_host *hosts;
};

/* Parses text into *p (rules malloc'd); -EINVAL with the offending item in *bad. */
int egress_parse(const char *text, struct egress_policy *p, const char **bad);
void egress_free(struct egress_policy *p);
/* Do the rules allow a (AF_INET or AF_INET6, v4-mapped IPv6 taken as IPv4)? The caller
   checks loopback and local addresses first. */
bool egress_rules_allow(const struct egress_policy *p, const struct sockaddr *a, socklen_t len);
/* Adds a rule (the rules array grows); -ENOMEM. */
int egress_add_rule(struct egress_policy *p, const struct egress_rule *r);
/* The family, address (network byte order) and port of a (IPv4 for v4-mapped IPv6); false
   if a is not a whole AF_INET or AF_INET6 address. */
bool egress_ip_of(const struct sockaddr *a, socklen_t len, int *family, uint8_t addr[16], uint16_t *port);
/* Is a loopback (127/8, ::1, v4-mapped 127/8) or the unspecified address? */
bool egress_loopback(const struct sockaddr *a, socklen_t len);

#endif
