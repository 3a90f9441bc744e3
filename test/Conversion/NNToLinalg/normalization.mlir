// Normalization lowered by nnc-convert-nn-to-linalg. layernorm: mean and
// biased variance over the last axis (two reductions, each divided by the
// static count), rstd = 1 / sqrt(var + eps) per row, then one generic
// (x - mean) * rstd * gamma + beta (no square root or division per element).
// batchnorm (inference): scale = gamma / sqrt(var + eps) and shift = beta -
// mean * scale on the channels, then one generic x * scale + shift reading
// them per channel (d1). batchnorm_train: per-feature batch statistics (count
// = the dynamic batch from tensor.dim), the same scale, shift and generic, and the
// running updates (1 - m) * running + m * stat, with the unbiased variance
// n / max(n - 1, 1) for the running variance.
// RUN: nnc-opt %s --nnc-convert-nn-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[FEAT:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layernorm(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16x64xf32>, %[[G:[a-z0-9]+]]: tensor<64xf32>, %[[B:[a-z0-9]+]]: tensor<64xf32>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[CNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<?x16x64xf32>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x16xf32>)
// CHECK: arith.divf %{{.*}}, %[[CNT]]
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] :
// CHECK: %[[D:.*]] = arith.subf
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: arith.addf %[[D2]]
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<?x16xf32>)
// CHECK: arith.divf %{{.*}}, %[[CNT]]
// CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[VAR]] : tensor<?x16xf32>)
// CHECK-NEXT: ^bb0(%[[VI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-NEXT: %[[VE:.*]] = arith.addf %[[VI]], %[[EPS]]
// CHECK-NEXT: %[[SD:.*]] = math.sqrt %[[VE]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[ONE]], %[[SD]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]], #[[ROWS]], #[[FEAT]], #[[FEAT]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[MEAN]], %[[RSTD]], %[[G]], %[[B]] :
// CHECK-NEXT: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[RI:.*]]: f32, %[[GI:.*]]: f32, %[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[C:.*]] = arith.subf %[[XI]], %[[MI]]
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[C]], %[[RI]]
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[N]], %[[GI]]
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[S]], %[[BI]]
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK: return %[[Y]]
func.func @layernorm(%x: tensor<?x16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x16x64xf32> {
  %0 = nn.layernorm %x, %g, %b {eps = 1.0e-5 : f32} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
  return %0 : tensor<?x16x64xf32>
}

// -----

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batchnorm_infer(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x32x14x14xf32>, %[[G:[a-z0-9]+]]: tensor<32xf32>, %[[B:[a-z0-9]+]]: tensor<32xf32>, %[[M:[a-z0-9]+]]: tensor<32xf32>, %[[V:[a-z0-9]+]]: tensor<32xf32>
// CHECK-NOT: "reduction"
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[V]], %[[G]] : tensor<32xf32>, tensor<32xf32>)
// CHECK-NEXT: ^bb0(%[[VI:.*]]: f32, %[[GI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK-NEXT: %[[VE:.*]] = arith.addf %[[VI]], %[[EPS]]
// CHECK-NEXT: %[[SD:.*]] = math.sqrt %[[VE]]
// CHECK-NEXT: arith.divf %[[GI]], %[[SD]]
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[M]], %[[SCALE]] : tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
// CHECK-NEXT: ^bb0(%[[BI:.*]]: f32, %[[MI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[MS:.*]] = arith.mulf %[[MI]], %[[SI]]
// CHECK-NEXT: arith.subf %[[BI]], %[[MS]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[SCALE]], %[[SHIFT]] :
// CHECK-NEXT: ^bb0(%[[XI:.*]]: f32, %[[SCI:.*]]: f32, %[[SHI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %[[XI]], %[[SCI]]
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[XS]], %[[SHI]]
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK: return %[[Y]]
func.func @batchnorm_infer(%x: tensor<?x32x14x14xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>, %m: tensor<32xf32>, %v: tensor<32xf32>) -> tensor<?x32x14x14xf32> {
  %0 = nn.batchnorm %x, %g, %b, %m, %v {eps = 1.000000e-03 : f32} : (tensor<?x32x14x14xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x32x14x14xf32>
  return %0 : tensor<?x32x14x14xf32>
}

// -----

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[FEAT:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @batchnorm_train(
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x32xf32>, %[[G:[a-z0-9]+]]: tensor<32xf32>, %[[B:[a-z0-9]+]]: tensor<32xf32>, %[[RM:[a-z0-9]+]]: tensor<32xf32>, %[[RV:[a-z0-9]+]]: tensor<32xf32>
// The count is the dynamic batch.
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x32xf32>
// CHECK: %[[NI:.*]] = arith.muli %{{.*}}, %[[N]] : index
// CHECK: %[[NC:.*]] = arith.index_cast %[[NI]] : index to i64
// CHECK: %[[CNT:.*]] = arith.sitofp %[[NC]] : i64 to f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEAT]]], iterator_types = ["reduction", "parallel"]} ins(%[[X]] : tensor<?x32xf32>) outs(%{{.*}} : tensor<32xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<32xf32>)
// CHECK: arith.divf %{{.*}}, %[[CNT]]
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEAT]], #[[FEAT]]], iterator_types = ["reduction", "parallel"]} ins(%[[X]], %[[MEAN]] :
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<32xf32>)
// CHECK: arith.divf %{{.*}}, %[[CNT]]
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[VAR]], %[[G]] : tensor<32xf32>, tensor<32xf32>)
// CHECK: math.sqrt
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[MEAN]], %[[SCALE]] : tensor<32xf32>, tensor<32xf32>, tensor<32xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEAT]], #[[FEAT]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[SCALE]], %[[SHIFT]] :
// Bessel's correction: n / max(n - 1, 1).
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[NM1:.*]] = arith.subf %[[CNT]], %[[ONE]] : f32
// CHECK: %[[DEN:.*]] = arith.maximumf %[[NM1]], %[[ONE]] : f32
// CHECK: %[[BESSEL:.*]] = arith.divf %[[CNT]], %[[DEN]] : f32
// running_mean: 0.8 * rm + 0.2 * mean
// CHECK: %[[NRM:.*]] = linalg.generic {{.*}} ins(%[[RM]], %[[MEAN]] : tensor<32xf32>, tensor<32xf32>)
// CHECK: arith.constant 8.000000e-01
// CHECK: arith.constant 2.000000e-01
// running_var: 0.8 * rv + 0.2 * var * n / (n - 1)
// CHECK: %[[NRV:.*]] = linalg.generic {{.*}} ins(%[[RV]], %[[VAR]] : tensor<32xf32>, tensor<32xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %[[VI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[VI]], %[[BESSEL]] : f32
// CHECK: return %[[Y]], %[[NRM]], %[[NRV]]
func.func @batchnorm_train(%x: tensor<?x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>, %m: tensor<32xf32>, %v: tensor<32xf32>) -> (tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>) {
  %0:3 = nn.batchnorm_train %x, %g, %b, %m, %v {momentum = 2.000000e-01 : f32} : (tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>)
  return %0#0, %0#1, %0#2 : tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>
}

