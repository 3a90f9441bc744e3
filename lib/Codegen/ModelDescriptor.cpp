//===- ModelDescriptor.cpp - collect and write the model descriptor -------===//
//
// Reads the roles of every argument and result of the public entry points
// (inputs, labels, parameters, gradients, optimizer state, scalar slots,
// outputs, loss, in-place updates), builds the tensor table shared by all
// entries and writes it as C data for the model shim.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/ModelDescriptor.h"
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace nnc;

namespace {

nnc_init_t toInit(nn::InitKind kind) {
  switch (kind) {
  case nn::InitKind::zeros:
    return NNC_INIT_ZEROS;
  case nn::InitKind::ones:
    return NNC_INIT_ONES;
  case nn::InitKind::he:
    return NNC_INIT_HE;
  case nn::InitKind::xavier:
    return NNC_INIT_XAVIER;
  case nn::InitKind::normal:
    return NNC_INIT_NORMAL;
  case nn::InitKind::uniform:
    return NNC_INIT_UNIFORM;
  }
  return NNC_INIT_NONE;
}

/// Size of dimension `d` of `value`'s ranked type, or 0 when unknown.
int64_t staticDim(Value value, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() <= d || type.isDynamicDim(d))
    return 0;
  return type.getDimSize(d);
}

/// The exclusive upper bound that the values of the i32 function argument
/// `arg` must respect: the class count of a cross-entropy (forward or
/// backward) taking it as class indices, the table size of an embedding
/// (forward or backward) taking it as ids, the smallest when several do,
/// following calls into other functions; 0 when nothing indexes with it.
int64_t indexBound(BlockArgument arg, unsigned depth = 0) {
  int64_t bound = 0;
  auto tighten = [&](int64_t k) {
    if (k > 0)
      bound = bound ? std::min(bound, k) : k;
  };
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (auto op = dyn_cast<nn::CrossEntropyLossOp>(user)) {
      if (use.get() == op.getTarget())
        tighten(staticDim(op.getInput(), 1));
    } else if (auto op = dyn_cast<nn::CrossEntropyBackwardOp>(user)) {
      if (use.get() == op.getTarget())
        tighten(staticDim(op.getInput(), 1));
    } else if (auto op = dyn_cast<nn::EmbeddingOp>(user)) {
      // Negative ids counted from the end are valid: no [0, V) bound (the
      // kernel still clamps every id into the table).
      if (use.get() == op.getIds() && !op.getNegativeFromEnd())
        tighten(staticDim(op.getTable(), 0));
    } else if (auto op = dyn_cast<nn::EmbeddingBackwardOp>(user)) {
      if (use.get() == op.getIds() && !op.getNegativeFromEnd())
        tighten(staticDim(op.getTable(), 0));
    } else if (auto call = dyn_cast<func::CallOp>(user)) {
      auto module = call->getParentOfType<ModuleOp>();
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (callee && !callee.isExternal() && depth < 8)
        tighten(indexBound(callee.getArgument(use.getOperandNumber()),
                           depth + 1));
    }
  }
  return bound;
}

/// Builds the tensor table while walking the entry points.
class SignatureBuilder {
public:
  explicit SignatureBuilder(ModelSignature &sig) : sig(sig) {}

  /// Returns the index of the tensor (role, name), adding it if new; fails
  /// when an existing tensor of that name has another type.
  FailureOr<int32_t> lookupOrAdd(Location loc, TensorInfo info) {
    for (auto [i, t] : llvm::enumerate(sig.tensors)) {
      if (t.role != info.role || t.name != info.name)
        continue;
      if (t.dims != info.dims || t.dtype != info.dtype)
        return emitError(loc) << "tensor '" << info.name
                              << "' is declared with two different types";
      if (info.indexBound &&
          (!t.indexBound || info.indexBound < t.indexBound))
        sig.tensors[i].indexBound = info.indexBound;
      return static_cast<int32_t>(i);
    }
    sig.tensors.push_back(std::move(info));
    return static_cast<int32_t>(sig.tensors.size() - 1);
  }

