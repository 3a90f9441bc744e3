//===- Parser.cpp - Parser of the .nn language ----------------------------===//
//
// Recursive descent over the token stream, one function per grammar rule of
// docs/language.md. Errors are reported at the offending token; declarations
// and statements resynchronise on the next line that starts a statement, so
// independent mistakes are all reported. Nesting is counted on the way down
// and every built node records its depth, so hostile inputs (100k open
// parentheses, endless operator chains) end in a clear error, not a crash.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/Parser.h"

#include "llvm/Support/ConvertUTF.h"

#include <cmath>
#include <cstdlib>

using namespace nnc;

Parser::Parser(Lexer &lexer, DiagnosticEngine &diags)
    : lexer(lexer), diags(diags) {
  tok = lexer.next();
}

void Parser::consume() {
  ++consumed;
  if (lookahead) {
    tok = std::move(*lookahead);
    lookahead.reset();
  } else {
    tok = lexer.next();
  }
}

const Token &Parser::peek() {
  if (!lookahead)
    lookahead = lexer.next();
  return *lookahead;
}

bool Parser::consumeIf(Tok kind) {
  if (tok.kind != kind)
    return false;
  consume();
  return true;
}

void Parser::errorHere(const llvm::Twine &message) {
  diags.error(tok.loc, message);
}

