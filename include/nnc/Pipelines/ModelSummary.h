//===- ModelSummary.h - layers, parameters, FLOPs and memory ----*- C++ -*-===//
//
// The figures of `nnc summary` and of the comment block of `--header`,
// computed from the nn module that MLIRGen builds (before the nn passes):
// one row per layer call of the .nn file (the ops of @predict that carry the
// same DSL location) with its output shape, parameter count and forward
// FLOPs per sample; the totals; and what the memory of one instance at a
// batch is made of, the CPU kernels' workspace included (KernelWorkspace.h).
// Also the number formats both outputs share, so that the header and the table
// print the same text for the same figure.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_MODELSUMMARY_H
#define NNC_PIPELINES_MODELSUMMARY_H

#include "nnc/Pipelines/KernelWorkspace.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace nnc {

/// One row of the table: the ops of @predict with one DSL location.
struct LayerSummary {
  /// The parameter prefix ("conv1" of "conv1.weight"); empty without one.
  std::string name;
  /// The first op's name without the dialect ("dense").
  std::string op;
  /// The last op's output shape, "N" for the batch ("[N, 8]").
  std::string shape;
  int64_t params = 0, buffers = 0;
  double flops = 0;
  mlir::Location loc;

  /// "fc1 (4:19)": the name, else the op, and the DSL line:col.
  std::string label() const;
};

/// The whole model at one batch.
struct ModelSummary {
  std::string model;
  std::vector<LayerSummary> layers;
  int64_t params = 0, buffers = 0;
  double flops = 0;
  /// Elements per sample of every batched output of the training forward
  /// pass (@loss, else @predict): an upper bound of what backward keeps.
  int64_t activationsPerSample = 0;
  /// The train section's optimizer ("none" without one) and its state
  /// tensors per parameter.
  std::string optimizer = "none";
  int optimizerStates = 0;
  int64_t batch = 0;
  /// Whether `batch` is the train section's (else the one asked for, or 32).
  bool batchFromRecipe = false;
  /// The CPU kernels' temporaries at `batch` (KernelWorkspace.h): the entry
  /// with the largest peak; unset when not estimated, and then
  /// `workspaceUnknown` says why.
  std::optional<EntryWorkspace> workspace;
  std::string workspaceUnknown;
  /// Every entry point's workspace, in the module's order.
  std::vector<EntryWorkspace> entryWorkspaces;

  /// Bytes (f32) of the memory figures at `batch`.
  double parameterBytes() const { return 4.0 * double(params); }
  double bufferBytes() const { return 4.0 * double(buffers); }
  double optimizerBytes() const { return optimizerStates * parameterBytes(); }
  double activationBytes() const {
    return 4.0 * double(activationsPerSample) * double(batch);
  }
  double workspaceBytes() const {
    return workspace ? double(workspace->peakBytes) : 0.0;
  }
  /// Parameters, buffers, gradients, optimizer state and the workspace; the
  /// activations the kernels keep are among its temporaries. Without a
  /// workspace estimate, the activations instead.
  double totalBytes() const {
    return 2 * parameterBytes() + bufferBytes() + optimizerBytes() +
           (workspace ? workspaceBytes() : activationBytes());
  }
};

/// Summarizes `module` as MLIRGen built it. `batch` 0 takes the train
/// section's batch, else 32. `cpu`: estimate the kernel workspace of the CPU
/// kernels built with these options (estimateKernelWorkspace, which runs the
/// CPU pipeline up to bufferization on a copy of `module`); nullptr: not
/// estimated. Returns std::nullopt when there is no @predict.
std::optional<ModelSummary>
summarizeModel(mlir::ModuleOp module, int64_t batch = 0,
               const CPUCodegenOptions *cpu = nullptr);

/// Writes what `nnc summary` prints: the model name, the table, the totals
/// and the memory at `summary.batch`; every line starts with `linePrefix`.
/// `exactBytes`: the memory figures in bytes ("1,234,567 B") rather than
/// rounded to KiB, MiB, ...
void writeSummary(const ModelSummary &summary, llvm::raw_ostream &os,
                  llvm::StringRef linePrefix = "", bool exactBytes = false);

/// Writes the summary as a C comment block (for `--header`), saying where
/// its batch comes from.
void writeSummaryComment(const ModelSummary &summary, llvm::raw_ostream &os);

/// "5:8" of a DSL location; empty for any other location.
std::string formatLineCol(mlir::Location loc);
/// 421834 as "421,834".
std::string formatThousands(int64_t value);
/// Bytes as "232 B", "1.6 KiB", ...
std::string formatBytes(double bytes);
/// FLOPs as "72", "476.7k", "1.23M", "4.56G".
std::string formatFlops(double flops);

} // namespace nnc

#endif // NNC_PIPELINES_MODELSUMMARY_H
