// ls: describe files. For each path named (or "." if none), print one line
//   name type inode size
// for the path itself if it is not a directory, or for each entry in it if
// it is. The name is padded to the width of a directory entry's name, and the
// type is a number: 1 directory, 2 file, 3 device (kernel/uapi/stat.h).
#include "kernel/uapi/types.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/fcntl.h"
#include "kernel/uapi/fs.h"
#include "kernel/uapi/param.h"
#include "user/lib/user.h"

static void print_line(const char *name, struct stat *st) {
  printf("%-*s %d %u %lu\n", DIRSIZ, name, st->type, st->ino, st->size);
}

// The last component of a path: "a/b/c" -> "c".
static const char *last_part(const char *path) {
  const char *p = path + strlen(path);
  while (p > path && p[-1] != '/') p--;
  return p;
}

// List the entries of the directory open as fd, whose path is dir.
// Returns 0, or -1 if some entry could not be described.
static int list_dir(int fd, const char *dir) {
  // Room for dir, '/', an entry name and the NUL.
  char path[MAXPATH + 1 + DIRSIZ + 1];
  int dirlen = strlen(dir);
  if (dirlen > MAXPATH) {
    fprintf(2, "ls: path too long: %s\n", dir);
    return -1;
  }
  strcpy(path, dir);
  path[dirlen] = '/';
  char *name = path + dirlen + 1; // entry names are copied to here

  // A directory is a file of struct dirent records.
  int status = 0;
  struct dirent de;
  while (read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum == 0) continue; // an unused slot
    // A name that fills the whole field has no NUL: add one.
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';

    struct stat st;
    if (stat(path, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", path);
      status = -1;
      continue;
    }
    print_line(name, &st);
  }
  return status;
}

// Describe path. Returns 0, or -1 on error.
static int ls(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    return -1;
  }

  int r = 0;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    r = -1;
  } else if (st.type == T_DIR) {
    r = list_dir(fd, path);
  } else {
    print_line(last_part(path), &st);
  }
  close(fd);
  return r;
}

int main(int argc, char *argv[]) {
  int status = 0;

  if (argc < 2) return ls(".") < 0;
  for (int i = 1; i < argc; i++)
    if (ls(argv[i]) < 0) status = 1;
  return status;
}
