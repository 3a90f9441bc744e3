//===- TestUtil.h - Helpers of the runtime unit tests -----------*- C++ -*-===//
//
// Temporary directories, file writers (plain and gzip), hand-built IDX and
// .npy images, and a minimal XML well-formedness checker for the SVG tests.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TEST_UNIT_RUNTIME_TESTUTIL_H
#define NNC_TEST_UNIT_RUNTIME_TESTUTIL_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nnc::rt::test {

/// A fresh directory under /tmp, removed with its files on destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  /// The path of `name` inside the directory.
  std::string file(const std::string &name) const { return dir + "/" + name; }
  /// The directory.
  const std::string &path() const { return dir; }
  /// The names of the files in the directory.
  std::vector<std::string> list() const;

private:
  std::string dir;
};

/// Writes `bytes` to `path` (fails the test on error).
void writeBytes(const std::string &path, const std::string &bytes);
/// gzip-compresses `bytes`.
std::string gzip(const std::string &bytes);
/// Reads a whole file.
std::string readBytes(const std::string &path);

/// An IDX file: type code, dims, then raw big-endian payload.
std::string idxBytes(uint8_t type, const std::vector<uint32_t> &dims,
                     const std::string &payload);

/// A .npy file of format `major`.0 with the given header dict and payload.
std::string npyBytes(int major, const std::string &dict,
                     const std::string &payload);

/// The raw bytes of a vector of trivially copyable values.
template <typename T> std::string rawBytes(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

/// A parsed XML element (only what the SVG tests need).
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlElement> children;
  std::string text;
};

/// Parses `xml` strictly enough to catch malformed output (balanced tags,
/// quoted attributes, known entities); returns false with `error` set.
bool parseXml(const std::string &xml, XmlElement &root, std::string &error);

/// Counts elements named `name` in the tree.
int countElements(const XmlElement &root, const std::string &name);

/// Concatenated text of all elements.
std::string allText(const XmlElement &root);

} // namespace nnc::rt::test

#endif // NNC_TEST_UNIT_RUNTIME_TESTUTIL_H
