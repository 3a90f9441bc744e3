// nnc-widen-row-stores: a loop storing rows of W floats at consecutive places
// of a local buffer stores P-wide rows (P: next power of two, or multiple of
// the 16 lanes) in all iterations but the last, which keeps the W-wide store.
// RUN: nnc-opt %s --pass-pipeline='builtin.module(func.func(nnc-widen-row-stores{lanes=16}))' | FileCheck %s

// im2col rows of 14 from a padded [4, 16, 16] buffer into [4, 3, 14, 14]:
// the load is widened too (its last widened row, y = 12, reads up to
// 3 * 256 + 14 * 16 + 2 + 16 = 1010 <= 1024 elements).
// CHECK-LABEL: func.func @im2col(
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[SRC:.*]] {{\[\[}}0, 1, 2]] : memref<4x16x16xf32> into memref<1024xf32>
// CHECK: scf.for %[[Y:.*]] = %{{.*}} to %[[C13:.*]] step
// CHECK: %[[AT:.*]] = affine.apply {{.*}}()[%{{.*}}, %{{.*}}, %[[K]]]
// CHECK: %[[ROW:.*]] = vector.load %[[FLAT]][%[[AT]]] : memref<1024xf32>, vector<16xf32>
// CHECK: vector.store %[[ROW]], %{{.*}}[%{{.*}}] : memref<2352xf32>, vector<16xf32>
// CHECK: }
// CHECK: %[[LAST:.*]] = vector.load %{{.*}} : memref<1x1x14xf32, {{.*}}>, vector<14xf32>
// CHECK: vector.store %[[LAST]], %{{.*}} : memref<2352xf32>, vector<14xf32>
func.func @im2col(%src: memref<4x16x16xf32>) -> memref<4x3x14x14xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c14 = arith.constant 14 : index
  %dst = memref.alloc() : memref<4x3x14x14xf32>
  %flat = memref.collapse_shape %dst [[0, 1, 2, 3]] : memref<4x3x14x14xf32> into memref<2352xf32>
  scf.for %c = %c0 to %c4 step %c1 {
    scf.for %k = %c0 to %c3 step %c1 {
      scf.for %y = %c0 to %c14 step %c1 {
        %r = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%k, %y)
        %view = memref.subview %src[%c, %r, %k] [1, 1, 14] [1, 1, 1] : memref<4x16x16xf32> to memref<1x1x14xf32, strided<[256, 16, 1], offset: ?>>
        %row = vector.load %view[%c0, %c0, %c0] : memref<1x1x14xf32, strided<[256, 16, 1], offset: ?>>, vector<14xf32>
        %at = affine.apply affine_map<()[s0, s1, s2] -> (s0 * 588 + s1 * 196 + s2 * 14)>()[%c, %k, %y]
        vector.store %row, %flat[%at] : memref<2352xf32>, vector<14xf32>
      }
    }
  }
  return %dst : memref<4x3x14x14xf32>
}

// Computed rows of 7 (a pooling's output) into an n-D buffer: padded with
// zeros to 8 in registers, stored through the buffer's 1-D collapse.
// CHECK-LABEL: func.func @computed_rows(
// CHECK: scf.for %[[Y:.*]] = %{{.*}} to %[[C6:.*]] step
// CHECK: %[[V:.*]] = arith.maximumf {{.*}} : vector<7xf32>
// CHECK: %[[W:.*]] = vector.insert_strided_slice %[[V]], %{{.*}} {offsets = [0], strides = [1]} : vector<7xf32> into vector<8xf32>
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1]] : memref<7x7xf32> into memref<49xf32>
// CHECK: %[[AT:.*]] = affine.apply {{.*}}()[%[[Y]]]
// CHECK: vector.store %[[W]], %[[FLAT]][%[[AT]]] : memref<49xf32>, vector<8xf32>
// CHECK: }
// CHECK: vector.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<7x7xf32>, vector<7xf32>
func.func @computed_rows(%a: memref<7x8xf32>) -> memref<7x7xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %zero = arith.constant dense<0.0> : vector<7xf32>
  %dst = memref.alloc() : memref<7x7xf32>
  scf.for %y = %c0 to %c7 step %c1 {
    %in = vector.load %a[%y, %c0] : memref<7x8xf32>, vector<7xf32>
    %v = arith.maximumf %in, %zero : vector<7xf32>
    vector.store %v, %dst[%y, %c0] : memref<7x7xf32>, vector<7xf32>
  }
  return %dst : memref<7x7xf32>
}

