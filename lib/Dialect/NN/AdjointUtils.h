//===- AdjointUtils.h - building blocks of the nn adjoints ---- -*- C++ -*-===//
//
// Small helpers the `buildAdjoint` implementations (Adjoints*.cpp) share:
// an `AdjointBuilder` that emits nn ops at one location with short names
// (add, mul, scalar constants, zeros of a possibly dynamic shape), the
// reduction of a broadcast gradient back to an operand's shape, and reshape
// to a type with the batch dimension written as -1.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_DIALECT_NN_ADJOINTUTILS_H
#define NNC_LIB_DIALECT_NN_ADJOINTUTILS_H

#include "nnc/Dialect/NN/NNOps.h"

namespace mlir {
namespace nn {

/// Emits nn ops at a fixed location through a builder whose insertion point
/// the autodiff pass has set.
class AdjointBuilder {
public:
  AdjointBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// The underlying builder and location, for ops without a shorthand.
  OpBuilder &builder() { return b; }
  Location getLoc() const { return loc; }

  /// A `tensor<f32>` constant.
  Value scalar(double value);
  /// Elementwise arithmetic with broadcasting.
  Value add(Value lhs, Value rhs) { return b.create<AddOp>(loc, lhs, rhs); }
  Value sub(Value lhs, Value rhs) { return b.create<SubOp>(loc, lhs, rhs); }
  Value mul(Value lhs, Value rhs) { return b.create<MulOp>(loc, lhs, rhs); }
  Value div(Value lhs, Value rhs) { return b.create<DivOp>(loc, lhs, rhs); }
  Value neg(Value x) { return b.create<NegOp>(loc, x); }
  Value scale(Value x, double factor);
  Value step(Value x) { return b.create<StepOp>(loc, x); }
  /// `x` with `axes` summed (or averaged), keeping them as size 1 or not.
  Value sum(Value x, ArrayRef<int64_t> axes, bool keepdim);
  Value mean(Value x, ArrayRef<int64_t> axes, bool keepdim);

  /// `x` reshaped to `type` (a dynamic dim becomes the batch -1); `x`
  /// itself when it already has that type.
  Value reshapeTo(Value x, RankedTensorType type);
  /// `x` broadcast to `type`, taking a dynamic batch from `batchRef`.
  Value broadcastTo(Value x, RankedTensorType type, Value batchRef);
  /// Zeros of `shape` (static, or with a dynamic dim 0 sized like
  /// `batchRef`'s dim 0).
  Value zeros(ArrayRef<int64_t> shape, Value batchRef);
  /// Sums a gradient computed at a broadcast shape back to `type`, the
  /// shape of the operand that was broadcast (NumPy rules).
  Value reduceTo(Value grad, RankedTensorType type);

private:
  OpBuilder &b;
  Location loc;
};

/// The ranked tensor type of `v`.
inline RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

} // namespace nn
} // namespace mlir

#endif // NNC_LIB_DIALECT_NN_ADJOINTUTILS_H