/// Describes the current token for "expected X, found Y" messages.
static std::string describe(const Token &tok) {
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

bool Parser::expect(Tok kind, llvm::StringRef context) {
  if (consumeIf(kind))
    return true;
  errorHere("expected " + tokName(kind) + " " + context + ", found " +
            describe(tok));
  return false;
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

std::unique_ptr<ModuleAST>
Parser::parseModule(std::shared_ptr<std::string> file) {
  auto module = std::make_unique<ModuleAST>();
  module->file = std::move(file);
  while (tok.kind != Tok::Eof && !stop()) {
    switch (tok.kind) {
    case Tok::KwModel:
      if (auto m = parseModel(ModelAST::Model))
        module->models.push_back(std::move(m));
      break;
    case Tok::KwBlock:
      if (auto m = parseModel(ModelAST::Block))
        module->models.push_back(std::move(m));
      break;
    case Tok::KwTrain:
      if (auto t = parseTrain())
        module->trains.push_back(std::move(t));
      break;
    default:
      errorHere("expected 'model', 'block' or 'train', found " + describe(tok));
      consume();
      recoverToDeclaration();
      break;
    }
  }
  return module;
}

void Parser::recoverToDeclaration() {
  while (tok.kind != Tok::Eof && tok.kind != Tok::KwModel &&
         tok.kind != Tok::KwBlock && tok.kind != Tok::KwTrain)
    consume();
}

void Parser::recoverToStatement() {
  unsigned balance = 0;
  uint64_t start = consumed;
  while (tok.kind != Tok::Eof) {
    switch (tok.kind) {
    case Tok::KwModel:
    case Tok::KwBlock:
    case Tok::KwTrain:
      return;
    case Tok::LParen:
    case Tok::LBracket:
    case Tok::LBrace:
      ++balance;
      break;
    case Tok::RBrace:
      if (balance == 0)
        return;
      --balance;
      break;
    case Tok::RParen:
    case Tok::RBracket:
      if (balance)
        --balance;
      break;
    default:
      break;
    }
    // A new line starting a statement ends the damaged one.
    if (tok.atLineStart && consumed != start &&
        (tok.kind == Tok::KwInput || tok.kind == Tok::KwOutput ||
         tok.kind == Tok::KwTarget ||
         (tok.kind == Tok::Ident && peek().kind == Tok::Equal)))
      return;
    consume();
  }
}

std::unique_ptr<ModelAST> Parser::parseModel(ModelAST::Kind kind) {
  auto model = std::make_unique<ModelAST>();
  model->kind = kind;
  model->loc = tok.loc;
  const char *what = kind == ModelAST::Block ? "block" : "model";
  consume(); // 'model' or 'block'
  if (tok.kind != Tok::Ident) {
    errorHere(llvm::Twine("expected a ") + what + " name, found " +
              describe(tok));
    recoverToDeclaration();
    return nullptr;
  }
  model->name = tok.text.str();
  model->nameLoc = tok.loc;
  consume();

  if (kind == ModelAST::Block && tok.kind == Tok::LParen) {
    consume();
    while (tok.kind != Tok::RParen) {
      ParamAST param;
      param.loc = tok.loc;
      if (tok.kind != Tok::Ident) {
        errorHere("expected a parameter name, found " + describe(tok));
        recoverToDeclaration();
        return nullptr;
      }
      param.name = tok.text.str();
      consume();
      if (consumeIf(Tok::Equal)) {
        param.defaultValue = parseExpression();
        if (!param.defaultValue) {
          recoverToDeclaration();
          return nullptr;
        }
      }
      model->params.push_back(std::move(param));
      if (!consumeIf(Tok::Comma))
        break;
    }
    if (!expect(Tok::RParen, "after the block parameters")) {
      recoverToDeclaration();
      return nullptr;
    }
  }
  Location open = tok.loc;
  if (!expect(Tok::LBrace, (llvm::Twine("to open the ") + what + " body").str())) {
    recoverToDeclaration();
    return nullptr;
  }
  while (tok.kind != Tok::RBrace && tok.kind != Tok::Eof && !stop()) {
    uint64_t before = consumed;
    if (!parseBodyStatement(*model)) {
      if (consumed == before)
        consume();
      recoverToStatement();
      continue;
    }
    while (consumeIf(Tok::Comma) || consumeIf(Tok::Semicolon)) {
    }
  }
  if (tok.kind != Tok::RBrace) {
    if (!stop()) {
      errorHere(llvm::Twine("expected '}' to close ") + what + " '" +
                model->name + "'");
      diags.note(open, "the body opens here");
    }
    return model;
  }
  consume();
  return model;
}

bool Parser::parseBodyStatement(ModelAST &model) {
  StmtAST stmt;
  stmt.loc = tok.loc;
  if (tok.kind == Tok::KwInput) {
    InputDeclAST decl;
    if (!parseInputDecl(decl, "input"))
      return false;
    model.inputs.push_back(std::move(decl));
    return true;
  }
  if (tok.kind == Tok::KwOutput) {
    stmt.kind = StmtAST::Output;
    consume();
    if (tok.kind == Tok::Ident && peek().kind == Tok::Equal) {
      stmt.name = tok.text.str();
      stmt.nameLoc = tok.loc;
      consume();
      consume();
    }
    stmt.value = parseExpression();
    if (!stmt.value)
      return false;
    model.body.push_back(std::move(stmt));
    return true;
  }
  if (tok.kind == Tok::Ident && peek().kind == Tok::Equal) {
    stmt.kind = StmtAST::Binding;
    stmt.name = tok.text.str();
    stmt.nameLoc = tok.loc;
    consume();
    consume();
    stmt.value = parseExpression();
    if (!stmt.value)
      return false;
    model.body.push_back(std::move(stmt));
    return true;
  }
  errorHere("expected 'input', 'output' or a binding 'name = ...', found " +
            describe(tok));
  return false;
}

bool Parser::parseInputDecl(InputDeclAST &decl, llvm::StringRef what) {
  decl.loc = tok.loc;
  consume(); // 'input' or 'target'
  if (tok.kind != Tok::Ident) {
    errorHere("expected the " + what + " name, found " + describe(tok));
    return false;
  }
  decl.name = tok.text.str();
  decl.nameLoc = tok.loc;
  consume();
  if (!expect(Tok::Colon, ("before the " + what + " type").str()))
    return false;
  return parseTensorType(decl.type);
}

bool Parser::parseTensorType(TensorTypeAST &type) {
  type.loc = tok.loc;
  if (tok.kind != Tok::Ident) {
    errorHere("expected an element type such as f32, found " + describe(tok));
    return false;
  }
  type.dtype = tok.text.str();
  consume();
  if (!expect(Tok::LBracket, "before the dimensions"))
    return false;
  while (true) {
    DimAST dim;
    dim.loc = tok.loc;
    if (tok.kind == Tok::Int) {
      uint64_t value = 0;
      if (tok.text.getAsInteger(10, value) || value > (1ull << 40)) {
        errorHere("dimension " + describe(tok) + " is too large");
        return false;
      }
      dim.value = static_cast<int64_t>(value);
    } else if (tok.kind == Tok::Ident) {
      dim.isSymbol = true;
      dim.symbol = tok.text.str();
    } else {
      errorHere("expected a dimension (an integer or a name), found " +
                describe(tok));
      return false;
    }
    consume();
    type.dims.push_back(std::move(dim));
    if (type.dims.size() > 8) {
      diags.error(type.loc, "tensor types have at most 8 dimensions");
      return false;
    }
    if (!consumeIf(Tok::Comma))
      break;
  }
  return expect(Tok::RBracket, "after the dimensions");
}

std::unique_ptr<TrainAST> Parser::parseTrain() {
  auto train = std::make_unique<TrainAST>();
  train->loc = tok.loc;
  consume(); // 'train'
  if (tok.kind != Tok::Ident) {
    errorHere("expected the name of the model to train, found " +
              describe(tok));
    recoverToDeclaration();
    return nullptr;
  }
  train->modelName = tok.text.str();
  train->modelNameLoc = tok.loc;
  consume();
  Location open = tok.loc;
  if (!expect(Tok::LBrace, "to open the train section")) {
    recoverToDeclaration();
    return nullptr;
  }
  while (tok.kind != Tok::RBrace && tok.kind != Tok::Eof && !stop()) {
    uint64_t before = consumed;
    if (!parseTrainStatement(*train)) {
      if (consumed == before)
        consume();
      recoverToStatement();
      continue;
    }
    while (consumeIf(Tok::Comma) || consumeIf(Tok::Semicolon)) {
    }
  }
  if (tok.kind != Tok::RBrace) {
    if (!stop()) {
      errorHere("expected '}' to close the train section");
      diags.note(open, "the section opens here");
    }
    return train;
  }
  consume();
  return train;
}

bool Parser::parseTrainStatement(TrainAST &train) {
  if (tok.kind == Tok::KwTarget) {
    InputDeclAST decl;
    if (!parseInputDecl(decl, "target"))
      return false;
    train.targets.push_back(std::move(decl));
    return true;
  }
  if (tok.kind == Tok::Ident && peek().kind == Tok::Equal) {
    OptionAST option;
    option.loc = tok.loc;
    option.name = tok.text.str();
    consume();
    consume();
    option.value = parseExpression();
    if (!option.value)
      return false;
    train.options.push_back(std::move(option));
    return true;
  }
  errorHere("expected 'target' or an option 'name = ...', found " +
            describe(tok));
  return false;
}

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
    errorHere("unexpected " + describe(tok) + " after the expression");
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
      errorHere("expected a layer name after '->', found " + describe(tok));
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
  ExprPtr lhs = parseTerm();
  while (lhs && (tok.kind == Tok::Plus || tok.kind == Tok::Minus)) {
    char op = tok.kind == Tok::Plus ? '+' : '-';
    Location loc = tok.loc;
    consume();
    ExprPtr rhs = parseTerm();
    if (!rhs)
      return nullptr;
    unsigned depth = std::max(lhs->depth, rhs->depth) + 1;
    lhs = std::make_unique<BinaryExprAST>(loc, op, std::move(lhs),
                                          std::move(rhs));
    lhs->depth = depth;
    if (!checkDepth(*lhs))
      return nullptr;
  }
  return lhs;
}

ExprPtr Parser::parseTerm() {
  ExprPtr lhs = parseUnary();
  while (lhs && tok.kind == Tok::Star) {
    Location loc = tok.loc;
    consume();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    unsigned depth = std::max(lhs->depth, rhs->depth) + 1;
    lhs = std::make_unique<BinaryExprAST>(loc, '*', std::move(lhs),
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
    operand = std::make_unique<UnaryExprAST>(minuses.back(), '-',
                                             std::move(operand));
    operand->depth = depth;
    minuses.pop_back();
  }
  return operand;
}

ExprPtr Parser::parseNumber(bool negate, const Location &loc) {
  llvm::StringRef text = tok.text;
  std::string spelling = (negate ? "-" : "") + text.str();
  std::string shown = spelling.size() > 40 ? spelling.substr(0, 40) + "..."
                                           : spelling;
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
    return std::make_unique<NumberExprAST>(loc, true, value,
                                           static_cast<double>(value),
                                           spelling);
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
    errorHere("expected an expression, found " + describe(tok));
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

bool Parser::parseArgs(std::vector<ArgAST> &args) {
  consume(); // '('
  while (tok.kind != Tok::RParen) {
    ArgAST arg;
    arg.loc = tok.loc;
    if (tok.kind == Tok::Ident && peek().kind == Tok::Equal) {
      arg.name = tok.text.str();
      consume();
      consume();
    }
    arg.value = parseExpression();
    if (!arg.value)
      return false;
    args.push_back(std::move(arg));
    if (!consumeIf(Tok::Comma))
      break;
  }
  return expect(Tok::RParen, "to close the argument list");
}

std::unique_ptr<ModuleAST> nnc::parseBuffer(llvm::StringRef buffer,
                                            llvm::StringRef fileName,
                                            DiagnosticEngine &diags) {
  diags.addSource(fileName, buffer);
  auto file = std::make_shared<std::string>(fileName.str());
  Lexer lexer(buffer, file, diags);
  Parser parser(lexer, diags);
  return parser.parseModule(file);
}