  /// The NNC_ARG_HYPER slot of the hyperparameter `{name, default, range}`,
  /// adding it if new; fails on a malformed attribute or when an existing
  /// one of that name has another default or range.
  FailureOr<int32_t> addHyper(Location loc, DictionaryAttr attr) {
    auto name = attr.getAs<StringAttr>("name");
    auto value = attr.getAs<FloatAttr>("default");
    auto rangeName = attr.getAs<StringAttr>("range");
    std::optional<nnc_hyper_range_t> range;
    if (rangeName)
      range = llvm::StringSwitch<std::optional<nnc_hyper_range_t>>(
                  rangeName.getValue())
                  .Case("nonneg", NNC_HYPER_NONNEG)
                  .Case("positive", NNC_HYPER_POSITIVE)
                  .Case("unit", NNC_HYPER_UNIT)
                  .Case("flag", NNC_HYPER_FLAG)
                  .Default(std::nullopt);
    if (!name || !value || !range)
      return emitError(loc) << attrs::kHyperparameter
                            << " must be {name, default, range} with a known "
                               "range, got "
                            << attr;
    HyperInfo info{name.getValue().str(), value.getValueAsDouble(), *range};
    for (auto [k, h] : llvm::enumerate(sig.hypers)) {
      if (h.name != info.name)
        continue;
      if (h.defaultValue != info.defaultValue || h.range != info.range)
        return emitError(loc) << "hyperparameter '" << info.name
                              << "' is declared twice, differently";
      return NNC_ARG_HYPER(static_cast<int32_t>(k));
    }
    if (sig.hypers.size() >= NNC_MAX_HYPERS)
      return emitError(loc) << "more than " << NNC_MAX_HYPERS
                            << " hyperparameters";
    sig.hypers.push_back(std::move(info));
    return NNC_ARG_HYPER(static_cast<int32_t>(sig.hypers.size() - 1));
  }

  /// Index of the parameter named `name` (it must already be in the table).
  FailureOr<int32_t> findParam(Location loc, StringRef name) {
    for (auto [i, t] : llvm::enumerate(sig.tensors))
      if (t.role == NNC_ROLE_PARAM && t.name == name)
        return static_cast<int32_t>(i);
    return emitError(loc) << "'" << name
                          << "' refers to an unknown trainable parameter";
  }

  /// Makes a TensorInfo with dims and dtype from a ranked tensor type.
  FailureOr<TensorInfo> describe(Location loc, Type type, StringRef name,
                                 nnc_role_t role) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.getRank() > NNC_MAX_RANK)
      return emitError(loc) << "'" << name << "' must be a ranked tensor of "
                            << "rank <= " << NNC_MAX_RANK << ", got " << type;
    TensorInfo info;
    info.name = name.str();
    info.role = role;
    Type element = tensor.getElementType();
    if (element.isF32())
      info.dtype = NNC_DESC_F32;
    else if (element.isInteger(32))
      info.dtype = NNC_DESC_I32;
    else if (element.isInteger(64))
      info.dtype = NNC_DESC_I64;
    else
      return emitError(loc) << "'" << name << "' has unsupported element type "
                            << element;
    for (int64_t d : tensor.getShape())
      info.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    return info;
  }

  /// The descriptor argument for function argument `i`.
  FailureOr<int32_t> argument(func::FuncOp func, unsigned i) {
    Location loc = func.getArgument(i).getLoc();
    Type type = func.getArgument(i).getType();
    if (auto hyper =
            func.getArgAttrOfType<DictionaryAttr>(i, attrs::kHyperparameter))
      return addHyper(loc, hyper);
    if (func.getArgAttr(i, attrs::kStep))
      return NNC_ARG_STEP;
    if (func.getArgAttr(i, attrs::kSeed))
      return NNC_ARG_SEED;
    if (func.getArgAttr(i, attrs::kRowOffset))
      return NNC_ARG_ROW_OFFSET;
    if (func.getArgAttr(i, attrs::kReplicas))
      return NNC_ARG_REPLICAS;
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kInput))
      return add(loc, type, name.getValue(), NNC_ROLE_INPUT,
                 indexBound(func.getArgument(i)));
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kLabel))
      return add(loc, type, name.getValue(), NNC_ROLE_LABEL,
                 indexBound(func.getArgument(i)));
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kGrad))
      return addDerived(loc, type, name.getValue(), "", NNC_ROLE_GRAD);
    if (auto state = func.getArgAttrOfType<ArrayAttr>(i, attrs::kState)) {
      if (state.size() != 2 || !isa<StringAttr>(state[0]) ||
          !isa<StringAttr>(state[1]))
        return emitError(loc) << attrs::kState
                              << " must be [parameter name, state name]";
      return addDerived(loc, type, cast<StringAttr>(state[0]).getValue(),
                        cast<StringAttr>(state[1]).getValue(),
                        NNC_ROLE_STATE);
    }
    if (auto param = func.getArgAttrOfType<nn::ParamAttr>(i, attrs::kParam)) {
      nnc_role_t role = param.getRole() == nn::ParamRole::buffer
                            ? NNC_ROLE_BUFFER
                            : NNC_ROLE_PARAM;
      FailureOr<TensorInfo> info = describe(loc, type, param.getName(), role);
      if (failed(info))
        return failure();
      info->init = toInit(param.getInit());
      if (FloatAttr scale = param.getScale())
        info->initScale = scale.getValueAsDouble();
      return lookupOrAdd(loc, std::move(*info));
    }
    return emitError(loc) << "argument #" << i << " of @" << func.getSymName()
                          << " has no nn role attribute";
  }

  /// The descriptor argument for result `r` (an out-param), if it has one.
  FailureOr<std::optional<int32_t>> result(func::FuncOp func, unsigned r) {
    Location loc = func.getLoc();
    Type type = func.getFunctionType().getResult(r);
    if (func.getResultAttr(r, attrs::kUpdateOf))
      return std::optional<int32_t>();
    FailureOr<int32_t> index = failure();
    if (func.getResultAttr(r, attrs::kLossResult))
      index = add(loc, type, "loss", NNC_ROLE_LOSS);
    else if (auto name = func.getResultAttrOfType<StringAttr>(r,
                                                              attrs::kOutput))
      index = add(loc, type, name.getValue(), NNC_ROLE_OUTPUT);
    else if (auto name = func.getResultAttrOfType<StringAttr>(r, attrs::kGrad))
      index = addDerived(loc, type, name.getValue(), "", NNC_ROLE_GRAD);
    else if (auto name =
                 func.getResultAttrOfType<StringAttr>(r, attrs::kInputGrad))
      index = addInputGrad(loc, type, name.getValue());
    else
      return emitError(loc) << "result #" << r << " of @" << func.getSymName()
                            << " has no nn role attribute";
    if (failed(index))
      return failure();
    return std::optional<int32_t>(*index);
  }

