//===- ChunkPasses.td - thread chunks and their fusion -----*- tablegen -*-===//
//
// Thread chunks (`scf.forall`) of big linalg ops and what each chunk
// computes in one pass: epilogues, rows, sibling reductions, slices.
// Included by Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TARGET_CPU_CHUNK_PASSES
#define NNC_TARGET_CPU_CHUNK_PASSES

include "mlir/Pass/PassBase.td"

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

#endif // NNC_TARGET_CPU_CHUNK_PASSES
