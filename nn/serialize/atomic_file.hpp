#pragma once
// Crash-safe file replacement: the bytes go to a temporary file in the same
// directory, which is flushed to disk and then renamed over the target, and the
// directory entry is flushed too. A reader sees the old file or the new one,
// never a torn mix, and a failed write leaves the old file untouched.
#include <string>
#include <string_view>

namespace xgrad::nn {

/// Replaces (or creates) `path` with `bytes`. Throws DataError naming the path,
/// the step that failed and strerror; the temporary file is removed on failure.
/// An existing file keeps its permission bits; a new one gets 0666 minus umask.
void write_file_atomic(const std::string& path, std::string_view bytes);

/// Removes from `dir` the temporary files (".NAME.tmp.PID.N") of writes that never
/// finished because their process died (no process PID exists any more); those of
/// live processes are left alone. Returns how many were removed.
int remove_abandoned_temporaries(const std::string& dir);

}  // namespace xgrad::nn
