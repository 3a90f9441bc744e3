//===- MLIRGenTest.cpp - MLIRGen from C++ ---------------------------------===//
//
// Checks the contracts of the module MLIRGen builds (docs/architecture.md
// section 1) on every example and on small models: @predict and @loss take
// the same parameters in the same order, buffer updates name the running
// statistics they replace, the seed appears exactly when dropout is active,
// penalties cover the weights only, and shape errors stop with a diagnostic
// at the DSL position. Expected names and shapes are written out by hand
// from PyTorch's state_dict conventions.
//
//===----------------------------------------------------------------------===//

#include "Frontend/TestUtil.h"

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Frontend/MLIRGen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace nnc;
using namespace mlir;

namespace {

/// The front end and MLIRGen run on one buffer.
struct Generated {
  test::Result front;
  std::unique_ptr<MLIRContext> context = std::make_unique<MLIRContext>();
  OwningOpRef<ModuleOp> module;

  func::FuncOp func(StringRef name) {
    return module ? module->lookupSymbol<func::FuncOp>(name) : nullptr;
  }
};

Generated generate(std::string text) {
  Generated g;
  g.front = test::runFrontend(std::move(text));
  EXPECT_TRUE(g.front.ok) << g.front.firstError().message;
  if (g.front.ok)
    g.module = mlirGen(*g.context, *g.front.module, *g.front.diags);
  return g;
}

/// The state_dict names of the parameter arguments of `f`, in order.
std::vector<std::string> paramNames(func::FuncOp f) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    if (auto p = f.getArgAttrOfType<nn::ParamAttr>(i, attrs::kParam))
      names.push_back(p.getName().str());
  return names;
}

std::string example(const std::string &name) {
  return test::readFile(test::sourceDir() + "/examples/" + name + ".nn");
}

std::string typeOf(func::FuncOp f, unsigned arg) {
  return dslTypeString(f.getArgument(arg).getType());
}

} // namespace

TEST(MLIRGenTest, EveryExampleVerifiesWithTheSameParametersInBothFunctions) {
  for (const std::string &name : test::exampleNames()) {
    Generated g = generate(example(name));
    ASSERT_TRUE(g.module) << name << ": " << g.front.firstError().message;
    EXPECT_TRUE(succeeded(verify(*g.module))) << name;
    func::FuncOp predict = g.func("predict"), loss = g.func("loss");
    ASSERT_TRUE(predict && loss) << name;
    std::vector<std::string> names = paramNames(predict);
    EXPECT_FALSE(names.empty()) << name;
    EXPECT_EQ(names, paramNames(loss)) << name;
    // The first parameter follows the inputs in @predict and the inputs and
    // labels in @loss; both have the same type.
    unsigned inputs = g.front.module->getMainModel()->inputs.size();
    EXPECT_EQ(predict.getArgument(inputs).getType(),
              loss.getArgument(inputs + 1).getType())
        << name;
  }
}

TEST(MLIRGenTest, CnnParametersFollowTheStateDict) {
  Generated g = generate(example("fashion_cnn"));
  ASSERT_TRUE(g.module);
  func::FuncOp predict = g.func("predict");
  std::vector<std::string> expected = {
      "conv1.weight", "conv1.bias",       "bn1.weight",
      "bn1.bias",     "bn1.running_mean", "bn1.running_var",
      "conv2.weight", "conv2.bias",       "bn2.weight",
      "bn2.bias",     "bn2.running_mean", "bn2.running_var",
      "fc1.weight",   "fc1.bias",         "fc2.weight",
      "fc2.bias"};
  EXPECT_EQ(paramNames(predict), expected);
  EXPECT_EQ(typeOf(predict, 1), "f32[32, 1, 3, 3]");
  EXPECT_EQ(typeOf(predict, 7), "f32[64, 32, 3, 3]");
  // 64 channels of 7x7 after two 2x2 poolings of 28x28.
  EXPECT_EQ(typeOf(predict, 13), "f32[128, 3136]");
  auto mean = predict.getArgAttrOfType<nn::ParamAttr>(5, attrs::kParam);
  auto var = predict.getArgAttrOfType<nn::ParamAttr>(6, attrs::kParam);
  EXPECT_EQ(mean.getRole(), nn::ParamRole::buffer);
  EXPECT_EQ(mean.getInit(), nn::InitKind::zeros);
  EXPECT_EQ(var.getRole(), nn::ParamRole::buffer);
  EXPECT_EQ(var.getInit(), nn::InitKind::ones);
}

