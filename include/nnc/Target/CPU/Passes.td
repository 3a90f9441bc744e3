//===- Passes.td - passes of the CPU back end -------------*- tablegen -*-===//
//
// Passes of the CPU back end (lib/Target/CPU): thread chunks, the matmul and
// vectorization schedules, loop outlining, the shim's allocator and profiler.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_PASSES
#define NNC_TARGET_CPU_PASSES

include "mlir/Pass/PassBase.td"

def HostAlloc : Pass<"nnc-host-alloc", "mlir::ModuleOp"> {
  let summary = "Route the CPU kernels' heap buffers through the shim's cache";
  let description = [{
    Runs on the LLVM dialect of a CPU build. Renames the `malloc`, `aligned_alloc`
    and `free` that the memref lowering declares to `nnc_host_alloc`,
    `nnc_host_aligned_alloc` and `nnc_host_free`, which the model shim
    (lib/ModelRT/HostAlloc.c) implements with a bounded cache of freed
    blocks: a kernel allocates the same temporaries on every call, and
    reusing them avoids fresh pages (and their faults) each time.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def BufferizeFunctions : Pass<"nnc-bufferize-functions", "mlir::ModuleOp"> {
  let summary = "One-Shot Bufferize the module's functions side by side (CPU settings)";
  let description = [{
    CPU, on linalg, tensor, vector and scf ops on tensors after the
    vectorization schedules: One-Shot Bufferize of every function with the
    CPU pipeline's settings (function boundaries are already memrefs:
    nnc-destination-passing; loops may return fresh allocations; identity
    layouts at function boundaries). Nothing it decides crosses a function,
    so the functions are bufferized in parallel on the context's threads;
    only a tensor constant adds to the module (its `memref.global`), and
    the functions holding one are bufferized first, one at a time. The
    module-level `one-shot-bufferize` took every function in turn.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def DistributeOps : Pass<"nnc-distribute-ops", "mlir::func::FuncOp"> {
  let summary = "Chunk big linalg ops along a parallel loop with scf.forall (CPU threads)";
  let description = [{
    CPU, on linalg on tensors, before nnc-batch-matmul-loop: linalg ops on
    tensors with enough work are tiled along one parallel loop into chunks
    of at least `min-chunk-work`, with `scf.forall` (nnc-outline-parallel
    gives those to the thread pool). The loop is not the op's innermost
    (vectorized) one, except a matmul's columns. An op whose outermost
    loop is the batch (dynamic) is cut into rows, when at most twice
    `assumed-batch` rows hold `min-chunk-work`. Otherwise (and for matmuls,
    whose register tiles prefer them) a static loop is chosen when the op's
    work is at least twice `min-chunk-work` with a dynamic
    extent (the batch) counting `assumed-batch`: the one whose chunks are
    two or more, then without remainder, then four or more (at most
    `max-chunks`): chunks fixed at
    compile time, static slices. Otherwise a dynamic loop (the batch) is cut
    into chunks of a static size, when at most twice `assumed-batch` rows
    hold `min-chunk-work`; a smaller batch at run time is one chunk, run
    inline. In a sequential loop (a recurrent layer's step) a matmul is
    cut into rows of the batch too, and every op's rows are multiples of the
    register tile's, so that a step's ops cut the batch at the same rows and
    the pool's threads keep their rows of the state in their own caches
    from op to op and step to step. Chunks never depend on
    the thread count, and reductions are never split, so results are the
    same bits for any number of threads. A matmul with a single elementwise
    consumer is chunked through it, with its fill, and its chunks are
    multiples of the register tile (`tile-m` rows, `tile-n` columns). Fills
    and ops already inside a chunk are left alone.

    Work is counted in points of the iteration space times the ops of the
    body; a matmul's point counts 1/16 (a vectorized multiply-add).
  }];
  let options = [
    Option<"minChunkWork", "min-chunk-work", "double", /*default=*/"32768",
           "Least work of a chunk (points times body ops)">,
    Option<"maxChunks", "max-chunks", "int64_t", /*default=*/"64",
           "Most chunks of a static extent">,
    Option<"assumedBatch", "assumed-batch", "int64_t", /*default=*/"32",
           "The extent a dynamic loop (the batch) counts for in the work">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"6",
           "Rows of the matmul register tile (chunks of rows are multiples)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"16",
           "Columns of the matmul register tile">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::affine::AffineDialect"];
}

def FuseForalls : Pass<"nnc-fuse-foralls", "mlir::func::FuncOp"> {
  let summary = "Fuse a loop over batch items into the loop that computes its input";
  let description = [{
    CPU, on tensors, after nnc-distribute-ops: an `scf.forall` from 0 by 1
    over the items of the batch whose iteration i reads exactly item i of
    the result of another such forall (directly or through a
    `tensor.expand_shape` keeping dim 0 alone), with the same trip count,
    when that result has no other use and the producer writes its item
    once into a `tensor.empty` shared output, is merged into one forall at
    the consumer's place: the producer's item goes into a fresh tensor of
    the iteration and the consumer reads it, reshaped to the slice type it
    read. Repeats until no pair is left, so a chain (convolution per image,
    inference batchnorm + relu + pooling, the next convolution) becomes one
    loop whose intermediates stay in cache. Chunks and arithmetic are
    unchanged.

    ```mlir
    %a = scf.forall (%i) in (%n) shared_outs(%o = %empty) -> (tensor<?x32x784xf32>) {
      ... %tile = linalg.matmul ... -> tensor<32x784xf32>
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %tile into %o[%i, 0, 0] [1, 32, 784] [1, 1, 1] ...
      }
    }
    %e = tensor.expand_shape %a [[0], [1], [2, 3]] ... into tensor<?x32x28x28xf32>
    %b = scf.forall (%j) in (%n) shared_outs(%p = %empty2) -> (...) {
      %item = tensor.extract_slice %e[%j, 0, 0, 0] [1, 32, 28, 28] [1, 1, 1, 1] ...
      ...
    }
    ```
    becomes one `scf.forall (%i) in (%n)` whose body computes `%tile` into a
    `tensor.empty() : tensor<32x784xf32>` and uses
    `tensor.expand_shape %tile [[0, 1], [2, 3]]` in place of `%item`.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def CollapseEpilogues : Pass<"nnc-collapse-epilogues", "mlir::func::FuncOp"> {
  let summary = "Give a matmul's elementwise epilogue the matmul's own 2-D shape";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: reshape propagation
    in the shared fusion moves the `tensor.expand_shape` after a dense layer
    on sequences (`[N*T, D] -> [N, T, D]`) above its bias generic, which then
    reads `expand_shape(matmul)` with three loops. Neither the thread chunks
    nor the matmul schedule see it as the product's epilogue any more: the
    product zero-fills and stores its whole result, and the bias (and a
    residual add) is a second pass over it. This pass collapses such an
    all-parallel generic back to the product's two loops
    (`linalg::collapseOpIterationDims`, its other operands collapsed alike
    and its result expanded back), so that the bias is added in the
    product's register tile again. A product read by several ops through
    the reshape (a pre-activation, read by its activation and by the
    activation's gradient) is first shared: the first reader, when it is
    such a generic, also yields the product it read, and the later readers
    take that result, so that the product keeps a single reader, its
    epilogue.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

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

def FuseRows : Pass<"nnc-fuse-rows", "mlir::func::FuncOp"> {
  let summary = "Run a chunk's chain of row-wise ops as one loop over rows";
  let description = [{
    CPU, on tensors, after nnc-fuse-foralls: in a chunk (`scf.forall`)
    that computes only generics and fills and yields one generic's result,
    that generic is tiled by one row (each leading parallel loop but the
    innermost by 1, `scf.for`) and the producers of the chunk that a row
    cuts, read only by the chain, are fused into the loop (a softmax's
    maximum, exponentials, sum and reciprocal): intermediates stay in L1
    instead of chunk-sized temporaries. An iteration takes the most
    consecutive rows (a power of two) that hold at most `tile-elements`
    elements. Rows of fewer than `min-row-elements` elements are left alone.
  }];
  let options = [
    Option<"minRowElements", "min-row-elements", "int64_t", /*default=*/"16",
           "the fewest elements of a row worth a loop over rows">,
    Option<"tileElements", "tile-elements", "int64_t", /*default=*/"128",
           "the most elements of the consecutive rows one iteration takes">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def FuseSiblingReductions : Pass<"nnc-fuse-sibling-reductions", "mlir::func::FuncOp"> {
  let summary = "Compute two independent reductions over one tensor in one generic";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: two reduction
    `linalg.generic`s of one block with the same iterator types, that read a
    common tensor through the same permutation map, where every user of the
    earlier comes after the later (so the later cannot depend on it), become
    one generic (the inputs and outputs of both, each payload
    unchanged) at the later one's place: one pass over the shared tensor
    instead of two (batch normalisation's beta and gamma gradients).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def FuseIntoSlices : Pass<"nnc-fuse-into-slices", "mlir::func::FuncOp"> {
  let summary = "Compute an elementwise op on the slices loops read of it";
  let description = [{
    CPU, on linalg on tensors, before nnc-distribute-ops: an all-parallel
    `linalg.generic` whose every use is a `tensor.extract_slice` (unit
    strides) inside a loop that does not contain the generic is replaced, at
    each slice, by the generic tiled to that slice: its result is computed
    where it is read and never stored whole.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
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
    is the same, in the same order.
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

def OutlineParallel : Pass<"nnc-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Move each outermost scf.forall on buffers into a thread-pool task";
  let description = [{
    After bufferization, before nnc-outline-loops: each outermost
    `scf.forall` of a function becomes a call of a private function
    `nnc_loop_<func>_par<N>(%begin: index, %end: index, <captured values>)`
    marked `nnc.parallel_task`, which runs the forall's iterations [begin,
    end) (linearized, in order) in an scf.for; the call passes the whole
    range. nnc-parallel-task-calls hands those calls to the model shim's
    thread pool. Foralls nested in another run serially (scf.for), and with
    `threads=false` (kernels linked without the shim) every forall does.
  }];
  let options = [
    Option<"threads", "threads", "bool", /*default=*/"true",
           "Make tasks of the outermost foralls (else all become scf.for)">
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::scf::SCFDialect"];
}

def ParallelTaskCalls : Pass<"nnc-parallel-task-calls", "mlir::ModuleOp"> {
  let summary = "Call nnc-outline-parallel's tasks through nnc_rt_parallel_for";
  let description = [{
    On the LLVM dialect: for each function `F(i64 begin, i64 end, args...)`
    marked `nnc.parallel_task`, adds an internal `F_thunk(ptr ctx, i64 begin,
    i64 end)` that reads the range's base and `args` from the struct at
    `ctx`, and an internal, no_inline `F_launch` of F's type that stores
    `{b, args...}` into a stack slot and calls the model shim's
    `nnc_rt_parallel_for(F_thunk, slot, e - b)` (lib/ModelRT/Parallel.c),
    which runs disjoint ranges of [0, e - b) on the instance's threads; calls
    of F call F_launch instead.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def OutlineLoops : Pass<"nnc-outline-loops", "mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a kernel into its own function";
  let description = [{
    After bufferization a kernel (`predict`, `train_step`, ...) is one
    function holding every layer's loop nests; LLVM's code generation
    (instruction selection, loop strength reduction, register allocation)
    grows faster than linearly with the size of a function, so a deep model
    took minutes to compile. Each `scf.for`/`scf.parallel`/`scf.while` in the
    body of a public function becomes a call to a private, internal,
    `no_inline` function `<kernel>_loop<N>` whose arguments are the values
    the loop uses from outside (constants are copied in) and whose results
    are the loop's. The call costs a few nanoseconds next to a layer.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def ProfileLoops : Pass<"nnc-profile-loops", "mlir::ModuleOp"> {
  let summary = "Time each outlined loop nest through the model shim's profiler";
  let description = [{
    Runs after nnc-outline-loops. Brackets every call of an `nnc_loop_*`
    function in a public function with `nnc_rt_profile_begin` (0 when
    NNC_PROFILE is off) and, only when that returned non-zero,
    `nnc_rt_profile_end(record, t0, flops)`. `record` is an internal global
    (NncProfileRecord, lib/ModelRT/Internal.h) naming the loop function and
    the `.nn` locations of its ops; `flops` is the float operations of the
    call, computed from the call's operands, or -1 when unknown.
    docs/performance.md explains the report.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::scf::SCFDialect"];
}

def MergeFunctions : Pass<"nnc-merge-functions", "mlir::ModuleOp"> {
  let summary = "Keep one copy of identical private functions";
  let description = [{
    Runs after nnc-outline-loops: private functions with the same type,
    attributes and body (locations aside) are merged into the first of them
    and every call points at it, so that the loop nests of repeated layers
    (transformer blocks, the hidden layers of a deep MLP) are compiled once.
  }];
}

def DeallocAfterLastUse : Pass<"nnc-dealloc-after-last-use"> {
  let summary = "Free each heap buffer right after its last use";
  let description = [{
    After the ownership-based deallocation passes, before their lowering
    (they free a buffer at the end of the block that allocated it): a
    `memref.dealloc`, or a `bufferization.dealloc` of one buffer with a
    true condition and nothing retained, of a `memref.alloc` in the same
    block moves up to right after the last op of that block using the
    buffer or a value that may alias it (the memref results and region
    arguments of any op using an alias, the parent's when a region yields
    one). A buffer reaching a return or a branch, or used outside the
    block, is left alone. The shim's allocator then hands the block to
    the next tensor of its size while it is still in cache.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def HoistChunkAllocs : Pass<"nnc-hoist-chunk-allocs"> {
  let summary = "One buffer for a static temporary of every chunk of a loop";
  let description = [{
    On bufferized kernels: a static-shape temporary that each chunk of a
    static one-dimensional `scf.forall` allocates and frees in its body
    becomes the chunk's slice (`memref.view`, the same type) of one buffer
    freed after the loop, when that buffer is at most `max-bytes`. It is
    allocated at the kernel's start for a loop at the kernel's top level
    (while such buffers add up to at most `max-start-bytes`), else right
    before the loop. Chunks that update parameters in their epilogue then
    allocate nothing, so a failed allocation cannot follow their writes
    (nnc-mark-undo-args), and the chunks stop calling the allocator.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"8388608",
           "largest buffer for the temporaries of all chunks of a loop">,
    Option<"maxStartBytes", "max-start-bytes", "int64_t",
           /*default=*/"67108864",
           "most bytes of such buffers allocated at the kernel's start (the "
           "rest right before their loops)">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::memref::MemRefDialect"];
}

def MarkUndoArgs : Pass<"nnc-mark-undo-args", "mlir::func::FuncOp"> {
  let summary = "Mark the arguments a failed kernel call may have changed";
  let description = [{
    On bufferized kernels (functions with `nn.abi_args`), before their loops
    are outlined: a call fails only where it allocates (the shim longjmps out
    of the kernel and restores the instance tensors it may have written from
    a copy made before the call). Sets `nn.undo_args` to the positions of the
    arguments that some write may reach before an allocation, a call or an
    op of unknown effects, in program order or in a shared loop; a tensor
    written only after the kernel's last allocation needs no copy.
    EmitModelDescriptor turns the list into the entry's `undo` flags.
  }];
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

#endif // NNC_TARGET_CPU_PASSES
