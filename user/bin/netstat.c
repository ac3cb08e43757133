// netstat: the sockets and the network stack's counters, from the shell.
//
//   netstat        every TCP and UDP socket: state, addresses, queues,
//                  and TCP's sequence numbers and windows (Linux's `ss -tuan`)
//   netstat -e     the same, with each TCP socket's segment counters
//   netstat -s     the stack's counters (Linux's `netstat -s`)
//
// Try `tcp listen 9 &`, then `netstat`: the listener is in LISTEN. A
// connection that closed stays a second in TIME_WAIT (docs/tcp.md).
#include "kernel/uapi/types.h"
#include "kernel/uapi/socket.h"
#include "user/lib/user.h"

static const char *state_name(int type, int state) {
  static const char *names[] = {"?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
  if (type == SOCK_DGRAM) return "UNCONN";
  return state > 0 && state < (int)(sizeof names / sizeof names[0]) ? names[state] : "?";
}

// "127.0.0.1:8080", or "*:*" for no address.
static char *addr_str(char *out, int size, const struct sockaddr_in *a) {
  unsigned int ip = ntohl(a->sin_addr.s_addr);
  int port = ntohs(a->sin_port);
  if (ip == 0 && port == 0) {
    snprintf(out, size, "*:*");
  } else if (ip == 0) {
    snprintf(out, size, "*:%d", port);
  } else {
    snprintf(out, size, "%d.%d.%d.%d:%d", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port);
  }
  return out;
}

static int list_sockets(int counters) {
  static struct sock_info info[128];
  int n = netconns(info, 128);
  if (n < 0) {
    fprintf(2, "netstat: netconns: %s\n", strerror(errno));
    return 1;
  }
  printf("Proto State       Local Address        Peer Address         Recv-Q Send-Q   snd_una    snd_nxt    "
         "rcv_nxt snd_wnd rcv_wnd\n");
  for (int i = 0; i < n; i++) {
    char local[24], peer[24];
    struct sock_info *s = &info[i];
    printf("%-5s %-11s %-20s %-20s %6d %6d", s->type == SOCK_STREAM ? "tcp" : "udp",
           state_name(s->type, s->state), addr_str(local, sizeof local, &s->local),
           addr_str(peer, sizeof peer, &s->peer), s->rx_queue, s->tx_queue);
    if (s->type == SOCK_STREAM)
      printf(" %10u %10u %10u %7u %7u%s", s->snd_una, s->snd_nxt, s->rcv_nxt, s->snd_wnd, s->rcv_wnd,
             s->orphan ? " (closed)" : "");
    if (s->type == SOCK_STREAM && counters)
      printf("\n      segments in %ld, out %ld, sent again %ld", (long)s->segs_in, (long)s->segs_out,
             (long)s->retrans);
    printf("\n");
  }
  return 0;
}

static int show_counters(void) {
  struct net_counters c;
  if (netstat(-1, &c) < 0) {
    fprintf(2, "netstat: %s\n", strerror(errno));
    return 1;
  }
  printf("ip/udp:\n");
  printf("  %ld datagrams in, %ld out; %ld ICMP port-unreachable in\n", (long)c.datagrams_in,
         (long)c.datagrams_out, (long)c.icmp_unreachable);
  printf("  drops: %ld receive buffer full, %ld no memory, %ld malformed, %ld no port, %ld backlog\n",
         (long)c.drops_rcvbuf, (long)c.drops_nomem, (long)c.drops_malformed, (long)c.drops_noport,
         (long)c.drops_backlog);
  printf("  %ld reader wakeups (%ld found the reader running)\n", (long)c.wakeups, (long)c.wakeups_running);
  printf("tcp:\n");
  printf("  %ld segments in, %ld out, %ld sent again\n", (long)c.tcp_segs_in, (long)c.tcp_segs_out,
         (long)c.tcp_retrans);
  printf("  %ld resets in, %ld out\n", (long)c.tcp_rst_in, (long)c.tcp_rst_out);
  printf("  %ld active opens, %ld passive opens, %ld SYNs dropped (accept queue full)\n",
         (long)c.tcp_active_opens, (long)c.tcp_passive_opens, (long)c.tcp_listen_drops);
  printf("  %ld segments after a gap, kept until it was filled (out-of-order queue)\n"
         "  drops: %ld bad checksum, %ld bad header, %ld bad flags, %ld outside the window,\n"
         "         %ld socket backlog full, %ld on purpose (netdrop)\n",
         (long)c.tcp_ofo_queue, (long)c.tcp_drops_csum, (long)c.tcp_drops_header, (long)c.tcp_drops_flags,
         (long)c.tcp_drops_window, (long)c.tcp_drops_backlog, (long)c.tcp_drops_injected);
  printf("  %ld writers woken by room in the send buffer\n", (long)c.tcp_write_wakeups);
  return 0;
}

int main(int argc, char *argv[]) {
  if (argc == 1) return list_sockets(0);
  if (argc == 2 && strcmp(argv[1], "-e") == 0) return list_sockets(1);
  if (argc == 2 && strcmp(argv[1], "-s") == 0) return show_counters();
  fprintf(2, "usage: netstat [-e | -s]\n");
  return 1;
}
