// udp: send and receive UDP datagrams on 127.0.0.1, from the shell.
//
//   udp recv PORT [COUNT]     print COUNT datagrams (default 1) sent to PORT
//   udp send PORT MESSAGE     send MESSAGE to 127.0.0.1:PORT
//
// Try `udp recv 7 &` then `udp send 7 hello`: the receiver sleeps in
// recvfrom until the datagram's arrival wakes it (docs/udp-receive-path.md).
#include "kernel/uapi/types.h"
#include "kernel/uapi/socket.h"
#include "user/lib/user.h"

static int do_recv(int port, int count) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback_addr(port);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    fprintf(2, "udp: cannot bind port %d: %s\n", port, strerror(errno));
    return 1;
  }
  static char buf[UDP_MAX_PAYLOAD + 1];
  for (int i = 0; i < count; i++) {
    struct sockaddr_in from;
    unsigned int len = sizeof from;
    long n = recvfrom(fd, buf, UDP_MAX_PAYLOAD, 0, (struct sockaddr *)&from, &len);
    if (n < 0) {
      fprintf(2, "udp: recvfrom: %s\n", strerror(errno));
      return 1;
    }
    buf[n] = '\0';
    printf("udp: %ld bytes from port %d: %s\n", n, ntohs(from.sin_port), buf);
  }
  close(fd);
  return 0;
}

static int do_send(int port, const char *msg) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback_addr(port);
  if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0) {
    fprintf(2, "udp: cannot send to port %d: %s\n", port, strerror(errno));
    return 1;
  }
  close(fd);
  return 0;
}

int main(int argc, char *argv[]) {
  if (argc >= 3 && strcmp(argv[1], "recv") == 0) return do_recv(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 1);
  if (argc == 4 && strcmp(argv[1], "send") == 0) return do_send(atoi(argv[2]), argv[3]);
  fprintf(2, "usage: udp recv PORT [COUNT] | udp send PORT MESSAGE\n");
  return 1;
}
