//===- InferResultTypesTest.cpp - nn::inferResultTypes from C++ -----------===//
//
// Checks `nn::inferResultTypes<OpTy>` the way the front end uses it: result
// types computed before building, attributes given as NamedAttributes (with
// defaults omitted), and errors reported at the DSL location passed in,
// with the expected-vs-found message. Expected shapes are worked out by hand
// from the documented formulas.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Block.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace mlir;

namespace {

class InferResultTypesTest : public ::testing::Test {
protected:
  InferResultTypesTest()
      : loc(FileLineColLoc::get(&ctx, "spiral.nn", 3, 38)),
        handler(&ctx, [this](Diagnostic &diag) {
          std::string text;
          llvm::raw_string_ostream os(text);
          if (auto file = dyn_cast<FileLineColLoc>(diag.getLocation()))
            os << file.getFilename().getValue() << ":" << file.getLine() << ":"
               << file.getColumn() << ": ";
          os << diag.str();
          messages.push_back(text);
          return success();
        }) {
    ctx.loadDialect<nn::NNDialect>();
  }

  /// A value of type `text` (parsed as a builtin type).
  Value value(StringRef text) {
    Type type = parseType(text, &ctx);
    EXPECT_TRUE(type) << text.str();
    return block.addArgument(type, loc);
  }

  static std::string str(Type type) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << type;
    return text;
  }

  MLIRContext ctx;
  Location loc;
  Block block;
  std::vector<std::string> messages;
  ScopedDiagnosticHandler handler;
};

} // namespace

TEST_F(InferResultTypesTest, DenseGivesBatchByOut) {
  auto types = nn::inferResultTypes<nn::DenseOp>(&ctx, loc,
                                                 {value("tensor<?x2xf32>"),
                                                  value("tensor<64x2xf32>"),
                                                  value("tensor<64xf32>")},
                                                 {});
  ASSERT_TRUE(succeeded(types));
  ASSERT_EQ(types->size(), 1u);
  EXPECT_EQ(str(types->front()), "tensor<?x64xf32>");
  EXPECT_TRUE(messages.empty());
}

TEST_F(InferResultTypesTest, DenseWeightMismatchIsReportedAtTheDslLocation) {
  auto types = nn::inferResultTypes<nn::DenseOp>(
      &ctx, loc, {value("tensor<?x2xf32>"), value("tensor<64x3xf32>")}, {});
  EXPECT_TRUE(failed(types));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "spiral.nn:3:38: 'nn.dense' op expects weight of shape [O, K] "
            "with K = 2 (the input's last dim), got f32[64, 3]");
}

TEST_F(InferResultTypesTest, NameLocNamesTheLayer) {
  // The front end infers at a NameLoc of the layer the user wrote: the
  // message names it instead of the op, with no text rewritten afterwards.
  Location named = NameLoc::get(StringAttr::get(&ctx, "dense"), loc);
  auto types = nn::inferResultTypes<nn::DenseOp>(
      &ctx, named, {value("tensor<?x2xf32>"), value("tensor<64x3xf32>")}, {});
  EXPECT_TRUE(failed(types));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("dense expects weight of shape [O, K] with K = 2 "
                             "(the input's last dim), got f32[64, 3]"),
            std::string::npos)
      << messages[0];
}

TEST_F(InferResultTypesTest, FormatTypeSpellsTensorsAsTheLanguage) {
  EXPECT_EQ(nn::formatType(RankedTensorType::get({ShapedType::kDynamic, 1, 28},
                                                 FloatType::getF32(&ctx))),
            "f32[N, 1, 28]");
  EXPECT_EQ(nn::formatType(RankedTensorType::get({}, FloatType::getF32(&ctx))),
            "f32[]");
  EXPECT_EQ(nn::formatType(FloatType::getF64(&ctx)), "f64");
}

