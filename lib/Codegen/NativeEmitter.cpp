//===- NativeEmitter.cpp - LLVM dialect to LLVM IR or an object file ------===//
//
// Translates the LLVM-dialect module to LLVM IR, selects the target machine
// (the host CPU and its features by default), runs LLVM's optimisation
// pipeline at the requested level and writes textual IR or an ELF object. In
// the sanitizer build the optimised kernels are instrumented with
// AddressSanitizer, like the C and C++ code around them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/CPUPipeline.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

using namespace mlir;

namespace {

/// Creates the target machine for the host triple and the chosen CPU.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(Location loc, const nnc::CPUCodegenOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
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
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      level));
  if (!machine)
    emitError(loc) << "cannot create a target machine for CPU '" << cpu << "'";
  return machine;
}

/// Instruments every defined function with AddressSanitizer: loads and
/// stores check the shadow memory, stack temporaries get redzones, and a
/// module constructor registers the module with the runtime.
void instrumentWithAddressSanitizer(llvm::Module &module,
                                    llvm::TargetMachine *machine) {
  for (llvm::Function &function : module.functions())
    if (!function.isDeclaration())
      function.addFnAttr(llvm::Attribute::SanitizeAddress);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
  passes.run(module, mam);
}

} // namespace

LogicalResult nnc::emitNativeCode(ModuleOp module,
                                  const CPUCodegenOptions &options,
                                  llvm::StringRef path, bool asLLVMIR) {
  Location loc = module.getLoc();
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

  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0,
                                            machine.get());
  if (llvm::Error err = optimize(llvmModule.get())) {
    std::string message = llvm::toString(std::move(err));
    return emitError(loc) << "LLVM optimisation failed: " << message;
  }
  if (options.sanitizeAddress)
    instrumentWithAddressSanitizer(*llvmModule, machine.get());

  std::error_code ec;
  llvm::ToolOutputFile out(path, ec,
                           asLLVMIR ? llvm::sys::fs::OF_Text
                                    : llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot open '" << path << "': " << ec.message();
  if (asLLVMIR) {
    llvmModule->print(out.os(), nullptr);
  } else {
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out.os(), nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(loc) << "the target cannot emit object files";
    codegen.run(*llvmModule);
  }
  out.keep();
  return success();
}
