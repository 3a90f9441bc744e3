//===- TestUtil.cpp - Helpers of the runtime unit tests -------------------===//
//
// Implementation of the temporary directories, file builders and the small
// XML parser used by the runtime tests.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <unistd.h>

using namespace nnc::rt::test;

TempDir::TempDir() {
  char templ[] = "/tmp/nnc-rt-test-XXXXXX";
  char *made = ::mkdtemp(templ);
  EXPECT_NE(made, nullptr);
  dir = made ? made : "/tmp";
}

TempDir::~TempDir() {
  for (const std::string &name : list())
    std::remove(file(name).c_str());
  ::rmdir(dir.c_str());
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
        names.push_back(e->d_name);
    ::closedir(d);
  }
  return names;
}

void nnc::rt::test::writeBytes(const std::string &path,
                               const std::string &bytes) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string nnc::rt::test::readBytes(const std::string &path) {
  std::string out;
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    out.append(buf, n);
  std::fclose(f);
  return out;
}

std::string nnc::rt::test::gzip(const std::string &bytes) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, bytes.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef *>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string nnc::rt::test::idxBytes(uint8_t type,
                                    const std::vector<uint32_t> &dims,
                                    const std::string &payload) {
  std::string out{'\0', '\0', static_cast<char>(type),
                  static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      out += static_cast<char>((d >> shift) & 0xff);
  return out + payload;
}

std::string nnc::rt::test::npyBytes(int major, const std::string &dict,
                                    const std::string &payload) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  size_t len = dict.size();
  int lenBytes = major == 1 ? 2 : 4;
  for (int i = 0; i < lenBytes; ++i)
    out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + dict + payload;
}

namespace {
/// Recursive-descent XML parser for the subset SVG output uses.
class XmlParser {
public:
  explicit XmlParser(const std::string &s) : s(s) {}
  bool parse(XmlElement &root, std::string &error) {
    skipProlog();
    if (!element(root))
      return fail(error);
    skipSpace();
    if (pos != s.size()) {
      err = "trailing content";
      return fail(error);
    }
    return true;
  }

private:
  bool fail(std::string &error) {
    error = err + " at offset " + std::to_string(pos);
    return false;
  }
  void skipSpace() {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
  }
  void skipProlog() {
    skipSpace();
    if (s.compare(pos, 5, "<?xml") == 0) {
      size_t end = s.find("?>", pos);
      pos = end == std::string::npos ? s.size() : end + 2;
    }
    skipSpace();
  }
  std::string name() {
    size_t start = pos;
    while (pos < s.size() &&
           (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '-' ||
            s[pos] == ':' || s[pos] == '_'))
      ++pos;
    return s.substr(start, pos - start);
  }
  bool text(std::string &out, char stop) {
    while (pos < s.size() && s[pos] != stop) {
      if (s[pos] == '&') {
        size_t semi = s.find(';', pos);
        if (semi == std::string::npos) {
          err = "unterminated entity";
          return false;
        }
        std::string ent = s.substr(pos, semi - pos + 1);
        if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" &&
            ent != "&quot;" && ent != "&apos;") {
          err = "unknown entity " + ent;
          return false;
        }
        out += ent;
        pos = semi + 1;
        continue;
      }
      if (s[pos] == '<' && stop == '"') {
        err = "'<' in an attribute";
        return false;
      }
      out += s[pos++];
    }
    return true;
  }
  bool element(XmlElement &e) {
    if (pos >= s.size() || s[pos] != '<') {
      err = "expected '<'";
      return false;
    }
    ++pos;
    e.name = name();
    if (e.name.empty()) {
      err = "empty tag name";
      return false;
    }
    while (true) {
      skipSpace();
      if (s.compare(pos, 2, "/>") == 0) {
        pos += 2;
        return true;
      }
      if (pos < s.size() && s[pos] == '>') {
        ++pos;
        break;
      }
      std::string key = name();
      if (key.empty() || pos >= s.size() || s[pos] != '=') {
        err = "bad attribute in <" + e.name + ">";
        return false;
      }
      ++pos;
      if (pos >= s.size() || s[pos] != '"') {
        err = "unquoted attribute " + key;
        return false;
      }
      ++pos;
      std::string value;
      if (!text(value, '"'))
        return false;
      if (pos >= s.size()) {
        err = "unterminated attribute";
        return false;
      }
      ++pos;
      if (e.attributes.count(key)) {
        err = "duplicate attribute " + key;
        return false;
      }
      e.attributes[key] = value;
    }
    while (true) {
      if (!text(e.text, '<'))
        return false;
      if (pos >= s.size()) {
        err = "unclosed <" + e.name + ">";
        return false;
      }
      if (s.compare(pos, 2, "</") == 0) {
        pos += 2;
        std::string closing = name();
        if (closing != e.name || pos >= s.size() || s[pos] != '>') {
          err = "</" + closing + "> closes <" + e.name + ">";
          return false;
        }
        ++pos;
        return true;
      }
      e.children.emplace_back();
      if (!element(e.children.back()))
        return false;
    }
  }
  const std::string &s;
  size_t pos = 0;
  std::string err;
};
} // namespace

bool nnc::rt::test::parseXml(const std::string &xml, XmlElement &root,
                             std::string &error) {
  return XmlParser(xml).parse(root, error);
}

int nnc::rt::test::countElements(const XmlElement &root,
                                 const std::string &name) {
  int n = root.name == name;
  for (const XmlElement &c : root.children)
    n += countElements(c, name);
  return n;
}

std::string nnc::rt::test::allText(const XmlElement &root) {
  std::string t = root.text;
  for (const XmlElement &c : root.children)
    t += " " + allText(c);
  return t;
}
