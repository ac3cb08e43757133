// pingpong [ROUNDS]: bounce a byte between a parent and its child over two
// pipes. With no argument, one round: the child prints "PID: received ping",
// the parent "PID: received pong". With ROUNDS, the byte goes back and forth
// that many times (each side checks it is the one expected), then the
// parent prints how long it took. The warm-up lab (docs/labs/pingpong.md).
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

static void die(const char *what) {
  fprintf(2, "pingpong: %s\n", what);
  exit(1);
}

// LAB pingpong: begin
// One side of the game. The server (the parent) writes each round's byte
// and waits for it to come back; the other side waits for it and sends it
// back. Both check it is the byte of this round.
static void play(int in, int out, int rounds, int serve, int verbose, const char *heard) {
  unsigned char expect = 0;
  for (int i = 0; i < rounds; i++) {
    unsigned char b = expect;
    if (serve && write(out, &b, 1) != 1) die("write failed");
    if (read(in, &b, 1) != 1) die("read failed: the other side has gone");
    if (b != expect) die("got the wrong byte");
    if (verbose) printf("%d: received %s\n", getpid(), heard);
    if (!serve && write(out, &b, 1) != 1) die("write failed");
    expect++;
  }
}
// LAB pingpong: end

int main(int argc, char *argv[]) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  if (argc > 2 || rounds < 1) die("usage: pingpong [ROUNDS]");
  int ping[2], pong[2]; // parent -> child, child -> parent
  if (pipe(ping) < 0 || pipe(pong) < 0) die("pipe failed");
  int verbose = argc == 1;
  // LAB pingpong: begin main(rounds, verbose)
  int t0 = uptime();
  int pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    close(ping[1]);
    close(pong[0]);
    play(ping[0], pong[1], rounds, 0, verbose, "ping");
    exit(0);
  }
  close(ping[0]);
  close(pong[1]);
  play(pong[0], ping[1], rounds, 1, verbose, "pong");
  int status;
  if (wait(&status) != pid || status != 0) die("the child failed");
  if (!verbose) printf("pingpong: %d round trips in %d ticks\n", rounds, uptime() - t0);
  // LAB pingpong: end
  exit(0);
}
