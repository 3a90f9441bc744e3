//===- NativeEmitter.cpp - LLVM dialect to LLVM IR or an object file ------===//
//
// Translates the LLVM-dialect module to LLVM IR, selects the target machine
// (the host CPU and its features by default), runs LLVM's optimisation
// pipeline at the requested level and writes textual IR or an ELF object;
// for a library, in parts on several threads (emitParts, SplitCodegen.cpp).
// In the sanitizer build the optimised kernels are instrumented with
// AddressSanitizer, like the C and C++ code around them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/Object/Object.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

#include <thread>

using namespace mlir;

std::pair<std::string, std::string>
nnc::getCPUNameAndFeatures(const NativeCodeOptions &options) {
  if (options.cpu != "host" && !options.cpu.empty())
    return {options.cpu, ""};
  llvm::SubtargetFeatures featureSet;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    featureSet.AddFeature(feature.first(), feature.second);
  return {llvm::sys::getHostCPUName().str(), featureSet.getString()};
}

namespace {

/// Creates the target machine for the host triple and the chosen CPU.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(Location loc, const nnc::NativeCodeOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The AVX2 8 x 8 transpose blends through inline assembly.
  llvm::InitializeNativeTargetAsmParser();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    emitError(loc) << "no LLVM target for " << triple << ": " << error;
    return nullptr;
  }
  auto [cpu, features] = nnc::getCPUNameAndFeatures(options);
  llvm::TargetOptions targetOptions;
  auto level = options.optLevel == 0   ? llvm::CodeGenOptLevel::None
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                       : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(triple, cpu, features, targetOptions,
                                  llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    emitError(loc) << "cannot create a target machine for CPU '" << cpu << "'";
  return machine;
}

/// LLVM's unrolling threshold for the kernels, unless `-unroll-threshold`
/// was given: the default (300 at -O3) fully unrolled the per-row copy loops
/// of im2col (3 x 3 taps x 28 rows of `<28 x float>`), and the schedulers of
/// the back end, quadratic in the size of a block, then took 4 of the 6.3 s
/// it spent on fashion_cnn. At 100 the back end took 2.2 s; the loops the
/// kernels' speed depends on (matmul reductions, rows of elementwise ops)
/// are small enough to be unrolled still.
constexpr unsigned kUnrollThreshold = 100;

void limitUnrolling() {
  llvm::StringMap<llvm::cl::Option *> &registered =
      llvm::cl::getRegisteredOptions();
  auto it = registered.find("unroll-threshold");
  if (it == registered.end() || it->second->getNumOccurrences() > 0)
    return;
  (void)it->second->addOccurrence(0, "unroll-threshold",
                                  std::to_string(kUnrollThreshold));
}

/// The analysis managers of a new-pass-manager run, registered by
/// `builder` and proxied to each other.
struct AnalysisManagers {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;

  explicit AnalysisManagers(llvm::PassBuilder &builder) {
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
  }
};

/// Runs LLVM's default module pipeline at `options.optLevel` on the
/// translated kernels, with two of its loop and vector passes tuned for code
/// that MLIR has already tiled and vectorized.
///
/// The always-inline functions (each entry's body and C wrapper,
/// nnc-pack-kernel-args) are inlined first: their memref arguments,
/// expanded into pointers and sizes, number in the thousands in a deep
/// network (3,664 for the train step of a 100-layer MLP), and the O3
/// pipeline inlines them only after IPSCCP and CalledValuePropagation, which
/// revisit such a call once per argument they refine: 6.9 of the 8.7 s of
/// mlp100's optimisation, 1.5 s once inlined first. The code is the same.
void optimize(llvm::Module &module, llvm::TargetMachine *machine,
              const nnc::NativeCodeOptions &options) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.LoopInterleaving = true;
  // The kernels are vectorized already: on fashion_cnn the object's code
  // had the same size to the byte with and without the SLP vectorizer,
  // which took 1.3 of the 3.3 s of optimisation.
  tuning.SLPVectorization = false;
  tuning.LoopUnrolling = true;
  // Functions marked optnone (the profiler's counting functions,
  // nnc-profile-loops) are left as they are.
  llvm::PassInstrumentationCallbacks instrumentation;
  llvm::OptNoneInstrumentation optNone(/*DebugLogging=*/false);
  optNone.registerCallbacks(instrumentation);
  llvm::PassBuilder builder(machine, tuning, std::nullopt, &instrumentation);
  AnalysisManagers analyses(builder);
  llvm::OptimizationLevel level =
      options.optLevel == 0   ? llvm::OptimizationLevel::O0
      : options.optLevel == 1 ? llvm::OptimizationLevel::O1
      : options.optLevel == 2 ? llvm::OptimizationLevel::O2
                              : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AlwaysInlinerPass(/*InsertLifetimeIntrinsics=*/false));
  passes.addPass(builder.buildPerModuleDefaultPipeline(level));
  passes.run(module, analyses.mam);
}

