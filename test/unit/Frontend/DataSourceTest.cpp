//===- DataSourceTest.cpp - Data sources given on the command line --------===//
//
// `nnc train --data TEXT` is read by the front end (nnc/Frontend/DataSource.h)
// as the train section's `data` option: normalised (named, defaults filled),
// checked against the data source's row, and written as the recipe's JSON.
// The expected JSON (keys in the order a DictionaryAttr keeps them) is
// spelled out here from the rows in lib/Frontend/Builtins/Training.cpp;
// errors carry `--data:1:col`.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/DataSource.h"

#include "gtest/gtest.h"

using namespace nnc;

namespace {
struct Parsed {
  std::optional<std::string> json;
  std::vector<Diagnostic> diags;
};

Parsed parse(llvm::StringRef text) {
  DiagnosticEngine diags(llvm::nulls());
  Parsed p;
  p.json = dataSourceJson("--data", text, diags);
  p.diags = diags.getDiagnostics();
  return p;
}
} // namespace

TEST(DataSource, NormalisesAsInATrainSection) {
  Parsed p = parse(R"(csv("data/iris.csv", header = false))");
  ASSERT_TRUE(p.json) << p.diags.front().message;
  EXPECT_EQ(*p.json, R"({"header":false,"kind":"csv","label":"last",)"
                     R"("path":"data/iris.csv","scale":1,"standardize":false,)"
                     R"("targets":""})");

  p = parse("spiral(4, points = 30, noise = 0.1)");
  ASSERT_TRUE(p.json);
  EXPECT_EQ(*p.json,
            R"({"classes":4,"kind":"spiral","noise":0.1,"points":30})");

  // A bare name is the data source with its defaults.
  p = parse("spiral");
  ASSERT_TRUE(p.json);
  EXPECT_EQ(*p.json,
            R"({"classes":3,"kind":"spiral","noise":0.2,"points":100})");

  p = parse(R"(idx("/data/mnist", split = test))");
  ASSERT_TRUE(p.json);
  EXPECT_EQ(*p.json, R"({"dir":"/data/mnist","kind":"idx","normalize":true,)"
                     R"("split":"test"})");

  p = parse("logic(xor)");
  ASSERT_TRUE(p.json);
  EXPECT_EQ(*p.json, R"({"gate":"xor","kind":"logic"})");
}

TEST(DataSource, ErrorsSayWhereInTheArgument) {
  struct Case {
    const char *text;
    int col;
    const char *expected;
  } cases[] = {
      {R"(csv("a.csv")", 12, "expected ')'"},
      {R"(csv("a.csv)", 5, "unterminated string literal"},
      {R"(tsv("a"))", 1, "option 'data' must be a data source (spiral"},
      {R"(csv(path = "a", "b"))", 17, "positional argument after a named"},
      {"logic(and, or)", 12, "takes at most 1 argument"},
      {"spiral(points = 0)", 17, "argument 'points' of spiral must be >= 1"},
      {R"(csv("a.csv", label = middle))", 22,
       "argument 'label' of csv must be an integer or one of: first, last"},
      {"spiral(points = 1e)", 17, "invalid number literal '1e'"},
  };
  for (const Case &c : cases) {
    Parsed p = parse(c.text);
    EXPECT_FALSE(p.json) << c.text;
    ASSERT_FALSE(p.diags.empty()) << c.text;
    const Diagnostic &d = p.diags.front();
    EXPECT_EQ(*d.loc.file, "--data") << c.text;
    EXPECT_EQ(d.loc.line, 1) << c.text;
    EXPECT_EQ(d.loc.col, c.col) << c.text << " -> " << d.message;
    EXPECT_NE(d.message.find(c.expected), std::string::npos)
        << c.text << " -> " << d.message;
  }
}

TEST(DataSource, TellsTheCallSyntaxFromJsonAndPaths) {
  EXPECT_TRUE(isDataSourceSyntax(R"(csv("f.csv"))"));
  EXPECT_TRUE(isDataSourceSyntax("spiral"));
  EXPECT_TRUE(isDataSourceSyntax(R"(  idx("/d/mnist") )"));
  EXPECT_FALSE(isDataSourceSyntax(R"({"kind": "spiral"})"));
  EXPECT_FALSE(isDataSourceSyntax("points.csv"));
  EXPECT_FALSE(isDataSourceSyntax("data/fashion"));
  EXPECT_FALSE(isDataSourceSyntax(""));
}
