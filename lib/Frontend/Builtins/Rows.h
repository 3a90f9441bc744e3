//===- Rows.h - Helpers to write the rows of the builtins -------*- C++ -*-===//
//
// Private to lib/Frontend. Each family file of this folder defines its
// builtins as rows (nnc/Frontend/Builtins.h): the signature written with the
// parameter helpers below, the emitter next to it. getBuiltins()
// (Builtins.cpp) concatenates the families in the order declared here.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_FRONTEND_BUILTINS_ROWS_H
#define NNC_LIB_FRONTEND_BUILTINS_ROWS_H

#include "../MLIRGenImpl.h"

#include <limits>

namespace nnc {
namespace rows {

//===----------------------------------------------------------------------===//
// The families, in table order (the order of `nnc --print-builtins`)
//===----------------------------------------------------------------------===//

std::vector<BuiltinSpec> denseConvPool(); ///< dense, conv2d, max/avgpool
std::vector<BuiltinSpec> norms();         ///< batchnorm, layernorm, dropout
std::vector<BuiltinSpec> sequence();      ///< embedding, positional
std::vector<BuiltinSpec> recurrent();     ///< rnn, lstm, gru
std::vector<BuiltinSpec> attention();     ///< self_attention
std::vector<BuiltinSpec> tensorOps();     ///< flatten, reshape, mean, ...
std::vector<BuiltinSpec> functions();     ///< concat, min, max, matmul, ...
std::vector<BuiltinSpec> activations();   ///< relu, gelu, softmax, ...
std::vector<BuiltinSpec> losses();        ///< losses and penalties
std::vector<BuiltinSpec> training();      ///< optimizers, schedules, data,
                                          ///< early stopping, initialisers

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double kMaxInt = 2147483647.0;

/// A parameter `name` of types `types` with default `def` ("" = required).
inline ParamSpec param(const char *name, unsigned types, const char *def = "") {
  ParamSpec p;
  p.name = name;
  p.types = types;
  p.defaultValue = def;
  return p;
}
/// A positive integer (a size, a count).
inline ParamSpec count(const char *name, const char *def = "") {
  return param(name, PT_Int, def).range(1, kMaxInt);
}
/// A probability-like number in [0, 1).
inline ParamSpec fraction(const char *name, const char *def) {
  return param(name, PT_Float, def).range(0, 1, false, true);
}
/// A non-negative number.
inline ParamSpec nonNegative(const char *name, const char *def = "") {
  return param(name, PT_Float, def).range(0, inf);
}
/// A strictly positive number.
inline ParamSpec positive(const char *name, const char *def = "") {
  return param(name, PT_Float, def).range(0, inf, true);
}
inline ParamSpec flag(const char *name, const char *def) {
  return param(name, PT_Bool, def);
}
/// The initialiser of a layer's weight; `auto` is resolved by Sema.
inline ParamSpec init(const char *def = "auto") {
  return param("init", 0, def).call(BuiltinKind::Init).oneOf({"auto"});
}
/// Padding: one number for every side, or `[top, left, bottom, right]`.
inline ParamSpec padding(unsigned types, const char *def) {
  return param("pad", types, def)
      .range(0, kMaxInt)
      .perSide({"top", "left", "bottom", "right"});
}
inline ParamSpec tensor(const char *name) { return param(name, PT_Tensor); }
inline ParamSpec axis(const char *def = "") {
  return param("axis", PT_Int, def).range(-8, 7);
}

//===----------------------------------------------------------------------===//
// Rows
//===----------------------------------------------------------------------===//

/// A layer (`x -> dense(3)`); `autoInit`: how it reads as the stage after a
/// layer with `init = auto`.
inline BuiltinSpec layer(const char *name, std::vector<ParamSpec> params,
                         const char *summary, StageEmitter emit,
                         AutoInit autoInit = AutoInit::Xavier) {
  BuiltinSpec spec{name, BuiltinKind::Layer, U_Stage, std::move(params),
                   summary};
  spec.emitStage = emit;
  spec.autoInit = autoInit;
  return spec;
}
inline BuiltinSpec activation(const char *name, std::vector<ParamSpec> params,
                              const char *summary, StageEmitter emit,
                              AutoInit autoInit = AutoInit::Xavier) {
  BuiltinSpec spec = layer(name, std::move(params), summary, emit, autoInit);
  spec.kind = BuiltinKind::Activation;
  return spec;
}
/// A parameter-free tensor op applied with `->` (`x -> flatten`).
inline BuiltinSpec stageOp(const char *name, std::vector<ParamSpec> params,
                           const char *summary, StageEmitter emit) {
  BuiltinSpec spec = layer(name, std::move(params), summary, emit);
  spec.kind = BuiltinKind::TensorOp;
  return spec;
}
/// A tensor function called in value position (`concat(a, b)`).
inline BuiltinSpec function(const char *name, std::vector<ParamSpec> params,
                            const char *summary, CallEmitter emit) {
  BuiltinSpec spec{name, BuiltinKind::TensorOp, U_Function, std::move(params),
                   summary};
  spec.emitCall = emit;
  return spec;
}
/// A builtin used as a value (an option or argument: `adam(0.01)`).
inline BuiltinSpec value(const char *name, BuiltinKind kind,
                         std::vector<ParamSpec> params, const char *summary) {
  return {name, kind, U_Value, std::move(params), summary};
}

//===----------------------------------------------------------------------===//
// Emitter helpers
//===----------------------------------------------------------------------===//

inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value value) {
  return mlir::cast<mlir::RankedTensorType>(value.getType()).getShape();
}
inline mlir::NamedAttribute f32Attr(detail::MLIRGenImpl &g,
                                    llvm::StringRef name, double value) {
  return g.builder.getNamedAttr(name, g.builder.getF32FloatAttr(value));
}
inline mlir::NamedAttribute i64Attr(detail::MLIRGenImpl &g,
                                    llvm::StringRef name, int64_t value) {
  return g.builder.getNamedAttr(name, g.builder.getI64IntegerAttr(value));
}
inline mlir::NamedAttribute boolAttr(detail::MLIRGenImpl &g,
                                     llvm::StringRef name, bool value) {
  return g.builder.getNamedAttr(name, g.builder.getBoolAttr(value));
}
inline mlir::NamedAttribute arrayAttr(detail::MLIRGenImpl &g,
                                      llvm::StringRef name,
                                      llvm::ArrayRef<int64_t> values) {
  return g.builder.getNamedAttr(name, g.builder.getDenseI64ArrayAttr(values));
}

/// A bias: a zero-initialised parameter, or a constant zero when the layer
/// has `bias = false` (for ops whose biases are not optional).
mlir::Value biasOrZeros(detail::MLIRGenImpl &g, const CallExprAST &call,
                        bool bias, const std::string &name, int64_t size,
                        mlir::nn::InitKind init = mlir::nn::InitKind::zeros,
                        std::optional<double> scale = {});

/// The op that applies one input unchanged: `unary<nn::ReluOp>`.
template <typename UnaryOp>
mlir::Value unary(detail::MLIRGenImpl &g, const CallExprAST &call,
                  mlir::Value x) {
  return g.build1<UnaryOp>(call.loc(), call.callee, x);
}

} // namespace rows
} // namespace nnc

#endif // NNC_LIB_FRONTEND_BUILTINS_ROWS_H
