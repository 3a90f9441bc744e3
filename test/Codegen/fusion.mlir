// What the CPU pipeline's first step (nnc-cpu-fuse: canonicalize, linalg
// elementwise fusion (nnc-fuse-elementwise), canonicalize, CSE; the same builder that
// buildLinalgToLLVMPipeline starts with) fuses after nnc-convert-nn-to-linalg.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg --nnc-cpu-fuse -split-input-file | FileCheck %s

// dense + bias + relu: the matmul stays a named op, the bias and the relu
// become ONE generic that reads the matmul result and writes the
// activation.
// CHECK-LABEL: func.func @dense_bias_relu(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x2xf32>, %[[W:[a-z0-9]+]]: tensor<64x2xf32>, %[[B:[a-z0-9]+]]: tensor<64xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[X]], %{{.*}} : tensor<?x2xf32>, tensor<2x64xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[B]] : tensor<?x64xf32>, tensor<64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[IN]], %[[BI]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[S]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @dense_bias_relu(%x: tensor<?x2xf32>, %w: tensor<64x2xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = nn.dense %x, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %1 = nn.relu %0 : tensor<?x64xf32>
  return %1 : tensor<?x64xf32>
}

// -----

// tanh(x * 2 + 1), the 1 a broadcast fill: one generic; the fill is folded
// into a scalar constant.
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x8xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[IN]], %{{.*}} : f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[M]], %{{.*}} : f32
// CHECK-NEXT: %[[T:.*]] = math.tanh %[[A]] : f32
// CHECK-NEXT: linalg.yield %[[T]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @chain(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.scale %x {factor = 2.0 : f32} : tensor<?x8xf32>
  %c = nn.fill 1.0 : tensor<8xf32>
  %1 = nn.add %0, %c : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %2 = nn.tanh %1 : tensor<?x8xf32>
  return %2 : tensor<?x8xf32>
}

// -----

