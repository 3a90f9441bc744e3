//===- ScheduleTests.cpp - Schedules, early stopping and metrics ----------===//
//
// Learning rates against the closed-form formulas (computed here), the
// plateau state machine against a hand-traced sequence, state save/restore,
// early stopping scenarios, and metrics on hand-computed cases.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Metrics.h"
#include "nnc/Runtime/Schedule.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::rt;

static LrSchedule make(ScheduleConfig c) {
  auto s = LrSchedule::create(c);
  EXPECT_TRUE(s) << s.status().message();
  return *s;
}

TEST(Schedule, ClosedForms) {
  ScheduleConfig step;
  step.kind = ScheduleKind::Step;
  step.baseLr = 0.1;
  step.drop = 0.5;
  step.every = 3;
  ScheduleConfig exp;
  exp.kind = ScheduleKind::Exponential;
  exp.baseLr = 0.2;
  exp.rate = 0.9;
  ScheduleConfig cos;
  cos.kind = ScheduleKind::Cosine;
  cos.baseLr = 0.1;
  cos.tMax = 10;
  cos.etaMin = 0.001;
  ScheduleConfig constant;
  constant.baseLr = 0.05;
  LrSchedule s1 = make(step), s2 = make(exp), s3 = make(cos),
             s4 = make(constant);
  for (int e = 0; e < 25; ++e) {
    EXPECT_NEAR(s1.lr(), 0.1 * std::pow(0.5, e / 3), 1e-12) << e;
    EXPECT_NEAR(s2.lr(), 0.2 * std::pow(0.9, e), 1e-12) << e;
    EXPECT_NEAR(s3.lr(),
                0.001 + (0.1 - 0.001) * (1 + std::cos(M_PI * e / 10)) / 2,
                1e-12)
        << e;
    EXPECT_EQ(s4.lr(), 0.05);
    s1.endEpoch();
    s2.endEpoch();
    s3.endEpoch();
    s4.endEpoch();
  }
  // Spot values: StepLR halves at epochs 3, 6; cosine hits eta_min at T_max.
  EXPECT_DOUBLE_EQ(make(step).lrAt(6), 0.025);
  EXPECT_NEAR(make(cos).lrAt(10), 0.001, 1e-15);
  EXPECT_NEAR(make(cos).lrAt(5), 0.0505, 1e-12);
}

TEST(Schedule, PlateauHandTrace) {
  ScheduleConfig c;
  c.kind = ScheduleKind::Plateau;
  c.baseLr = 1.0;
  c.patience = 2;
  c.factor = 0.5;
  c.minLr = 0.2;
  LrSchedule s = make(c);
  // Losses: improve, then flat. bad counts 1, 2, 3 > patience -> reduce.
  double losses[] = {1.0, 0.9, 0.9, 0.9, 0.9, 0.95, 0.9,
                     0.9, 0.9, 0.9, 0.9, 0.9, 0.9,  0.9};
  double expected[] = {1.0,  1.0,  1.0,  1.0, 0.5, 0.5, 0.5,
                       0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2};
  for (int e = 0; e < 14; ++e) {
    s.endEpoch(losses[e]);
    EXPECT_DOUBLE_EQ(s.lr(), expected[e]) << "after epoch " << e;
  }
}

TEST(Schedule, StateRoundTrip) {
  ScheduleConfig c;
  c.kind = ScheduleKind::Plateau;
  c.baseLr = 0.1;
  c.patience = 1;
  LrSchedule a = make(c);
  a.endEpoch(1.0);
  a.endEpoch(1.0);
  std::string state = a.saveState();
  LrSchedule b = make(c);
  ASSERT_TRUE(b.loadState(state));
  EXPECT_EQ(b.epoch(), 2);
  for (double loss : {1.0, 1.0, 0.5, 0.6, 0.6}) {
    a.endEpoch(loss);
    b.endEpoch(loss);
    EXPECT_DOUBLE_EQ(a.lr(), b.lr());
  }
  EXPECT_LT(a.lr(), 0.1);
  EXPECT_FALSE(b.loadState("not json").isOk());
  EXPECT_FALSE(b.loadState("{\"epoch\": -1, \"lr\": 0.1}").isOk());
}

TEST(Schedule, RejectsBadParameters) {
  ScheduleConfig c;
  c.kind = ScheduleKind::Step;
  c.every = 0;
  auto s = LrSchedule::create(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("every must be >= 1"), std::string::npos);
  c.kind = ScheduleKind::Constant;
  c.baseLr = -1;
  EXPECT_FALSE(LrSchedule::create(c));
  c.baseLr = 0.1;
  c.kind = ScheduleKind::Plateau;
  c.factor = 1.5;
  EXPECT_FALSE(LrSchedule::create(c));
}

TEST(EarlyStopping, MinModeWithDelta) {
  EarlyStopping es(2, 0.01, MetricMode::Min);
  EXPECT_FALSE(es.update(0, 1.0));
  EXPECT_TRUE(es.improved());
  EXPECT_FALSE(es.update(1, 0.8));
  EXPECT_TRUE(es.improved());
  EXPECT_FALSE(es.update(2, 0.795)); // not by more than min_delta
  EXPECT_FALSE(es.improved());
  EXPECT_TRUE(es.update(3, 0.85));
  EXPECT_EQ(es.bestEpoch(), 1);
  EXPECT_DOUBLE_EQ(es.bestValue(), 0.8);
}

