//===- Lexer.cpp - Lexer of the .nn language ------------------------------===//
//
// A hand-written scanner over a byte buffer. It tracks line and column,
// recognises keywords, numbers, strings and punctuation, and reports and skips
// anything else. Numeric values are converted (and range-checked) by the
// parser; the lexer only delimits the literal.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Lexer.h"

#include "llvm/ADT/StringSwitch.h"

using namespace nnc;

llvm::StringRef nnc::tokName(Tok kind) {
  switch (kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Ident:
    return "identifier";
  case Tok::Int:
    return "integer";
  case Tok::Float:
    return "number";
  case Tok::String:
    return "string";
  case Tok::KwModel:
    return "'model'";
  case Tok::KwBlock:
    return "'block'";
  case Tok::KwTrain:
    return "'train'";
  case Tok::KwInput:
    return "'input'";
  case Tok::KwOutput:
    return "'output'";
  case Tok::KwTarget:
    return "'target'";
  case Tok::KwTrue:
    return "'true'";
  case Tok::KwFalse:
    return "'false'";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::Comma:
    return "','";
  case Tok::Semicolon:
    return "';'";
  case Tok::Colon:
    return "':'";
  case Tok::Equal:
    return "'='";
  case Tok::Arrow:
    return "'->'";
  case Tok::Plus:
    return "'+'";
  case Tok::Minus:
    return "'-'";
  case Tok::Star:
    return "'*'";
  }
  return "token";
}

std::string nnc::describeToken(const Token &tok) {
  switch (tok.kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Ident:
  case Tok::Int:
  case Tok::Float:
  case Tok::String: {
    std::string text = tok.text.take_front(40).str();
    return "'" + text + (tok.text.size() > 40 ? "...'" : "'");
  }
  default:
    return tokName(tok.kind).str();
  }
}

Lexer::Lexer(llvm::StringRef buffer, std::shared_ptr<std::string> fileName,
             DiagnosticEngine &diags)
    : buffer(buffer), fileName(std::move(fileName)), diags(diags) {}

char Lexer::peekChar(size_t ahead) const {
  return pos + ahead < buffer.size() ? buffer[pos + ahead] : '\0';
}

void Lexer::advance() {
  if (pos >= buffer.size())
    return;
  if (buffer[pos] == '\n') {
    ++line;
    col = 1;
    lineStart = true;
  } else {
    ++col;
  }
  ++pos;
}

void Lexer::skipWhitespaceAndComments() {
  while (pos < buffer.size()) {
    char c = buffer[pos];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
        c == '\v') {
      advance();
    } else if (c == '#') {
      while (pos < buffer.size() && buffer[pos] != '\n')
        advance();
    } else {
      return;
    }
  }
}

