//===- RefLayers.h - f64 reference layers with windows and sequences -*- C++
//-*-===//
//
// Plain double-precision implementations, written from PyTorch's
// definitions and independent of the compiler, of the layers the layer
// gradient checks use: conv2d (NCHW, stride/padding/dilation), max and
// average pooling (count_include_pad = False), embedding, layer and batch
// normalisation, the Elman RNN, LSTM (gates i, f, g, o) and GRU (r, z, n;
// with b_hn inside the reset product as in PyTorch, or ONNX's
// linear_before_reset = 0 form) over whole sequences, and multi-head
// self-attention in nn.MultiheadAttention's layout.
//
//===----------------------------------------------------------------------===//

#ifndef NNC_TEST_UNIT_GRADIENTS_REFLAYERS_H
#define NNC_TEST_UNIT_GRADIENTS_REFLAYERS_H

#include "Reference.h"

#include <array>
#include <limits>

namespace nnc::test::ref {

/// An NCHW image batch.
struct Image {
  size_t n, c, h, w;
  Vec data;
  double at(size_t i, size_t j, size_t y, size_t x) const {
    return data[((i * c + j) * h + y) * w + x];
  }
};

/// Window geometry: kernel (h, w), strides, padding (top, left, bottom,
/// right), dilations.
struct Window {
  size_t kh, kw, sh = 1, sw = 1, pt = 0, pl = 0, pb = 0, pr = 0, dh = 1, dw = 1;
  size_t outH(size_t h) const {
    return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
  }
  size_t outW(size_t w) const {
    return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
  }
};

/// conv2d with weight [o, c, kh, kw] and optional bias [o].
inline Image conv2d(const Image &x, const Vec &wt, size_t o, const Vec *b,
                    const Window &win) {
  Image y{x.n, o, win.outH(x.h), win.outW(x.w), {}};
  y.data.assign(y.n * y.c * y.h * y.w, 0.0);
  for (size_t i = 0; i < x.n; ++i)
    for (size_t oc = 0; oc < o; ++oc)
      for (size_t oy = 0; oy < y.h; ++oy)
        for (size_t ox = 0; ox < y.w; ++ox) {
          double s = b ? (*b)[oc] : 0.0;
          for (size_t ic = 0; ic < x.c; ++ic)
            for (size_t ky = 0; ky < win.kh; ++ky)
              for (size_t kx = 0; kx < win.kw; ++kx) {
                long iy = long(oy * win.sh + ky * win.dh) - long(win.pt);
                long ix = long(ox * win.sw + kx * win.dw) - long(win.pl);
                if (iy < 0 || ix < 0 || iy >= long(x.h) || ix >= long(x.w))
                  continue;
                s += x.at(i, ic, iy, ix) *
                     wt[((oc * x.c + ic) * win.kh + ky) * win.kw + kx];
              }
          y.data[((i * o + oc) * y.h + oy) * y.w + ox] = s;
        }
  return y;
}

/// Max (or average) pooling with windows of `win` (dilated taps for max).
/// The average divides by the window's cells inside the image grown by
/// `counted` (top, left, bottom, right): none is PyTorch's
/// count_include_pad = False, the declared padding count_include_pad = True.
inline Image pool2d(const Image &x, const Window &win, bool isMax,
                    std::array<size_t, 4> counted = {0, 0, 0, 0}) {
  Image y{x.n, x.c, win.outH(x.h), win.outW(x.w), {}};
  y.data.resize(y.n * y.c * y.h * y.w);
  for (size_t i = 0; i < x.n; ++i)
    for (size_t ch = 0; ch < x.c; ++ch)
      for (size_t oy = 0; oy < y.h; ++oy)
        for (size_t ox = 0; ox < y.w; ++ox) {
          double m = -std::numeric_limits<double>::infinity(), s = 0;
          size_t count = 0;
          for (size_t ky = 0; ky < win.kh; ++ky)
            for (size_t kx = 0; kx < win.kw; ++kx) {
              long iy = long(oy * win.sh + ky * win.dh) - long(win.pt);
              long ix = long(ox * win.sw + kx * win.dw) - long(win.pl);
              if (iy >= -long(counted[0]) && ix >= -long(counted[1]) &&
                  iy < long(x.h + counted[2]) && ix < long(x.w + counted[3]))
                ++count;
              if (iy < 0 || ix < 0 || iy >= long(x.h) || ix >= long(x.w))
                continue;
              double v = x.at(i, ch, iy, ix);
              m = std::max(m, v);
              s += v;
            }
          y.data[((i * x.c + ch) * y.h + oy) * y.w + ox] =
              isMax ? m : s / double(count);
        }
  return y;
}

/// Rows of `table` [v, d] picked by ids clamped to [0, v), after adding v
/// to ids in [-v, -1] when `fromEnd` (ONNX's Gather).
inline Vec embedding(const Vec &ids, const Vec &table, size_t v, size_t d,
                     bool fromEnd = false) {
  Vec out;
  for (double id : ids) {
    long row = long(id);
    if (fromEnd && row < 0)
      row += long(v);
    row = std::min(std::max(row, 0L), long(v) - 1);
    for (size_t j = 0; j < d; ++j)
      out.push_back(table[row * d + j]);
  }
  return out;
}

/// Layer normalisation of rows of `d` entries (biased variance).
inline Vec layerNorm(const Vec &x, size_t d, const Vec &gamma, const Vec &beta,
                     double eps = 1e-5) {
  Vec y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double m = 0, v = 0;
    for (size_t j = 0; j < d; ++j)
      m += x[r * d + j] / d;
    for (size_t j = 0; j < d; ++j)
      v += (x[r * d + j] - m) * (x[r * d + j] - m) / d;
    for (size_t j = 0; j < d; ++j)
      y[r * d + j] =
          (x[r * d + j] - m) / std::sqrt(v + eps) * gamma[j] + beta[j];
  }
  return y;
}

