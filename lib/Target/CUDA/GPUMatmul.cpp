//===- GPUMatmul.cpp - register-tiled, double-buffered GPU matrix products ===//
//
// Implements nnc-gpu-matmul: every f32 linalg.matmul / linalg.batch_matmul on
// memrefs in a host function becomes one gpu.launch of 16 x 16 threads. A
// block owns a T x T tile of C (T = 16 u) and each thread a u x u register
// tile of it (rows ty + 16 i, columns tx + 16 j: conflict-free reads of the
// staged tiles). The K loop walks slabs of S columns of A and rows of B
// (T S = 1024: four loads per thread and operand), double-buffered in
// workgroup memory: while the block multiplies slab s from one buffer, each
// thread has already loaded slab s + 1 from global memory into registers,
// and stores it into the other buffer before the one barrier per slab. A is
// stored transposed, so both buffers hold [k][x] (rows padded by 4 floats)
// and a thread reads its u values of A and of B for one k from one row of
// each. An operand that is a 2-D transpose made only for this product (W^T
// of a dense layer, X^T of its weight gradient) is read from the
// transpose's input instead, staged with the thread mapping that keeps its
// global loads coalesced, and the transpose kernel disappears.
//
// The register tile follows the shape: u = 8 (128 x 128 tiles, S = 8) when
// the static M and N give at least two such tiles per SM of a large GPU,
// u = 2 (32 x 32, S = 32) when M or N is at most 32 or even 64 x 64 tiles
// would leave most SMs idle, else u = 4 (64 x 64, S = 16), also for dynamic
// sizes. All global loads and
// stores are guarded, so sizes need not be multiples of anything. A fill of
// C just before the product (the zero its sum starts from) is folded into
// the kernel's final store, and so is an elementwise consumer of C right
// after it (bias + activation, a ReLU mask in a gradient): it reads C's
// value in registers and stores its own result, and C is not written at all
// when nothing else reads it.
//
//===----------------------------------------------------------------------===//

#include "MemrefQueries.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace nnc {
#define GEN_PASS_DEF_GPUMATMUL
#include "nnc/Target/CUDA/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

constexpr int64_t kThreadsX = 16, kThreadsY = 16; // one block
constexpr int64_t kThreads = kThreadsX * kThreadsY;
constexpr int64_t kStaged = 1024; // elements of a slab of A (and of B)
constexpr int64_t kPadA = 4;      // floats after each staged row of A^T
constexpr int64_t kSMs = 132;     // H100/H200

/// The register tile edge u for an M x N product (0: unknown size).
int64_t registerTile(int64_t m, int64_t n) {
  if ((m > 0 && m <= 32) || (n > 0 && n <= 32))
    return 2; // a thin product: wider tiles would be mostly empty
  if (m <= 0 || n <= 0)
    return 4;
  auto tiles = [&](int64_t edge) {
    return ((m + edge - 1) / edge) * ((n + edge - 1) / edge);
  };
  if (tiles(128) >= 2 * kSMs)
    return 8;
  if (tiles(64) < kSMs / 4)
    return 2;
  return 4;
}

/// An elementwise consumer of a product's C (bias, activation, a gradient's
/// mask), computed in the product's final store instead of its own kernel.
struct Epilogue {
  linalg::GenericOp op;
  OpOperand *input; // C, read at the identity map
  bool storeC;      // C is read elsewhere too, so it is still stored
};

/// The generic right after `product` when it is such a consumer: all
/// parallel, C read once at the identity map, one output written at the
/// identity map, every other operand a scalar or read at a projected
/// permutation.
std::optional<Epilogue> matchEpilogue(linalg::LinalgOp product,
                                      linalg::FillOp fill) {
  auto op = dyn_cast_or_null<linalg::GenericOp>(product->getNextNode());
  Value c = product.getDpsInits()[0];
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() || op.hasIndexSemantics() ||
      op.getNumLoops() != cast<MemRefType>(c.getType()).getRank())
    return std::nullopt;
  OpOperand *input = nullptr;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (in->get() == c) {
      if (input || !map.isIdentity())
        return std::nullopt;
      input = in;
    } else if (isa<MemRefType>(in->get().getType()) &&
               !map.isProjectedPermutation()) {
      return std::nullopt;
    }
  }
  OpOperand *out = op.getDpsInitOperand(0);
  if (!input || !op.getMatchingIndexingMap(out).isIdentity())
    return std::nullopt;
  // C need not be written when only the product, its fill, this consumer
  // and deallocations use the allocation, or the consumer overwrites C.
  bool storeC = out->get() != c &&
                (!c.getDefiningOp<memref::AllocOp>() ||
                 llvm::any_of(c.getUsers(), [&](Operation *user) {
                   return user != product && user != op && user != fill &&
                          !isa<memref::DeallocOp>(user);
                 }));
  return Epilogue{op, input, storeC};
}

