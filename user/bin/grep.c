// grep: print the lines that match a pattern.
//
// usage: grep pattern [file...]   (standard input if no file is named)
//
// Patterns are a small kind of regular expression:
//   c    any ordinary character matches itself
//   .    matches any one character
//   x*   matches zero or more of x (x being an ordinary character or .)
//   ^    at the start of the pattern: the match must begin the line
//   $    at the end of the pattern: the match must end the line
// A line matches if the pattern matches some part of it.
#include "kernel/uapi/types.h"
#include "kernel/uapi/fcntl.h"
#include "user/lib/user.h"

// ---------------------------------------------------------------------------
// The matcher. It tries the pattern at each position of the text, and at a
// position it walks the pattern and the text forward together; only a
// starred element has a choice to make (how many characters to take), and it
// tries each choice in turn, backtracking if the rest does not then match.

static int match_here(const char *re, const char *text);

// Does the single pattern character pc match the text character c?
static int one(char pc, char c) { return c != '\0' && (pc == '.' || pc == c); }

// Match "x*" followed by the pattern rest at the start of text. Take as many
// x's as possible first, then give them back one at a time.
static int match_star(char x, const char *rest, const char *text) {
  const char *t = text;
  while (one(x, *t)) t++;
  for (;;) {
    if (match_here(rest, t)) return 1;
    if (t == text) return 0;
    t--;
  }
}

// Does the pattern re match a prefix of text?
static int match_here(const char *re, const char *text) {
  for (;;) {
    if (re[0] == '\0') return 1;
    if (re[1] == '*') return match_star(re[0], re + 2, text);
    if (re[0] == '$' && re[1] == '\0') return *text == '\0';
    if (!one(re[0], *text)) return 0;
    re++;
    text++;
  }
}

// Does re match anywhere in text?
static int match(const char *re, const char *text) {
  if (re[0] == '^') return match_here(re + 1, text);
  // Try every starting position, the empty end of the text included.
  for (const char *t = text;; t++) {
    if (match_here(re, t)) return 1;
    if (*t == '\0') return 0;
  }
}

// ---------------------------------------------------------------------------
// Reading lines.

static char buf[4096];

// Print the line at line[0..len) (without its newline) if it matches.
static void check_line(const char *re, char *line, int len) {
  line[len] = '\0';
  if (match(re, line)) {
    line[len] = '\n'; // print it with its newline in one write
    write(1, line, len + 1);
  }
}

// Search everything readable from fd. buf holds the text read but not yet
// checked: whole lines are checked as soon as they are complete, and a
// partial line is moved to the front to wait for the rest of it. A line too
// long for buf is checked in buf-sized pieces. Returns 0, or -1 on error.
static int grep(const char *re, int fd, const char *name) {
  int have = 0; // bytes in buf
  int n;

  // Leave one byte spare for check_line's terminating NUL or newline.
  while ((n = read(fd, buf + have, sizeof buf - 1 - have)) > 0) {
    have += n;
    int start = 0; // start of the first line not yet checked
    for (int i = 0; i < have; i++) {
      if (buf[i] == '\n') {
        check_line(re, buf + start, i - start);
        start = i + 1;
      }
    }
    if (start == 0 && have == sizeof buf - 1) {
      check_line(re, buf, have); // no newline in a full buffer
      start = have;
    }
    have -= start;
    memmove(buf, buf + start, have);
  }
  if (have > 0) check_line(re, buf, have); // a last line with no newline
  if (n < 0) {
    fprintf(2, "grep: cannot read %s\n", name);
    return -1;
  }
  return 0;
}

int main(int argc, char *argv[]) {
  int status = 0;

  if (argc < 2) {
    fprintf(2, "usage: grep pattern [file...]\n");
    return 1;
  }
  const char *re = argv[1];

  if (argc < 3) return grep(re, 0, "standard input") < 0;

  for (int i = 2; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (grep(re, fd, argv[i]) < 0) status = 1;
    close(fd);
  }
  return status;
}