private:
  FailureOr<int32_t> add(Location loc, Type type, StringRef name,
                         nnc_role_t role, int64_t indexBound = 0) {
    FailureOr<TensorInfo> info = describe(loc, type, name, role);
    if (failed(info))
      return failure();
    if (info->dtype == NNC_DESC_I32)
      info->indexBound = indexBound;
    return lookupOrAdd(loc, std::move(*info));
  }

  /// A tensor derived from a parameter, with `of` set: the gradient
  /// "<param>.grad", or optimizer state "optimizer.<param>.<state>" (its
  /// checkpoint key, PyTorch's state names).
  FailureOr<int32_t> addDerived(Location loc, Type type, StringRef param,
                                StringRef state, nnc_role_t role) {
    FailureOr<int32_t> of = findParam(loc, param);
    if (failed(of))
      return failure();
    std::string name = role == NNC_ROLE_GRAD
                           ? (param + ".grad").str()
                           : ("optimizer." + param + "." + state).str();
    FailureOr<TensorInfo> info = describe(loc, type, name, role);
    if (failed(info))
      return failure();
    info->of = *of;
    return lookupOrAdd(loc, std::move(*info));
  }

  /// The gradient "<input>.grad" of the f32 input `input`, `of` it.
  FailureOr<int32_t> addInputGrad(Location loc, Type type, StringRef input) {
    auto it = llvm::find_if(sig.tensors, [&](const TensorInfo &t) {
      return t.role == NNC_ROLE_INPUT && t.name == input;
    });
    if (it == sig.tensors.end())
      return emitError(loc) << "'" << input << "' refers to an unknown input";
    FailureOr<TensorInfo> info =
        describe(loc, type, (input + ".grad").str(), NNC_ROLE_INPUT_GRAD);
    if (failed(info))
      return failure();
    info->of = static_cast<int32_t>(it - sig.tensors.begin());
    return lookupOrAdd(loc, std::move(*info));
  }

  ModelSignature &sig;
};

