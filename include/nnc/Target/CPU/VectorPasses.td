//===- VectorPasses.td - vector code for the other ops -----*- tablegen -*-===//
//
// Vectorization of the ops around the products (elementwise chains,
// reductions, pooling, im2col, copies) and the lowering of the vector ops.
// Included by Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_VECTOR_PASSES
#define NNC_TARGET_CPU_VECTOR_PASSES

include "mlir/Pass/PassBase.td"

def SplitReductionChains : Pass<"nnc-split-reduction-chains", "mlir::func::FuncOp"> {
  let summary = "Give a narrow register tile's reduction several accumulators";
  let description = [{
    CPU, after bufferization, before nnc-lower-vector-contract: an `scf.for`
    of step 1 whose single vector iter_arg is only the accumulator of the
    body's one `vector.contract` (kind add), which the loop yields, and
    whose other ops only read, when the accumulator fills fewer than
    `min-chains` vector registers of `register-bits`, becomes a loop of
    step `f` = min(`max-factor`, ceil(`min-chains` / registers)) with `f`
    accumulators (the first from the original one, the others from zero),
    a loop over the leftover steps into the first, and the pairwise sum of
    the accumulators. Constant reductions of fewer than `4 f` steps are
    left alone.
  }];
  let options = [
    Option<"registerBits", "register-bits", "int64_t", /*default=*/"512",
           "Bits of a vector register">,
    Option<"minChains", "min-chains", "int64_t", /*default=*/"8",
           "Independent multiply-add chains the FMA units need">,
    Option<"maxFactor", "max-factor", "int64_t", /*default=*/"4",
           "The most accumulators a loop is split into">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def FuseConvPool : Pass<"nnc-fuse-conv-pool", "mlir::func::FuncOp"> {
  let summary = "Pool a convolution's output rows in its register block";
  let description = [{
    CPU, on tensors, first of the CPU pipeline: a per-image convolution
    (`scf.forall` over the images of `linalg.matmul w [F, K] x colT [K, OH *
    OW]` onto a broadcast bias or a fill) whose only use is a 2 x 2 max
    pooling (the window view of PoolingTiles.cpp, initial value a constant)
    becomes one `scf.forall` over the images of loops over blocks of
    channels and pairs of output rows: the block's accumulators start at the
    bias, add the products in order, and the pair of rows is pooled in
    registers (one shuffle for the even and one for the odd columns) and
    written to the pooled tensor. Applies when OW is even and at most two
    vectors of `vector-lanes`, OH is even.
  }];
  let options = [
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"16",
           "f32 lanes of the target's vector registers">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def VectorizeIm2col : Pass<"nnc-vectorize-im2col", "mlir::func::FuncOp"> {
  let summary = "Write im2col's shifted-window copies as whole-vector shuffles";
  let description = [{
    CPU, on tensors after nnc-matmul-schedule, before nnc-vectorize-ops: a
    `linalg.generic` that yields its only input read through a shifted
    window (im2col's `colT[c, kh, kw, oh, ow] = xpad[c, oh + kh, ow + kw]`)
    becomes loops over the rows `[C * KH * KW]` of the matrix it fills, each
    row `[OH * OW]` written one full vector at a time: two reads of the
    source and a constant `vector.shuffle`, since the pixels of a vector lie
    within two source vectors; the shuffles repeat every lcm(lanes, OW)
    pixels, and a row's whole periods are a loop over one period's vectors.
    Reads that may pass the end of the source and a row's last partial
    vector are masked. Generics whose input index is not
    affine without divisions, does not advance by 1 with the innermost loop,
    or spans two vectors or more over an output vector are left alone.
  }];
  let options = [
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"16",
           "f32 lanes of the target's vector registers">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def VectorizeOps : Pass<"nnc-vectorize-ops"> {
  let summary = "Tile and vectorize every linalg op the matmul schedule left";
  let description = [{
    Runs on tensors after nnc-matmul-schedule. Every remaining linalg op
    (elementwise chains, reductions along any axis, transposes, shifted
    windows such as im2col's, pooling windows that tile the image, optimizer
    updates, fills) is tiled so that
    its innermost static loops form a vector tile of at most
    `vector-elements` f32 (whole dimensions while they fit; a larger
    innermost dimension is split by its largest divisor that fits,
    preferably a multiple of `vector-lanes`), every other loop stepping by
    1, and the tile is vectorized by MLIR's linalg vectorizer: reductions
    become `vector.multi_reduction`, reads and writes vector transfers.
    Products (matmul, batch_matmul), gathers (`tensor.extract`), strided or
    linearized reads and named pooling ops are left alone.
  }];
  let options = [
    Option<"vectorElements", "vector-elements", "int64_t", /*default=*/"64",
           "Largest vector tile, in elements">,
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"8",
           "f32 lanes of the target's vector registers">,
    Option<"transposeBlocks", "transpose-blocks", "bool", /*default=*/"false",
           "Tile ops that transpose into 8 x 8 blocks (a read of rows and a "
           "vector.transpose), for targets whose lowering of an 8 x 8 "
           "transpose is register shuffles (AVX2)">
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def EpilogueRowLoops : Pass<"nnc-epilogue-row-loops"> {
  let summary = "Compute costly elementwise tiles in a loop over their rows";
  let description = [{
    On vectorized tensor code, before bufferization: the elementwise ops
    computing the R x C tiles (R > 1) that a group of
    `vector.transfer_write`s stores, when one of them expands into a
    polynomial (erf, exp, tanh, log, ...), are computed in an `scf.for`
    over the R rows on C-wide rows. The rows of a tile no longer hold their
    temporaries at once (the feed-forward GELU epilogue of an 8 x 32 matmul
    tile spilled a third of its instructions). Tile reads become row reads,
    broadcasts and splat constants rows; at most one other tile value (a
    matmul's accumulator) is stored into the first write's destination
    first and read back row by row. See lib/Target/CPU/EpilogueRowLoops.cpp
    for every condition.
  }];
  let options = [
    Option<"rowsPerIteration", "rows-per-iteration", "int64_t",
           /*default=*/"2", "tile rows computed per iteration of the loop">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def FlattenVectorTransfers
    : Pass<"nnc-flatten-vector-transfers", "mlir::func::FuncOp"> {
  let summary = "Turn the n-D tile transfers of nnc-vectorize-ops into 1-D ones";
  let description = [{
    Runs after bufferization, before nnc-lower-vector-contract: every
    vector transfer of rank 4 or more loses its unit dims and, when the
    memory it covers is contiguous and its rows are narrower than
    `register-bits`, becomes one 1-D transfer and a `vector.shape_cast`
    (a [1, 1, 1, 2, 14, 2] row of pooling windows: one load of 56 floats
    instead of 28 of 2). Transfers of rank 2 (the matmul schedule's) and 3
    are left alone.
  }];
  let options = [
    Option<"registerBits", "register-bits", "unsigned", /*default=*/"256",
           "Width of the target's vector registers in bits">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerVectorOps : Pass<"nnc-lower-vector-ops", "mlir::func::FuncOp"> {
  let summary = "Lower the n-D vector ops of nnc-vectorize-ops to 1-D ones";
  let description = [{
    Runs after bufferization (and nnc-flatten-vector-transfers):
    elementwise ops on n-D vectors with rows narrower than `register-bits`
    become 1-D ops on the flattened vector; `vector.multi_reduction` becomes
    1-D reductions or elementwise ops (a reduction of a short innermost dim
    that keeps outer dims: one shuffle per reduced position, combined
    elementwise), gathers, broadcasts, transposes and shape casts become 1-D
    operations, and the remaining n-D transfers are fully unrolled to 1-D
    ones.
  }];
  let options = [
    Option<"registerBits", "register-bits", "unsigned", /*default=*/"256",
           "Width of the target's vector registers in bits">,
    Option<"avx2Transpose", "avx2-transpose", "bool", /*default=*/"false",
           "Lower 8 x 8 f32 vector.transpose to AVX2 shuffles (x86vector)">
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def MathApproximation : Pass<"nnc-math-approximation"> {
  let summary = "Replace f32 transcendental functions by inline polynomials";
  let description = [{
    Rewrites f32 `math.exp`, `expm1`, `tanh`, `erf`, `log`, `log1p`,
    `log2`, `sin`, `cos`, `atan`, `atan2`, `asin`, `acos` and `cbrt`, on
    scalars and vectors, into MLIR's polynomial approximations (arith and
    bit operations only), so that they vectorize and no libm call is made
    per element. f64 functions keep the C library.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def WidenRowStores : Pass<"nnc-widen-row-stores"> {
  let summary = "Store consecutive rows of a loop in whole vectors";
  let description = [{
    After bufferization and the vector lowerings: a sequential loop that
    stores one row of W floats per iteration at consecutive places of a
    local buffer (row y at y * W: the im2col rows of a convolution, a
    pooling's output rows) stores P-wide rows instead (P the next power of
    two up to `lanes`, else the next multiple of `lanes`; P - W <= W) in
    every iteration but its last, which keeps the W-wide store: the excess
    of each row lands on the next row, which the next iteration overwrites.
    A row of 14 floats goes from three stores (8 + 4 + 2) to one. The row's
    load is widened too when the wider load provably stays inside its buffer
    (static shapes, loop bounds); otherwise the row is padded with zeros in
    registers. The loop must write nothing else and read nothing of the
    stored buffer. See lib/Target/CPU/WidenRowStores.cpp for every
    condition.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"16",
           "f32 lanes of a vector register">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect"];
}

def StridedCopyToLinalg : Pass<"nnc-strided-copy-to-linalg"> {
  let summary = "Rewrite memref.copy between non-contiguous views as loops";
  let description = [{
    The LLVM lowering of `memref.copy` calls the `memrefCopy` runtime function
    unless both sides are contiguous; a model.so links no MLIR runtime. This
    pass turns every copy with a non-identity layout into loops. Contiguous
    copies stay `memref.copy` (a memcpy). With `vector-lanes` set, a copy
    whose rows are contiguous on both sides (unit innermost strides, a static
    row: the slices that bufferization copies into a concatenation, such as
    the query, key and value gradients of attention into one `[N, T, 3D]`
    buffer) becomes a loop nest over the rows that moves each row in
    `vector<lanes x f32>` loads and stores (one narrower vector per power
    of two that fits and a scalar for the rest); other copies become `linalg.copy`, lowered to scalar loops.
  }];
  let options = [
    Option<"vectorLanes", "vector-lanes", "int64_t", /*default=*/"0",
           "f32 lanes of a vector register for row copies (0: linalg.copy "
           "for every copy)">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // NNC_TARGET_CPU_VECTOR_PASSES
