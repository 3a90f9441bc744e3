//===- MLIRGen.cpp - The AST of a .nn file to the nn dialect --------------===//
//
// The skeleton of MLIRGen, after the Toy tutorial's: the module with its
// `nn.model`/`nn.recipe` attributes, `@predict` built by walking the main
// model's statements, scopes for block instances (inlined with their
// arguments bound), parameters added as function arguments while the layers
// are emitted, compile-time constants, and tensor expressions (`+ - *`,
// pipelines, names). The layer emitters are in MLIRGenLayers.cpp and the
// training objective in MLIRGenTrain.cpp, the forwarding of MLIR diagnostics
// to the front end's DiagnosticEngine in MLIRGenDiagnostics.cpp.
//
//===----------------------------------------------------------------------===//

#include "MLIRGenImpl.h"

#include "nnc/Dialect/NN/NNConventions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/SaveAndRestore.h"

using namespace nnc;
using namespace nnc::detail;
using namespace mlir;

//===----------------------------------------------------------------------===//
// Module and @predict
//===----------------------------------------------------------------------===//

MLIRGenImpl::MLIRGenImpl(MLIRContext &context, const ModuleAST &ast,
                         DiagnosticEngine &diags)
    : context(context), ast(ast), diags(diags), forwarder(context, diags),
      builder(&context) {}

OwningOpRef<ModuleOp> MLIRGenImpl::run() {
  const ModelAST *model = ast.getMainModel();
  if (!model) {
    diags.error("no model to compile");
    return nullptr;
  }
  OwningOpRef<ModuleOp> owner = ModuleOp::create(loc(model->loc));
  module = *owner;
  module->setAttr(attrs::kModel, builder.getStringAttr(model->name));
  const TrainAST *train = ast.getTrain(model);
  if (!emitPredict(*model))
    return nullptr;
  if (train && !emitLossFunction(*train))
    return nullptr;
  // After @predict: the loss terms of the recipe name the penalised
  // parameters.
  if (train)
    module->setAttr(attrs::kRecipe, recipe(*train));
  return owner;
}

bool MLIRGenImpl::emitPredict(const ModelAST &model) {
  GraphScope top;
  top.graph = &model;
  scope = &top;
  training = false;
  if (!emitConstants(top))
    return false;
  SmallVector<Type> inputTypes;
  for (const InputDeclAST &input : model.inputs)
    inputTypes.push_back(declType(input.type));
  builder.setInsertionPointToEnd(module.getBody());
  function = builder.create<func::FuncOp>(
      loc(model.loc), attrs::kPredict, builder.getFunctionType(inputTypes, {}));
  Block *entry = function.addEntryBlock();
  for (BlockArgument arg : entry->getArguments()) {
    arg.setLoc(loc(model.inputs[arg.getArgNumber()].nameLoc));
    top.inputs.push_back(arg);
  }
  firstParamArg = model.inputs.size();
  builder.setInsertionPointToStart(entry);
  if (!emitBody(top))
    return false;

  SmallVector<Value> results;
  SmallVector<std::string> names;
  for (size_t i = 0; i < model.body.size(); ++i)
    if (model.body[i].kind == StmtAST::Output) {
      // Only parameter(...) makes tensors without the batch; an output
      // computed from them alone has none for the ABI to size it by.
      auto type = cast<RankedTensorType>(top.values[i].getType());
      if (type.getRank() == 0 || !type.isDynamicDim(0)) {
        error(model.body[i].value->loc(),
              "output '" + model.body[i].name + "' is " + dslTypeString(type) +
                  ", without the batch N; every output carries the batch "
                  "first (a value computed from parameters alone has none)");
        return false;
      }
      results.push_back(top.values[i]);
      names.push_back(model.body[i].name);
    }
  builder.create<func::ReturnOp>(loc(model.loc), results);
  function.setFunctionType(builder.getFunctionType(
      entry->getArgumentTypes(), ValueRange(results).getTypes()));
  for (size_t i = 0; i < model.inputs.size(); ++i)
    function.setArgAttr(i, attrs::kInput,
                        builder.getStringAttr(model.inputs[i].name));
  for (size_t i = 0; i < params.size(); ++i)
    function.setArgAttr(firstParamArg + i, attrs::kParam, params[i].attr);
  for (size_t i = 0; i < names.size(); ++i)
    function.setResultAttr(i, attrs::kOutput, builder.getStringAttr(names[i]));
  return true;
}

