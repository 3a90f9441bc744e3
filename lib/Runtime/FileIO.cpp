//===- FileIO.cpp - Reading files, plain or gzip --------------------------===//
//
// Whole-file reads with transparent gzip decompression through zlib, and the
// atomic write (temporary file in the same directory, then rename) used by
// every writer of the runtime.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "nnc/Runtime/Report.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;

/// Decompressed data larger than this is refused (a gzip bomb guard).
static constexpr size_t kMaxInflated = size_t(4) << 30;

static std::string readRaw(const std::string &path) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    fail(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
         "{}: cannot open: {}", path, std::strerror(errno));
  std::string data;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    data.append(buffer, got);
  bool bad = std::ferror(file);
  std::fclose(file);
  if (bad)
    fail(ErrorCode::Io, "{}: read error after {} bytes", path, data.size());
  return data;
}

static std::string inflateGzip(const std::string &path,
                               const std::string &raw) {
  std::string out;
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 16) != Z_OK)
    fail(ErrorCode::Internal, "{}: cannot initialise zlib", path);
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  char buffer[1 << 16];
  while (true) {
    zs.next_out = reinterpret_cast<Bytef *>(buffer);
    zs.avail_out = sizeof(buffer);
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - zs.avail_out);
    if (out.size() > kMaxInflated) {
      inflateEnd(&zs);
      fail(ErrorCode::DataLoss, "{}: gzip data expands beyond {} bytes", path,
           kMaxInflated);
    }
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` produces).
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc == Z_OK)
      continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      size_t offset = raw.size();
      inflateEnd(&zs);
      fail(ErrorCode::DataLoss,
           "{}: gzip error at compressed byte {}: truncated stream", path,
           offset);
    }
    size_t offset = raw.size() - zs.avail_in;
    std::string why = zs.msg ? zs.msg : fmt::format("zlib code {}", rc);
    inflateEnd(&zs);
    fail(ErrorCode::DataLoss, "{}: gzip error at compressed byte {}: {}", path,
         offset, why);
  }
  inflateEnd(&zs);
  return out;
}

std::string nnc::rt::detail::readFileMaybeGzip(const std::string &path) {
  std::string raw = readRaw(path);
  if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
      static_cast<unsigned char>(raw[1]) == 0x8b)
    return inflateGzip(path, raw);
  return raw;
}

bool nnc::rt::detail::fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string nnc::rt::detail::baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status nnc::rt::writeFileAtomic(const std::string &path,
                                const std::string &contents) {
  return guardStatus([&] {
    std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    std::FILE *file = std::fopen(tmp.c_str(), "wb");
    if (!file)
      fail(ErrorCode::Io, "{}: cannot create: {}", tmp, std::strerror(errno));
    bool ok = std::fwrite(contents.data(), 1, contents.size(), file) ==
              contents.size();
    ok = (std::fflush(file) == 0) && ok;
    ok = (std::fclose(file) == 0) && ok;
    if (!ok) {
      std::remove(tmp.c_str());
      fail(ErrorCode::Io, "{}: write failed", tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      std::remove(tmp.c_str());
      fail(ErrorCode::Io, "{}: cannot rename from {}: {}", path, tmp,
           std::strerror(err));
    }
  });
}
