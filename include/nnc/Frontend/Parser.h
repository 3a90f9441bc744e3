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

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

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
  /// Consumes `name =` when it comes next (its name and location into
  /// `name` and `nameLoc`); false, consuming nothing, otherwise.
  bool consumeNameEquals(std::string &name, Location &nameLoc);

  // Declarations.
  std::unique_ptr<ModelAST> parseModel(ModelAST::Kind kind);
  std::unique_ptr<TrainAST> parseTrain();
  /// The name after `model`, `block` or `train` into `name` and `nameLoc`;
  /// otherwise reports `expected` (", found ..." appended), skips to the
  /// next declaration and returns false.
  bool parseDeclName(const llvm::Twine &expected, std::string &name,
                     Location &nameLoc);
  bool parseBodyStatement(ModelAST &model);
  bool parseTrainStatement(TrainAST &train);
  /// Parses the statements of a body opened by the '{' at `open` up to its
  /// '}', skipping to the next statement after each error; reports
  /// `unclosed` (with `openNote` at `open`) when the '}' is missing.
  void parseBodyStatements(llvm::function_ref<bool()> parseStatement,
                           const Location &open, const llvm::Twine &unclosed,
                           llvm::StringRef openNote);
  /// `input name: type` or `target name: type`, appended to `decls`.
  bool parseInputDecl(std::vector<InputDeclAST> &decls, llvm::StringRef what);
  bool parseTensorType(TensorTypeAST &type);
  void recoverToStatement();
  void recoverToDeclaration();

  // Expressions.
  ExprPtr parseExpression();
  /// `[expr, ...]`, the value of a train option (`metrics = [f1, mae]`).
  ExprPtr parseList();
  ExprPtr parseArith();
  /// `operand (op operand)*`, left-associative, for the operators `ops`
  /// (each token with the operator character it stands for).
  ExprPtr parseLeftAssociative(ExprPtr (Parser::*parseOperand)(),
                               llvm::ArrayRef<std::pair<Tok, char>> ops);
  ExprPtr parseTerm();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parseNumber(bool negate, const Location &loc);
  std::unique_ptr<CallExprAST> parseCall(bool allowBare);
  bool parseArgs(std::vector<ArgAST> &args);
  /// The value after `name =` of an argument or a train option: an
  /// expression or a `[...]` list.
  ExprPtr parseArgValue();
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
