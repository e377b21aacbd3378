/* NETLINK_ROUTE changes a guest with CAP_NET_ADMIN may make to the sandbox's network
   namespace: the checks a request passes before the sentry sends it, as the guest wrote it,
   on its own socket in that namespace (netlink.c). A change is refused rather than trimmed:
   every attribute the host will read is one of a list, checked inside where it nests
   (a link's kind and a veth peer's attributes, a multipath route's next hops), so what the
   host applies is what the guest asked. Nothing names another namespace (a pid, an fd or a
   namespace id), no fd reaches the host (XDP and BPF route encapsulations are not offered),
   and links the namespace had at boot (its way out, e.g. Docker's eth0) are not deleted. */
#define _GNU_SOURCE
#include "sentry/socket/socket.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/ioctl.h>

#define LINKINFO_DEPTH_MAX 2	/* a veth's peer may say its kind again, not more */

/* An attribute a change may not carry, and the answer: a pid or an fd naming another
   namespace is what Linux refuses a caller without CAP_NET_ADMIN there (EPERM, the guest
   has it nowhere else); a namespace id names none in the sandbox (EINVAL, Linux's answer
   for an unknown id). Anything not listed as passed is EOPNOTSUPP. */
struct rtnl_refusal {
	uint16_t type;
	int err;
};

struct rtnl_change_kind;
typedef int (*rtnl_nested_check)(const struct rtnl_change_kind *k, const struct nlattr *a, int depth);

struct rtnl_change_kind {
	uint16_t type;
	size_t fixed;			/* ifinfomsg, ifaddrmsg, rtmsg, ndmsg */
	const uint16_t *passed;		/* passed as sent */
	size_t npassed;
	const struct rtnl_refusal *refused;
	size_t nrefused;
	uint16_t nested;		/* an attribute checked by check (0: none) */
	rtnl_nested_check check;
};

static int rtnl_attrs_check(const struct rtnl_change_kind *k, const char *p, size_t len, int depth);

static const struct rtnl_refusal link_refused[] = {
	{ IFLA_NET_NS_PID, EPERM }, { IFLA_NET_NS_FD, EPERM }, { IFLA_TARGET_NETNSID, EINVAL },
	{ IFLA_LINK_NETNSID, EINVAL }, { IFLA_NEW_NETNSID, EINVAL },
};
static const uint16_t link_passed[] = {
	IFLA_IFNAME, IFLA_MTU, IFLA_TXQLEN, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_MASTER, IFLA_LINK,
	IFLA_OPERSTATE, IFLA_LINKMODE, IFLA_GROUP, IFLA_IFALIAS, IFLA_NUM_TX_QUEUES,
	IFLA_NUM_RX_QUEUES, IFLA_GSO_MAX_SEGS, IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE, IFLA_CARRIER,
	IFLA_PROTO_DOWN, IFLA_EXT_MASK,
};
/* Deleting: by index or name only (a group would take the boot links with it). */
static const uint16_t dellink_passed[] = { IFLA_IFNAME, IFLA_EXT_MASK };

static const struct rtnl_refusal addr_refused[] = { { IFA_TARGET_NETNSID, EINVAL } };
static const uint16_t addr_passed[] = {
	IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_ANYCAST, IFA_CACHEINFO, IFA_FLAGS,
	IFA_RT_PRIORITY, IFA_PROTO,
};

static const uint16_t route_passed[] = {
	RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_METRICS,
	RTA_FLOW, RTA_TABLE, RTA_MARK, RTA_PREF, RTA_EXPIRES, RTA_VIA,
};
/* A next hop of a multipath route: its own gateway, nothing that encapsulates. */
static const uint16_t nexthop_passed[] = { RTA_GATEWAY, RTA_VIA, RTA_FLOW };

static const struct rtnl_refusal neigh_refused[] = { { NDA_LINK_NETNSID, EINVAL } };
static const uint16_t neigh_passed[] = {
	NDA_DST, NDA_LLADDR, NDA_CACHEINFO, NDA_PROBES, NDA_VLAN, NDA_PORT, NDA_VNI, NDA_IFINDEX,
	NDA_MASTER, NDA_PROTOCOL, NDA_FLAGS_EXT,
};

/* The kinds of link a guest may make: each stays in the namespace (a veth's peer too, as
   its attributes are checked as a link's). Others are EOPNOTSUPP, Linux's answer for a kind
   it does not know. */
static const char *const link_kinds[] = { "dummy", "veth", "bridge" };

