//===- LoweringUtils.h - builders shared by the nn lowerings --- -*- C++
//-*-===//
//
// Small builders every nn-to-linalg pattern family uses: constants, empty
// tensors whose dynamic (batch) sizes come from `tensor.dim`, elementwise
// `linalg.generic`s with NumPy broadcasting through indexing maps,
// reductions, explicit transposes and matrix products, the dense layer,
// reshapes through collapse/expand, softmax and the dropout hash. Private to
// lib/Conversion/NNToLinalg (the Grad*.cpp lowerings use them too).
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_CONVERSION_NNTOLINALG_LOWERINGUTILS_H
#define NNC_LIB_CONVERSION_NNTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"
#include "nnc/Dialect/NN/NNOps.h"

namespace nnc::lowering {

/// Builds the scalar body of a generic from its block arguments (inputs,
/// then the output's current value) and returns the value to yield.
using ScalarFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// An f32 `arith.constant`.
mlir::Value f32Const(mlir::OpBuilder &b, mlir::Location loc, double value);
/// An index `arith.constant`.
mlir::Value indexConst(mlir::OpBuilder &b, mlir::Location loc, int64_t value);

/// The sizes of a ranked tensor value (`tensor.dim` for the dynamic ones).
llvm::SmallVector<mlir::OpFoldResult>
getSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

/// A `tensor.empty` of `type`; each dynamic dimension takes the size of
/// dimension 0 (the batch) of `batchSource`.
mlir::Value emptyWithBatch(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::RankedTensorType type,
                           mlir::Value batchSource);

/// GELU's inner function of an f32 `x`: erf(x / sqrt(2)), or with
/// `approximate` tanh(sqrt(2/pi) (x + 0.044715 x^3)). gelu(x) and gelu'(x)
/// below are both written with it, so that gelu_with_slope evaluates it once.
mlir::Value geluInner(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      bool approximate);
/// gelu(x) = 0.5 x (1 + inner).
mlir::Value geluValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value inner);
/// gelu'(x): Phi(x) + x phi(x) = 0.5 (1 + inner) + x exp(-x^2 / 2) /
/// sqrt(2 pi) for the exact form; 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 a
/// x^2) with t = inner, k = sqrt(2/pi), a = 0.044715 for the tanh form.
mlir::Value geluSlope(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value inner, bool approximate);

/// `linalg.fill` of `init` with an f32 value.
mlir::Value fill(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init,
                 double value);

/// A single-result `linalg.generic` with parallel loops over `init`'s shape
/// (identity output map); `inputMaps` map those loops to each input.
mlir::Value parallelGeneric(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value init, mlir::ValueRange inputs,
                            llvm::ArrayRef<mlir::AffineMap> inputMaps,
                            ScalarFn body);

/// The indexing map reading an input of shape `in` inside a loop nest over
/// `out` with NumPy broadcasting (right-aligned; a static 1 against another
/// size reads index 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> in,
                             llvm::ArrayRef<int64_t> out);

/// An elementwise generic producing `resultType` from broadcast `inputs`;
/// dynamic result sizes are read from an input whose aligned dim is dynamic.
mlir::Value broadcastElementwise(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::RankedTensorType resultType,
                                 mlir::ValueRange inputs, ScalarFn body);

/// Applies `body` to every element of `input` (same type out).
mlir::Value unaryElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value input, ScalarFn body);

/// Reduces `input` over `axes` into a tensor initialised with `init`;
/// `combine(b, loc, {element, accumulator})` gives the new accumulator.
/// With `keepdim` the reduced axes stay as size 1.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                   llvm::ArrayRef<int64_t> axes, bool keepdim, double init,
                   ScalarFn combine);

/// The number of elements of `input` over `axes`, as an f32 value.
mlir::Value countF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                     llvm::ArrayRef<int64_t> axes);

/// `linalg.transpose` of `input` with `perm` (result dim i = input dim
/// perm[i]).
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      llvm::ArrayRef<int64_t> perm);

