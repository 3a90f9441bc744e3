//===- Compilation.cpp - the stages of compiling one .nn file -------------===//
//
// Drives one .nn file through the front end, the nn passes, NNToLinalg, the
// back end's pipeline (looked up by --target, nnc/Target/Target.h), native
// code emission and linking. Each stage is a method so
// that the driver can stop after any of them; `compileModelFile` runs them
// all. MLIR diagnostics are forwarded to the front end's engine, so errors
// from passes print like front-end errors (file:line:col, source, caret).
//
//===----------------------------------------------------------------------===//

#include "nnc/Pipelines/Compilation.h"
#include "TimeReport.h"
#include "nnc/Pipelines/Pipelines.h"

#include "nnc/Codegen/Passes.h"
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Frontend/MLIRGen.h"
#include "nnc/Frontend/Parser.h"
#include "nnc/Frontend/Sema.h"
#include "nnc/InitAllDialects.h"
#include "nnc/Pipelines/ModelHeader.h"
#include "nnc/Target/CPU/CPUPipeline.h"
#include "nnc/Target/Registration.h"
#include "nnc/Target/Target.h"
#include "nnc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Threading.h"

#include <algorithm>

using namespace mlir;
using namespace nnc;

namespace {

/// A path configured at build time, overridable by an environment variable.
std::string configuredPath(const char *envName, const char *builtIn) {
  if (const char *env = std::getenv(envName); env && *env)
    return env;
  return builtIn;
}

} // namespace

Compilation::Compilation(const CompileOptions &options, llvm::raw_ostream &errs,
                         unsigned maxErrors)
    : options(options), diags(errs, maxErrors) {
  if (options.timeReport) {
    timing = std::make_unique<DefaultTimingManager>();
    timing->setEnabled(true);
    timing->setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
    timing->setOutput(createTimeReportOutput(llvm::errs()));
    rootTiming = timing->getRootScope();
  }
}

TimingScope Compilation::time(llvm::StringRef stage) {
  return rootTiming.nest(stage);
}

Compilation::~Compilation() {
  for (const std::string &object : moreObjects)
    llvm::sys::fs::remove(object);
}

bool Compilation::load(llvm::StringRef path) {
  auto fileOrErr = llvm::MemoryBuffer::getFileOrSTDIN(path);
  if (std::error_code ec = fileOrErr.getError()) {
    diags.error("cannot open '" + path + "': " + ec.message());
    return false;
  }
  TimingScope timer = time("parse and check");
  buffer = std::move(*fileOrErr);
  std::string name = path == "-" ? std::string("<stdin>") : path.str();
  ast = parseBuffer(buffer->getBuffer(), name, diags);
  if (diags.hasErrors() || !ast)
    return false;
  return runSema(*ast, diags);
}

bool Compilation::generateNN() {
  DialectRegistry registry;
  nnc::registerAllDialects(registry);
  nnc::registerTargetDialects(registry);
  context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  context->printOpOnDiagnostic(false);
  forwarder = std::make_unique<MLIRDiagnosticForwarder>(*context, diags);
  TimingScope timer = time("MLIRGen");
  module = mlirGen(*context, *ast, diags);
  if (!module || diags.hasErrors())
    return false;
  if (failed(verify(*module))) {
    diags.error("internal error: the generated nn module does not verify");
    return false;
  }
  // The nn passes rewrite @predict: summarize it before they run.
  if (!options.headerPath.empty()) {
    const Target *target = lookupTarget(options.target);
    CPUCodegenOptions cpu = cpuCodegenOptions(options);
    summary = summarizeModel(*module, 0,
                             target && target->runsOnHost() ? &cpu : nullptr);
  }
  return true;
}

bool Compilation::runPasses(llvm::StringRef stage,
                            llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(context.get());
  build(pm);
  // Verifying after every pass took about a tenth of the MLIR stages'
  // time; once per stage still stops a malformed module before the next.
  pm.enableVerifier(options.verifyEach);
  TimingScope timer = time(stage);
  if (timing)
    pm.enableTiming(timer);
  if (failed(pm.run(*module))) {
    if (!diags.hasErrors())
      diags.error("compilation failed in a pass pipeline");
    return false;
  }
  if (!options.verifyEach && failed(verify(*module))) {
    diags.error("internal error: the module does not verify after the " +
                stage.str() + " stage (--verify-each names the pass)");
    return false;
  }
  return true;
}

bool Compilation::runNNPasses() {
  if (options.inputGrads) {
    const Target *target = checkTarget();
    if (!target)
      return false;
    if (!target->supportsInputGradients()) {
      diags.error("--input-grads is not supported with --target=" +
                  target->getName() + " yet");
      return false;
    }
  }
  bool training =
      static_cast<bool>(module->lookupSymbol<func::FuncOp>(attrs::kLoss));
  return runPasses("nn passes", [&](OpPassManager &pm) {
    NNPipelineOptions nnOptions;
    nnOptions.training = training;
    nnOptions.inputGrads = options.inputGrads;
    buildNNPipeline(pm, nnOptions);
  });
}

