//===- nnc/Frontend/Parser.h - Parser of the .nn language -------*- C++ -*-===//
//
// A recursive-descent parser (after the MLIR Toy tutorial) that builds the
// AST of a .nn file. It reports syntax errors with locations, recovers at the
// next statement (a line starting with `input`, `output`, `target`, a binding
// `name =`, or a `}`) so that several errors are reported in one run, and
// bounds expression nesting so that no input can overflow the stack. The
// grammar is written down in docs/language.md.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_PARSER_H
#define NNC_FRONTEND_PARSER_H

#include "nnc/Frontend/AST.h"
#include "nnc/Frontend/Lexer.h"

#include <optional>

namespace nnc {

/// Parses one buffer. Check DiagnosticEngine::hasErrors() after parsing: the
/// returned tree is then partial.
class Parser {
public:
  /// Deepest expression nesting accepted (parentheses, calls, operators).
  static constexpr unsigned kMaxDepth = 200;

  Parser(Lexer &lexer, DiagnosticEngine &diags);

  /// Parses a whole file. Never returns null.
  std::unique_ptr<ModuleAST> parseModule(std::shared_ptr<std::string> file);
  /// Parses a single expression followed by the end of the buffer (used for
  /// builtin defaults); null on error.
  ExprPtr parseStandaloneExpression();

private:
  // Token handling.
  void consume();
  const Token &peek();
  bool consumeIf(Tok kind);
  bool expect(Tok kind, llvm::StringRef context);
  void errorHere(const llvm::Twine &message);
  bool stop() const { return diags.reachedLimit(); }

  // Declarations.
  std::unique_ptr<ModelAST> parseModel(ModelAST::Kind kind);
  std::unique_ptr<TrainAST> parseTrain();
  bool parseBodyStatement(ModelAST &model);
  bool parseTrainStatement(TrainAST &train);
  bool parseInputDecl(InputDeclAST &decl, llvm::StringRef what);
  bool parseTensorType(TensorTypeAST &type);
  void recoverToStatement();
  void recoverToDeclaration();

  // Expressions.
  ExprPtr parseExpression();
  /// `[expr, ...]`, the value of a train option (`metrics = [f1, mae]`).
  ExprPtr parseList();
  ExprPtr parseArith();
  ExprPtr parseTerm();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parseNumber(bool negate, const Location &loc);
  std::unique_ptr<CallExprAST> parseCall(bool allowBare);
  bool parseArgs(std::vector<ArgAST> &args);
  bool checkDepth(ExprAST &expr);

  Lexer &lexer;
  DiagnosticEngine &diags;
  Token tok;
  std::optional<Token> lookahead;
  unsigned nesting = 0;
  uint64_t consumed = 0;
};

/// Lexes and parses `buffer` as the file `fileName` (registering the buffer
/// with `diags` for source quotes).
std::unique_ptr<ModuleAST> parseBuffer(llvm::StringRef buffer,
                                       llvm::StringRef fileName,
                                       DiagnosticEngine &diags);

} // namespace nnc

#endif // NNC_FRONTEND_PARSER_H
