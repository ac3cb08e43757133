// sh: the shell.
//
// It reads command lines and runs them. A line may use
//   cmd args...         run a program
//   a | b | c           a pipeline: each command's output feeds the next
//   cmd < in            read standard input from a file
//   cmd > out           write standard output to a file (created or emptied)
//   cmd >> out          append standard output to a file
//   a ; b               run a, wait for it, then run b
//   a &                 run a in the background (do not wait for it)
//   ( a ; b ) > out     group commands, here to redirect them together
// and the built-in command cd. A line that is only "cd dir" changes the
// shell's own directory; a cd among other commands, as in "cd dir; ls" or
// "(cd dir; ls)", affects just the rest of that line or group.
// There is no quoting: words are separated by spaces and the characters
// | ; & ( ) < >.
//
// The shell process itself only reads lines (and runs a lone cd). For each
// line it forks a child, and the child parses the line and runs it, forking
// again as the line requires. The parent never builds a parse tree or
// allocates memory, so running commands leaves the shell's memory exactly as
// it was; and a child that finds a syntax error simply reports it and exits.
//
// A parsed line is a tree of nodes, for example
//   echo a | wc > out ; ls    is    LIST( PIPE(echo a, REDIR(> out, wc)), ls )
// and running a node means making the process's file descriptors what the
// node asks for and then exec'ing, or forking children for the parts.
// Nodes, argument vectors and words live in fixed arrays in the child, not
// on the heap.
#include "kernel/uapi/types.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/uapi/param.h"
#include "user/lib/user.h"

enum {
  MAXLINE = 512,  // longest command line, newline included
  MAXNODES = 128, // nodes in the tree for one line
  MAXDEPTH = 8,   // how deeply parentheses may nest (the parser
                  // recurses per level, on a one-page stack)
};

// ---------------------------------------------------------------------------
// The parse tree.

enum kind {
  EXEC,  // run argv[0] with the arguments argv
  REDIR, // open file as fd, then run cmd
  PIPE,  // run left and right concurrently, left's output into right's input
  LIST,  // run left to completion, then right
  BACK,  // start cmd and do not wait for it
};

struct node {
  enum kind kind;
  char **argv;        // EXEC: null-terminated argument vector
  char *file;         // REDIR: the file to open
  int fd;             // REDIR: 0 (input) or 1 (output)
  int mode;           // REDIR: open() flags
  int append;         // REDIR: start writing at the end of the file
  struct node *cmd;   // REDIR, BACK: the command it applies to
  struct node *left;  // PIPE, LIST
  struct node *right; // PIPE, LIST
};

// Fixed pools that the parser takes from, in order. A line has fewer than
// MAXLINE characters, so it has fewer than MAXLINE words, and copying them
// out with a NUL after each needs at most MAXLINE bytes: each NUL stands in
// for the separator that ended its word, or for the end of the line. The
// argument vectors need the words plus a null pointer per command, and every
// command uses a node, so MAXNODES null pointers suffice.
static struct node nodes[MAXNODES];
static int nnodes;
static char *argpool[MAXLINE + MAXNODES];
static int nargs;
static char text[MAXLINE];
static int ntext;

static void syntax_error(const char *what) {
  fprintf(2, "sh: syntax error: %s\n", what);
  exit(1);
}

// Report the current token as out of place (defined after the tokenizer).
static void unexpected(void);

static struct node *new_node(enum kind kind) {
  if (nnodes == MAXNODES) syntax_error("command too complex");
  struct node *n = &nodes[nnodes++];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  return n;
}

// ---------------------------------------------------------------------------
// Tokens.
//
// The parser looks at one token at a time: tok is the current one, and
// next() moves on to the following one. A token is a word (WORD, with its
// text, NUL-terminated, in word), one of the symbol characters, APPEND for
// ">>", or END at the end of the line.

enum { END = 0, WORD = 'w', APPEND = 'a' };

static const char *cursor; // the next unread character of the line
static int tok;
static char *word;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'; }

static int is_symbol(char c) { return c != '\0' && strchr("|;&()<>", c) != 0; }

