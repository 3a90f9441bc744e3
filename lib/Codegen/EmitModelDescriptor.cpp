//===- EmitModelDescriptor.cpp - nnc_model_desc as LLVM globals -----------===//
//
// Implements nnc-emit-model-descriptor on the LLVM dialect: writes the
// module's `nn.abi` (nnc-model-abi) and the argument lists of the packed
// kernels (`nn.abi_args` on `nnc_kernel_E`) as the constant
// `nnc_model_desc` of include/nnc/ModelDesc.h, with its tensor table, entry
// argument arrays, hyperparameters and strings as private constants, so the
// descriptor is compiled with the kernels: no C source, no second compiler.
// The ABI attributes are consumed: removed once written.
//
// The LLVM struct types below mirror the C structs field by field; LLVM
// lays them out with the C ABI's alignment, so they match on every target
// the kernels are built for.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/Passes.h"

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/ModelDesc.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringSet.h"

namespace nnc {
#define GEN_PASS_DEF_EMITMODELDESCRIPTOR
#include "nnc/Codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The symbol the model shim reads (include/nnc/ModelDesc.h).
constexpr llvm::StringLiteral kDescriptorSymbol = "nnc_model_desc";

/// The descriptor's LLVM types.
struct DescriptorTypes {
  explicit DescriptorTypes(MLIRContext *ctx)
      : ptr(LLVM::LLVMPointerType::get(ctx)), i32(IntegerType::get(ctx, 32)),
        i64(IntegerType::get(ctx, 64)), f32(Float32Type::get(ctx)),
        f64(Float64Type::get(ctx)) {
    // nnc_tensor_desc_t
    tensor = LLVM::LLVMStructType::getLiteral(
        ctx, {ptr, i32, i32, i32, LLVM::LLVMArrayType::get(i64, NNC_MAX_RANK),
              i32, f32, i32, i64});
    // nnc_entry_desc_t
    entry = LLVM::LLVMStructType::getLiteral(ctx, {ptr, i32, ptr, ptr, i32});
    // nnc_hyper_desc_t
    hyper = LLVM::LLVMStructType::getLiteral(ctx, {ptr, f64, i32});
    // nnc_model_desc_t
    model = LLVM::LLVMStructType::getLiteral(
        ctx, {i32, ptr, i32, ptr, entry, entry, entry, entry, i32, f32, ptr,
              i32, entry, i32, ptr});
  }
  Type ptr, i32, i64, f32, f64, i8 = IntegerType::get(ptr.getContext(), 8);
  LLVM::LLVMStructType tensor, entry, hyper, model;
};

/// Builds the globals at the end of the module.
class DescriptorWriter {
public:
  DescriptorWriter(ModuleOp module, Location loc)
      : module(module), symbols(module), loc(loc), types(module.getContext()) {}

  /// A private constant global of `type` whose initializer `fill` builds
  /// (returning the value), named `name` (uniqued).
  LLVM::GlobalOp global(StringRef name, Type type,
                        function_ref<Value(OpBuilder &)> fill,
                        LLVM::Linkage linkage = LLVM::Linkage::Private) {
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    auto op = top.create<LLVM::GlobalOp>(
        loc, type, /*isConstant=*/true, linkage, uniqueName(name), Attribute());
    OpBuilder in(module.getContext());
    in.setInsertionPointToStart(in.createBlock(&op.getInitializerRegion()));
    in.create<LLVM::ReturnOp>(loc, fill(in));
    return op;
  }

  /// A NUL-terminated string constant; returns its address in `in`.
  Value string(OpBuilder &in, StringRef text) {
    auto it = strings.find(text);
    if (it == strings.end()) {
      std::string bytes = text.str();
      bytes.push_back('\0');
      auto type = LLVM::LLVMArrayType::get(
          IntegerType::get(module.getContext(), 8), bytes.size());
      OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
      auto op = top.create<LLVM::GlobalOp>(
          loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
          uniqueName("__nnc_desc_str"), top.getStringAttr(bytes));
      op.setUnnamedAddr(LLVM::UnnamedAddr::Global);
      it = strings.try_emplace(text, op).first;
    }
    return in.create<LLVM::AddressOfOp>(loc, it->second);
  }

  Value i32(OpBuilder &in, int64_t v) {
    return in.create<LLVM::ConstantOp>(loc, types.i32, v);
  }
  Value i64(OpBuilder &in, int64_t v) {
    return in.create<LLVM::ConstantOp>(loc, types.i64, v);
  }
  Value f32(OpBuilder &in, double v) {
    return in.create<LLVM::ConstantOp>(
        loc, types.f32, in.getF32FloatAttr(static_cast<float>(v)));
  }
  Value f64(OpBuilder &in, double v) {
    return in.create<LLVM::ConstantOp>(loc, types.f64, in.getF64FloatAttr(v));
  }
  Value null(OpBuilder &in) { return in.create<LLVM::ZeroOp>(loc, types.ptr); }