bool Compilation::lowerToLinalg() {
  const Target *target = checkTarget();
  if (!target || failed(target->checkModule(*module)))
    return false;
  if (!runPasses("nn to linalg", [&](OpPassManager &pm) {
        ModelABIOptions abiOptions;
        abiOptions.target = options.target;
        pm.addPass(createModelABI(abiOptions));
        buildNNToLinalgPipeline(pm, target->perImageConvolutions(),
                                target->recurrentBatchRows());
      }))
    return false;
  // Kept for the header: nnc-emit-model-descriptor consumes the attribute.
  abi = (*module)->getAttrOfType<nn::ModelABIAttr>(attrs::kABI);
  return true;
}

TargetOptions nnc::targetOptions(const CompileOptions &options) {
  TargetOptions target;
  target.optLevel = options.optLevel;
  target.cpu = options.cpu;
  target.vectorize = options.vectorize;
  target.gpuChips = options.gpuChips;
  return target;
}

const Target *Compilation::checkTarget() {
  if (const Target *target = lookupTarget(options.target))
    return target;
  diags.error("unknown target '" + options.target + "' (expected " +
              llvm::join(getTargetNames(), " or ") + ")");
  return nullptr;
}

bool Compilation::emitPTX(llvm::StringRef path, llvm::StringRef chip) {
  const Target *target = checkTarget();
  if (!target)
    return false;
  if (!target->hasDeviceCode()) {
    diags.error("--emit=ptx needs --target=cuda");
    return false;
  }
  if (!runPasses("linalg to PTX", [&](OpPassManager &pm) {
        target->buildDeviceCodePipeline(pm, targetOptions(options));
      }))
    return false;
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    diags.error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  return succeeded(target->writeDeviceCode(*module, chip, os));
}

bool Compilation::lowerToLLVM() {
  const Target *target = checkTarget();
  if (!target)
    return false;
  return runPasses("linalg to LLVM dialect", [&](OpPassManager &pm) {
    target->buildPipeline(pm, targetOptions(options));
    pm.addPass(createEmitModelDescriptor());
  });
}

CPUCodegenOptions nnc::cpuCodegenOptions(const CompileOptions &options) {
  return cpuCodegenOptions(targetOptions(options));
}

bool Compilation::emitNative(llvm::StringRef path, bool asText, bool split) {
  NativeCodeOptions codegen;
  // The back end on every CPU this process may use, at most 8 (it was half
  // of the compile time on one thread).
  codegen.codegenThreads =
      std::clamp(llvm::hardware_concurrency().compute_thread_count(), 1u, 8u);
  codegen.optLevel = options.optLevel;
  codegen.largeEntryInstructions = options.largeEntryInstructions;
  codegen.cpu = options.cpu;
  // The sanitizer build checks the kernels' memory accesses too.
  codegen.sanitizeAddress =
      llvm::StringRef(NNC_MODELRT_SANITIZE).contains("address");
  TimingScope timer = time("LLVM IR and machine code");
  return succeeded(emitNativeCode(*module, codegen, path, asText,
                                  split ? &moreObjects : nullptr, &timer));
}

bool Compilation::link(llvm::StringRef objectPath, llvm::StringRef output) {
  mlir::Location loc = module->getLoc();
  TimingScope timer = time("link");
  LinkInputs inputs;
  inputs.objects = {objectPath.str()};
  llvm::append_range(inputs.objects, moreObjects);
  inputs.wholeArchives = {
      configuredPath("NNC_MODELRT_ARCHIVE", NNC_MODELRT_ARCHIVE)};
  inputs.versionScript =
      configuredPath("NNC_MODELRT_EXPORTS", NNC_MODELRT_EXPORTS);
  inputs.sanitize = NNC_MODELRT_SANITIZE;
  if (!llvm::sys::fs::exists(inputs.wholeArchives[0])) {
    diags.error("the model shim '" + inputs.wholeArchives[0] +
                "' does not exist; build nnc_modelrt or set "
                "NNC_MODELRT_ARCHIVE");
    return false;
  }
  return succeeded(linkSharedLibrary(loc, inputs, output));
}

bool Compilation::writeHeader(llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    diags.error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  std::string comment;
  if (summary) {
    llvm::raw_string_ostream commentOS(comment);
    commentOS << "\n";
    writeSummaryComment(*summary, commentOS);
    commentOS << "\n";
  }
  if (!abi) {
    diags.error("internal error: no model ABI (lowerToLinalg did not run)");
    return false;
  }
  writeModelHeader(abi, os, comment);
  return true;
}

bool nnc::compileModelFile(llvm::StringRef inputPath,
                           llvm::StringRef outputPath,
                           const CompileOptions &options,
                           llvm::raw_ostream &errs) {
  Compilation c(options, errs);
  if (!c.load(inputPath) || !c.generateNN() || !c.runNNPasses() ||
      !c.lowerToLinalg() || !c.lowerToLLVM())
    return false;
  llvm::SmallString<128> object;
  if (llvm::sys::fs::createTemporaryFile("nnc-kernels", "o", object)) {
    c.getDiagnostics().error("cannot create a temporary file");
    return false;
  }
  llvm::FileRemover removeObject(object);
  if (!c.emitNative(object, /*asText=*/false, /*split=*/true) ||
      !c.link(object, outputPath))
    return false;
  if (!options.headerPath.empty() && !c.writeHeader(options.headerPath))
    return false;
  return true;
}
