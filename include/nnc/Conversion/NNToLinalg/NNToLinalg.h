//===- NNToLinalg.h - nn to linalg lowering patterns ---------- -*- C++ -*-===//
//
// The pattern families of the `nnc-convert-nn-to-linalg` pass, one per file
// in lib/Conversion/NNToLinalg, and `populateNNToLinalgPatterns`, which
// collects them. A new family (e.g. the backward ops in Grad*.cpp) adds its
// `populate...Patterns` here and one call in populateNNToLinalgPatterns.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_CONVERSION_NNTOLINALG_NNTOLINALG_H
#define NNC_CONVERSION_NNTOLINALG_NNTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace nnc {

/// Lowering choices that depend on the back end.
struct NNToLinalgOptions {
  /// conv2d and its gradients as one static matmul per image inside an
  /// `scf.for` (the CPU's form, ConvPerImage.cpp) rather than one product
  /// over the whole batch (ConvMatmul.cpp, the GPU's).
  bool perImageConvolutions = false;
  /// Recurrent layers: chunks of this many batch rows each run the whole
  /// time loop, in an `scf.forall` (the CPU's threads); 0: one time loop
  /// over the whole batch (Recurrent.cpp).
  int64_t recurrentBatchRows = 0;
};

/// Unary activations, arithmetic with broadcasting, scale, dropout,
/// constant and fill (Elementwise.cpp).
void populateNNElementwisePatterns(mlir::RewritePatternSet &patterns);
/// dense and matmul (Dense.cpp).
void populateNNDensePatterns(mlir::RewritePatternSet &patterns);
/// conv2d (Conv.cpp).
void populateNNConvPatterns(mlir::RewritePatternSet &patterns,
                            const NNToLinalgOptions &options);
/// maxpool2d and avgpool2d (Pooling.cpp).
void populateNNPoolingPatterns(mlir::RewritePatternSet &patterns);
/// batchnorm, batchnorm_train, batch_stats, layernorm (Normalization.cpp).
void populateNNNormalizationPatterns(mlir::RewritePatternSet &patterns);
/// replica_sum, a call of the model shim (Replicas.cpp).
void populateNNReplicaPatterns(mlir::RewritePatternSet &patterns);
/// embedding and positional_sinusoidal (Embedding.cpp).
void populateNNEmbeddingPatterns(mlir::RewritePatternSet &patterns);
/// rnn, lstm, gru (Recurrent.cpp).
void populateNNRecurrentPatterns(mlir::RewritePatternSet &patterns,
                                 const NNToLinalgOptions &options);
/// self_attention (Attention.cpp).
void populateNNAttentionPatterns(mlir::RewritePatternSet &patterns);
/// reshape, transpose, concat, slice, flatten, last, broadcast_to
/// (Shape.cpp).
void populateNNShapePatterns(mlir::RewritePatternSet &patterns);
/// reduce_sum, reduce_mean, softmax, log_softmax (Reduction.cpp).
void populateNNReductionPatterns(mlir::RewritePatternSet &patterns);
/// The losses and penalties (Losses.cpp).
void populateNNLossPatterns(mlir::RewritePatternSet &patterns);

/// The backward ops autodiff emits: gelu_backward and the loss gradients
/// (GradLosses.cpp).
void populateNNGradPatterns(mlir::RewritePatternSet &patterns);
/// conv2d_backward_input/weight, maxpool2d_backward, avgpool2d_backward
/// (GradConv.cpp).
void populateNNConvGradPatterns(mlir::RewritePatternSet &patterns,
                                const NNToLinalgOptions &options);
/// embedding_backward (GradEmbedding.cpp).
void populateNNEmbeddingGradPatterns(mlir::RewritePatternSet &patterns);
/// rnn_backward, lstm_backward, gru_backward (GradRecurrent.cpp).
void populateNNRecurrentGradPatterns(mlir::RewritePatternSet &patterns);
/// The optimizer updates and clip_coef (GradOptimizer.cpp).
void populateNNOptimizerPatterns(mlir::RewritePatternSet &patterns);

/// Every forward nn lowering: calls each family's populate function.
void populateNNToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                const NNToLinalgOptions &options);

} // namespace nnc

#endif // NNC_CONVERSION_NNTOLINALG_NNTOLINALG_H
