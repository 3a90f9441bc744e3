// nnc-profile-loops on counts that depend on an induction variable: a
// thread chunk of rows whose size is min(8, n - 8 c) (nnc-outline-parallel's
// tasks over a batch that the chunks do not divide), and an scf.if on the
// induction variable around float ops. Each call's count comes from a
// counting function that walks the chunks and mirrors the scf.if (the kernel
// itself gets no loop or branch, and the function takes only the operands
// the count reads: the chunks' range and the rows, not the buffer). The
// end-to-end figures are checked by test/Integration/profile-flops.test.
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

// A time loop calling a step's task (an RNN's backward pass): the task's
// FLOPs count at each call, for that call's operands. @step runs 16 FLOPs
// per row; the first loop's calls take n + t rows (the operand depends on
// t, so its count walks t: sum over t < 4 of 16 * max(n + t, 0)); the
// second loop's calls take n rows each (4 * 16 * n, a formula at the call
// site).
// CHECK-LABEL: func.func @time_steps(
// CHECK-SAME: %[[TA:[a-z0-9]+]]: memref<?x8xf32>, %[[TN:[a-z0-9]+]]: index
// CHECK: %[[S0:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_time_steps_0(%[[TN]], %[[TA]])
// CHECK-NEXT: %[[SF0:.*]] = call @__nnc_flops_nnc_loop_time_steps_0(%[[S0]], %[[TN]]) : (i64, index) -> i64
// CHECK: call @nnc_rt_profile_end(%{{.*}}, %[[S0]], %[[SF0]])
// CHECK: %[[S1:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_time_steps_1(%[[TA]], %[[TN]])
// CHECK-NOT: call @__nnc_flops
// CHECK: %[[ROWS:.*]] = arith.maxsi %[[TN]], %{{.*}} : index
// CHECK: %[[PER:.*]] = arith.muli %[[ROWS]], %c16{{(_[0-9]+)?}} : index
// CHECK: %[[ALL:.*]] = arith.muli %[[PER]], %c4{{(_[0-9]+)?}} : index
// CHECK: %[[ALL64:.*]] = arith.index_cast %[[ALL]] : index to i64
// CHECK: call @nnc_rt_profile_end(%{{.*}}, %[[S1]], %[[ALL64]])
func.func private @step(%a: memref<?x8xf32>, %rows: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %rows step %c1 {
    %x = vector.transfer_read %a[%i, %c0], %zero : memref<?x8xf32>, vector<8xf32>
    %f = vector.fma %x, %x, %x : vector<8xf32>
    vector.transfer_write %f, %a[%i, %c0] : vector<8xf32>, memref<?x8xf32>
  }
  return
}
func.func @time_steps(%a: memref<?x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %t = %c0 to %c4 step %c1 {
    %m = arith.addi %n, %t : index
    func.call @step(%a, %m) : (memref<?x8xf32>, index) -> ()
  }
  scf.for %t = %c0 to %c4 step %c1 {
    func.call @step(%a, %n) : (memref<?x8xf32>, index) -> ()
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

// The walk over t: the task's rows n + t, max'ed with 0, times 16.
// CHECK-LABEL: func.func private @__nnc_flops_nnc_loop_time_steps_0(
// CHECK-SAME: %{{[a-z0-9]+}}: i64, %[[WN:[a-z0-9]+]]: index) -> i64
// CHECK: scf.for %[[WT:[a-z0-9]+]] = %{{.*}} iter_args(%[[WACC:[a-z0-9]+]] = %{{.*}}) -> (index) {
// CHECK: %[[WM:.*]] = arith.addi %[[WN]], %[[WT]] : index
// CHECK: %[[WROWS:.*]] = arith.maxsi %[[WM]], %{{.*}} : index
// CHECK: %[[W16:.*]] = arith.muli %[[WROWS]], %c16{{(_[0-9]+)?}} : index
// CHECK: arith.addi %[[WACC]], %[[W16]] : index
