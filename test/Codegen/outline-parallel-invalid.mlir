// nnc-outline-parallel runs on buffers: a forall on tensors is an error.
// RUN: nnc-opt %s --nnc-outline-parallel -verify-diagnostics
func.func @tensors(%t: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{nnc-outline-parallel: expected a forall on buffers (run after bufferization)}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %t) -> (tensor<4xf32>) {
    scf.forall.in_parallel {
    }
  }
  return %r : tensor<4xf32>
}
