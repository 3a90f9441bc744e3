//===- Builtins.cpp - The table of every built-in of the .nn language -----===//
//
// The table of the rows (nnc/Frontend/Builtins.h), concatenated from the
// family files of lib/Frontend/Builtins/ in a fixed order, the lookups, and
// the options of a train section. Sema interprets the rows' signatures,
// MLIRGen calls their emitters; docs/language.md lists the same entries
// (test/Frontend/builtins-doc.test keeps the two in sync). Adding a builtin
// to the language is adding one row to its family file (plus its op in the
// dialect); docs/mlirgen.md, "Adding a builtin".
//
//===----------------------------------------------------------------------===//

#include "Builtins/Rows.h"

using namespace nnc;
using namespace nnc::rows;

ParamSpec ParamSpec::range(double low, double high, bool lowOpen,
                           bool highOpen) const {
  ParamSpec p = *this;
  p.lo = low;
  p.hi = high;
  p.loOpen = lowOpen;
  p.hiOpen = highOpen;
  return p;
}

ParamSpec ParamSpec::oneOf(std::vector<std::string> names) const {
  ParamSpec p = *this;
  p.types |= PT_Ident;
  p.idents = std::move(names);
  return p;
}

ParamSpec ParamSpec::call(BuiltinKind kind) const {
  ParamSpec p = *this;
  p.types |= PT_Call;
  p.callKind = kind;
  return p;
}

ParamSpec ParamSpec::many() const {
  ParamSpec p = *this;
  p.variadic = true;
  return p;
}

ParamSpec ParamSpec::listOf() const {
  ParamSpec p = *this;
  p.list = true;
  return p;
}

ParamSpec ParamSpec::perSide(std::vector<std::string> names) const {
  ParamSpec p = *this;
  p.sides = std::move(names);
  return p;
}

const ParamSpec *BuiltinSpec::findParam(llvm::StringRef name) const {
  for (const ParamSpec &p : params)
    if (p.name == name)
      return &p;
  return nullptr;
}

namespace {
std::vector<BuiltinSpec> buildTable() {
  std::vector<BuiltinSpec> table;
  for (std::vector<BuiltinSpec> (*family)() :
       {rows::denseConvPool, rows::norms, rows::sequence, rows::recurrent,
        rows::attention, rows::tensorOps, rows::functions, rows::activations,
        rows::losses, rows::training})
    for (BuiltinSpec &spec : family())
      table.push_back(std::move(spec));
  return table;
}
} // namespace

llvm::ArrayRef<BuiltinSpec> nnc::getBuiltins() {
  static const std::vector<BuiltinSpec> table = buildTable();
  return table;
}

const BuiltinSpec &nnc::getTrainSpec() {
  static const BuiltinSpec spec = {
      "train",
      BuiltinKind::Section,
      0,
      {param("data", 0, "?").call(BuiltinKind::Data), param("loss", PT_Loss),
       param("optimizer", 0, "sgd").call(BuiltinKind::Optimizer),
       param("schedule", 0, "constant").call(BuiltinKind::Schedule),
       count("batch", "32"), count("epochs", "10"),
       param("early_stop", 0, "?").call(BuiltinKind::EarlyStop),
       fraction("validation", "0.0"),
       param("test", 0, "?").call(BuiltinKind::Data), flag("shuffle", "true"),
       flag("sync_batchnorm", "false"),
       param("seed", PT_Int, "0").range(0, 9.2e18),
       nonNegative("clip_norm", "0.0"),
       param("save_every", PT_Int, "0").range(0, 1e9),
       param("metrics", PT_Ident, "?")
           .oneOf({"accuracy", "precision", "recall", "f1", "confusion", "mae",
                   "rmse"})
           .listOf()},
      "the options of a train section"};
  return spec;
}

const BuiltinSpec *nnc::lookupBuiltin(llvm::StringRef name, BuiltinKind kind) {
  for (const BuiltinSpec &spec : getBuiltins())
    if (spec.kind == kind && spec.name == name)
      return &spec;
  return nullptr;
}

const BuiltinSpec *nnc::lookupBuiltinByUsage(llvm::StringRef name,
                                             unsigned usage) {
  for (const BuiltinSpec &spec : getBuiltins())
    if ((spec.usage & usage) && spec.name == name)
      return &spec;
  return nullptr;
}
