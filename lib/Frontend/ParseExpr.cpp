//===- ParseExpr.cpp - Expressions of the .nn parser ----------------------===//
//
// The expression half of the recursive-descent parser: pipelines, sums,
// products, unary minus, literals (with range checks), strings, calls and
// their arguments. Nesting is counted on the way down and every node records
// its depth, so hostile inputs end in a clear error, not a stack overflow.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Parser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"

#include <cmath>
#include <cstdlib>

using namespace nnc;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool Parser::checkDepth(ExprAST &expr) {
  if (expr.depth <= kMaxDepth)
    return true;
  diags.error(expr.loc(), "expression is nested too deeply (more than " +
                              llvm::Twine(kMaxDepth) + " levels)");
  return false;
}

namespace {
/// Counts one level of recursion for the lifetime of the object.
struct NestingScope {
  unsigned &nesting;
  explicit NestingScope(unsigned &nesting) : nesting(nesting) { ++nesting; }
  ~NestingScope() { --nesting; }
};
} // namespace

ExprPtr Parser::parseStandaloneExpression() {
  ExprPtr expr = parseExpression();
  if (expr && tok.kind != Tok::Eof) {
    errorHere("unexpected " + describeToken(tok) + " after the expression");
    return nullptr;
  }
  return expr;
}

ExprPtr Parser::parseExpression() {
  NestingScope scope(nesting);
  if (nesting > kMaxDepth) {
    errorHere("expression is nested too deeply (more than " +
              llvm::Twine(kMaxDepth) + " levels)");
    return nullptr;
  }
  ExprPtr input = parseArith();
  if (!input || tok.kind != Tok::Arrow)
    return input;
  Location loc = input->loc();
  unsigned depth = input->depth;
  std::vector<std::unique_ptr<CallExprAST>> stages;
  while (consumeIf(Tok::Arrow)) {
    if (tok.kind != Tok::Ident) {
      errorHere("expected a layer name after '->', found " +
                describeToken(tok));
      return nullptr;
    }
    auto stage = parseCall(/*allowBare=*/true);
    if (!stage)
      return nullptr;
    depth = std::max(depth, stage->depth);
    stages.push_back(std::move(stage));
  }
  auto pipe =
      std::make_unique<PipeExprAST>(loc, std::move(input), std::move(stages));
  pipe->depth = depth + 1;
  if (!checkDepth(*pipe))
    return nullptr;
  return pipe;
}

ExprPtr Parser::parseArith() {
  return parseLeftAssociative(&Parser::parseTerm,
                              {{Tok::Plus, '+'}, {Tok::Minus, '-'}});
}

ExprPtr Parser::parseTerm() {
  return parseLeftAssociative(&Parser::parseUnary, {{Tok::Star, '*'}});
}

ExprPtr Parser::parseLeftAssociative(ExprPtr (Parser::*parseOperand)(),
                                     llvm::ArrayRef<std::pair<Tok, char>> ops) {
  ExprPtr lhs = (this->*parseOperand)();
  while (lhs) {
    const auto *op = llvm::find_if(ops, [&](const std::pair<Tok, char> &o) {
      return o.first == tok.kind;
    });
    if (op == ops.end())
      break;
    Location loc = tok.loc;
    consume();
    ExprPtr rhs = (this->*parseOperand)();
    if (!rhs)
      return nullptr;
    unsigned depth = std::max(lhs->depth, rhs->depth) + 1;
    lhs = std::make_unique<BinaryExprAST>(loc, op->second, std::move(lhs),
                                          std::move(rhs));
    lhs->depth = depth;
    if (!checkDepth(*lhs))
      return nullptr;
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  // Collect the minus signs iteratively: `- - - x` needs no recursion.
  std::vector<Location> minuses;
  while (tok.kind == Tok::Minus) {
    minuses.push_back(tok.loc);
    consume();
    if (minuses.size() > kMaxDepth) {
      diags.error(minuses.front(), "expression is nested too deeply (more "
                                   "than " +
                                       llvm::Twine(kMaxDepth) + " levels)");
      return nullptr;
    }
  }
  ExprPtr operand;
  if (!minuses.empty() && (tok.kind == Tok::Int || tok.kind == Tok::Float)) {
    operand = parseNumber(/*negate=*/true, minuses.back());
    minuses.pop_back();
  } else {
    operand = parsePrimary();
  }
  while (operand && !minuses.empty()) {
    unsigned depth = operand->depth + 1;
    operand =
        std::make_unique<UnaryExprAST>(minuses.back(), '-', std::move(operand));
    operand->depth = depth;
    minuses.pop_back();
  }
  return operand;
}

ExprPtr Parser::parseNumber(bool negate, const Location &loc) {
  llvm::StringRef text = tok.text;
  std::string spelling = (negate ? "-" : "") + text.str();
  std::string shown =
      spelling.size() > 40 ? spelling.substr(0, 40) + "..." : spelling;
  if (tok.kind == Tok::Int) {
    uint64_t magnitude = 0;
    const uint64_t limit =
        negate ? (1ull << 63) : static_cast<uint64_t>(INT64_MAX);
    if (text.getAsInteger(10, magnitude) || magnitude > limit) {
      diags.error(loc, "integer literal " + shown + " is out of range");
      consume();
      return nullptr;
    }
    int64_t value = negate ? static_cast<int64_t>(0 - magnitude)
                           : static_cast<int64_t>(magnitude);
    consume();
    return std::make_unique<NumberExprAST>(
        loc, true, value, static_cast<double>(value), spelling);
  }
  double value = std::strtod(spelling.c_str(), nullptr);
  if (!std::isfinite(value)) {
    diags.error(loc, "floating-point literal " + shown + " is out of range");
    consume();
    return nullptr;
  }
  consume();
  return std::make_unique<NumberExprAST>(loc, false, 0, value, spelling);
}

/// Decodes the escapes of a string token; reports bad escapes and invalid
/// UTF-8 at `loc`.
static bool decodeString(llvm::StringRef text, const Location &loc,
                         DiagnosticEngine &diags, std::string &out) {
  text = text.drop_front().drop_back(); // quotes
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = ++i < text.size() ? text[i] : '\0';
    switch (e) {
    case '"':
    case '\\':
      out += e;
      break;
    case 'n':
      out += '\n';
      break;
    case 't':
      out += '\t';
      break;
    default:
      diags.error(loc, "unknown escape sequence in string literal");
      return false;
    }
  }
  const auto *data = reinterpret_cast<const llvm::UTF8 *>(out.data());
  if (!llvm::isLegalUTF8String(&data, data + out.size())) {
    diags.error(loc, "string literal is not valid UTF-8");
    return false;
  }
  if (out.find('\0') != std::string::npos) {
    diags.error(loc, "string literal contains a NUL character");
    return false;
  }
  return true;
}