static int linkinfo_check(const struct rtnl_change_kind *k, const struct nlattr *a, int depth);
static int multipath_check(const struct rtnl_change_kind *k, const struct nlattr *a, int depth);

#define LIST(a) a, ARRAY_SIZE(a)
static const struct rtnl_change_kind change_kinds[] = {
	{ RTM_NEWLINK, sizeof(struct ifinfomsg), LIST(link_passed), LIST(link_refused), IFLA_LINKINFO, linkinfo_check },
	{ RTM_SETLINK, sizeof(struct ifinfomsg), LIST(link_passed), LIST(link_refused), IFLA_LINKINFO, linkinfo_check },
	{ RTM_DELLINK, sizeof(struct ifinfomsg), LIST(dellink_passed), LIST(link_refused), 0, NULL },
	{ RTM_NEWADDR, sizeof(struct ifaddrmsg), LIST(addr_passed), LIST(addr_refused), 0, NULL },
	{ RTM_DELADDR, sizeof(struct ifaddrmsg), LIST(addr_passed), LIST(addr_refused), 0, NULL },
	{ RTM_NEWROUTE, sizeof(struct rtmsg), LIST(route_passed), NULL, 0, RTA_MULTIPATH, multipath_check },
	{ RTM_DELROUTE, sizeof(struct rtmsg), LIST(route_passed), NULL, 0, RTA_MULTIPATH, multipath_check },
	{ RTM_NEWNEIGH, sizeof(struct ndmsg), LIST(neigh_passed), LIST(neigh_refused), 0, NULL },
	{ RTM_DELNEIGH, sizeof(struct ndmsg), LIST(neigh_passed), LIST(neigh_refused), 0, NULL },
};
/* A veth's peer: a link's attributes after an ifinfomsg. */
static const struct rtnl_change_kind *const peer_kind = &change_kinds[0];
/* A next hop's attributes. */
static const struct rtnl_change_kind nexthop_kind = { 0, 0, LIST(nexthop_passed), NULL, 0, 0, NULL };

