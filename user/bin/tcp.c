// tcp: TCP connections on 127.0.0.1, from the shell.
//
//   tcp listen PORT [COUNT]     accept COUNT connections (default 1), one
//                               after the other, and echo what each sends
//   tcp listen -c PORT [COUNT]  the same, but print what arrives (cat)
//   tcp connect PORT            send standard input, then print what comes
//                               back until the peer closes
//   tcp connect -c PORT         send nothing: print what comes (cat)
//
// Try `tcp listen 9 &` then `echo hi | tcp connect 9`: the listener sleeps
// in accept (inet_csk_wait_for_connect), the handshake wakes it, and its
// recv sleeps in sk_wait_data until the line arrives (docs/tcp.md). The
// data goes through send() and recv(), so a GDB backtrace shows
// sys_recvfrom -> ... -> tcp_recvmsg, as in Linux's books.
#include "kernel/uapi/types.h"
#include "kernel/uapi/socket.h"
#include "user/lib/user.h"

static char buf[4096];

// Everything from `from` to the socket or fd `to`, until end of file.
// Returns 0, or 1 after printing what failed.
static int copy(int from, int to, int to_socket) {
  for (;;) {
    long n = from == 0 ? read(from, buf, sizeof buf) : recv(from, buf, sizeof buf, 0);
    if (n == 0) return 0;
    if (n < 0) {
      fprintf(2, "tcp: receive: %s\n", strerror(errno));
      return 1;
    }
    long w = to_socket ? send(to, buf, n, 0) : write(to, buf, n);
    if (w != n) {
      fprintf(2, "tcp: send: %s\n", w < 0 ? strerror(errno) : "short");
      return 1;
    }
  }
}

static int do_listen(int port, int count, int cat) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in a = loopback_addr(port);
  if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 5) < 0) {
    fprintf(2, "tcp: cannot listen on port %d: %s\n", port, strerror(errno));
    return 1;
  }
  for (int i = 0; i < count; i++) {
    struct sockaddr_in peer;
    unsigned int len = sizeof peer;
    int s = accept(ls, (struct sockaddr *)&peer, &len);
    if (s < 0) {
      fprintf(2, "tcp: accept: %s\n", strerror(errno));
      return 1;
    }
    printf("tcp: connection from port %d\n", ntohs(peer.sin_port));
    int err = cat ? copy(s, 1, 0) : copy(s, s, 1);
    close(s);
    if (err) return 1;
  }
  close(ls);
  return 0;
}

static int do_connect(int port, int cat) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback_addr(port);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    fprintf(2, "tcp: cannot connect to port %d: %s\n", port, strerror(errno));
    return 1;
  }
  int pid = 0;
  if (!cat) {
    // A child sends standard input, then shuts down our sending side: the
    // peer reads end of file while we go on printing its answers.
    pid = fork();
    if (pid < 0) {
      fprintf(2, "tcp: fork failed\n");
      return 1;
    }
    if (pid == 0) {
      int err = copy(0, s, 1);
      shutdown(s, SHUT_WR);
      exit(err);
    }
  }
  int err = copy(s, 1, 0);
  close(s);
  if (pid > 0) {
    int st = 0;
    wait(&st);
    err |= st != 0;
  }
  return err;
}

int main(int argc, char *argv[]) {
  int cat = argc > 2 && strcmp(argv[2], "-c") == 0;
  int at = 2 + cat; // the PORT argument
  if (argc > at && strcmp(argv[1], "listen") == 0 && argc <= at + 2)
    return do_listen(atoi(argv[at]), argc > at + 1 ? atoi(argv[at + 1]) : 1, cat);
  if (argc == at + 1 && strcmp(argv[1], "connect") == 0) return do_connect(atoi(argv[at]), cat);
  fprintf(2, "usage: tcp listen [-c] PORT [COUNT] | tcp connect [-c] PORT\n");
  return 1;
}
