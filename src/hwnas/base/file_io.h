// Reading and writing the user's files safely: inputs must be readable regular files,
// outputs never replace a special file or one of the command's own inputs, and a reader
// never sees half of a written file.
//
// Every error is a one-line UserError naming the path and what it was for.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hwnas {

/// The whole content of the file at `path` (symlinks followed). Throws UserError
/// "PATH: cannot read the WHAT (No such file or directory); check the path" when it is
/// missing or unreadable, "PATH: is a directory, not a WHAT; check the path" for a
/// directory or a special file (device, FIFO, socket).
std::string read_text_file(const std::string& path, std::string_view what);

/// What identifies the content of the file at `path`: "N bytes, hash H" (H: hash_mix,
/// base/hash.h, over its 8-byte little-endian words, then its size; 16 hex digits). Two
/// files of equal content have equal digests on every run and build; a changed file
/// almost surely another (not cryptographic: it detects a file replaced by mistake, not a
/// forgery). Errors as read_text_file's.
std::string file_digest(const std::string& path, std::string_view what);

/// A file a command reads or writes, for check_output_path: `role` names it in errors,
/// e.g. "the measurement store (--db)".
struct FileRole {
  std::string path;
  std::string role;
};

/// Checks, before any work is done, that `path` may be written as the WHAT (e.g.
/// "estimator file (--out)"): the path is not empty; symlinks are followed to the file
/// that would be written; that file, if it exists, is a regular file (not a directory,
/// device, FIFO or socket); its directory exists and is writable; and it is none of
/// `others` (the command's inputs and other outputs). Two paths are the same file when
/// they have the same device and inode (hard links, symlinks, "./", "..", relative or
/// absolute spellings), or, for a file that does not exist yet, the same canonical path.
/// Entries of `others` with an empty path are skipped. Throws UserError.
void check_output_path(const std::string& path, std::string_view what,
                       const std::vector<FileRole>& others = {});

/// Writes `text` to `path` through a uniquely named temporary file in the same directory
/// (".NAME.PID.XXXXXX") and a rename, so a reader sees the old file or the new one, never
/// half of one. SIGINT and SIGTERM remove the temporary; a writer killed otherwise (kill
/// -9, a crash) leaves it, and the next write to `path` removes it: every temporary of
/// `path` whose PID is no process of this machine. A
/// symlink at `path` is followed: its target is replaced and the link kept. An existing
/// file keeps its permission bits; a new one gets 0666 minus the umask. Throws UserError
/// "PATH: cannot write the WHAT: WHY" without touching `path` when it exists but is not a
/// regular file, or when writing fails; the temporary file is removed on failure.
void write_file_atomically(const std::string& path, std::string_view text, std::string_view what);

}  // namespace hwnas