// -----

// nn.replica_sum: copied into a fresh 1-D buffer, summed in place by the
// model shim's nnc_rt_replica_sum(instance, buffer) (the instance is the
// nn.replicas scalar), read back as the result.
// CHECK: func.func private @nnc_rt_replica_sum(i64, memref<?xf32>)
// CHECK-LABEL: func.func @replica_sum
func.func @replica_sum(%x: tensor<2x6xf32>, %r: tensor<i64>) -> tensor<2x6xf32> {
  // CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  // CHECK: %[[BUF:.*]] = memref.alloc() : memref<12xf32>
  // CHECK: bufferization.materialize_in_destination %[[FLAT]] in restrict writable %[[BUF]]
  // CHECK: %[[INST:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
  // CHECK: %[[DYN:.*]] = memref.cast %[[BUF]] : memref<12xf32> to memref<?xf32>
  // CHECK: call @nnc_rt_replica_sum(%[[INST]], %[[DYN]])
  // CHECK: %[[SUM:.*]] = bufferization.to_tensor %[[BUF]] restrict writable
  // CHECK: tensor.expand_shape %[[SUM]] {{\[\[}}0, 1]] output_shape [2, 6]
  %0 = nn.replica_sum %x, %r : (tensor<2x6xf32>, tensor<i64>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// batchnorm_train over the replicas: [sum x, count] in one replica sum, then
// the squared deviations from the global mean in a second one.
// CHECK-LABEL: func.func @batchnorm_train_replicas
func.func @batchnorm_train_replicas(%x: tensor<?x4xf32>, %g: tensor<4xf32>, %r: tensor<i64>) -> (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0] [4] [1] : tensor<4xf32> into tensor<5xf32>
  // CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}] : tensor<5xf32>
  // CHECK: call @nnc_rt_replica_sum
  // CHECK: tensor.extract_slice %{{.*}}[0] [4] [1] : tensor<5xf32> to tensor<4xf32>
  // CHECK: call @nnc_rt_replica_sum
  // CHECK-NOT: call @nnc_rt_replica_sum
  // CHECK: return
  %0:3 = nn.batchnorm_train %x, %g, %g, %g, %g, %r : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>) -> (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %0#0, %0#1, %0#2 : tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>
}
