//===- ConvPoolKernels.h - a convolution pooled in its registers -*- C++
//-*-===//
//
// The loop nests nnc-fuse-conv-pool (FuseConvPool.cpp) puts in place of a
// per-image convolution and its 2 x 2 max pooling (ConvPoolKernels.cpp): the
// row form (vectors along a row of outputs) and the channel form (vectors
// along the channels). Both build the pooled image `[F, OH / 2, OW / 2]` of
// one image from its padded input, on tensors. Private to lib/Target/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_LIB_TARGET_CPU_CONVPOOLKERNELS_H
#define NNC_LIB_TARGET_CPU_CONVPOOLKERNELS_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace nnc::convpool {

/// The convolution: F output channels, K = C * KH * KW reduction steps, an
/// OH x OW output; `floor` is the pooling's initial value (0 with a ReLU
/// folded into it, else -inf).
struct ConvShape {
  int64_t f, k, oh, ow;
  mlir::FloatAttr floor;
};

/// One image's operands: the padded image `[C, H + pads, W + pads]` (wide
/// enough for the form's reads, see rowFormWidth), the kernel's KH and KW,
/// the bias `[F]` (null without one), the sums' start (0 with a bias, else
/// the convolution's fill value) and the pooled image to write.
struct KernelInputs {
  mlir::Value padded;
  int64_t taps[2];
  mlir::Value bias, start, dest;
};

/// The channel form's block: `vectors` channel vectors x the 4 pixels of
/// each of `windows` windows side by side (16 accumulators).
struct ChannelBlock {
  int64_t vectors, windows;
};

/// The channel form's block for `shape`, if it applies: F a multiple of two
/// vectors, rows that would leave lanes idle in the row form, and a
/// reduction long enough to pay for its lane-at-a-time stores.
std::optional<ChannelBlock> channelBlockOf(const ConvShape &shape,
                                           int64_t lanes);

/// Whether the row form applies: rows of at most two vectors that fill at
/// least half of their vectors.
bool rowFormApplies(const ConvShape &shape, int64_t lanes);

/// The columns the row form reads from each row of the padded image: its
/// vectors cover the whole rows of outputs, KW - 1 columns further.
int64_t rowFormWidth(const ConvShape &shape, int64_t taps1, int64_t lanes);

/// The row form, reading `w [F, K]`.
mlir::Value buildRowKernel(mlir::OpBuilder &b, mlir::Location loc,
                           const ConvShape &shape, mlir::Value weights,
                           const KernelInputs &in, int64_t lanes);

/// The channel form, reading `w^T [K, F]`.
mlir::Value buildChannelKernel(mlir::OpBuilder &b, mlir::Location loc,
                               const ConvShape &shape, ChannelBlock block,
                               mlir::Value weightsT, const KernelInputs &in,
                               int64_t lanes);

} // namespace nnc::convpool

#endif // NNC_LIB_TARGET_CPU_CONVPOOLKERNELS_H