nnc_optimizer_kind_t optimizerKind(StringRef name) {
  return llvm::StringSwitch<nnc_optimizer_kind_t>(name)
      .Case("sgd", NNC_OPT_SGD)
      .Case("momentum", NNC_OPT_MOMENTUM)
      .Case("rmsprop", NNC_OPT_RMSPROP)
      .Case("adam", NNC_OPT_ADAM)
      .Case("adamw", NNC_OPT_ADAMW)
      .Default(NNC_OPT_NONE);
}

void writeJsonString(llvm::raw_ostream &os, StringRef s) {
  os << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c < 0x20)
      os << llvm::format("\\u%04x", c);
    else
      os << c;
  }
  os << '"';
}

/// Writes a C string literal with every non-alphanumeric byte escaped.
void writeCString(llvm::raw_ostream &os, StringRef s) {
  os << '"';
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '.' || c == ' ')
      os << c;
    else
      os << llvm::format("\\%03o", c);
  }
  os << '"';
}

} // namespace

std::string nnc::attributeToJson(Attribute attr) {
  std::string out;
  llvm::raw_string_ostream os(out);
  if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    os << '{';
    llvm::interleave(
        dict.getValue(), os,
        [&](NamedAttribute entry) {
          writeJsonString(os, entry.getName().getValue());
          os << ':' << attributeToJson(entry.getValue());
        },
        ",");
    os << '}';
  } else if (auto array = dyn_cast<ArrayAttr>(attr)) {
    os << '[';
    llvm::interleave(
        array.getValue(), os,
        [&](Attribute a) { os << attributeToJson(a); }, ",");
    os << ']';
  } else if (auto str = dyn_cast<StringAttr>(attr)) {
    writeJsonString(os, str.getValue());
  } else if (auto flag = dyn_cast<BoolAttr>(attr)) {
    os << (flag.getValue() ? "true" : "false");
  } else if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    os << integer.getInt();
  } else if (auto real = dyn_cast<FloatAttr>(attr)) {
    os << llvm::format("%.9g", real.getValueAsDouble());
  } else if (isa<UnitAttr>(attr)) {
    os << "true";
  } else {
    std::string text;
    llvm::raw_string_ostream ts(text);
    attr.print(ts);
    writeJsonString(os, text);
  }
  return out;
}

FailureOr<ModelSignature> nnc::collectModelSignature(ModuleOp module) {
  ModelSignature sig;
  if (auto name = module->getAttrOfType<StringAttr>(attrs::kModel))
    sig.name = name.getValue().str();
  else
    sig.name = "model";
  if (auto recipe = module->getAttrOfType<DictionaryAttr>(attrs::kRecipe)) {
    sig.recipeJson = attributeToJson(recipe);
    if (auto opt = recipe.getAs<DictionaryAttr>("optimizer")) {
      if (auto kind = opt.getAs<StringAttr>("kind"))
        sig.optimizer = optimizerKind(kind.getValue());
      if (auto lr = opt.getAs<FloatAttr>("lr"))
        sig.learningRate = lr.getValueAsDouble();
    }
  }

  SignatureBuilder builder(sig);
  // Parameters first (in predict's order, then any others), so gradients and
  // state can refer to them whatever the entry order.
  SmallVector<func::FuncOp> entries;
  for (StringRef name : {attrs::kPredict, attrs::kTrainStep, attrs::kGrads,
                         attrs::kApply, attrs::kInputGrads})
    if (auto func = module.lookupSymbol<func::FuncOp>(name))
      entries.push_back(func);
  for (func::FuncOp func : entries)
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (func.getArgAttr(i, attrs::kParam) && failed(builder.argument(func, i)))
        return failure();

  for (func::FuncOp func : entries) {
    EntryInfo entry;
    entry.name = func.getSymName().str();
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      FailureOr<int32_t> arg = builder.argument(func, i);
      if (failed(arg))
        return failure();
      entry.args.push_back(*arg);
    }
    for (unsigned r = 0, e = func.getNumResults(); r < e; ++r) {
      FailureOr<std::optional<int32_t>> res = builder.result(func, r);
      if (failed(res))
        return failure();
      if (*res)
        entry.args.push_back(**res);
    }
    sig.entries.push_back(std::move(entry));
  }
  if (sig.entries.empty() || sig.entries.front().name != attrs::kPredict)
    return module.emitError("the module has no @predict entry point");
  return sig;
}

