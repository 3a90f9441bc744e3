//===- SemaArgs.cpp - Argument normalisation and checking -----------------===//
//
// Turns the arguments of a call as written into the normalised list MLIRGen
// reads: one argument per parameter of the builtin table entry (or block),
// in table order, named, with defaults filled; then checks each value
// against the parameter's accepted types and numeric range.
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

#include <cmath>
#include <cstdio>

using namespace nnc;
using namespace nnc::detail;

static std::string expectedText(const ParamSpec &p) {
  std::vector<std::string> parts;
  // The plain types, in the order the message lists them.
  static const std::pair<unsigned, const char *> plainTypes[] = {
      {PT_Int, "an integer"},
      {PT_Float, "a number"},
      {PT_Dim, "a dimension (a positive integer or N)"},
      {PT_Bool, "true or false"},
      {PT_String, "a string"},
      {PT_Tensor, "a tensor"}};
  for (auto [type, text] : plainTypes)
    if (p.types & type)
      parts.push_back(text);
  if (p.types & PT_Call) {
    std::string names;
    for (const BuiltinSpec &spec : getBuiltins())
      if (spec.kind == p.callKind)
        names += (names.empty() ? "" : ", ") + spec.name;
    std::string kind = kindName(p.callKind).str();
    bool vowel = llvm::StringRef("aeiou").contains(kind[0]);
    parts.push_back((vowel ? "an " : "a ") + kind + " (" + names + ")");
  }
  if (p.types & PT_Ident) {
    std::string names;
    for (const std::string &name : p.idents)
      names += (names.empty() ? "" : ", ") + name;
    parts.push_back("one of: " + names);
  }
  std::string result;
  for (size_t i = 0; i < parts.size(); ++i)
    result += (i ? " or " : "") + parts[i];
  return result;
}

static std::string num(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", value);
  return buf;
}

bool SemaImpl::normaliseBuiltin(CallExprAST &call, const BuiltinSpec &spec,
                                Scope *scope) {
  call.builtinKind = spec.kind;
  call.spec = &spec;
  return normalise(call.callee, call.loc(), call.args, spec.params, scope);
}

bool SemaImpl::normalise(llvm::StringRef callee, const Location &loc,
                         std::vector<ArgAST> &args,
                         llvm::ArrayRef<ParamSpec> params, Scope *scope,
                         const ModelAST *block) {
  bool section = callee == "train section";
  std::string who = section ? "the train section" : "'" + callee.str() + "'";
  std::vector<ExprPtr> bound(params.size());
  std::vector<Location> boundLoc(params.size());
  std::vector<ExprPtr> rest; // values of a variadic parameter
  Location restLoc = loc;
  bool ok = true, sawNamed = false;
  size_t nextPos = 0;
  for (ArgAST &arg : args) {
    if (arg.name.empty()) {
      if (sawNamed) {
        diags.error(arg.loc, "positional argument after a named argument in "
                             "call to " +
                                 who);
        ok = false;
        continue;
      }
      if (nextPos < params.size() && params[nextPos].variadic) {
        if (rest.empty())
          restLoc = arg.loc;
        rest.push_back(std::move(arg.value));
        continue;
      }
      if (nextPos >= params.size()) {
        diags.error(arg.loc,
                    who + " takes " +
                        (params.empty()
                             ? std::string("no arguments")
                             : "at most " + std::to_string(params.size()) +
                                   " argument(s)"));
        ok = false;
        break;
      }
      boundLoc[nextPos] = arg.loc;
      bound[nextPos++] = std::move(arg.value);
      continue;
    }
    sawNamed = true;
    size_t idx = 0;
    while (idx < params.size() && params[idx].name != arg.name)
      ++idx;
    if (idx == params.size()) {
      std::vector<std::string> names;
      std::string list;
      for (const ParamSpec &p : params) {
        names.push_back(p.name);
        list += (list.empty() ? "" : ", ") + p.name;
      }
      diags.error(arg.loc,
                  (section ? "unknown train option '" + arg.name + "'"
                           : who + " has no parameter '" + arg.name + "'") +
                      suggest(arg.name, names) +
                      (list.empty() ? "" : "; expected one of: " + list));
      ok = false;
      continue;
    }
    if (bound[idx] || (params[idx].variadic && !rest.empty())) {
      diags.error(arg.loc, (section ? "option '" : "argument '") + arg.name +
                               "' of " + who + " is given twice");
      ok = false;
      continue;
    }
    if (params[idx].variadic) {
      restLoc = arg.loc;
      rest.push_back(std::move(arg.value));
    } else {
      boundLoc[idx] = arg.loc;
      bound[idx] = std::move(arg.value);
    }
  }

  std::vector<ArgAST> out;
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamSpec &p = params[i];
    ArgAST arg;
    arg.name = p.name;
    if (p.variadic) {
      if (rest.empty() && p.isRequired()) {
        diags.error(loc,
                    who + " needs at least one value for '" + p.name + "'");
        ok = false;
        continue;
      }
      arg.loc = restLoc;
      arg.value = std::make_unique<ListExprAST>(restLoc, std::move(rest));
    } else if (bound[i]) {
      arg.loc = boundLoc[i];
      arg.value = std::move(bound[i]);
    } else if (p.isRequired()) {
      diags.error(loc, section
                           ? "the train section needs '" + p.name + " = ...'"
                           : who + " requires argument '" + p.name + "'");
      ok = false;
      continue;
    } else if (p.isOptional()) {
      continue;
    } else {
      arg.loc = loc;
      arg.isDefault = true;
      if (block) {
        arg.value = cloneExpr(*block->params[i].defaultValue);
      } else if (p.defaultValue[0] == '=') {
        for (const ArgAST &prev : out)
          if (prev.name == p.defaultValue.substr(1))
            arg.value = cloneExpr(*prev.value);
      } else {
        arg.value = parseDefault(p.defaultValue, loc);
      }
      if (!arg.value) {
        ok = false;
        continue;
      }
    }
    if (!block && !checkValue(arg.value, p, callee, scope))
      ok = false;
    out.push_back(std::move(arg));
  }
  args = std::move(out);
  return ok;
}

