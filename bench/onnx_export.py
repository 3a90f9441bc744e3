"""Exports the PyTorch twin of an nnc-bench run to ONNX, for
bench/ort_bench.js.

Loads nnc's initial weights (DIR/params.safetensors) into the twin of
torch_models.py, in eval mode, and exports it with `torch.onnx.export`
(opset 17, the fixed batch of the run) on the inputs nnc-bench wrote, with
nnc's input and output names, to DIR/model.onnx. Also writes the twin's
outputs on those inputs (DIR/torch_output.<name>.npy), which ort_bench.js
checks ONNX Runtime against. Exit status: 0 exported, 3 the exporter
cannot export this model (the caller skips the ONNX Runtime column),
2 any other error.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

import torch_bench
import torch_models


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True,
                        choices=sorted(torch_models.SPECS))
    parser.add_argument("--dir", required=True, help="nnc-bench's OUT_DIR")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "nnc.json")) as f:
        run = json.load(f)
    module = torch_models.SPECS[args.model].module()
    torch_bench.load_into(module, torch_bench.read_safetensors(
        os.path.join(args.dir, "params.safetensors")))
    module.eval()
    inputs = torch_bench.load_npy(args.dir, "input", run["inputs"])
    with torch.no_grad():
        outputs = torch_bench.as_tuple(module(*inputs))
    for name, out in zip(run["outputs"], outputs):
        np.save(os.path.join(args.dir, f"torch_output.{name}.npy"),
                out.numpy())
    path = os.path.join(args.dir, "model.onnx")
    try:
        torch.onnx.export(module, tuple(inputs), path, opset_version=17,
                          input_names=run["inputs"],
                          output_names=run["outputs"])
    except Exception as e:  # the exporter's errors have no common base
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"torch.onnx.export cannot export {args.model}: "
              f"{type(e).__name__}: {first}")
        return 3
    return 0


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")  # the exporter's TracerWarnings
    sys.exit(main())