// A load that would pass its buffer's end when widened (row 13 - y of a
// [14, 14] buffer: y = 0 reads 182 + 16 > 196) stays narrow; the store is
// widened with zero padding.
// CHECK-LABEL: func.func @load_at_end(
// CHECK: scf.for
// CHECK: vector.load %{{.*}} : memref<14x14xf32>, vector<14xf32>
// CHECK: vector.insert_strided_slice {{.*}} : vector<14xf32> into vector<16xf32>
// CHECK: vector.store {{.*}} vector<16xf32>
func.func @load_at_end(%src: memref<14x14xf32>) -> memref<196xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c14 = arith.constant 14 : index
  %dst = memref.alloc() : memref<196xf32>
  scf.for %y = %c0 to %c14 step %c1 {
    %r = affine.apply affine_map<(d0) -> (13 - d0)>(%y)
    %row = vector.load %src[%r, %c0] : memref<14x14xf32>, vector<14xf32>
    %at = affine.apply affine_map<(d0) -> (d0 * 14)>(%y)
    vector.store %row, %dst[%at] : memref<196xf32>, vector<14xf32>
  }
  return %dst : memref<196xf32>
}

// Left alone: rows 16 apart (the interior of a padded buffer: a wider row
// would overwrite its padding), a buffer the loop also reads, a buffer that
// is not a local allocation.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: vector<16xf32>
// CHECK: return
func.func @left_alone(%src: memref<14x14xf32>, %out: memref<196xf32>) -> memref<16x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c14 = arith.constant 14 : index
  %padded = memref.alloc() : memref<16x16xf32>
  %interior = memref.subview %padded[1, 1] [14, 14] [1, 1] : memref<16x16xf32> to memref<14x14xf32, strided<[16, 1], offset: 17>>
  scf.for %y = %c0 to %c14 step %c1 {
    %row = vector.load %src[%y, %c0] : memref<14x14xf32>, vector<14xf32>
    vector.store %row, %interior[%y, %c0] : memref<14x14xf32, strided<[16, 1], offset: 17>>, vector<14xf32>
  }
  %both = memref.alloc() : memref<196xf32>
  scf.for %y = %c0 to %c14 step %c1 {
    %at = affine.apply affine_map<(d0) -> (d0 * 14)>(%y)
    %row = vector.load %both[%c0] : memref<196xf32>, vector<14xf32>
    vector.store %row, %both[%at] : memref<196xf32>, vector<14xf32>
  }
  scf.for %y = %c0 to %c14 step %c1 {
    %at = affine.apply affine_map<(d0) -> (d0 * 14)>(%y)
    %row = vector.load %src[%y, %c0] : memref<14x14xf32>, vector<14xf32>
    vector.store %row, %out[%at] : memref<196xf32>, vector<14xf32>
  }
  return %padded : memref<16x16xf32>
}

// The same rows into a matrix whose rows are padded to cache lines
// ([288, 208] holding [288, 196], nnc-align-matmul-rows): the 5-D view is
// not collapsible as a whole, so the store goes through the collapse of its
// trailing dims [OH, OW] -> [196], the outer dims kept.
// CHECK-LABEL: func.func @padded_rows(
// CHECK: scf.for %[[Y:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] : memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>> into memref<32x3x3x196xf32, strided<[1872, 624, 208, 1]>>
// CHECK: vector.store %{{.*}}, %[[ROWS]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<32x3x3x196xf32, strided<[1872, 624, 208, 1]>>, vector<16xf32>
// CHECK: }
// CHECK: vector.store %{{.*}} : memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>, vector<14xf32>
func.func @padded_rows(%src: memref<32x16x16xf32>, %c: index, %k: index) -> memref<288x208xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c14 = arith.constant 14 : index
  %buf = memref.alloc() : memref<288x208xf32>
  %mat = memref.subview %buf[0, 0] [288, 196] [1, 1] : memref<288x208xf32> to memref<288x196xf32, strided<[208, 1]>>
  %dst = memref.expand_shape %mat [[0, 1, 2], [3, 4]] output_shape [32, 3, 3, 14, 14] : memref<288x196xf32, strided<[208, 1]>> into memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>
  scf.for %y = %c0 to %c14 step %c1 {
    %r = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%k, %y)
    %row = vector.load %src[%c, %r, %k] : memref<32x16x16xf32>, vector<14xf32>
    vector.store %row, %dst[%c, %k, %k, %y, %c0] : memref<32x3x3x14x14xf32, strided<[1872, 624, 208, 14, 1]>>, vector<14xf32>
  }
  return %buf : memref<288x208xf32>
}
