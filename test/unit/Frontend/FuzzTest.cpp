//===- FuzzTest.cpp - Robustness of the front end on hostile input --------===//
//
// Feeds seeded random bytes and random mutations of every example (byte
// flips, token deletions and duplications, truncations, splices) through
// lexer, parser and Sema. Each run must end, either cleanly or with errors
// whose locations point into the input; a crash fails the whole binary.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <random>

using namespace nnc;
using namespace nnc::test;

namespace {
/// Checks that every diagnostic of `r` has a sane location in `text`.
void checkLocations(const Result &r, const std::string &text) {
  int lines = 1 + std::count(text.begin(), text.end(), '\n');
  for (const Diagnostic &d : r.diags->getDiagnostics()) {
    ASSERT_TRUE(d.loc.isValid()) << d.message;
    ASSERT_GE(d.loc.line, 1);
    ASSERT_LE(d.loc.line, lines) << d.message;
    ASSERT_GE(d.loc.col, 1);
    ASSERT_LE(static_cast<size_t>(d.loc.col), text.size() + 1) << d.message;
    ASSERT_FALSE(d.message.empty());
  }
  if (r.ok)
    ASSERT_TRUE(r.diags->getDiagnostics().empty());
  else
    ASSERT_FALSE(r.diags->getDiagnostics().empty());
}

/// Splits `text` at spaces/newlines into chunks (a crude tokenisation).
std::vector<std::string> chunks(const std::string &text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    cur += c;
    if (c == ' ' || c == '\n' || c == '(' || c == ')' || c == ',') {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty())
    out.push_back(cur);
  return out;
}

std::string mutate(const std::string &text, std::mt19937 &rng) {
  std::string s = text;
  auto pick = [&](size_t n) {
    return n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0;
  };
  switch (pick(6)) {
  case 0: // byte flips
    for (int i = 0, n = 1 + pick(8); i < n && !s.empty(); ++i)
      s[pick(s.size())] = static_cast<char>(pick(256));
    break;
  case 1: // truncation
    s.resize(pick(s.size() + 1));
    break;
  case 2: { // token deletions
    auto parts = chunks(s);
    for (int i = 0, n = 1 + pick(4); i < n && !parts.empty(); ++i)
      parts.erase(parts.begin() + pick(parts.size()));
    s.clear();
    for (auto &p : parts)
      s += p;
    break;
  }
  case 3: { // token duplications
    auto parts = chunks(s);
    for (int i = 0, n = 1 + pick(4); i < n && !parts.empty(); ++i) {
      size_t at = pick(parts.size());
      parts.insert(parts.begin() + at, parts[pick(parts.size())]);
    }
    s.clear();
    for (auto &p : parts)
      s += p;
    break;
  }
  case 4: { // swap two chunks
    auto parts = chunks(s);
    if (parts.size() > 1)
      std::swap(parts[pick(parts.size())], parts[pick(parts.size())]);
    s.clear();
    for (auto &p : parts)
      s += p;
    break;
  }
  default: { // insert punctuation / keywords
    static const char *bits[] = {"(",     ")",
                                 "->",    "=",
                                 "{",     "}",
                                 "[",     "]",
                                 ",",     "-",
                                 "*",     "+",
                                 "model", "block",
                                 "train", "output",
                                 "input", "target",
                                 "N",     "\"",
                                 "1e999", "99999999999999999999",
                                 "#",     "\n"};
    for (int i = 0, n = 1 + pick(4); i < n; ++i)
      s.insert(pick(s.size() + 1), bits[pick(sizeof(bits) / sizeof(*bits))]);
    break;
  }
  }
  return s;
}
} // namespace

TEST(Fuzz, RandomBytes) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 1000; ++i) {
    size_t len = std::uniform_int_distribution<size_t>(0, 400)(rng);
    std::string text(len, '\0');
    for (char &c : text)
      c = static_cast<char>(rng());
    Result r = runFrontend(text);
    checkLocations(r, text);
  }
}

TEST(Fuzz, MutatedExamples) {
  std::mt19937 rng(2024);
  std::vector<std::string> examples;
  for (const std::string &name : exampleNames())
    examples.push_back(readFile(sourceDir() + "/examples/" + name + ".nn"));
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string text = examples[i % examples.size()];
    for (int k = 0, n = 1 + rng() % 3; k < n; ++k)
      text = mutate(text, rng);
    Result r = runFrontend(text);
    checkLocations(r, text);
    (r.ok ? accepted : rejected)++;
  }
  // The mutations must exercise both paths.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 1000);
}
