//===- GPUMatmul.cpp - shared-memory tiled matrix products on the GPU -----===//
//
// Implements nnc-gpu-matmul: every f32 linalg.matmul / linalg.batch_matmul on
// memrefs in a host function becomes one gpu.launch. A block owns a 32 x 32
// tile of C and runs 32 x 8 threads, each accumulating 4 rows of one column
// in registers; the K loop stages 32-wide slabs of A and B in two workgroup
// memory tiles, separated by barriers. All global loads and stores are
// guarded, so sizes need not be multiples of the tile.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_GPUMATMUL
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr int64_t kTile = 32;      // C tile edge and K slab width
constexpr int64_t kRowThreads = 8; // threads along the rows of a tile
constexpr int64_t kRowsPerThread = kTile / kRowThreads;

/// Builds the kernel for one product. `batched`: operands have a leading
/// batch dimension, mapped to the grid's z.
class MatmulKernelBuilder {
public:
  MatmulKernelBuilder(OpBuilder &b, Location loc, Value a, Value bm, Value c,
                      bool batched)
      : b(b), loc(loc), a(a), bm(bm), c(c), batched(batched) {}

  void build() {
    unsigned off = batched ? 1 : 0;
    Value m = dim(c, off), n = dim(c, off + 1), k = dim(a, off + 1);
    Value one = cst(1);
    Value gridX = ceilDiv(n), gridY = ceilDiv(m);
    Value gridZ = batched ? dim(c, 0) : one;
    auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                            gpu::AddressSpace::Workgroup);
    auto tileType = MemRefType::get({kTile, kTile}, b.getF32Type(),
                                    MemRefLayoutAttrInterface{}, space);
    auto launch = b.create<gpu::LaunchOp>(
        loc, gridX, gridY, gridZ, cst(kTile), cst(kRowThreads), one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/ValueRange{},
        /*workgroupAttributions=*/TypeRange{tileType, tileType});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value as = launch.getWorkgroupAttributions()[0];
    Value bs = launch.getWorkgroupAttributions()[1];
    Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
    Value bz = launch.getBlockIds().z;
    Value row0 = mul(launch.getBlockIds().y, cst(kTile));
    Value col = add(mul(launch.getBlockIds().x, cst(kTile)), tx);
    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));

    SmallVector<Value> init(kRowsPerThread, zero);
    auto kLoop = b.create<scf::ForOp>(loc, cst(0), k, cst(kTile), init);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k0 = kLoop.getInductionVar();
      for (int64_t r = 0; r < kRowsPerThread; ++r) {
        Value lr = add(ty, cst(r * kRowThreads));
        // A[row0 + lr][k0 + tx] and B[k0 + lr][col] into the tiles.
        Value ai = add(row0, lr), ak = add(k0, tx);
        Value av = guardedLoad(a, ai, ak, bz, both(lt(ai, m), lt(ak, k)));
        b.create<memref::StoreOp>(loc, av, as, ValueRange{lr, tx});
        Value bk = add(k0, lr);
        Value bv = guardedLoad(bm, bk, col, bz, both(lt(bk, k), lt(col, n)));
        b.create<memref::StoreOp>(loc, bv, bs, ValueRange{lr, tx});
      }
      b.create<gpu::BarrierOp>(loc);
      auto inner = b.create<scf::ForOp>(loc, cst(0), cst(kTile), cst(1),
                                        kLoop.getRegionIterArgs());
      {
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(inner.getBody());
        Value kk = inner.getInductionVar();
        Value bval = b.create<memref::LoadOp>(loc, bs, ValueRange{kk, tx});
        SmallVector<Value> next;
        for (int64_t r = 0; r < kRowsPerThread; ++r) {
          Value lr = add(ty, cst(r * kRowThreads));
          Value aval = b.create<memref::LoadOp>(loc, as, ValueRange{lr, kk});
          Value prod = b.create<arith::MulFOp>(loc, aval, bval);
          next.push_back(
              b.create<arith::AddFOp>(loc, prod, inner.getRegionIterArgs()[r]));
        }
        b.create<scf::YieldOp>(loc, next);
      }
      b.create<gpu::BarrierOp>(loc);
      b.create<scf::YieldOp>(loc, inner.getResults());
    }
    for (int64_t r = 0; r < kRowsPerThread; ++r) {
      Value i = add(row0, add(ty, cst(r * kRowThreads)));
      auto ifOp = b.create<scf::IfOp>(loc, both(lt(i, m), lt(col, n)),
                                      /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      SmallVector<Value> idx = indices(i, col, bz);
      Value old = b.create<memref::LoadOp>(loc, c, idx);
      Value sum = b.create<arith::AddFOp>(loc, old, kLoop.getResult(r));
      b.create<memref::StoreOp>(loc, sum, c, idx);
    }
    b.create<gpu::TerminatorOp>(loc);
  }

private:
  Value cst(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value add(Value x, Value y) { return b.create<arith::AddIOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulIOp>(loc, x, y); }
  Value lt(Value x, Value y) {
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return b.create<arith::AndIOp>(loc, x, y); }
  Value dim(Value v, int64_t d) { return b.create<memref::DimOp>(loc, v, d); }
  Value ceilDiv(Value v) {
    return b.create<arith::CeilDivUIOp>(loc, v, cst(kTile));
  }
  SmallVector<Value> indices(Value i, Value j, Value batch) {
    if (batched)
      return {batch, i, j};
    return {i, j};
  }
  /// mem[i][j] (with the batch index) when `cond`, else 0.
  Value guardedLoad(Value mem, Value i, Value j, Value batch, Value cond) {
    auto ifOp = b.create<scf::IfOp>(loc, b.getF32Type(), cond,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value v = b.create<memref::LoadOp>(loc, mem, indices(i, j, batch));
    b.create<scf::YieldOp>(loc, v);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    b.create<scf::YieldOp>(
        loc, ValueRange{b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0))
                            .getResult()});
    return ifOp.getResult(0);
  }

  OpBuilder &b;
  Location loc;
  Value a, bm, c;
  bool batched;
};

/// The product's operands when it is an f32 matmul on memrefs we handle.
bool isSupported(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op->getParentOfType<gpu::LaunchOp>())
    return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getElementType().isF32())
      return false;
  }
  return true;
}

struct GPUMatmulPass : nnc::impl::GPUMatmulBase<GPUMatmulPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op.getOperation()) &&
          isSupported(op))
        products.push_back(op);
    });
    for (linalg::LinalgOp op : products) {
      OpBuilder b(op);
      MatmulKernelBuilder(b, op.getLoc(), op.getDpsInputs()[0],
                          op.getDpsInputs()[1], op.getDpsInits()[0],
                          isa<linalg::BatchMatmulOp>(op.getOperation()))
          .build();
      op->erase();
    }
  }
};

} // namespace
