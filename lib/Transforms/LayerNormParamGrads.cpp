//===- LayerNormParamGrads.cpp - layer-norm parameter gradients from dW --===//
//
// Implements nnc-layernorm-param-grads. A layer normalisation
// `xn = xhat * gamma + beta` feeding a dense layer `y = xn W^T + b` whose
// input `x` needs no gradient (a model input) leaves, after nnc-autodiff and
// dead-code elimination, a full product `dxn = G W` (G = dL/dy, `[.., K]`,
// W `[K, C]`) that only the gamma and beta gradients read:
//
//   dgamma = sum_rows dxn * xhat      dbeta = sum_rows dxn
//   dW     = sum_rows G^T xn          (the dense layer's weight gradient)
//
// With `M = sum_rows G^T xhat` (`[K, C]`) and `db = sum_rows G` (`[K]`) the
// same three are
//
//   dW = M * gamma + db beta^T   dgamma_c = sum_k W_kc M_kc
//   dbeta_c = sum_k W_kc db_k
//
// so one product of the dW's size replaces two (dW and dxn) and the rest is
// elementwise on `[K, C]`: the encoder bench's first layer norm (its input is
// the model's), whose `dxn` product was 100 of its 1,310 MFLOP per step.
// The pass matches what nnc-autodiff builds (docs/autodiff.md): `dxn` is a
// `nn.matmul G, W` read only by the beta gradient's `reduce_sum` over every
// axis but the last and by `dxn * xhat` summed the same way, where `xhat` is
// the normalize() chain of LayerNormOp's adjoint on the layer norm's input,
// and the weight gradient is `nn.matmul G, xn {transpose_lhs}` (summed over
// the batch for a rank-3 G). Anything else is left alone.
//
//===----------------------------------------------------------------------===//

#include "nnc/Transforms/Passes.h"

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

namespace nnc {
#define GEN_PASS_DEF_LAYERNORMPARAMGRADS
#include "nnc/Transforms/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace mlir::nn;

namespace {

/// Whether `v` is a constant whose every element is `value`.
bool isSplat(Value v, float value) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !attr.getElementType().isF32())
    return false;
  return attr.getSplatValue<float>() == value;
}

/// Whether `v` is a mean of `x` over its last axis, kept as size 1.
bool isRowMean(Value v, Value x) {
  auto mean = v.getDefiningOp<ReduceMeanOp>();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return mean && mean.getInput() == x && mean.getKeepdim() &&
         mean.getAxes() == ArrayRef<int64_t>{rank - 1};
}

/// The two operands of a commutative binary op, in either order, such that
/// `first` satisfies `isFirst`.
template <typename OpT, typename Pred>
std::optional<std::pair<Value, Value>> operandsOf(Value v, Pred isFirst) {
  auto op = v.getDefiningOp<OpT>();
  if (!op)
    return std::nullopt;
  if (isFirst(op.getLhs()))
    return std::make_pair(op.getLhs(), op.getRhs());
  if (isFirst(op.getRhs()))
    return std::make_pair(op.getRhs(), op.getLhs());
  return std::nullopt;
}

/// Whether `h` is `(x - mean(x)) * (1 / sqrt(mean((x - mean(x))^2) + eps))`
/// over the last axis: xhat as LayerNormOp's adjoint builds it.
bool isNormalized(Value h, Value x, float eps) {
  auto isCentered = [&](Value c) {
    auto sub = c.getDefiningOp<SubOp>();
    return sub && sub.getLhs() == x && isRowMean(sub.getRhs(), x);
  };
  auto factors = operandsOf<MulOp>(h, isCentered);
  if (!factors)
    return false;
  auto [centered, rstd] = *factors;
  auto div = rstd.getDefiningOp<DivOp>();
  if (!div || !isSplat(div.getLhs(), 1.0f))
    return false;
  auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
  if (!sqrt)
    return false;
  auto terms = operandsOf<AddOp>(sqrt.getInput(),
                                 [&](Value e) { return isSplat(e, eps); });
  if (!terms)
    return false;
  auto mean = terms->second.getDefiningOp<ReduceMeanOp>();
  if (!mean)
    return false;
  auto square = mean.getInput().getDefiningOp<MulOp>();
  return square && square.getLhs() == centered && square.getRhs() == centered &&
         isRowMean(mean.getResult(), mean.getInput());
}

/// Whether `op` sums every axis of a rank-`rank` tensor but the last.
bool sumsRows(ReduceSumOp op, int64_t rank) {
  if (op.getKeepdim() || op.getAxes().size() != static_cast<size_t>(rank - 1))
    return false;
  for (auto [i, axis] : llvm::enumerate(op.getAxes()))
    if (axis != static_cast<int64_t>(i))
      return false;
  return true;
}

/// Whether `v` can be used at `point`: a block argument of its block or a
/// value defined before it in the same block.
bool availableAt(Value v, Operation *point) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == point->getBlock();
  Operation *def = v.getDefiningOp();
  return def->getBlock() == point->getBlock() && def->isBeforeInBlock(point);
}

/// The readers of `dxn`, when they are only the gamma and beta gradients of
/// `ln`: `sum_rows dxn * xhat` and `sum_rows dxn`.
struct ParamSums {
  ReduceSumOp gamma, beta;
  Value xhat;
};
std::optional<ParamSums> matchParamSums(Value dxn, LayerNormOp ln,
                                        int64_t rank) {
  ParamSums sums;
  for (Operation *user : dxn.getUsers()) {
    if (auto sum = dyn_cast<ReduceSumOp>(user);
        sum && sumsRows(sum, rank) && !sums.beta) {
      sums.beta = sum;
      continue;
    }
    auto mul = dyn_cast<MulOp>(user);
    if (!mul || sums.gamma || !mul->hasOneUse())
      return std::nullopt;
    Value h = mul.getLhs() == dxn ? mul.getRhs() : mul.getLhs();
    auto sum = dyn_cast<ReduceSumOp>(*mul->getUsers().begin());
    if (!sum || !sumsRows(sum, rank) ||
        !isNormalized(h, ln.getInput(), ln.getEps().convertToFloat()))
      return std::nullopt;
    sums.gamma = sum;
    sums.xhat = h;
  }
  if (!sums.beta || !sums.gamma)
    return std::nullopt;
  return sums;
}

