// nnc-lower-vector-contract unrolls transfers to rank 1 with VectorToSCF.
// A read that broadcasts (a row statistic [N, T, 1] read as a row of
// [N, T, D], as layernorm's gradient does) must become one scalar load and
// a broadcast, not a loop of 64 loads of the same element and 64 inserts.
// RUN: nnc-opt %s --nnc-lower-vector-contract | FileCheck %s

#bcast = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func.func @row_statistic(
// CHECK-NOT: scf.for
// CHECK-NOT: vector.insertelement
// CHECK: %[[S:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x1x1xf32, strided<[64, 1, 1], offset: ?>>
// CHECK-NEXT: %[[V:.*]] = vector.broadcast %[[S]] : f32 to vector<64xf32>
// CHECK-NEXT: vector.store %[[V]], %{{.*}} : memref<1x1x64xf32>, vector<64xf32>
// CHECK-NOT: scf.for
func.func @row_statistic(%m: memref<1x1x1xf32, strided<[64, 1, 1], offset: ?>>, %o: memref<1x1x64xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %v = vector.transfer_read %m[%c0, %c0, %c0], %f {in_bounds = [true, true, true], permutation_map = #bcast} : memref<1x1x1xf32, strided<[64, 1, 1], offset: ?>>, vector<1x1x64xf32>
  vector.transfer_write %v, %o[%c0, %c0, %c0] {in_bounds = [true, true, true]} : vector<1x1x64xf32>, memref<1x1x64xf32>
  return
}
