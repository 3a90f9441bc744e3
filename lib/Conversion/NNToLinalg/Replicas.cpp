//===- Replicas.cpp - nn.replica_sum to a call of the all-reduce hook
//------===//
//
// `nn.replica_sum` becomes a call into the model shim: the tensor is copied
// into a fresh one-dimensional buffer, `nnc_rt_replica_sum(instance, buffer)`
// (lib/ModelRT/Replicas.c) sums it over the replicas in place through the
// callback the host installed on the instance (nnc_model_set_allreduce; the
// identity without one), and the buffer is the result. `instance` is the
// i64 scalar of the entry's `nn.replicas` argument. The buffer is a
// `memref.alloc` that one-shot bufferization takes as it is
// (`to_tensor restrict writable`) and the deallocation pipeline frees. CPU
// only: the CUDA target rejects models that need it (docs/distributed.md).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "nnc/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace nnc::lowering;

/// The symbol of the model shim's replica sum.
static constexpr llvm::StringLiteral kReplicaSumFn = "nnc_rt_replica_sum";

Value nnc::lowering::replicaSum(OpBuilder &b, Location loc, Value input,
                                Value replicas) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t n = type.getNumElements();
  auto flatType = RankedTensorType::get({n}, type.getElementType());
  Value flat = input;
  if (type.getRank() == 0)
    flat = b.create<tensor::ExpandShapeOp>(loc, flatType, input,
                                           ArrayRef<ReassociationIndices>{});
  else if (type.getRank() > 1)
    flat = collapseDims(b, loc, input, 0, type.getRank());
  auto bufferType = MemRefType::get({n}, type.getElementType());
  Value buffer = b.create<memref::AllocOp>(loc, bufferType);
  auto copy =
      b.create<bufferization::MaterializeInDestinationOp>(loc, flat, buffer);
  copy.setWritable(true);
  copy.setRestrict(true);

  // One declaration for every size: the callee takes memref<?xf32>.
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  auto dynType = MemRefType::get({ShapedType::kDynamic}, type.getElementType());
  auto fnType = b.getFunctionType({b.getI64Type(), dynType}, {});
  if (!module.lookupSymbol<func::FuncOp>(kReplicaSumFn)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto decl = b.create<func::FuncOp>(loc, kReplicaSumFn, fnType);
    decl.setPrivate();
  }
  Value instance = b.create<tensor::ExtractOp>(loc, replicas, ValueRange{});
  Value dyn = b.create<memref::CastOp>(loc, dynType, buffer);
  b.create<func::CallOp>(loc, kReplicaSumFn, TypeRange{},
                         ValueRange{instance, dyn});
  Value result = b.create<bufferization::ToTensorOp>(
      loc, flatType, buffer, /*restrict=*/true, /*writable=*/true);
  if (type.getRank() == 1)
    return result;
  if (type.getRank() == 0)
    return b.create<tensor::CollapseShapeOp>(loc, type, result,
                                             ArrayRef<ReassociationIndices>{});
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    all[0].push_back(d);
  return b.create<tensor::ExpandShapeOp>(loc, type, result, all);
}

namespace {

Value lowerReplicaSum(nn::ReplicaSumOp op, nn::ReplicaSumOp::Adaptor adaptor,
                      ConversionPatternRewriter &rewriter) {
  return replicaSum(rewriter, op.getLoc(), adaptor.getInput(),
                    adaptor.getReplicas());
}

} // namespace

void nnc::populateNNReplicaPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerReplicaSum>(patterns);
}