  /// `fields` inserted in order into an undef of `type`.
  Value aggregate(OpBuilder &in, Type type, ArrayRef<Value> fields) {
    Value value = in.create<LLVM::UndefOp>(loc, type);
    for (auto [i, field] : llvm::enumerate(fields))
      value = in.create<LLVM::InsertValueOp>(loc, value, field,
                                             static_cast<int64_t>(i));
    return value;
  }

  /// One nnc_tensor_desc_t.
  Value tensor(OpBuilder &in, nn::ABITensorAttr t) {
    int32_t dtype = t.getElementType().isF32()         ? NNC_DESC_F32
                    : t.getElementType().isInteger(32) ? NNC_DESC_I32
                                                       : NNC_DESC_I64;
    SmallVector<Value> dims;
    for (int d = 0; d < NNC_MAX_RANK; ++d)
      dims.push_back(i64(
          in, d < static_cast<int>(t.getDims().size()) ? t.getDims()[d] : 0));
    Value dimArray =
        aggregate(in, LLVM::LLVMArrayType::get(types.i64, NNC_MAX_RANK), dims);
    // nnc_init_t counts from NNC_INIT_NONE = 0; nn::InitKind from zeros.
    int32_t init = t.getInit()
                       ? static_cast<int32_t>(*t.getInit()) + NNC_INIT_ZEROS
                       : NNC_INIT_NONE;
    double scale = t.getScale() ? t.getScale().getValueAsDouble() : 0;
    return aggregate(
        in, types.tensor,
        {string(in, t.getName()), i32(in, static_cast<int32_t>(t.getRole())),
         i32(in, dtype), i32(in, static_cast<int32_t>(t.getDims().size())),
         dimArray, i32(in, init), f32(in, scale), i32(in, t.getOf()),
         i64(in, t.getBound())});
  }

  /// An nnc_entry_desc_t for `kernel`, or {NULL, 0, NULL, NULL, 0} without
  /// one.
  FailureOr<Value> entry(OpBuilder &in, StringRef name) {
    auto kernel =
        symbols.lookup<LLVM::LLVMFuncOp>((nnc::kKernelPrefix + name).str());
    if (!kernel)
      return aggregate(in, types.entry,
                       {null(in), i32(in, 0), null(in), null(in), i32(in, 0)});
    auto args = kernel->getAttrOfType<DenseI32ArrayAttr>(nnc::attrs::kABIArgs);
    if (!args)
      return kernel.emitError("the kernel has no ")
             << nnc::attrs::kABIArgs << " (run nnc-model-abi first)";
    Value list = null(in);
    if (!args.empty()) {
      LLVM::GlobalOp array = global(
          ("__nnc_desc_args_" + name).str(),
          LLVM::LLVMArrayType::get(types.i32, args.size()), [&](OpBuilder &g) {
            SmallVector<Value> values;
            for (int32_t a : args.asArrayRef())
              values.push_back(i32(g, a));
            return aggregate(
                g, LLVM::LLVMArrayType::get(types.i32, args.size()), values);
          });
      list = in.create<LLVM::AddressOfOp>(loc, array);
    }
    // Which arguments the shim keeps a copy of to undo a failed call
    // (nnc-mark-undo-args); NULL without the analysis: all it may write.
    Value undo = null(in);
    auto undoArgs =
        kernel->getAttrOfType<DenseI32ArrayAttr>(nnc::attrs::kUndoArgs);
    if (undoArgs && !args.empty()) {
      auto arrayType = LLVM::LLVMArrayType::get(types.i8, args.size());
      LLVM::GlobalOp array = global(
          ("__nnc_desc_undo_" + name).str(), arrayType, [&](OpBuilder &g) {
            SmallVector<Value> values;
            for (size_t i = 0; i < args.size(); ++i)
              values.push_back(g.create<LLVM::ConstantOp>(
                  loc, types.i8,
                  llvm::is_contained(undoArgs.asArrayRef(),
                                     static_cast<int32_t>(i))));
            return aggregate(g, arrayType, values);
          });
      undo = in.create<LLVM::AddressOfOp>(loc, array);
    }
    int32_t flags = 0;
    if (kernel->hasAttr(nnc::attrs::kGraphSafe))
      flags |= NNC_ENTRY_GRAPH_SAFE;
    return aggregate(in, types.entry,
                     {in.create<LLVM::AddressOfOp>(loc, kernel),
                      i32(in, args.size()), list, undo, i32(in, flags)});
  }