/// Batch normalisation with the batch statistics over (N, H, W).
inline Image batchNormTrain(const Image &x, const Vec &gamma, const Vec &beta,
                            double eps = 1e-5) {
  Image y = x;
  double count = double(x.n * x.h * x.w);
  for (size_t ch = 0; ch < x.c; ++ch) {
    double m = 0, v = 0;
    for (size_t i = 0; i < x.n; ++i)
      for (size_t p = 0; p < x.h * x.w; ++p)
        m += x.data[(i * x.c + ch) * x.h * x.w + p] / count;
    for (size_t i = 0; i < x.n; ++i)
      for (size_t p = 0; p < x.h * x.w; ++p) {
        double c = x.data[(i * x.c + ch) * x.h * x.w + p] - m;
        v += c * c / count;
      }
    for (size_t i = 0; i < x.n; ++i)
      for (size_t p = 0; p < x.h * x.w; ++p) {
        double &e = y.data[(i * x.c + ch) * x.h * x.w + p];
        e = (e - m) / std::sqrt(v + eps) * gamma[ch] + beta[ch];
      }
  }
  return y;
}

/// GruResetFirst is ONNX's GRU with linear_before_reset = 0: n = tanh(W_in x
/// + b_in + W_hn (r * h) + b_hn) instead of PyTorch's r * (W_hn h + b_hn).
enum class CellKind { RnnTanh, RnnRelu, Lstm, Gru, GruResetFirst };