// softmax then a scale: the two reductions (max, sum) are not fused into
// their consumers, nor is e = exp(x - max), which both the sum and the
// normalisation read (an exponential is no cheap op to recompute), nor the
// per-row reciprocal (broadcast by its reader); the scale is fused into the
// normalizing generic e * (1 / sum).
// CHECK-LABEL: func.func @softmax_scale(
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: %[[E:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]}
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "reduction"]} ins(%[[E]]
// CHECK: %[[INV:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]}
// CHECK: arith.divf
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[E]], %[[INV]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: %[[S:.*]] = arith.mulf
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @softmax_scale(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.softmax %x {axis = 1 : i64} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %1 = nn.scale %0 {factor = 3.0 : f32} : tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// An activation feeding a matmul is not fused into it (only elementwise
// consumers fuse): relu, then the matmul on its result, then the bias.
// CHECK-LABEL: func.func @relu_dense(
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[R]], %{{.*}} :
// CHECK: linalg.generic {{.*}} ins(%[[MM]], %{{.*}} :
// CHECK-COUNT-1: arith.addf
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_dense(%x: tensor<?x2xf32>, %w: tensor<64x2xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = nn.relu %x : tensor<?x2xf32>
  %1 = nn.dense %0, %w, %b : (tensor<?x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %1 : tensor<?x64xf32>
}

// -----

// A reduction whose input is elementwise: the producer (x * x) is fused
// INTO the reduction generic, which stays a reduction.
// CHECK-LABEL: func.func @square_sum(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x8xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[IN]], %[[IN]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @square_sum(%x: tensor<?x8xf32>) -> tensor<?xf32> {
  %0 = nn.mul %x, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %1 = nn.reduce_sum %0 {axes = array<i64: 1>} : (tensor<?x8xf32>) -> tensor<?xf32>
  return %1 : tensor<?xf32>
}

// -----

// Inference batchnorm + relu: the per-channel scale (gamma / sqrt(var +
// eps)) and shift are computed once per channel, by [32] generics, and read
// broadcast by ONE generic over the image that applies x * scale + shift
// and the relu: no sqrt or divide per pixel.
// CHECK-LABEL: func.func @batchnorm_relu(
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]}
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: } -> tensor<32xf32>
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins({{.*}}, %[[SCALE]] : tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SCALE]], %[[SHIFT]] : tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>)
// CHECK-NOT: math.sqrt
// CHECK-NOT: arith.divf
// CHECK: arith.maximumf
// CHECK: return %[[Y]]
func.func @batchnorm_relu(%x: tensor<?x32x14x14xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>, %m: tensor<32xf32>, %v: tensor<32xf32>) -> tensor<?x32x14x14xf32> {
  %0 = nn.batchnorm %x, %g, %b, %m, %v {eps = 1.000000e-03 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
  %1 = nn.relu %0 : tensor<?x32x14x14xf32>
  return %1 : tensor<?x32x14x14xf32>
}

// -----

// relu after 2x2 max pooling (where nn's canonicalization puts it): no
// generic of its own; the pooling's maxima start from 0 instead of -inf.
// CHECK-LABEL: func.func @relu_of_maxpool(
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x3x4x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[IN]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[M]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[P]]
func.func @relu_of_maxpool(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32> {
  %0 = nn.maxpool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
  %1 = nn.relu %0 : tensor<?x3x4x4xf32>
  return %1 : tensor<?x3x4x4xf32>
}

// -----

// A cheap elementwise op (a subtraction) read by two consumers, an
// elementwise one and a reduction (batchnorm's centred input in training):
// recomputed in both instead of written and read back (no generic is left
// that computes it alone). An op with a division stays one op of its own.
#id2 = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @cheap_shared(
// CHECK-NOT: linalg.generic
// CHECK: %[[E:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.subf
// CHECK-NEXT: arith.mulf
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.subf
// CHECK-NEXT: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]], %[[R]]
func.func @cheap_shared(%x: tensor<8x16xf32>, %y: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x16xf32>
  %d = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<8x16xf32>, tensor<8x16xf32>) outs(%e0 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  %e1 = tensor.empty() : tensor<8x16xf32>
  %sq = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<8x16xf32>) outs(%e1 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%d : tensor<8x16xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %a, %acc : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  return %sq, %sum : tensor<8x16xf32>, tensor<8xf32>
}

// -----

#id2b = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @divide_shared(
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// CHECK-NEXT: linalg.yield
func.func @divide_shared(%x: tensor<8x16xf32>, %y: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %e0 = tensor.empty() : tensor<8x16xf32>
  %d = linalg.generic {indexing_maps = [#id2b, #id2b, #id2b], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<8x16xf32>, tensor<8x16xf32>) outs(%e0 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.divf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  %e1 = tensor.empty() : tensor<8x16xf32>
  %sq = linalg.generic {indexing_maps = [#id2b, #id2b], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<8x16xf32>) outs(%e1 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %ng = linalg.generic {indexing_maps = [#id2b, #id2b], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<8x16xf32>) outs(%e2 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8x16xf32>
  return %sq, %ng : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// The same sharing on the rows of a product seen through a reshape (a dense
// layer on [N, T, F]). A multiplication by a second full tensor (the GELU
// derivative times the layer's input gradient) read by an elementwise op
// and a reduction (its bias gradient) stays one op of its own: recomputed,
// both would read the product and the second tensor, and the product would
// be stored raw for them. An addition of a broadcast bias is still
// recomputed in both of its consumers.
#id3 = affine_map<(n, t, f) -> (n, t, f)>
#col3 = affine_map<(n, t, f) -> (f)>
// CHECK-LABEL: func.func @product_times_shared(
// CHECK-SAME: %{{[a-z0-9]+}}: tensor<8x4xf32>, %{{[a-z0-9]+}}: tensor<4x16xf32>, %[[G:[a-z0-9]+]]: tensor<2x4x16xf32>
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MM]]
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[E]], %[[G]] : tensor<2x4x16xf32>, tensor<2x4x16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
// CHECK: linalg.generic {{.*}} ins(%[[D]] : tensor<2x4x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[D]] : tensor<2x4x16xf32>)
// CHECK-LABEL: func.func @product_plus_bias_shared(
// CHECK: %[[MM2:.*]] = linalg.matmul
// CHECK: %[[E2:.*]] = tensor.expand_shape %[[MM2]]
// CHECK: linalg.generic {{.*}} ins(%[[E2]], %{{.*}} : tensor<2x4x16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%[[E2]], %{{.*}} : tensor<2x4x16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.addf
func.func @product_times_shared(%x: tensor<8x4xf32>, %w: tensor<4x16xf32>, %g: tensor<2x4x16xf32>) -> (tensor<2x4x16xf32>, tensor<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
  %rows = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 4, 16] : tensor<8x16xf32> into tensor<2x4x16xf32>
  %e0 = tensor.empty() : tensor<2x4x16xf32>
  %d = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%rows, %g : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%e0 : tensor<2x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<2x4x16xf32>
  %e1 = tensor.empty() : tensor<2x4x16xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%d : tensor<2x4x16xf32>) outs(%e1 : tensor<2x4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<2x4x16xf32>
  %e2 = tensor.empty() : tensor<16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #col3], iterator_types = ["reduction", "reduction", "parallel"]} ins(%d : tensor<2x4x16xf32>) outs(%f2 : tensor<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %a, %acc : f32
    linalg.yield %t : f32
  } -> tensor<16xf32>
  return %sq, %sum : tensor<2x4x16xf32>, tensor<16xf32>
}
func.func @product_plus_bias_shared(%x: tensor<8x4xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) -> (tensor<2x4x16xf32>, tensor<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
  %rows = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 4, 16] : tensor<8x16xf32> into tensor<2x4x16xf32>
  %e0 = tensor.empty() : tensor<2x4x16xf32>
  %d = linalg.generic {indexing_maps = [#id3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%rows, %b : tensor<2x4x16xf32>, tensor<16xf32>) outs(%e0 : tensor<2x4x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x4x16xf32>
  %e1 = tensor.empty() : tensor<2x4x16xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%d : tensor<2x4x16xf32>) outs(%e1 : tensor<2x4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<2x4x16xf32>
  %e2 = tensor.empty() : tensor<16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #col3], iterator_types = ["reduction", "reduction", "parallel"]} ins(%d : tensor<2x4x16xf32>) outs(%f2 : tensor<16xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %a, %acc : f32
    linalg.yield %t : f32
  } -> tensor<16xf32>
  return %sq, %sum : tensor<2x4x16xf32>, tensor<16xf32>
}

// -----

// A transpose of a collapsed plane ([F, OH * OW] read as [OH * OW, F], a
// convolution's output gradient in its weight gradient) keeps its two dims:
// folding the collapse into it would make it [F, OH, OW] -> [OH, OW, F],
// whose 14-float rows nnc-vectorize-ops cannot cut into square blocks.
// CHECK-LABEL: func.func @transpose_of_plane(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<64x14x14xf32>
// CHECK: %[[P:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<64x14x14xf32> into tensor<64x196xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[P]] : tensor<64x196xf32>) outs(%{{.*}} : tensor<196x64xf32>) permutation = [1, 0]
// CHECK: return %[[T]]
func.func @transpose_of_plane(%x: tensor<64x14x14xf32>) -> tensor<196x64xf32> {
  %p = nn.reshape %x {shape = array<i64: 64, 196>} : (tensor<64x14x14xf32>) -> tensor<64x196xf32>
  %t = nn.transpose %p {perm = array<i64: 1, 0>} : (tensor<64x196xf32>) -> tensor<196x64xf32>
  return %t : tensor<196x64xf32>
}

// -----

// A generic whose payload ignores its init gets a tensor.empty init from
// linalg's fusion patterns (RemoveOutsDependency); where its result is then
// inserted into a slice of a tensor that exists before it, the init becomes
// that slice again, so that bufferization writes in place. Here both
// results go into the step's row of one sequence: the second insert's
// destination is the first insert, defined after the second generic, so its
// slice is taken of the tensor that first insert wrote into.
// CHECK-LABEL: func.func @init_from_inserted_slice(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<8x4xf32>, %[[B:[a-z0-9]+]]: tensor<8x4xf32>, %[[SEQ:[a-z0-9]+]]: tensor<8x3x8xf32>, %[[T:[a-z0-9]+]]: index
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[SEQ]][0, %[[T]], 0] [8, 1, 4] [1, 1, 1] : tensor<8x3x8xf32> to tensor<8x4xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} outs(%[[S0]] : tensor<8x4xf32>)
// CHECK: arith.addf
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[SEQ]][0, %[[T]], 4] [8, 1, 4] [1, 1, 1] : tensor<8x3x8xf32> to tensor<8x4xf32>
// CHECK: %[[PROD:.*]] = linalg.generic {{.*}} outs(%[[S1]] : tensor<8x4xf32>)
// CHECK: arith.mulf
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[SUM]] into %[[SEQ]][0, %[[T]], 0]
// CHECK: tensor.insert_slice %[[PROD]] into %[[I0]][0, %[[T]], 4]
// CHECK-NOT: tensor.empty
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @init_from_inserted_slice(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>, %seq: tensor<8x3x8xf32>, %t: index) -> tensor<8x3x8xf32> {
  %s = tensor.extract_slice %seq[0, %t, 0] [8, 1, 4] [1, 1, 1] : tensor<8x3x8xf32> to tensor<8x4xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<8x4xf32>, tensor<8x4xf32>) outs(%s : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %e = tensor.empty() : tensor<8x4xf32>
  %prod = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %i0 = tensor.insert_slice %sum into %seq[0, %t, 0] [8, 1, 4] [1, 1, 1] : tensor<8x4xf32> into tensor<8x3x8xf32>
  %i1 = tensor.insert_slice %prod into %i0[0, %t, 4] [8, 1, 4] [1, 1, 1] : tensor<8x4xf32> into tensor<8x3x8xf32>
  return %i1 : tensor<8x3x8xf32>
}

