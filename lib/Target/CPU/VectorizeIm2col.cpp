//===- VectorizeIm2col.cpp - im2col as whole-vector shuffles --------------===//
//
// Implements nnc-vectorize-im2col, on tensors after nnc-matmul-schedule and
// before nnc-vectorize-ops: a copy generic that reads a shifted window
// (im2col's `colT[c, kh, kw, oh, ow] = xpad[c, oh + kh, ow + kw]`, see
// ConvPerImage.cpp) is written as the rows of the matrix it is,
// `[C * KH * KW, OH * OW]`, one full vector at a time. The pixels of an
// output vector lie in two or three rows of the padded image, within two
// vectors of it: two reads and one constant `vector.shuffle` (a vpermt2ps)
// give the whole vector, stored aligned when the matmul's rows are
// (nnc-align-matmul-rows). nnc-vectorize-ops instead copies each output row
// of OW floats on its own: fashion_cnn's second im2col (14-float rows) then
// stores 4032 line-splitting vectors per image, 15% of the per-image loop,
// where this form stores 3744 aligned ones. Reads that may pass the end of
// the source are masked, as is the store of a row's last, partial vector:
// nothing outside either tensor is touched. The shuffles repeat every
// lcm(lanes, OW) pixels; a row's whole periods are a loop over one period's
// vectors (a row of LeNet-5's first convolution, 36 vectors unrolled, made
// bufferization a third of that model's compile time).
//
// A generic qualifies when it yields its only input, its output map is the
// identity (rank >= 3, static), and the input's linearized index is affine
// in the loops (no division), advances by 1 with the innermost loop, and
// spans less than two vectors over every output vector.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

namespace nnc {
#define GEN_PASS_DEF_VECTORIZEIM2COL
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The input's linearized index as `offset + sum coefficients[d] * d` over
/// the loops of the generic, if it is affine without divisions.
struct LinearIndex {
  int64_t offset;
  SmallVector<int64_t> coefficients;
};

std::optional<LinearIndex> linearIndex(AffineMap map,
                                       ArrayRef<int64_t> inputShape) {
  MLIRContext *ctx = map.getContext();
  unsigned dims = map.getNumDims();
  AffineExpr linear = getAffineConstantExpr(0, ctx);
  for (auto [expr, size] : llvm::zip(map.getResults(), inputShape)) {
    bool divides = false;
    expr.walk([&](AffineExpr e) {
      divides |= e.getKind() == AffineExprKind::Mod ||
                 e.getKind() == AffineExprKind::FloorDiv ||
                 e.getKind() == AffineExprKind::CeilDiv;
    });
    if (divides || !expr.isPureAffine())
      return std::nullopt;
    linear = linear * size + expr;
  }
  linear = simplifyAffineExpr(linear, dims, 0);
  // The value at a point of the loops (all zeros but `dim`, set to 1).
  auto at = [&](std::optional<unsigned> dim) -> std::optional<int64_t> {
    SmallVector<AffineExpr> point;
    for (unsigned d = 0; d < dims; ++d)
      point.push_back(getAffineConstantExpr(dim == d ? 1 : 0, ctx));
    auto value = dyn_cast<AffineConstantExpr>(
        simplifyAffineExpr(linear.replaceDims(point), dims, 0));
    if (!value)
      return std::nullopt;
    return value.getValue();
  };
  std::optional<int64_t> offset = at(std::nullopt);
  if (!offset)
    return std::nullopt;
  LinearIndex index{*offset, {}};
  for (unsigned d = 0; d < dims; ++d) {
    std::optional<int64_t> value = at(d);
    if (!value)
      return std::nullopt;
    index.coefficients.push_back(*value - *offset);
  }
  return index;
}

/// One output vector of a row: its first pixel, the shuffle of the two
/// source vectors read from `read` (relative to the row's base) that gives
/// it, and whether it fills all its lanes.
struct RowVector {
  int64_t pixel, read;
  SmallVector<int64_t> lanes;
  bool twoReads, full;
};

struct Plan {
  linalg::GenericOp op;
  LinearIndex index;
  SmallVector<RowVector> vectors;
};

/// The vectors of an output row of `pixels` (the innermost `width` of them
/// consecutive in the source, rows `rowStride` apart), or nothing if a
/// vector spans two source vectors or more.
std::optional<SmallVector<RowVector>>
rowVectors(int64_t pixels, int64_t width, int64_t rowStride, int64_t lanes) {
  SmallVector<RowVector> vectors;
  auto source = [&](int64_t p) { return (p / width) * rowStride + p % width; };
  for (int64_t first = 0; first < pixels; first += lanes) {
    RowVector v{first, source(first), {}, false, first + lanes <= pixels};
    bool identity = true;
    for (int64_t l = 0; l < lanes; ++l) {
      int64_t lane = first + l < pixels ? source(first + l) - v.read : 0;
      if (lane < 0 || lane >= 2 * lanes)
        return std::nullopt;
      v.twoReads |= lane >= lanes;
      identity &= lane == l || first + l >= pixels;
      v.lanes.push_back(lane);
    }
    if (identity)
      v.lanes.clear();
    vectors.push_back(std::move(v));
  }
  return vectors;
}

std::optional<Plan> planIm2col(linalg::GenericOp op, int64_t lanes) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() ||
      op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 ||
      yield.getOperand(0) != body.getArgument(0))
    return std::nullopt;
  auto inputType = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto outputType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!inputType || !inputType.hasStaticShape() ||
      !outputType.hasStaticShape() || outputType.getRank() < 3 ||
      !inputType.getElementType().isF32() ||
      !op.getIndexingMapsArray()[1].isIdentity())
    return std::nullopt;
  AffineMap map = op.getIndexingMapsArray()[0];
  // A window read: not a plain copy or transpose.
  if (map.isProjectedPermutation())
    return std::nullopt;
  std::optional<LinearIndex> index = linearIndex(map, inputType.getShape());
  if (!index)
    return std::nullopt;
  unsigned rank = outputType.getRank();
  ArrayRef<int64_t> shape = outputType.getShape();
  // Every read starts at or after the row's base, which is at least the
  // offset: no read before the source's start (an unmasked one would be).
  if (index->coefficients[rank - 1] != 1 || index->offset < 0 ||
      llvm::any_of(index->coefficients, [](int64_t c) { return c < 0; }))
    return std::nullopt;
  std::optional<SmallVector<RowVector>> vectors =
      rowVectors(shape[rank - 2] * shape[rank - 1], shape[rank - 1],
                 index->coefficients[rank - 2], lanes);
  if (!vectors)
    return std::nullopt;
  return Plan{op, *index, std::move(*vectors)};
}

