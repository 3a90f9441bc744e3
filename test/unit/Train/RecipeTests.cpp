//===- RecipeTests.cpp - Recipe JSON and --data parsing -------------------===//
//
// The recipe reader fills the front end's defaults, applies what the recipe
// says, warns on unknown keys and rejects wrong types; the data-spec parser
// reads the .nn call syntax of data sources into the recipe's JSON shape.
//
//===----------------------------------------------------------------------===//

#include "TrainTestUtil.h"

#include "nnc/Runtime/Recipe.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace nnc::rt;
using json = nlohmann::json;

TEST(Recipe, EmptyRecipeTakesTheFrontEndDefaults) {
  std::vector<std::string> warnings;
  auto c = parseRecipe("{}", warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->batch, 32);
  EXPECT_EQ(c->epochs, 10);
  EXPECT_EQ(c->optimizer, "sgd");
  EXPECT_EQ(c->schedule.kind, ScheduleKind::Constant);
  EXPECT_FALSE(c->earlyStop);
  EXPECT_EQ(c->validation, 0.0);
  EXPECT_TRUE(c->shuffle);
  EXPECT_EQ(c->seed, 0u);
  EXPECT_TRUE(c->data.empty());
  EXPECT_TRUE(warnings.empty());
}

TEST(Recipe, ReadsEveryOption) {
  std::vector<std::string> warnings;
  auto c = parseRecipe(
      R"({"data": {"kind": "spiral", "classes": 3, "points": 50},
          "batch": 16, "epochs": 7,
          "optimizer": {"kind": "adam", "lr": 0.003},
          "schedule": {"kind": "step", "drop": 0.5, "every": 2},
          "early_stop": {"kind": "early_stop", "patience": 3, "min_delta": 0.01},
          "validation": 0.2, "shuffle": false, "seed": 42, "clip_norm": 1.0,
          "test": {"kind": "idx", "dir": "d", "split": "test"}})",
      warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->batch, 16);
  EXPECT_EQ(c->epochs, 7);
  EXPECT_EQ(c->optimizer, "adam");
  EXPECT_DOUBLE_EQ(c->lr, 0.003);
  EXPECT_EQ(c->schedule.kind, ScheduleKind::Step);
  EXPECT_DOUBLE_EQ(c->schedule.drop, 0.5);
  EXPECT_EQ(c->schedule.every, 2);
  EXPECT_TRUE(c->earlyStop);
  EXPECT_EQ(c->patience, 3);
  EXPECT_DOUBLE_EQ(c->minDelta, 0.01);
  EXPECT_TRUE(c->restoreBest);
  EXPECT_DOUBLE_EQ(c->validation, 0.2);
  EXPECT_FALSE(c->shuffle);
  EXPECT_EQ(c->seed, 42u);
  EXPECT_DOUBLE_EQ(c->clipNorm, 1.0);
  json data = json::parse(c->data.json);
  EXPECT_EQ(data["kind"], "spiral");
  EXPECT_EQ(data["points"], 50);
  EXPECT_EQ(json::parse(c->test.json)["split"], "test");
  EXPECT_TRUE(warnings.empty());
}

TEST(Recipe, ScheduleDefaultsFollowTheFrontEnd) {
  std::vector<std::string> warnings;
  auto c = parseRecipe(R"({"schedule": {"kind": "plateau"}})", warnings);
  ASSERT_TRUE(c.hasValue());
  EXPECT_EQ(c->schedule.kind, ScheduleKind::Plateau);
  EXPECT_EQ(c->schedule.patience, 10);
  EXPECT_DOUBLE_EQ(c->schedule.factor, 0.1);
  c = parseRecipe(
      R"({"schedule": {"kind": "cosine", "T_max": 20, "min_lr": 0.001}})",
      warnings);
  ASSERT_TRUE(c.hasValue());
  EXPECT_EQ(c->schedule.tMax, 20);
  EXPECT_DOUBLE_EQ(c->schedule.etaMin, 0.001);
}

TEST(Recipe, BareNamesAreCallsWithoutArguments) {
  std::vector<std::string> warnings;
  auto c = parseRecipe(R"({"optimizer": "adamw", "schedule": "constant"})",
                       warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->optimizer, "adamw");
  EXPECT_EQ(c->lr, 0.0); // no default here: the front end writes every value
}

TEST(Recipe, LossKindIsTyped) {
  std::vector<std::string> warnings;
  auto c = parseRecipe(R"({"loss": "bce_logits"})", warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->loss, LossKind::BceLogits);
  EXPECT_TRUE(scoresBinaryClasses(c->loss));
  c = parseRecipe(R"({"loss": "mse"})", warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->loss, LossKind::Mse);
  EXPECT_FALSE(scoresBinaryClasses(c->loss));
  c = parseRecipe("{}", warnings);
  ASSERT_TRUE(c.hasValue()) << c.status().message();
  EXPECT_EQ(c->loss, LossKind::None);
  c = parseRecipe(R"({"loss": "hinge"})", warnings);
  ASSERT_FALSE(c.hasValue());
  EXPECT_NE(c.status().message().find("unknown loss 'hinge'"),
            std::string::npos)
      << c.status().message();
}

