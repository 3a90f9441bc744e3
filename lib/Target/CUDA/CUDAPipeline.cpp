//===- CUDAPipeline.cpp - linalg on tensors to CUDA host code and PTX -----===//
//
// Composes the GPU lowering: the shared prefix (nnc-fuse-elementwise,
// destination passing; nnc/Codegen/Pipeline.h), bufferization (copies as
// linalg.copy, so they run on the device), then matrix products as
// shared-memory tiled launches (nnc-gpu-matmul), every other linalg op as one
// parallel loop nest mapped to blocks and threads, kernel outlining into one
// gpu.module, NVVM lowering and PTX for each SM architecture, and the host side
// lowered to the LLVM dialect with launches through the mgpu* runtime API. Host
// temporaries use the memref lowering's generic allocation functions, which the
// shim backs with device memory.
//
//===----------------------------------------------------------------------===//

#include "nnc/Target/CUDA/CUDAPipeline.h"
#include "nnc/Codegen/Pipeline.h"
#include "nnc/Target/CUDA/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"

using namespace mlir;

void nnc::buildLinalgToGPUPipeline(OpPassManager &pm,
                                   const GPUCodegenOptions &options,
                                   GPUStage stage) {
  buildSharedPrefix(pm);

  // No empty-tensor elimination: as on CPU, it gives wrong results when CSE
  // shares one tensor.empty between ops.
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = false;
  // Loops may carry freshly allocated tensors (recurrent states).
  bufferization.allowReturnAllocsFromLoops = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Copies between device buffers must run on the device: as linalg ops
  // they become kernels like any other.
  bufferization.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                              Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createCanonicalizerPass());

  // Kernels: tiled matrix products, then one parallel nest per linalg op.
  pm.addNestedPass<func::FuncOp>(nnc::createGPUMatmul());
  pm.addNestedPass<func::FuncOp>(nnc::createGPUBlockReduce());
  pm.addNestedPass<func::FuncOp>(nnc::createGPULinalgToParallel());
  pm.addNestedPass<func::FuncOp>(nnc::createGPUHostLoops());
  pm.addNestedPass<func::FuncOp>(nnc::createGPUMapParallel());
  pm.addNestedPass<func::FuncOp>(createParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(nnc::createGPUSinkScalars());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(nnc::createGPUMergeModules());
  // One stream per host function: no waits between kernels.
  pm.addNestedPass<func::FuncOp>(nnc::createGPUAsync());
  if (stage == GPUStage::Kernels)
    return;

  // Device side: NVVM, then PTX for every architecture.
  std::vector<std::string> libs;
  if (!options.libdevice.empty())
    libs.push_back(options.libdevice);
  for (const std::string &chip : options.chips) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    target.optLevel = options.optLevel;
    target.linkLibs = libs;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(arith::createArithExpandOpsPass());
  device.addPass(createConvertSCFToCFPass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  if (stage == GPUStage::NVVM)
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (stage == GPUStage::Binary)
    return;

  // Host side: the same lowering as on CPU, plus launches via mgpu*.
  pm.addPass(arith::createArithExpandOpsPass()); // ceildivui of grid sizes
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true; // device temporaries (shim)
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(nnc::createPackKernelArgs());
}

LogicalResult nnc::writeEmbeddedPTX(ModuleOp module, llvm::StringRef chip,
                                    llvm::raw_ostream &os) {
  unsigned written = 0;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target || target.getChip() != chip)
        continue;
      StringRef text = object.getObject().getValue();
      os << text.take_until([](char c) { return c == '\0'; });
      ++written;
    }
  });
  if (written)
    return success();
  return emitError(module.getLoc())
         << "no embedded PTX for '" << chip
         << "' (compile with --target=cuda and that chip in --gpu-chips)";
}

std::string nnc::findLibdevice() {
  if (const char *env = std::getenv("NNC_LIBDEVICE"); env && *env)
    return env;
  for (const char *path :
       {"/usr/local/cuda/nvvm/libdevice/libdevice.10.bc",
        "/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc",
        "/usr/lib/cuda/nvvm/libdevice/libdevice.10.bc",
        "/opt/cuda/nvvm/libdevice/libdevice.10.bc"})
    if (llvm::sys::fs::exists(path))
      return path;
  return "";
}

void nnc::registerGPUCodegenPasses() {
  registerNNCTargetCUDAPasses();
  PassPipelineRegistration<>(
      "nnc-linalg-to-gpu-kernels",
      "linalg on tensors to outlined GPU kernels and host launches",
      [](OpPassManager &pm) {
        buildLinalgToGPUPipeline(pm, GPUCodegenOptions(), GPUStage::Kernels);
      });
  PassPipelineRegistration<>(
      "nnc-linalg-to-nvvm", "linalg on tensors to NVVM kernels",
      [](OpPassManager &pm) {
        buildLinalgToGPUPipeline(pm, GPUCodegenOptions(), GPUStage::NVVM);
      });
  PassPipelineRegistration<>(
      "nnc-linalg-to-gpu-host",
      "linalg on tensors to LLVM-dialect host code with embedded PTX",
      [](OpPassManager &pm) {
        buildLinalgToGPUPipeline(pm, GPUCodegenOptions(), GPUStage::Host);
      });
}

void nnc::registerGPUCodegenDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}