void nnc::writeDescriptorSource(const ModelSignature &sig,
                                llvm::raw_ostream &os) {
  os << "/* Generated by nnc: the descriptor of model ";
  writeCString(os, sig.name);
  os << ". */\n#include \"nnc/ModelDesc.h\"\n\n";
  for (const EntryInfo &entry : sig.entries) {
    os << "void nnc_kernel_" << entry.name << "(void **args);\n";
    os << "static const int32_t args_" << entry.name << "[] = {";
    llvm::interleaveComma(entry.args, os);
    os << "};\n";
  }
  os << "\nstatic const nnc_tensor_desc_t tensors[] = {\n";
  for (const TensorInfo &t : sig.tensors) {
    os << "  {";
    writeCString(os, t.name);
    os << ", " << t.role << ", " << t.dtype << ", " << t.dims.size() << ", {";
    llvm::interleaveComma(t.dims, os);
    if (t.dims.empty())
      os << "0";
    os << "}, " << t.init << ", " << llvm::format("%.9ef", t.initScale)
       << ", " << t.of << ", " << t.indexBound << "},\n";
  }
  os << "};\n\n";
  if (!sig.hypers.empty()) {
    os << "static const nnc_hyper_desc_t hypers[] = {\n";
    for (const HyperInfo &h : sig.hypers) {
      os << "  {";
      writeCString(os, h.name);
      // %.17g round-trips every double exactly.
      os << ", " << llvm::format("%.17g", h.defaultValue) << ", " << h.range
         << "},\n";
    }
    os << "};\n\n";
  }
  auto entryInit = [&](StringRef name) {
    for (const EntryInfo &entry : sig.entries)
      if (entry.name == name) {
        os << "{nnc_kernel_" << name << ", " << entry.args.size() << ", args_"
           << name << "}";
        return;
      }
    os << "{0, 0, 0}";
  };
  os << "__attribute__((visibility(\"hidden\")))\n"
     << "const nnc_model_desc_t nnc_model_desc = {\n  NNC_DESC_VERSION, ";
  writeCString(os, sig.name);
  os << ", " << sig.tensors.size() << ", tensors,\n  ";
  entryInit(attrs::kPredict);
  os << ",\n  ";
  entryInit(attrs::kTrainStep);
  os << ",\n  ";
  entryInit(attrs::kGrads);
  os << ",\n  ";
  entryInit(attrs::kApply);
  os << ",\n  " << sig.optimizer << ", "
     << llvm::format("%.9ef", sig.learningRate) << ",\n  ";
  writeCString(os, sig.recipeJson);
  os << ",\n  " << sig.target << ",\n  ";
  entryInit(attrs::kInputGrads);
  os << ",\n  " << sig.hypers.size() << ", "
     << (sig.hypers.empty() ? "0" : "hypers") << "\n};\n";
}

void nnc::writeModelHeader(const ModelSignature &sig, llvm::raw_ostream &os,
                           StringRef comment) {
  auto macro = [](StringRef s) {
    std::string out;
    for (char c : s)
      out += isalnum(static_cast<unsigned char>(c))
                 ? static_cast<char>(toupper(static_cast<unsigned char>(c)))
                 : '_';
    return out;
  };
  std::string prefix = "NNC_" + macro(sig.name);
  os << "/* Generated by nnc: the interface of model ";
  writeCString(os, sig.name);
  os << ".\n * Load the library with dlopen (or link it) and use nnc-c/model.h;"
        "\n * these macros give the shapes (-1 marks the batch dimension). */\n"
     << comment << "#ifndef " << prefix << "_H\n#define " << prefix << "_H\n\n"
     << "#include \"nnc-c/model.h\"\n\n#define " << prefix << "_NAME ";
  writeCString(os, sig.name);
  os << "\n";
  for (const TensorInfo &t : sig.tensors) {
    const char *kind = t.role == NNC_ROLE_INPUT    ? "INPUT"
                       : t.role == NNC_ROLE_LABEL  ? "LABEL"
                       : t.role == NNC_ROLE_OUTPUT ? "OUTPUT"
                                                   : nullptr;
    if (!kind)
      continue;
    std::string name = prefix + "_" + kind + "_" + macro(t.name);
    os << "#define " << name << "_NAME ";
    writeCString(os, t.name);
    os << "\n#define " << name << "_RANK " << t.dims.size() << "\n#define "
       << name << "_DIMS {";
    llvm::interleaveComma(t.dims, os);
    os << "}\n";
  }
  os << "\n#endif /* " << prefix << "_H */\n";
}