/// `[M, K] x [K, P]` with `linalg.matmul` into a zero-filled accumulator.
mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                   mlir::Value rhs);

/// `[B, M, K] x [B, K, P]` with `linalg.batch_matmul`.
mlir::Value batchMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                        mlir::Value rhs);

/// The dense layer: `input [..., K]`, `weight [O, K]`, optional `bias [O]`:
/// transpose of the weight, `linalg.matmul` on the collapsed leading dims,
/// a bias generic, then the leading dims expanded back.
mlir::Value dense(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                  mlir::Value weight, mlir::Value bias);

/// Row-major reshape to `type` (at most one dynamic dim) through a
/// collapse to rank 1 and an expand.
mlir::Value reshape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                    mlir::RankedTensorType type);

/// `input` (a static f32 tensor) summed over the replicas through the model
/// shim's `nnc_rt_replica_sum` and the instance in the i64 scalar tensor
/// `replicas` (Replicas.cpp).
mlir::Value replicaSum(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, mlir::Value replicas);

/// Elements [offset, offset + size) of `input` along `dim`, every other dim
/// whole (a `tensor.extract_slice`).
mlir::Value sliceDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                     int64_t dim, int64_t offset, int64_t size);

/// Writes `src` at [offset, ...) along `dim` of `dest`, every other dim
/// whole (a `tensor.insert_slice`; sliceDim's inverse).
mlir::Value insertDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                      mlir::Value dest, int64_t dim, int64_t offset);

/// Columns [col, col + width) of step `t` of a [N, T, X] tensor, as
/// [N, width] (`batch` = N).
mlir::Value stepSlice(mlir::OpBuilder &b, mlir::Location l, mlir::Value seq,
                      mlir::Value t, int64_t col, int64_t width,
                      mlir::Value batch);

/// Writes `src` [N, width] back at columns [col, ...) of step `t` of `seq`.
mlir::Value insertStep(mlir::OpBuilder &b, mlir::Location l, mlir::Value src,
                       mlir::Value seq, mlir::Value t, int64_t col,
                       mlir::Value batch);

/// Collapses dims [first, first + count) of `input` into one.
mlir::Value collapseDims(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value input, int64_t first, int64_t count);

/// Splits dim `dim` of `input` into `sizes` (at most one dynamic, written as
/// ShapedType::kDynamic).
mlir::Value expandDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      int64_t dim, llvm::ArrayRef<int64_t> sizes);

/// Numerically stable (log-)softmax of `input` along `axis`: max, then
/// e = exp(x - max) (kept), its sum and e * (1 / sum); or x - max -
/// log(sum of exp(x - max)). Reciprocals and logarithms once per row.
mlir::Value softmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                    int64_t axis, bool logarithm);

/// Pads the spatial dims of an NCHW tensor by (top, left, bottom, right)
/// with `value`: a generic over the padded shape reading the input with a
/// bounds-checked, clamped `tensor.extract`. (Not `tensor.pad`: MLIR 19's
/// one-shot bufferization sizes the buffer of a pad with a dynamic batch
/// from its own dim, and an insert_slice becomes a `memref.copy` that needs
/// the `memrefCopy` runtime; see docs/lowering.md.)
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> pad,
                       double value);

/// Dropout's keep decision for one element (docs/lowering.md): an i1 that is
/// true when hash(seed, flatIndex) / 2^24 >= p. `seed` and `flatIndex` are
/// i64 scalars.
mlir::Value dropoutKeep(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value seed, mlir::Value flatIndex, double p);

