//===- MLIRGenImpl.h - Internals of MLIRGen (AST to nn) ---------*- C++ -*-===//
//
// The state shared by the MLIRGen sources: MLIRGen.cpp (module, functions,
// parameters, scopes, expressions, blocks), MLIRGenLayers.cpp (builtin calls
// through the emitters of their rows), MLIRGenTrain.cpp (the loss function
// and the recipe attribute) and the emitters of the builtin rows in
// lib/Frontend/Builtins/. Private to lib/Frontend.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_FRONTEND_MLIRGENIMPL_H
#define NNC_LIB_FRONTEND_MLIRGENIMPL_H

#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Frontend/MLIRGen.h"
#include "nnc/Frontend/Sema.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>
#include <optional>

namespace nnc {
namespace detail {

/// A compile-time value of the language: a number, a bool, a string or an
/// identifier (`same`, `he`, `N`).
struct ConstValue {
  enum Kind { Int, Float, Bool, String, Ident } kind = Int;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  std::string text; ///< String and Ident

  bool isNumber() const { return kind == Int || kind == Float; }
  double asDouble() const {
    return kind == Int ? double(intValue) : floatValue;
  }
};

/// One instantiation of a model or block body being emitted.
struct GraphScope {
  const ModelAST *graph = nullptr;
  /// Prefix of every parameter name ("encoder1." inside a block instance).
  std::string prefix;
  /// Values of the graph's inputs.
  std::vector<mlir::Value> inputs;
  /// Tensor value of each statement (by statement index).
  std::map<size_t, mlir::Value> values;
  /// Constant statements (`T = 28`) by statement index.
  std::map<size_t, ConstValue> constants;
  /// The actual arguments of a block instance, by parameter index.
  std::vector<ConstValue> params;
  /// Last number given to each layer kind ("fc" -> 2) in this scope.
  std::map<std::string, unsigned> counters;
  /// The enclosing scope and the call that instantiated this one.
  GraphScope *parent = nullptr;
  const CallExprAST *call = nullptr;
};

/// A parameter argument of @predict and @loss.
struct ParamInfo {
  std::string name;
  mlir::RankedTensorType type;
  mlir::nn::ParamAttr attr;
  /// True for the weights l1/l2 penalise (kernels and tables, not biases,
  /// norm parameters, positional tables or buffers).
  bool penalised = false;
  /// The DSL call that created it.
  mlir::Location loc;
};

/// Builds the module of one .nn file; see MLIRGen.h.
class MLIRGenImpl {
public:
  MLIRGenImpl(mlir::MLIRContext &context, const ModuleAST &module,
              DiagnosticEngine &diags);
  mlir::OwningOpRef<mlir::ModuleOp> run();

  //--- MLIRGen.cpp: locations, constants, parameters, expressions ---------//

  /// The MLIR location of a DSL position.
  mlir::Location loc(const Location &where);
  /// Reports an error at `where` plus the enclosing block instances.
  void error(const Location &where, const llvm::Twine &message);
  /// Evaluates a compile-time argument in the current scope.
  std::optional<ConstValue> evalConst(const ExprAST &expr);
  /// Argument `name` of `call` as an integer / number / bool / identifier;
  /// std::nullopt (error reported) when it is absent or of another kind.
  std::optional<int64_t> intArg(const CallExprAST &call, llvm::StringRef name);
  std::optional<double> floatArg(const CallExprAST &call, llvm::StringRef name);
  std::optional<bool> boolArg(const CallExprAST &call, llvm::StringRef name);
  std::optional<std::string> identArg(const CallExprAST &call,
                                      llvm::StringRef name);
  /// The next name of a layer kind in this scope: "fc1", "fc2", ...
  std::string layerName(llvm::StringRef kind, bool firstUnnumbered = false);
  /// The parameter `name` (relative to the scope prefix) of shape `shape`:
  /// a new argument of @predict, the same argument of @loss.
  mlir::Value param(const Location &where, const std::string &name,
                    llvm::ArrayRef<int64_t> shape, mlir::nn::ParamRole role,
                    mlir::nn::InitKind init, std::optional<double> scale = {},
                    bool penalised = false);
  /// A parameter whose initialiser is the `init` argument of `call`.
  mlir::Value
  paramFromInit(const CallExprAST &call, const std::string &name,
                llvm::ArrayRef<int64_t> shape, bool penalised,
                mlir::nn::ParamRole role = mlir::nn::ParamRole::weight);
  /// Infers the result types of `OpTy` at `where` and builds it; null after
  /// reporting the error (named after `subject`) when the shapes are wrong.
  template <typename OpTy>
  mlir::Operation *build(const Location &where, llvm::StringRef subject,
                         mlir::ValueRange operands,
                         llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::Location l = loc(where);
    // Inferred at a location named after the subject, which the type checks
    // put in their messages ("dense expects ...").
    mlir::Location named =
        mlir::NameLoc::get(builder.getStringAttr(subject), l);
    auto types =
        mlir::nn::inferResultTypes<OpTy>(&context, named, operands, attrs);
    if (mlir::failed(types)) {
      noteInstances();
      return nullptr;
    }
    mlir::Operation *op =
        builder.create<OpTy>(l, *types, operands, attrs).getOperation();
    if (inGraph && !keepsBatchAxis(op, where, subject)) {
      op->erase();
      return nullptr;
    }
    return op;
  }
  template <typename OpTy>
  mlir::Value build1(const Location &where, llvm::StringRef subject,
                     mlir::ValueRange operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::Operation *op = build<OpTy>(where, subject, operands, attrs);
    return op ? op->getResult(0) : mlir::Value();
  }
  /// The batch-axis rule (docs/language.md, "The batch axis") for an op of a
  /// model graph: reports an error at `where` and returns false when `op`
  /// would move, merge, concatenate, reduce or broadcast the batch N, or
  /// gives a tensor whose first dimension is not N.
  bool keepsBatchAxis(mlir::Operation *op, const Location &where,
                      llvm::StringRef subject);
  /// A tensor<f32> constant.
  mlir::Value scalarConstant(const Location &where, double value);
  /// Emits a tensor expression; null after an error.
  mlir::Value emitExpr(const ExprAST &expr);
  /// Evaluates the constant statements (`T = 28`) of `scope.graph`.
  bool emitConstants(GraphScope &scope);
  /// Emits the tensor statements of `scope.graph` (inputs already bound).
  bool emitBody(GraphScope &scope);
  /// Inlines a block instance on `input`.
  mlir::Value emitBlock(const CallExprAST &call, mlir::Value input);
  /// Checks `input` against a graph input declaration: dtype, rank and the
  /// dimensions the declaration fixes. `who` names the graph in messages.
  bool checkInputType(const InputDeclAST &decl, mlir::Value input,
                      const Location &where, llvm::StringRef who);
  /// The tensor type of a declaration in the current scope.
  mlir::RankedTensorType declType(const TensorTypeAST &type);

