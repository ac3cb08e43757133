// mkfs: build the file-system image the kernel boots from.
//
//   mkfs [--size BLOCKS] [--inodes N] OUTPUT.img [FILE...]
//
// Every FILE is copied into the root directory under its base name, minus one
// leading '_': the build calls user programs user/_cat so that they do not
// clash with their sources, but inside the image they are just "cat".
//
// The run has three phases: read and check every input, lay the image out in
// memory, then write it to a temporary file that is renamed over OUTPUT. Any
// error stops the run before the rename, so a failed mkfs never leaves a
// half-built image behind, and never damages an OUTPUT that already existed.
//
// The on-disk format is described in kernel/uapi/fs.h.

#include "kernel/uapi/fs.h"
#include "kernel/uapi/param.h"
#include "kernel/uapi/stat.h"
#include "kernel/uapi/types.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

// Structs from fs.h are copied in and out of the image with memcpy. That is
// only right if the host stores integers as the RISC-V target does (little
// endian) and lays the structs out exactly as the kernel expects.
static_assert(std::endian::native == std::endian::little, "mkfs needs a little-endian host");
static_assert(sizeof(superblock) == 32);
static_assert(sizeof(dinode) == 64);
static_assert(sizeof(dirent) == 16);

// fs.h and param.h define their constants in several anonymous enums, and
// C++20 rejects arithmetic that mixes two enum types, so the ones mkfs
// computes with get a single type here.
constexpr uint32_t block_size = BSIZE;
constexpr uint32_t direct_blocks = NDIRECT;
constexpr uint32_t max_file_blocks = MAXFILE;
constexpr uint32_t inodes_per_block = IPB;
constexpr uint32_t bits_per_block = BPB;
constexpr uint32_t log_blocks = LOGSIZE + 1; // the log header, then LOGSIZE blocks
constexpr uint32_t log_start = 2;            // after the boot block and the superblock

constexpr uint32_t default_inodes = 200;
// A directory entry stores an inode number in 16 bits.
constexpr uint32_t max_inodes = 65536;
// The image is built in memory; 2^20 blocks is 1 GiB, far more than needed.
constexpr uint32_t max_image_blocks = 1u << 20;
// The root directory is an ordinary file, so it is limited to MAXFILE blocks;
// "." and ".." take two of its entries.
constexpr uint32_t max_root_files = max_file_blocks * block_size / sizeof(dirent) - 2;

constexpr const char *usage = "usage: mkfs [--size BLOCKS] [--inodes N] OUTPUT.img [FILE...]";

// Every error ends the run with one line "mkfs: <what>: <why>".
struct mkfs_error {
  std::string what;
  std::string why;
};

struct options {
  uint32_t size = FSSIZE;
  uint32_t ninodes = default_inodes;
  std::string output;
  std::vector<std::string> inputs;
};

struct input_file {
  std::string path;          // as given on the command line
  std::string name;          // its name in the root directory
  std::vector<uint8_t> data; // its contents
};

// ---------------------------------------------------------------------------
// Command line

uint32_t parse_count(std::string_view flag, std::string_view text, uint32_t lo, uint32_t hi) {
  const std::string what = std::string(flag) + " " + std::string(text);
  uint32_t value = 0;
  const char *end = text.data() + text.size();
  auto [stop, err] = std::from_chars(text.data(), end, value);
  if (text.empty() || err == std::errc::invalid_argument || stop != end)
    throw mkfs_error{what, "not a whole number"};
  if (err == std::errc::result_out_of_range || value < lo || value > hi)
    throw mkfs_error{what, "must be between " + std::to_string(lo) + " and " + std::to_string(hi)};
  return value;
}

options parse_args(int argc, char **argv) {
  options opts;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; i++) {
    const std::string_view arg = argv[i];
    if (arg == "--size" || arg == "--inodes") {
      if (i + 1 >= argc) throw mkfs_error{std::string(arg), "needs a value"};
      const std::string_view value = argv[++i];
      if (arg == "--size")
        opts.size = parse_count(arg, value, 1, max_image_blocks);
      else
        opts.ninodes = parse_count(arg, value, 2, max_inodes); // 0 is unused, 1 is the root
    } else if (arg.starts_with("--")) {
      throw mkfs_error{std::string(arg), "unknown option"};
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.empty()) throw mkfs_error{"missing output", usage};
  opts.output = positional.front();
  opts.inputs.assign(positional.begin() + 1, positional.end());
  return opts;
}

// ---------------------------------------------------------------------------
// Reading the inputs

// The name a file gets in the root directory: its base name, minus a single
// leading '_'.
std::string image_name(const std::string &path) {
  const size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.starts_with('_')) name.erase(0, 1);
  if (name.empty() || name == "." || name == "..") throw mkfs_error{path, "not a usable file name"};
  if (name.size() > DIRSIZ)
    throw mkfs_error{path, "name \"" + name + "\" is longer than " + std::to_string(DIRSIZ) + " bytes"};
  return name;
}

