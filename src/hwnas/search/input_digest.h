// A file an accuracy source reads whose content its values depend on (the supernet of an
// `accuracy: supernet:` source or a `{supernet: FILE}` rung), as the experiment store
// records it: a search resumed after the file was replaced would mix two files' values, so
// `--resume` refuses a file whose digest changed (run_search.h).
#pragma once

#include <string>

namespace hwnas::search {

struct InputDigest {
  std::string key;     // the experiment key that names it, e.g. "multi_fidelity.rungs[1].supernet"
  std::string path;    // absolute, as the source read it
  std::string digest;  // base/file_io.h file_digest: "N bytes, hash H"

  bool operator==(const InputDigest&) const = default;
};

}  // namespace hwnas::search
