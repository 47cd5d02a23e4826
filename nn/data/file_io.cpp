#include "xgrad/nn/data/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "xgrad/nn/data/error.hpp"

namespace xgrad::nn {

std::string read_file_bytes(const std::string& path, std::string_view what) {
  auto fail = [&](const char* step) {
    throw DataError(fmt::format("{}: {}: {}: {}", what, path, step, std::strerror(errno)));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("cannot stat");
  if (S_ISDIR(st.st_mode)) throw DataError(fmt::format("{}: {}: is a directory, not a file", what, path));
  std::string bytes;
  // st_size is only a hint: pipes and /proc files report 0, and files can grow.
  // One spare byte lets the final read see end-of-file without growing the buffer.
  bytes.resize(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : std::size_t(1) << 16);
  std::size_t got = 0;
  for (;;) {
    if (got == bytes.size()) bytes.resize(bytes.size() * 2);
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read failed");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view bytes, std::string_view what, const std::string& source, std::size_t max_bytes) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip wrapper and check its CRC and length.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw DataError(fmt::format("{}: {}: zlib initialisation failed", what, source));
  std::string out;
  out.resize(std::min<std::size_t>(std::max<std::size_t>(bytes.size() * 4, 1 << 16), max_bytes));
  std::size_t produced = 0;
  auto fail = [&](const std::string& why) {
    inflateEnd(&zs);
    throw DataError(fmt::format("{}: {}: {}", what, source, why));
  };
  const auto* next = reinterpret_cast<const Bytef*>(bytes.data());
  std::size_t left = bytes.size();
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= max_bytes) fail(fmt::format("gzip data inflates to more than {} bytes", max_bytes));
      out.resize(std::min(out.size() * 2, max_bytes));
    }
    // zlib counts in uInt; feed and drain at most 1 GiB per call.
    const uInt in_chunk = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    const uInt out_chunk = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, 1u << 30));
    zs.next_in = const_cast<Bytef*>(next);
    zs.avail_in = in_chunk;
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = out_chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    next += in_chunk - zs.avail_in;
    left -= in_chunk - zs.avail_in;
    produced += out_chunk - zs.avail_out;
    const bool progressed = zs.avail_in != in_chunk || zs.avail_out != out_chunk;
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated .gz files are one valid stream).
      if (left == 0) break;
      if (!is_gzip({reinterpret_cast<const char*>(next), left})) fail(fmt::format("{} bytes of trailing garbage after the gzip stream", left));
      if (inflateReset(&zs) != Z_OK) fail("zlib reset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && left == 0 && zs.avail_out > 0) fail("truncated gzip stream");
    if (rc != Z_OK && rc != Z_BUF_ERROR) fail(fmt::format("corrupt gzip data ({})", zs.msg ? zs.msg : "zlib error"));
    // Guards against spinning when zlib can make no progress for another reason.
    if (!progressed && zs.avail_out > 0) fail("truncated gzip stream");
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

}  // namespace xgrad::nn
