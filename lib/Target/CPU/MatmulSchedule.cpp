//===- MatmulSchedule.cpp - tile, fuse and vectorize linalg.matmul --------===//
//
// Implements nnc-matmul-schedule: the measured "V1" schedule of
// docs/cpu-codegen (8 x 32 register tile, reduction step 1, vector.contract,
// accumulator hoisted on tensors) applied to every linalg.matmul (and
// linalg.matmul_transpose_a, from nnc-fold-lhs-transpose) of every kernel
// function before bufferization. For each matmul, the C++ side picks
// the root (the single elementwise consumer, else the matmul), the tile sizes
// and the peeling from the static shapes, tags the root (and the matmul and
// its fill) with marker attributes, and builds a transform-dialect schedule
// (with the transform ops' C++ builders, no text) that it applies with the
// transform interpreter to a private function holding a
// copy of those ops alone (then inlined back in their place), so that each
// schedule costs the size of one layer rather than of the whole kernel. Fusion
// is explicit (fuse_into_containing_op of the matmul and its fill only), so
// weight transposes and other layers are never recomputed per tile. Equal
// layers (the same ops, shapes and constants) share one interpreter run.
// A weight gradient over sequences (K = N * T) is first cut into blocks of
// 128 reduction steps, each swept by all its register tiles; its optimizer
// epilogue then runs after the product instead of in the tiles.
//
//===----------------------------------------------------------------------===//

#include "Matmuls.h"
#include "Outline.h"
#include "nnc/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/TransformOps/BufferizationTransformOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/TransformOps/MemRefTransformOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/TransformOps/SCFTransformOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/TransformOps/TensorTransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtension.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtensionOps.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/Support/FormatVariadic.h"

namespace nnc {
#define GEN_PASS_DEF_MATMULSCHEDULE
#include "nnc/Target/CPU/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Unit attributes tagging the ops of the schedule being applied. The script
/// runs on a function holding a copy of one schedule's ops, so the tags need
/// no schedule number, and equal choices give equal scripts (parsed once).
constexpr llvm::StringLiteral kRootAttr = "nnc.schedule_root";
constexpr llvm::StringLiteral kMatmulAttr = "nnc.schedule_matmul";
constexpr llvm::StringLiteral kFillAttr = "nnc.schedule_fill";

/// The register tile: rows x columns of f32 accumulators (the V1 schedule's
/// 8 x 32 is 16 zmm registers with AVX-512; the pipeline passes the tile of
/// its target, see nnc::getCPUTarget).
struct RegisterTile {
  int64_t m, n;
};

/// What the C++ side decides for one matmul; the schedule follows from it.
struct ScheduleChoice {
  /// Operand of the epilogue root fed by the matmul, if the root is one.
  std::optional<unsigned> epilogueOperand;
  bool hasFill;
  int64_t tileM, tileN;
  bool peelM, peelN;
  /// The M remainder is dynamic: compute it row by row (static 1 x N tiles).
  bool rowRemainder;
  /// Tile the reduction by 1 (skipped for K == 1, where it is a no-op).
  bool tileK;
  /// Cut the reduction into blocks of this many steps first (0: no blocks),
  /// each swept by all the register tiles before the next.
  int64_t blockK = 0;
};

/// Reduction steps per block of a weight gradient over sequences.
constexpr int64_t kReductionBlock = 128;

/// Whether `matmul` is a weight gradient over sequences: a
/// matmul_transpose_a whose dynamic K collapses static dims with the batch
/// (`[N * T, ...]`, read through slices of a tensor.collapse_shape), so that
/// K is long. Its register tiles would each sweep the whole reduction, the
/// left operand's rows a page or more apart: one TLB entry and one line per
/// step per tile (the encoder's feed-forward dW at 40% of peak on a Xeon).
bool isSequenceWeightGradient(linalg::LinalgOp matmul) {
  if (!isa<linalg::MatmulTransposeAOp>(matmul) ||
      !ShapedType::isDynamic(
          cast<ShapedType>(matmul.getDpsInputs()[0].getType()).getDimSize(0)))
    return false;
  // Either operand, through the chunk's slices and a packed copy.
  return llvm::any_of(matmul.getDpsInputs(), [](Value operand) {
    while (true) {
      if (auto slice = operand.getDefiningOp<tensor::ExtractSliceOp>())
        operand = slice.getSource();
      else if (auto copy = operand.getDefiningOp<linalg::CopyOp>())
        operand = copy.getInputs()[0];
      else
        break;
    }
    auto collapse = operand.getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse)
      return false;
    int64_t factor = 1;
    // The indices by value: a range-for over `.front()` of the returned
    // vector would read it after its destruction.
    SmallVector<ReassociationIndices> groups =
        collapse.getReassociationIndices();
    for (int64_t d : groups.front())
      if (!collapse.getSrcType().isDynamicDim(d))
        factor *= collapse.getSrcType().getDimSize(d);
    return factor > 1;
  });
}

