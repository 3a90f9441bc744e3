//===- MatmulPasses.td - matmul forms and schedule ---------*- tablegen -*-===//
//
// Products put in the form the register tile runs best, the tile
// schedule itself, and the loads it streams.
// Included by Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_MATMUL_PASSES
#define NNC_TARGET_CPU_MATMUL_PASSES

include "mlir/Pass/PassBase.td"

def AlignMatmulRows : Pass<"nnc-align-matmul-rows", "mlir::func::FuncOp"> {
  let summary = "Give a matmul's freshly computed right operand cache-line aligned rows";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: when the right
    operand `[K, N]` of a `linalg.matmul` is the collapsed result of one
    linalg op writing a `tensor.empty` it does not read (a convolution's
    im2col columns), and N floats are not a whole number of 64-byte lines,
    the op writes into the `[K, N]` slice of a `bufferization.alloc_tensor`
    `[K, N rounded up to 16]` instead: every row of the matrix starts on a
    cache line, and the register tiles' 32-float loads never straddle two.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def PrefetchStridedRows : Pass<"nnc-prefetch-strided-rows", "mlir::func::FuncOp"> {
  let summary = "Prefetch the far-apart rows a register tile's reduction loop reads";
  let description = [{
    CPU, on vectors and memrefs, after nnc-lower-vector-contract: in an
    `scf.for` of step 1 carrying vector accumulators, a `vector.load` of a
    row segment of a 2-D memref (unit column stride, static row stride of at
    least `min-row-floats`) whose row index is the induction variable plus
    loop-invariant terms, its column and memref loop-invariant, is preceded
    by a `memref.prefetch` of the segment `distance` rows ahead, clamped to
    the memref's last row.
  }];
  let options = [
    Option<"distance", "distance", "int64_t", /*default=*/"8",
           "Rows ahead to prefetch">,
    Option<"minRowFloats", "min-row-floats", "int64_t", /*default=*/"128",
           "Smallest row stride (floats) that gets prefetches">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def FoldHeadTransposes : Pass<"nnc-fold-head-transposes", "mlir::func::FuncOp"> {
  let summary = "Per-head matmuls on strided slices instead of head transposes";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: a
    `linalg.batch_matmul` over `N * H` matrices whose operands are
    `collapse(transpose(x))` of `[N, ...]` tensors with a head dim
    (attention's q, k, v and their gradients), or whose result is moved back
    by `transpose(expand(r))`, becomes an `scf.forall` over the N images and
    an `scf.for` over the H heads of 2-D `linalg.matmul` or
    `linalg.matmul_transpose_a` on strided slices `x[n, :, h, :]` of the
    untransposed tensors, zero-filled per head. A transpose folded this way is
    no longer computed. A right operand read transposed keeps its copy; a
    result stored transposed is computed as `(B^T A^T)` when that folds more.
    The same products are summed in the same order.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def FoldLhsTranspose : Pass<"nnc-fold-lhs-transpose", "mlir::func::FuncOp"> {
  let summary = "Read a transposed matmul lhs in place (linalg.matmul_transpose_a)";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: a `linalg.matmul`
    whose lhs is a `linalg.transpose` of a `[K, M]` matrix, or the collapse
    `[[0], [1, ..., r-1]]` of a transpose `[r-1, 0, ..., r-2]` of a
    `[B..., K, M]` tensor (the weight gradient `dy^T x` of a dense layer on
    sequences), becomes a `linalg.matmul_transpose_a` of that matrix (the
    batch dims collapsed into K). The register tile broadcasts one lhs
    element per row either way, and in the `[K, M]` layout a tile's 8 rows are
    8 adjacent floats: the transpose, a pass over the whole activation
    gradient written and read back, is not computed at all. The sum over K
    is the same, in the same order. On sequences, when the rhs rows are 2 KB
    or longer and the lhs rows shorter (`dy^T g` of the encoder's second
    feed-forward layer), the product is computed transposed,
    `transpose(matmul_transpose_a(g, dy))`, whose tiles broadcast from the
    long rows instead of copying `[K, 32]` panels out of them; same sums,
    same order.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def BatchMatmulLoop : Pass<"nnc-batch-matmul-loop", "mlir::func::FuncOp"> {
  let summary = "Tile f32 linalg.batch_matmul with static matrices into a loop of linalg.matmul";
  let description = [{
    CPU only, before nnc-matmul-schedule: tiles the batch dim by 1 (scf.for,
    the accumulator's fill fused) and drops the unit dim with the
    rank-reducing contraction patterns, so that the schedule vectorizes each
    matrix product (attention's scores and weighted sums).
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def MatmulSchedule : Pass<"nnc-matmul-schedule", "mlir::ModuleOp"> {
  let summary = "Tile, fuse and vectorize every linalg.matmul (schedule V1)";
  let description = [{
    Applies the measured "V1" transform-dialect schedule of
    docs/cpu-codegen to every `linalg.matmul` on tensors, before
    bufferization. The root of each schedule is the matmul's single
    elementwise consumer (the bias + activation epilogue) when there is one,
    otherwise the matmul. The root is tiled by a register tile of `tile-m`
    x `tile-n` (8 x 32 by default; the pipeline passes its target's, see
    nnc::getCPUTarget): `tile-n` is replaced by N when N is smaller; a larger
    N not divisible by it is peeled, so the remainder columns get a narrower
    static tile, the matmul and its
    `linalg.fill` are fused into the tile loop, the reduction loop is tiled
    by 1, the ops are vectorized to `vector.contract` and the accumulator is
    hoisted out of the reduction loop. A dynamic M (the batch) is peeled:
    full 8-row tiles take the fast path, the remaining rows are computed one
    row at a time, still vectorized along N. Producers other than the matmul
    and its fill (weight transposes, other layers) are never fused.
    Matmuls with a dynamic N are left alone.
  }];
  let options = [
    Option<"reportFallbacks", "report-fallbacks", "bool", /*default=*/"false",
           "Emit a remark with the transform's error for every matmul the "
           "schedule cannot handle (it keeps the generic lowering)">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Rows of the register tile (the pipeline picks it per target: "
           "see nnc::getCPUTarget)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"32",
           "Columns of the register tile (a multiple of the vector width)">
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::transform::TransformDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerVectorContract : Pass<"nnc-lower-vector-contract", "mlir::func::FuncOp"> {
  let summary = "Lower vector.contract to outer products and unroll transfers";
  let description = [{
    Runs after bufferization on what nnc-matmul-schedule produced: lowers
    `vector.contract` with the `outerproduct` strategy (one FMA per
    accumulator row per reduction step) and fully unrolls n-D
    `vector.transfer_read/write` into 1-D transfers, so no temporary buffer
    is allocated per tile.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

#endif // NNC_TARGET_CPU_MATMUL_PASSES
