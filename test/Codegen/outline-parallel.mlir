// nnc-outline-parallel: each outermost scf.forall on buffers becomes a call of
// a private task `nnc_loop_<func>_par<N>(begin, end, captured...)` marked
// nnc.parallel_task, running the linearized iterations [begin, end); the call
// passes [0, trip count). A nested forall runs serially inside the task, and
// with threads=false every forall becomes scf.for.
// RUN: nnc-opt %s --nnc-outline-parallel --canonicalize | FileCheck %s
// RUN: nnc-opt %s --nnc-outline-parallel=threads=false | FileCheck %s --check-prefix=SERIAL

// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?x16xf32>, %[[N:[a-z0-9]+]]: index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// ceil(N / 4) iterations of the first forall:
// CHECK: %[[R:.*]] = arith.addi %[[N]], %[[C3]]
// CHECK: %[[COUNT:.*]] = arith.divsi %[[R]], %[[C4]]
// CHECK: call @nnc_loop_kernel_par0(%[[C0]], %[[COUNT]], %[[A]]) : (index, index, memref<?x16xf32>) -> ()
// N * 16 iterations of the 2-D one:
// CHECK: %[[COUNT2:.*]] = arith.muli %[[N]], %{{.*}}
// CHECK: call @nnc_loop_kernel_par1(%[[C0]], %[[COUNT2]], %[[N]], %{{.*}}, %[[A]])
// CHECK-NOT: scf.forall

// CHECK: func.func private @nnc_loop_kernel_par0(%[[B:.*]]: index, %[[E:.*]]: index, %[[T:.*]]: memref<?x16xf32>) attributes {nnc.parallel_task}
// CHECK: scf.for %[[K:.*]] = %[[B]] to %[[E]] step
// CHECK: %[[I:.*]] = arith.muli %[[K]], %{{.*}}
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK: memref.store %{{.*}}, %[[T]][%[[I]], %[[J]]]

// CHECK: func.func private @nnc_loop_kernel_par1(%[[B:.*]]: index, %[[E:.*]]: index, %[[D0:.*]]: index, %[[D1:.*]]: index, %[[T:.*]]: memref<?x16xf32>) attributes {nnc.parallel_task}
// CHECK: scf.for %[[K:.*]] = %[[B]] to %[[E]] step
// CHECK: %[[IJ:.*]]:2 = affine.delinearize_index %[[K]] into (%[[D0]], %[[D1]])
// CHECK: memref.store %{{.*}}, %[[T]][%[[IJ]]#0, %[[IJ]]#1]

// SERIAL-LABEL: func.func @kernel(
// SERIAL-NOT: scf.forall
// SERIAL-NOT: call
// SERIAL: scf.for
// SERIAL: scf.for
// SERIAL: memref.store
// SERIAL: scf.for
// SERIAL: scf.for
// SERIAL: memref.store
func.func @kernel(%a: memref<?x16xf32>, %n: index) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) = (0) to (%n) step (4) {
    scf.forall (%j) in (16) {
      memref.store %one, %a[%i, %j] : memref<?x16xf32>
    }
  }
  scf.forall (%i, %j) in (%n, 16) {
    memref.store %one, %a[%i, %j] : memref<?x16xf32>
  }
  return
}