// Copy a word into the text pool. The line itself is left unchanged:
// terminating the word in place would overwrite the character after it,
// which may be a symbol the parser still needs to see, as in "echo hi>out".
static void next(void) {
  while (is_space(*cursor)) cursor++;

  if (*cursor == '\0') {
    tok = END;
  } else if (cursor[0] == '>' && cursor[1] == '>') {
    tok = APPEND;
    cursor += 2;
  } else if (is_symbol(*cursor)) {
    tok = *cursor++;
  } else {
    tok = WORD;
    word = &text[ntext];
    while (*cursor != '\0' && !is_space(*cursor) && !is_symbol(*cursor)) text[ntext++] = *cursor++;
    text[ntext++] = '\0';
  }
}

static void unexpected(void) {
  if (tok == END)
    fprintf(2, "sh: syntax error at end of line\n");
  else if (tok == WORD)
    fprintf(2, "sh: syntax error near %s\n", word);
  else if (tok == APPEND)
    fprintf(2, "sh: syntax error near >>\n");
  else
    fprintf(2, "sh: syntax error near %c\n", tok);
  exit(1);
}

static void start_tokens(const char *line) {
  cursor = line;
  ntext = 0;
  next();
}

// ---------------------------------------------------------------------------
// The parser: one function per rule of the grammar.
//
//   line     = list END
//   list     = pipeline { (";" | "&") [pipeline] }
//   pipeline = command { "|" command }
//   command  = "(" list ")" { redirect }
//            | (word | redirect) { word | redirect }
//   redirect = ("<" | ">" | ">>") word
//
// Lists and pipelines are built with loops instead of recursion, so that a
// long line cannot overflow the process's small stack; only parentheses
// recurse, and their depth is limited.

static struct node *parse_list(int depth);

static int starts_command(int t) { return t == WORD || t == '(' || t == '<' || t == '>' || t == APPEND; }

// Parse one redirection, if tok starts one, and wrap it around *slot, the
// command or an earlier redirection of it. Returns 1 if it found one.
static int parse_redirect(struct node **slot) {
  if (tok != '<' && tok != '>' && tok != APPEND) return 0;
  int op = tok;
  next();
  if (tok != WORD) syntax_error("missing file name after redirection");

  struct node *r = new_node(REDIR);
  r->file = word;
  if (op == '<') {
    r->fd = 0;
    r->mode = O_RDONLY;
  } else if (op == '>') {
    r->fd = 1;
    r->mode = O_WRONLY | O_CREATE | O_TRUNC;
  } else {
    r->fd = 1;
    r->mode = O_RDWR | O_CREATE; // read access, to find the end
    r->append = 1;
  }
  // The redirection goes directly around the command, inside any earlier
  // ones. Running a REDIR applies it before running what it wraps, so the
  // last redirection written is applied last and wins, as in other shells.
  r->cmd = *slot;
  *slot = r;
  next();
  return 1;
}

static struct node *parse_command(int depth) {
  struct node *cmd;
  struct node *top; // cmd wrapped in its redirections
  int group = (tok == '(');

  if (group) {
    if (depth == MAXDEPTH) syntax_error("parentheses nested too deeply");
    next();
    cmd = parse_list(depth + 1);
    if (tok != ')') syntax_error("missing )");
    next();
  } else {
    cmd = new_node(EXEC);
  }

  // Words and redirections, in any order. Words are arguments; a group in
  // parentheses takes none. Each redirection is slotted in just outside cmd.
  struct node **inner = &top;
  top = cmd;
  char **argv = &argpool[nargs];
  int argc = 0;
  for (;;) {
    if (parse_redirect(inner)) {
      inner = &(*inner)->cmd;
    } else if (tok == WORD && !group) {
      if (argc == MAXARG - 1) syntax_error("too many arguments");
      argpool[nargs++] = word;
      argc++;
      next();
    } else {
      break;
    }
  }
  if (!group) {
    argpool[nargs++] = 0;
    cmd->argv = argv;
    if (argc == 0 && top == cmd) unexpected(); // not even a redirection: no command at all
  }
  return top;
}