/// Instruments every defined function with AddressSanitizer: loads and
/// stores check the shadow memory, stack temporaries get redzones, and a
/// module constructor registers the module with the runtime.
void instrumentWithAddressSanitizer(llvm::Module &module,
                                    llvm::TargetMachine *machine) {
  for (llvm::Function &function : module.functions())
    if (!function.isDeclaration())
      function.addFnAttr(llvm::Attribute::SanitizeAddress);
  llvm::PassBuilder builder(machine);
  AnalysisManagers analyses(builder);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
  passes.run(module, analyses.mam);
}

/// Inlines the always-inline functions only (see optimize).
void inlineAlwaysInline(llvm::Module &module) {
  llvm::PassBuilder builder;
  AnalysisManagers analyses(builder);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AlwaysInlinerPass(/*InsertLifetimeIntrinsics=*/false));
  passes.run(module, analyses.mam);
}

/// Runs `work(i)` for i in [0, count), each on a thread of its own (0 on
/// the calling one).
void onThreads(size_t count, llvm::function_ref<void(size_t)> work) {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < count; ++i)
    threads.emplace_back([&work, i] { work(i); });
  work(0);
  for (std::thread &thread : threads)
    thread.join();
}

/// Reads a part back into `context`.
llvm::Expected<std::unique_ptr<llvm::Module>>
readPart(llvm::StringRef bitcode, llvm::LLVMContext &context) {
  return llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, "nnc-part"),
                                context);
}

/// The module on options.codegenThreads threads, in two rounds of parts
/// (partitionModule). First each part is read back in a context of its own
/// and optimised. The optimised parts are then linked and cut again by
/// their optimised sizes, which can differ much from those before (a loop
/// nest of 12,000 instructions became 3,300), and each new part is compiled
/// into an object, its entries of options.largeEntryInstructions or more at
/// -O0 into one more: part 0 into `path`, the others into temporary objects
/// appended to `moreObjects`.
LogicalResult emitParts(Location loc, llvm::Module &module,
                        const nnc::NativeCodeOptions &options,
                        llvm::StringRef path,
                        std::vector<std::string> &moreObjects,
                        TimingScope &parent) {
  unsigned parts = options.codegenThreads;
  nnc::NativeCodeOptions unoptimised = options;
  unoptimised.optLevel = 0;
  std::vector<std::unique_ptr<llvm::TargetMachine>> machines, fast;
  for (unsigned i = 0; i < parts; ++i) {
    machines.push_back(createTargetMachine(loc, options));
    fast.push_back(createTargetMachine(loc, unoptimised));
    if (!machines.back() || !fast.back())
      return failure();
  }
  std::vector<std::string> errors(parts);

  TimingScope stage = parent.nest("splitting into parts");
  // The entry wrappers first (see optimize), so that the parts' sizes are
  // those of the code they optimise.
  inlineAlwaysInline(module);
  std::vector<llvm::SmallString<0>> bitcode =
      nnc::partitionModule(module, parts);
  stage.stop();
  std::vector<llvm::SmallString<0>> optimised(parts);
  onThreads(parts, [&](size_t i) {
    llvm::LLVMContext context;
    auto part = readPart(bitcode[i], context);
    if (!part) {
      errors[i] = llvm::toString(part.takeError());
      return;
    }
    TimingScope timer = parent.nest("LLVM optimisation pipeline");
    optimize(**part, machines[i].get(), options);
    llvm::raw_svector_ostream os(optimised[i]);
    llvm::WriteBitcodeToFile(**part, os);
  });
  for (const std::string &error : errors)
    if (!error.empty())
      return emitError(loc) << "cannot read a part back: " << error;

  stage = parent.nest("linking and splitting the optimised parts");
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> whole;
  for (unsigned i = 0; i < parts; ++i) {
    auto part = readPart(optimised[i], context);
    if (!part)
      return emitError(loc) << "cannot read an optimised part back: "
                            << llvm::toString(part.takeError());
    if (!whole)
      whole = std::move(*part);
    else if (llvm::Linker::linkModules(*whole, std::move(*part)))
      return emitError(loc) << "cannot link the optimised parts";
  }
  bitcode = nnc::partitionModule(*whole, parts);
  stage.stop();

  std::vector<std::string> paths(parts), entryPaths(parts);
  paths[0] = path.str();
  for (unsigned i = 1; i < parts; ++i) {
    llvm::SmallString<128> object;
    if (llvm::sys::fs::createTemporaryFile("nnc-kernels", "o", object))
      return emitError(loc) << "cannot create a temporary file";
    paths[i] = object.str().str();
    moreObjects.push_back(paths[i]);
  }
  onThreads(parts, [&](size_t i) {
    llvm::LLVMContext context;
    auto part = readPart(bitcode[i], context);
    if (!part) {
      errors[i] =
          "cannot read a part back: " + llvm::toString(part.takeError());
      return;
    }
    std::unique_ptr<llvm::Module> entries;
    if (options.optLevel > 0)
      entries = nnc::splitOffLargeEntries(
          **part, options.largeEntryInstructions, ".part" + std::to_string(i));
    TimingScope timer = parent.nest("machine code");
    errors[i] = nnc::emitObjectFile(**part, *machines[i], paths[i]);
    timer.stop();
    if (!entries || !errors[i].empty())
      return;
    timer = parent.nest("machine code (large entry points at -O0)");
    llvm::SmallString<128> entriesPath;
    if (llvm::sys::fs::createTemporaryFile("nnc-entries", "o", entriesPath)) {
      errors[i] = "cannot create a temporary file";
      return;
    }
    entryPaths[i] = entriesPath.str().str();
    errors[i] = nnc::emitObjectFile(*entries, *fast[i], entryPaths[i]);
  });
  for (const std::string &entriesPath : entryPaths)
    if (!entriesPath.empty())
      moreObjects.push_back(entriesPath);
  for (const std::string &error : errors)
    if (!error.empty())
      return emitError(loc) << error;
  return success();
}

} // namespace

