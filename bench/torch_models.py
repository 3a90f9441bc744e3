"""PyTorch twins of the models nnc is benchmarked on.

Each class computes exactly what its .nn file says, with parameters named
like nnc's checkpoints (PyTorch `state_dict` names: `fc1.weight` [out, in],
`conv1.weight` [out, in, kh, kw], `lstm.weight_ih_l0`, ...), so that an nnc
checkpoint loads into it with `load_state_dict`. `SPECS` ties each benchmark
name to its .nn file, the PyTorch module, the batch size, the loss and the
optimizer of its train section; bench/torch_bench.py reads it.
"""
import dataclasses
import typing

import torch
from torch import nn
import torch.nn.functional as F


class Spiral(nn.Module):
    """examples/spiral.nn: 2-64-32-3 MLP with ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class FashionMLP(nn.Module):
    """examples/fashion_mlp.nn: 784-256-128-10 MLP with ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, image):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(image)))))


class FashionCNN(nn.Module):
    """examples/fashion_cnn.nn: two conv-batchnorm-relu-maxpool blocks,
    dropout 0.25 and a 3136-128-10 head (NCHW, (C, H, W) flatten order)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(image))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.drop(torch.flatten(x, 1))
        return self.fc2(F.relu(self.fc1(x)))


class FashionCNNNoDropout(FashionCNN):
    """bench/models/fashion_cnn_nodropout.nn: FashionCNN without its dropout
    and without the biases of its convolutions, so that its training step
    can be checked."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.drop = nn.Identity()


class LeNet5(nn.Module):
    """bench/models/lenet5.nn: LeNet-5 on 1x28x28 (first conv padded by 2),
    ReLU and max pooling."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.conv1(image)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class _LastStep(nn.Module):
    """A recurrent layer (registered as `name`, for nnc's parameter names)
    over the sequence, its last step, dense(10)."""

    def __init__(self, name, layer):
        super().__init__()
        self.layer_name = name
        self.add_module(name, layer)
        self.fc1 = nn.Linear(128, 10)

    def forward(self, seq):
        out, _ = getattr(self, self.layer_name)(seq)
        return self.fc1(out[:, -1])


class SeqLSTM(_LastStep):
    """bench/models/lstm.nn: LSTM(16 -> 128) over 32 steps, last step,
    dense(10); with features=28, examples/fashion_lstm.nn (the 28 rows of
    an image as steps)."""

    def __init__(self, features=16):
        super().__init__("lstm", nn.LSTM(features, 128, batch_first=True))


class SeqGRU(_LastStep):
    """examples/fashion_gru.nn: GRU(28 -> 128) over the 28 rows of an image,
    last step, dense(10)."""

    def __init__(self, features=28):
        super().__init__("gru", nn.GRU(features, 128, batch_first=True))


class Encoder(nn.Module):
    """The pre-norm encoder block of bench/models/encoder.nn:
    h = x + attn(ln1(x)); y = h + fc2(gelu(fc1(ln2(h))))."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn1 = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ff)
        self.fc2 = nn.Linear(ff, d)

    def forward(self, x):
        a = self.ln1(x)
        h = x + self.attn1(a, a, a, need_weights=False)[0]
        return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))


class EncoderLayer(nn.Module):
    """bench/models/encoder.nn: one Encoder(128, 4, 512) on [N, 64, 128]."""

    def __init__(self):
        super().__init__()
        self.encoder1 = Encoder(128, 4, 512)

    def forward(self, x):
        return self.encoder1(x)


