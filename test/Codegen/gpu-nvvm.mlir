// RUN: nnc-opt %s --nnc-linalg-to-gpu-kernels | FileCheck %s --check-prefix=KERNELS
// RUN: nnc-opt %s --nnc-linalg-to-nvvm | FileCheck %s --check-prefix=NVVM

// A dense layer with ReLU (linalg on tensors, as NNToLinalg emits it) on the
// GPU: the host function launches kernels of one merged gpu.module; the
// matmul kernel uses workgroup memory and barriers and folds in the zero
// fill before it, the bias + relu epilogue is a one-thread-per-element
// kernel.
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @predict(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>,
                   %b: tensor<32xf32>) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>)
                      outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %e2 = tensor.empty(%n) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #bias, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<?x32xf32>, tensor<32xf32>)
      outs(%e2 : tensor<?x32xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %s = arith.addf %a, %bb : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  }  -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// KERNELS-LABEL: func.func @nnc_impl_predict
// KERNELS-NOT: linalg.
// KERNELS: %[[S:.*]] = gpu.wait async
// KERNELS: gpu.launch_func async [%[[S]]] @nnc_kernels::@[[MM:[a-z_0-9]+]] blocks in ({{.*}}) threads in (%c16{{.*}}, %c16{{.*}}, %c1{{.*}})
// KERNELS: gpu.launch_func async [%[[S]]] @nnc_kernels::@{{[a-z_0-9]+}}
// KERNELS: gpu.module @nnc_kernels
// KERNELS: gpu.func @[[MM]]({{.*}}) workgroup(%{{.*}} : memref<2x32x36xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x36xf32, #gpu.address_space<workgroup>>) {{.*}}kernel
// KERNELS: gpu.barrier

// NVVM: gpu.module @nnc_kernels [#nvvm.target<O = 3, chip = "sm_80">, #nvvm.target<O = 3, chip = "sm_90">]
// NVVM: llvm.mlir.global internal @__wg_{{.*}}() {addr_space = 3 : i32} : !llvm.array<2304 x f32>
// NVVM: llvm.func @{{.*}} attributes {{{.*}}gpu.kernel{{.*}}nvvm.kernel
// NVVM: nvvm.read.ptx.sreg.tid.x
// NVVM: nvvm.barrier0
// NVVM: llvm.fmul
// NVVM: llvm.fadd
