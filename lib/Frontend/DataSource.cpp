//===- DataSource.cpp - Data sources from the command line ----------------===//
//
// Reads `--data 'csv("f.csv", label = first)'` with the front end's lexer,
// parser and Sema (as the value of the train section's `data` option), then
// builds the recipe attribute MLIRGen would build for it and writes it with
// the recipe's one JSON writer (nn::writeRecipeJson).
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/DataSource.h"

#include "MLIRGenImpl.h"
#include "SemaImpl.h"
#include "nnc/Dialect/NN/NNRecipeJson.h"
#include "nnc/Frontend/Lexer.h"
#include "nnc/Frontend/Parser.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

using namespace nnc;

bool nnc::isDataSourceSyntax(llvm::StringRef text) {
  llvm::StringRef t = text.trim();
  if (t.empty() || t.starts_with("{"))
    return false;
  // A bare word is a data source without arguments (`spiral`); a word with
  // a path separator or a dot and no parenthesis is a path.
  return t.contains('(') || (!t.contains('/') && !t.contains('.'));
}

std::optional<std::string> nnc::dataSourceJson(llvm::StringRef option,
                                               llvm::StringRef text,
                                               DiagnosticEngine &diags) {
  auto file = std::make_shared<std::string>(option.str());
  diags.addSource(option, text);
  unsigned errorsBefore = diags.getNumErrors();
  Lexer lexer(text, file, diags);
  Parser parser(lexer, diags);
  ExprPtr expr = parser.parseStandaloneExpression();
  if (!expr || diags.getNumErrors() != errorsBefore)
    return std::nullopt;

  const ParamSpec *param = getTrainSpec().findParam("data");
  ModuleAST module;
  detail::SemaImpl sema(module, diags);
  if (!param || !sema.checkOptionValue(expr, *param))
    return std::nullopt;

  mlir::MLIRContext context;
  mlir::Builder builder(&context);
  mlir::Attribute attr = detail::recipeValue(builder, *expr, param);
  std::string json;
  llvm::raw_string_ostream os(json);
  mlir::nn::writeRecipeJson(os, attr);
  return json;
}
