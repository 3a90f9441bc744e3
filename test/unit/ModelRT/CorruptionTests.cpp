//===- test/unit/ModelRT/CorruptionTests.cpp - damaged checkpoints --------===//
//
// Tests that nnc_model_load rejects damaged safetensors files - truncated,
// wrong header length, broken JSON, bad numbers and strings, out-of-range,
// overlapping or gapped data - with a DATA_LOSS status, and that every failed
// load (including a sweep of single-byte corruptions over the whole header)
// leaves the instance exactly as it was.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cstdio>

using namespace nnc::test;

namespace {

class Corruption : public ::testing::Test {
protected:
  const ModelApi &api = loadModel(classifierFixture());
  Instance source{api, 21};
  Instance target{api, 22};
  std::string good, header;
  uint64_t headerLen = 0;
  std::vector<std::string> before;

  void SetUp() override {
    float x[4] = {1, -1, 0.5f, 2};
    int32_t y[1] = {2};
    nnc_const_buffer_t in{x, sizeof(x)}, lab{y, sizeof(y)};
    float loss;
    ASSERT_NNC_OK(api, api.nnc_model_train_step(source.model, 1, &in, 1, &lab,
                                                1, 0.1f, nullptr, 0, &loss));
    std::string path = tempPath("good.safetensors");
    ASSERT_NNC_OK(api, api.nnc_model_save(source.model, path.c_str()));
    good = readBytes(path);
    std::remove(path.c_str());
    for (int i = 7; i >= 0; --i)
      headerLen = (headerLen << 8) | (unsigned char)good[i];
    header = good.substr(8, headerLen);
    before = snapshot(api, target.model);
  }

  /// Loads `bytes` into the target; returns the status.
  Status load(const std::string &bytes) {
    std::string path = tempPath("bad.safetensors");
    writeBytes(path, bytes);
    Status s = take(api, api.nnc_model_load(target.model, path.c_str()));
    std::remove(path.c_str());
    return s;
  }

  /// The good file with its header replaced by `h` (length field updated).
  std::string withHeader(std::string h) {
    while (h.size() % 8)
      h += ' ';
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
      out[i] = (char)((uint64_t)h.size() >> (8 * i));
    return out + h + good.substr(8 + headerLen);
  }

  /// The good header with the first `from` replaced by `to`.
  std::string edit(const std::string &from, const std::string &to) {
    std::string h = header;
    size_t at = h.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
      h.replace(at, from.size(), to);
    return withHeader(h);
  }