  //--- MLIRGenLayers.cpp: builtins through their rows' emitters ---------//

  /// Applies one stage (layer, activation, tensor op or block) to `input`.
  mlir::Value emitStage(const CallExprAST &call, mlir::Value input);
  /// A tensor function in value position (`concat(a, b)`).
  mlir::Value emitFunctionCall(const CallExprAST &call);
  /// Reports "<who> expects a rank-R input <form>, got <type>" unless the
  /// rank of `input` is in [minRank, maxRank]; `tooHigh` is appended when
  /// the rank is above it.
  bool expectRank(const CallExprAST &call, mlir::Value input, int64_t minRank,
                  int64_t maxRank, llvm::StringRef form,
                  llvm::StringRef tooHigh = "");

  //--- MLIRGenTrain.cpp: the loss function and the recipe -----------------//

  /// Builds @loss for `train`; false after an error.
  bool emitLossFunction(const TrainAST &train);
  /// Emits a loss expression (sum of scaled terms); null after an error.
  mlir::Value emitLoss(const ExprAST &expr);
  /// The nn.recipe dictionary of a train section.
  mlir::DictionaryAttr recipe(const TrainAST &train);

  mlir::MLIRContext &context;
  const ModuleAST &ast;
  DiagnosticEngine &diags;
  MLIRDiagnosticForwarder forwarder;
  mlir::OpBuilder builder;
  mlir::ModuleOp module;

  /// True while the statements of a model or block body are emitted (the
  /// batch-axis rule applies), false for losses.
  bool inGraph = false;
  /// The function being built and whether it runs in training mode.
  mlir::func::FuncOp function;
  bool training = false;
  GraphScope *scope = nullptr;
  /// Parameters in argument order (filled by @predict, reused by @loss).
  std::vector<ParamInfo> params;
  /// Index of the first parameter argument; the next parameter of @loss.
  unsigned firstParamArg = 0;
  size_t nextParam = 0;
  /// Set when the model has an active dropout (so @loss takes a seed).
  bool usesDropout = false;
  /// @loss: the seed and row-offset arguments and the number of dropout
  /// sites so far.
  mlir::Value seed, rowOffset;
  unsigned dropoutSites = 0;
  /// Set when the model has a batchnorm (filled by @predict).
  bool usesBatchnorm = false;
  /// @loss of a model with `sync_batchnorm = true` and a batchnorm: the
  /// `nn.replicas` argument, the operand of every batchnorm_train.
  mlir::Value replicas;
  /// @loss: the values of the train section's targets.
  std::vector<mlir::Value> targets;
  /// @loss: new running statistics and the argument each one replaces.
  std::vector<std::pair<mlir::Value, unsigned>> bufferUpdates;

private:
  void noteInstances();
  bool emitPredict(const ModelAST &model);
  mlir::Value emitBinary(const BinaryExprAST &bin);
  mlir::Value emitIdent(const IdentExprAST &ident);
};

/// The integers of the variadic argument `name` of `call` (`reshape(N, 16,
/// 49)`), `N` as -1; null after reporting a non-integer.
std::optional<llvm::SmallVector<int64_t>>
intList(MLIRGenImpl &g, const CallExprAST &call, llvm::StringRef name);

/// The recipe attribute of an option or argument value as written (a
/// normalised data source call is a dictionary with its `kind`); `spec`
/// (may be null) says whether a number is a float.
mlir::Attribute recipeValue(mlir::Builder &b, const ExprAST &expr,
                            const ParamSpec *spec);

/// Resolves a possibly negative axis against a rank.
inline int64_t resolveAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

} // namespace detail
} // namespace nnc

#endif // NNC_LIB_FRONTEND_MLIRGENIMPL_H
