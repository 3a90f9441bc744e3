// nnc-lower-vector-ops: a horizontal maximum or minimum (a softmax's row
// maximum) carries `nsz` after lowering, so that x86 does not order -0 and
// +0 around each vmaxps (it still propagates NaN); a sum does not.
// RUN: nnc-opt %s --nnc-lower-vector-ops | FileCheck %s

// CHECK-LABEL: func.func @row_max(
// CHECK: vector.reduction <maximumf>, %{{.*}}, %{{.*}} fastmath<nsz> : vector<64xf32> into f32
// CHECK: vector.reduction <minimumf>, %{{.*}}, %{{.*}} fastmath<nsz> : vector<64xf32> into f32
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<64xf32> into f32
func.func @row_max(%v: vector<2x64xf32>, %acc: vector<2xf32>) -> (vector<2xf32>, vector<2xf32>, vector<2xf32>) {
  %max = vector.multi_reduction <maximumf>, %v, %acc [1] : vector<2x64xf32> to vector<2xf32>
  %min = vector.multi_reduction <minimumf>, %v, %acc [1] : vector<2x64xf32> to vector<2xf32>
  %sum = vector.multi_reduction <add>, %v, %acc [1] : vector<2x64xf32> to vector<2xf32>
  return %max, %min, %sum : vector<2xf32>, vector<2xf32>, vector<2xf32>
}
