// nnc-gpu-merge-modules: the kernels of every gpu.module (as
// gpu-kernel-outlining leaves them, each named after its parent function)
// move into one gpu.module @nnc_kernels, named after the module they came
// from (module__kernel when a module holds several), and every
// gpu.launch_func points at its kernel's new name.
// RUN: nnc-opt %s --nnc-gpu-merge-modules | FileCheck %s

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @step(
// CHECK: gpu.launch_func @nnc_kernels::@step_kernel blocks
// CHECK: gpu.launch_func @nnc_kernels::@step_kernel_0 blocks
// CHECK: gpu.launch_func @nnc_kernels::@step_kernel_1__helper blocks
// CHECK-NOT: gpu.module @step_kernel
// CHECK: gpu.module @nnc_kernels {
// CHECK-NEXT: gpu.func @step_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_1__step(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_1__helper(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @step(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @step_kernel::@step blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_1::@helper blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @step_kernel {
    gpu.func @step(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @step_kernel_0 {
    gpu.func @step(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @step_kernel_1 {
    gpu.func @step(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
    gpu.func @helper(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
}
