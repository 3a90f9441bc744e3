//===- ParserTest.cpp - Tests of the .nn parser and diagnostics -----------===//
//
// The parser accepts every example with the expected structure, rejects
// malformed input with the expected message at the expected line:col,
// recovers to report several errors, bounds nesting, and the engine prints
// clang-style diagnostics with a caret.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

using namespace nnc;
using namespace nnc::test;

TEST(Parser, AcceptsEveryExample) {
  for (const std::string &name : exampleNames()) {
    std::string path = sourceDir() + "/examples/" + name + ".nn";
    std::string text = readFile(path);
    ASSERT_FALSE(text.empty()) << path;
    Result r = runFrontend(text);
    EXPECT_TRUE(r.ok) << name << ": " << r.firstError().loc.str() << ": "
                      << r.firstError().message;
    EXPECT_NE(r.module->getMainModel(), nullptr) << name;
    EXPECT_EQ(r.module->trains.size(), 1u) << name;
  }
}

TEST(Parser, SpiralStructure) {
  Result r = runFrontend(readFile(sourceDir() + "/examples/spiral.nn"), false);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.module->models.size(), 1u);
  const ModelAST &m = *r.module->models[0];
  EXPECT_EQ(m.name, "Spiral");
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].type.dtype, "f32");
  ASSERT_EQ(m.inputs[0].type.dims.size(), 2u);
  EXPECT_TRUE(m.inputs[0].type.dims[0].isSymbol);
  EXPECT_EQ(m.inputs[0].type.dims[1].value, 2);
  ASSERT_EQ(m.body.size(), 1u);
  EXPECT_EQ(m.body[0].name, "logits");
  auto *pipe = llvm::dyn_cast<PipeExprAST>(m.body[0].value.get());
  ASSERT_NE(pipe, nullptr);
  ASSERT_EQ(pipe->stages.size(), 5u);
  EXPECT_EQ(pipe->stages[0]->callee, "dense");
  EXPECT_TRUE(pipe->stages[0]->hasParens);
  EXPECT_FALSE(pipe->stages[1]->hasParens);
  EXPECT_EQ(pipe->stages[4]->loc().line, 4);
  EXPECT_EQ(pipe->stages[4]->loc().col, 66);
  const TrainAST &t = *r.module->trains[0];
  EXPECT_EQ(t.modelName, "Spiral");
  EXPECT_EQ(t.targets.size(), 1u);
  EXPECT_EQ(t.options.size(), 5u); // as written, before Sema
}

TEST(Parser, PrecedenceArrowIsLoosest) {
  Result r = runFrontend("model M { input x: f32[N, 2]\n"
                         "output y = x + x * 2 -> relu }",
                         false);
  ASSERT_TRUE(r.ok);
  auto *pipe =
      llvm::dyn_cast<PipeExprAST>(r.module->models[0]->body[0].value.get());
  ASSERT_NE(pipe, nullptr);
  auto *add = llvm::dyn_cast<BinaryExprAST>(pipe->input.get());
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->op, '+');
  auto *mul = llvm::dyn_cast<BinaryExprAST>(add->rhs.get());
  ASSERT_NE(mul, nullptr);
  EXPECT_EQ(mul->op, '*');
}

TEST(Parser, NegativeLiteralsFold) {
  Result r =
      runFrontend("model M { input x: f32[N, 2]\n"
                  "output y = x -> leaky_relu(-0.2) -> mean(axis = -1) }",
                  false);
  ASSERT_TRUE(r.ok);
  auto *pipe =
      llvm::cast<PipeExprAST>(r.module->models[0]->body[0].value.get());
  auto *alpha =
      llvm::dyn_cast<NumberExprAST>(pipe->stages[0]->args[0].value.get());
  ASSERT_NE(alpha, nullptr);
  EXPECT_DOUBLE_EQ(alpha->floatValue, -0.2);
  auto *axis =
      llvm::dyn_cast<NumberExprAST>(pipe->stages[1]->args[0].value.get());
  ASSERT_NE(axis, nullptr);
  EXPECT_EQ(axis->intValue, -1);
  EXPECT_EQ(pipe->stages[1]->args[0].name, "axis");
}

namespace {
struct Case {
  const char *text;
  int line, col;
  const char *message;
};
} // namespace