  /// The whole descriptor.
  LogicalResult write(nn::ModelABIAttr abi) {
    LLVM::GlobalOp tensors =
        global("__nnc_desc_tensors",
               LLVM::LLVMArrayType::get(types.tensor, abi.getTensors().size()),
               [&](OpBuilder &in) {
                 SmallVector<Value> values;
                 for (nn::ABITensorAttr t : abi.getTensors())
                   values.push_back(tensor(in, t));
                 return aggregate(
                     in, LLVM::LLVMArrayType::get(types.tensor, values.size()),
                     values);
               });
    LLVM::GlobalOp hypers;
    if (!abi.getHypers().empty())
      hypers =
          global("__nnc_desc_hypers",
                 LLVM::LLVMArrayType::get(types.hyper, abi.getHypers().size()),
                 [&](OpBuilder &in) {
                   SmallVector<Value> values;
                   for (nn::ABIHyperAttr h : abi.getHypers())
                     values.push_back(aggregate(
                         in, types.hyper,
                         {string(in, h.getName()),
                          f64(in, h.getDefaultValue().getValueAsDouble()),
                          i32(in, static_cast<int32_t>(h.getRange()))}));
                   return aggregate(
                       in, LLVM::LLVMArrayType::get(types.hyper, values.size()),
                       values);
                 });
    bool failedEntry = false;
    LLVM::GlobalOp desc = global(
        kDescriptorSymbol, types.model,
        [&](OpBuilder &in) -> Value {
          SmallVector<Value> entries;
          for (StringRef name : {nnc::attrs::kPredict, nnc::attrs::kTrainStep,
                                 nnc::attrs::kGrads, nnc::attrs::kApply,
                                 nnc::attrs::kInputGrads}) {
            FailureOr<Value> e = entry(in, name);
            failedEntry |= failed(e);
            entries.push_back(succeeded(e) ? *e : Value());
          }
          if (failedEntry)
            return in.create<LLVM::UndefOp>(loc, types.model);
          return aggregate(
              in, types.model,
              {i32(in, NNC_DESC_VERSION), string(in, abi.getName()),
               i32(in, abi.getTensors().size()),
               in.create<LLVM::AddressOfOp>(loc, tensors), entries[0],
               entries[1], entries[2], entries[3],
               i32(in, static_cast<int32_t>(abi.getOptimizer())),
               f32(in, abi.getLearningRate().getValueAsDouble()),
               string(in, abi.getRecipe()),
               i32(in, static_cast<int32_t>(abi.getTarget())), entries[4],
               i32(in, abi.getHypers().size()),
               hypers ? Value(in.create<LLVM::AddressOfOp>(loc, hypers))
                      : null(in)});
        },
        LLVM::Linkage::External);
    // Hidden: the shim in the same library reads it; nothing exports it.
    desc.setVisibility_(LLVM::Visibility::Hidden);
    return failure(failedEntry);
  }

private:
  std::string uniqueName(StringRef base) {
    std::string name = base.str();
    for (unsigned n = 1; symbols.lookup(name) || !used.insert(name).second; ++n)
      name = (base + "_" + Twine(n)).str();
    return name;
  }

  ModuleOp module;
  /// The module's symbols before the descriptor (a hash table: the module
  /// holds thousands of outlined loop functions, and ModuleOp::lookupSymbol
  /// scans them all, which took 0.29 s on the transformer); the names this
  /// writer adds are in `used`.
  SymbolTable symbols;
  Location loc;
  DescriptorTypes types;
  llvm::StringMap<LLVM::GlobalOp> strings;
  llvm::StringSet<> used;
};

struct EmitModelDescriptorPass
    : nnc::impl::EmitModelDescriptorBase<EmitModelDescriptorPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto abi = module->getAttrOfType<nn::ModelABIAttr>(nnc::attrs::kABI);
    if (!abi) {
      module.emitError("the module has no ")
          << nnc::attrs::kABI << " (run nnc-model-abi first)";
      return signalPassFailure();
    }
    if (module.lookupSymbol(kDescriptorSymbol)) {
      module.emitError("the module already defines ") << kDescriptorSymbol;
      return signalPassFailure();
    }
    DescriptorWriter writer(module, module.getLoc());
    if (failed(writer.write(abi)))
      return signalPassFailure();
    // Written out: the module is plain LLVM dialect again (mlir-translate
    // reads it without the nn dialect).
    module->removeAttr(nnc::attrs::kABI);
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      func->removeAttr(nnc::attrs::kABIArgs);
      func->removeAttr(nnc::attrs::kUndoArgs);
      func->removeAttr(nnc::attrs::kGraphSafe);
    }
  }
};

} // namespace