/// The row-major flat index (i64) of the current element of a generic over
/// a tensor with `sizes`, from `linalg.index`.
mlir::Value flatIndex(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// `lo <= v < hi` on index values (an i1).
mlir::Value inRange(mlir::OpBuilder &b, mlir::Location l, mlir::Value v,
                    int64_t lo, int64_t hi);

/// `v` clamped to [0, size).
mlir::Value clampIndex(mlir::OpBuilder &b, mlir::Location l, mlir::Value v,
                       int64_t size);

/// The output position along one spatial dim of a windowed op whose window
/// puts tap offset `k` on input cell `i`: `(i + padLow - k) / stride`, valid
/// when that is an exact division landing in [0, outSize). Returns {valid,
/// clamped position}.
std::pair<mlir::Value, mlir::Value> windowOf(mlir::OpBuilder &b,
                                             mlir::Location l, mlir::Value i,
                                             mlir::Value k, int64_t padLow,
                                             int64_t stride, int64_t outSize);

/// The table row (index) of the i32 `id` in a table of `vocab` rows: with
/// `fromEnd` an id in [-vocab, -1] is `id + vocab`; then clamped to
/// [0, vocab) so that no id reads outside the table (docs/safety.md).
mlir::Value tableRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value id,
                     int64_t vocab, bool fromEnd);

/// The number of real (unpadded) cells of the pooling window at output
/// index `out` along one spatial dim of `size` cells: the divisor of
/// avgpool2d and of its gradient.
mlir::Value windowCount(mlir::OpBuilder &b, mlir::Location loc, mlir::Value out,
                        int64_t stride, int64_t padLow, int64_t kernel,
                        int64_t size);

/// The geometry of a 2-D NCHW convolution (ConvMatmul.cpp): kernel, stride
/// and dilation per spatial dim, the padding before/after, the output size.
struct ConvGeometry {
  int64_t kernel[2], strides[2], dilations[2];
  int64_t padLow[2], padHigh[2];
  int64_t outSize[2];
  bool isPadded() const {
    return padLow[0] || padLow[1] || padHigh[0] || padHigh[1];
  }
};

/// The geometry of a convolution with `weight [F, C, KH, KW]`, the op's
/// strides, dilations and (top, left, bottom, right) padding, producing
/// NCHW `output`.
ConvGeometry convGeometry(mlir::RankedTensorType weight,
                          llvm::ArrayRef<int64_t> strides,
                          llvm::ArrayRef<int64_t> dilations,
                          llvm::ArrayRef<int64_t> padding,
                          mlir::RankedTensorType output);

/// The im2col matrix of NCHW `x`: `[N * OH * OW, C * KH * KW]` with
/// `col[(n, oh, ow), (c, kh, kw)] = x[n, c, oh*s + kh*d - top, ow*s + kw*d -
/// left]`, zero in the padding.
mlir::Value im2col(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                   const ConvGeometry &g);

/// The convolution of NCHW `x` with `w [F, C, KH, KW]` (plus `bias [F]` when
/// not null) as im2col, one `linalg.matmul` and a transposing generic back to
/// NCHW `resultType` (its batch dim taken from `x`).
mlir::Value convAsMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value w, mlir::Value bias, const ConvGeometry &g,
                         mlir::RankedTensorType resultType);

/// The input gradient of that convolution, `inputType` like `x`: `dcol = dy
/// as [N * OH * OW, F] x w as [F, C * KH * KW]` (one `linalg.matmul`), then
/// col2im as a gather: each input cell sums the `dcol` entries of the
/// windows and taps that read it.
mlir::Value convInputGradAsMatmul(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value dy, mlir::Value w,
                                  const ConvGeometry &g,
                                  mlir::RankedTensorType inputType);

/// The weight gradient of that convolution, `dw = dy^T x col`, as one
/// `linalg.matmul` reducing over the (dynamic) N * OH * OW.
mlir::Value convWeightGradAsMatmul(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::Value x, mlir::Value dy,
                                   const ConvGeometry &g,
                                   mlir::RankedTensorType weightType);

/// The CPU forms of the three (ConvPerImage.cpp): an `scf.forall` over the
/// images, one static `linalg.matmul` per image in the NCHW orientation.
/// The convolution of `x` with `w` (plus `bias` when not null).
mlir::Value convPerImage(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value w, mlir::Value bias, const ConvGeometry &g,
                         mlir::RankedTensorType resultType);
