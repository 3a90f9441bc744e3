//===- PartitionModuleTest.cpp - parts of a module for several threads ----===//
//
// nnc::partitionModule (lib/Target/Object/SplitCodegen.cpp) on a hand-written
// LLVM module shaped like nnc's kernels: exported entry points calling local
// launchers, which pass local thunks to the runtime (one through a local
// table of function pointers), bodies that bump local profile counters, and
// local name strings.
// Each part must verify on its own; the parts together must link back into
// one module with every symbol defined once; a local function stays with
// the local symbols it uses; only what another part uses becomes external
// (hidden); the constants that refer to nothing are local copies in every
// part that uses them.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CPU/CPUPipeline.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace {

constexpr const char *kModule = R"(
@name_a = internal constant [4 x i8] c"a_0\00"
@name_b = internal constant [4 x i8] c"b_0\00"
@counter_a = internal global { ptr, i64 } { ptr @name_a, i64 0 }
@counter_b = internal global { ptr, i64 } { ptr @name_b, i64 0 }
@table = internal constant [1 x ptr] [ptr @thunk_b]

declare void @nnc_rt_parallel_for(ptr, ptr, i64)

define internal void @body_a(ptr %p) noinline {
  %v = load float, ptr %p
  %w = fadd float %v, 1.0
  store float %w, ptr %p
  %c = getelementptr { ptr, i64 }, ptr @counter_a, i32 0, i32 1
  %n = load i64, ptr %c
  %m = add i64 %n, 1
  store i64 %m, ptr %c
  ret void
}
define internal void @thunk_a(ptr %ctx, i64 %b, i64 %e) {
  call void @body_a(ptr %ctx)
  ret void
}
define internal void @launch_a(ptr %p) noinline {
  call void @nnc_rt_parallel_for(ptr @thunk_a, ptr %p, i64 4)
  ret void
}
define internal void @body_b(ptr %p) noinline {
  %v = load float, ptr %p
  %w = fmul float %v, 2.0
  %x = fmul float %w, 3.0
  %y = fmul float %x, 4.0
  store float %y, ptr %p
  %c = getelementptr { ptr, i64 }, ptr @counter_b, i32 0, i32 1
  %n = load i64, ptr %c
  %m = add i64 %n, 1
  store i64 %m, ptr %c
  ret void
}
define internal void @thunk_b(ptr %ctx, i64 %b, i64 %e) {
  call void @body_b(ptr %ctx)
  ret void
}
define internal void @launch_b(ptr %p) noinline {
  %f = load ptr, ptr @table
  call void @nnc_rt_parallel_for(ptr %f, ptr %p, i64 4)
  ret void
}
define hidden void @nnc_kernel_predict(ptr %p) {
  call void @launch_a(ptr %p)
  ret void
}
define hidden void @nnc_kernel_train_step(ptr %p) {
  call void @launch_a(ptr %p)
  call void @launch_b(ptr %p)
  ret void
}
)";

std::unique_ptr<llvm::Module> parse(llvm::StringRef text,
                                    llvm::LLVMContext &context) {
  llvm::SMDiagnostic error;
  std::unique_ptr<llvm::Module> module =
      llvm::parseAssemblyString(text, error, context);
  if (!module) {
    std::string message;
    llvm::raw_string_ostream os(message);
    error.print("partition-test", os);
    ADD_FAILURE() << message;
  }
  return module;
}

/// The part (index) holding the definition of `name`, or -1; fails the test
/// if two parts define it with external linkage.
int definedIn(const std::vector<std::unique_ptr<llvm::Module>> &parts,
              llvm::StringRef name) {
  int home = -1;
  for (size_t i = 0; i < parts.size(); ++i) {
    const llvm::GlobalValue *value = parts[i]->getNamedValue(name);
    if (!value || value->isDeclaration())
      continue;
    EXPECT_TRUE(home < 0 || value->hasLocalLinkage())
        << name.str() << " is defined externally in two parts";
    home = static_cast<int>(i);
  }
  return home;
}

TEST(PartitionModule, PartsVerifyLinkAndKeepKernelsWhole) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = parse(kModule, context);
  ASSERT_TRUE(module);
  std::vector<llvm::SmallString<0>> bitcode = nnc::partitionModule(*module, 2);
  ASSERT_EQ(bitcode.size(), 2u);

  std::vector<std::unique_ptr<llvm::Module>> parts;
  for (llvm::SmallString<0> &part : bitcode) {
    auto read = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(part.str(), "part"), context);
    ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
    std::string problems;
    llvm::raw_string_ostream os(problems);
    EXPECT_FALSE(llvm::verifyModule(**read, &os)) << problems;
    parts.push_back(std::move(*read));
  }

  // A launcher, its thunk, its body and its counter are one cluster, in one
  // part; the table, and the thunk it points to, stay with launch_b.
  int a = definedIn(parts, "body_a"), b = definedIn(parts, "body_b");
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  for (llvm::StringRef name : {"thunk_a", "launch_a", "counter_a"})
    EXPECT_EQ(definedIn(parts, name), a) << name.str();
  for (llvm::StringRef name : {"thunk_b", "launch_b", "counter_b", "table"})
    EXPECT_EQ(definedIn(parts, name), b) << name.str();
  // The clusters are balanced over the two parts, the entries dealt apart.
  EXPECT_NE(a, b);

  // What only its own cluster uses stays local; a symbol a part uses but
  // does not define is defined, hidden and external, in another.
  for (auto &part : parts)
    for (llvm::Function &function : *part) {
      llvm::StringRef name = function.getName();
      if (!function.isDeclaration()) {
        if (name.starts_with("body_") || name.starts_with("thunk_"))
          EXPECT_TRUE(function.hasLocalLinkage()) << name.str();
        continue;
      }
      // CloneModule declares every global of the module in every part.
      if (name.starts_with("nnc_rt_") || function.use_empty())
        continue;
      int home = definedIn(parts, name);
      ASSERT_GE(home, 0) << name.str() << " is defined in no part";
      const llvm::GlobalValue *definition = parts[home]->getNamedValue(name);
      EXPECT_FALSE(definition->hasLocalLinkage()) << name.str();
      EXPECT_TRUE(definition->hasHiddenVisibility()) << name.str();
    }
  // The name strings refer to nothing: a local copy wherever they are used.
  for (auto &part : parts)
    if (const llvm::GlobalVariable *name = part->getNamedGlobal("name_a"))
      EXPECT_TRUE(name->hasLocalLinkage() && name->hasInitializer());

  // Linked back, the parts make one module with every symbol defined.
  llvm::LLVMContext linkContext;
  std::unique_ptr<llvm::Module> whole;
  for (llvm::SmallString<0> &part : bitcode) {
    auto read = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(part.str(), "part"), linkContext);
    ASSERT_TRUE(static_cast<bool>(read));
    if (!whole)
      whole = std::move(*read);
    else
      ASSERT_FALSE(llvm::Linker::linkModules(*whole, std::move(*read)));
  }
  for (const char *name : {"nnc_kernel_predict", "nnc_kernel_train_step",
                           "launch_a", "launch_b"}) {
    const llvm::Function *function = whole->getFunction(name);
    ASSERT_NE(function, nullptr) << name;
    EXPECT_FALSE(function->isDeclaration()) << name;
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  EXPECT_FALSE(llvm::verifyModule(*whole, &os)) << problems;
}

} // namespace