/// Every hidden state [n, t, h] of a recurrent layer over x [n, t, in],
/// zero initial state, weights in PyTorch's layout.
inline Vec recurrent(CellKind kind, const Vec &x, size_t n, size_t steps,
                     size_t in, size_t hid, const Vec &wih, const Vec &whh,
                     const Vec &bih, const Vec &bhh) {
  size_t gates = kind == CellKind::Lstm                                     ? 4
                 : kind == CellKind::Gru || kind == CellKind::GruResetFirst ? 3
                                                                            : 1;
  Vec out(n * steps * hid);
  for (size_t b = 0; b < n; ++b) {
    Vec h(hid, 0.0), c(hid, 0.0);
    for (size_t t = 0; t < steps; ++t) {
      Vec ax(gates * hid), ah(gates * hid);
      for (size_t r = 0; r < gates * hid; ++r) {
        ax[r] = bih[r];
        ah[r] = bhh[r];
        for (size_t k = 0; k < in; ++k)
          ax[r] += wih[r * in + k] * x[(b * steps + t) * in + k];
        for (size_t k = 0; k < hid; ++k)
          ah[r] += whh[r * hid + k] * h[k];
      }
      // GruResetFirst: W_hn (r * h) + b_hn from the reset gate of every unit.
      Vec hnReset(hid);
      if (kind == CellKind::GruResetFirst)
        for (size_t j = 0; j < hid; ++j) {
          hnReset[j] = bhh[2 * hid + j];
          for (size_t k = 0; k < hid; ++k) {
            double rk = sigmoid(ax[k] + ah[k]);
            hnReset[j] += whh[(2 * hid + j) * hid + k] * rk * h[k];
          }
        }
      Vec next(hid);
      for (size_t j = 0; j < hid; ++j) {
        auto a = [&](size_t g) { return ax[g * hid + j] + ah[g * hid + j]; };
        switch (kind) {
        case CellKind::RnnTanh:
          next[j] = std::tanh(a(0));
          break;
        case CellKind::RnnRelu:
          next[j] = std::max(a(0), 0.0);
          break;
        case CellKind::Lstm: {
          c[j] = sigmoid(a(1)) * c[j] + sigmoid(a(0)) * std::tanh(a(2));
          next[j] = sigmoid(a(3)) * std::tanh(c[j]);
          break;
        }
        case CellKind::Gru: {
          double r = sigmoid(a(0)), z = sigmoid(a(1));
          double nn = std::tanh(ax[2 * hid + j] + r * ah[2 * hid + j]);
          next[j] = (1 - z) * nn + z * h[j];
          break;
        }
        case CellKind::GruResetFirst: {
          double z = sigmoid(a(1));
          double nn = std::tanh(ax[2 * hid + j] + hnReset[j]);
          next[j] = (1 - z) * nn + z * h[j];
          break;
        }
        }
      }
      h = next;
      for (size_t j = 0; j < hid; ++j)
        out[(b * steps + t) * hid + j] = h[j];
    }
  }
  return out;
}

/// The last step [n, h] of a sequence [n, t, h].
inline Vec lastStep(const Vec &seq, size_t n, size_t steps, size_t hid) {
  Vec out;
  for (size_t b = 0; b < n; ++b)
    for (size_t j = 0; j < hid; ++j)
      out.push_back(seq[(b * steps + steps - 1) * hid + j]);
  return out;
}

/// Multi-head self-attention of x [n, t, d] (in_proj [3d, d] + [3d],
/// out_proj [d, d] + [d]), scores scaled by 1/sqrt(d/heads).
inline Vec selfAttention(const Vec &x, size_t n, size_t steps, size_t d,
                         size_t heads, bool causal, const Vec &wi,
                         const Vec &bi, const Vec &wo, const Vec &bo) {
  Vec qkv = dense(x, n * steps, d, wi, 3 * d, &bi);
  size_t dh = d / heads;
  Vec o(n * steps * d, 0.0);
  for (size_t b = 0; b < n; ++b)
    for (size_t hd = 0; hd < heads; ++hd)
      for (size_t i = 0; i < steps; ++i) {
        auto at = [&](size_t t, size_t part, size_t k) {
          return qkv[(b * steps + t) * 3 * d + part * d + hd * dh + k];
        };
        Vec s(steps, -std::numeric_limits<double>::infinity());
        double m = -std::numeric_limits<double>::infinity();
        for (size_t j = 0; j < steps; ++j) {
          if (causal && j > i)
            continue;
          double dot = 0;
          for (size_t k = 0; k < dh; ++k)
            dot += at(i, 0, k) * at(j, 1, k);
          s[j] = dot / std::sqrt(double(dh));
          m = std::max(m, s[j]);
        }
        double z = 0;
        for (size_t j = 0; j < steps; ++j)
          z += std::exp(s[j] - m);
        for (size_t j = 0; j < steps; ++j)
          for (size_t k = 0; k < dh; ++k)
            o[(b * steps + i) * d + hd * dh + k] +=
                std::exp(s[j] - m) / z * at(j, 2, k);
      }
  return dense(o, n * steps, d, wo, d, &bo);
}

} // namespace nnc::test::ref

#endif // NNC_TEST_UNIT_GRADIENTS_REFLAYERS_H