LogicalResult nnc::emitNativeCode(ModuleOp module,
                                  const NativeCodeOptions &options,
                                  llvm::StringRef path, bool asLLVMIR,
                                  std::vector<std::string> *moreObjects,
                                  TimingScope *timing) {
  Location loc = module.getLoc();
  TimingScope none;
  TimingScope &parent = timing ? *timing : none;
  TimingScope stage = parent.nest("translation to LLVM IR");
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());

  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(loc, options);
  if (!machine)
    return failure();

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "nnc_model");
  if (!llvmModule)
    return emitError(loc) << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(machine->getTargetTriple().str());
  llvmModule->setDataLayout(machine->createDataLayout());
  if (options.hideSymbols)
    for (llvm::Function &function : llvmModule->functions())
      if (!function.isDeclaration())
        function.setVisibility(llvm::GlobalValue::HiddenVisibility);
  stage.stop();
  limitUnrolling();

  // A library: the module in parts, one per thread (partitionModule). The
  // sanitizer build instruments one whole module instead.
  if (!asLLVMIR && moreObjects && !options.sanitizeAddress &&
      options.codegenThreads > 1)
    return emitParts(loc, *llvmModule, options, path, *moreObjects, parent);

  stage = parent.nest("LLVM optimisation pipeline");
  optimize(*llvmModule, machine.get(), options);
  stage.stop();
  stage = parent.nest("machine code");
  if (options.sanitizeAddress)
    instrumentWithAddressSanitizer(*llvmModule, machine.get());

  // The entry points of a deep network are thousands of straight-line
  // kernel calls whose values all live across calls: the optimising
  // register allocator took 4 of the 5.5 s of mlp100's machine code over
  // them. From options.largeEntryInstructions up they get an object of
  // their own, compiled at -O0 (fast register allocation, no scheduling)
  // from the optimised IR; the kernels keep the full back end.
  std::unique_ptr<llvm::Module> entries;
  if (!asLLVMIR && moreObjects && !options.sanitizeAddress &&
      options.optLevel > 0)
    entries =
        splitOffLargeEntries(*llvmModule, options.largeEntryInstructions, "");
  if (entries) {
    stage.stop();
    stage = parent.nest("machine code (large entry points at -O0)");
    NativeCodeOptions unoptimised = options;
    unoptimised.optLevel = 0;
    std::unique_ptr<llvm::TargetMachine> fast =
        createTargetMachine(loc, unoptimised);
    if (!fast)
      return failure();
    llvm::SmallString<128> entriesPath;
    if (llvm::sys::fs::createTemporaryFile("nnc-entries", "o", entriesPath))
      return emitError(loc) << "cannot create a temporary file";
    moreObjects->push_back(entriesPath.str().str());
    std::string error = emitObjectFile(*entries, *fast, entriesPath);
    if (!error.empty())
      return emitError(loc) << error;
  }

  if (!asLLVMIR) {
    std::string error = emitObjectFile(*llvmModule, *machine, path);
    if (!error.empty())
      return emitError(loc) << error;
    return success();
  }
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return emitError(loc) << "cannot open '" << path << "': " << ec.message();
  llvmModule->print(out.os(), nullptr);
  out.keep();
  return success();
}