/// Builds the kernel for one product. `batched`: operands have a leading
/// batch dimension, mapped to the grid's z.
class MatmulKernelBuilder {
public:
  MatmulKernelBuilder(OpBuilder &b, Location loc, Value a, bool transA,
                      Value bm, bool transB, Value c, Value fill,
                      std::optional<Epilogue> epilogue, bool batched, int64_t u)
      : b(b), loc(loc), a(a), bm(bm), c(c), fill(fill), epilogue(epilogue),
        transA(transA), transB(transB), batched(batched), u(u),
        tile(kThreadsX * u), slab(kStaged / tile) {}

  void build() {
    unsigned off = batched ? 1 : 0;
    Value m = dim(c, off), n = dim(c, off + 1);
    Value k = transA ? dim(a, 0) : dim(a, off + 1);
    Value one = cst(1);
    // Row tiles on grid x (up to 2^31 - 1 blocks: an im2col product has
    // batch x H x W rows), column tiles on grid y (at most 65535).
    Value gridX = ceilDiv(m, tile), gridY = ceilDiv(n, tile);
    Value gridZ = batched ? dim(c, 0) : one;
    auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                            gpu::AddressSpace::Workgroup);
    auto aType = MemRefType::get({2, slab, tile + kPadA}, b.getF32Type(),
                                 MemRefLayoutAttrInterface{}, space);
    auto bType = MemRefType::get({2, slab, tile + kPadA}, b.getF32Type(),
                                 MemRefLayoutAttrInterface{}, space);
    auto launch = b.create<gpu::LaunchOp>(
        loc, gridX, gridY, gridZ, cst(kThreadsX), cst(kThreadsY), one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/ValueRange{},
        /*workgroupAttributions=*/TypeRange{aType, bType});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    as = launch.getWorkgroupAttributions()[0];
    bs = launch.getWorkgroupAttributions()[1];
    Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
    bz = launch.getBlockIds().z;
    row0 = mul(launch.getBlockIds().x, cst(tile));
    col0 = mul(launch.getBlockIds().y, cst(tile));
    this->m = m;
    this->n = n;
    this->k = k;
    Value t = add(mul(ty, cst(kThreadsX)), tx);
    // Which elements of a slab this thread stages: A row ar + i (kThreads /
    // slab) apart, column ac; B row br + i (kThreads / tile) apart, column bc.
    ar = b.create<arith::DivUIOp>(loc, t, cst(slab));
    ac = b.create<arith::RemUIOp>(loc, t, cst(slab));
    br = b.create<arith::DivUIOp>(loc, t, cst(tile));
    bc = b.create<arith::RemUIOp>(loc, t, cst(tile));

    // Slab 0 into buffer 0.
    stage(cst(0), loadSlab(cst(0)));
    b.create<gpu::BarrierOp>(loc);

    Value zero = f32(0);
    SmallVector<Value> init(u * u, zero);
    Value slabs = ceilDiv(k, slab);
    auto kLoop = b.create<scf::ForOp>(loc, cst(0), slabs, one, init);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value s = kLoop.getInductionVar();
      Value cur = b.create<arith::RemUIOp>(loc, s, cst(2));
      Value next = b.create<arith::SubIOp>(loc, one, cur);
      // Slab s + 1 from global memory (zeros past K), before the products.
      SmallVector<Value> prefetch = loadSlab(add(s, one));
      auto inner = b.create<scf::ForOp>(loc, cst(0), cst(slab), one,
                                        kLoop.getRegionIterArgs());
      {
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(inner.getBody());
        Value kk = inner.getInductionVar();
        SmallVector<Value> av, bv;
        for (int64_t i = 0; i < u; ++i) {
          av.push_back(b.create<memref::LoadOp>(
              loc, as, ValueRange{cur, kk, add(ty, cst(kThreadsY * i))}));
          bv.push_back(b.create<memref::LoadOp>(
              loc, bs, ValueRange{cur, kk, add(tx, cst(kThreadsX * i))}));
        }
        SmallVector<Value> acc;
        auto contract = arith::FastMathFlagsAttr::get(
            b.getContext(), arith::FastMathFlags::contract);
        for (int64_t i = 0; i < u; ++i)
          for (int64_t j = 0; j < u; ++j) {
            Value prod = b.create<arith::MulFOp>(loc, av[i], bv[j], contract);
            acc.push_back(b.create<arith::AddFOp>(
                loc, prod, inner.getRegionIterArgs()[i * u + j], contract));
          }
        b.create<scf::YieldOp>(loc, acc);
      }
      // Buffer `next` was last read in iteration s - 1, before its barrier.
      stage(next, prefetch);
      b.create<gpu::BarrierOp>(loc);
      b.create<scf::YieldOp>(loc, inner.getResults());
    }
    // C += the register tile (C = fill value + tile when the fill that
    // initialised C was folded in).
    for (int64_t i = 0; i < u; ++i)
      for (int64_t j = 0; j < u; ++j) {
        Value r = add(row0, add(ty, cst(kThreadsY * i)));
        Value col = add(col0, add(tx, cst(kThreadsX * j)));
        auto ifOp = b.create<scf::IfOp>(loc, both(lt(r, m), lt(col, n)),
                                        /*withElseRegion=*/false);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(&ifOp.getThenRegion().front());
        SmallVector<Value> idx = indices(r, col);
        Value old = fill ? fill : b.create<memref::LoadOp>(loc, c, idx);
        Value sum =
            b.create<arith::AddFOp>(loc, old, kLoop.getResult(i * u + j));
        if (!epilogue || epilogue->storeC)
          b.create<memref::StoreOp>(loc, sum, c, idx);
        if (epilogue)
          applyEpilogue(sum, idx);
      }
    b.create<gpu::TerminatorOp>(loc);
  }