TEST(Recipe, UnknownKeysAreWarnings) {
  std::vector<std::string> warnings;
  auto c = parseRecipe(R"({"batch": 8, "colour": "blue",
                           "early_stop": {"kind": "early_stop", "pateince": 2}})",
                       warnings);
  ASSERT_TRUE(c.hasValue());
  EXPECT_EQ(c->batch, 8);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("early_stop.pateince"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("'colour'"), std::string::npos) << warnings[1];
}

TEST(Recipe, WrongTypesAreErrors) {
  std::vector<std::string> warnings;
  struct Case {
    const char *json, *expected;
  } cases[] = {
      {R"({"batch": "32"})", "batch must be an integer, got string"},
      {R"({"batch": 0})", "batch must be >= 1"},
      {R"({"epochs": 2.5})", "epochs must be an integer"},
      {R"({"shuffle": 1})", "shuffle must be true or false"},
      {R"({"validation": 1.5})", "validation must lie in [0, 1)"},
      {R"({"optimizer": 3})", "optimizer must be an object with a \"kind\""},
      {R"({"optimizer": {"kind": "sgd", "lr": "fast"}})",
       "optimizer.lr must be a number"},
      {R"({"schedule": {"kind": "sawtooth"}})", "unknown schedule 'sawtooth'"},
      {R"([1, 2])", "expected a JSON object, got array"},
      {R"({"batch": )", "not valid JSON"},
  };
  for (const Case &c : cases) {
    auto r = parseRecipe(c.json, warnings);
    ASSERT_FALSE(r.hasValue()) << c.json;
    EXPECT_EQ(r.status().code(), ErrorCode::InvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << r.status().message();
  }
}

TEST(DataSpec, TakesJsonAndPaths) {
  auto s = parseDataSpec("points.csv");
  ASSERT_TRUE(s.hasValue()) << s.status().message();
  EXPECT_EQ(json::parse(s->json)["kind"], "csv");
  EXPECT_EQ(json::parse(s->json)["path"], "points.csv");
  s = parseDataSpec(R"({"kind": "npy", "inputs": "x.npy", "labels": "y.npy"})");
  ASSERT_TRUE(s.hasValue());
  EXPECT_EQ(json::parse(s->json)["labels"], "y.npy");
}

// The .nn call syntax is the front end's (FrontendTests DataSource.*): the
// runtime refuses it and names the command that turns it into JSON.
TEST(DataSpec, RefusesTheCallSyntaxAndSaysWhatReadsIt) {
  struct Case {
    const char *text, *expected;
  } cases[] = {
      {"csv(\"a.csv\")", "nnc data-source 'csv(\"a.csv\")'"},
      {"spiral", "neither JSON nor a path"},
      {"{\"kind\": ", "not valid JSON"},
      {"", "empty data source"},
  };
  for (const Case &c : cases) {
    auto r = parseDataSpec(c.text);
    ASSERT_FALSE(r.hasValue()) << c.text;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.text << " -> " << r.status().message();
  }
}

TEST(DataSpec, LoadsEachKindWithItsParameters) {
  LoadContext ctx;
  ctx.seed = 3;
  auto d = loadDataSpec(
      *parseDataSpec(R"({"kind": "spiral", "classes": 4, "points": 10})"), ctx);
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->size(), 40);
  EXPECT_EQ(d->numClasses, 4);

  d = loadDataSpec(*parseDataSpec(R"({"kind": "logic", "gate": "nor"})"), ctx);
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->labels, (std::vector<int32_t>{1, 0, 0, 0}));

  test::ScratchDir dir;
  {
    std::ofstream(dir.file("t.csv")) << "a,b,y\n1,2,0\n3,4,1\n";
  }
  ctx.baseDir = "";
  d = loadDataSpec(*parseDataSpec(R"({"kind": "csv", "path": ")" +
                                  dir.file("t.csv") + R"(", "scale": 0.5})"),
                   ctx);
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->features, (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
  EXPECT_EQ(d->labels, (std::vector<int32_t>{0, 1}));

  // Relative paths of the recipe resolve against the base directory.
  LoadContext rel;
  rel.baseDir = dir.file("");
  rel.regression = true;
  d = loadDataSpec(*parseDataSpec("t.csv"), rel);
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->targetDim, 1);

  auto missing = loadDataSpec(*parseDataSpec("nope.csv"), rel);
  ASSERT_FALSE(missing.hasValue());
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  auto none = loadDataSpec(DataSpec{}, ctx);
  ASSERT_FALSE(none.hasValue());
  EXPECT_NE(none.status().message().find("no training data"),
            std::string::npos);
}
