// wc: count the lines, words and bytes in each named file, or in standard
// input if none is named. A word is a run of characters other than spaces,
// tabs and line ends.
#include "kernel/uapi/types.h"
#include "kernel/uapi/fcntl.h"
#include "user/lib/user.h"

static char buf[4096];

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'; }

// Count what can be read from fd and print the counts with name.
// Returns 0, or -1 if reading fails.
static int count(int fd, const char *name) {
  int lines = 0, words = 0, bytes = 0;
  int inword = 0; // was the previous character part of a word?
  int n;

  while ((n = read(fd, buf, sizeof buf)) > 0) {
    bytes += n;
    for (int i = 0; i < n; i++) {
      if (buf[i] == '\n') lines++;
      if (is_space(buf[i])) {
        inword = 0;
      } else if (!inword) {
        inword = 1; // the first character of a new word
        words++;
      }
    }
  }
  if (n < 0) {
    fprintf(2, "wc: cannot read %s\n", name);
    return -1;
  }
  printf("%d %d %d %s\n", lines, words, bytes, name);
  return 0;
}

int main(int argc, char *argv[]) {
  int status = 0;

  if (argc < 2) return count(0, "") < 0;

  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (count(fd, argv[i]) < 0) status = 1;
    close(fd);
  }
  return status;
}