Token Lexer::make(Tok kind, size_t begin, int tokLine, int tokCol,
                  bool atLineStart) {
  Token tok;
  tok.kind = kind;
  tok.text = buffer.slice(begin, pos);
  tok.loc = Location{fileName, tokLine, tokCol};
  tok.atLineStart = atLineStart;
  return tok;
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

Token Lexer::next() {
  while (true) {
    skipWhitespaceAndComments();
    size_t begin = pos;
    int tokLine = line, tokCol = col;
    bool atStart = lineStart;
    lineStart = false;
    if (pos >= buffer.size())
      return make(Tok::Eof, begin, tokLine, tokCol, atStart);
    char c = buffer[pos];

    if (isIdentStart(c)) {
      while (isIdentChar(peekChar()) && pos < buffer.size())
        advance();
      llvm::StringRef text = buffer.slice(begin, pos);
      Tok kind = llvm::StringSwitch<Tok>(text)
                     .Case("model", Tok::KwModel)
                     .Case("block", Tok::KwBlock)
                     .Case("train", Tok::KwTrain)
                     .Case("input", Tok::KwInput)
                     .Case("output", Tok::KwOutput)
                     .Case("target", Tok::KwTarget)
                     .Case("true", Tok::KwTrue)
                     .Case("false", Tok::KwFalse)
                     .Default(Tok::Ident);
      return make(kind, begin, tokLine, tokCol, atStart);
    }

    if (isDigit(c) || (c == '.' && isDigit(peekChar(1)))) {
      bool isFloat = false;
      while (pos < buffer.size() && isDigit(peekChar()))
        advance();
      if (peekChar() == '.' && pos < buffer.size()) {
        isFloat = true;
        advance();
        while (pos < buffer.size() && isDigit(peekChar()))
          advance();
      }
      if ((peekChar() == 'e' || peekChar() == 'E') && pos < buffer.size()) {
        size_t save = pos;
        int saveCol = col;
        advance();
        if (peekChar() == '+' || peekChar() == '-')
          advance();
        if (isDigit(peekChar()) && pos < buffer.size()) {
          isFloat = true;
          while (pos < buffer.size() && isDigit(peekChar()))
            advance();
        } else {
          pos = save;
          col = saveCol;
        }
      }
      if (pos < buffer.size() && isIdentChar(peekChar())) {
        // `12abc`: report once and swallow the rest of the word.
        while (pos < buffer.size() && isIdentChar(peekChar()))
          advance();
        diags.error(Location{fileName, tokLine, tokCol},
                    "invalid number literal '" +
                        buffer.slice(begin, pos).take_front(40) + "'");
        continue;
      }
      return make(isFloat ? Tok::Float : Tok::Int, begin, tokLine, tokCol,
                  atStart);
    }

    if (c == '"') {
      advance();
      bool closed = false;
      while (pos < buffer.size()) {
        char s = buffer[pos];
        if (s == '\n')
          break;
        advance();
        if (s == '"') {
          closed = true;
          break;
        }
        if (s == '\\' && pos < buffer.size() && buffer[pos] != '\n')
          advance();
      }
      if (!closed) {
        diags.error(Location{fileName, tokLine, tokCol},
                    "unterminated string literal");
        continue;
      }
      return make(Tok::String, begin, tokLine, tokCol, atStart);
    }

    Tok kind;
    advance();
    switch (c) {
    case '(':
      kind = Tok::LParen;
      break;
    case ')':
      kind = Tok::RParen;
      break;
    case '[':
      kind = Tok::LBracket;
      break;
    case ']':
      kind = Tok::RBracket;
      break;
    case '{':
      kind = Tok::LBrace;
      break;
    case '}':
      kind = Tok::RBrace;
      break;
    case ',':
      kind = Tok::Comma;
      break;
    case ';':
      kind = Tok::Semicolon;
      break;
    case ':':
      kind = Tok::Colon;
      break;
    case '=':
      kind = Tok::Equal;
      break;
    case '+':
      kind = Tok::Plus;
      break;
    case '*':
      kind = Tok::Star;
      break;
    case '-':
      if (peekChar() == '>' && pos < buffer.size()) {
        advance();
        kind = Tok::Arrow;
      } else {
        kind = Tok::Minus;
      }
      break;
    default: {
      unsigned char u = static_cast<unsigned char>(c);
      // Swallow a whole run of non-ASCII bytes: one error per run.
      if (u >= 0x80)
        while (pos < buffer.size() &&
               static_cast<unsigned char>(buffer[pos]) >= 0x80)
          advance();
      std::string shown;
      if (u >= 0x21 && u < 0x7F)
        shown = std::string("'") + c + "'";
      else if (u >= 0x80)
        shown = "non-ASCII text";
      else {
        static const char hex[] = "0123456789abcdef";
        shown = std::string("'\\x") + hex[u >> 4] + hex[u & 15] + "'";
      }
      diags.error(Location{fileName, tokLine, tokCol},
                  "unexpected character " + shown);
      continue;
    }
    }
    return make(kind, begin, tokLine, tokCol, atStart);
  }
}
