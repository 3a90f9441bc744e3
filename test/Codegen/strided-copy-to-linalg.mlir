// nnc-strided-copy-to-linalg: a memref.copy with a non-identity layout on
// either side becomes linalg.copy (loops; a model.so has no memrefCopy
// runtime function); copies between contiguous buffers stay memref.copy
// (a memcpy).
// RUN: nnc-opt %s --nnc-strided-copy-to-linalg | FileCheck %s
// (The vector-lanes RUN line is with its cases below.)

// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<4x8xf32>, %[[B:[a-z0-9]+]]: memref<4x8xf32>, %[[C:[a-z0-9]+]]: memref<4x4xf32>
// CHECK: memref.copy %[[A]], %[[B]] : memref<4x8xf32> to memref<4x8xf32>
// CHECK: %[[SLICE:.*]] = memref.subview %[[A]][0, 2] [4, 4] [1, 1]
// CHECK-NEXT: linalg.copy ins(%[[SLICE]] : memref<4x4xf32, strided<[8, 1], offset: 2>>) outs(%[[C]] : memref<4x4xf32>)
// CHECK-NEXT: %[[DEST:.*]] = memref.subview %[[B]][0, 4] [4, 4] [1, 1]
// CHECK-NEXT: linalg.copy ins(%[[C]] : memref<4x4xf32>) outs(%[[DEST]] : memref<4x4xf32, strided<[8, 1], offset: 4>>)
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  %s = memref.subview %a[0, 2] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %s, %c : memref<4x4xf32, strided<[8, 1], offset: 2>> to memref<4x4xf32>
  %d = memref.subview %b[0, 4] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %c, %d : memref<4x4xf32> to memref<4x4xf32, strided<[8, 1], offset: 4>>
  return
}

// With vector-lanes (the CPU pipeline passes its target's), a copy whose
// rows are contiguous and static on both sides moves them in vectors: a loop
// per outer dim, 16-lane loads and stores along the row (here 40 = 2 x 16),
// then one narrower vector per power of two that fits the rest (8), and a
// scalar for an odd end (a row of 15 = 8 + 4 + 2 + 1). A dynamic row stays
// linalg.copy.
// RUN: nnc-opt %s --nnc-strided-copy-to-linalg=vector-lanes=16 -canonicalize | FileCheck %s --check-prefix=ROWS
// ROWS-LABEL: func.func @rows(
// ROWS-SAME: %[[S:[a-z0-9]+]]: memref<?x4x40xf32>, %[[D:[a-z0-9]+]]: memref<?x4x40xf32, strided<[480, 120, 1], offset: 40>>
// ROWS-DAG: %[[C4:.*]] = arith.constant 4 : index
// ROWS-DAG: %[[C16:.*]] = arith.constant 16 : index
// ROWS-DAG: %[[C32:.*]] = arith.constant 32 : index
// ROWS: %[[N:.*]] = memref.dim %[[S]], %{{.*}}
// ROWS: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step
// ROWS: scf.for %[[J:.*]] = %{{.*}} to %[[C4]] step
// ROWS: scf.for %[[K:.*]] = %{{.*}} to %[[C32]] step %[[C16]] {
// ROWS-NEXT: %[[V:.*]] = vector.load %[[S]][%[[I]], %[[J]], %[[K]]] : memref<?x4x40xf32>, vector<16xf32>
// ROWS-NEXT: vector.store %[[V]], %[[D]][%[[I]], %[[J]], %[[K]]]
// ROWS: }
// ROWS-NEXT: %[[W:.*]] = vector.load %[[S]][%[[I]], %[[J]], %[[C32]]] : memref<?x4x40xf32>, vector<8xf32>
// ROWS-NEXT: vector.store %[[W]], %[[D]][%[[I]], %[[J]], %[[C32]]]
// ROWS-NOT: memref.load
// ROWS: linalg.copy ins(%{{.*}} : memref<4x?xf32, strided<[?, 1], offset: ?>>)
// ROWS-NOT: memref.copy
func.func @rows(%s: memref<?x4x40xf32>, %d: memref<?x4x40xf32, strided<[480, 120, 1], offset: 40>>,
                %a: memref<4x?xf32, strided<[?, 1], offset: ?>>, %b: memref<4x?xf32>) {
  memref.copy %s, %d : memref<?x4x40xf32> to memref<?x4x40xf32, strided<[480, 120, 1], offset: 40>>
  memref.copy %a, %b : memref<4x?xf32, strided<[?, 1], offset: ?>> to memref<4x?xf32>
  return
}

// ROWS-LABEL: func.func @short_rows(
// ROWS-SAME: %[[S:[a-z0-9]+]]: memref<3x15xf32>, %[[D:[a-z0-9]+]]: memref<3x15xf32, strided<[17, 1], offset: 18>>
// ROWS-DAG: %[[C8:.*]] = arith.constant 8 : index
// ROWS-DAG: %[[C12:.*]] = arith.constant 12 : index
// ROWS-DAG: %[[C14:.*]] = arith.constant 14 : index
// ROWS: scf.for %[[I:.*]] =
// ROWS-NEXT: %[[A:.*]] = vector.load %[[S]][%[[I]], %{{.*}}] : memref<3x15xf32>, vector<8xf32>
// ROWS-NEXT: vector.store %[[A]], %[[D]][%[[I]], %{{.*}}]
// ROWS-NEXT: %[[B:.*]] = vector.load %[[S]][%[[I]], %[[C8]]] : memref<3x15xf32>, vector<4xf32>
// ROWS-NEXT: vector.store %[[B]], %[[D]][%[[I]], %[[C8]]]
// ROWS-NEXT: %[[C:.*]] = vector.load %[[S]][%[[I]], %[[C12]]] : memref<3x15xf32>, vector<2xf32>
// ROWS-NEXT: vector.store %[[C]], %[[D]][%[[I]], %[[C12]]]
// ROWS-NEXT: %[[X:.*]] = memref.load %[[S]][%[[I]], %[[C14]]] : memref<3x15xf32>
// ROWS-NEXT: memref.store %[[X]], %[[D]][%[[I]], %[[C14]]]
// ROWS-NEXT: }
func.func @short_rows(%s: memref<3x15xf32>, %d: memref<3x15xf32, strided<[17, 1], offset: 18>>) {
  memref.copy %s, %d : memref<3x15xf32> to memref<3x15xf32, strided<[17, 1], offset: 18>>
  return
}

// Outermost iterations of 16 KB or more (64 x 128 floats: an attention
// gradient's [N, T, D] slice copied into [N, T, 3D]) run as an scf.forall,
// which nnc-outline-parallel hands to the thread pool.
// ROWS-LABEL: func.func @parallel_rows(
// ROWS: scf.forall (%[[N:.*]]) in (%{{.*}}) {
// ROWS: scf.for %[[T:.*]] =
// ROWS: scf.for %[[D:.*]] =
// ROWS: vector.load %{{.*}}[%[[N]], %[[T]], %[[D]]] : memref<?x64x128xf32>, vector<16xf32>
func.func @parallel_rows(%s: memref<?x64x128xf32>, %d: memref<?x64x128xf32, strided<[24576, 384, 1], offset: 128>>) {
  memref.copy %s, %d : memref<?x64x128xf32> to memref<?x64x128xf32, strided<[24576, 384, 1], offset: 128>>
  return
}
