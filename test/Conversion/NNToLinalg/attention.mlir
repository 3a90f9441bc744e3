// nn.self_attention lowered by nnc-convert-nn-to-linalg: one linalg.matmul
// for the fused q/k/v input projection on [batch * seq, dim], q, k and v
// sliced at columns 0/64/128 and split into heads ([batch * heads, seq,
// head_dim] through expand, transpose, collapse), q scaled by
// 1/sqrt(head_dim), scores with linalg.batch_matmul against k^T, the causal
// mask (key > query -> -inf) in one generic, the row softmax, a second
// batch_matmul with v, the heads merged back and the output projection.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @causal(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16x64xf32>, %[[IPW:[a-z0-9]+]]: tensor<192x64xf32>, %[[IPB:[a-z0-9]+]]: tensor<192xf32>, %[[OPW:[a-z0-9]+]]: tensor<64x64xf32>, %[[OPB:[a-z0-9]+]]: tensor<64xf32>
// CHECK: %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x16x64xf32> into tensor<?x64xf32>
// CHECK: %[[QKV:.*]] = linalg.matmul ins(%[[XC]], %{{.*}} : tensor<?x64xf32>, tensor<64x192xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[QKV]], %[[IPB]] : tensor<?x192xf32>, tensor<192xf32>)
// CHECK: %[[P:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 16, 192]
// Heads: q = columns 0..63, k = 64..127, v = 128..191.
// CHECK: tensor.extract_slice %[[P]][0, 0, 0] [%{{.*}}, 16, 64]
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [%{{.*}}, 16, 4, 16] : tensor<?x16x64xf32> into tensor<?x16x4x16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x16x4x16xf32>) outs(%{{.*}} : tensor<?x4x16x16xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[QH:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<?x4x16x16xf32> into tensor<?x16x16xf32>
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[QH]] : tensor<?x16x16xf32>)
// CHECK-NEXT: ^bb0(%[[QIN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-NEXT: arith.mulf %[[QIN]], %[[SCALE]]
// CHECK: tensor.extract_slice %[[P]][0, 0, 64] [%{{.*}}, 16, 64]
// CHECK: %[[K:.*]] = tensor.collapse_shape
// CHECK: tensor.extract_slice %[[P]][0, 0, 128] [%{{.*}}, 16, 64]
// CHECK: %[[V:.*]] = tensor.collapse_shape
// CHECK: %[[KT:.*]] = linalg.transpose ins(%[[K]] : tensor<?x16x16xf32>) outs(%{{.*}} : tensor<?x16x16xf32>) permutation = [0, 2, 1]
// CHECK: %[[S:.*]] = linalg.batch_matmul ins(%[[Q]], %[[KT]] : tensor<?x16x16xf32>, tensor<?x16x16xf32>)
// CHECK: %[[MASKED:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?x16x16xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[QI:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[KI:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[FUT:.*]] = arith.cmpi ugt, %[[KI]], %[[QI]] : index
// CHECK-NEXT: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: arith.select %[[FUT]], %[[NINF]], %[[IN]] : f32
// Softmax over the keys (d2).
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[MASKED]] :
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[MASKED]], %[[MAX]] :
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[EXP]] :
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: %[[PROB:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[INV]] :
// CHECK: %[[O:.*]] = linalg.batch_matmul ins(%[[PROB]], %[[V]] : tensor<?x16x16xf32>, tensor<?x16x16xf32>)
// CHECK: tensor.expand_shape %[[O]] {{\[}}[0, 1], [2], [3]] output_shape [%{{.*}}, 4, 16, 16]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x4x16x16xf32>) outs(%{{.*}} : tensor<?x16x4x16xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[OWT:.*]] = linalg.transpose ins(%[[OPW]] : tensor<64x64xf32>)
// CHECK: %[[OP:.*]] = linalg.matmul ins(%{{.*}}, %[[OWT]] : tensor<?x64xf32>, tensor<64x64xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[OP]], %[[OPB]] : tensor<?x64xf32>, tensor<64xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [%{{.*}}, 16, 64]
// CHECK: return %[[Y]]
func.func @causal(%x: tensor<?x16x64xf32>, %ipw: tensor<192x64xf32>, %ipb: tensor<192xf32>, %opw: tensor<64x64xf32>, %opb: tensor<64xf32>) -> tensor<?x16x64xf32> {
  %0 = nn.self_attention %x, %ipw, %ipb, %opw, %opb {heads = 4 : i64, causal = true} : (tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return %0 : tensor<?x16x64xf32>
}
