//===- SplitCodegen.cpp - a module in parts for several threads -----------===//
//
// LLVM's optimisation pipeline and its back end (instruction selection, the
// schedulers, register allocation) were most of nnc's compile time and ran
// on one thread. partitionModule cuts the translated module, once the
// always-inline entry wrappers are inlined, into parts of about equal size,
// which emitNativeCode then optimises and compiles each on a thread of its
// own into an object file of its own. An LLVMContext is not thread-safe, so
// each part travels as bitcode and is read back into a context of the
// thread's, as LTO's parallel code generation does.
//
// What a part holds: the functions are dealt largest first (instruction
// count) to the part with the fewest instructions so far, in clusters that
// stay together: a local function with the local functions and mutable
// globals it references (a loop's thunk, its launcher and body, its profile
// counter), so that the interprocedural passes see each kernel whole; a
// variable with the local variables its initializer refers to (the model
// descriptor with its tensor table). The
// exported entry points call into every cluster and are dealt on their own;
// a local symbol another part references becomes a hidden external one, so
// the parts link with each other and export nothing new. Local constants
// that refer to no other global (names, tables) are copied into every part,
// where they stay local and known to the optimiser; the unused copies are
// dropped by its GlobalDCE.
//
// splitOffLargeEntries takes the very large entry points out of an
// optimised part, for an object of their own compiled without optimisation
// (fast register allocation): see emitNativeCode.
//
//===----------------------------------------------------------------------===//

#include "nnc/Codegen/KernelConventions.h"
#include "nnc/Target/Object/Object.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"

using namespace mlir;

namespace {

/// Whether constant `c` refers to a global value (a function, a variable).
bool refersToGlobal(const llvm::Constant *c) {
  if (llvm::isa<llvm::GlobalValue>(c))
    return true;
  return llvm::any_of(c->operands(), [](const llvm::Use &operand) {
    auto *inner = llvm::dyn_cast<llvm::Constant>(operand.get());
    return inner && refersToGlobal(inner);
  });
}

/// Visits what uses `value`, through constant expressions and aggregates:
/// the function of each instruction, and each global variable whose
/// initializer refers to it (whose own users are followed in turn when
/// `onVariable` returns true).
void forEachUser(
    const llvm::Value *value,
    llvm::function_ref<void(const llvm::Function &)> onFunction,
    llvm::function_ref<bool(const llvm::GlobalVariable &)> onVariable) {
  llvm::SmallVector<const llvm::User *> worklist(value->users());
  llvm::SmallPtrSet<const llvm::User *, 8> seen;
  while (!worklist.empty()) {
    const llvm::User *user = worklist.pop_back_val();
    if (!seen.insert(user).second)
      continue;
    if (auto *inst = llvm::dyn_cast<llvm::Instruction>(user))
      onFunction(*inst->getFunction());
    else if (auto *variable = llvm::dyn_cast<llvm::GlobalVariable>(user)) {
      if (onVariable(*variable))
        worklist.append(user->user_begin(), user->user_end());
    } else if (llvm::isa<llvm::ConstantExpr, llvm::ConstantAggregate>(user))
      worklist.append(user->user_begin(), user->user_end());
  }
}

/// The functions whose instructions use `value`: directly, through
/// constant expressions, or through the initializers of global variables.
void forEachUserFunction(const llvm::Value *value,
                         llvm::function_ref<void(const llvm::Function &)> fn) {
  forEachUser(value, fn, [](const llvm::GlobalVariable &) { return true; });
}

/// The global variables whose initializers refer to `value` directly.
void forEachUserVariable(
    const llvm::Value *value,
    llvm::function_ref<void(const llvm::GlobalVariable &)> fn) {
  forEachUser(
      value, [](const llvm::Function &) {},
      [&](const llvm::GlobalVariable &variable) {
        fn(variable);
        return false;
      });
}

/// A local constant whose initializer refers to no other global (names,
/// tables), that code uses and that is small: copied into every part. (The
/// descriptor's strings, used by no code, stay with the descriptor; a large
/// constant such as the PTX of a CUDA model, megabytes, goes to one part and
/// the others refer to it.)
bool isCopiedConstant(const llvm::GlobalValue &value) {
  constexpr uint64_t kMaxCopiedBytes = 4096;
  auto *variable = llvm::dyn_cast<llvm::GlobalVariable>(&value);
  if (!variable || !variable->hasLocalLinkage() || !variable->isConstant() ||
      !variable->hasInitializer() || refersToGlobal(variable->getInitializer()))
    return false;
  const llvm::DataLayout &layout = variable->getParent()->getDataLayout();
  if (layout.getTypeAllocSize(variable->getValueType()) > kMaxCopiedBytes)
    return false;
  bool used = false;
  forEachUserFunction(variable, [&](const llvm::Function &) { used = true; });
  return used;
}

} // namespace

