"""Counts the FLOPs of the matrix products of a PyTorch twin, from its
layer shapes.

Counted, at 2 FLOPs per multiply-add (per call, i.e. for the whole batch):
- nn.Linear: 2 * in * out per row of its input (every leading dimension);
- nn.Conv2d: 2 * (Cin / groups) * Cout * kh * kw * Hout * Wout per image;
- nn.LSTM: 2 * 4H * (I + H) per time step, layer and direction per sequence
  (the input and the recurrent product of all four gates; the recurrent
  product of the first step, on h0 = 0, is counted too); nn.GRU the same
  with its 3 gates, 2 * 3H * (I + H);
- nn.MultiheadAttention: the input projections 2 * E * (Eq + Ek + Ev) per
  token (2 * E * 3E when self-attention), the scores Q K^T and the weighted
  sum A V 2 * L * S * E each per sequence, the output projection
  2 * E * E per token.
Not counted: biases, activations, normalizations, pooling, softmax, the
gates' elementwise arithmetic, losses and the optimizer (all O(elements),
not O(products)).

Training step = the forward products plus, per product, its gradients: the
weight gradient (same FLOPs as the forward product) for a layer with weights
that require grad, and the gradient of its input (same FLOPs again) only
when that input requires grad (not for the first layer, whose input is the
data); the two products of attention (Q K^T, A V) get both operands'
gradients. This is what the hooks below see in a training-mode forward pass.
"""
import copy

import torch
from torch import nn


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Counter:
    """Forward hooks on the counted layers; `forward` and `backward` hold
    the FLOPs of the last pass, `kinds` the layer kinds seen."""

    def __init__(self, module):
        self.forward = 0
        self.backward = 0
        self.kinds = set()
        self.handles = []
        skip = set()
        for m in module.modules():
            if isinstance(m, nn.MultiheadAttention):
                # Its out_proj is an nn.Linear whose weight the functional
                # form uses directly: counted by the attention hook.
                skip.update(id(c) for c in m.modules() if c is not m)
        for m in module.modules():
            if id(m) in skip:
                continue
            hook = {nn.Linear: self._linear, nn.Conv2d: self._conv2d,
                    nn.LSTM: self._lstm, nn.GRU: self._gru,
                    nn.MultiheadAttention: self._attention}.get(type(m))
            if hook is None:
                for base, h in ((nn.Linear, self._linear),
                                (nn.Conv2d, self._conv2d)):
                    if isinstance(m, base):
                        hook = h
            if hook is not None:
                self.handles.append(m.register_forward_hook(hook))

    def remove(self):
        for h in self.handles:
            h.remove()

    def _add(self, kind, flops, weights_grad, input_grad):
        self.kinds.add(kind)
        self.forward += flops
        self.backward += flops * (int(weights_grad) + int(input_grad))

    def _linear(self, m, inputs, output):
        x = inputs[0]
        rows = _prod(x.shape[:-1])
        self._add("linear", 2 * m.in_features * m.out_features * rows,
                  m.weight.requires_grad, x.requires_grad)

    def _conv2d(self, m, inputs, output):
        x = inputs[0]
        n, cout, hout, wout = output.shape
        kh, kw = m.kernel_size
        self._add("conv2d", 2 * (m.in_channels // m.groups) * cout * kh * kw
                  * hout * wout * n, m.weight.requires_grad, x.requires_grad)

    def _lstm(self, m, inputs, output):
        self._recurrent(m, inputs, "lstm", 4)

    def _gru(self, m, inputs, output):
        self._recurrent(m, inputs, "gru", 3)

    def _recurrent(self, m, inputs, kind, gates):
        x = inputs[0]
        if m.batch_first:
            n, t = x.shape[0], x.shape[1]
        else:
            t, n = x.shape[0], x.shape[1]
        if x.dim() == 2:  # unbatched
            n, t = 1, x.shape[0]
        h, dirs = m.hidden_size, 2 if m.bidirectional else 1
        for layer in range(m.num_layers):
            i = m.input_size if layer == 0 else h * dirs
            wgrad = m.weight_ih_l0.requires_grad
            # input product: its input gradient only past the first layer or
            # when the data requires grad; recurrent: always (h depends on
            # the weights)
            xin = 2 * gates * h * i * t * n * dirs
            rec = 2 * gates * h * h * t * n * dirs
            self._add(kind, xin, wgrad, x.requires_grad or layer > 0)
            self._add(kind, rec, wgrad, wgrad)

    def _attention(self, m, inputs, output):
        q, k, v = inputs[:3]
        if not m.batch_first and q.dim() == 3:
            q, k, v = (a.transpose(0, 1) for a in (q, k, v))
        n = _prod(q.shape[:-2]) if q.dim() == 3 else 1
        lq, lk = q.shape[-2], k.shape[-2]
        e = m.embed_dim
        wgrad = any(p.requires_grad for p in m.parameters())
        for x, length, dim in ((q, lq, q.shape[-1]), (k, lk, k.shape[-1]),
                               (v, lk, v.shape[-1])):
            self._add("attention", 2 * e * dim * length * n, wgrad,
                      x.requires_grad)
        grad = q.requires_grad or k.requires_grad or v.requires_grad or wgrad
        # Q K^T and A V: both operands' gradients
        self._add("attention", 2 * 2 * lq * lk * e * n, grad, grad)
        self._add("attention", 2 * e * e * lq * n, wgrad, grad)


def count(module, inputs):
    """(forward FLOPs, training-step FLOPs, sorted kinds) of one call of
    `module` on `inputs` (tensors with the benchmark's shapes)."""
    module = copy.deepcopy(module).train()  # batchnorm updates statistics
    counter = Counter(module)
    with torch.enable_grad():
        module(*inputs)
    counter.remove()
    return (counter.forward, counter.forward + counter.backward,
            sorted(counter.kinds))