  void expectRejected(const std::string &bytes, const char *what,
                      const char *message = nullptr) {
    Status s = load(bytes);
    EXPECT_EQ(s.code, NNC_STATUS_DATA_LOSS) << what << ": " << s.message;
    if (message)
      EXPECT_NE(s.message.find(message), std::string::npos)
          << what << ": " << s.message;
    EXPECT_TRUE(snapshot(api, target.model) == before) << what;
  }
};

TEST_F(Corruption, TheGoodFileLoads) {
  Status s = load(good);
  ASSERT_EQ(s.code, NNC_STATUS_OK) << s.message;
  EXPECT_TRUE(snapshot(api, target.model, false) ==
              snapshot(api, source.model, false));
}

TEST_F(Corruption, Truncation) {
  for (size_t size :
       {(size_t)0, (size_t)4, (size_t)7, (size_t)8, (size_t)(8 + headerLen / 2),
        (size_t)(8 + headerLen), (size_t)(8 + headerLen + 1),
        good.size() / 2 + 4, good.size() - 1})
    expectRejected(good.substr(0, size),
                   ("truncated to " + std::to_string(size)).c_str());
  expectRejected(good.substr(0, 5), "5 bytes", "at least 8");
  expectRejected(good + "x", "trailing byte", "cover");
}

TEST_F(Corruption, HeaderLength) {
  auto withLen = [&](uint64_t n) {
    std::string b = good;
    for (int i = 0; i < 8; ++i)
      b[i] = (char)(n >> (8 * i));
    return b;
  };
  expectRejected(withLen(0), "length 0");
  expectRejected(withLen(headerLen - 1), "length - 1");
  expectRejected(withLen(headerLen + 1), "length + 1");
  expectRejected(withLen(headerLen + 8), "length + 8");
  expectRejected(withLen(good.size()), "length = file", "exceeds");
  expectRejected(withLen(~0ULL), "length 2^64-1", "exceeds");
  expectRejected(withLen(1ULL << 40), "length 2^40", "exceeds");
}

TEST_F(Corruption, JsonSyntax) {
  expectRejected(edit("{", "["), "array at top", "expected '{'");
  expectRejected(edit("\"fc.bias\":", "\"fc.bias\" "), "missing colon",
                 "expected ':'");
  expectRejected(edit("\"fc.bias\"", "\"fc.bias"), "unbalanced quote");
  expectRejected(edit("}}", "}"), "missing brace");
  expectRejected(edit("]}", "]},"), "dangling comma");
  expectRejected(withHeader(header.substr(0, header.find_last_of('}')) + "}x"),
                 "text after the object", "after the header");
  expectRejected(edit("\"fc.bias\"", "\"fc.bias\\q\""), "bad escape",
                 "bad escape");
  expectRejected(edit("\"fc.bias\"", "\"fc.\\u00zz\""), "bad \\u", "hex digit");
  expectRejected(edit("\"fc.bias\"", "\"fc.\\ud800x\""), "lone surrogate",
                 "surrogate");
  expectRejected(edit("\"fc.bias\"", std::string("\"fc.\x01\"")),
                 "control character", "control character");
  expectRejected(edit("\"fc.bias\"", std::string("\"fc.\0b\"", 6)), "NUL");
  expectRejected(edit("\"format\":\"pt\"", "\"format\":1"), "non-string meta",
                 "values must be strings");
  expectRejected(edit("\"nnc.step\":\"1\"", "\"nnc.step\":\"x1\""), "bad step",
                 "decimal");
  expectRejected(edit("\"nnc.step\":\"1\"", "\"nnc.step\":\"-1\""),
                 "negative step", "decimal");
  expectRejected(
      edit("\"nnc.step\":\"1\"", "\"nnc.step\":\"99999999999999999999\""),
      "overflowing step", "overflows");
  expectRejected(
      edit("\"__metadata__\":{", "\"__metadata__\":{\"a\":\"b\",\"a"),
      "broken metadata");
}

TEST_F(Corruption, TensorEntries) {
  expectRejected(edit("\"dtype\":\"F32\"", "\"dtype\":\"F33\""),
                 "unknown dtype", "unknown dtype 'F33'");
  expectRejected(edit("\"dtype\":\"F32\"", "\"dtype\":32"), "numeric dtype",
                 "expected a string");
  expectRejected(edit("\"shape\":[3,4]", "\"shape\":[3,-4]"), "negative dim",
                 "non-negative integer");
  expectRejected(edit("\"shape\":[3,4]", "\"shape\":[3,4.0]"), "fractional dim",
                 "fraction");
  expectRejected(edit("\"shape\":[3,4]", "\"shape\":3"), "scalar shape",
                 "expected an array");
  expectRejected(edit("\"shape\":[3,4]", "\"shape\":[1,1,1,1,1,1,1,1,3,4]"),
                 "rank 10", "more than 8");
  expectRejected(edit("\"shape\":[3,4]", "\"shape\":[3,4,99999999999]"),
                 "huge shape");
  expectRejected(edit("\"data_offsets\":[0,", "\"data_offsets\":[1,"),
                 "shifted begin");
  expectRejected(edit("\"data_offsets\":[0,48]", "\"data_offsets\":[0]"),
                 "one offset", "two integers");
  expectRejected(edit("\"data_offsets\":[0,48]", "\"data_offsets\":[0,48,96]"),
                 "three offsets", "exactly two");
  expectRejected(edit("\"data_offsets\":[0,48]", "\"data_offsets\":[48,0]"),
                 "reversed offsets", "outside");
  expectRejected(edit("\"data_offsets\":[0,48]",
                      "\"data_offsets\":[0,18446744073709551615]"),
                 "offset past the file", "outside");
  expectRejected(edit("\"data_offsets\":[0,48]",
                      "\"data_offsets\":[0,184467440737095516150]"),
                 "offset overflow", "overflows");
  expectRejected(edit(",\"data_offsets\":[0,48]", ""), "no offsets",
                 "lacks dtype, shape or data_offsets");
  // fc.bias (12 bytes at 48) moved onto fc.weight's bytes: an overlap.
  expectRejected(edit("\"data_offsets\":[48,60]", "\"data_offsets\":[0,12]"),
                 "overlap", "overlap");
  // A duplicate name.
  size_t at = header.find("\"fc.bias\"");
  std::string h = header.substr(0, header.find_last_of('}'));
  h += "," + header.substr(at, header.find('}', at) + 1 - at) + "}";
  expectRejected(withHeader(h), "duplicate", "duplicate tensor name");
  expectRejected(edit("\"fc.bias\"", "\"fc.bias2\""), "renamed",
                 "missing tensor 'fc.bias'");
}

TEST_F(Corruption, EverySingleByteOfTheHeader) {
  // Some flips are harmless (a digit of the seed, a letter of "pt"); the
  // rest must be rejected. Either way nothing crashes, and a rejected load
  // changes nothing.
  int rejected = 0, total = 0;
  for (size_t i = 0; i < headerLen; ++i)
    for (char c : {'\0', '"', '}', '9', 'x', '\\', ','}) {
      if (header[i] == c)
        continue;
      std::string bad = good;
      bad[8 + i] = c;
      Status s = load(bad);
      ++total;
      if (s.code == NNC_STATUS_OK) {
        before = snapshot(api, target.model); // accepted: the new baseline
        continue;
      }
      ++rejected;
      EXPECT_EQ(s.code, NNC_STATUS_DATA_LOSS) << s.message;
      ASSERT_TRUE(snapshot(api, target.model) == before)
          << "byte " << i << " -> " << (int)c << ": " << s.message;
    }
  EXPECT_GT(rejected, total * 9 / 10) << rejected << " of " << total;
}

} // namespace