TEST(MLIRGenTest, BufferUpdatesNameTheRunningStatistics) {
  Generated g = generate(example("fashion_cnn"));
  ASSERT_TRUE(g.module);
  func::FuncOp loss = g.func("loss");
  // loss, four running statistics, then the logits output.
  ASSERT_EQ(loss.getNumResults(), 6u);
  EXPECT_TRUE(loss.getResultAttr(0, attrs::kLossResult));
  auto output = loss.getResultAttrOfType<StringAttr>(5, attrs::kOutput);
  ASSERT_TRUE(output);
  EXPECT_EQ(output.getValue(), "logits");
  std::vector<std::string> updated;
  for (unsigned r = 1; r < loss.getNumResults() - 1; ++r) {
    auto of = loss.getResultAttrOfType<IntegerAttr>(r, attrs::kUpdateOf);
    ASSERT_TRUE(of);
    auto p = loss.getArgAttrOfType<nn::ParamAttr>(of.getInt(), attrs::kParam);
    ASSERT_TRUE(p);
    updated.push_back(p.getName().str());
    EXPECT_EQ(loss.getResultTypes()[r],
              loss.getArgument(of.getInt()).getType());
  }
  EXPECT_EQ(updated,
            (std::vector<std::string>{"bn1.running_mean", "bn1.running_var",
                                      "bn2.running_mean", "bn2.running_var"}));
  // The returned values are the batchnorm_train results.
  auto ret = cast<func::ReturnOp>(loss.front().getTerminator());
  EXPECT_TRUE(isa<nn::BatchNormTrainOp>(ret.getOperand(1).getDefiningOp()));
}

TEST(MLIRGenTest, SeedOnlyWithActiveDropout) {
  const char *withDropout = R"(
model M {
  input x: f32[N, 4]
  output y = x -> dense(4) -> dropout(0.3)
}
train M {
  data = logic(and)
  target t: f32[N, 4]
  loss = mse(y, t)
})";
  Generated g = generate(withDropout);
  ASSERT_TRUE(g.module);
  func::FuncOp loss = g.func("loss");
  // The seed, then the row offset (data-parallel training), both i64[].
  unsigned last = loss.getNumArguments() - 1;
  EXPECT_TRUE(loss.getArgAttr(last - 1, attrs::kSeed));
  EXPECT_EQ(typeOf(loss, last - 1), "i64[]");
  EXPECT_TRUE(loss.getArgAttr(last, attrs::kRowOffset));
  EXPECT_EQ(typeOf(loss, last), "i64[]");
  // @predict has no dropout and no seed.
  g.func("predict").walk([](nn::DropoutOp) { ADD_FAILURE() << "dropout"; });
  EXPECT_FALSE(g.func("predict").getArgAttr(
      g.func("predict").getNumArguments() - 1, attrs::kSeed));

  std::string zero = withDropout;
  zero.replace(zero.find("0.3"), 3, "0.0");
  Generated h = generate(zero);
  ASSERT_TRUE(h.module);
  func::FuncOp loss0 = h.func("loss");
  for (unsigned i = 0; i < loss0.getNumArguments(); ++i) {
    EXPECT_FALSE(loss0.getArgAttr(i, attrs::kSeed));
    EXPECT_FALSE(loss0.getArgAttr(i, attrs::kRowOffset));
  }
}

TEST(MLIRGenTest, PenaltiesCoverWeightsOnly) {
  Generated g = generate(R"(
model M {
  input x: f32[N, 3, 4]
  output y = x -> lstm(2) -> layernorm -> self_attention(1) -> last -> dense(1)
}
train M {
  data = logic(and)
  target t: f32[N, 1]
  loss = mse(y, t) + l2(0.5)
})");
  ASSERT_TRUE(g.module);
  std::vector<std::string> penalised;
  func::FuncOp loss = g.func("loss");
  loss.walk([&](nn::L2PenaltyOp op) {
    for (Value v : op.getParams())
      penalised.push_back(
          loss.getArgAttrOfType<nn::ParamAttr>(
                  cast<BlockArgument>(v).getArgNumber(), attrs::kParam)
              .getName()
              .str());
  });
  EXPECT_EQ(penalised,
            (std::vector<std::string>{"lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                      "attn1.in_proj_weight",
                                      "attn1.out_proj.weight", "fc1.weight"}));
}

TEST(MLIRGenTest, ShapeErrorStopsAtTheDslPosition) {
  Generated g = generate(R"(model M {
  input x: f32[N, 2]
  h = x -> dense(4)
  output y = h * x
})");
  EXPECT_FALSE(g.module);
  nnc::Diagnostic error = g.front.firstError();
  EXPECT_EQ(error.loc.line, 4);
  EXPECT_EQ(error.loc.col, 16);
  EXPECT_NE(error.message.find("'*' expects operands that broadcast"),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("got f32[N, 4] and f32[N, 2]"),
            std::string::npos)
      << error.message;
  EXPECT_EQ(g.front.diags->getNumErrors(), 1u);
}

TEST(MLIRGenTest, DslTypeStrings) {
  MLIRContext ctx;
  Builder b(&ctx);
  EXPECT_EQ(dslTypeString(RankedTensorType::get({ShapedType::kDynamic, 1, 28},
                                                b.getF32Type())),
            "f32[N, 1, 28]");
  EXPECT_EQ(dslTypeString(RankedTensorType::get({}, b.getF32Type())), "f32[]");
  EXPECT_EQ(dslTypeString(
                RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type())),
            "i32[N]");
  EXPECT_EQ(dslTypeString(b.getF32Type()), "f32");
}
