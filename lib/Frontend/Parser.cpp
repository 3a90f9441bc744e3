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

#include <algorithm>
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

bool Parser::expect(Tok kind, llvm::StringRef context) {
  if (consumeIf(kind))
    return true;
  errorHere("expected " + tokName(kind) + " " + context + ", found " +
            describeToken(tok));
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
      errorHere("expected 'model', 'block' or 'train', found " +
                describeToken(tok));
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
  if (!parseDeclName(llvm::Twine("expected a ") + what + " name", model->name,
                     model->nameLoc))
    return nullptr;

  if (kind == ModelAST::Block && tok.kind == Tok::LParen) {
    consume();
    while (tok.kind != Tok::RParen) {
      ParamAST param;
      param.loc = tok.loc;
      if (tok.kind != Tok::Ident) {
        errorHere("expected a parameter name, found " + describeToken(tok));
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
  if (!expect(Tok::LBrace,
              (llvm::Twine("to open the ") + what + " body").str())) {
    recoverToDeclaration();
    return nullptr;
  }
  parseBodyStatements([&] { return parseBodyStatement(*model); }, open,
                      llvm::Twine("expected '}' to close ") + what + " '" +
                          model->name + "'",
                      "the body opens here");
  return model;
}

void Parser::parseBodyStatements(llvm::function_ref<bool()> parseStatement,
                                 const Location &open,
                                 const llvm::Twine &unclosed,
                                 llvm::StringRef openNote) {
  while (tok.kind != Tok::RBrace && tok.kind != Tok::Eof && !stop()) {
    uint64_t before = consumed;
    if (!parseStatement()) {
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
      errorHere(unclosed);
      diags.note(open, openNote);
    }
    return;
  }
  consume();
}

bool Parser::parseBodyStatement(ModelAST &model) {
  StmtAST stmt;
  stmt.loc = tok.loc;
  if (tok.kind == Tok::KwInput)
    return parseInputDecl(model.inputs, "input");
  if (tok.kind == Tok::KwOutput) {
    // `output expr` or `output name = expr`.
    stmt.kind = StmtAST::Output;
    consume();
    consumeNameEquals(stmt.name, stmt.nameLoc);
  } else if (consumeNameEquals(stmt.name, stmt.nameLoc)) {
    stmt.kind = StmtAST::Binding;
  } else {
    errorHere("expected 'input', 'output' or a binding 'name = ...', found " +
              describeToken(tok));
    return false;
  }
  stmt.value = parseExpression();
  if (!stmt.value)
    return false;
  model.body.push_back(std::move(stmt));
  return true;
}

bool Parser::consumeNameEquals(std::string &name, Location &nameLoc) {
  if (tok.kind != Tok::Ident || peek().kind != Tok::Equal)
    return false;
  name = tok.text.str();
  nameLoc = tok.loc;
  consume();
  consume();
  return true;
}

bool Parser::parseInputDecl(std::vector<InputDeclAST> &decls,
                            llvm::StringRef what) {
  InputDeclAST decl;
  decl.loc = tok.loc;
  consume(); // 'input' or 'target'
  if (tok.kind != Tok::Ident) {
    errorHere("expected the " + what + " name, found " + describeToken(tok));
    return false;
  }
  decl.name = tok.text.str();
  decl.nameLoc = tok.loc;
  consume();
  if (!expect(Tok::Colon, ("before the " + what + " type").str()) ||
      !parseTensorType(decl.type))
    return false;
  decls.push_back(std::move(decl));
  return true;
}

bool Parser::parseTensorType(TensorTypeAST &type) {
  type.loc = tok.loc;
  if (tok.kind != Tok::Ident) {
    errorHere("expected an element type such as f32, found " +
              describeToken(tok));
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
        errorHere("dimension " + describeToken(tok) + " is too large");
        return false;
      }
      dim.value = static_cast<int64_t>(value);
    } else if (tok.kind == Tok::Ident) {
      dim.isSymbol = true;
      dim.symbol = tok.text.str();
    } else {
      errorHere("expected a dimension (an integer or a name), found " +
                describeToken(tok));
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

bool Parser::parseDeclName(const llvm::Twine &expected, std::string &name,
                           Location &nameLoc) {
  if (tok.kind != Tok::Ident) {
    errorHere(expected + ", found " + describeToken(tok));
    recoverToDeclaration();
    return false;
  }
  name = tok.text.str();
  nameLoc = tok.loc;
  consume();
  return true;
}

std::unique_ptr<TrainAST> Parser::parseTrain() {
  auto train = std::make_unique<TrainAST>();
  train->loc = tok.loc;
  consume(); // 'train'
  if (!parseDeclName("expected the name of the model to train",
                     train->modelName, train->modelNameLoc))
    return nullptr;
  Location open = tok.loc;
  if (!expect(Tok::LBrace, "to open the train section")) {
    recoverToDeclaration();
    return nullptr;
  }
  parseBodyStatements([&] { return parseTrainStatement(*train); }, open,
                      "expected '}' to close the train section",
                      "the section opens here");
  return train;
}

bool Parser::parseTrainStatement(TrainAST &train) {
  if (tok.kind == Tok::KwTarget)
    return parseInputDecl(train.targets, "target");
  OptionAST option;
  if (consumeNameEquals(option.name, option.loc)) {
    option.value = parseArgValue();
    if (!option.value)
      return false;
    train.options.push_back(std::move(option));
    return true;
  }
  errorHere("expected 'target' or an option 'name = ...', found " +
            describeToken(tok));
  return false;
}

ExprPtr Parser::parseList() {
  Location loc = tok.loc;
  consume(); // '['
  std::vector<ExprPtr> elements;
  unsigned depth = 0;
  while (tok.kind != Tok::RBracket) {
    ExprPtr element = parseExpression();
    if (!element)
      return nullptr;
    depth = std::max(depth, element->depth);
    elements.push_back(std::move(element));
    if (tok.kind != Tok::Comma)
      break;
    consume();
  }
  if (!expect(Tok::RBracket, "to close the list"))
    return nullptr;
  auto list = std::make_unique<ListExprAST>(loc, std::move(elements));
  list->depth = depth + 1;
  return list;
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