static struct node *parse_pipeline(int depth) {
  struct node *pipeline = parse_command(depth);
  struct node **last = &pipeline; // the slot holding the last command

  while (tok == '|') {
    next();
    if (!starts_command(tok)) syntax_error("missing command after |");
    struct node *p = new_node(PIPE);
    p->left = *last;
    p->right = parse_command(depth);
    *last = p;
    last = &p->right;
  }
  return pipeline;
}

static struct node *parse_list(int depth) {
  struct node *list;
  struct node **slot = &list; // where the next job goes

  for (;;) {
    struct node *job = parse_pipeline(depth);
    int separated = 1;
    if (tok == '&') {
      struct node *b = new_node(BACK);
      b->cmd = job;
      job = b;
      next();
    } else if (tok == ';') {
      next();
    } else {
      separated = 0;
    }

    if (!separated || !starts_command(tok)) {
      *slot = job;
      return list;
    }
    struct node *seq = new_node(LIST);
    seq->left = job;
    *slot = seq;
    slot = &seq->right;
  }
}

static struct node *parse_line(const char *line) {
  start_tokens(line);
  struct node *n = parse_list(0);
  if (tok != END) unexpected();
  return n;
}

// ---------------------------------------------------------------------------
// Running a parsed line. All of this happens in children of the shell.

static int fork_or_die(void) {
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "sh: fork failed\n");
    exit(1);
  }
  return pid;
}

// Wait for the child pid and return its exit status. Other children that
// finish first are collected along the way.
static int wait_for(int pid) {
  int status = 0;
  int w;
  while ((w = wait(&status)) >= 0 && w != pid)
    ;
  return status;
}

// Make file descriptor r->fd (0 or 1) refer to r->file. The old fd is closed
// first, so open() returns that number: open always picks the lowest free
// descriptor, and the ones below are in use.
static void redirect(struct node *r) {
  close(r->fd);
  if (open(r->file, r->mode) != r->fd) {
    fprintf(2, "sh: cannot open %s\n", r->file);
    exit(1);
  }
  if (r->append) {
    // There is no seek system call: read up to the end instead. Only for
    // ordinary files; reading a device such as the console would block.
    struct stat st;
    char buf[512];
    if (fstat(r->fd, &st) == 0 && st.type == T_FILE)
      while (read(r->fd, buf, sizeof buf) > 0)
        ;
  }
}

// Connect fd (0 or 1) to the pipe end pfd.
static void attach_fd(int fd, int pfd) {
  close(fd);
  dup(pfd);
  close(pfd);
}

static void run(struct node *n) __attribute__((noreturn));

// Run a pipeline: PIPE(a, PIPE(b, c)) for "a | b | c". Each command runs in
// its own child, all started from this one loop so that long pipelines do
// not nest deeper and deeper. The pipeline's status is that of its last
// command.
static void run_pipeline(struct node *n) {
  int in = -1; // read end of the pipe from the previous command
  int lastpid = -1;

  for (;;) {
    int islast = (n->kind != PIPE);
    struct node *cmd = islast ? n : n->left;
    int p[2];
    if (!islast && pipe(p) < 0) {
      fprintf(2, "sh: pipe failed\n");
      exit(1);
    }

    int pid = fork_or_die();
    if (pid == 0) {
      if (in >= 0) attach_fd(0, in);
      if (!islast) {
        close(p[0]); // only the next command reads from this pipe
        attach_fd(1, p[1]);
      }
      run(cmd);
    }

    // The children have their copies; close ours, or the readers would
    // never see end of file.
    if (in >= 0) close(in);
    if (islast) {
      lastpid = pid;
      break;
    }
    close(p[1]);
    in = p[0];
    n = n->right;
  }

  // Wait for all of the pipeline's commands, remembering the last one's.
  int status = 0;
  int s;
  int w;
  while ((w = wait(&s)) >= 0)
    if (w == lastpid) status = s;
  exit(status);
}

