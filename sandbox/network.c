/* The sandbox's network namespace (see network.h). */
#define _GNU_SOURCE
#include "sandbox/network.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int loopback_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int sandbox_netns_new(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return log_errno(-errno, "creating a network namespace");
	int r = loopback_up();
	if (r < 0)
		return log_errno(r, "bringing lo up in the sandbox's network namespace");
	/* Opened after the unshare: the file is the new namespace's. */
	_cleanup_close_ int ping = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (ping < 0 || write(ping, "0 2147483647", 12) != 12)
		log_warn("ping sockets stay refused in the sandbox: ping_group_range: %m");
	return 0;
}

bool sandbox_netns_own(void)
{
	char parent[64];
	struct stat own, theirs;
	snprintf(parent, sizeof(parent), "/proc/%d/ns/net", (int)getppid());
	if (stat("/proc/self/ns/net", &own) < 0 || stat(parent, &theirs) < 0)
		return false;
	return own.st_dev != theirs.st_dev || own.st_ino != theirs.st_ino;
}

int sandbox_network_enter(const char *network)
{
	if (!network || !strcmp(network, "none"))
		return sandbox_netns_new();
	if (!strcmp(network, "host"))
		return 0;
	_cleanup_close_ int ns = open(network, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return log_errno(-errno, "joining the network namespace %s", network);
	return 0;
}
