//===- OptimizerTests.cpp - compiled @apply vs the update formulas --------===//
//
// For every optimizer (sgd, momentum, nesterov, rmsprop, adam, adamw, with
// and without weight decay, with clipping by global norm) nnc-optimizer
// builds @apply, which is compiled and run for several steps with random
// gradients; parameters and state are compared after each step with
// PyTorch's update rules computed here in double precision.
//
//===----------------------------------------------------------------------===//

#include "GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace nnc::test;

namespace {

const char *kModule = R"mlir(
module attributes {nn.recipe = {optimizer = OPTIMIZER}} {
  func.func @loss(%t: tensor<2x3xf32> {nn.label = "t"},
                  %w: tensor<2x3xf32> {nn.param = #nn.param<"w", weight, zeros>},
                  %b: tensor<3xf32> {nn.param = #nn.param<"b", bias, zeros>})
      -> (tensor<f32> {nn.loss}) {
    %y = nn.add %w, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %l = nn.mse_loss %y, %t : tensor<2x3xf32>, tensor<2x3xf32>
    return %l : tensor<f32>
  }
}
)mlir";

struct Config {
  std::string name, kind;
  double lr = 0.05, momentum = 0, wd = 0, alpha = 0.99, beta1 = 0.9,
         beta2 = 0.999, eps = 1e-8, clip = 0;
  bool nesterov = false;

  /// The #nn.optimizer of this configuration: every value of its kind's
  /// schema, in order (NNRecipe.cpp), then clip_norm when clipping.
  std::string recipe() const {
    std::string s = "#nn.optimizer<" + kind;
    auto num = [&](const char *k, double v) {
      char text[40];
      std::snprintf(text, sizeof text, "%.17e", v); // exact, a float token
      s += std::string(", ") + k + " = " + text;
    };
    num("lr", lr);
    if (kind == "momentum")
      num("momentum", momentum), num("nesterov", nesterov ? 1.0 : 0.0);
    if (kind == "rmsprop")
      num("alpha", alpha), num("eps", eps);
    if (kind == "adam" || kind == "adamw")
      num("beta1", beta1), num("beta2", beta2), num("eps", eps);
    num("weight_decay", wd);
    if (clip > 0)
      num("clip_norm", clip);
    return s + ">";
  }
  /// The run-time hyperparameters of @apply, in the nnc-optimizer pass's
  /// order (lr first, weight_decay, then clip_norm when clipping).
  std::vector<double> hyperparameters() const {
    std::vector<double> h{lr};
    if (kind == "momentum")
      h.push_back(momentum), h.push_back(nesterov ? 1.0 : 0.0);
    if (kind == "rmsprop")
      h.push_back(alpha), h.push_back(eps);
    if (kind == "adam" || kind == "adamw")
      h.push_back(beta1), h.push_back(beta2), h.push_back(eps);
    h.push_back(wd);
    if (clip > 0)
      h.push_back(clip);
    return h;
  }
  size_t numStates() const {
    if (kind == "sgd")
      return 0;
    return kind == "adam" || kind == "adamw" ? 2 : 1;
  }
};

/// PyTorch's step for one parameter tensor, in double. `state` holds the
/// per-optimizer buffers; `g` is already clipped.
void referenceStep(const Config &c, int step, std::vector<double> &p,
                   const std::vector<double> &g,
                   std::vector<std::vector<double>> &state) {
  for (size_t i = 0; i < p.size(); ++i) {
    double d = g[i];
    if (c.kind != "adamw")
      d += c.wd * p[i];
    if (c.kind == "sgd") {
      p[i] -= c.lr * d;
    } else if (c.kind == "momentum") {
      double &buf = state[0][i];
      buf = step == 1 ? d : c.momentum * buf + d;
      p[i] -= c.lr * (c.nesterov ? d + c.momentum * buf : buf);
    } else if (c.kind == "rmsprop") {
      double &sq = state[0][i];
      sq = c.alpha * sq + (1 - c.alpha) * d * d;
      p[i] -= c.lr * d / (std::sqrt(sq) + c.eps);
    } else {
      if (c.kind == "adamw")
        p[i] *= 1 - c.lr * c.wd;
      double &m = state[0][i], &v = state[1][i];
      m = c.beta1 * m + (1 - c.beta1) * d;
      v = c.beta2 * v + (1 - c.beta2) * d * d;
      double bc1 = 1 - std::pow(c.beta1, step),
             bc2 = 1 - std::pow(c.beta2, step);
      p[i] -= c.lr / bc1 * m / (std::sqrt(v) / std::sqrt(bc2) + c.eps);
    }
  }
}

void runOptimizer(const Config &c) {
  SCOPED_TRACE(c.name);
  std::string ir = kModule;
  ir.replace(ir.find("OPTIMIZER"), 9, c.recipe());
  CompileOptions options;
  options.optimizer = true;
  options.drop = {"grads", "train_step"};
  std::unique_ptr<Compiled> k = compile(ir, options);
  ASSERT_NE(k, nullptr);

  std::mt19937 rng(7);
  const std::vector<std::vector<int64_t>> shapes = {{2, 3}, {3}};
  std::vector<Buffer> params, states;
  std::vector<std::vector<double>> refParams;
  std::vector<std::vector<std::vector<double>>> refStates(2);
  for (auto &shape : shapes) {
    size_t n = shape.size() == 2 ? 6 : 3;
    params.push_back(Buffer::floats(shape, randomFloats(rng, n)));
    refParams.emplace_back(params.back().f32.begin(), params.back().f32.end());
  }
  for (size_t p = 0; p < 2; ++p)
    for (size_t s = 0; s < c.numStates(); ++s) {
      size_t n = params[p].f32.size();
      states.push_back(Buffer::floats(shapes[p], std::vector<float>(n, 0.f)));
      refStates[p].push_back(std::vector<double>(n, 0.0));
    }

  for (int step = 1; step <= 4; ++step) {
    std::vector<Buffer> grads;
    std::vector<std::vector<double>> g;
    for (size_t p = 0; p < 2; ++p) {
      grads.push_back(Buffer::floats(
          shapes[p], randomFloats(rng, params[p].f32.size(), -2, 2)));
      g.emplace_back(grads.back().f32.begin(), grads.back().f32.end());
    }
    if (c.clip > 0) {
      double sq = 0;
      for (auto &v : g)
        for (double x : v)
          sq += x * x;
      double coef = std::min(1.0, c.clip / (std::sqrt(sq) + 1e-6));
      for (auto &v : g)
        for (double &x : v)
          x *= coef;
    }
    std::vector<Buffer> hyper;
    for (double v : c.hyperparameters())
      hyper.push_back(Buffer::scalarF64(v));
    Buffer stepBuf = Buffer::scalarI64(step);
    std::vector<Buffer *> args;
    for (Buffer &b : params)
      args.push_back(&b);
    for (Buffer &b : grads)
      args.push_back(&b);
    for (Buffer &b : states)
      args.push_back(&b);
    for (Buffer &b : hyper)
      args.push_back(&b);
    args.push_back(&stepBuf);
    ASSERT_TRUE(k->call("apply", args));

    for (size_t p = 0; p < 2; ++p) {
      referenceStep(c, step, refParams[p], g[p], refStates[p]);
      for (size_t i = 0; i < refParams[p].size(); ++i)
        EXPECT_NEAR(params[p].f32[i], refParams[p][i],
                    1e-5 * (1 + std::fabs(refParams[p][i])))
            << "step " << step << " param " << p << " entry " << i;
      for (size_t s = 0; s < c.numStates(); ++s)
        for (size_t i = 0; i < refParams[p].size(); ++i)
          EXPECT_NEAR(states[p * c.numStates() + s].f32[i], refStates[p][s][i],
                      1e-5 * (1 + std::fabs(refStates[p][s][i])))
              << "step " << step << " param " << p << " state " << s;
    }
  }
}

TEST(Optimizers, Sgd) { runOptimizer({"sgd", "sgd"}); }
TEST(Optimizers, SgdWeightDecay) {
  Config c{"sgd+wd", "sgd"};
  c.wd = 0.1;
  runOptimizer(c);
}
TEST(Optimizers, Momentum) {
  Config c{"momentum", "momentum"};
  c.momentum = 0.9;
  runOptimizer(c);
}
TEST(Optimizers, MomentumWeightDecay) {
  Config c{"momentum+wd", "momentum"};
  c.momentum = 0.8;
  c.wd = 0.05;
  runOptimizer(c);
}
TEST(Optimizers, Nesterov) {
  Config c{"nesterov", "momentum"};
  c.momentum = 0.9;
  c.nesterov = true;
  runOptimizer(c);
}
TEST(Optimizers, Rmsprop) {
  Config c{"rmsprop", "rmsprop"};
  c.alpha = 0.9;
  runOptimizer(c);
}
TEST(Optimizers, RmspropWeightDecay) {
  Config c{"rmsprop+wd", "rmsprop"};
  c.wd = 0.1;
  runOptimizer(c);
}
TEST(Optimizers, Adam) { runOptimizer({"adam", "adam"}); }
TEST(Optimizers, AdamL2WeightDecay) {
  Config c{"adam+wd", "adam"};
  c.wd = 0.1;
  c.beta2 = 0.99;
  runOptimizer(c);
}
TEST(Optimizers, AdamWDecoupled) {
  Config c{"adamw", "adamw"};
  c.wd = 0.05;
  runOptimizer(c);
}
TEST(Optimizers, SgdWithClipping) {
  Config c{"sgd+clip", "sgd"};
  c.clip = 0.5;
  runOptimizer(c);
}
TEST(Optimizers, AdamWithClipping) {
  Config c{"adam+clip", "adam"};
  c.clip = 1.0;
  runOptimizer(c);
}

} // namespace
