//===- TypeChecks.h - named shape constraints of nn ops ------- -*- C++ -*-===//
//
// The building blocks of nn type inference, in the spirit of StableHLO's
// TypeInference.cpp: each documented constraint ("weight is [O, K] with K
// the input's last dim", "shapes broadcast") is written once here and
// named after what it enforces. Every failure is an error at the op's
// location that names the op and says what was expected and what was found,
// so the front end can show it standing alone at a DSL position.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_DIALECT_NN_TYPECHECKS_H
#define NNC_LIB_DIALECT_NN_TYPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Value.h"
#include "nnc/Dialect/NN/NNOps.h"

#include <optional>
#include <string>
#include <type_traits>

namespace mlir {
namespace nn {
namespace typecheck {

/// A dimension that matches any size in an expected shape.
constexpr int64_t kAnyDim = ShapedType::kDynamic;

/// Formats a shape as `[?, 64]`.
std::string formatShape(ArrayRef<int64_t> shape);

/// True when two dimensions may be equal at run time (equal or dynamic).
bool dimsAgree(int64_t a, int64_t b);

/// True when two shapes have the same rank and agreeing dimensions.
bool shapesAgree(ArrayRef<int64_t> a, ArrayRef<int64_t> b);

/// Emits the diagnostics of one op's type inference at its location.
class OpChecker {
public:
  OpChecker(StringRef opName, std::optional<Location> loc)
      : opName(opName), loc(loc) {}

  /// Emits "'<op>' op <message>" (when a location is known) and fails;
  /// types in the message are spelled by formatType (`f32[N, 2]`). At a
  /// NameLoc, the front end's name of what it builds ("dense", "'+'")
  /// replaces "'<op>' op" (joined with ": " before "cannot ...").
  template <typename First, typename... Args>
  LogicalResult fail(First &&first, Args &&...args) const {
    if (!loc)
      return failure();
    InFlightDiagnostic diag = emitError(*loc);
    if (auto name = dyn_cast<NameLoc>(*loc)) {
      bool cannot = false;
      if constexpr (std::is_convertible_v<First, StringRef>)
        cannot = StringRef(first).starts_with("cannot ");
      diag << name.getName().getValue() << (cannot ? ": " : " ");
    } else {
      diag << "'" << opName << "' op ";
    }
    diag << text(std::forward<First>(first));
    (diag << ... << text(std::forward<Args>(args)));
    return diag;
  }

  /// Constraint: `value` is a ranked tensor of `elementType`. `what` names
  /// the operand ("input"), `form` shows the expected layout ("f32[N, K]").
  FailureOr<RankedTensorType> tensorOf(Value value, Type elementType,
                                       StringRef what, StringRef form) const;

  /// Constraint: a ranked f32 tensor whose rank is in [minRank, maxRank].
  FailureOr<RankedTensorType> f32Tensor(Value value, StringRef what,
                                        StringRef form, int64_t minRank = 0,
                                        int64_t maxRank = INT64_MAX) const;

  /// Constraint: a ranked f32 tensor of exactly `expected` (kAnyDim matches
  /// any size). `why` ends the message, e.g. " with K = 2 (the input's last
  /// dim)".
  FailureOr<RankedTensorType> f32Shape(Value value, StringRef what,
                                       StringRef form,
                                       ArrayRef<int64_t> expected,
                                       const Twine &why = "") const;

  /// Constraint: 0 <= axis < rank.
  LogicalResult axisInRange(int64_t axis, int64_t rank, StringRef what,
                            Type type) const;

  /// Constraint: an attribute array has `size` entries, each >= `minValue`.
  LogicalResult arrayOf(ArrayRef<int64_t> values, size_t size, int64_t minValue,
                        StringRef what, StringRef form) const;

  /// Constraint: average pooling's `divisor_padding` (the padded cells its
  /// divisor counts) has four entries, each within `padding`'s.
  LogicalResult divisorPadding(ArrayRef<int64_t> padding,
                               ArrayRef<int64_t> counted) const;

  /// Constraint: prediction and target shapes agree (same rank, dims equal
  /// or dynamic); the message names both.
  LogicalResult sameShape(RankedTensorType input, RankedTensorType target,
                          StringRef inputName, StringRef targetName) const;

private:
  /// A message part: types through formatType, anything else as is.
  template <typename T> static decltype(auto) text(T &&part) {
    if constexpr (std::is_convertible_v<std::decay_t<T>, Type>)
      return formatType(part);
    else
      return std::forward<T>(part);
  }

  StringRef opName;
  std::optional<Location> loc;
};

/// The NumPy broadcast of two shapes, or std::nullopt when they do not
/// broadcast. A dynamic dim (the batch) pairs only with 1 or `?` (result
/// `?`): paired with a static size it would be read as that size whatever
/// the batch.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b);

/// Builds `tensor<shape x f32>`.
RankedTensorType f32TensorType(MLIRContext *ctx, ArrayRef<int64_t> shape);

} // namespace typecheck
} // namespace nn
} // namespace mlir

#endif // NNC_LIB_DIALECT_NN_TYPECHECKS_H
