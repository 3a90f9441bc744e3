//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Reads and writes the NumPy .npy format: the magic "\x93NUMPY", a version
// byte pair (1.0: 16-bit header length; 2.0 and 3.0: 32-bit), then a Python
// dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} and the
// raw data. Only little-endian f4/f8/i4/i8 and u1 in C order are accepted;
// anything else is refused with the file name and the byte offset.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "nnc/Runtime/Report.h"
#include "nnc/Runtime/Sources.h"

#include <cmath>
#include <cstring>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace {
/// The decoded dict of a .npy header.
struct NpyHeader {
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  size_t dataOffset = 0;
};

/// A tiny cursor over the header dict literal.
class DictParser {
public:
  DictParser(const std::string &path, const std::string &text, size_t base)
      : path(path), text(text), base(base) {}

  NpyHeader parse() {
    NpyHeader h;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        h.descr = parseString();
        haveDescr = true;
      } else if (key == "fortran_order") {
        skipSpace();
        if (text.compare(pos, 4, "True") == 0) {
          h.fortran = true;
          pos += 4;
        } else if (text.compare(pos, 5, "False") == 0) {
          pos += 5;
        } else {
          error("expected True or False for 'fortran_order'");
        }
        haveOrder = true;
      } else if (key == "shape") {
        h.shape = parseShape();
        haveShape = true;
      } else {
        error(fmt::format("unknown header key '{}'", key));
      }
      skipSpace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      skipSpace();
      if (peek() != '}')
        error("expected ',' or '}' in the header dict");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      error("the header dict needs 'descr', 'fortran_order' and 'shape'");
    return h;
  }

private:
  [[noreturn]] void error(const std::string &what) {
    fail(ErrorCode::DataLoss, "{}: bad .npy header at byte {}: {}", path,
         base + pos, what);
  }
  char peek() { return pos < text.size() ? text[pos] : '\0'; }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n'))
      ++pos;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c)
      error(fmt::format("expected '{}'", c));
    ++pos;
  }
  std::string parseString() {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      error("expected a quoted string");
    size_t end = text.find(quote, pos + 1);
    if (end == std::string::npos)
      error("unterminated string");
    std::string s = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    return s;
  }
  std::vector<int64_t> parseShape() {
    std::vector<int64_t> shape;
    expect('(');
    while (true) {
      skipSpace();
      if (peek() == ')') {
        ++pos;
        return shape;
      }
      if (peek() < '0' || peek() > '9')
        error("expected a dimension in 'shape'");
      int64_t d = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (d > (int64_t(1) << 40))
          error("dimension too large");
        d = d * 10 + (text[pos++] - '0');
      }
      shape.push_back(d);
      skipSpace();
      if (peek() == ',')
        ++pos;
      else if (peek() != ')')
        error("expected ',' or ')' in 'shape'");
    }
  }

  const std::string &path;
  const std::string &text;
  size_t base;
  size_t pos = 0;
};
} // namespace

