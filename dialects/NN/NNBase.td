//===- NNBase.td - the nn dialect, enums, attrs, op bases --*- tablegen -*-===//
//
// The declarations every nn op file shares: the dialect itself, the enums
// (recurrent nonlinearity, parameter role and initialiser), the `#nn.param`
// attribute that MLIRGen puts on parameter arguments, the tensor type
// constraints of the IR conventions (f32 data, i32 indices) and the op base
// classes. See README.md beside this file for the rationale.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_DIALECT_NN_NNBASE_TD
#define NNC_DIALECT_NN_NNBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "NNInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::mlir::nn";
  let summary = "Neural-network layers, losses and their tensor algebra";
  let description = [{
    The `nn` dialect is the level at which nnc checks shapes, differentiates
    a model and fuses layers. Values are builtin ranked tensors: the batch
    dimension is dynamic (`?`), every other dimension static; data and
    parameters are `f32`, class indices and token ids `i32`. Parameters are
    explicit SSA operands (function arguments carrying `#nn.param`), so an op
    is a pure function of its operands and attributes.

    ```mlir
    %h = nn.dense %x, %w, %b : tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>
    %a = nn.relu %h : tensor<?x64xf32>
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes of the dialect (defined in NNDialect.cpp).
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def NN_Nonlinearity : I32EnumAttr<"Nonlinearity",
    "the nonlinearity of an Elman RNN cell", [
      I32EnumAttrCase<"tanh", 0>,
      I32EnumAttrCase<"relu", 1>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}
def NN_NonlinearityAttr : EnumAttr<NN_Dialect, NN_Nonlinearity, "nonlinearity">;

def NN_ParamRole : I32EnumAttr<"ParamRole", "the role of a model parameter", [
      I32EnumAttrCase<"weight", 0>,
      I32EnumAttrCase<"bias", 1>,
      I32EnumAttrCase<"buffer", 2>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

def NN_InitKind : I32EnumAttr<"InitKind", "how a parameter is initialised", [
      I32EnumAttrCase<"zeros", 0>,
      I32EnumAttrCase<"ones", 1>,
      I32EnumAttrCase<"he", 2>,
      I32EnumAttrCase<"xavier", 3>,
      I32EnumAttrCase<"normal", 4>,
      I32EnumAttrCase<"uniform", 5>
    ]> {
  let cppNamespace = "::mlir::nn";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def NN_ParamAttr : AttrDef<NN_Dialect, "Param"> {
  let mnemonic = "param";
  let summary = "Describes a model parameter: state_dict name, role, initialiser";
  let description = [{
    Put by MLIRGen on each parameter argument of `@predict` and `@loss`
    (`nn.param = #nn.param<...>`). `name` follows PyTorch's `state_dict`
    (`fc1.weight`, `bn1.running_mean`); `role` is `weight`, `bias` (both
    trained) or `buffer` (not trained, e.g. batchnorm running statistics);
    `init` is the initialiser and `scale` its optional number: the standard
    deviation of `normal`, the bound of `uniform`, a gain for `he`/`xavier`.

    ```mlir
    #nn.param<"fc1.weight", weight, he>
    #nn.param<"emb.weight", weight, normal, 2.000000e-02>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the state_dict name">:$name,
    EnumParameter<NN_ParamRole>:$role,
    EnumParameter<NN_InitKind>:$init,
    OptionalParameter<"::mlir::FloatAttr">:$scale
  );
  let assemblyFormat = "`<` $name `,` $role `,` $init (`,` $scale^)? `>`";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def NN_F32Tensor : RankedTensorOf<[F32]>;
def NN_I32Tensor : RankedTensorOf<[I32]>;
def NN_F32OrI32Tensor : RankedTensorOf<[F32, I32]>;
def NN_Scalar : 0DTensorOf<[F32]>;
def NN_Seed : 0DTensorOf<[I64]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getI64Type())";
}

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

/// The trait of a differentiable op: it implements `buildAdjoint`
/// (lib/Dialect/NN/Adjoints*.cpp), which autodiff calls.
defvar NN_Differentiable = DeclareOpInterfaceMethods<NN_AdjointOpInterface>;

/// The trait of a layer that autodiff differentiates through its
/// decomposition into simpler nn ops (`decompose`).
defvar NN_Decomposable = DeclareOpInterfaceMethods<NN_DecomposeOpInterface>;

/// The trait of an op that could act across the batch axis (dimension 0):
/// it says whether it does (`describeBatchAxisUse`, NNBatchAxis.cpp).
defvar NN_BatchAxisAware = DeclareOpInterfaceMethods<NN_BatchAxisOpInterface>;

/// The trait of an op that indexes with the values of an i32 operand: it
/// says the valid range (`getIndexBound`, NNIndexBounds.cpp).
defvar NN_IndexOperand =
    DeclareOpInterfaceMethods<NN_IndexOperandOpInterface>;

/// Every nn op is pure: parameters and the dropout seed are operands.
class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, !listconcat([Pure], traits)>;

/// An op whose result types follow from operands and attributes: the
/// inference (`inferReturnTypes(ctx, loc, Adaptor, types)`) is written in
/// NNTypeInference.cpp and is also what the verifier runs.
class NN_InferredOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat([InferTypeOpAdaptor], traits)>;

/// An elementwise op on one f32 tensor.
class NN_UnaryOp<string mnemonic, list<Trait> traits = []>
    : NN_InferredOp<mnemonic, !listconcat([Elementwise], traits)> {
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlir::nn::inferElementwiseUnary(getOperationName(), loc,
                                               adaptor.getInput(), types);
    }
  }];
}

/// An elementwise op on two f32 tensors with NumPy broadcasting;
/// `extraDefinition` adds to the C++ definitions every such op gets.
class NN_BinaryOp<string mnemonic, list<Trait> traits = [],
                  code extraDefinition = [{}]>
    : NN_InferredOp<mnemonic, !listconcat([NN_BatchAxisAware], traits)> {
  let arguments = (ins NN_F32Tensor:$lhs, NN_F32Tensor:$rhs);
  let results = (outs NN_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlir::nn::inferBroadcastBinary(getOperationName(), loc,
                                              adaptor.getLhs(),
                                              adaptor.getRhs(), types);
    }
    ::std::string $cppClass::describeBatchAxisUse() {
      return ::mlir::nn::describeBroadcast(getOperation());
    }
  }] # extraDefinition;
}

/// A loss: prediction and target of agreeing shapes, averaged over the batch
/// into an f32 scalar. Every loss is differentiable.
class NN_LossOp<string mnemonic, list<Trait> traits = []>
    : NN_InferredOp<mnemonic, !listconcat([NN_Differentiable], traits)> {
  let results = (outs NN_Scalar:$loss);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

/// The usual format of a multi-operand op whose results are inferred: all
/// operand types, then the result types (checked against the inference).
defvar NN_FunctionalFormat =
    "operands attr-dict `:` functional-type(operands, results)";

#endif // NNC_DIALECT_NN_NNBASE_TD