ExprPtr Parser::parsePrimary() {
  Location loc = tok.loc;
  switch (tok.kind) {
  case Tok::Int:
  case Tok::Float:
    return parseNumber(/*negate=*/false, loc);
  case Tok::String: {
    std::string value;
    bool ok = decodeString(tok.text, loc, diags, value);
    consume();
    if (!ok)
      return nullptr;
    return std::make_unique<StringExprAST>(loc, std::move(value));
  }
  case Tok::KwTrue:
  case Tok::KwFalse: {
    bool value = tok.kind == Tok::KwTrue;
    consume();
    return std::make_unique<BoolExprAST>(loc, value);
  }
  case Tok::Ident: {
    if (peek().kind == Tok::LParen)
      return parseCall(/*allowBare=*/false);
    std::string name = tok.text.str();
    consume();
    return std::make_unique<IdentExprAST>(loc, std::move(name));
  }
  case Tok::LParen: {
    consume();
    ExprPtr inner = parseExpression();
    if (!inner)
      return nullptr;
    if (!expect(Tok::RParen, "to close the parenthesis"))
      return nullptr;
    return inner;
  }
  default:
    errorHere("expected an expression, found " + describeToken(tok));
    return nullptr;
  }
}

std::unique_ptr<CallExprAST> Parser::parseCall(bool allowBare) {
  Location loc = tok.loc;
  std::string callee = tok.text.str();
  consume(); // name
  std::vector<ArgAST> args;
  bool hasParens = tok.kind == Tok::LParen;
  if (!hasParens && !allowBare) {
    errorHere("expected '(' after '" + callee + "'");
    return nullptr;
  }
  if (hasParens && !parseArgs(args))
    return nullptr;
  auto call = std::make_unique<CallExprAST>(loc, std::move(callee),
                                            std::move(args), hasParens);
  unsigned depth = 0;
  for (const ArgAST &arg : call->args)
    depth = std::max(depth, arg.value->depth);
  call->depth = depth + 1;
  if (!checkDepth(*call))
    return nullptr;
  return call;
}

ExprPtr Parser::parseArgValue() {
  // A `[...]` list is an argument value only (`pad = [1, 0, 1, 0]`).
  return tok.kind == Tok::LBracket ? parseList() : parseExpression();
}

bool Parser::parseArgs(std::vector<ArgAST> &args) {
  consume(); // '('
  while (tok.kind != Tok::RParen) {
    ArgAST arg;
    // `name = value` or a positional value, located at its first token.
    arg.loc = tok.loc;
    consumeNameEquals(arg.name, arg.loc);
    arg.value = parseArgValue();
    if (!arg.value)
      return false;
    args.push_back(std::move(arg));
    if (!consumeIf(Tok::Comma))
      break;
  }
  return expect(Tok::RParen, "to close the argument list");
}