//===----------------------------------------------------------------------===//
// Locations and errors
//===----------------------------------------------------------------------===//

mlir::Location MLIRGenImpl::loc(const nnc::Location &where) {
  if (!where.isValid())
    return builder.getUnknownLoc();
  return FileLineColLoc::get(&context, *where.file, where.line, where.col);
}

void MLIRGenImpl::noteInstances() {
  for (GraphScope *s = scope; s; s = s->parent)
    if (s->call)
      diags.note(s->call->loc(),
                 "in block '" + s->graph->name + "' instantiated here");
}

void MLIRGenImpl::error(const nnc::Location &where,
                        const llvm::Twine &message) {
  diags.error(where, message);
  noteInstances();
}

//===----------------------------------------------------------------------===//
// Compile-time values and arguments
//===----------------------------------------------------------------------===//

std::optional<ConstValue> MLIRGenImpl::evalConst(const ExprAST &expr) {
  ConstValue v;
  if (auto *num = dyn_cast<NumberExprAST>(&expr)) {
    v.kind = num->isInt ? ConstValue::Int : ConstValue::Float;
    v.intValue = num->intValue;
    v.floatValue = num->floatValue;
    return v;
  }
  if (auto *b = dyn_cast<BoolExprAST>(&expr)) {
    v.kind = ConstValue::Bool;
    v.boolValue = b->value;
    return v;
  }
  if (auto *s = dyn_cast<StringExprAST>(&expr)) {
    v.kind = ConstValue::String;
    v.text = s->value;
    return v;
  }
  if (auto *ident = dyn_cast<IdentExprAST>(&expr)) {
    switch (ident->ref) {
    case IdentExprAST::BlockParam:
      if (ident->index >= 0 && size_t(ident->index) < scope->params.size())
        return scope->params[ident->index];
      return std::nullopt;
    case IdentExprAST::Constant: {
      auto it = scope->constants.find(ident->index);
      if (it != scope->constants.end())
        return it->second;
      return std::nullopt;
    }
    case IdentExprAST::EnumValue:
    case IdentExprAST::Unresolved:
      v.kind = ConstValue::Ident;
      v.text = ident->name;
      return v;
    default:
      return std::nullopt;
    }
  }
  if (auto *un = dyn_cast<UnaryExprAST>(&expr)) {
    auto operand = evalConst(*un->operand);
    if (!operand || !operand->isNumber())
      return std::nullopt;
    operand->intValue = -operand->intValue;
    operand->floatValue = -operand->floatValue;
    return operand;
  }
  if (auto *bin = dyn_cast<BinaryExprAST>(&expr)) {
    auto lhs = evalConst(*bin->lhs), rhs = evalConst(*bin->rhs);
    if (!lhs || !rhs || !lhs->isNumber() || !rhs->isNumber())
      return std::nullopt;
    if (lhs->kind == ConstValue::Int && rhs->kind == ConstValue::Int) {
      int64_t a = lhs->intValue, b = rhs->intValue, r = 0;
      bool overflow = bin->op == '+'   ? llvm::AddOverflow(a, b, r)
                      : bin->op == '-' ? llvm::SubOverflow(a, b, r)
                                       : llvm::MulOverflow(a, b, r);
      if (!overflow) {
        v.kind = ConstValue::Int;
        v.intValue = r;
        v.floatValue = double(r);
        return v;
      }
    }
    double a = lhs->asDouble(), b = rhs->asDouble();
    v.kind = ConstValue::Float;
    v.floatValue = bin->op == '+' ? a + b : bin->op == '-' ? a - b : a * b;
    return v;
  }
  return std::nullopt;
}