static bool type_listed(const uint16_t *list, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

/* The attributes in p (len bytes), walked as nla_parse walks them: a malformed tail is
   one the host does not read either. */
static int rtnl_attrs_check(const struct rtnl_change_kind *k, const char *p, size_t len, int depth)
{
	for (size_t off = 0; len - off >= NLA_HDRLEN;) {
		const struct nlattr *a = (const void *)(p + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			break;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		for (size_t i = 0; i < k->nrefused; i++)
			if (k->refused[i].type == type)
				return -k->refused[i].err;
		int r = k->nested && type == k->nested ? k->check(k, a, depth)
			: type_listed(k->passed, k->npassed, type) ? 0 : -EOPNOTSUPP;
		if (r < 0)
			return r;
		off += NLA_ALIGN(a->nla_len);
		if (off > len)
			break;
	}
	return 0;
}

static const struct nlattr *nested_find(const struct nlattr *a, uint16_t type)
{
	const char *p = (const char *)a + NLA_HDRLEN;
	size_t len = a->nla_len - NLA_HDRLEN;
	for (size_t off = 0; len - off >= NLA_HDRLEN;) {
		const struct nlattr *n = (const void *)(p + off);
		if (n->nla_len < NLA_HDRLEN || n->nla_len > len - off)
			return NULL;
		if ((n->nla_type & NLA_TYPE_MASK) == type)
			return n;
		off += NLA_ALIGN(n->nla_len);
		if (off > len)
			return NULL;
	}
	return NULL;
}

/* IFLA_LINKINFO: a kind of the list; a veth's peer (VETH_INFO_PEER: an ifinfomsg and a
   link's attributes) checked as a link; a bridge's options and a port's are the
   namespace's own. Without a kind the host reads no data (rtnl_newlink). */
static int linkinfo_check(const struct rtnl_change_kind *k, const struct nlattr *a, int depth)
{
	(void)k;
	if (depth >= LINKINFO_DEPTH_MAX)
		return -EOPNOTSUPP;
	const struct nlattr *kind = nested_find(a, IFLA_INFO_KIND);
	if (!kind)
		return 0;
	char name[IFNAMSIZ] = "";
	size_t n = (size_t)kind->nla_len - NLA_HDRLEN;
	n = n < sizeof(name) - 1 ? n : sizeof(name) - 1;
	memcpy(name, (const char *)kind + NLA_HDRLEN, n);
	bool known = false;
	for (size_t i = 0; i < ARRAY_SIZE(link_kinds); i++)
		known |= !strcmp(name, link_kinds[i]);
	if (!known)
		return -EOPNOTSUPP;
	const struct nlattr *data = nested_find(a, IFLA_INFO_DATA);
	if (!data || strcmp(name, "veth"))
		return 0;
	const struct nlattr *peer = nested_find(data, VETH_INFO_PEER);
	if (!peer)
		return 0;
	size_t plen = peer->nla_len - NLA_HDRLEN;
	if (plen < sizeof(struct ifinfomsg))
		return -EINVAL;
	return rtnl_attrs_check(peer_kind, (const char *)peer + NLA_HDRLEN + sizeof(struct ifinfomsg),
				plen - sizeof(struct ifinfomsg), depth + 1);
}

/* RTA_MULTIPATH: rtnexthops, walked as rtnh_ok does, each with next-hop attributes only. */
static int multipath_check(const struct rtnl_change_kind *k, const struct nlattr *a, int depth)
{
	(void)k;
	const char *p = (const char *)a + NLA_HDRLEN;
	size_t len = a->nla_len - NLA_HDRLEN;
	for (size_t off = 0; len - off >= sizeof(struct rtnexthop);) {
		const struct rtnexthop *nh = (const void *)(p + off);
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len - off)
			break;
		int r = rtnl_attrs_check(&nexthop_kind, (const char *)RTNH_DATA(nh),
					 nh->rtnh_len - RTNH_LENGTH(0), depth);
		if (r < 0)
			return r;
		off += RTNH_ALIGN(nh->rtnh_len);
		if (off > len)
			break;
	}
	return 0;
}

/* --- links the namespace had at boot --- */

static unsigned *boot_links;
static size_t nboot_links;

void rtnl_change_boot_links(void)
{
	struct if_nameindex *ifs = if_nameindex();
	size_t n = 0;
	if (!ifs) {
		log_warn("listing the namespace's links: %m (guests may delete any link)");
		return;
	}
	while (ifs[n].if_index)
		n++;
	boot_links = calloc(n ? n : 1, sizeof(*boot_links));
	for (size_t i = 0; boot_links && i < n; i++)
		boot_links[nboot_links++] = ifs[i].if_index;
	if_freenameindex(ifs);
}

/* RTM_DELLINK of a link the namespace had at boot: EPERM (lo itself the host refuses). */
static int dellink_check(int host_fd, const struct nlmsghdr *req)
{
	size_t plen = req->nlmsg_len - NLMSG_HDRLEN;
	if (plen < sizeof(struct ifinfomsg))
		return 0;	/* the host's EINVAL */
	const struct ifinfomsg *ifi = NLMSG_DATA(req);
	unsigned index = (unsigned)ifi->ifi_index;
	if (!index) {
		const struct nlattr *name = NULL;
		const char *p = (const char *)NLMSG_DATA(req) + NLMSG_ALIGN(sizeof(*ifi));
		size_t len = plen - NLMSG_ALIGN(sizeof(*ifi));
		for (size_t off = 0; len - off >= NLA_HDRLEN;) {
			const struct nlattr *a = (const void *)(p + off);
			if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == IFLA_IFNAME)
				name = a;
			off += NLA_ALIGN(a->nla_len);
			if (off > len)
				break;
		}
		if (!name)
			return 0;
		struct ifreq ifr = { 0 };
		size_t n = (size_t)name->nla_len - NLA_HDRLEN;
		n = n < IFNAMSIZ - 1 ? n : IFNAMSIZ - 1;
		memcpy(ifr.ifr_name, (const char *)name + NLA_HDRLEN, n);
		if (ioctl(host_fd, SIOCGIFINDEX, &ifr) < 0)
			return 0;	/* no such link: the host says so */
		index = (unsigned)ifr.ifr_ifindex;
	}
	for (size_t i = 0; i < nboot_links; i++)
		if (boot_links[i] == index && index != 1)
			return -EPERM;
	return 0;
}

int rtnl_change_check(int host_fd, const struct nlmsghdr *req)
{
	const struct rtnl_change_kind *k = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(change_kinds); i++)
		if (change_kinds[i].type == req->nlmsg_type)
			k = &change_kinds[i];
	if (!k)
		return -EOPNOTSUPP;
	size_t plen = req->nlmsg_len - NLMSG_HDRLEN;
	if (plen > NLMSG_ALIGN(k->fixed)) {
		int r = rtnl_attrs_check(k, (const char *)NLMSG_DATA(req) + NLMSG_ALIGN(k->fixed),
					 plen - NLMSG_ALIGN(k->fixed), 0);
		if (r < 0)
			return r;
	}
	return k->type == RTM_DELLINK ? dellink_check(host_fd, req) : 0;
}
