//===- SplitCodegen.cpp - machine code for a module on several threads ----===//
//
// The back end (instruction selection, the schedulers, register allocation)
// was half of nnc's compile time and ran on one thread. emitSplitObjects
// cuts the optimised module into partitions with llvm::SplitModule (the
// functions dealt round robin by size; internal symbols become hidden
// external ones, so the parts link with each other and export nothing new)
// and compiles each on a thread of its own into an object file of its own.
// An LLVMContext is not thread-safe, so each part travels as bitcode and is
// read back into a context of the thread's, as LTO's parallel code
// generation does; each thread has its own TargetMachine too. Every function
// gets the machine code it would get in one object: the split happens after
// the optimisation pipeline, so no inlining decision changes, and only the
// order of the functions in the library differs.
//
// splitOffLargeEntries takes the very large entry points out before that,
// for an object of their own compiled without optimisation (fast register
// allocation): see emitNativeCode.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/CPUPipeline.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <thread>

using namespace mlir;

std::unique_ptr<llvm::Module>
nnc::splitOffLargeEntries(llvm::Module &module, unsigned minInstructions) {
  llvm::SmallPtrSet<const llvm::GlobalValue *, 8> entries;
  for (llvm::Function &function : module)
    if (!function.isDeclaration() && !function.hasLocalLinkage() &&
        function.getInstructionCount() >= minInstructions)
      entries.insert(&function);
  // Appending globals (constructors) would be defined twice.
  if (entries.empty() ||
      llvm::any_of(module.globals(), [](const llvm::GlobalVariable &global) {
        return global.hasAppendingLinkage();
      }))
    return nullptr;
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.hasLocalLinkage()) {
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
    if (!value.hasName())
      value.setName("__nnc_split");
  }
  llvm::ValueToValueMapTy map;
  std::unique_ptr<llvm::Module> part =
      llvm::CloneModule(module, map, [&](const llvm::GlobalValue *value) {
        return entries.contains(value);
      });
  for (llvm::Function &function : module)
    if (entries.contains(&function))
      function.deleteBody();
  return part;
}

LogicalResult nnc::emitSplitObjects(
    Location loc, llvm::Module &module,
    llvm::ArrayRef<std::unique_ptr<llvm::TargetMachine>> machines,
    llvm::ArrayRef<std::string> paths, llvm::Module *separate) {
  assert(machines.size() == paths.size() && "one target machine per object");
  size_t parts = paths.size();
  size_t splitParts = separate ? parts - 1 : parts;
  assert(splitParts >= 1 && "no object for the module");
  std::vector<llvm::SmallString<0>> bitcode;
  bitcode.reserve(parts);
  llvm::SplitModule(
      module, splitParts,
      [&](std::unique_ptr<llvm::Module> part) {
        llvm::raw_svector_ostream os(bitcode.emplace_back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  if (separate) {
    llvm::raw_svector_ostream os(bitcode.emplace_back());
    llvm::WriteBitcodeToFile(*separate, os);
  }
  if (bitcode.size() != parts)
    return emitError(loc) << "splitting the module gave " << bitcode.size()
                          << " parts, not " << parts;

  std::vector<std::string> errors(parts);
  auto compile = [&](size_t i) {
    llvm::LLVMContext context;
    llvm::Expected<std::unique_ptr<llvm::Module>> part =
        llvm::parseBitcodeFile(
            llvm::MemoryBufferRef(bitcode[i].str(), "nnc-part"), context);
    if (!part) {
      errors[i] = "cannot read part " + std::to_string(i) + " back: " +
                  llvm::toString(part.takeError());
      return;
    }
    std::error_code ec;
    llvm::ToolOutputFile out(paths[i], ec, llvm::sys::fs::OF_None);
    if (ec) {
      errors[i] = "cannot open '" + paths[i] + "': " + ec.message();
      return;
    }
    llvm::legacy::PassManager codegen;
    if (machines[i]->addPassesToEmitFile(codegen, out.os(), nullptr,
                                         llvm::CodeGenFileType::ObjectFile)) {
      errors[i] = "the target cannot emit object files";
      return;
    }
    codegen.run(**part);
    out.keep();
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < parts; ++i)
    threads.emplace_back(compile, i);
  compile(0);
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return emitError(loc) << error;
  return success();
}