TEST(Parser, RejectsMalformedInput) {
  const Case cases[] = {
      {"model { }", 1, 7, "expected a model name, found '{'"},
      {"model M\n  input x: f32[N]", 2, 3,
       "expected '{' to open the model body, found 'input'"},
      {"model M {\n  input x f32[N]\n}", 2, 11,
       "expected ':' before the input type, found 'f32'"},
      {"model M {\n  input x: f32[N 2]\n}", 2, 18,
       "expected ']' after the dimensions, found '2'"},
      {"model M {\n  input x: f32[N, 2]\n  y = x -> 3\n}", 3, 12,
       "expected a layer name after '->', found '3'"},
      {"model M {\n  output y = x -> dense(64\n}", 3, 1,
       "expected ')' to close the argument list, found '}'"},
      {"model M {\n  output y = x +\n}", 3, 1,
       "expected an expression, found '}'"},
      {"model M {\n  dense(3)\n}", 2, 3,
       "expected 'input', 'output' or a binding 'name = ...', found 'dense'"},
      {"layer M { }", 1, 1,
       "expected 'model', 'block' or 'train', found 'layer'"},
      {"model M {\n  input x: f32[N, 2]\n", 3, 1,
       "expected '}' to close model 'M'"},
      {"model M {\n  output y = x -> dense(99999999999999999999)\n}", 2, 25,
       "integer literal 99999999999999999999 is out of range"},
      {"model M {\n  output y = x -> dropout(-1e400)\n}", 2, 27,
       "floating-point literal -1e400 is out of range"},
      {"train M {\n  data = csv(\"a\\q\")\n}", 2, 14,
       "unknown escape sequence in string literal"},
      {"train M {\n  target y i32[N]\n}", 2, 12,
       "expected ':' before the target type, found 'i32'"},
      {"train {\n}", 1, 7,
       "expected the name of the model to train, found '{'"},
  };
  for (const Case &c : cases) {
    Result r = runFrontend(c.text, false);
    ASSERT_FALSE(r.ok) << c.text;
    Diagnostic d = r.firstError();
    EXPECT_EQ(d.message, c.message) << c.text;
    EXPECT_EQ(d.loc.line, c.line) << c.text;
    EXPECT_EQ(d.loc.col, c.col) << c.text;
  }
}

TEST(Parser, RecoversAtStatementBoundaries) {
  Result r = runFrontend("model M {\n"
                         "  input x: f32[N, 2\n" // error 1
                         "  h = x -> relu\n"
                         "  g = h -> -> relu\n"         // error 2
                         "  output y = g -> dense(,)\n" // error 3
                         "}\n"
                         "model Q {\n"
                         "  input a b\n" // error 4
                         "}\n",
                         false);
  std::vector<int> lines;
  for (const Diagnostic &d : r.diags->getDiagnostics())
    if (d.severity == Severity::Error)
      lines.push_back(d.loc.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 5, 8}));
  EXPECT_EQ(r.module->models.size(), 2u);
}

TEST(Parser, DepthLimit) {
  std::string deep =
      "model M { input x: f32[N, 2]\n output y = " + std::string(100000, '(') +
      "x" + std::string(100000, ')') + " }";
  Result r = runFrontend(deep);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.firstError().message,
            "expression is nested too deeply (more than 200 levels)");
  EXPECT_EQ(r.firstError().loc.line, 2);

  std::string chain = "model M { input x: f32[N, 2]\n output y = x";
  for (int i = 0; i < 100000; ++i)
    chain += " * x";
  Result c = runFrontend(chain + " }");
  ASSERT_FALSE(c.ok);
  EXPECT_EQ(c.firstError().message,
            "expression is nested too deeply (more than 200 levels)");

  // 100 levels are fine.
  std::string ok =
      "model M { input x: f32[N, 2]\n output y = " + std::string(100, '(') +
      "x" + std::string(100, ')') + " }";
  EXPECT_TRUE(runFrontend(ok).ok);
}

TEST(Parser, ErrorCap) {
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += "@\n";
  Result r = runFrontend(text, false, 20);
  EXPECT_EQ(r.diags->getDiagnostics().size(), 20u);
  EXPECT_GT(r.diags->getNumErrors(), 20u);
}

TEST(Diagnostics, PrintsClangStyleWithCaret) {
  std::string out;
  llvm::raw_string_ostream os(out);
  DiagnosticEngine diags(os);
  std::string text = "model M {\n\tinput x: f32[N, 2] @\n}\n";
  parseBuffer(text, "d.nn", diags);
  EXPECT_EQ(os.str(), "d.nn:2:21: error: unexpected character '@'\n"
                      "\tinput x: f32[N, 2] @\n"
                      "\t                   ^\n");
}

TEST(Diagnostics, LongLinesAreWindowed) {
  std::string out;
  llvm::raw_string_ostream os(out);
  DiagnosticEngine diags(os);
  std::string text = std::string(1000000, ' ') + "@";
  parseBuffer(text, "l.nn", diags);
  std::string first = os.str().substr(0, os.str().find('\n'));
  EXPECT_EQ(first, "l.nn:1:1000001: error: unexpected character '@'");
  EXPECT_LT(os.str().size(), 500u);
  // The caret sits under the '@' of the quoted window.
  size_t quoteStart = os.str().find('\n') + 1;
  size_t quoteEnd = os.str().find('\n', quoteStart);
  std::string quote = os.str().substr(quoteStart, quoteEnd - quoteStart);
  std::string caret = os.str().substr(quoteEnd + 1);
  EXPECT_EQ(quote.find('@'), caret.find('^'));
}