bool SemaImpl::checkValue(ExprPtr &value, const ParamSpec &param,
                          llvm::StringRef callee, Scope *scope) {
  if (auto *list = llvm::dyn_cast<ListExprAST>(value.get());
      list && !param.sides.empty() && !param.variadic && !param.list) {
    std::string names;
    for (const std::string &side : param.sides)
      names += (names.empty() ? "" : ", ") + side;
    if (list->elements.size() != param.sides.size()) {
      diags.error(list->loc(),
                  "argument '" + param.name + "' of " + callee.str() +
                      " takes one value or a list [" + names + "] of " +
                      std::to_string(param.sides.size()) + " values, got " +
                      std::to_string(list->elements.size()));
      return false;
    }
    ParamSpec element = param;
    element.types &= ~PT_Ident; // `same` applies to all sides only
    bool ok = true;
    for (ExprPtr &e : list->elements)
      ok &= checkOneValue(e, element, callee, scope);
    return ok;
  }
  if (auto *list = llvm::dyn_cast<ListExprAST>(value.get())) {
    if (!param.variadic && !param.list) {
      diags.error(list->loc(),
                  (callee == "train section"
                       ? "option '" + param.name + "'"
                       : "argument '" + param.name + "' of " + callee.str()) +
                      " takes one value, not a list");
      return false;
    }
    bool ok = true;
    for (ExprPtr &element : list->elements)
      ok &= checkOneValue(element, param, callee, scope);
    return ok;
  }
  return checkOneValue(value, param, callee, scope);
}

bool SemaImpl::checkNumber(const NumberExprAST &number, const ParamSpec &p,
                           llvm::StringRef callee, const Location &loc) {
  std::string who = callee == "train section"
                        ? "option '" + p.name + "'"
                        : "argument '" + p.name + "' of " + callee.str();
  bool wantsInt = (p.types & (PT_Int | PT_Dim)) && !(p.types & PT_Float);
  if (!(p.types & (PT_Int | PT_Dim | PT_Float)) ||
      (wantsInt && !number.isInt)) {
    diags.error(loc, who + " must be " + expectedText(p) + ", got " +
                         describe(number));
    return false;
  }
  double v = number.floatValue;
  bool below = p.loOpen ? v <= p.lo : v < p.lo;
  bool above = p.hiOpen ? v >= p.hi : v > p.hi;
  if (!below && !above)
    return true;
  std::string range;
  if (std::isinf(p.hi) || p.hi >= 2147483647.0)
    range = (p.loOpen ? "> " : ">= ") + num(p.lo);
  else
    range = std::string("in ") + (p.loOpen ? "(" : "[") + num(p.lo) + ", " +
            num(p.hi) + (p.hiOpen ? ")" : "]");
  diags.error(loc, who + " must be " + range + ", got " + describe(number));
  return false;
}

