// echo: print the arguments, separated by spaces, and a newline.
//
// The whole line is assembled first and written at once, so that output from
// several processes running at the same time does not mix within a line.
#include "kernel/uapi/types.h"
#include "user/lib/user.h"

static char line[1024];
static int len;

static void flush(void) {
  if (len > 0) write(1, line, len);
  len = 0;
}

static void add(char c) {
  if (len == sizeof line) // a very long line goes out in pieces
    flush();
  line[len++] = c;
}

int main(int argc, char *argv[]) {
  for (int i = 1; i < argc; i++) {
    for (char *s = argv[i]; *s != '\0'; s++) add(*s);
    add(i + 1 < argc ? ' ' : '\n');
  }
  if (argc < 2) add('\n');
  flush();
  return 0;
}
