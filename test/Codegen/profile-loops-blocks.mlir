// nnc-profile-loops on a blocked reduction (nnc-matmul-schedule's weight
// gradients over sequences): a loop over blocks of 128 steps of K whose inner
// loop runs min(128, K - kb) steps counts K steps in all, so the FLOP count
// stays exact (an fma on 8 lanes: 16 FLOPs per step, 16 * K per call).
// RUN: nnc-opt %s --nnc-outline-loops --nnc-profile-loops | FileCheck %s

// CHECK-LABEL: func.func @blocked(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?x8xf32>, %[[K:[a-z0-9]+]]: index
// CHECK: call @nnc_loop_blocked_0(%[[K]], %[[A]])
// CHECK: %[[STEPS:.*]] = arith.maxsi %[[K]], %{{.*}} : index
// CHECK: %[[F:.*]] = arith.muli %[[STEPS]], %c16{{(_[0-9]+)?}} : index
// CHECK: %[[F64:.*]] = arith.index_cast %[[F]] : index to i64
// CHECK: call @nnc_rt_profile_end(%{{.*}}, %{{.*}}, %[[F64]])
func.func @blocked(%a: memref<?x8xf32>, %k: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  scf.for %kb = %c0 to %k step %c128 {
    %n = affine.min affine_map<(d0)[s0] -> (-d0 + s0, 128)>(%kb)[%k]
    scf.for %i = %c0 to %n step %c1 {
      %row = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%kb, %i)
      %x = vector.transfer_read %a[%row, %c0], %zero : memref<?x8xf32>, vector<8xf32>
      %f = vector.fma %x, %x, %x : vector<8xf32>
      vector.transfer_write %f, %a[%row, %c0] : vector<8xf32>, memref<?x8xf32>
    }
  }
  // A second loop: a kernel of one loop is not outlined.
  scf.for %i = %c0 to %k step %c1 {
    %z = arith.constant dense<0.0> : vector<8xf32>
    vector.transfer_write %z, %a[%i, %c0] : vector<8xf32>, memref<?x8xf32>
  }
  return
}
