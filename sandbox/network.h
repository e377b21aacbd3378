/* The sandbox's network namespace: the sentry, which makes the guest's IP sockets, runs in it. */
#ifndef RUNSCC_SANDBOX_NETWORK_H
#define RUNSCC_SANDBOX_NETWORK_H

#include <stdbool.h>

/* Moves the calling process (whose children become the sandbox) into the namespace network
   names: "none" a new one with only lo (up), "host" the caller's, else the path of one to
   join (/proc/PID/ns/net, /run/netns/NAME). -errno, logged. */
int sandbox_network_enter(const char *network);
/* A new network namespace for the caller with lo up (ping sockets allowed to every group,
   as in a container's own namespace). */
int sandbox_netns_new(void);
/* Is the caller's network namespace another than its parent's (a sandbox's own, not the
   host's the CLI was started in)? false when it cannot tell. */
bool sandbox_netns_own(void);

#endif
