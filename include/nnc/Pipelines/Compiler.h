//===- Compiler.h - .nn file to model.so, as a library call ------*- C++
//-*-===//
//
// The whole compiler behind one call, for the `nnc` driver's default action
// and for `nnc train`/`eval`/`predict`, which compile (and cache) the model
// before loading it: parse and check the .nn file, build the nn module,
// differentiate it and build the training step when there is a train section,
// lower it and link model.so. Diagnostics are printed as
// `file:line:col: error: ...` with the source line and a caret.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_COMPILER_H
#define NNC_PIPELINES_COMPILER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace nnc {

/// Options of a whole compilation.
struct CompileOptions {
  /// LLVM optimisation level 0..3. 2 by default: -O3 (LLVM's non-trivial
  /// loop unswitching, aggressive instcombine, call-site splitting) gave
  /// the same step times on every bench model and took 0.1-0.2 s more
  /// (docs/codegen.md, step 8).
  unsigned optLevel = 2;
  /// CPU: see CPUCodegenOptions::largeEntryInstructions.
  unsigned largeEntryInstructions = 1000;
  /// Target CPU ("host": the machine nnc runs on).
  std::string cpu = "host";
  /// Write a C header describing the model here (empty: none).
  std::string headerPath;
  /// Where the kernels run: "cpu" or "cuda" (NVIDIA GPUs, docs/gpu.md).
  std::string target = "cpu";
  /// CUDA: SM architectures to embed PTX for; the first is loaded.
  std::vector<std::string> gpuChips = {"sm_80", "sm_90"};
  /// Print the time of each stage and of every pass to stderr at the end
  /// (`--time-report`).
  bool timeReport = false;
  /// Verify the IR after every pass (`--verify-each`) instead of once at
  /// the end of each stage.
  bool verifyEach = false;
  /// CPU: what the pipeline tiles and vectorizes ("all": matrix products
  /// and every other op; "matmul": the products only; "none": scalar loops
  /// everywhere). For comparisons (`--vectorize`).
  std::string vectorize = "all";
  /// Also compile d loss / d input (nnc_model_compute_input_gradients;
  /// `--input-grads`).
  bool inputGrads = false;
};

/// Compiles the .nn file `inputPath` into the shared library `outputPath`.
/// Returns false after printing diagnostics to `errs` on any error.
bool compileModelFile(llvm::StringRef inputPath, llvm::StringRef outputPath,
                      const CompileOptions &options, llvm::raw_ostream &errs);

} // namespace nnc

#endif // NNC_PIPELINES_COMPILER_H
