// nnc-gpu-sink-scalars: a scalar the host computes from the call's read-only
// scalar arguments (here Adam-like: lr * sqrt(1 - b^step)) is recomputed in
// the kernel, and the host's loads die; shape arithmetic stays on the host,
// and so does a load of an argument something writes.
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-gpu-sink-scalars))" | FileCheck %s --check-prefix=SINK
//
// nnc-gpu-async: one stream per host function, launches and kernel-only
// temporaries ordered on it, a wait only before the host touches memory and
// at the return; nn.graph_safe only without any host memory access.
// RUN: nnc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(nnc-gpu-async))" | FileCheck %s --check-prefix=ASYNC

// SINK-LABEL: func.func @adam_like
// SINK-NOT: memref.load
// SINK: %[[N:.*]] = arith.index_cast %{{.*}} : index to i64
// SINK: gpu.launch
// SINK-DAG: memref.load %arg1[] : memref<f64>
// SINK-DAG: memref.load %arg2[] : memref<f64>
// SINK-DAG: memref.load %arg3[] : memref<i64>
// SINK: math.powf
// SINK: math.sqrt
// SINK: arith.truncf
// SINK: memref.store
// SINK: gpu.terminator
// A load of an argument a kernel writes stays on the host.
// SINK: %[[KEPT:.*]] = memref.load %arg4[] : memref<f32>
// SINK: gpu.launch
// SINK: memref.store %[[KEPT]], %arg4[]
func.func @adam_like(%out: memref<?xf32>, %lr: memref<f64>, %beta: memref<f64>,
                     %step: memref<i64>, %written: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %n = memref.dim %out, %c0 : memref<?xf32>
  %ni = arith.index_cast %n : index to i64
  %a = memref.load %lr[] : memref<f64>
  %b = memref.load %beta[] : memref<f64>
  %t = memref.load %step[] : memref<i64>
  %tf = arith.sitofp %t : i64 to f64
  %bt = math.powf %b, %tf : f64
  %c = arith.subf %one, %bt : f64
  %s = math.sqrt %c : f64
  %m = arith.mulf %a, %s : f64
  %f = arith.truncf %m : f64 to f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %f, %out[%bx] : memref<?xf32>
    gpu.terminator
  }
  %w = memref.load %written[] : memref<f32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %w, %written[] : memref<f32>
    gpu.terminator
  }
  return
}

// -----

// ASYNC-LABEL: func.func @chain
// ASYNC-SAME: nn.graph_safe
// ASYNC: %[[S:.*]] = gpu.wait async
// ASYNC: %[[T:.*]], %{{.*}} = gpu.alloc async [%[[S]]] (%{{.*}}) : memref<?xf32>
// ASYNC: gpu.launch_func async [%[[S]]] @k::@fill
// ASYNC-NOT: gpu.wait
// ASYNC: gpu.launch_func async [%[[S]]] @k::@scale {{.*}}args(%[[T]] : memref<?xf32>, %arg0
// ASYNC-NOT: gpu.wait
// ASYNC: gpu.dealloc async [%[[S]]] %[[T]]
// ASYNC-NEXT: gpu.wait [%[[S]]]
// ASYNC-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @fill(%a: memref<?xf32>) kernel { gpu.return }
    gpu.func @scale(%a: memref<?xf32>, %b: memref<?xf32>) kernel { gpu.return }
    gpu.func @sum(%a: memref<?xf32>, %b: memref<f32>) kernel { gpu.return }
  }
  func.func @chain(%out: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %out, %c0 : memref<?xf32>
    %tmp = memref.alloc(%n) : memref<?xf32>
    gpu.launch_func @k::@fill blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%tmp : memref<?xf32>)
    gpu.launch_func @k::@scale blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%tmp : memref<?xf32>, %out : memref<?xf32>)
    memref.dealloc %tmp : memref<?xf32>
    return
  }
}
// -----

// A scalar the host reads back (a norm for clipping) stays managed memory
// (memref.alloc), the host waits before reading it and before freeing it,
// and the function is not graph-safe. Loads of read-only arguments need no
// wait.
// ASYNC-LABEL: func.func @host_reads
// ASYNC-NOT: nn.graph_safe
// ASYNC: %[[S:.*]] = gpu.wait async
// ASYNC: %[[NORM:.*]] = memref.alloc() : memref<f32>
// ASYNC: gpu.launch_func async [%[[S]]] @k::@sum
// ASYNC-NOT: gpu.wait
// ASYNC: memref.load %arg1[]
// ASYNC-NEXT: gpu.wait [%[[S]]]
// ASYNC-NEXT: memref.load %[[NORM]][]
// ASYNC-NOT: gpu.wait
// ASYNC: gpu.launch_func async [%[[S]]] @k::@scale
// ASYNC-NEXT: gpu.wait [%[[S]]]
// ASYNC-NEXT: memref.dealloc %[[NORM]]
// ASYNC-NEXT: gpu.wait [%[[S]]]
// ASYNC-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @fill(%a: memref<?xf32>) kernel { gpu.return }
    gpu.func @scale(%a: memref<?xf32>, %b: memref<?xf32>) kernel { gpu.return }
    gpu.func @sum(%a: memref<?xf32>, %b: memref<f32>) kernel { gpu.return }
  }
  func.func @host_reads(%x: memref<?xf32>, %max: memref<f32>) -> f32 {
    %c1 = arith.constant 1 : index
    %norm = memref.alloc() : memref<f32>
    gpu.launch_func @k::@sum blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<?xf32>, %norm : memref<f32>)
    %m = memref.load %max[] : memref<f32>
    %v = memref.load %norm[] : memref<f32>
    %r = arith.divf %m, %v : f32
    gpu.launch_func @k::@scale blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<?xf32>, %x : memref<?xf32>)
    memref.dealloc %norm : memref<f32>
    return %r : f32
  }
}
// -----

// Loop-carried temporaries (a recurrent state) that only kernels touch are
// stream-ordered too, and a loop of launches has no wait inside.
// ASYNC-LABEL: func.func @recurrent
// ASYNC-SAME: nn.graph_safe
// ASYNC: %[[S:.*]] = gpu.wait async
// ASYNC: gpu.alloc async [%[[S]]] ()
// ASYNC: scf.for
// ASYNC-NOT: gpu.wait
// ASYNC: gpu.alloc async [%[[S]]] ()
// ASYNC: gpu.launch_func async [%[[S]]] @k::@step
// ASYNC: gpu.dealloc async [%[[S]]]
// ASYNC: scf.yield
// ASYNC: gpu.dealloc async [%[[S]]]
// ASYNC-NEXT: gpu.wait [%[[S]]]
// ASYNC-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @step(%a: memref<4xf32>, %b: memref<4xf32>) kernel { gpu.return }
  }
  func.func @recurrent() {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %h0 = memref.alloc() : memref<4xf32>
    %h = scf.for %i = %c0 to %c8 step %c1 iter_args(%prev = %h0) -> (memref<4xf32>) {
      %next = memref.alloc() : memref<4xf32>
      gpu.launch_func @k::@step blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%prev : memref<4xf32>, %next : memref<4xf32>)
      memref.dealloc %prev : memref<4xf32>
      scf.yield %next : memref<4xf32>
    }
    memref.dealloc %h : memref<4xf32>
    return
  }
}