bool SemaImpl::checkOneValue(ExprPtr &value, const ParamSpec &p,
                             llvm::StringRef callee, Scope *scope) {
  unsigned t = p.types;
  std::string who = callee == "train section"
                        ? "option '" + p.name + "'"
                        : "argument '" + p.name + "' of " + callee.str();
  auto fail = [&]() {
    diags.error(value->loc(), who + " must be " + expectedText(p) + ", got " +
                                  describe(*value));
    return false;
  };
  if (t & PT_Loss) {
    LossCat cat = checkLoss(value, *scope);
    if (cat == LossCat::Scalar)
      diags.error(value->loc(), "the loss must contain a loss function, as "
                                "in 'cross_entropy(logits, y)'");
    return cat == LossCat::Loss;
  }
  ExprAST *e = value.get();
  switch (e->getKind()) {
  case ExprAST::Expr_Number:
    return checkNumber(llvm::cast<NumberExprAST>(*e), p, callee, e->loc());
  case ExprAST::Expr_Bool:
    return (t & PT_Bool) ? true : fail();
  case ExprAST::Expr_String:
    return (t & PT_String) ? true : fail();
  case ExprAST::Expr_Ident: {
    auto &ident = llvm::cast<IdentExprAST>(*e);
    if (const Symbol *sym = scope ? scope->find(ident.name) : nullptr) {
      if (sym->ref == IdentExprAST::BlockParam &&
          (t & (PT_Int | PT_Float | PT_Bool | PT_Ident | PT_Dim | PT_String |
                PT_Call))) {
        ident.ref = sym->ref;
        ident.index = sym->index;
        if (currentBlock)
          paramUses[currentBlock][sym->index].push_back(
              {&p, callee.str(), ident.loc()});
        return true;
      }
      if (sym->scalar && (t & (PT_Int | PT_Float | PT_Dim))) {
        ident.ref = sym->ref;
        ident.index = sym->index;
        return sym->constValue
                   ? checkNumber(*sym->constValue, p, callee, ident.loc())
                   : true;
      }
      if (!sym->scalar && (t & PT_Tensor)) {
        ident.ref = sym->ref;
        ident.index = sym->index;
        return true;
      }
    }
    if ((t & PT_Ident) &&
        llvm::is_contained(p.idents, llvm::StringRef(ident.name))) {
      ident.ref = IdentExprAST::EnumValue;
      return true;
    }
    if ((t & PT_Dim) && ident.name == "N") {
      ident.ref = IdentExprAST::EnumValue;
      return true;
    }
    if (t & PT_Call)
      if (const BuiltinSpec *spec = lookupBuiltin(ident.name, p.callKind)) {
        auto call = std::make_unique<CallExprAST>(ident.loc(), ident.name,
                                                  std::vector<ArgAST>{}, false);
        bool ok = normaliseBuiltin(*call, *spec, scope);
        value = std::move(call);
        return ok;
      }
    if ((t & PT_Tensor) && scope)
      return checkExpr(value, *scope) == Cat::Tensor;
    return fail();
  }
  case ExprAST::Expr_Call: {
    auto &call = llvm::cast<CallExprAST>(*e);
    if (t & PT_Call)
      if (const BuiltinSpec *spec = lookupBuiltin(call.callee, p.callKind))
        return normaliseBuiltin(call, *spec, scope);
    if ((t & PT_Tensor) && scope && !scope->isTrain)
      return checkExpr(value, *scope) == Cat::Tensor;
    return fail();
  }
  default:
    if ((t & PT_Tensor) && scope && !scope->isTrain)
      return checkExpr(value, *scope) == Cat::Tensor;
    if (scope && scope->isTrain && (t & PT_Tensor)) {
      diags.error(e->loc(), who + " must name an output, input or target");
      return false;
    }
    return fail();
  }
}