/// Where the new ops go: right after the last of `after` (and `first`) to
/// be defined in `first`'s block, if every value in `used` is available
/// there and every reader of `replaced` comes at or after it.
Operation *insertionPoint(Operation *first, ValueRange after, ValueRange used,
                          ValueRange replaced) {
  Operation *point = first;
  for (Value v : after)
    if (Operation *def = v.getDefiningOp();
        def && def->getBlock() == point->getBlock() &&
        point->isBeforeInBlock(def))
      point = def;
  point = point->getNextNode();
  auto notBefore = [&](Operation *u) {
    return u->getBlock() == point->getBlock() &&
           (u == point || point->isBeforeInBlock(u));
  };
  if (!llvm::all_of(used, [&](Value v) { return availableAt(v, point); }) ||
      !llvm::all_of(replaced, [&](Value v) {
        return llvm::all_of(v.getUsers(), notBefore);
      }))
    return nullptr;
  return point;
}

/// The weight gradient `sum_rows G^T xn` among the readers of `xn`: the
/// product and its batch sum (rank 3) or the product alone (rank 2).
std::optional<std::pair<MatmulOp, Value>>
weightGradient(Operation *user, Value xn, int64_t rank) {
  auto product = dyn_cast<MatmulOp>(user);
  if (!product || product.getRhs() != xn || !product.getTransposeLhs() ||
      product.getTransposeRhs())
    return std::nullopt;
  Value dw = product.getResult();
  if (rank == 2)
    return std::make_pair(product, dw);
  if (!dw.hasOneUse())
    return std::nullopt;
  auto sum = dyn_cast<ReduceSumOp>(*dw.getUsers().begin());
  if (!sum || sum.getKeepdim() || sum.getAxes() != ArrayRef<int64_t>{0})
    return std::nullopt;
  return std::make_pair(product, sum.getResult());
}

/// The rewrite of the file comment for one layer norm, if it matches.
void rewrite(LayerNormOp ln) {
  Value xn = ln.getResult();
  auto type = cast<RankedTensorType>(xn.getType());
  int64_t rank = type.getRank();
  if (rank != 2 && rank != 3)
    return;
  for (Operation *user : xn.getUsers()) {
    auto weightGrad = weightGradient(user, xn, rank);
    if (!weightGrad)
      continue;
    auto [product, dw] = *weightGrad;
    Value g = product.getLhs();
    // dxn = G W, read only by the gamma and beta gradients.
    for (Operation *gUser : g.getUsers()) {
      auto inputGrad = dyn_cast<MatmulOp>(gUser);
      if (!inputGrad || inputGrad.getLhs() != g ||
          inputGrad.getTransposeLhs() || inputGrad.getTransposeRhs() ||
          inputGrad.getType() != type)
        continue;
      Value w = inputGrad.getRhs();
      if (cast<RankedTensorType>(w.getType()).getRank() != 2)
        continue;
      std::optional<ParamSums> sums =
          matchParamSums(inputGrad.getResult(), ln, rank);
      if (!sums)
        continue;
      Operation *point =
          insertionPoint(product, {g, sums->xhat},
                         {g, sums->xhat, w, ln.getGamma(), ln.getBeta()},
                         {dw, sums->gamma.getResult(), sums->beta.getResult()});
      if (!point)
        continue;
      OpBuilder b(point);
      Location loc = inputGrad.getLoc();
      Value m = b.create<MatmulOp>(product.getLoc(), g, sums->xhat,
                                   /*transpose_lhs=*/true,
                                   /*transpose_rhs=*/false);
      if (rank == 3)
        m = b.create<ReduceSumOp>(loc, m, ArrayRef<int64_t>{0}, false);
      SmallVector<int64_t> rows;
      for (int64_t d = 0; d + 1 < rank; ++d)
        rows.push_back(d);
      Value db = b.create<ReduceSumOp>(loc, g, rows, false);
      int64_t k = cast<RankedTensorType>(w.getType()).getDimSize(0);
      Value dbColumn = b.create<ReshapeOp>(loc, db, ArrayRef<int64_t>{k, 1});
      Value newDw =
          b.create<AddOp>(loc, b.create<MulOp>(loc, m, ln.getGamma()),
                          b.create<MulOp>(loc, dbColumn, ln.getBeta()));
      Value dGamma = b.create<ReduceSumOp>(loc, b.create<MulOp>(loc, w, m),
                                           ArrayRef<int64_t>{0}, false);
      Value dBeta = b.create<ReduceSumOp>(
          loc, b.create<MulOp>(loc, w, dbColumn), ArrayRef<int64_t>{0}, false);
      dw.replaceAllUsesWith(newDw);
      sums->gamma.getResult().replaceAllUsesWith(dGamma);
      sums->beta.getResult().replaceAllUsesWith(dBeta);
      return;
    }
  }
}

struct LayerNormParamGradsPass
    : nnc::impl::LayerNormParamGradsBase<LayerNormParamGradsPass> {
  void runOnOperation() override {
    SmallVector<LayerNormOp> norms;
    getOperation().walk([&](LayerNormOp ln) { norms.push_back(ln); });
    for (LayerNormOp ln : norms)
      rewrite(ln);
  }
};

} // namespace