std::vector<llvm::SmallString<0>> nnc::partitionModule(llvm::Module &module,
                                                       unsigned parts) {
  using Value = const llvm::GlobalValue *;
  llvm::EquivalenceClasses<Value> clusters;
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.isDeclaration() || isCopiedConstant(value))
      continue;
    if (!value.hasName())
      value.setName("__nnc_part");
    clusters.insert(&value);
  }
  // A local symbol joins the cluster of every local function using it (the
  // entry points, exported, join nobody), and of every variable whose
  // initializer refers to it (the model descriptor and its tables).
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.isDeclaration() || !value.hasLocalLinkage() ||
        isCopiedConstant(value))
      continue;
    forEachUserFunction(&value, [&](const llvm::Function &user) {
      if (user.hasLocalLinkage())
        clusters.unionSets(&value, &user);
    });
    forEachUserVariable(&value, [&](const llvm::GlobalVariable &user) {
      if (clusters.findValue(&user) != clusters.end())
        clusters.unionSets(&value, &user);
    });
  }
  // Largest clusters first, each to the part with the fewest instructions.
  struct Cluster {
    Value leader;
    uint64_t size = 0;
  };
  std::vector<Cluster> order;
  for (auto it = clusters.begin(); it != clusters.end(); ++it) {
    if (!it->isLeader())
      continue;
    Cluster c{it->getData()};
    for (auto m = clusters.member_begin(it); m != clusters.member_end(); ++m)
      if (auto *function = llvm::dyn_cast<llvm::Function>(*m))
        c.size += function->getInstructionCount();
    order.push_back(c);
  }
  // Stable order: the size, then the leader's name.
  llvm::sort(order, [](const Cluster &a, const Cluster &b) {
    if (a.size != b.size)
      return a.size > b.size;
    return a.leader->getName() < b.leader->getName();
  });
  std::vector<uint64_t> load(parts, 0);
  llvm::DenseMap<Value, unsigned> partOf;
  for (const Cluster &c : order) {
    unsigned part = std::min_element(load.begin(), load.end()) - load.begin();
    load[part] += c.size;
    for (auto m = clusters.findLeader(c.leader); m != clusters.member_end();
         ++m)
      partOf[*m] = part;
  }
  // A local symbol used from another part becomes a hidden external one.
  for (llvm::GlobalValue &value : module.global_values()) {
    if (!value.hasLocalLinkage() || !partOf.count(&value))
      continue;
    unsigned home = partOf.lookup(&value);
    bool shared = false;
    forEachUserFunction(&value, [&](const llvm::Function &user) {
      auto it = partOf.find(&user);
      shared |= it != partOf.end() && it->second != home;
    });
    if (shared) {
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  }
  std::vector<llvm::SmallString<0>> bitcode(parts);
  for (unsigned part = 0; part < parts; ++part) {
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> clone =
        llvm::CloneModule(module, map, [&](const llvm::GlobalValue *value) {
          auto it = partOf.find(value);
          return it == partOf.end() ? isCopiedConstant(*value)
                                    : it->second == part;
        });
    // Module-level inline assembly (none today) belongs to one object.
    if (part != 0)
      clone->setModuleInlineAsm("");
    llvm::raw_svector_ostream os(bitcode[part]);
    llvm::WriteBitcodeToFile(*clone, os);
  }
  return bitcode;
}

std::unique_ptr<llvm::Module>
nnc::splitOffLargeEntries(llvm::Module &module, unsigned minInstructions,
                          llvm::StringRef suffix) {
  // The packed entry points only: a kernel made external by
  // partitionModule keeps the full back end.
  llvm::SmallPtrSet<const llvm::GlobalValue *, 8> entries;
  for (llvm::Function &function : module)
    if (!function.isDeclaration() && !function.hasLocalLinkage() &&
        function.getName().starts_with(kKernelPrefix) &&
        function.getInstructionCount() >= minInstructions)
      entries.insert(&function);
  // Appending globals (constructors) would be defined twice.
  if (entries.empty() ||
      llvm::any_of(module.globals(), [](const llvm::GlobalVariable &global) {
        return global.hasAppendingLinkage();
      }))
    return nullptr;
  // Local symbols become hidden external ones, renamed with `suffix`: the
  // same local constant may be in another part too.
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.hasLocalLinkage()) {
      std::string name =
          (value.hasName() ? value.getName().str() : "__nnc_split") +
          suffix.str();
      value.setName(name);
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
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

std::string nnc::emitObjectFile(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                llvm::StringRef path) {
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return "cannot open '" + path.str() + "': " + ec.message();
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, out.os(), nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return "the target cannot emit object files";
  codegen.run(module);
  out.keep();
  return "";
}
