//===- Idx.cpp - MNIST-layout IDX files -----------------------------------===//
//
// Reads IDX files (big-endian header: two zero bytes, a type code, the rank,
// then one 32-bit size per dimension, then the data) as used by MNIST and
// Fashion-MNIST. Unsigned-byte images are scaled to [0, 1]. Errors name the
// file and the byte offset of the problem.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "nnc/Runtime/Sources.h"

#include <cmath>
#include <cstring>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace {
/// The decoded header of an IDX file.
struct IdxHeader {
  uint8_t type = 0;
  std::vector<int64_t> dims;
  size_t dataOffset = 0;
  size_t elementSize = 0;
  int64_t count = 1;
};
} // namespace

static uint32_t readBigEndian32(const std::string &data, size_t offset) {
  const auto *p = reinterpret_cast<const unsigned char *>(data.data()) + offset;
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
         (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

static IdxHeader parseHeader(const std::string &path, const std::string &data) {
  if (data.size() < 4)
    fail(ErrorCode::DataLoss,
         "{}: truncated IDX file: {} bytes, the header needs at least 4", path,
         data.size());
  if (data[0] != 0 || data[1] != 0)
    fail(ErrorCode::DataLoss,
         "{}: bad IDX magic at byte 0: expected 00 00, got {:02x} {:02x}", path,
         static_cast<unsigned char>(data[0]),
         static_cast<unsigned char>(data[1]));
  IdxHeader header;
  header.type = static_cast<uint8_t>(data[2]);
  switch (header.type) {
  case 0x08: // unsigned byte
  case 0x09: // signed byte
    header.elementSize = 1;
    break;
  case 0x0B: // int16
    header.elementSize = 2;
    break;
  case 0x0C: // int32
  case 0x0D: // float32
    header.elementSize = 4;
    break;
  case 0x0E: // float64
    header.elementSize = 8;
    break;
  default:
    fail(ErrorCode::DataLoss, "{}: unknown IDX element type 0x{:02x} at byte 2",
         path, header.type);
  }
  int rank = static_cast<unsigned char>(data[3]);
  if (rank < 1)
    fail(ErrorCode::DataLoss, "{}: IDX rank 0 at byte 3", path);
  header.dataOffset = 4 + 4 * size_t(rank);
  if (data.size() < header.dataOffset)
    fail(ErrorCode::DataLoss,
         "{}: truncated IDX header: {} bytes, rank {} needs {}", path,
         data.size(), rank, header.dataOffset);
  for (int i = 0; i < rank; ++i) {
    int64_t d = readBigEndian32(data, 4 + 4 * i);
    header.dims.push_back(d);
    if (d > 0 && header.count > (int64_t(1) << 40) / d)
      fail(ErrorCode::DataLoss, "{}: IDX dimensions too large at byte {}", path,
           4 + 4 * i);
    header.count *= d;
  }
  size_t need = header.dataOffset + size_t(header.count) * header.elementSize;
  if (data.size() < need)
    fail(ErrorCode::DataLoss,
         "{}: truncated IDX data: expected {} bytes, got {} (data ends at "
         "byte {})",
         path, need, data.size(), data.size());
  if (data.size() > need)
    fail(ErrorCode::DataLoss, "{}: {} unexpected trailing bytes after byte {}",
         path, data.size() - need, need);
  return header;
}

/// Element i as a double (big-endian multi-byte values).
static double elementAt(const std::string &data, const IdxHeader &h,
                        int64_t i) {
  size_t off = h.dataOffset + size_t(i) * h.elementSize;
  const auto *p = reinterpret_cast<const unsigned char *>(data.data()) + off;
  switch (h.type) {
  case 0x08:
    return p[0];
  case 0x09:
    return static_cast<int8_t>(p[0]);
  case 0x0B:
    return static_cast<int16_t>((p[0] << 8) | p[1]);
  case 0x0C:
    return static_cast<int32_t>(readBigEndian32(data, off));
  case 0x0D: {
    uint32_t bits = readBigEndian32(data, off);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  default: {
    uint64_t bits = (uint64_t(readBigEndian32(data, off)) << 32) |
                    readBigEndian32(data, off + 4);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  }
}

Expected<Dataset> nnc::rt::loadIdx(const std::string &imagesPath,
                                   const std::string &labelsPath) {
  return guard([&] {
    std::string images = readFileMaybeGzip(imagesPath);
    IdxHeader ih = parseHeader(imagesPath, images);
    std::string labels = readFileMaybeGzip(labelsPath);
    IdxHeader lh = parseHeader(labelsPath, labels);
    if (lh.dims.size() != 1)
      fail(ErrorCode::DataLoss,
           "{}: a label file must have rank 1, got rank {} (byte 3)",
           labelsPath, lh.dims.size());
    if (lh.type != 0x08)
      fail(ErrorCode::DataLoss,
           "{}: labels must be unsigned bytes (type 0x08), got 0x{:02x} "
           "(byte 2)",
           labelsPath, lh.type);
    if (ih.dims.size() < 2)
      fail(ErrorCode::DataLoss,
           "{}: an image file needs rank >= 2 ([n, ...]), got rank 1 (byte 3)",
           imagesPath);
    if (ih.dims[0] != lh.dims[0])
      fail(ErrorCode::DataLoss, "{}: {} images but {} has {} labels",
           imagesPath, ih.dims[0], labelsPath, lh.dims[0]);
    Dataset ds;
    ds.name = baseName(imagesPath);
    if (ih.dims.size() == 3)
      ds.featureShape = {1, ih.dims[1], ih.dims[2]};
    else
      ds.featureShape.assign(ih.dims.begin() + 1, ih.dims.end());
    for (int64_t d : ds.featureShape)
      if (d <= 0)
        fail(ErrorCode::DataLoss, "{}: an image dimension is 0 (bytes 4..{})",
             imagesPath, ih.dataOffset);
    ds.features.resize(ih.count);
    if (ih.type == 0x08) {
      const auto *p = reinterpret_cast<const unsigned char *>(images.data()) +
                      ih.dataOffset;
      for (int64_t i = 0; i < ih.count; ++i)
        ds.features[i] = p[i] * (1.0f / 255.0f);
    } else {
      for (int64_t i = 0; i < ih.count; ++i) {
        double v = elementAt(images, ih, i);
        if (!std::isfinite(v))
          fail(ErrorCode::DataLoss, "{}: non-finite value at byte {}",
               imagesPath, ih.dataOffset + i * ih.elementSize);
        ds.features[i] = static_cast<float>(v);
      }
    }
    int32_t maxLabel = 0;
    ds.labels.resize(lh.count);
    for (int64_t i = 0; i < lh.count; ++i) {
      ds.labels[i] = static_cast<unsigned char>(labels[lh.dataOffset + i]);
      maxLabel = std::max(maxLabel, ds.labels[i]);
    }
    ds.numClasses = int64_t(maxLabel) + 1;
    return ds;
  });
}

Expected<Dataset> nnc::rt::loadIdxDir(const std::string &dir, IdxSplit split) {
  return guard([&] {
    std::string prefix = split == IdxSplit::Train ? "train" : "t10k";
    auto find = [&](const std::string &stem) {
      std::string base = dir + "/" + prefix + stem;
      if (fileExists(base))
        return base;
      if (fileExists(base + ".gz"))
        return base + ".gz";
      fail(ErrorCode::NotFound, "{}: neither {} nor {}.gz exists", dir,
           prefix + stem, prefix + stem);
    };
    std::string images = find("-images-idx3-ubyte");
    std::string labels = find("-labels-idx1-ubyte");
    auto ds = loadIdx(images, labels);
    if (!ds)
      throw RuntimeError(ds.status().code(), ds.status().message());
    // Both halves of a standard directory have 10 classes even if a label
    // file happens to miss the last ones.
    ds->numClasses = std::max<int64_t>(ds->numClasses, 10);
    return ds.take();
  });
}
