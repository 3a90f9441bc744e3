// nnc-profile-loops: each call of an outlined loop function is bracketed by
// nnc_rt_profile_begin and nnc_rt_profile_end (unconditional: the shim ignores
// it when begin returned 0) with the loop's record and the call's FLOPs,
// computed from the call's operands; the record names the loop, the .nn
// locations of its ops and the entry point calling it. No scf.if or loop is added to the kernel (it would
// make SCF-to-CF quadratic): a count that must walk loops is computed by a
// function of its own, which returns 0 at once when profiling is off.
// RUN: nnc-opt %s --nnc-outline-loops --nnc-profile-loops | FileCheck %s

#dense = loc("mlp.nn":3:20)
#relu = loc("mlp.nn":3:31)
#tri = loc("mlp.nn":5:7)

// Loop 0: n rows x 4 column tiles; per tile an fma on 4 lanes (8 FLOPs) and
// a max on 4 lanes (4): 48 FLOPs per row. Loop 1: a triangle, whose inner
// bound is the outer induction variable: its counting function walks the
// outer loop (sum of i for i < 16 = 120 adds). Loop 2: an inner bound carried
// by the outer loop: unknown (-1).
// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?x16xf32>, %[[B:[a-z0-9]+]]: memref<16xf32>, %[[N:[a-z0-9]+]]: index
// CHECK: %[[T0:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_kernel_0(%[[N]], %[[A]], %[[B]])
// CHECK-NOT: scf.if
// CHECK: %[[ROWS:.*]] = arith.maxsi %[[N]], %{{.*}} : index
// CHECK: %[[F:.*]] = arith.muli %[[ROWS]], %c48{{(_[0-9]+)?}} : index
// CHECK: %[[F64:.*]] = arith.index_cast %[[F]] : index to i64
// CHECK: %[[R0:.*]] = llvm.mlir.addressof @__nnc_profile_nnc_loop_kernel_0 : !llvm.ptr
// CHECK: call @nnc_rt_profile_end(%[[R0]], %[[T0]], %[[F64]]) : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[T1:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_kernel_1(%[[B]])
// CHECK-NEXT: %[[F1:.*]] = call @__nnc_flops_nnc_loop_kernel_1(%[[T1]]) : (i64) -> i64
// CHECK: %[[R1:.*]] = llvm.mlir.addressof @__nnc_profile_nnc_loop_kernel_1 : !llvm.ptr
// CHECK: call @nnc_rt_profile_end(%[[R1]], %[[T1]], %[[F1]])
// CHECK: %[[T2:.*]] = call @nnc_rt_profile_begin() : () -> i64
// CHECK-NEXT: call @nnc_loop_kernel_2(%[[N]], %[[B]])
// CHECK-NOT: scf.if
// CHECK-NOT: scf.for
// CHECK: %[[U:.*]] = arith.constant -1 : i64
// CHECK: %[[R2:.*]] = llvm.mlir.addressof @__nnc_profile_nnc_loop_kernel_2 : !llvm.ptr
// CHECK: call @nnc_rt_profile_end(%[[R2]], %[[T2]], %[[U]])
// CHECK: return
func.func @kernel(%a: memref<?x16xf32>, %b: memref<16xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c16 step %c4 {
      %x = vector.transfer_read %a[%i, %j], %zero : memref<?x16xf32>, vector<4xf32> loc(#dense)
      %y = vector.transfer_read %b[%j], %zero : memref<16xf32>, vector<4xf32> loc(#dense)
      %f = vector.fma %x, %y, %x : vector<4xf32> loc(#dense)
      %r = arith.maximumf %f, %x : vector<4xf32> loc(#relu)
      vector.transfer_write %r, %a[%i, %j] : vector<4xf32>, memref<?x16xf32> loc(#relu)
    } loc(#dense)
  } loc(#dense)
  scf.for %i = %c0 to %c16 step %c1 {
    scf.for %j = %c0 to %i step %c1 {
      %v = memref.load %b[%j] : memref<16xf32> loc(#tri)
      %w = arith.addf %v, %v : f32 loc(#tri)
      memref.store %w, %b[%j] : memref<16xf32> loc(#tri)
    } loc(#tri)
  } loc(#tri)
  %n0 = arith.constant 0 : index
  %last = scf.for %i = %c0 to %n step %c1 iter_args(%m = %n0) -> (index) {
    scf.for %j = %c0 to %m step %c1 {
      %v = memref.load %b[%j] : memref<16xf32> loc(#tri)
      %w = arith.mulf %v, %v : f32 loc(#tri)
      memref.store %w, %b[%j] : memref<16xf32> loc(#tri)
    } loc(#tri)
    %m1 = arith.addi %m, %c1 : index
    scf.yield %m1 : index
  } loc(#tri)
  return
}

// The computed count: the constant factor of a row is 48.
// CHECK-LABEL: func.func private @nnc_rt_profile_begin() -> i64
// CHECK-LABEL: func.func private @nnc_rt_profile_end(!llvm.ptr, i64, i64)
// CHECK: llvm.mlir.global internal constant @__nnc_profile_nnc_loop_kernel_0_name("nnc_loop_kernel_0\00")
// CHECK: llvm.mlir.global internal constant @__nnc_profile_nnc_loop_kernel_0_locations("mlp.nn:3:20 3:31\00")
// The entry point calling the loop, for the report's "in loops" (the caller
// without the nnc_impl_ prefix of the entry points' kernels): one string.
// CHECK: llvm.mlir.global internal constant @__nnc_profile_entry_kernel("kernel\00")
// CHECK: llvm.mlir.global internal @__nnc_profile_nnc_loop_kernel_0()
// CHECK-SAME: !llvm.struct<(ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64)>
// CHECK: llvm.mlir.addressof @__nnc_profile_nnc_loop_kernel_0_name
// CHECK: llvm.mlir.addressof @__nnc_profile_nnc_loop_kernel_0_locations
// CHECK: llvm.mlir.addressof @__nnc_profile_entry_kernel
// CHECK: llvm.return
// CHECK: @__nnc_profile_nnc_loop_kernel_1_locations("mlp.nn:5:7\00")

// The triangle's counting function: 0 when t0 is 0 (profiling off);
// otherwise a walk of the outer loop adding the inner loop's trip count
// (max(i - 0, 0) ceildiv 1) times its one add.
// CHECK-LABEL: func.func private @__nnc_flops_nnc_loop_kernel_1(
// CHECK-SAME: %[[FT0:[a-z0-9]+]]: i64) -> i64
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-SAME: no_inline, optimize_none
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[OFF:.*]] = arith.cmpi eq, %[[FT0]], %[[ZERO]] : i64
// CHECK: %[[RES:.*]] = scf.if %[[OFF]] -> (i64) {
// CHECK-NEXT: scf.yield %[[ZERO]] : i64
// CHECK-NEXT: } else {
// CHECK: %[[SUM:.*]] = scf.for %[[I:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}}) -> (index) {
// CHECK: %[[TRIPS:.*]] = arith.maxsi %[[I]], %{{.*}} : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[ACC]], %[[TRIPS]] : index
// CHECK: scf.yield %[[NEXT]] : index
// CHECK: %[[SUM64:.*]] = arith.index_cast %[[SUM]] : index to i64
// CHECK: scf.yield %[[SUM64]] : i64
// CHECK: return %[[RES]] : i64