// The cd command, in whichever process runs it. Returns an exit status.
static int change_dir(char **argv) {
  if (argv[1] != 0 && argv[2] != 0) {
    fprintf(2, "cd: too many arguments\n");
    return 1;
  }
  const char *dir = argv[1] != 0 ? argv[1] : "/";
  if (chdir(dir) < 0) {
    fprintf(2, "cd: cannot cd %s\n", dir);
    return 1;
  }
  return 0;
}

static int is_cd(struct node *n) {
  return n->kind == EXEC && n->argv[0] != 0 && strcmp(n->argv[0], "cd") == 0;
}

// Exec argv[0]; a bare name not found here is looked up in "/", where the
// programs live, so they work from any directory. Returns only on failure.
static void exec_command(char **argv) {
  static char path[MAXPATH];
  exec(argv[0], argv);
  if (strchr(argv[0], '/') != 0 || strlen(argv[0]) + 2 > sizeof path) return;
  path[0] = '/';
  strcpy(path + 1, argv[0]);
  exec(path, argv);
}

// Run node n in this process, which ends with exit (or exec). Where a node
// continues with another in this same process, the loop moves on to it
// rather than recursing.
static void run(struct node *n) {
  for (;;) {
    switch (n->kind) {
    case EXEC:
      if (n->argv[0] == 0) exit(0); // only redirections, e.g. "> file": already done
      if (strcmp(n->argv[0], "cd") == 0) exit(change_dir(n->argv));
      exec_command(n->argv);
      fprintf(2, "exec %s failed\n", n->argv[0]);
      exit(1);

    case REDIR:
      redirect(n);
      n = n->cmd;
      break;

    case PIPE: run_pipeline(n); break; // not reached: run_pipeline exits

    case LIST:
      if (is_cd(n->left)) {
        // Not in a child, or the commands after it would not see the
        // change: "cd dir; ls" and "(cd dir; ls)" list dir.
        change_dir(n->left->argv);
      } else {
        int pid = fork_or_die();
        if (pid == 0) run(n->left);
        wait_for(pid);
      }
      n = n->right;
      break;

    case BACK:
      // The child is not waited for; when this process exits, init adopts
      // the child and collects it once it is done.
      if (fork_or_die() == 0) run(n->cmd);
      exit(0);
    }
  }
}

// ---------------------------------------------------------------------------
// The shell proper.

// A line that is just "cd" with at most one argument has to run in the
// shell process itself: a child's directory is forgotten when it exits.
// Returns 1 if line was such a command (and ran it). Reads the line with
// the tokenizer, which uses only static storage.
static int builtin_cd(const char *line) {
  start_tokens(line);
  if (tok != WORD || strcmp(word, "cd") != 0) return 0;

  char *args[3] = {word, 0, 0};
  int n = 1;
  next();
  while (tok == WORD) {
    if (n < 3) args[n] = word;
    n++;
    next();
  }
  if (tok != END) return 0; // cd combined with something else: let a child run it all
  if (n > 2) {
    fprintf(2, "cd: too many arguments\n");
    return 1;
  }
  change_dir(args);
  return 1;
}

static int is_blank(const char *s) {
  while (is_space(*s)) s++;
  return *s == '\0';
}

// Read the next line into buf (size MAXLINE). Returns 0 at end of input.
// A line too long for buf is read to its end and thrown away.
static int read_line(char *buf) {
  fprintf(2, "$ ");
  gets(buf, MAXLINE);
  if (buf[0] == '\0') return 0;

  int len = strlen(buf);
  char endc = buf[len - 1];
  if (len == MAXLINE - 1 && endc != '\n' && endc != '\r') {
    char c;
    while (read(0, &c, 1) == 1 && c != '\n' && c != '\r')
      ;
    fprintf(2, "sh: line too long\n");
    buf[0] = '\0'; // run nothing
  }
  return 1;
}

int main(void) {
  static char line[MAXLINE];

  while (read_line(line)) {
    if (is_blank(line) || builtin_cd(line)) continue;
    int pid = fork();
    if (pid < 0) {
      fprintf(2, "sh: fork failed\n");
      continue;
    }
    if (pid == 0) run(parse_line(line));
    wait_for(pid);
  }
  exit(0);
}