TEST_F(InferResultTypesTest, ConvUsesGivenAttributesAndDefaults) {
  Builder b(&ctx);
  // H = (28 + 1 + 1 - 3) / 2 + 1 = 14; W = (28 + 0 + 0 - 3) / 1 + 1 = 26.
  auto types = nn::inferResultTypes<nn::Conv2DOp>(
      &ctx, loc, {value("tensor<?x1x28x28xf32>"), value("tensor<8x1x3x3xf32>")},
      {b.getNamedAttr("strides", b.getDenseI64ArrayAttr({2, 1})),
       b.getNamedAttr("padding", b.getDenseI64ArrayAttr({1, 0, 1, 0}))});
  ASSERT_TRUE(succeeded(types));
  EXPECT_EQ(str(types->front()), "tensor<?x8x14x26xf32>");
}

TEST_F(InferResultTypesTest, StaticReshapeComputesTheMissingFactor) {
  Builder b(&ctx);
  auto types = nn::inferResultTypes<nn::ReshapeOp>(
      &ctx, loc, {value("tensor<6x4xf32>")},
      {b.getNamedAttr("shape", b.getDenseI64ArrayAttr({-1, 8}))});
  ASSERT_TRUE(succeeded(types));
  EXPECT_EQ(str(types->front()), "tensor<3x8xf32>");
}

TEST_F(InferResultTypesTest, SoftmaxAxisOutOfRange) {
  Builder b(&ctx);
  auto types = nn::inferResultTypes<nn::SoftmaxOp>(
      &ctx, loc, {value("tensor<?x10xf32>")},
      {b.getNamedAttr("axis", b.getI64IntegerAttr(-1))});
  EXPECT_TRUE(failed(types));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("expects axis in [0, 2) for f32[N, 10], "
                             "got -1"),
            std::string::npos)
      << messages[0];
}

TEST_F(InferResultTypesTest, MalformedAttributeIsAnErrorNotACrash) {
  Builder b(&ctx);
  auto types = nn::inferResultTypes<nn::SoftmaxOp>(
      &ctx, loc, {value("tensor<?x10xf32>")},
      {b.getNamedAttr("axis", b.getStringAttr("last"))});
  EXPECT_TRUE(failed(types));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].rfind("spiral.nn:3:38: ", 0), 0u) << messages[0];
}

TEST_F(InferResultTypesTest, EmbeddingNeedsIntegerIds) {
  // Unreachable from parsed IR (ODS rejects f32 ids first), so tested here.
  auto types = nn::inferResultTypes<nn::EmbeddingOp>(
      &ctx, loc, {value("tensor<?x16xf32>"), value("tensor<100x8xf32>")}, {});
  EXPECT_TRUE(failed(types));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "spiral.nn:3:38: 'nn.embedding' op expects ids "
                         "i32[N, T...], got f32[N, 16]");
}

TEST_F(InferResultTypesTest, LstmResultUsesHiddenSize) {
  auto types = nn::inferResultTypes<nn::LstmOp>(
      &ctx, loc,
      {value("tensor<?x28x28xf32>"), value("tensor<512x28xf32>"),
       value("tensor<512x128xf32>"), value("tensor<512xf32>"),
       value("tensor<512xf32>")},
      {});
  ASSERT_TRUE(succeeded(types));
  EXPECT_EQ(str(types->front()), "tensor<?x28x128xf32>");
}

TEST_F(InferResultTypesTest, BatchNormTrainReturnsThreeResults) {
  auto types = nn::inferResultTypes<nn::BatchNormTrainOp>(
      &ctx, loc,
      {value("tensor<?x8x4x4xf32>"), value("tensor<8xf32>"),
       value("tensor<8xf32>"), value("tensor<8xf32>"), value("tensor<8xf32>")},
      {});
  ASSERT_TRUE(succeeded(types));
  ASSERT_EQ(types->size(), 3u);
  EXPECT_EQ(str((*types)[0]), "tensor<?x8x4x4xf32>");
  EXPECT_EQ(str((*types)[2]), "tensor<8xf32>");
}

TEST_F(InferResultTypesTest, CrossEntropyTakesClassIndices) {
  auto types = nn::inferResultTypes<nn::CrossEntropyLossOp>(
      &ctx, loc, {value("tensor<?x3xf32>"), value("tensor<?xi32>")}, {});
  ASSERT_TRUE(succeeded(types));
  EXPECT_EQ(str(types->front()), "tensor<f32>");
}