private:
  /// The fused elementwise consumer at C's element `idx`, whose value is
  /// `value`: its other operands loaded at their maps, its body, its store.
  void applyEpilogue(Value value, ArrayRef<Value> idx) {
    linalg::GenericOp op = epilogue->op;
    IRMapping map;
    auto load = [&](OpOperand *operand) -> Value {
      Value v = operand->get();
      if (!isa<MemRefType>(v.getType()))
        return v;
      SmallVector<Value> at;
      for (AffineExpr e : op.getMatchingIndexingMap(operand).getResults())
        at.push_back(idx[cast<AffineDimExpr>(e).getPosition()]);
      return b.create<memref::LoadOp>(loc, v, at);
    };
    for (OpOperand *in : op.getDpsInputOperands())
      map.map(op.getMatchingBlockArgument(in),
              in == epilogue->input ? value : load(in));
    OpOperand *out = op.getDpsInitOperand(0);
    BlockArgument outArg = op.getMatchingBlockArgument(out);
    if (!outArg.use_empty())
      map.map(outArg, load(out));
    for (Operation &inner : op.getBody()->without_terminator())
      b.clone(inner, map);
    Value result = map.lookup(op.getBody()->getTerminator()->getOperand(0));
    b.create<memref::StoreOp>(loc, result, out->get(), idx);
  }

  /// This thread's elements of slab `s` of A, then of B (zero outside).
  SmallVector<Value> loadSlab(Value s) {
    SmallVector<Value> values;
    Value k0 = mul(s, cst(slab));
    for (auto [kk, x] : slabElements(!transA)) {
      Value r = add(row0, x), kc = add(k0, kk);
      Value cond = both(lt(r, m), lt(kc, k));
      values.push_back(transA ? guardedLoad(a, kc, r, cond)
                              : guardedLoad(a, r, kc, cond));
    }
    for (auto [kk, x] : slabElements(transB)) {
      Value col = add(col0, x), kr = add(k0, kk);
      Value cond = both(lt(kr, k), lt(col, n));
      values.push_back(transB ? guardedLoad(bm, col, kr, cond)
                              : guardedLoad(bm, kr, col, cond));
    }
    return values;
  }

  /// The (k, x) places in a slab (x: the row of A or column of B) of the
  /// elements this thread stages of an operand laid out along k
  /// (`alongK`: consecutive threads read consecutive k) or along x.
  SmallVector<std::pair<Value, Value>> slabElements(bool alongK) {
    SmallVector<std::pair<Value, Value>> places;
    for (int64_t i = 0; i < kStaged / kThreads; ++i)
      places.push_back(alongK
                           ? std::pair(ac, add(ar, cst(kThreads / slab * i)))
                           : std::pair(add(br, cst(kThreads / tile * i)), bc));
    return places;
  }

  /// Stores loadSlab's values into buffer `buf`, both operands as [k][x].
  void stage(Value buf, ArrayRef<Value> values) {
    unsigned v = 0;
    for (auto [kk, x] : slabElements(!transA))
      b.create<memref::StoreOp>(loc, values[v++], as, ValueRange{buf, kk, x});
    for (auto [kk, x] : slabElements(transB))
      b.create<memref::StoreOp>(loc, values[v++], bs, ValueRange{buf, kk, x});
  }

  Value cst(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value f32(float v) {
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return b.create<arith::AddIOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulIOp>(loc, x, y); }
  Value lt(Value x, Value y) {
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return b.create<arith::AndIOp>(loc, x, y); }
  Value dim(Value v, int64_t d) { return b.create<memref::DimOp>(loc, v, d); }
  Value ceilDiv(Value v, int64_t by) {
    return b.create<arith::CeilDivUIOp>(loc, v, cst(by));
  }
  SmallVector<Value> indices(Value i, Value j) {
    if (batched)
      return {bz, i, j};
    return {i, j};
  }
  /// mem[i][j] (with the batch index) when `cond`, else 0.
  Value guardedLoad(Value mem, Value i, Value j, Value cond) {
    auto ifOp = b.create<scf::IfOp>(loc, b.getF32Type(), cond,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value v = b.create<memref::LoadOp>(loc, mem, indices(i, j));
    b.create<scf::YieldOp>(loc, v);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    b.create<scf::YieldOp>(loc, f32(0));
    return ifOp.getResult(0);
  }

  OpBuilder &b;
  Location loc;
  Value a, bm, c;
  Value fill; // the value C was filled with just before, or null
  std::optional<Epilogue> epilogue;
  bool transA, transB; // a is A^T ([K][M]), bm is B^T ([N][K]) in memory
  bool batched;
  int64_t u, tile, slab;
  // Set by build() inside the kernel.
  Value as, bs, bz, row0, col0, m, n, k, ar, ac, br, bc;
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

/// The 2-D transpose that fills `operand` when only `product` reads the
/// result and nothing writes the transpose's input before the product: the
/// product can read the input with swapped indices instead.
linalg::TransposeOp transposeFeeding(Value operand, linalg::LinalgOp product) {
  if (!operand.getDefiningOp<memref::AllocOp>())
    return nullptr;
  linalg::TransposeOp found;
  for (Operation *user : operand.getUsers()) {
    if (user == product.getOperation() || isa<memref::DeallocOp>(user))
      continue;
    auto t = dyn_cast<linalg::TransposeOp>(user);
    if (!t || found || t.getInit() != operand)
      return nullptr;
    found = t;
  }
  if (!found || found->getBlock() != product->getBlock() ||
      !found->isBeforeInBlock(product) ||
      found.getPermutation() != ArrayRef<int64_t>{1, 0} ||
      !found.hasPureBufferSemantics())
    return nullptr;
  Value source = nnc::viewRoot(found.getInput());
  for (Operation *op = found->getNextNode(); op != product.getOperation();
       op = op->getNextNode())
    if (nnc::mayWrite(op, source))
      return nullptr;
  return found;
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
      bool batched = isa<linalg::BatchMatmulOp>(op.getOperation());
      ArrayRef<int64_t> shape =
          cast<MemRefType>(op.getDpsInits()[0].getType()).getShape();
      int64_t m = shape[batched ? 1 : 0], n = shape[batched ? 2 : 1];
      // A fill of C right before the product is folded into its epilogue:
      // one kernel and one pass over C fewer.
      auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
      if (fill && (!fill.hasPureBufferSemantics() ||
                   fill.getDpsInits()[0] != op.getDpsInits()[0]))
        fill = nullptr;
      // So is an elementwise consumer of C right after it.
      std::optional<Epilogue> epilogue = matchEpilogue(op, fill);
      // An operand that is a transpose made for this product is read
      // transposed from the transpose's input.
      linalg::TransposeOp ta, tb;
      if (!batched) {
        ta = transposeFeeding(op.getDpsInputs()[0], op);
        tb = transposeFeeding(op.getDpsInputs()[1], op);
        if (tb == ta)
          tb = nullptr; // A = B: one of them is read as it is
      }
      MatmulKernelBuilder(
          b, op.getLoc(), ta ? ta.getInput() : op.getDpsInputs()[0], bool(ta),
          tb ? tb.getInput() : op.getDpsInputs()[1], bool(tb),
          op.getDpsInits()[0], fill ? fill.getDpsInputs()[0] : Value(),
          epilogue, batched,
          registerTile(ShapedType::isDynamic(m) ? 0 : m,
                       ShapedType::isDynamic(n) ? 0 : n))
          .build();
      op->erase();
      if (fill)
        fill->erase();
      if (epilogue)
        epilogue->op->erase();
      for (linalg::TransposeOp t : {ta, tb})
        if (t)
          t->erase();
    }
  }
};

} // namespace