/// When the rows of `matmul` are the collapsed dims of a reshaped operand
/// (a dense layer on [N, T, D]: M = N * T), copies that operand into a
/// fresh 2-D tensor and gives the zero-filled accumulator a row count
/// computed as `arith.muli(dim N, T)`. With a tensor.collapse_shape operand
/// and a dynamic N the schedule's M peeling fails ("failed to peel the last
/// iteration") and the matmul would keep the scalar lowering; the copy costs
/// M x K stores next to the M x N x K product.
void materializeCollapsedRows(linalg::MatmulOp matmul) {
  auto collapse =
      matmul.getInputs()[0].getDefiningOp<tensor::CollapseShapeOp>();
  auto fill = matmul.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  auto resultType = dyn_cast<RankedTensorType>(matmul->getResult(0).getType());
  if (!collapse || !fill || !resultType || !resultType.isDynamicDim(0) ||
      resultType.getNumDynamicDims() != 1 ||
      !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return;
  RankedTensorType srcType = collapse.getSrcType();
  int64_t factor = 1, dynamicDim = -1;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  for (int64_t d : groups.front()) {
    if (!srcType.isDynamicDim(d)) {
      factor *= srcType.getDimSize(d);
      continue;
    }
    if (dynamicDim >= 0)
      return; // two dynamic dims: nothing to hide
    dynamicDim = d;
  }
  if (dynamicDim < 0 || factor == 1)
    return;
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Value dim = b.create<tensor::DimOp>(loc, collapse.getSrc(), dynamicDim);
  Value rows = b.create<arith::MulIOp>(
      loc, dim, b.create<arith::ConstantIndexOp>(loc, factor));
  Value empty =
      b.create<tensor::EmptyOp>(loc, resultType.getShape(),
                                resultType.getElementType(), ValueRange{rows});
  Value init =
      b.create<linalg::FillOp>(loc, fill.getInputs()[0], empty).getResult(0);
  matmul.getDpsInitsMutable()[0].set(init);
  auto lhsType = cast<RankedTensorType>(collapse.getType());
  Value lhsInit = b.create<tensor::EmptyOp>(
      loc, lhsType.getShape(), lhsType.getElementType(), ValueRange{rows});
  Value lhs =
      b.create<linalg::CopyOp>(loc, collapse.getResult(), lhsInit).getResult(0);
  matmul->setOperand(0, lhs);
}

/// Decides root, tile sizes and peeling from the static shapes; returns
/// nullopt for matmuls the schedule does not handle (dynamic N). A dynamic
/// K (the batch reduction of weight gradients) is tiled by 1 like any K.
std::optional<ScheduleChoice> chooseSchedule(linalg::LinalgOp matmul,
                                             RegisterTile tile) {
  auto resultType = dyn_cast<RankedTensorType>(matmul->getResult(0).getType());
  auto lhsType = dyn_cast<RankedTensorType>(matmul.getDpsInputs()[0].getType());
  if (!resultType || !lhsType || resultType.getRank() != 2 ||
      !resultType.getElementType().isF32())
    return std::nullopt;
  int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
  // matmul_transpose_a's lhs is [K, M].
  int64_t k =
      lhsType.getDimSize(isa<linalg::MatmulTransposeAOp>(matmul) ? 0 : 1);
  if (ShapedType::isDynamic(n))
    return std::nullopt;
  ScheduleChoice c;
  c.epilogueOperand = nnc::getEpilogueOperand(matmul);
  // The fill is fused through the matmul's tile when the root is the
  // epilogue. When the root is the matmul itself, the fill is its loop's
  // iter_args init, which fuse_into_containing_op cannot reach; it then stays
  // one whole-tensor fill before the loop nest (M x N stores, cheap next to
  // the M x N x K product) and the tile accumulates onto it.
  c.hasFill = c.epilogueOperand &&
              matmul.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  // N: the tile's columns when they divide; N itself when smaller (one
  // static tile); else the tile with the last partial tile peeled (it
  // becomes static, just narrower).
  c.tileN = n <= tile.n ? n : tile.n;
  // M: the tile's rows; a smaller static M is one tile. A dynamic or ragged M
  // is peeled; a dynamic remainder is then computed row by row.
  bool dynamicM = ShapedType::isDynamic(m);
  c.tileM = !dynamicM && m < tile.m ? m : tile.m;
  // At most half the tile's rows (fashion_cnn's 4-column remainder computed
  // transposed, 4 x 64): twice its columns when they divide N, so the tile
  // keeps as many accumulators (independent multiply-add chains) and
  // broadcasts each element of A for twice the products.
  if (c.tileM * 2 <= tile.m && n % (2 * tile.n) == 0)
    c.tileN = 2 * tile.n;
  c.peelN = n % c.tileN != 0;
  c.peelM = dynamicM || m % c.tileM != 0;
  c.rowRemainder = dynamicM;
  c.tileK = k != 1;
  // A long reduction is swept in blocks by all the tiles, the block of the
  // left operand then staying in the L2 and its pages in the TLB. The
  // epilogue (the optimizer update) cannot run before the last block: it
  // stays an op of its own over the product.
  if (isSequenceWeightGradient(matmul)) {
    c.blockK = kReductionBlock;
    c.epilogueOperand = std::nullopt;
    c.hasFill = false;
  }
  return c;
}

/// Builds the transform module of one schedule with the transform dialect's
/// op builders (see docs/cpu-codegen, schedules/v1_min.mlir, for the
/// measured original): `@__transform_main(%f)` holding, in order,
///   1. tile the root (M, N), fuse the matmul and its fill into the tile;
///   2. peel the partial N tile, then the partial M tile;
///   3. a dynamic M remainder: one row at a time, so every tile is static;
///   4. reduction step 1, then vectorize every tagged op;
///   5. keep the accumulator in registers across the reduction loop.
OwningOpRef<ModuleOp> buildSchedule(MLIRContext *ctx, const ScheduleChoice &c) {
  Location loc = UnknownLoc::get(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  (*module)->setAttr(transform::TransformDialect::kWithNamedSequenceAttrName,
                     UnitAttr::get(ctx));
  OpBuilder top = OpBuilder::atBlockEnd(module->getBody());
  Type any = transform::AnyOpType::get(ctx);
  Type forType =
      transform::OperationType::get(ctx, scf::ForOp::getOperationName());

  auto body = [&](OpBuilder &b, Location loc, BlockArgument f) {
    auto match = [&](StringRef attr, Value in) -> Value {
      return b
          .create<transform::MatchOp>(
              loc, any, in, /*ops=*/ArrayAttr(),
              /*interface=*/transform::MatchInterfaceEnumAttr(),
              /*op_attrs=*/
              b.getDictionaryAttr(b.getNamedAttr(attr, b.getUnitAttr())),
              /*filter_result_type=*/TypeAttr(),
              /*filter_operand_types=*/ArrayAttr())
          ->getResult(0);
    };
    // Fuses `producer` into `into`; returns the new containing loop.
    auto fuse = [&](Value producer, Value into) -> Value {
      return b
          .create<transform::FuseIntoContainingOp>(loc, any, any, producer,
                                                   into)
          .getNewContainingOp();
    };
    auto canonicalize = [&]() {
      b.create<
          transform::ApplyPatternsOp>(loc, f, [](OpBuilder &b, Location loc) {
        b.create<transform::ApplyCanonicalizationPatternsOp>(loc);
        b.create<transform::ApplyResolveRankedShapedTypeResultDimsPatternsOp>(
            loc);
      });
    };
    // The matmul (the root's producer when the root is its epilogue) and
    // the fill of its accumulator.
    auto producers = [&](Value root) -> std::pair<Value, Value> {
      Value mm = root, fill;
      if (c.epilogueOperand)
        mm = b.create<transform::GetProducerOfOperand>(
                  loc, any, root, static_cast<uint64_t>(*c.epilogueOperand))
                 ->getResult(0);
      if (c.hasFill)
        fill =
            b.create<transform::GetProducerOfOperand>(loc, any, mm, uint64_t(2))
                ->getResult(0);
      return {mm, fill};
    };
    // Fuses the matmul (when the root is its epilogue) and the fill into
    // `loop`.
    auto fuseProducers = [&](std::pair<Value, Value> mmFill, Value loop) {
      if (c.epilogueOperand)
        loop = fuse(mmFill.first, loop);
      if (c.hasFill)
        loop = fuse(mmFill.second, loop);
      return loop;
    };
    // The root's tile sizes; the matmul root has a reduction dim, untiled.
    auto rootSizes = [&](int64_t m, int64_t n) {
      SmallVector<int64_t> sizes = {m, n};
      if (!c.epilogueOperand)
        sizes.push_back(0);
      return sizes;
    };
    auto peel = [&](Value loop) -> transform::LoopPeelOp {
      Value cast =
          b.create<transform::CastOp>(loc, forType, loop)->getResult(0);
      return b.create<transform::LoopPeelOp>(loc, any, any, cast);
    };

    // 0. Blocks of the reduction (the root is then the matmul itself).
    Value root = match(kRootAttr, f);
    if (c.blockK) {
      root = b.create<transform::TileUsingForOp>(
                  loc, TypeRange{any}, root, ArrayRef<int64_t>{0, 0, c.blockK})
                 .getTiledLinalgOp();
      canonicalize();
    }
    // 1. Tile the root (M, N) and fuse the matmul and its fill into the tile.
    auto mmFill = producers(root);
    auto tiled = b.create<transform::TileUsingForOp>(
        loc, TypeRange{any}, root, rootSizes(c.tileM, c.tileN));
    Value nLoop = fuseProducers(mmFill, tiled.getLoops()[1]);
    canonicalize();
    // 2. Peel the partial N tile, then the partial M tile.
    if (c.peelN)
      peel(nLoop);
    Value mRemainder;
    if (c.peelM)
      mRemainder = peel(tiled.getLoops()[0]).getRemainderLoop();
    canonicalize();
    // 3. A dynamic M remainder: one row at a time, so every tile is static.
    if (c.rowRemainder) {
      Value rroots = match(kRootAttr, mRemainder);
      auto foreach = b.create<transform::ForeachOp>(
          loc, TypeRange{}, ValueRange{rroots}, /*with_zip_shortest=*/false);
      OpBuilder::InsertionGuard guard(b);
      Block *block = b.createBlock(&foreach.getBody(), foreach.getBody().end(),
                                   TypeRange{any}, {loc});
      Value rroot = block->getArgument(0);
      auto rmmFill = producers(rroot);
      auto rtiled = b.create<transform::TileUsingForOp>(loc, TypeRange{any},
                                                        rroot, rootSizes(1, 0));
      fuseProducers(rmmFill, rtiled.getLoops()[0]);
      b.create<transform::YieldOp>(loc);
    }
    if (c.rowRemainder)
      canonicalize();
    // 4. Reduction step 1, then vectorize every tagged op (all static now).
    Value kmm = match(kMatmulAttr, f);
    Value kLoop;
    if (c.tileK)
      kLoop = b.create<transform::TileUsingForOp>(loc, TypeRange{any}, kmm,
                                                  ArrayRef<int64_t>{0, 0, 1})
                  .getLoops()[0];
    canonicalize();
    auto vectorize = [&](Value target) {
      b.create<transform::VectorizeOp>(loc, target, ValueRange{},
                                       DenseI64ArrayAttr(), UnitAttr(),
                                       DenseBoolArrayAttr());
    };
    vectorize(match(kMatmulAttr, f));
    if (c.epilogueOperand)
      vectorize(match(kRootAttr, f));
    if (c.hasFill)
      vectorize(match(kFillAttr, f));
    b.create<transform::ApplyPatternsOp>(
        loc, f, [](OpBuilder &b, Location loc) {
          b.create<transform::ApplyVectorReductionToContractPatternsOp>(loc);
          b.create<transform::ApplyTransferPermutationPatternsOp>(loc);
          b.create<
              transform::ApplyFoldTensorSubsetOpsIntoVectorTransfersPatternsOp>(
              loc);
          b.create<transform::ApplyCanonicalizationPatternsOp>(loc);
        });
    // 5. Keep the accumulator in registers across the reduction loop.
    if (c.tileK)
      b.create<transform::HoistLoopInvariantSubsetsOp>(loc, kLoop);
    b.create<transform::ApplyPatternsOp>(
        loc, f, [](OpBuilder &b, Location loc) {
          b.create<transform::ApplyCanonicalizationPatternsOp>(loc);
        });
    b.create<transform::YieldOp>(loc);
  };
  auto sequence = top.create<transform::NamedSequenceOp>(
      loc, transform::TransformDialect::kTransformEntryPointSymbolName, any,
      TypeRange{}, body);
  sequence.setArgAttr(0, transform::TransformDialect::kArgReadOnlyAttrName,
                      top.getUnitAttr());
  return module;
}

/// The key of a schedule's transform module: the choices it follows from.
std::string scheduleChoiceKey(const ScheduleChoice &c) {
  return llvm::formatv("{0}/{1}/{2}x{3}/{4}{5}{6}{7}/{8}",
                       c.epilogueOperand ? int64_t(*c.epilogueOperand) : -1,
                       c.hasFill, c.tileM, c.tileN, c.peelM, c.peelN,
                       c.rowRemainder, c.tileK, c.blockK)
      .str();
}

/// Tags the ops of schedule `c` so that the script can match them.
void tagOps(linalg::LinalgOp matmul, const ScheduleChoice &c) {
  auto id = UnitAttr::get(matmul.getContext());
  Operation *root = matmul.getOperation();
  if (c.epilogueOperand)
    root = *matmul->getResult(0).getUsers().begin();
  root->setAttr(kRootAttr, id);
  matmul->setAttr(kMatmulAttr, id);
  if (c.hasFill)
    matmul.getDpsInits()[0].getDefiningOp()->setAttr(kFillAttr, id);
}

/// The ops one schedule rewrites, in program order: the matmul, its epilogue
/// root, the fill fused into the tile, and the tensor.empty inits that only
/// they use.
SmallVector<Operation *> scheduledOps(linalg::LinalgOp matmul,
                                      const ScheduleChoice &c) {
  SmallVector<Operation *> ops = {matmul.getOperation()};
  if (c.epilogueOperand)
    ops.push_back(*matmul->getResult(0).getUsers().begin());
  if (c.hasFill)
    ops.push_back(matmul.getDpsInits()[0].getDefiningOp());
  for (size_t i = 0, e = ops.size(); i < e; ++i)
    for (Value init : cast<DestinationStyleOpInterface>(ops[i]).getDpsInits())
      if (auto empty = init.getDefiningOp<tensor::EmptyOp>();
          empty && empty->hasOneUse() &&
          empty->getBlock() == matmul->getBlock())
        ops.push_back(empty);
  llvm::sort(ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ops;
}

/// Replaces `ops` by the body of the scheduled `outlined` function, inserted
/// before the last of them (every input dominates it).
void inlineBack(ArrayRef<Operation *> ops, nnc::Outlined outlined) {
  Block &body = outlined.func.getBody().front();
  IRMapping map;
  map.map(body.getArguments(), outlined.inputs);
  OpBuilder b(ops.back());
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  for (auto [output, result] :
       llvm::zip(outlined.outputs, body.getTerminator()->getOperands()))
    output.replaceAllUsesWith(map.lookupOrDefault(result));
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

/// A schedule applied once, for the later trial functions that print the
/// same (equal layers of a deep network): the copy it ran on, to map
/// locations from, and its result, or null where the schedule failed.
struct CachedSchedule {
  OwningOpRef<func::FuncOp> before, after;
};

/// The text that identifies a trial function: its ops, types and constants,
/// without locations. Printed in local scope, so that the cost is that of the
/// function, not of the module around it.
std::string scheduleKey(func::FuncOp trial) {
  std::string key;
  llvm::raw_string_ostream os(key);
  trial->print(os, OpPrintingFlags().useLocalScope().assumeVerified());
  return key;
}

/// Maps each (sub-)location of `from` to the one in the same place of `to`;
/// false when the two have different shapes or a location would map to two.
bool mapLocations(Location from, Location to,
                  DenseMap<Attribute, Attribute> &map) {
  SmallVector<Location> a, b;
  from->walk([&](Location loc) {
    a.push_back(loc);
    return WalkResult::advance();
  });
  to->walk([&](Location loc) {
    b.push_back(loc);
    return WalkResult::advance();
  });
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (map.try_emplace(x, y).first->second != y)
      return false;
  return true;
}

/// The cached result of a schedule, with the locations of `trial` (which
/// prints like `cached.before`) in place of those of the layer it was
/// computed for, so that profiles and remarks name the right layer; null when
/// the locations do not correspond one to one.
func::FuncOp reuseSchedule(CachedSchedule &cached, func::FuncOp trial) {
  SmallVector<Operation *> a, b;
  cached.before->walk([&](Operation *op) { a.push_back(op); });
  trial->walk([&](Operation *op) { b.push_back(op); });
  if (a.size() != b.size())
    return nullptr;
  DenseMap<Attribute, Attribute> map;
  for (auto [x, y] : llvm::zip(a, b)) {
    if (!mapLocations(x->getLoc(), y->getLoc(), map))
      return nullptr;
    for (auto [rx, ry] : llvm::zip(x->getRegions(), y->getRegions()))
      for (auto [bx, by] : llvm::zip(rx, ry))
        for (auto [ax, ay] : llvm::zip(bx.getArguments(), by.getArguments()))
          if (!mapLocations(ax.getLoc(), ay.getLoc(), map))
            return nullptr;
  }
  func::FuncOp result = cached.after->clone();
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](LocationAttr loc) -> std::optional<Attribute> {
    if (Attribute mapped = map.lookup(loc))
      return mapped;
    return std::nullopt;
  });
  replacer.recursivelyReplaceElementsIn(result, /*replaceAttrs=*/false,
                                        /*replaceLocs=*/true);
  return result;
}

struct MatmulSchedulePass : nnc::impl::MatmulScheduleBase<MatmulSchedulePass> {
  using MatmulScheduleBase::MatmulScheduleBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    MatmulScheduleBase::getDependentDialects(registry);
    // The transform ops the scripts use, whatever the tool registered.
    bufferization::registerTransformDialectExtension(registry);
    linalg::registerTransformDialectExtension(registry);
    memref::registerTransformDialectExtension(registry);
    scf::registerTransformDialectExtension(registry);
    tensor::registerTransformDialectExtension(registry);
    vector::registerTransformDialectExtension(registry);
    transform::registerLoopExtension(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Transform modules by their choices, and schedules by the text of the
    // trial function: a network has few distinct layers.
    llvm::StringMap<OwningOpRef<ModuleOp>> scripts;
    llvm::StringMap<CachedSchedule> schedules;
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      // Program order: a layer's producers are scheduled (and turned into
      // loops, which never fuse) before the layers that consume them. A
      // schedule rewrites only its own ops (the matmul, its epilogue, its
      // fill), so the matmuls are collected once; the ones a schedule
      // creates are already vectorized.
      auto collect = [&] {
        SmallVector<linalg::LinalgOp> matmuls;
        func.walk([&](linalg::LinalgOp op) {
          if (nnc::isScheduledMatmul(op))
            matmuls.push_back(op);
        });
        return matmuls;
      };
      // Each product in the form its schedule runs best (MatmulForms.cpp);
      // a split product is two, both scheduled below.
      for (linalg::LinalgOp matmul : collect()) {
        // CSE may share one fill between several matmuls; give this one its
        // own, so that fusing it into the tile leaves no whole-tensor fill
        // of dynamic shape behind for the vectorizer. Likewise a fill
        // outside the matmul's block (CSE replaced the fill in a per-head
        // loop by an equal one before the loop): the schedule's ops go back
        // where the matmul is, and a fill left above the loop gave a write
        // whose destination was defined inside it (invalid IR, then a
        // crash).
        if (auto fill = matmul.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
            fill &&
            (!fill->hasOneUse() || fill->getBlock() != matmul->getBlock())) {
          OpBuilder b(matmul);
          Operation *own = b.clone(*fill);
          matmul.getDpsInitsMutable()[0].set(own->getResult(0));
        }
        auto plain = dyn_cast<linalg::MatmulOp>(*matmul);
        if (plain)
          materializeCollapsedRows(plain);
        nnc::moveBiasToEpilogue(matmul);
        if (!nnc::splitRaggedColumns(matmul, tileN) && plain)
          nnc::splitNarrowRemainder(plain, tileN);
      }
      for (linalg::LinalgOp matmul : collect()) {
        if (!isSequenceWeightGradient(matmul))
          nnc::addIdentityEpilogue(matmul);
        std::optional<ScheduleChoice> choice =
            chooseSchedule(matmul, {tileM, tileN});
        if (!choice)
          continue;
        // The schedule runs on a copy of the matmul's ops (`outline`): when
        // it cannot handle this matmul (a shape the transforms reject), the
        // original stays as it was and the matmul keeps the generic
        // lowering. Correct code first; the remark says which matmul runs
        // slowly.
        tagOps(matmul, *choice);
        SmallVector<Operation *> ops = scheduledOps(matmul, *choice);
        // A copy of the matmul's ops alone: matching, canonicalizing and the
        // trial copy cost the size of one layer, not of the whole kernel
        // (applied to the enclosing function they made compile time
        // quadratic in the number of matmuls).
        nnc::Outlined trial =
            nnc::outlineCopy(ops, module, "__nnc_matmul_schedule");
        clearTags(ops);
        // A trial that prints like an earlier one gets that one's result
        // (with its own locations) without running the interpreter again.
        std::string key = scheduleKey(trial.func);
        auto cached = schedules.find(key);
        if (cached != schedules.end()) {
          if (!cached->second.after) {
            if (reportFallbacks)
              matmul.emitRemark() << "nnc-matmul-schedule: not scheduled: "
                                     "the schedule failed on an equal matmul";
            trial.func.erase();
            continue;
          }
          if (func::FuncOp reused = reuseSchedule(cached->second, trial.func)) {
            inlineBack(ops, {reused, trial.inputs, trial.outputs});
            reused.erase();
            trial.func.erase();
            continue;
          }
        }
        OwningOpRef<func::FuncOp> before = trial.func.clone();
        bool ok;
        std::string errors;
        {
          ScopedDiagnosticHandler quiet(&getContext(), [&](Diagnostic &d) {
            if (d.getSeverity() == DiagnosticSeverity::Error)
              errors += d.str() + "; ";
            return success();
          });
          ok = succeeded(applySchedule(trial.func, *choice, scripts));
        }
        if (!ok && reportFallbacks)
          matmul.emitRemark()
              << "nnc-matmul-schedule: not scheduled: " << errors;
        if (ok)
          trial.func.walk([](Operation *op) { clearTags(op); });
        if (cached == schedules.end())
          schedules[key] = {std::move(before),
                            ok ? OwningOpRef<func::FuncOp>(trial.func.clone())
                               : OwningOpRef<func::FuncOp>()};
        if (ok)
          inlineBack(ops, trial);
        trial.func.erase();
      }
    }
  }

  /// Removes the pass's tags from `ops`.
  static void clearTags(ArrayRef<Operation *> ops) {
    for (Operation *op : ops)
      for (StringRef name : {kRootAttr, kMatmulAttr, kFillAttr})
        op->removeAttr(name);
  }

  /// Applies the schedule of `c` to the tagged ops in `func`.
  LogicalResult applySchedule(func::FuncOp func, const ScheduleChoice &c,
                              llvm::StringMap<OwningOpRef<ModuleOp>> &scripts) {
    Location loc = func.getLoc();
    OwningOpRef<ModuleOp> &transformModule = scripts[scheduleChoiceKey(c)];
    if (!transformModule)
      transformModule = buildSchedule(func.getContext(), c);
    Operation *entry = transform::detail::findTransformEntryPoint(
        func, *transformModule,
        transform::TransformDialect::kTransformEntryPointSymbolName);
    if (!entry)
      return emitError(loc) << "nnc-matmul-schedule: no schedule entry point";
    if (failed(transform::applyTransformNamedSequence(
            func, entry, *transformModule, transform::TransformOptions())))
      return emitError(loc) << "nnc-matmul-schedule: the schedule failed on "
                               "this matmul";
    return success();
  }
};

} // namespace
