// nnc-profile-loops on counts that depend on an induction variable: a
// thread chunk of rows whose size is min(8, n - 8 c) (nnc-outline-parallel's
// tasks over a batch that the chunks do not divide), and an scf.if on the
// induction variable around float ops. Each call's count comes from a
// counting function that walks the chunks and mirrors the scf.if (the kernel
// itself gets no loop or branch, and the function takes only the operands
// the count reads: the chunks' range and the rows, not the buffer); the end-to-end figures are checked by
// test/Integration/profile-flops.test.
// RUN: nnc-opt %s --nnc-outline-loops --nnc-profile-loops | FileCheck %s

// CHECK-LABEL: func.func @chunks(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?x8xf32>, %[[N:[a-z0-9]+]]: index, %[[HI:[a-z0-9]+]]: index
// CHECK: %[[T0:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_chunks_0(%[[HI]], %[[N]], %[[A]])
// CHECK-NEXT: %[[F0:.*]] = call @__nnc_flops_nnc_loop_chunks_0(%[[T0]], %[[HI]], %[[N]]) : (i64, index, index) -> i64
// CHECK-NOT: scf.
// CHECK: call @nnc_rt_profile_end(%{{.*}}, %[[T0]], %[[F0]])
// CHECK: %[[T1:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_chunks_1(%[[A]])
// CHECK-NEXT: %[[F1:.*]] = call @__nnc_flops_nnc_loop_chunks_1(%[[T1]]) : (i64) -> i64
// CHECK-NOT: scf.
// CHECK: call @nnc_rt_profile_end(%{{.*}}, %[[T1]], %[[F1]])
func.func @chunks(%a: memref<?x8xf32>, %n: index, %hi: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  // Chunks of 8 rows; per row an fma on 8 lanes (16 FLOPs).
  scf.for %c = %c0 to %hi step %c1 {
    %start = affine.apply affine_map<(d0) -> (d0 * 8)>(%c)
    %rows = affine.min affine_map<(d0)[s0] -> (8, s0 - d0 * 8)>(%c)[%n]
    scf.for %i = %c0 to %rows step %c1 {
      %r = arith.addi %start, %i : index
      %x = vector.transfer_read %a[%r, %c0], %zero : memref<?x8xf32>, vector<8xf32>
      %f = vector.fma %x, %x, %x : vector<8xf32>
      vector.transfer_write %f, %a[%r, %c0] : vector<8xf32>, memref<?x8xf32>
    }
  }
  // Rows below 4 get a multiply on 8 lanes (8 FLOPs), the others none.
  scf.for %i = %c0 to %c16 step %c1 {
    %low = arith.cmpi ult, %i, %c4 : index
    scf.if %low {
      %x = vector.transfer_read %a[%i, %c0], %zero : memref<?x8xf32>, vector<8xf32>
      %m = arith.mulf %x, %x : vector<8xf32>
      vector.transfer_write %m, %a[%i, %c0] : vector<8xf32>, memref<?x8xf32>
    }
  }
  return
}

// The chunks: a walk over c adding max(min(8, n - 8 c), 0) rows times 16.
// CHECK-LABEL: func.func private @__nnc_flops_nnc_loop_chunks_0(
// CHECK-SAME: %[[CT0:[a-z0-9]+]]: i64, %[[CHI:[a-z0-9]+]]: index, %[[CN:[a-z0-9]+]]: index) -> i64
// CHECK-SAME: no_inline, optimize_none
// CHECK: scf.if %{{.*}} -> (i64) {
// CHECK: } else {
// CHECK: %[[SUM:.*]] = scf.for %[[C:[a-z0-9]+]] = %{{.*}} to %[[CHI]] step %{{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}}) -> (index) {
// CHECK: %[[ROWS:.*]] = affine.min #{{.*}}(%[[C]])[%[[CN]]]
// CHECK: %[[TRIPS:.*]] = arith.maxsi %[[ROWS]], %{{.*}} : index
// CHECK: %[[N16:.*]] = arith.muli %[[TRIPS]], %c16{{(_[0-9]+)?}} : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[ACC]], %[[N16]] : index
// CHECK: scf.yield %[[NEXT]] : index
// CHECK: arith.index_cast %[[SUM]] : index to i64

// The branch: a walk over i adding 8 when i < 4, else 0.
// CHECK-LABEL: func.func private @__nnc_flops_nnc_loop_chunks_1(
// CHECK: scf.for %[[I:[a-z0-9]+]] = %{{.*}} iter_args(%[[IACC:[a-z0-9]+]] = %{{.*}}) -> (index) {
// CHECK: %[[LOW:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : index
// CHECK: %[[BR:.*]] = scf.if %[[LOW]] -> (index) {
// CHECK: scf.yield %c8{{(_[0-9]+)?}} : index
// CHECK: } else {
// CHECK: scf.yield %c0{{(_[0-9]+)?}} : index
// CHECK: arith.addi %[[IACC]], %[[BR]] : index
