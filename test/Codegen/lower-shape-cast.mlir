// nnc-lower-vector-ops lowers a vector.shape_cast between n-D vectors as runs
// of contiguous elements, each inside one innermost row of the source and one
// of the result: one strided slice (or a whole row) per run, where MLIR's
// reference lowering moves every element with an extract and an insert.
// RUN: nnc-opt %s --nnc-lower-vector-ops -split-input-file | FileCheck %s

// [100] -> [1, 1, 1, 10, 10] (LeNet-5's pooling windows): ten rows of ten.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME: %[[V:.*]]: vector<100xf32>
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<1x1x1x10x10xf32>
// CHECK: %[[S0:.*]] = vector.extract_strided_slice %[[V]] {offsets = [0], sizes = [10], strides = [1]}
// CHECK: %[[R0:.*]] = vector.insert %[[S0]], %[[Z]] [0, 0, 0, 0]
// CHECK: %[[S1:.*]] = vector.extract_strided_slice %[[V]] {offsets = [10], sizes = [10], strides = [1]}
// CHECK: %[[R1:.*]] = vector.insert %[[S1]], %[[R0]] [0, 0, 0, 1]
// CHECK-COUNT-7: vector.insert
// CHECK: %[[S9:.*]] = vector.extract_strided_slice %[[V]] {offsets = [90], sizes = [10], strides = [1]}
// CHECK: %[[R9:.*]] = vector.insert %[[S9]], %{{.*}} [0, 0, 0, 9]
// CHECK-NOT: vector.extract {{.*}} : f32 from
// CHECK: return %[[R9]]
func.func @rows(%v: vector<100xf32>) -> vector<1x1x1x10x10xf32> {
  %r = vector.shape_cast %v : vector<100xf32> to vector<1x1x1x10x10xf32>
  return %r : vector<1x1x1x10x10xf32>
}

// -----

// Rows of 6 into rows of 8: result row 0 is source row 0 and the first two
// elements of row 1; row 1 is elements 2-5 of source row 1 and 0-3 of row 2;
// row 2 is elements 4-5 of row 2 and all of row 3.
// CHECK-LABEL: func.func @crossing(
// CHECK-SAME: %[[V:.*]]: vector<4x6xf32>
// CHECK-DAG: %[[ROW:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<3x8xf32>
// CHECK: %[[A0:.*]] = vector.extract %[[V]][0] : vector<6xf32> from vector<4x6xf32>
// CHECK: %[[O0:.*]] = vector.insert_strided_slice %[[A0]], %[[ROW]] {offsets = [0], strides = [1]} : vector<6xf32> into vector<8xf32>
// CHECK: %[[A1:.*]] = vector.extract %[[V]][1]
// CHECK: %[[A1H:.*]] = vector.extract_strided_slice %[[A1]] {offsets = [0], sizes = [2], strides = [1]}
// CHECK: %[[O0B:.*]] = vector.insert_strided_slice %[[A1H]], %[[O0]] {offsets = [6], strides = [1]}
// CHECK: %[[R0:.*]] = vector.insert %[[O0B]], %[[Z]] [0] : vector<8xf32> into vector<3x8xf32>
// CHECK: %[[A1T:.*]] = vector.extract_strided_slice %[[A1]] {offsets = [2], sizes = [4], strides = [1]}
// CHECK: %[[O1:.*]] = vector.insert_strided_slice %[[A1T]], %[[ROW]] {offsets = [0], strides = [1]}
// CHECK: %[[A2:.*]] = vector.extract %[[V]][2]
// CHECK: %[[A2H:.*]] = vector.extract_strided_slice %[[A2]] {offsets = [0], sizes = [4], strides = [1]}
// CHECK: %[[O1B:.*]] = vector.insert_strided_slice %[[A2H]], %[[O1]] {offsets = [4], strides = [1]}
// CHECK: %[[R1:.*]] = vector.insert %[[O1B]], %[[R0]] [1]
// CHECK: %[[A2T:.*]] = vector.extract_strided_slice %[[A2]] {offsets = [4], sizes = [2], strides = [1]}
// CHECK: %[[O2:.*]] = vector.insert_strided_slice %[[A2T]], %[[ROW]] {offsets = [0], strides = [1]}
// CHECK: %[[A3:.*]] = vector.extract %[[V]][3]
// CHECK: %[[O2B:.*]] = vector.insert_strided_slice %[[A3]], %[[O2]] {offsets = [2], strides = [1]}
// CHECK: %[[R2:.*]] = vector.insert %[[O2B]], %[[R1]] [2]
// CHECK: return %[[R2]]
func.func @crossing(%v: vector<4x6xf32>) -> vector<3x8xf32> {
  %r = vector.shape_cast %v : vector<4x6xf32> to vector<3x8xf32>
  return %r : vector<3x8xf32>
}

// -----

// [1, 1, 5, 2, 5, 2] -> [100]: fifty whole source rows of two, each put at
// its offset in the one result row.
// CHECK-LABEL: func.func @into_flat(
// CHECK: vector.extract %{{.*}}[0, 0, 0, 0, 0] : vector<2xf32> from vector<1x1x5x2x5x2xf32>
// CHECK: vector.insert_strided_slice %{{.*}} {offsets = [0], strides = [1]} : vector<2xf32> into vector<100xf32>
// CHECK: vector.extract %{{.*}}[0, 0, 0, 0, 1] : vector<2xf32> from vector<1x1x5x2x5x2xf32>
// CHECK: vector.insert_strided_slice %{{.*}} {offsets = [2], strides = [1]} : vector<2xf32> into vector<100xf32>
// CHECK: vector.extract %{{.*}}[0, 0, 4, 1, 4] : vector<2xf32> from vector<1x1x5x2x5x2xf32>
// CHECK: %[[LAST:.*]] = vector.insert_strided_slice %{{.*}} {offsets = [98], strides = [1]} : vector<2xf32> into vector<100xf32>
// CHECK-NOT: vector.insert
// CHECK: return %[[LAST]]
func.func @into_flat(%v: vector<1x1x5x2x5x2xf32>) -> vector<100xf32> {
  %r = vector.shape_cast %v : vector<1x1x5x2x5x2xf32> to vector<100xf32>
  return %r : vector<100xf32>
}

// -----

// Rows of one element (a trailing unit dim) keep the reference lowering.
// CHECK-LABEL: func.func @unit_rows(
// CHECK: vector.extract %{{.*}}[0, 0] : f32 from vector<5x5xf32>
// CHECK: vector.insert %{{.*}} [0, 0, 0, 0] : f32 into vector<1x5x5x1xf32>
func.func @unit_rows(%v: vector<5x5xf32>) -> vector<1x5x5x1xf32> {
  %r = vector.shape_cast %v : vector<5x5xf32> to vector<1x5x5x1xf32>
  return %r : vector<1x5x5x1xf32>
}