/// The element of type T at `p`, in host byte order (any alignment).
template <typename T> static T loadElement(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

static size_t dtypeSize(const std::string &descr) {
  if (descr == "<f4" || descr == "<i4")
    return 4;
  if (descr == "<f8" || descr == "<i8")
    return 8;
  if (descr == "|u1")
    return 1;
  return 0;
}

Expected<NpyArray> nnc::rt::loadNpy(const std::string &path) {
  return guard([&] {
    std::string data = readFileMaybeGzip(path);
    if (data.size() < 10 || std::memcmp(data.data(), "\x93NUMPY", 6) != 0)
      fail(ErrorCode::DataLoss,
           "{}: bad magic at byte 0: not a .npy file (expected \\x93NUMPY)",
           path);
    int major = static_cast<unsigned char>(data[6]);
    size_t headerLen, headerStart;
    if (major == 1) {
      headerLen = static_cast<unsigned char>(data[8]) |
                  (size_t(static_cast<unsigned char>(data[9])) << 8);
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (data.size() < 12)
        fail(ErrorCode::DataLoss, "{}: truncated .npy header at byte {}", path,
             data.size());
      headerLen = 0;
      for (int i = 0; i < 4; ++i)
        headerLen |= size_t(static_cast<unsigned char>(data[8 + i])) << (8 * i);
      headerStart = 12;
    } else {
      fail(ErrorCode::DataLoss,
           "{}: unsupported .npy format version {}.{} at byte 6", path, major,
           static_cast<unsigned char>(data[7]));
    }
    if (headerLen > data.size() - headerStart)
      fail(ErrorCode::DataLoss,
           "{}: truncated .npy header: {} bytes announced at byte 8, {} "
           "present",
           path, headerLen, data.size() - headerStart);
    std::string text = data.substr(headerStart, headerLen);
    NpyHeader h = DictParser(path, text, headerStart).parse();
    h.dataOffset = headerStart + headerLen;
    if (h.fortran)
      fail(ErrorCode::InvalidArgument,
           "{}: Fortran-order arrays are not supported; save with "
           "numpy.ascontiguousarray",
           path);
    size_t elementSize = dtypeSize(h.descr);
    if (elementSize == 0)
      fail(ErrorCode::InvalidArgument,
           "{}: unsupported dtype '{}' (supported: <f4, <f8, <i4, <i8, |u1)",
           path, h.descr);
    int64_t count = 1;
    for (int64_t d : h.shape) {
      if (d > 0 && count > (int64_t(1) << 40) / d)
        fail(ErrorCode::DataLoss, "{}: shape too large", path);
      count *= d;
    }
    size_t need = h.dataOffset + size_t(count) * elementSize;
    if (data.size() != need)
      fail(ErrorCode::DataLoss,
           "{}: expected {} data bytes after byte {} for shape and dtype, got "
           "{}",
           path, size_t(count) * elementSize, h.dataOffset,
           data.size() - h.dataOffset);
    NpyArray array;
    array.descr = h.descr;
    array.shape = h.shape;
    array.isInteger = h.descr[1] != 'f';
    array.values.resize(count);
    if (array.isInteger)
      array.intValues.resize(count);
    const char *p = data.data() + h.dataOffset;
    for (int64_t i = 0; i < count; ++i) {
      const char *e = p + i * elementSize;
      if (h.descr == "<f4")
        array.values[i] = loadElement<float>(e);
      else if (h.descr == "<f8")
        array.values[i] = static_cast<float>(loadElement<double>(e));
      else if (h.descr == "<i4")
        array.intValues[i] = loadElement<int32_t>(e);
      else if (h.descr == "<i8")
        array.intValues[i] = loadElement<int64_t>(e);
      else
        array.intValues[i] = static_cast<unsigned char>(*e);
      if (array.isInteger)
        array.values[i] = static_cast<float>(array.intValues[i]);
    }
    return array;
  });
}

Expected<Dataset> nnc::rt::loadNpyDataset(const std::string &featuresPath,
                                          const std::string &labelsPath) {
  return guard([&] {
    auto check = [](auto &e) {
      if (!e)
        throw RuntimeError(e.status().code(), e.status().message());
    };
    auto features = loadNpy(featuresPath);
    check(features);
    auto labels = loadNpy(labelsPath);
    check(labels);
    if (features->shape.size() < 2)
      fail(ErrorCode::InvalidArgument,
           "{}: features need shape [n, ...] with rank >= 2, got rank {}",
           featuresPath, features->shape.size());
    int64_t n = features->shape[0];
    if (labels->shape.empty() || labels->shape[0] != n ||
        labels->shape.size() > 2)
      fail(ErrorCode::InvalidArgument,
           "{}: labels need shape [{}] or [{}, k] to match {}", labelsPath, n,
           n, featuresPath);
    Dataset ds;
    ds.name = baseName(featuresPath);
    ds.featureShape.assign(features->shape.begin() + 1, features->shape.end());
    for (int64_t d : ds.featureShape)
      if (d <= 0)
        fail(ErrorCode::InvalidArgument, "{}: a sample dimension is 0",
             featuresPath);
    ds.features = std::move(features->values);
    for (size_t i = 0; i < ds.features.size(); ++i)
      if (!std::isfinite(ds.features[i]))
        fail(ErrorCode::DataLoss, "{}: element {} is not finite", featuresPath,
             i);
    if (!labels->isInteger) {
      ds.targetDim = labels->shape.size() == 2 ? labels->shape[1] : 1;
      if (ds.targetDim <= 0)
        fail(ErrorCode::InvalidArgument, "{}: target dimension is 0",
             labelsPath);
      ds.targets = std::move(labels->values);
      return ds;
    }
    if (labels->shape.size() != 1)
      fail(ErrorCode::InvalidArgument,
           "{}: integer labels need shape [n], got rank {}", labelsPath,
           labels->shape.size());
    int64_t maxLabel = 0;
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = labels->intValues[i];
      if (v < 0 || v > 1000000)
        fail(ErrorCode::OutOfRange,
             "{}: label {} of element {} is out of range [0, 1000000]",
             labelsPath, v, i);
      ds.labels.push_back(static_cast<int32_t>(v));
      maxLabel = std::max(maxLabel, v);
    }
    ds.numClasses = maxLabel + 1;
    return ds;
  });
}

template <typename T>
static Status writeNpyImpl(const std::string &path,
                           const std::vector<int64_t> &shape,
                           const std::vector<T> &values, const char *descr) {
  return guardStatus([&] {
    int64_t count = 1;
    std::string dims;
    for (int64_t d : shape) {
      count *= d;
      dims += fmt::format("{}, ", d);
    }
    if (shape.size() > 1)
      dims.resize(dims.size() - 2);
    if (count != static_cast<int64_t>(values.size()))
      fail(ErrorCode::InvalidArgument,
           "{}: shape holds {} elements but {} values were given", path, count,
           values.size());
    std::string dict = fmt::format(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr,
        dims);
    // Pad with spaces so that the data starts at a multiple of 64 bytes.
    size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>(dict.size() >> 8);
    out += dict;
    out.append(reinterpret_cast<const char *>(values.data()),
               values.size() * sizeof(T));
    Status st = writeFileAtomic(path, out);
    if (!st)
      throw RuntimeError(st.code(), st.message());
  });
}

Status nnc::rt::writeNpy(const std::string &path,
                         const std::vector<int64_t> &shape,
                         const std::vector<float> &values) {
  return writeNpyImpl(path, shape, values, "<f4");
}

Status nnc::rt::writeNpy(const std::string &path,
                         const std::vector<int64_t> &shape,
                         const std::vector<int32_t> &values) {
  return writeNpyImpl(path, shape, values, "<i4");
}
