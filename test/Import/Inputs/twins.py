"""The acceptance check of `nnc import` (issue 16): each PyTorch twin of
bench/torch_models.py, in eval mode with seeded random weights (batchnorm
running statistics too), is exported with torch.onnx.export, imported with
`nnc import`, compiled with nnc and run through the Python package; its
outputs must match PyTorch's within 1e-5 relative (max |nnc - torch| /
max |torch|), and the checkpoint nnc import wrote, read back through the
compiled model's state_dict, must load into the twin with load_state_dict
and give back every exported tensor bit for bit. The twins are exported
with training=PRESERVE, which in eval mode keeps BatchNormalization nodes
(inference); a twin with batchnorm is also exported with the default
settings, under which PyTorch folds each batchnorm into the convolution
before it: that import is checked for its outputs only (its weights are the
folded ones, which no longer fit the twin).

usage: twins.py WORKDIR NAME...   (NNC_BINARY: the nnc to test; the nnc
package and bench/ on PYTHONPATH)
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

import nnc
import torch_models

# Input name and per-sample shape of each twin's .nn model.
INPUTS = {
    "spiral": ("x", (2,)),
    "fashion_mlp": ("image", (784,)),
    "fashion_cnn": ("image", (1, 28, 28)),
    "fashion_cnn_nodropout": ("image", (1, 28, 28)),
    "lenet5": ("image", (1, 28, 28)),
    "lstm": ("seq", (32, 16)),
    "encoder": ("x", (64, 128)),
}
# LayerNormalization, which the encoder's layernorms need, is in opset 17.
OPSET = {"encoder": 17}
# The imported model has no blocks: the twin's submodule prefix is gone from
# the parameter names (`encoder1.ln1.weight` is `ln1.weight`).
PREFIX = {"encoder": "encoder1."}
TOLERANCE = 1e-5


class SeqGRU(torch.nn.Module):
    """seq -> gru(24) -> last -> dense(5)."""

    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(16, 24, batch_first=True)
        self.fc1 = torch.nn.Linear(24, 5)

    def forward(self, seq):
        return self.fc1(self.gru(seq)[0][:, -1])


class SeqRNNLSTM(torch.nn.Module):
    """seq -> rnn(12, activation = relu) -> lstm(10) -> last -> dense(5)."""

    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(16, 12, nonlinearity="relu", batch_first=True)
        self.lstm = torch.nn.LSTM(12, 10, batch_first=True)
        self.fc1 = torch.nn.Linear(10, 5)

    def forward(self, seq):
        return self.fc1(self.lstm(self.rnn(seq)[0])[0][:, -1])


class ViewCNN(torch.nn.Module):
    """The `x.view(x.size(0), -1)` idiom: Shape, Gather, Unsqueeze, Concat
    and Reshape in the graph, `flatten` in nnc."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3)
        self.fc1 = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.conv1(image)), 2)
        return self.fc1(x.view(x.size(0), -1))


class GeluMLP(torch.nn.Module):
    """dense -> gelu (exported as Div, Erf, Add, Mul, Mul) -> dense."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(6, 16)
        self.fc2 = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


# Models beyond bench/torch_models.py: more recurrent layers, view(), GELU.
EXTRA = {"gru": SeqGRU, "rnn_lstm": SeqRNNLSTM, "view_cnn": ViewCNN,
         "gelu_mlp": GeluMLP}
INPUTS.update({"gru": ("seq", (32, 16)), "rnn_lstm": ("seq", (20, 16)),
               "view_cnn": ("image", (1, 14, 14)), "gelu_mlp": ("x", (6,))})


def twin(name, seed):
    torch.manual_seed(seed)
    module = (EXTRA[name] if name in EXTRA
              else torch_models.SPECS[name].module)()
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.normal_(1.0, 0.2)
                m.bias.normal_(0.0, 0.2)
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.normal_(1.0, 0.2)
                m.bias.normal_(0.0, 0.2)
            if isinstance(m, torch.nn.MultiheadAttention):
                m.in_proj_bias.normal_(0.0, 0.2)
        if name == "encoder":
            # Two equal initializers: the exporter keeps one and makes the
            # other an Identity of it.
            enc = module.encoder1
            enc.attn1.out_proj.bias.copy_(enc.ln2.bias)
    return module.eval()


def export(module, x, path, input_name, opset, preserve):
    torch.onnx.export(module, x, path, opset_version=opset,
                      input_names=[input_name], output_names=["logits"],
                      dynamic_axes={input_name: {0: "N"}, "logits": {0: "N"}},
                      training=(torch.onnx.TrainingMode.PRESERVE if preserve
                                else torch.onnx.TrainingMode.EVAL))


def import_and_run(workdir, stem, module, x, input_name):
    """nnc import, compile, load, predict: (the model, max relative error)."""
    onnx_path = os.path.join(workdir, stem + ".onnx")
    nn_path = os.path.join(workdir, stem + ".nn")
    subprocess.run([os.environ["NNC_BINARY"], "import", onnx_path,
                    "-o", nn_path], check=True)
    model = nnc.compile(nn_path, out=os.path.join(workdir, stem + ".so"))
    model.load(os.path.join(workdir, stem + ".safetensors"))
    with torch.no_grad():
        expected = module(x).numpy()
    got = model.predict(**{input_name: x.numpy()})
    return model, float(np.abs(got - expected).max() / np.abs(expected).max())


def main(workdir, names):
    os.makedirs(workdir, exist_ok=True)
    worst = 0.0
    for seed, name in enumerate(names):
        input_name, shape = INPUTS[name]
        module = twin(name, seed)
        x = torch.rand(5, *shape)
        opset = OPSET.get(name, 13 if seed % 2 == 0 else 17)
        export(module, x, os.path.join(workdir, name + ".onnx"), input_name,
               opset, preserve=True)
        model, err = import_and_run(workdir, name, module, x, input_name)
        worst = max(worst, err)
        # The imported weights, named as nnc named them, into the twin.
        state = {PREFIX.get(name, "") + k: torch.from_numpy(v)
                 for k, v in model.state_dict().items()}
        reloaded = twin(name, seed + 100)
        missing, unexpected = reloaded.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        same = all(torch.equal(v, module.state_dict()[k])
                   for k, v in state.items())
        print(f"{name} opset {opset}: {len(state)} tensors, max relative "
              f"error {err:.1e}, load_state_dict missing {missing} "
              f"unexpected {unexpected} identical {same}")
        assert err <= TOLERANCE, f"{name}: {err} > {TOLERANCE}"
        assert not missing and not unexpected and same
        if any(isinstance(m, torch.nn.BatchNorm2d) for m in module.modules()):
            stem = name + "_folded"
            export(module, x, os.path.join(workdir, stem + ".onnx"),
                   input_name, opset, preserve=False)
            _, err = import_and_run(workdir, stem, module, x, input_name)
            worst = max(worst, err)
            print(f"{stem} opset {opset}: max relative error {err:.1e}")
            assert err <= TOLERANCE, f"{stem}: {err} > {TOLERANCE}"
    print(f"all {len(names)} twins within {TOLERANCE} (worst {worst:.1e})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