/// Rewrites the generic of `plan` as loops over its output rows, each row
/// written by the plan's vectors.
void rewrite(const Plan &plan, int64_t lanes) {
  linalg::GenericOp op = plan.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value input = op.getDpsInputs()[0];
  auto inputType = cast<RankedTensorType>(input.getType());
  auto outputType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  unsigned rank = outputType.getRank();
  ArrayRef<int64_t> shape = outputType.getShape();

  ReassociationIndices allInput;
  for (unsigned d = 0; d < inputType.getRank(); ++d)
    allInput.push_back(d);
  SmallVector<ReassociationIndices> flat = {allInput};
  Value source = b.create<tensor::CollapseShapeOp>(loc, input, flat);
  int64_t sourceSize = inputType.getNumElements();

  ReassociationIndices outer, inner = {rank - 2, rank - 1};
  for (unsigned d = 0; d + 2 < rank; ++d)
    outer.push_back(d);
  SmallVector<ReassociationIndices> rows = {outer, inner};
  Value matrix =
      b.create<tensor::CollapseShapeOp>(loc, op.getDpsInits()[0], rows);

  // The largest base of a row: every outer loop at its last iteration.
  int64_t maxBase = plan.index.offset;
  for (unsigned d = 0; d + 2 < rank; ++d)
    maxBase += plan.index.coefficients[d] * (shape[d] - 1);

  auto constant = [&](OpBuilder &nb, int64_t v) -> Value {
    return nb.create<arith::ConstantIndexOp>(loc, v);
  };
  Value zero = constant(b, 0), one = constant(b, 1);
  Value padding = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  auto vectorType = VectorType::get({lanes}, b.getF32Type());

  // The vectors' shuffles repeat every lcm(lanes, OW) pixels (a whole
  // number of output rows, `advance` floats further in the source): the
  // full periods of a row are an scf.for over one period's vectors, the
  // rest unrolled. (One transfer_write per vector of a whole row, 36 on
  // LeNet-5's first convolution, made one-shot bufferization's analysis of
  // the row a third of the model's compile time.)
  int64_t width = shape[rank - 1], pixels = width * shape[rank - 2];
  int64_t period = std::lcm(lanes, width);
  int64_t perPeriod = period / lanes, periods = pixels / period;
  int64_t advance = (period / width) * plan.index.coefficients[rank - 2];

  // One loop per outer dim, carrying the matrix; the row and its base are
  // sums over the loops.
  std::function<Value(OpBuilder &, unsigned, Value, Value, Value)> nest =
      [&](OpBuilder &nb, unsigned d, Value row, Value base,
          Value acc) -> Value {
    if (d + 2 < rank) {
      auto loop = nb.create<scf::ForOp>(
          loc, zero, constant(nb, shape[d]), one, ValueRange{acc},
          [&](OpBuilder &lb, Location, Value iv, ValueRange args) {
            int64_t stride = 1;
            for (unsigned e = d + 1; e + 2 < rank; ++e)
              stride *= shape[e];
            Value nextRow = lb.create<arith::AddIOp>(
                loc, row,
                lb.create<arith::MulIOp>(loc, iv, constant(lb, stride)));
            Value nextBase = lb.create<arith::AddIOp>(
                loc, base,
                lb.create<arith::MulIOp>(
                    loc, iv, constant(lb, plan.index.coefficients[d])));
            lb.create<scf::YieldOp>(
                loc, nest(lb, d + 1, nextRow, nextBase, args[0]));
          });
      return loop.getResult(0);
    }
    // Writes `vectors` at `pixelAt` pixels and `readAt` floats past their
    // own positions; `lastRead` is the largest shift `readAt` takes past
    // the row's base.
    auto emit = [&](OpBuilder &eb, ArrayRef<RowVector> vectors, Value pixelAt,
                    Value readAt, int64_t lastRead, Value into) {
      for (const RowVector &v : vectors) {
        auto read = [&](int64_t shift) -> Value {
          Value at = eb.create<arith::AddIOp>(loc, readAt,
                                              constant(eb, v.read + shift));
          bool inBounds =
              maxBase + lastRead + v.read + shift + lanes <= sourceSize;
          return eb.create<vector::TransferReadOp>(loc, vectorType, source,
                                                   ValueRange{at}, padding,
                                                   ArrayRef<bool>{inBounds});
        };
        Value first = read(0);
        Value value = first;
        if (!v.lanes.empty())
          value = eb.create<vector::ShuffleOp>(
              loc, first, v.twoReads ? read(lanes) : first, v.lanes);
        Value column =
            eb.create<arith::AddIOp>(loc, pixelAt, constant(eb, v.pixel));
        into = eb.create<vector::TransferWriteOp>(loc, value, into,
                                                  ValueRange{row, column},
                                                  ArrayRef<bool>{v.full})
                   .getResult();
      }
      return into;
    };
    ArrayRef<RowVector> vectors = plan.vectors;
    int64_t done = 0;
    if (periods >= 2) {
      auto loop = nb.create<scf::ForOp>(
          loc, zero, constant(nb, periods), one, ValueRange{acc},
          [&](OpBuilder &lb, Location, Value q, ValueRange args) {
            Value pixelAt =
                lb.create<arith::MulIOp>(loc, q, constant(lb, period));
            Value readAt = lb.create<arith::AddIOp>(
                loc, base,
                lb.create<arith::MulIOp>(loc, q, constant(lb, advance)));
            lb.create<scf::YieldOp>(
                loc, emit(lb, vectors.take_front(perPeriod), pixelAt, readAt,
                          (periods - 1) * advance, args[0]));
          });
      acc = loop.getResult(0);
      done = periods * perPeriod;
    }
    // The rest, at their own positions (plan.vectors' reads are relative
    // to the row's base).
    return emit(nb, vectors.drop_front(done), zero, base, 0, acc);
  };
  Value written = nest(b, 0, zero, constant(b, plan.index.offset), matrix);
  Value result =
      b.create<tensor::ExpandShapeOp>(loc, outputType, written, rows);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

struct VectorizeIm2colPass
    : nnc::impl::VectorizeIm2colBase<VectorizeIm2colPass> {
  using VectorizeIm2colBase::VectorizeIm2colBase;

  void runOnOperation() override {
    SmallVector<Plan> plans;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Plan> plan = planIm2col(op, vectorLanes))
        plans.push_back(std::move(*plan));
    });
    for (const Plan &plan : plans)
      rewrite(plan, vectorLanes);
  }
};

} // namespace
