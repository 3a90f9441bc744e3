//===- nnc/Frontend/Lexer.h - Lexer of the .nn language ---------*- C++ -*-===//
//
// Splits a .nn buffer into tokens: identifiers, keywords, integer and float
// literals, strings, and punctuation (`->`, `(`, `=`, ...). `#` starts a
// comment that runs to the end of the line; newlines are otherwise plain
// whitespace, so a pipeline may continue on the next line. Bytes that start
// no token (control characters, NUL, stray non-ASCII) are reported with their
// location and skipped, so lexing never fails or loops.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_LEXER_H
#define NNC_FRONTEND_LEXER_H

#include "nnc/Frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"

namespace nnc {

/// Kinds of tokens.
enum class Tok {
  Eof,
  Ident,
  Int,    ///< integer literal: digits only
  Float,  ///< literal with a '.' or an exponent
  String, ///< "..." (text keeps the quotes and escapes)
  // Keywords.
  KwModel,
  KwBlock,
  KwTrain,
  KwInput,
  KwOutput,
  KwTarget,
  KwTrue,
  KwFalse,
  // Punctuation.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semicolon,
  Colon,
  Equal,
  Arrow,
  Plus,
  Minus,
  Star,
};

/// Spelling of a token kind for diagnostics ("'->'", "identifier").
llvm::StringRef tokName(Tok kind);

/// One token: its kind, its text in the buffer and where it starts.
struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text;
  Location loc;
  /// True when only whitespace precedes the token on its line; the parser
  /// uses it to resynchronise after an error.
  bool atLineStart = false;
};

/// Describes a token for "expected X, found Y" messages: its text for
/// names and literals (shortened), its spelling otherwise.
std::string describeToken(const Token &tok);

/// Produces tokens one at a time from a buffer that outlives the lexer.
class Lexer {
public:
  /// Lexes `buffer`, reporting bad characters to `diags` at locations in
  /// `fileName`.
  Lexer(llvm::StringRef buffer, std::shared_ptr<std::string> fileName,
        DiagnosticEngine &diags);

  /// Returns the next token (Tok::Eof forever at the end).
  Token next();

private:
  char peekChar(size_t ahead = 0) const;
  void advance();
  void skipWhitespaceAndComments();
  Token make(Tok kind, size_t begin, int line, int col, bool atLineStart);

  llvm::StringRef buffer;
  std::shared_ptr<std::string> fileName;
  DiagnosticEngine &diags;
  size_t pos = 0;
  int line = 1;
  int col = 1;
  bool lineStart = true;
};

} // namespace nnc

#endif // NNC_FRONTEND_LEXER_H