class PatchTransformer(nn.Module):
    """examples/fashion_transformer.nn: the image as a 4 x 4 grid of 7 x 7
    patches, dense(64), a learned positional table, two Encoder(64, 4, 128),
    the mean over the patches, dense(10)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(49, 64)
        self.pos1 = nn.Embedding(16, 64)  # its weight is the table
        self.encoder1 = Encoder(64, 4, 128)
        self.encoder2 = Encoder(64, 4, 128)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, image):
        n = image.shape[0]
        patches = (image.reshape(n, 4, 7, 4, 7).permute(0, 1, 3, 2, 4)
                   .reshape(n, 16, 49))
        x = self.fc1(patches) + self.pos1.weight
        x = self.encoder2(self.encoder1(x))
        return self.fc2(x.mean(dim=1))


def cross_entropy(outputs, labels):
    """cross_entropy(logits, y) with class ids: the batch mean."""
    return F.cross_entropy(outputs[0], labels[0].long())


def mse(outputs, labels):
    """mse(pred, target): the mean over all elements."""
    return F.mse_loss(outputs[0], labels[0])


@dataclasses.dataclass
class Spec:
    """One benchmark: the .nn file (relative to the repository root), the
    PyTorch module, the batch size, and the train section's loss and
    optimizer (a function of the parameters) with its learning rate."""
    nn_file: str
    module: typing.Callable[[], nn.Module]
    batch: int
    loss: typing.Callable
    lr: float
    optimizer: typing.Callable
    # False when training in PyTorch cannot match nnc bit for bit in
    # distribution (dropout masks come from different generators).
    train_checkable: bool = True
    # Slices (of dim 0) of parameters whose gradient is zero in exact
    # arithmetic, so that their update is rounding noise (Adam scales it up
    # to +-lr): the bias of the attention keys, since softmax is invariant
    # to adding the same number to every score of a row.
    degenerate: typing.Dict[str, slice] = dataclasses.field(
        default_factory=dict)
    # The benchmark whose training step bench/train_step.sh runs instead
    # when this one is not train_checkable (the same model without dropout).
    train_twin: typing.Optional[str] = None
    # The train section's clip_norm: gradients scaled to this global norm
    # (torch.nn.utils.clip_grad_norm_: max / (norm + 1e-6), at most 1, as
    # nnc), 0 for none.
    clip_norm: float = 0.0


def clip(spec, module):
    """Applies the spec's gradient clipping, if any, after backward."""
    if spec.clip_norm > 0:
        torch.nn.utils.clip_grad_norm_(module.parameters(), spec.clip_norm)


SPECS = {
    "spiral": Spec("examples/spiral.nn", Spiral, 32, cross_entropy, 0.2,
                   lambda p, lr: torch.optim.SGD(p, lr=lr)),
    "fashion_mlp": Spec("examples/fashion_mlp.nn", FashionMLP, 128,
                        cross_entropy, 0.001,
                        lambda p, lr: torch.optim.Adam(p, lr=lr)),
    "fashion_cnn": Spec("examples/fashion_cnn.nn", FashionCNN, 128,
                        cross_entropy, 0.001,
                        lambda p, lr: torch.optim.Adam(p, lr=lr),
                        train_checkable=False,
                        train_twin="fashion_cnn_nodropout"),
    "fashion_cnn_nodropout": Spec("bench/models/fashion_cnn_nodropout.nn",
                                  FashionCNNNoDropout, 128, cross_entropy,
                                  0.001,
                                  lambda p, lr: torch.optim.Adam(p, lr=lr)),
    "lenet5": Spec("bench/models/lenet5.nn", LeNet5, 64, cross_entropy, 0.01,
                   lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    "lstm": Spec("bench/models/lstm.nn", SeqLSTM, 32, cross_entropy, 0.001,
                 lambda p, lr: torch.optim.Adam(p, lr=lr)),
    "fashion_lstm": Spec("examples/fashion_lstm.nn", lambda: SeqLSTM(28), 128,
                         cross_entropy, 0.001,
                         lambda p, lr: torch.optim.Adam(p, lr=lr),
                         clip_norm=1.0),
    "fashion_gru": Spec("examples/fashion_gru.nn", SeqGRU, 128,
                        cross_entropy, 0.001,
                        lambda p, lr: torch.optim.Adam(p, lr=lr),
                        clip_norm=1.0),
    "fashion_transformer": Spec(
        "examples/fashion_transformer.nn", PatchTransformer, 128,
        cross_entropy, 0.001,
        lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.01),
        clip_norm=1.0,
        degenerate={"encoder1.attn1.in_proj_bias": slice(64, 128),
                    "encoder2.attn1.in_proj_bias": slice(64, 128)}),
    "encoder": Spec("bench/models/encoder.nn", EncoderLayer, 16, mse, 0.001,
                    lambda p, lr: torch.optim.AdamW(p, lr=lr,
                                                    weight_decay=0.01),
                    degenerate={"encoder1.attn1.in_proj_bias": slice(128,
                                                                     256)}),
}