std::string errno_text() { return std::strerror(errno); }

std::vector<uint8_t> read_whole_file(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw mkfs_error{path, errno_text()};
  std::vector<uint8_t> data;
  uint8_t chunk[64 * 1024];
  size_t n;
  // Read one byte past the limit, so that "too large" is caught without
  // reading all of a huge file (or forever from a device).
  const size_t limit = size_t{max_file_blocks} * block_size;
  while (data.size() <= limit && (n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
    data.insert(data.end(), chunk, chunk + n);
  const bool failed = std::ferror(f);
  const std::string why = failed ? errno_text() : "";
  std::fclose(f);
  if (failed) throw mkfs_error{path, why};
  if (data.size() > limit)
    throw mkfs_error{path,
                     "larger than the largest file, " + std::to_string(limit) + " bytes (MAXFILE blocks)"};
  return data;
}

std::vector<input_file> read_inputs(const options &opts) {
  if (opts.inputs.size() > opts.ninodes - 2)
    throw mkfs_error{"too many files", std::to_string(opts.inputs.size()) + " given, but " +
                                           std::to_string(opts.ninodes) + " inodes leave room for only " +
                                           std::to_string(opts.ninodes - 2)};
  if (opts.inputs.size() > max_root_files)
    throw mkfs_error{"too many files", std::to_string(opts.inputs.size()) +
                                           " given, but the root directory holds at most " +
                                           std::to_string(max_root_files)};

  std::vector<input_file> files;
  std::map<std::string, std::string> path_of_name; // to name both culprits of a clash
  for (const std::string &path : opts.inputs) {
    std::string name = image_name(path);
    auto [earlier, is_new] = path_of_name.emplace(name, path);
    if (!is_new)
      throw mkfs_error{path, "duplicate name \"" + name + "\" (also from " + earlier->second + ")"};
    files.push_back({path, std::move(name), read_whole_file(path)});
  }
  return files;
}

// ---------------------------------------------------------------------------
// Layout

// Where each region starts; the superblock records the same numbers.
struct layout {
  uint32_t size; // total blocks
  uint32_t ninodes;
  uint32_t inodestart;
  uint32_t bmapstart;
  uint32_t datastart; // first data block; everything before it is metadata

  layout(uint32_t size_blocks, uint32_t inode_count) : size(size_blocks), ninodes(inode_count) {
    // The "+ 1"s round up generously, as xv6's mkfs does, so that images
    // built here have exactly xv6's layout.
    const uint32_t inode_blocks = ninodes / inodes_per_block + 1;
    const uint32_t bitmap_blocks = size / bits_per_block + 1;
    inodestart = log_start + log_blocks;
    bmapstart = inodestart + inode_blocks;
    datastart = bmapstart + bitmap_blocks;
  }
};

// Disk blocks a file of `bytes` bytes occupies: its data blocks, plus the
// indirect block once it outgrows the direct ones.
uint32_t blocks_for(size_t bytes) {
  const uint32_t data = static_cast<uint32_t>((bytes + block_size - 1) / block_size);
  return data + (data > direct_blocks ? 1 : 0);
}

// Fail early, with the size that would have worked, rather than running out
// of blocks halfway through building the image.
void check_fits(const layout &lay, const std::vector<input_file> &files) {
  uint64_t needed = lay.datastart + blocks_for((files.size() + 2) * sizeof(dirent));
  for (const input_file &f : files) needed += blocks_for(f.data.size());
  if (needed > lay.size)
    throw mkfs_error{"image too small", std::to_string(lay.size) + " blocks, but the files need " +
                                            std::to_string(needed) + " (use a larger --size)"};
}

// ---------------------------------------------------------------------------
// The image in memory

class image {
public:
  explicit image(const layout &lay)
      : lay_(lay), bytes_(size_t{lay.size} * block_size), next_block_(lay.datastart) {}

  // Allocates the next free inode: type set, nlink 1, empty.
  uint32_t new_inode(short type) {
    dinode di{};
    di.type = type;
    di.nlink = 1;
    const uint32_t inum = next_inum_++;
    store_inode(inum, di);
    return inum;
  }

  // Appends `n` bytes to the end of file `inum`, allocating blocks as needed.
  void append(uint32_t inum, const void *data, size_t n) {
    dinode di = load_inode(inum);
    const uint8_t *src = static_cast<const uint8_t *>(data);
    while (n > 0) {
      const uint32_t offset = di.size % block_size;
      const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(n, block_size - offset));
      std::memcpy(block(block_of(di, di.size / block_size)) + offset, src, chunk);
      di.size += chunk;
      src += chunk;
      n -= chunk;
    }
    store_inode(inum, di);
  }

  void add_entry(uint32_t dir, uint32_t inum, const std::string &name) {
    dirent de{};
    de.inum = static_cast<ushort>(inum);
    // The name is NUL-padded; one of exactly DIRSIZ bytes has no NUL at all.
    // image_name() has checked that it fits.
    std::memcpy(de.name, name.data(), std::min<size_t>(name.size(), DIRSIZ));
    append(dir, &de, sizeof de);
  }

  // Writes the superblock and the bitmap; call once all files are in.
  void finish() {
    superblock sb{};
    sb.magic = FSMAGIC;
    sb.size = lay_.size;
    sb.nblocks = lay_.size - lay_.datastart;
    sb.ninodes = lay_.ninodes;
    sb.nlog = log_blocks;
    sb.logstart = log_start;
    sb.inodestart = lay_.inodestart;
    sb.bmapstart = lay_.bmapstart;
    std::memcpy(block(1), &sb, sizeof sb);

    // Data blocks were handed out in order, so the used blocks are exactly
    // 0 .. next_block_-1: the metadata, then the data written so far.
    for (uint32_t b = 0; b < next_block_; b++)
      block(lay_.bmapstart + b / bits_per_block)[b % bits_per_block / 8] |= 1 << (b % 8);
  }

  uint32_t data_blocks_used() const { return next_block_ - lay_.datastart; }
  const std::vector<uint8_t> &bytes() const { return bytes_; }

private:
  uint8_t *block(uint32_t b) { return &bytes_[size_t{b} * block_size]; }

  uint8_t *inode_slot(uint32_t inum) {
    return block(lay_.inodestart + inum / inodes_per_block) + inum % inodes_per_block * sizeof(dinode);
  }
  dinode load_inode(uint32_t inum) {
    dinode di;
    std::memcpy(&di, inode_slot(inum), sizeof di);
    return di;
  }
  void store_inode(uint32_t inum, const dinode &di) { std::memcpy(inode_slot(inum), &di, sizeof di); }

  uint32_t alloc_block() {
    // check_fits() has already ruled this out; reaching it is a mkfs bug.
    if (next_block_ >= lay_.size) throw mkfs_error{"internal error", "ran out of data blocks"};
    return next_block_++; // the image starts zeroed, so the block is clear
  }

  // The disk block holding block `fbn` of the file, allocated on first use.
  uint32_t block_of(dinode &di, uint32_t fbn) {
    if (fbn < direct_blocks) {
      if (di.addrs[fbn] == 0) di.addrs[fbn] = alloc_block();
      return di.addrs[fbn];
    }
    if (di.addrs[NDIRECT] == 0) di.addrs[NDIRECT] = alloc_block();
    uint8_t *entry = block(di.addrs[NDIRECT]) + (fbn - direct_blocks) * sizeof(uint);
    uint b;
    std::memcpy(&b, entry, sizeof b);
    if (b == 0) {
      b = alloc_block();
      std::memcpy(entry, &b, sizeof b);
    }
    return b;
  }

  layout lay_;
  std::vector<uint8_t> bytes_;
  uint32_t next_inum_ = ROOTINO; // inode 0 is never used
  uint32_t next_block_;
};

image build_image(const layout &lay, const std::vector<input_file> &files) {
  image img(lay);
  const uint32_t root = img.new_inode(T_DIR);
  img.add_entry(root, root, ".");
  img.add_entry(root, root, ".."); // the root is its own parent
  for (const input_file &f : files) {
    const uint32_t inum = img.new_inode(T_FILE);
    img.add_entry(root, inum, f.name);
    img.append(inum, f.data.data(), f.data.size());
  }
  img.finish();
  return img;
}

// ---------------------------------------------------------------------------
// Output

// Writes `bytes` to a temporary file next to `path` and renames it into place.
// rename() within one directory is atomic: readers see either the old OUTPUT
// or the complete new one, never a partial image.
void write_atomically(const std::string &path, const std::vector<uint8_t> &bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw mkfs_error{path, errno_text()};
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  std::string why = ok ? "" : errno_text();
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    why = errno_text();
  }
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    why = errno_text();
  }
  if (!ok) {
    std::remove(tmp.c_str());
    throw mkfs_error{path, why};
  }
}

int run(int argc, char **argv) {
  const options opts = parse_args(argc, argv);
  const std::vector<input_file> files = read_inputs(opts);
  const layout lay(opts.size, opts.ninodes);
  check_fits(lay, files);
  const image img = build_image(lay, files);
  write_atomically(opts.output, img.bytes());
  std::printf("mkfs: %s: %u blocks, %zu files, %u data blocks used\n", opts.output.c_str(), lay.size,
              files.size(), img.data_blocks_used());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const mkfs_error &e) {
    std::fprintf(stderr, "mkfs: %s: %s\n", e.what.c_str(), e.why.c_str());
    return 1;
  }
}