TEST(EarlyStopping, MaxModeAndResume) {
  EarlyStopping es(3, 0.0, MetricMode::Max);
  es.update(0, 0.5);
  es.update(1, 0.7);
  es.update(2, 0.6);
  EarlyStopping resumed(3, 0.0, MetricMode::Max);
  ASSERT_TRUE(resumed.loadState(es.saveState()));
  for (auto *e : {&es, &resumed}) {
    EXPECT_FALSE(e->update(3, 0.7)); // equal is not better
    EXPECT_TRUE(e->update(4, 0.65));
    EXPECT_EQ(e->bestEpoch(), 1);
  }
}

TEST(Metrics, RunningMeanIsWeighted) {
  RunningMean m;
  m.add(1.0, 32);
  m.add(4.0, 8);
  EXPECT_DOUBLE_EQ(m.mean(), (32.0 + 32.0) / 40.0);
  m.add(100, 0);
  EXPECT_DOUBLE_EQ(m.weight(), 40);
}

TEST(Metrics, AccuracyRules) {
  // Argmax over 3 logits; the tie in row 2 goes to the first maximum.
  float logits[] = {0.1f, 2.0f, -1.0f, 3.0f, 0.0f, 0.0f, 1.0f, 1.0f, 0.5f};
  int32_t labels[] = {1, 2, 0};
  AccuracyMeter acc;
  acc.add(logits, 3, 3, labels);
  EXPECT_EQ(acc.numCorrect(), 2);
  EXPECT_DOUBLE_EQ(acc.value(), 2.0 / 3.0);
  // One output: logits threshold 0, probabilities threshold 0.5.
  float single[] = {0.3f, -0.2f, 0.7f, 0.5f};
  int32_t bin[] = {1, 0, 1, 1};
  AccuracyMeter logit, prob;
  logit.add(single, 4, 1, bin, OutputKind::Logits);
  prob.add(single, 4, 1, bin, OutputKind::Probabilities);
  EXPECT_EQ(logit.numCorrect(), 4);
  EXPECT_EQ(prob.numCorrect(), 2); // 0.3 -> 0 (wrong), 0.5 -> 0 (wrong)
}

TEST(Metrics, Regression) {
  float p[] = {1, 2, 3, 4};
  float t[] = {1, 4, 2, 4};
  RegressionMeter m;
  m.add(p, t, 4);
  EXPECT_DOUBLE_EQ(m.mae(), (0 + 2 + 1 + 0) / 4.0);
  EXPECT_DOUBLE_EQ(m.rmse(), std::sqrt((0 + 4 + 1 + 0) / 4.0));
}

// Macro precision, recall and F1 by hand: truth/prediction pairs (0,0) x2,
// (0,1), (1,1) x3, (2,0), (2,1); class 2 is never predicted.
// Matrix rows [2 1 0], [0 3 0], [1 1 0]. Precision 2/3, 3/5, 0 (no
// prediction: 0); recall 2/3, 1, 0; F1 2/3, 0.75, 0.
TEST(Metrics, ConfusionMatrixMacroScores) {
  ConfusionMatrix m(3);
  for (auto [t, p] : std::vector<std::pair<int, int>>{
           {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 1}, {2, 0}, {2, 1}})
    m.add(t, p);
  EXPECT_EQ(m.at(0, 0), 2);
  EXPECT_EQ(m.at(0, 1), 1);
  EXPECT_EQ(m.at(2, 0), 1);
  EXPECT_EQ(m.at(2, 2), 0);
  EXPECT_DOUBLE_EQ(m.precision(1), 0.6);
  EXPECT_DOUBLE_EQ(m.precision(2), 0.0);
  EXPECT_DOUBLE_EQ(m.recall(2), 0.0);
  EXPECT_NEAR(m.macroPrecision(), (2.0 / 3 + 0.6 + 0) / 3, 1e-12);
  EXPECT_NEAR(m.macroRecall(), (2.0 / 3 + 1 + 0) / 3, 1e-12);
  EXPECT_NEAR(m.macroF1(), (2.0 / 3 + 0.75 + 0) / 3, 1e-12);
  // From outputs: argmax rows, and one output with the logit threshold;
  // out-of-range labels are ignored.
  ConfusionMatrix fromLogits(3);
  float logits[] = {0.1f, 2.0f, -1.0f, 3.0f, 0.0f, 0.0f};
  int32_t labels[] = {1, 2};
  fromLogits.add(logits, 2, 3, labels);
  EXPECT_EQ(fromLogits.at(1, 1), 1);
  EXPECT_EQ(fromLogits.at(2, 0), 1);
  ConfusionMatrix binary(2);
  float scores[] = {-0.5f, 0.5f, 0.7f};
  int32_t truth[] = {0, 0, 7};
  binary.add(scores, 3, 1, truth);
  EXPECT_EQ(binary.at(0, 0), 1);
  EXPECT_EQ(binary.at(0, 1), 1);
  EXPECT_EQ(binary.at(1, 1), 0);
}
