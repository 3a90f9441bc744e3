// nnc-parallel-task-calls: calls of a task F(begin, end, args...) call
// F_launch instead, of the same type, internal and never inlined: it stores
// {begin, args...} into a stack slot and calls
// nnc_rt_parallel_for(F_thunk, slot, end - begin); the thunk reads the slot
// and calls F on the range it is given, shifted by begin. F becomes internal
// and loses its mark.
// RUN: nnc-opt %s --nnc-parallel-task-calls | FileCheck %s

// CHECK: llvm.func internal @nnc_loop_k_par0(%{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: f32) {
// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %[[P:[a-z0-9]+]]: !llvm.ptr, %[[N:[a-z0-9]+]]: i64, %[[S:[a-z0-9]+]]: f32
// CHECK: %[[C2:.*]] = llvm.mlir.constant(2 : i64)
// CHECK: llvm.call @nnc_loop_k_par0_launch(%[[C2]], %[[N]], %[[P]], %[[S]])
// CHECK-NOT: llvm.call @nnc_loop_k_par0(

// CHECK: llvm.func @nnc_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)

// CHECK: llvm.func internal @nnc_loop_k_par0_thunk(%[[CTX:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK: %[[G0:.*]] = llvm.getelementptr %[[CTX]][0, 0]
// CHECK: %[[BASE:.*]] = llvm.load %[[G0]] : !llvm.ptr -> i64
// CHECK: %[[G1:.*]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK: %[[PP:.*]] = llvm.load %[[G1]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[G2:.*]] = llvm.getelementptr %[[CTX]][0, 2]
// CHECK: %[[SS:.*]] = llvm.load %[[G2]] : !llvm.ptr -> f32
// CHECK: %[[LO:.*]] = llvm.add %[[BASE]], %[[BEGIN]]
// CHECK: %[[HI:.*]] = llvm.add %[[BASE]], %[[END]]
// CHECK: llvm.call @nnc_loop_k_par0(%[[LO]], %[[HI]], %[[PP]], %[[SS]])

// CHECK: llvm.func internal @nnc_loop_k_par0_launch(%[[B:.*]]: i64, %[[E:.*]]: i64, %[[AP:.*]]: !llvm.ptr, %[[AS:.*]]: f32) attributes {no_inline}
// CHECK: %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(i64, ptr, f32)>
// CHECK: %[[F0:.*]] = llvm.getelementptr %[[SLOT]][0, 0]
// CHECK: llvm.store %[[B]], %[[F0]] : i64, !llvm.ptr
// CHECK: %[[F1:.*]] = llvm.getelementptr %[[SLOT]][0, 1]
// CHECK: llvm.store %[[AP]], %[[F1]] : !llvm.ptr, !llvm.ptr
// CHECK: %[[F2:.*]] = llvm.getelementptr %[[SLOT]][0, 2]
// CHECK: llvm.store %[[AS]], %[[F2]] : f32, !llvm.ptr
// CHECK: %[[COUNT:.*]] = llvm.sub %[[E]], %[[B]] : i64
// CHECK: %[[FN:.*]] = llvm.mlir.addressof @nnc_loop_k_par0_thunk
// CHECK: llvm.call @nnc_rt_parallel_for(%[[FN]], %[[SLOT]], %[[COUNT]])
llvm.func @nnc_loop_k_par0(%b: i64, %e: i64, %p: !llvm.ptr, %s: f32) attributes {nnc.parallel_task} {
  llvm.return
}
llvm.func @k(%p: !llvm.ptr, %n: i64, %s: f32) {
  %c2 = llvm.mlir.constant(2 : i64) : i64
  llvm.call @nnc_loop_k_par0(%c2, %n, %p, %s) : (i64, i64, !llvm.ptr, f32) -> ()
  llvm.return
}
