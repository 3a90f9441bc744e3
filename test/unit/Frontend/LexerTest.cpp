//===- LexerTest.cpp - Tests of the .nn lexer -----------------------------===//
//
// Token kinds, texts and 1-based line:col locations, comments, numbers,
// strings, and the recovery from characters that start no token.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Lexer.h"

#include "gtest/gtest.h"

using namespace nnc;

namespace {
struct Lexed {
  std::vector<Token> tokens;
  std::vector<Diagnostic> diags;
};

Lexed lex(llvm::StringRef text) {
  DiagnosticEngine diags(llvm::nulls());
  Lexer lexer(text, std::make_shared<std::string>("t.nn"), diags);
  Lexed out;
  for (int i = 0; i < 10000; ++i) {
    Token tok = lexer.next();
    out.tokens.push_back(tok);
    if (tok.kind == Tok::Eof)
      break;
  }
  out.diags = diags.getDiagnostics();
  return out;
}
} // namespace

TEST(Lexer, KindsTextsAndLocations) {
  Lexed l =
      lex("model Spiral {\n  input x: f32[N, 2] # c\n  y = x -> dense(64)\n}");
  std::vector<Tok> kinds;
  for (const Token &t : l.tokens)
    kinds.push_back(t.kind);
  std::vector<Tok> expected = {
      Tok::KwModel, Tok::Ident,    Tok::LBrace,   Tok::KwInput, Tok::Ident,
      Tok::Colon,   Tok::Ident,    Tok::LBracket, Tok::Ident,   Tok::Comma,
      Tok::Int,     Tok::RBracket, Tok::Ident,    Tok::Equal,   Tok::Ident,
      Tok::Arrow,   Tok::Ident,    Tok::LParen,   Tok::Int,     Tok::RParen,
      Tok::RBrace,  Tok::Eof};
  EXPECT_EQ(kinds, expected);
  EXPECT_TRUE(l.diags.empty());
  // `input` at 2:3, `2` at 2:19, `->` at 3:9, `64` at 3:18, `}` at 4:1.
  EXPECT_EQ(l.tokens[3].loc.line, 2);
  EXPECT_EQ(l.tokens[3].loc.col, 3);
  EXPECT_TRUE(l.tokens[3].atLineStart);
  EXPECT_EQ(l.tokens[10].text, "2");
  EXPECT_EQ(l.tokens[10].loc.col, 19);
  EXPECT_EQ(l.tokens[15].loc.line, 3);
  EXPECT_EQ(l.tokens[15].loc.col, 9);
  EXPECT_FALSE(l.tokens[15].atLineStart);
  EXPECT_EQ(l.tokens[18].text, "64");
  EXPECT_EQ(l.tokens[18].loc.col, 18);
  EXPECT_EQ(l.tokens[20].loc.line, 4);
  EXPECT_EQ(l.tokens[20].loc.col, 1);
}

TEST(Lexer, Numbers) {
  Lexed l = lex("1 0.5 1e-4 .25 3E+2 7.");
  ASSERT_EQ(l.tokens.size(), 7u);
  EXPECT_EQ(l.tokens[0].kind, Tok::Int);
  for (int i = 1; i < 6; ++i)
    EXPECT_EQ(l.tokens[i].kind, Tok::Float) << i;
  EXPECT_EQ(l.tokens[2].text, "1e-4");
  EXPECT_EQ(l.tokens[4].text, "3E+2");
}

TEST(Lexer, MinusVersusArrow) {
  Lexed l = lex("a-b->c - -> -");
  std::vector<Tok> expected = {Tok::Ident, Tok::Minus, Tok::Ident,
                               Tok::Arrow, Tok::Ident, Tok::Minus,
                               Tok::Arrow, Tok::Minus, Tok::Eof};
  ASSERT_EQ(l.tokens.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(l.tokens[i].kind, expected[i]) << i;
}

TEST(Lexer, StringsAndUnterminated) {
  Lexed l = lex("\"a\\\"b\" \"open\nx");
  EXPECT_EQ(l.tokens[0].kind, Tok::String);
  EXPECT_EQ(l.tokens[0].text, "\"a\\\"b\"");
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].message, "unterminated string literal");
  EXPECT_EQ(l.diags[0].loc.col, 8);
  EXPECT_EQ(l.tokens[1].kind, Tok::Ident); // `x` on line 2
  EXPECT_EQ(l.tokens[1].loc.line, 2);
}

TEST(Lexer, BadCharactersAreReportedAndSkipped) {
  Lexed l = lex(llvm::StringRef("a @ \0 \xff\xfe b", 10));
  ASSERT_EQ(l.tokens.size(), 3u);
  EXPECT_EQ(l.tokens[1].text, "b");
  ASSERT_EQ(l.diags.size(), 3u);
  EXPECT_EQ(l.diags[0].message, "unexpected character '@'");
  EXPECT_EQ(l.diags[0].loc.col, 3);
  EXPECT_EQ(l.diags[1].message, "unexpected character '\\x00'");
  EXPECT_EQ(l.diags[2].message, "unexpected character non-ASCII text");
}

TEST(Lexer, InvalidNumberLiteral) {
  Lexed l = lex("12abc 3");
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].message, "invalid number literal '12abc'");
  EXPECT_EQ(l.tokens[0].kind, Tok::Int);
  EXPECT_EQ(l.tokens[0].text, "3");
}
