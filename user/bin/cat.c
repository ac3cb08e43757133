// cat: copy each named file, or standard input if none is named, to
// standard output.
#include "kernel/uapi/types.h"
#include "kernel/uapi/fcntl.h"
#include "user/lib/user.h"

// Static rather than on the stack: a user stack is only one page.
static char buf[4096];

// Copy everything from fd to standard output. Returns 0, or -1 on error.
static int copy(int fd, const char *name) {
  int n;

  while ((n = read(fd, buf, sizeof buf)) > 0) {
    // write may accept fewer bytes than asked (a pipe, say): write the rest.
    for (int done = 0; done < n;) {
      int w = write(1, buf + done, n - done);
      if (w <= 0) {
        fprintf(2, "cat: write error\n");
        return -1;
      }
      done += w;
    }
  }
  if (n < 0) {
    fprintf(2, "cat: cannot read %s\n", name);
    return -1;
  }
  return 0;
}

int main(int argc, char *argv[]) {
  int status = 0;

  if (argc < 2) return copy(0, "standard input") < 0;

  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (copy(fd, argv[i]) < 0) status = 1;
    close(fd);
  }
  return status;
}