/// `dw = sum over images of colT x dy[n]^T` (per group of images, the
/// groups' partials summed in order), transposed back to `weightType`.
mlir::Value convWeightGradPerImage(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::Value x, mlir::Value dy,
                                   const ConvGeometry &g,
                                   mlir::RankedTensorType weightType);
/// `dcolT = w^T x dy[n]`, added back tap by tap; needs unit strides
/// (hasUnitStrides).
mlir::Value convInputGradPerImage(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value dy, mlir::Value w,
                                  const ConvGeometry &g,
                                  mlir::RankedTensorType inputType);
bool hasUnitStrides(const ConvGeometry &g);

/// Pooling whose windows tile the image (PoolingTiles.cpp): kernel ==
/// stride, no padding, spatial sizes divisible by the kernel.
bool windowsTileImage(mlir::RankedTensorType input,
                      llvm::ArrayRef<int64_t> kernel,
                      llvm::ArrayRef<int64_t> strides,
                      llvm::ArrayRef<int64_t> padding);
/// maxpool2d (`isMax`) or avgpool2d of such windows.
mlir::Value poolTiles(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      llvm::ArrayRef<int64_t> kernel, bool isMax,
                      mlir::RankedTensorType resultType);
/// Their input gradient from the output gradient `dy`.
mlir::Value poolTilesGrad(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          mlir::Value dy, llvm::ArrayRef<int64_t> kernel,
                          bool isMax);

/// The op type that the lowering function `Fn` takes first.
template <auto Fn>
using LoweredOp = std::decay_t<
    typename llvm::function_traits<decltype(Fn)>::template arg_t<0>>;

/// The conversion pattern of a lowering function
/// `Fn(op, adaptor, rewriter[, options])`, which builds the replacement of
/// `op` and returns it: a `Value`, a range of values, or a `FailureOr` of
/// either (a failure, after `notifyMatchFailure`, leaves the op in place).
/// Every nn lowering is such a function, so that the pattern class, the
/// `replaceOp` and the `success()` are written once, here. A function with
/// a fourth parameter also gets the pass options (the convolutions).
template <auto Fn>
struct FnLowering : mlir::OpConversionPattern<LoweredOp<Fn>> {
  using OpTy = LoweredOp<Fn>;
  FnLowering(mlir::MLIRContext *ctx, const NNToLinalgOptions &options = {})
      : mlir::OpConversionPattern<OpTy>(ctx), options(options) {}

  mlir::LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  mlir::ConversionPatternRewriter &rewriter) const override {
    if constexpr (llvm::function_traits<decltype(Fn)>::num_args == 4)
      return replace(op, Fn(op, adaptor, rewriter, options), rewriter);
    else
      return replace(op, Fn(op, adaptor, rewriter), rewriter);
  }

private:
  template <typename T>
  static mlir::LogicalResult
  replace(OpTy op, const mlir::FailureOr<T> &result,
          mlir::ConversionPatternRewriter &rewriter) {
    if (mlir::failed(result))
      return mlir::failure();
    return replace(op, *result, rewriter);
  }
  template <typename T>
  static mlir::LogicalResult
  replace(OpTy op, const T &result, mlir::ConversionPatternRewriter &rewriter) {
    rewriter.replaceOp(op, result);
    return mlir::success();
  }

  NNToLinalgOptions options;
};

/// Adds the patterns of the lowering functions `Fns` (FnLowering).
template <auto... Fns>
void addLowerings(mlir::RewritePatternSet &patterns,
                  const NNToLinalgOptions &options = {}) {
  patterns.add<FnLowering<Fns>...>(patterns.getContext(), options);
}

} // namespace nnc::lowering

#endif // NNC_LIB_CONVERSION_NNTOLINALG_LOWERINGUTILS_H
