// nnc-split-empty-tensors: the uses of one tensor.empty are dealt out in
// program order, uses-per-empty at a time, each group with its own clone
// placed before the group's first user (or before the op in the empty's block
// that holds it); a dynamic size operand is shared. A single use is left alone.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-split-empty-tensors{uses-per-empty=2}))' | FileCheck %s
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-split-empty-tensors))' | FileCheck %s --check-prefix=DEFAULT

// CHECK-LABEL: func.func @shared(
// CHECK-SAME: %[[N:[a-z0-9]+]]: index
// CHECK: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[F0:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E0]] :
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E0]] :
// CHECK-NEXT: %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: scf.for
// CHECK-NEXT: linalg.fill ins(%{{.*}}) outs(%[[E1]] :
// CHECK: linalg.fill ins(%{{.*}}) outs(%[[E1]] :
// CHECK-NEXT: %[[E2:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}}) outs(%[[E2]] :
// CHECK-NOT: tensor.empty
// DEFAULT-LABEL: func.func @shared(
// DEFAULT: tensor.empty
// DEFAULT-NOT: tensor.empty
// DEFAULT-LABEL: func.func @single(
func.func @shared(%n: index, %a: f32, %b: f32) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %f0 = linalg.fill ins(%a : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %f1 = linalg.fill ins(%b : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %f1) -> tensor<?x4xf32> {
    %t = linalg.fill ins(%a : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
    scf.yield %t : tensor<?x4xf32>
  }
  %f3 = linalg.fill ins(%b : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %f4 = linalg.fill ins(%a : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %f0, %r, %f3, %f4 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// CHECK-LABEL: func.func @single(
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT: tensor.empty
func.func @single(%a: f32) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%a : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %f : tensor<4xf32>
}
