//===- Compilation.h - the stages of compiling one .nn file ------*- C++
//-*-===//
//
// One compilation of a .nn file, stage by stage, so that the driver can stop
// after any of them (--emit=ast|nn|linalg|llvm|obj) and `nnc train` can run
// them all: load (parse + Sema), generate the nn module, run the nn passes
// (autodiff and the optimizer when there is a train section), lower to linalg,
// lower to the LLVM dialect, emit LLVM IR or an object, link model.so. Every
// diagnostic is printed in the front end's `file:line:col: error:` format.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_PIPELINES_COMPILATION_H
#define NNC_PIPELINES_COMPILATION_H

#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Frontend/AST.h"
#include "nnc/Frontend/Diagnostics.h"
#include "nnc/Pipelines/Compiler.h"
#include "nnc/Pipelines/ModelSummary.h"
#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"

#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <optional>

namespace nnc {

class MLIRDiagnosticForwarder;

/// The state of one compilation; call the stages in order.
class Compilation {
public:
  Compilation(const CompileOptions &options, llvm::raw_ostream &errs,
              unsigned maxErrors = 20);
  ~Compilation();

  /// Reads, parses and checks `path` ("-" for stdin).
  bool load(llvm::StringRef path);
  /// Builds the nn module (@predict, and @loss with a train section); with
  /// CompileOptions::headerPath, also summarizes it for the header.
  bool generateNN();
  /// Runs the nn passes: canonicalization, and with a train section autodiff
  /// and the optimizer (@grads, @apply, @train_step).
  bool runNNPasses();
  /// Computes the model's ABI into the IR (nnc-model-abi) and lowers every
  /// nn op to linalg/tensor/arith/math. An unknown target is an error.
  bool lowerToLinalg();
  /// Runs the back end's pipeline (lookupTarget(CompileOptions::target)) down
  /// to the LLVM dialect, then writes the descriptor global from the ABI
  /// (nnc-emit-model-descriptor). An unknown target is an error.
  bool lowerToLLVM();
  /// CUDA target: lowers until the PTX is embedded and writes the PTX of
  /// `chip` to `path` ("-": stdout).
  bool emitPTX(llvm::StringRef path, llvm::StringRef chip);
  /// Writes LLVM IR text (asText) or an object file. With `split`, the
  /// machine code may be compiled on several threads into several objects:
  /// `path` is the first, link() adds the others.
  bool emitNative(llvm::StringRef path, bool asText, bool split = false);
  /// Links `output` from the kernels' object (which holds the descriptor),
  /// the shim, and the other objects of a split emitNative.
  bool link(llvm::StringRef objectPath, llvm::StringRef output);
  /// Writes a C header naming the model's tensors and their shapes, with the
  /// model summary (ModelSummary.h) in a comment when generateNN made one.
  bool writeHeader(llvm::StringRef path);

  const ModuleAST &getAST() const { return *ast; }
  mlir::ModuleOp getModule() { return *module; }
  DiagnosticEngine &getDiagnostics() { return diags; }

private:
  /// The back end of --target, or null after an error naming the known ones.
  const Target *checkTarget();
  bool runPasses(llvm::StringRef stage,
                 llvm::function_ref<void(mlir::OpPassManager &)> build);
  /// A timer for `stage` under the root (inactive without --time-report).
  mlir::TimingScope time(llvm::StringRef stage);

  CompileOptions options;
  /// --time-report: the stages and passes, printed when this is destroyed.
  std::unique_ptr<mlir::DefaultTimingManager> timing;
  mlir::TimingScope rootTiming;
  DiagnosticEngine diags;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::unique_ptr<ModuleAST> ast;
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<MLIRDiagnosticForwarder> forwarder;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The model's ABI as nnc-model-abi computed it (for the header).
  mlir::nn::ModelABIAttr abi;
  /// The summary of the nn module as MLIRGen built it (for the header).
  std::optional<ModelSummary> summary;
  /// Temporary objects of a split emitNative after the first (removed with
  /// this).
  std::vector<std::string> moreObjects;
};

/// The CPU back end's options for `options` (what lowerToLLVM builds the
/// kernels with, and what the workspace estimate of the summary assumes).
CPUCodegenOptions cpuCodegenOptions(const CompileOptions &options);

/// What the back ends read of `options`.
TargetOptions targetOptions(const CompileOptions &options);

} // namespace nnc

#endif // NNC_PIPELINES_COMPILATION_H
