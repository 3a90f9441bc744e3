// Transposes (attention heads [N, T, H, D] read as [N, H, D, T]) are tiled
// into 8 x 8 blocks: nnc-vectorize-ops reads 8 rows of the input and
// transposes them in registers (vector.transpose) instead of gathering each
// output row from a column of the input, one scalar load and insert per
// element; nnc-lower-vector-ops lowers the 8 x 8 transpose to AVX2 shuffles
// (x86vector's unpack, shuffle, blend and permute sequence). Loops that are
// not multiples of 8 but of 4 get 4 x 4 blocks, one shuffle each.
// RUN: nnc-opt %s --nnc-vectorize-ops="transpose-blocks=1" -split-input-file | FileCheck %s --check-prefix=TILE
// RUN: nnc-opt %s --nnc-vectorize-ops -split-input-file | FileCheck %s --check-prefix=COLUMN
// RUN: nnc-opt %s --nnc-lower-vector-ops="avx2-transpose=1" -split-input-file | FileCheck %s --check-prefix=AVX2

// TILE-LABEL: func.func @heads(
// TILE: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %{{.*}}
// TILE: scf.for %[[D:.*]] = %{{.*}} to %{{.*}} step %[[C8:.*]] iter_args
// TILE: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %[[C8]] iter_args
// TILE: %[[IN:.*]] = tensor.extract_slice %{{.*}}[%[[N]], %[[T]], %[[D]]] [1, 8, 8] [1, 1, 1]
// TILE: %[[ROWS:.*]] = vector.transfer_read %[[IN]]{{.*}} : tensor<1x8x8xf32>, vector<1x8x8xf32>
// TILE: %[[TR:.*]] = vector.transpose %[[ROWS]], [0, 2, 1] : vector<1x8x8xf32> to vector<1x8x8xf32>
// TILE: vector.transfer_write %[[TR]], %{{.*}}[%[[N]], %[[D]], %[[T]]]
// Without the blocks each output row of 16 is a column of the input, read
// as a [1, 16, 1] tile and transposed.
// COLUMN-LABEL: func.func @heads(
// COLUMN: %[[COL:.*]] = vector.transfer_read {{.*}} : tensor<1x16x1xf32>, vector<1x16x1xf32>
// COLUMN: vector.transpose %[[COL]], [0, 2, 1] : vector<1x16x1xf32> to vector<1x1x16xf32>
func.func @heads(%x: tensor<2x16x8xf32>) -> tensor<2x8x16xf32> {
  %e = tensor.empty() : tensor<2x8x16xf32>
  %t = linalg.transpose ins(%x : tensor<2x16x8xf32>) outs(%e : tensor<2x8x16xf32>) permutation = [0, 2, 1]
  return %t : tensor<2x8x16xf32>
}

// -----

// AVX2-LABEL: func.func @block(
// AVX2-COUNT-8: vector.transfer_read {{.*}} : memref<1x8x8xf32>, vector<8xf32>
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 8, 1, 9, 4, 12, 5, 13] : vector<8xf32>, vector<8xf32>
// AVX2: llvm.inline_asm asm_dialect = intel "vblendps $0, $1, $2, 0xcc"
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xf32>, vector<8xf32>
// AVX2-NOT: vector.transpose
// AVX2-COUNT-8: vector.transfer_write {{.*}} : vector<8xf32>, memref<1x8x8xf32>
func.func @block(%x: memref<1x8x8xf32>, %y: memref<1x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %v = vector.transfer_read %x[%c0, %c0, %c0], %f {in_bounds = [true, true, true]} : memref<1x8x8xf32>, vector<1x8x8xf32>
  %t = vector.transpose %v, [0, 2, 1] : vector<1x8x8xf32> to vector<1x8x8xf32>
  vector.transfer_write %t, %y[%c0, %c0, %c0] {in_bounds = [true, true, true]} : vector<1x8x8xf32>, memref<1x8x8xf32>
  return
}

// -----

// A convolution's output gradient [F, OH * OW] read as [OH * OW, F] by its
// weight gradient: 196 rows are no multiple of 8, so the blocks are 4 x 4.
// TILE-LABEL: func.func @plane(
// TILE: scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %[[C4:.*]] iter_args
// TILE: scf.for %[[F:.*]] = %{{.*}} to %{{.*}} step %[[C4]] iter_args
// TILE: %[[IN:.*]] = tensor.extract_slice %{{.*}}[%[[F]], %[[P]]] [4, 4] [1, 1]
// TILE: %[[ROWS:.*]] = vector.transfer_read %[[IN]]{{.*}} : tensor<4x4xf32>, vector<4x4xf32>
// TILE: vector.transpose %[[ROWS]], [1, 0] : vector<4x4xf32> to vector<4x4xf32>
func.func @plane(%x: tensor<64x196xf32>) -> tensor<196x64xf32> {
  %e = tensor.empty() : tensor<196x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x196xf32>) outs(%e : tensor<196x64xf32>) permutation = [1, 0]
  return %t : tensor<196x64xf32>
}

// -----

// A 4 x 4 block is one permutation of its 16 floats (one vpermps), not
// 16 extracts and inserts.
// AVX2-LABEL: func.func @small_block(
// AVX2-COUNT-4: vector.insert_strided_slice {{.*}} : vector<4xf32> into vector<16xf32>
// AVX2: vector.shuffle %[[FLAT:.*]], %[[FLAT]] [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15] : vector<16xf32>, vector<16xf32>
// AVX2-NOT: vector.transpose
// AVX2-NOT: vector.extract {{.*}} : f32
func.func @small_block(%x: memref<4x4xf32>, %y: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  %v = vector.transfer_read %x[%c0, %c0], %f {in_bounds = [true, true]} : memref<4x4xf32>, vector<4x4xf32>
  %t = vector.transpose %v, [1, 0] : vector<4x4xf32> to vector<4x4xf32>
  vector.transfer_write %t, %y[%c0, %c0] {in_bounds = [true, true]} : vector<4x4xf32>, memref<4x4xf32>
  return
}
