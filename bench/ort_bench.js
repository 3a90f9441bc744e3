// Checks ONNX Runtime on an exported twin against nnc and PyTorch, then
// times it the way nnc-bench timed nnc.
//
// Usage: node bench/ort_bench.js DIR NAME [RTOL] [THREADS]  (NAME: the
// benchmark's; THREADS: intra-op threads, default 1)
// DIR is an nnc-bench predict directory after bench/onnx_export.py: it holds
// nnc.json (tensor names, warm-up and iteration counts, nnc's times),
// input.<name>.npy, output.<name>.npy (nnc's outputs), torch_output.<name>.npy
// (the twin's) and model.onnx. onnxruntime-node is found through NODE_PATH
// (bench/common.sh installs it under the build directory). The session runs
// on THREADS intra-op and 1 inter-op thread, sequential execution, all graph
// optimizations. Each output must satisfy max|ort - ref| / max|ref| <= RTOL
// (default 1e-4) for ref = nnc and ref = PyTorch; then W warm-up and N timed
// runs (W, N from nnc.json), written to DIR/ort.json. Exit status: 0
// agreement, 1 mismatch, 2 any other error.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(message) {
  console.error(`ort_bench: ${message}`);
  process.exit(2);
}

const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array],
};

// Reads a little-endian C-order .npy file (versions 1 to 3).
function readNpy(file) {
  const raw = fs.readFileSync(file);
  if (raw.toString('latin1', 1, 6) !== 'NUMPY') fail(`${file}: not a .npy`);
  const major = raw[6];
  const headerLen = major === 1 ? raw.readUInt16LE(8) : raw.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = raw.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header) ||
      !DTYPES[descr[1]])
    fail(`${file}: unsupported .npy header ${header.trim()}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s)
      .map(Number);
  const [type, Array_] = DTYPES[descr[1]];
  const offset = start + headerLen;
  // copied, so that the typed array is aligned
  const bytes = raw.buffer.slice(raw.byteOffset + offset,
                                 raw.byteOffset + raw.length);
  return { type, dims, data: new Array_(bytes) };
}

// max|got - want| / max|want| (0 when both are zero).
function maxError(got, want) {
  if (got.data.length !== want.data.length ||
      got.dims.join() !== want.dims.join())
    return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < want.data.length; ++i) {
    diff = Math.max(diff, Math.abs(Number(got.data[i]) - Number(want.data[i])));
    scale = Math.max(scale, Math.abs(Number(want.data[i])));
  }
  if (Number.isNaN(diff)) return Infinity;
  return scale ? diff / scale : (diff === 0 ? 0 : Infinity);
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]
               : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function main() {
  const [dir, name] = process.argv.slice(2, 4);
  const rtol = Number(process.argv[4] || '1e-4');
  const threads = Number(process.argv[5] || '1');
  if (!dir || !name) fail('usage: node ort_bench.js DIR NAME [RTOL] [THREADS]');
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node (NODE_PATH=${process.env.NODE_PATH}): ` +
         e.message);
  }
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'nnc.json'), 'utf8'));
  const session = await ort.InferenceSession.create(
      path.join(dir, 'model.onnx'), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
  const feeds = {};
  for (const name of run.inputs) {
    const t = readNpy(path.join(dir, `input.${name}.npy`));
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  }
  for (const name of session.inputNames)
    if (!feeds[name]) fail(`the ONNX model has an input '${name}' nnc has not`);

  const got = await session.run(feeds);
  let good = true;
  for (const [refName, prefix] of [['nnc', 'output'],
                                   ['PyTorch', 'torch_output']]) {
    let worst = 0, worstName = '';
    for (const name of run.outputs) {
      if (!got[name]) fail(`ONNX Runtime gave no output '${name}'`);
      const err = maxError(got[name],
                           readNpy(path.join(dir, `${prefix}.${name}.npy`)));
      if (err > worst || !worstName) [worst, worstName] = [err, name];
    }
    const ok = worst <= rtol;
    good = good && ok;
    console.log(`  check ONNX Runtime vs ${refName}: max relative error ` +
                `${worst.toExponential(2)} (${worstName}), tolerance ` +
                `${rtol}: ${ok ? 'ok' : 'MISMATCH'}`);
  }
  if (!good) return 1;

  for (let i = 0; i < run.warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < run.iters; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const med = median(times), best = times[0];
  fs.writeFileSync(path.join(dir, 'ort.json'), JSON.stringify({
    version: ort.env.versions ? ort.env.versions.common : 'unknown',
    median_ms: med, best_ms: best, iters: run.iters, warmup: run.warmup,
    threads,
  }) + '\n');
  const ratio = run.median_ms / med, bestRatio = run.best_ms / best;
  const ms = (t) => t.toFixed(3);
  console.log(`  RESULT ${name} ${run.mode} batch ${run.batch}: nnc ` +
              `${ms(run.median_ms)} ms (best ${ms(run.best_ms)}), ` +
              `onnxruntime ${ms(med)} ms (best ${ms(best)}) on ${threads} ` +
              `thread${threads > 1 ? 's' : ''}: nnc/ort = ` +
              `${ratio.toFixed(2)} (best ` +
              `${bestRatio.toFixed(2)}; ` +
              `${ratio < 1 ? 'nnc faster' : 'nnc slower'}` +
              `; medians of ${run.iters} after ${run.warmup} warm-up)`);
  return 0;
}

main().then((rc) => process.exit(rc), (e) => fail(e.stack || String(e)));