// -----

// A cheap op whose result a matmul reads (so it is written anyway): not
// recomputed in an elementwise consumer that would read its full-size input
// instead of its result (a softmax's e * (1 / sum) read by the value product
// and by the softmax gradient: e would be kept for the gradient alone). A
// consumer that reads that input already still gets it fused.
#id2c = affine_map<(i, j) -> (i, j)>
#rowc = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @cheap_feeding_matmul(
// CHECK-SAME: %[[E:[a-z0-9]+]]: tensor<8x8xf32>, %[[R:[a-z0-9]+]]: tensor<8xf32>, %[[G:[a-z0-9]+]]: tensor<8x8xf32>
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[E]], %[[R]] : tensor<8x8xf32>, tensor<8xf32>)
// CHECK: linalg.matmul ins(%[[P]], %[[G]]
// CHECK: linalg.generic {{.*}} ins(%[[G]], %[[P]] : tensor<8x8xf32>, tensor<8x8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
// CHECK: linalg.generic {{.*}} ins(%[[E]], %[[R]] : tensor<8x8xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
func.func @cheap_feeding_matmul(%e: tensor<8x8xf32>, %r: tensor<8xf32>, %g: tensor<8x8xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x8xf32>
  %p = linalg.generic {indexing_maps = [#id2c, #rowc, #id2c], iterator_types = ["parallel", "parallel"]} ins(%e, %r : tensor<8x8xf32>, tensor<8xf32>) outs(%e0 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %mm = linalg.matmul ins(%p, %g : tensor<8x8xf32>, tensor<8x8xf32>) outs(%f : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e1 = tensor.empty() : tensor<8x8xf32>
  %d = linalg.generic {indexing_maps = [#id2c, #id2c, #id2c], iterator_types = ["parallel", "parallel"]} ins(%g, %p : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x8xf32>
  %e2 = tensor.empty() : tensor<8x8xf32>
  %s = linalg.generic {indexing_maps = [#id2c, #id2c, #id2c], iterator_types = ["parallel", "parallel"]} ins(%e, %p : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e2 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x8xf32>
  return %mm, %d, %s : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}
