"""Exports one PyTorch twin of bench/torch_models.py (eval mode, seed 0)
with torch.onnx.export and saves 6 input rows and PyTorch's outputs.

usage: export_twin.py NAME OUT.onnx INPUTS.npy OUTPUTS.npy
"""
import sys

import numpy as np
import torch

from twins import INPUTS, twin

name, onnx_path, x_path, y_path = sys.argv[1:]
input_name, shape = INPUTS[name]
module = twin(name, 0)
x = torch.rand(6, *shape)
torch.onnx.export(module, x, onnx_path, opset_version=13,
                  input_names=[input_name], output_names=["logits"],
                  dynamic_axes={input_name: {0: "N"}, "logits": {0: "N"}},
                  training=torch.onnx.TrainingMode.PRESERVE)
with torch.no_grad():
    np.save(y_path, module(x).numpy())
np.save(x_path, x.numpy())