/// The constant argument `name` of `call`, or an error naming `expected`.
static std::optional<ConstValue>
constArg(MLIRGenImpl &gen, const CallExprAST &call, llvm::StringRef name,
         llvm::StringRef expected, bool (*accept)(const ConstValue &)) {
  const ExprAST *arg = call.getArg(name);
  if (!arg) {
    gen.error(call.loc(), "internal error: " + call.callee +
                              " has no argument '" + name + "'");
    return std::nullopt;
  }
  std::optional<ConstValue> value = gen.evalConst(*arg);
  if (!value || !accept(*value)) {
    gen.error(arg->loc(), "argument '" + name + "' of " + call.callee +
                              " must be " + expected);
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> MLIRGenImpl::intArg(const CallExprAST &call,
                                           llvm::StringRef name) {
  auto v = constArg(*this, call, name, "an integer", [](const ConstValue &c) {
    return c.kind == ConstValue::Int;
  });
  return v ? std::optional<int64_t>(v->intValue) : std::nullopt;
}

std::optional<double> MLIRGenImpl::floatArg(const CallExprAST &call,
                                            llvm::StringRef name) {
  auto v = constArg(*this, call, name, "a number",
                    [](const ConstValue &c) { return c.isNumber(); });
  return v ? std::optional<double>(v->asDouble()) : std::nullopt;
}

std::optional<bool> MLIRGenImpl::boolArg(const CallExprAST &call,
                                         llvm::StringRef name) {
  auto v =
      constArg(*this, call, name, "true or false",
               [](const ConstValue &c) { return c.kind == ConstValue::Bool; });
  return v ? std::optional<bool>(v->boolValue) : std::nullopt;
}

std::optional<std::string> MLIRGenImpl::identArg(const CallExprAST &call,
                                                 llvm::StringRef name) {
  auto v = constArg(*this, call, name, "a name", [](const ConstValue &c) {
    return c.kind == ConstValue::Ident;
  });
  return v ? std::optional<std::string>(v->text) : std::nullopt;
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

std::string MLIRGenImpl::layerName(llvm::StringRef kind, bool firstUnnumbered) {
  unsigned n = ++scope->counters[kind.str()];
  if (firstUnnumbered && n == 1)
    return kind.str();
  return kind.str() + std::to_string(n);
}

Value MLIRGenImpl::param(const nnc::Location &where, const std::string &name,
                         llvm::ArrayRef<int64_t> shape, nn::ParamRole role,
                         nn::InitKind init, std::optional<double> scale,
                         bool penalised) {
  std::string full = scope->prefix + name;
  // The batch-axis rule keeps N out of every parameter shape; this is the
  // backstop for a layer that would take a size from the batch.
  if (llvm::any_of(shape, ShapedType::isDynamic)) {
    error(where, "parameter '" + full +
                     "' would be sized by the batch N; the batch must stay "
                     "the first dimension of the layer's input");
    return {};
  }
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  if (!training) {
    FloatAttr scaleAttr = scale ? builder.getF64FloatAttr(*scale) : FloatAttr();
    params.push_back({full, type,
                      nn::ParamAttr::get(&context, full, role, init, scaleAttr),
                      penalised, loc(where)});
    return function.front().addArgument(type, params.back().loc);
  }
  if (nextParam >= params.size() || params[nextParam].name != full ||
      params[nextParam].type != type) {
    error(where, "internal error: parameter '" + full +
                     "' differs between @predict and @loss");
    return {};
  }
  return function.getArgument(firstParamArg + nextParam++);
}

Value MLIRGenImpl::paramFromInit(const CallExprAST &call,
                                 const std::string &name,
                                 llvm::ArrayRef<int64_t> shape, bool penalised,
                                 nn::ParamRole role) {
  const ExprAST *arg = call.getArg("init");
  std::string kind = "xavier";
  auto *init = dyn_cast_or_null<CallExprAST>(arg);
  if (init) {
    kind = init->callee;
  } else if (arg) {
    // A block parameter bound to an initialiser name (`init = he`).
    std::optional<ConstValue> value = evalConst(*arg);
    if (!value || value->kind != ConstValue::Ident) {
      error(arg->loc(),
            "argument 'init' of " + call.callee + " must be an initialiser");
      return {};
    }
    kind = value->text == "auto" ? "xavier" : value->text;
  }
  // The initialiser's row: its kind, and its scale from the call or, for a
  // bare name, from the row's default.
  const BuiltinSpec *spec = lookupBuiltin(kind, BuiltinKind::Init);
  std::optional<double> scale;
  if (spec && !spec->initScale.empty()) {
    if (init) {
      scale = floatArg(*init, spec->initScale);
      if (!scale)
        return {};
    } else {
      double value = 0;
      llvm::StringRef(spec->findParam(spec->initScale)->defaultValue)
          .getAsDouble(value);
      scale = value;
    }
  }
  if (!spec || !spec->initKind) {
    error(arg ? arg->loc() : call.loc(),
          "unknown initialiser '" + kind + "' for " + call.callee);
    return {};
  }
  return param(call.loc(), name, shape, role, *spec->initKind, scale,
               penalised);
}

Value MLIRGenImpl::scalarConstant(const nnc::Location &where, double value) {
  auto type = RankedTensorType::get({}, builder.getF32Type());
  auto attr =
      DenseElementsAttr::get(type, builder.getF32FloatAttr(value).getValue());
  return builder.create<nn::ConstantOp>(loc(where), type, attr);
}

//===----------------------------------------------------------------------===//
// Graph bodies, types and blocks
//===----------------------------------------------------------------------===//

bool MLIRGenImpl::emitConstants(GraphScope &s) {
  for (size_t i = 0; i < s.graph->body.size(); ++i) {
    const StmtAST &stmt = s.graph->body[i];
    if (!stmt.isConstant)
      continue;
    std::optional<ConstValue> value = evalConst(*stmt.value);
    if (!value || !value->isNumber()) {
      error(stmt.value->loc(), "'" + stmt.name + "' must be a number");
      return false;
    }
    s.constants[i] = *value;
  }
  return true;
}

/// The value of a symbolic dimension in the current scope, if it is fixed.
static std::optional<int64_t> dimValue(const GraphScope &s, const DimAST &dim) {
  if (!dim.isSymbol)
    return dim.value;
  if (dim.symbolKind == DimAST::Param)
    for (size_t i = 0; i < s.graph->params.size() && i < s.params.size(); ++i)
      if (s.graph->params[i].name == dim.symbol &&
          s.params[i].kind == ConstValue::Int)
        return s.params[i].intValue;
  if (dim.symbolKind == DimAST::Constant)
    for (auto &[index, value] : s.constants)
      if (s.graph->body[index].name == dim.symbol &&
          value.kind == ConstValue::Int)
        return value.intValue;
  return std::nullopt;
}

RankedTensorType MLIRGenImpl::declType(const TensorTypeAST &type) {
  SmallVector<int64_t> shape;
  for (const DimAST &dim : type.dims) {
    std::optional<int64_t> size =
        dim.symbolKind == DimAST::Batch ? std::nullopt : dimValue(*scope, dim);
    shape.push_back(size ? *size : ShapedType::kDynamic);
  }
  Type element = type.dtype == "i32" ? Type(builder.getI32Type())
                                     : Type(builder.getF32Type());
  return RankedTensorType::get(shape, element);
}

bool MLIRGenImpl::checkInputType(const InputDeclAST &decl, Value input,
                                 const nnc::Location &where,
                                 llvm::StringRef who) {
  auto type = cast<RankedTensorType>(input.getType());
  std::map<std::string, int64_t> free;
  std::string expected = decl.type.dtype + "[";
  bool ok = type.getRank() == int64_t(decl.type.dims.size()) &&
            (decl.type.dtype == "i32" ? type.getElementType().isInteger(32)
                                      : type.getElementType().isF32());
  for (size_t i = 0; i < decl.type.dims.size(); ++i) {
    const DimAST &dim = decl.type.dims[i];
    int64_t actual = ok ? type.getDimSize(i) : ShapedType::kDynamic;
    std::optional<int64_t> want;
    if (dim.symbolKind == DimAST::Free && dim.isSymbol) {
      auto [it, inserted] = free.emplace(dim.symbol, actual);
      if (!inserted)
        want = it->second;
    } else if (i > 0) {
      want = dimValue(*scope, dim);
    }
    expected +=
        (i ? ", " : "") +
        (want ? std::to_string(*want)
              : (dim.isSymbol ? dim.symbol : std::to_string(dim.value)));
    if (ok && want && actual != *want)
      ok = false;
  }
  expected += "]";
  if (!ok)
    error(where, who + " expects input '" + decl.name + "' of type " +
                     expected + ", got " + dslTypeString(type));
  return ok;
}

bool MLIRGenImpl::emitBody(GraphScope &s) {
  llvm::SaveAndRestore<bool> graphOps(inGraph, true);
  for (size_t i = 0; i < s.graph->body.size(); ++i) {
    const StmtAST &stmt = s.graph->body[i];
    if (stmt.isConstant)
      continue;
    auto *call = dyn_cast<CallExprAST>(stmt.value.get());
    Value value = call && call->spec && call->spec->emitBinding
                      ? call->spec->emitBinding(*this, *call, stmt)
                      : emitExpr(*stmt.value);
    if (!value)
      return false;
    s.values[i] = value;
  }
  return true;
}

Value MLIRGenImpl::emitBlock(const CallExprAST &call, Value input) {
  const ModelAST *block = call.block;
  if (!block || block->inputs.size() != 1 || block->getOutputs().size() != 1) {
    error(call.loc(),
          "internal error: block '" + call.callee + "' is not resolved");
    return {};
  }
  GraphScope inner;
  inner.graph = block;
  inner.parent = scope;
  for (size_t i = 0; i < block->params.size(); ++i) {
    const ExprAST *arg = call.getArg(block->params[i].name);
    std::optional<ConstValue> value = arg ? evalConst(*arg) : std::nullopt;
    if (!value) {
      error(arg ? arg->loc() : call.loc(),
            "argument '" + block->params[i].name + "' of block '" +
                block->name + "' must be a constant");
      return {};
    }
    inner.params.push_back(*value);
  }
  inner.prefix =
      scope->prefix + layerName(llvm::StringRef(block->name).lower()) + ".";
  GraphScope *outer = scope;
  scope = &inner;
  Value result;
  if (emitConstants(inner) &&
      checkInputType(block->inputs[0], input, call.loc(),
                     "block '" + block->name + "'")) {
    inner.inputs.push_back(input);
    inner.call = &call; // errors inside the body get an "instantiated" note
    if (emitBody(inner))
      result = inner.values[block->getOutputs()[0] - block->body.data()];
  }
  scope = outer;
  return result;
}

//===----------------------------------------------------------------------===//
// Tensor expressions
//===----------------------------------------------------------------------===//

/// True for expressions that are compile-time numbers.
static bool isScalar(const ExprAST &expr) {
  if (isa<NumberExprAST>(expr))
    return true;
  if (auto *ident = dyn_cast<IdentExprAST>(&expr))
    return ident->ref == IdentExprAST::Constant ||
           ident->ref == IdentExprAST::BlockParam;
  if (auto *un = dyn_cast<UnaryExprAST>(&expr))
    return isScalar(*un->operand);
  if (auto *bin = dyn_cast<BinaryExprAST>(&expr))
    return isScalar(*bin->lhs) && isScalar(*bin->rhs);
  return false;
}

Value MLIRGenImpl::emitIdent(const IdentExprAST &ident) {
  switch (ident.ref) {
  case IdentExprAST::Input:
    if (ident.index >= 0 && size_t(ident.index) < scope->inputs.size())
      return scope->inputs[ident.index];
    break;
  case IdentExprAST::Binding:
  case IdentExprAST::Output: {
    auto it = scope->values.find(ident.index);
    if (it != scope->values.end())
      return it->second;
    break;
  }
  case IdentExprAST::Target:
    if (ident.index >= 0 && size_t(ident.index) < targets.size())
      return targets[ident.index];
    break;
  case IdentExprAST::Constant:
  case IdentExprAST::BlockParam:
    error(ident.loc(), "'" + ident.name + "' is a number, not a tensor");
    return {};
  default:
    break;
  }
  error(ident.loc(), "'" + ident.name + "' has no tensor value here");
  return {};
}

Value MLIRGenImpl::emitBinary(const BinaryExprAST &bin) {
  std::string subject = std::string("'") + bin.op + "'";
  bool lhsScalar = isScalar(*bin.lhs), rhsScalar = isScalar(*bin.rhs);
  if (lhsScalar && rhsScalar) {
    error(bin.loc(), "expected a tensor, got a number");
    return {};
  }
  if (lhsScalar || rhsScalar) {
    std::optional<ConstValue> c = evalConst(lhsScalar ? *bin.lhs : *bin.rhs);
    Value x = emitExpr(lhsScalar ? *bin.rhs : *bin.lhs);
    if (!x)
      return {};
    if (!c || !c->isNumber()) {
      error((lhsScalar ? bin.lhs : bin.rhs)->loc(), "expected a number");
      return {};
    }
    if (bin.op == '*')
      return build1<nn::ScaleOp>(
          bin.loc(), subject, x,
          builder.getNamedAttr("factor",
                               builder.getF32FloatAttr(c->asDouble())));
    Value k = scalarConstant(bin.loc(), c->asDouble());
    Value lhs = lhsScalar ? k : x, rhs = lhsScalar ? x : k;
    if (bin.op == '+')
      return build1<nn::AddOp>(bin.loc(), subject, {lhs, rhs});
    return build1<nn::SubOp>(bin.loc(), subject, {lhs, rhs});
  }
  Value lhs = emitExpr(*bin.lhs);
  if (!lhs)
    return {};
  Value rhs = emitExpr(*bin.rhs);
  if (!rhs)
    return {};
  switch (bin.op) {
  case '+':
    return build1<nn::AddOp>(bin.loc(), subject, {lhs, rhs});
  case '-':
    return build1<nn::SubOp>(bin.loc(), subject, {lhs, rhs});
  case '*':
    return build1<nn::MulOp>(bin.loc(), subject, {lhs, rhs});
  default:
    error(bin.loc(), subject + " is not a tensor operator");
    return {};
  }
}

Value MLIRGenImpl::emitExpr(const ExprAST &expr) {
  switch (expr.getKind()) {
  case ExprAST::Expr_Ident:
    return emitIdent(cast<IdentExprAST>(expr));
  case ExprAST::Expr_Binary:
    return emitBinary(cast<BinaryExprAST>(expr));
  case ExprAST::Expr_Unary: {
    auto &un = cast<UnaryExprAST>(expr);
    Value operand = emitExpr(*un.operand);
    if (!operand)
      return {};
    return build1<nn::NegOp>(un.loc(), "'-'", operand);
  }
  case ExprAST::Expr_Pipe: {
    auto &pipe = cast<PipeExprAST>(expr);
    Value value = emitExpr(*pipe.input);
    for (const auto &stage : pipe.stages) {
      if (!value)
        return {};
      value = emitStage(*stage, value);
    }
    return value;
  }
  case ExprAST::Expr_Call:
    return emitFunctionCall(cast<CallExprAST>(expr));
  default:
    error(expr.loc(), "expected a tensor here");
    return {};
  }
}

OwningOpRef<ModuleOp> nnc::mlirGen(MLIRContext &context,
                                   const ModuleAST &module,
                                   DiagnosticEngine &diags) {
  context.getOrLoadDialect<nn::NNDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  context.getOrLoadDialect<arith::ArithDialect>();
  return MLIRGenImpl(context, module, diags).run();
}
