//===- LoopTests.cpp - The training loop over fixture models --------------===//
//
// Runs nnc::rt::train on the ModelRT fixtures (Classifier: momentum SGD whose
// step also returns logits, no grads entry; Dense: plain SGD regression with
// grads) and checks the mechanics against independent expectations: batch
// counts with a partial last batch, the learning rate of each epoch against
// a hand-driven loop, early stopping restoring the best weights, resume
// reproducing an uninterrupted run, the files written, and error paths.
//
//===----------------------------------------------------------------------===//

#include "TrainTestUtil.h"

#include "nnc-c/model.h"
#include "nnc-c/runtime.h"
#include "nnc/Runtime/Trainer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <dlfcn.h>
#include <fstream>
#include <sys/stat.h>

using namespace nnc::rt;
using namespace nnc::rt::test;
using json = nlohmann::json;

static TrainOptions classifierRun(int64_t n, int64_t epochs) {
  TrainOptions o;
  o.modelLib = NNC_FIXTURE_CLASSIFIER;
  o.trainData = classifierData(n, 7);
  o.epochs = epochs;
  o.plots = false;
  return o;
}

static bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(TrainLoop, PartialLastBatchIsTrained) {
  ScratchDir dir;
  TrainOptions o = classifierRun(21, 2); // recipe batch 8: 8 + 8 + 5
  o.outDir = dir.file("out");
  auto r = train(o);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->steps, 6);
  EXPECT_EQ(r->epochsRun, 2);
  // The checkpoint records the optimizer step count the model saw.
  auto lib = ModelLibrary::open(NNC_FIXTURE_CLASSIFIER);
  ASSERT_TRUE(lib.hasValue());
  auto model = ModelInstance::create(*lib, 0);
  ASSERT_TRUE((*model)->load(dir.file("out/model.safetensors")).isOk());
  EXPECT_EQ(*(*model)->step(), 6);
  // With batch 7 the data divides evenly: 3 steps per epoch.
  o.batch = 7;
  o.outDir.clear();
  r = train(o);
  ASSERT_TRUE(r.hasValue());
  EXPECT_EQ(r->steps, 6);
  o.batch = 100; // one partial batch per epoch
  r = train(o);
  ASSERT_TRUE(r.hasValue());
  EXPECT_EQ(r->steps, 2);
}

TEST(TrainLoop, ScheduledRateMatchesAHandDrivenLoop) {
  // Dense: plain SGD. Full batches without shuffling make one step per
  // epoch, so the weights after 3 epochs follow from the lr sequence
  // 0.2, 0.1, 0.05 of step(drop = 0.5, every = 1) and nothing else.
  Dataset data = denseData(10, 3);
  TrainOptions o;
  o.modelLib = NNC_FIXTURE_DENSE;
  o.trainData = data;
  o.epochs = 3;
  o.batch = 10;
  o.lr = 0.2;
  o.seed = 5;
  o.recipePatch = R"({"shuffle": false,
                      "schedule": {"kind": "step", "drop": 0.5, "every": 1}})";
  ScratchDir dir;
  o.outDir = dir.file("run");
  o.plots = false;
  auto r = train(o);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  ASSERT_EQ(r->history.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(r->history.rows[0].lr, 0.2);
  EXPECT_DOUBLE_EQ(r->history.rows[1].lr, 0.1);
  EXPECT_DOUBLE_EQ(r->history.rows[2].lr, 0.05);

  auto lib = ModelLibrary::open(NNC_FIXTURE_DENSE);
  ASSERT_TRUE(lib.hasValue());
  auto model = ModelInstance::create(*lib, 5);
  ASSERT_TRUE(model.hasValue());
  for (float lr : {0.2f, 0.1f, 0.05f}) {
    float loss;
    ASSERT_TRUE((*model)
                    ->trainStep(10, {data.features.data()},
                                {data.targets.data()}, lr, nullptr, loss)
                    .isOk());
  }
  EXPECT_EQ(paramsOf(NNC_FIXTURE_DENSE, dir.file("run/model.safetensors")),
            *(*model)->readAll(NNC_KIND_PARAM));
}

TEST(TrainLoop, EarlyStoppingRestoresTheBestWeights) {
  // The evaluation targets are the negated training targets: the better the
  // model fits the training data, the worse its validation loss, so the best
  // epoch is an early one and patience 2 stops the run.
  TrainOptions o;
  o.modelLib = NNC_FIXTURE_DENSE;
  o.trainData = denseData(16, 1);
  o.testData = denseData(16, 1, -1.0f);
  o.epochs = 20;
  o.lr = 0.05;
  o.plots = false;
  o.recipePatch = R"({"early_stop": {"kind": "early_stop", "patience": 2}})";
  ScratchDir dir;
  o.outDir = dir.file("es");
  auto r = train(o);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_TRUE(r->stoppedEarly);
  ASSERT_GE(r->bestEpoch, 1);
  EXPECT_EQ(int64_t(r->history.rows.size()), r->bestEpoch + 2);
  for (size_t i = 1; i < r->history.rows.size(); ++i)
    EXPECT_GT(r->history.rows[i].valLoss,
              r->history.rows[r->bestEpoch - 1].valLoss);
  json s = json::parse(r->summaryJson);
  EXPECT_EQ(s["best_epoch"], r->bestEpoch);
  EXPECT_EQ(s["stopped_early"], true);

  // The saved model equals a run that simply ended at the best epoch.
  TrainOptions shortRun = o;
  shortRun.epochs = r->bestEpoch;
  shortRun.recipePatch.clear();
  shortRun.outDir = dir.file("short");
  ASSERT_TRUE(train(shortRun).hasValue());
  EXPECT_EQ(paramsOf(NNC_FIXTURE_DENSE, dir.file("es/model.safetensors")),
            paramsOf(NNC_FIXTURE_DENSE, dir.file("short/model.safetensors")));
  // ... and differs from the last epoch's weights in the checkpoint.
  EXPECT_NE(paramsOf(NNC_FIXTURE_DENSE, dir.file("es/model.safetensors")),
            paramsOf(NNC_FIXTURE_DENSE, dir.file("es/checkpoint.safetensors")));
}

static void expectSameHistory(const History &a, const History &b) {
  ASSERT_EQ(a.rows.size(), b.rows.size());
  auto same = [](double x, double y) {
    return (std::isnan(x) && std::isnan(y)) || x == y;
  };
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const HistoryRow &x = a.rows[i], &y = b.rows[i];
    EXPECT_EQ(x.epoch, y.epoch);
    EXPECT_TRUE(same(x.lr, y.lr)) << i;
    EXPECT_TRUE(same(x.trainLoss, y.trainLoss)) << i;
    EXPECT_TRUE(same(x.trainAccuracy, y.trainAccuracy)) << i;
    EXPECT_TRUE(same(x.valLoss, y.valLoss)) << i;
    EXPECT_TRUE(same(x.valAccuracy, y.valAccuracy)) << i;
  }
}

TEST(TrainLoop, ResumeEqualsAnUninterruptedRun) {
  for (const char *model : {NNC_FIXTURE_CLASSIFIER, NNC_FIXTURE_DENSE}) {
    bool classifier = std::string(model) == NNC_FIXTURE_CLASSIFIER;
    ScratchDir dir;
    TrainOptions o;
    o.modelLib = model;
    o.trainData = classifier ? classifierData(40, 2) : denseData(40, 2);
    o.epochs = 6;
    o.seed = 11;
    o.validation = 0.25;
    o.plots = false;
    o.recipePatch = R"({"batch": 6,
        "schedule": {"kind": "step", "drop": 0.5, "every": 2},
        "early_stop": {"kind": "early_stop", "patience": 10}})";
    o.outDir = dir.file("full");
    auto full = train(o);
    ASSERT_TRUE(full.hasValue()) << full.status().message();
    ASSERT_EQ(full->history.rows.size(), 6u);

    o.outDir = dir.file("part");
    o.epochs = 3;
    ASSERT_TRUE(train(o).hasValue());
    o.epochs = 6;
    o.resume = dir.file("part/checkpoint.safetensors");
    auto resumed = train(o);
    ASSERT_TRUE(resumed.hasValue()) << resumed.status().message();
    EXPECT_EQ(resumed->epochsRun, 3);
    expectSameHistory(full->history, resumed->history);
    auto csv = History::readCsv(dir.file("part/history.csv"));
    ASSERT_TRUE(csv.hasValue());
    EXPECT_EQ(csv->rows.size(), 6u);
    EXPECT_EQ(paramsOf(model, dir.file("full/model.safetensors")),
              paramsOf(model, dir.file("part/model.safetensors")));
  }
}

TEST(TrainLoop, WritesOutputsAndSummaryKeys) {
  ScratchDir dir;
  TrainOptions o = classifierRun(30, 3);
  o.validation = 0.2;
  o.plots = true;
  o.scaling = ScalingKind::Standard;
  o.outDir = dir.file("a/b");
  auto r = train(o);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  for (const char *f : {"summary.json", "history.csv", "model.safetensors",
                        "checkpoint.safetensors", "checkpoint.json", "loss.svg",
                        "accuracy.svg", "preprocess.json"})
    EXPECT_TRUE(exists(dir.file(std::string("a/b/") + f))) << f;
  json s = json::parse(slurp(dir.file("a/b/summary.json")), nullptr, false);
  ASSERT_TRUE(s.is_object());
  for (const char *k : {"train_loss", "train_accuracy", "val_accuracy",
                        "epochs", "seconds", "steps_per_second"})
    EXPECT_TRUE(s.contains(k)) << k;
  EXPECT_EQ(s["epochs"], 3);
  EXPECT_FALSE(s.contains("val_loss")); // no grads entry: no forward-only loss
  // Train accuracy comes from the logits the step returned: a value in
  // [0, 1] per epoch, and the loss falls on these separable blobs.
  for (const HistoryRow &row : r->history.rows) {
    EXPECT_GE(row.trainAccuracy, 0.0);
    EXPECT_LE(row.trainAccuracy, 1.0);
  }
  EXPECT_LT(r->history.rows.back().trainLoss,
            r->history.rows.front().trainLoss);
  EXPECT_GT(s["val_accuracy"].get<double>(), 0.8);

  // Regression: the Dense step returns no outputs, so no train accuracy;
  // validation has loss (grads entry), MAE and RMSE.
  TrainOptions d;
  d.modelLib = NNC_FIXTURE_DENSE;
  d.trainData = denseData(20, 4);
  d.epochs = 2;
  d.validation = 0.25;
  d.outDir = dir.file("reg");
  auto rr = train(d);
  ASSERT_TRUE(rr.hasValue()) << rr.status().message();
  json sr = json::parse(rr->summaryJson);
  for (const char *k : {"train_loss", "val_loss", "val_mae", "val_rmse"})
    EXPECT_TRUE(sr.contains(k)) << k;
  EXPECT_FALSE(sr.contains("train_accuracy"));
  EXPECT_TRUE(std::isnan(rr->history.rows[0].trainAccuracy));
  EXPECT_FALSE(exists(dir.file("reg/accuracy.svg")));
}

TEST(TrainLoop, ErrorsAreStatuses) {
  TrainOptions o = classifierRun(10, 1);
  o.modelLib = "/nonexistent/model.so";
  auto r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::NotFound);

  o.modelLib = NNC_FIXTURE_DENSE_INFER;
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("has no training step"),
            std::string::npos);

  o = classifierRun(10, 1);
  o.trainData = denseData(10, 1); // 3 features for a 4-feature input
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("takes 4 values per sample"),
            std::string::npos)
      << r.status().message();

  o = classifierRun(10, 1);
  o.trainData->numClasses = 5; // more classes than the 3 logits
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("has 5 classes, but model output "
                                      "'logits' f32[N, 3] distinguishes 3"),
            std::string::npos)
      << r.status().message();

  o = classifierRun(10, 1);
  o.trainData.reset(); // the fixture's recipe has no data
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("no training data"), std::string::npos);

  ScratchDir dir;
  o = classifierRun(10, 1);
  o.resume = dir.file("missing.safetensors");
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("missing.json"), std::string::npos)
      << r.status().message();

  // A truncated checkpoint: a clear DataLoss naming the file, no crash.
  o.outDir = dir.file("t");
  o.resume.clear();
  ASSERT_TRUE(train(o).hasValue());
  std::string bytes = slurp(dir.file("t/checkpoint.safetensors"));
  std::ofstream(dir.file("t/checkpoint.safetensors"), std::ios::binary)
      << bytes.substr(0, bytes.size() / 2);
  o.resume = dir.file("t/checkpoint.safetensors");
  o.outDir = dir.file("t2");
  r = train(o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::DataLoss);
  EXPECT_NE(r.status().message().find("t/checkpoint.safetensors"),
            std::string::npos)
      << r.status().message();
  EvalOptions e;
  e.modelLib = NNC_FIXTURE_CLASSIFIER;
  e.checkpoint = dir.file("t/checkpoint.safetensors");
  e.data = "spiral(points = 3)";
  std::string name;
  auto m = evaluateCheckpoint(e, name);
  ASSERT_FALSE(m.hasValue());
  EXPECT_EQ(m.status().code(), ErrorCode::DataLoss);
}

TEST(TrainLoop, EvaluateAndPredictUseTheSavedModel) {
  ScratchDir dir;
  TrainOptions o = classifierRun(30, 2);
  o.outDir = dir.file("m");
  ASSERT_TRUE(train(o).hasValue());
  // A CSV of 4 features + label, written for eval and (without the label)
  // for predict.
  Dataset d = classifierData(9, 99);
  std::ofstream csv(dir.file("eval.csv")), feats(dir.file("x.csv"));
  for (int64_t i = 0; i < d.size(); ++i) {
    for (int k = 0; k < 4; ++k) {
      csv << d.features[size_t(i * 4 + k)] << ",";
      feats << d.features[size_t(i * 4 + k)] << (k < 3 ? "," : "\n");
    }
    csv << d.labels[size_t(i)] << "\n";
  }
  csv.close();
  feats.close();

  // Independent expectation: the model's own predict and argmax.
  auto lib = ModelLibrary::open(NNC_FIXTURE_CLASSIFIER);
  auto model = ModelInstance::create(*lib, 0);
  ASSERT_TRUE((*model)->load(dir.file("m/model.safetensors")).isOk());
  std::vector<std::vector<float>> out;
  ASSERT_TRUE((*model)->predict(9, {d.features.data()}, out).isOk());
  int correct = 0;
  std::vector<int64_t> classes;
  for (int64_t i = 0; i < 9; ++i) {
    classes.push_back(
        predictClass(&out[0][size_t(i * 3)], 3, OutputKind::Logits));
    correct += classes.back() == d.labels[size_t(i)];
  }

  EvalOptions e;
  e.modelLib = NNC_FIXTURE_CLASSIFIER;
  e.checkpoint = dir.file("m/model.safetensors");
  e.data = R"({"kind": "csv", "path": ")" + dir.file("eval.csv") +
           R"(", "header": false})";
  std::string name;
  auto m = evaluateCheckpoint(e, name);
  ASSERT_TRUE(m.hasValue()) << m.status().message();
  EXPECT_EQ(m->samples, 9);
  EXPECT_DOUBLE_EQ(m->accuracy, correct / 9.0);
  EXPECT_TRUE(std::isnan(m->loss));

  PredictOptions p;
  p.modelLib = NNC_FIXTURE_CLASSIFIER;
  p.checkpoint = dir.file("m/model.safetensors");
  p.input = dir.file("x.csv");
  std::string text;
  Status st = predictFile(p, text);
  ASSERT_TRUE(st.isOk()) << st.message();
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[0], "logits_0,logits_1,logits_2,class");
  for (int64_t i = 0; i < 9; ++i)
    EXPECT_EQ(lines[size_t(i + 1)].substr(lines[size_t(i + 1)].rfind(',') + 1),
              std::to_string(classes[size_t(i)]));
}

/// 12 rows for the classifier fixture in `dir`/d.csv; returns its data spec.
static std::string writeClassifierCsv(ScratchDir &dir) {
  std::ofstream f(dir.file("d.csv"));
  Dataset d = classifierData(12, 5);
  for (int64_t i = 0; i < d.size(); ++i) {
    for (int k = 0; k < 4; ++k)
      f << d.features[size_t(i * 4 + k)] << ",";
    f << d.labels[size_t(i)] << "\n";
  }
  return R"({"kind": "csv", "path": ")" + dir.file("d.csv") +
         R"(", "header": false})";
}

TEST(TrainCAPI, TrainsAndReturnsTheSummary) {
  ScratchDir dir;
  std::string spec = writeClassifierCsv(dir);
  nnc_rt_train_options_t o;
  nnc_rt_train_options_init(&o);
  o.data = spec.c_str();
  o.epochs = 2;
  char buffer[4096];
  size_t length = 0;
  nnc_status_t st =
      nnc_rt_train(NNC_FIXTURE_CLASSIFIER, &o, buffer, sizeof buffer, &length);
  ASSERT_EQ(st, nullptr) << nnc_status_message(st);
  json s = json::parse(std::string(buffer, length));
  EXPECT_EQ(s["epochs"], 2);
  EXPECT_EQ(s["steps"], 4); // 12 rows, batch 8: 8 + 4
  st = nnc_rt_train(nullptr, &o, buffer, sizeof buffer, &length);
  ASSERT_NE(st, nullptr);
  EXPECT_NE(std::string(nnc_status_message(st)).find("model_lib"),
            std::string::npos);
  nnc_status_free(st);
}

// on_epoch sees every epoch's history row and stops the run with 0.
TEST(TrainCAPI, OnEpochSeesEachEpochAndCanStop) {
  struct Seen {
    std::vector<json> rows;
    int64_t stopAfter;
  } seen{{}, 3};
  ScratchDir dir;
  std::string spec = writeClassifierCsv(dir);
  nnc_rt_train_options_t o;
  nnc_rt_train_options_init(&o);
  o.data = spec.c_str();
  o.epochs = 10;
  o.user_data = &seen;
  o.on_epoch = [](void *user, int64_t epoch, const char *metrics) {
    auto *s = static_cast<Seen *>(user);
    s->rows.push_back(json::parse(metrics));
    s->rows.back()["called_for"] = epoch;
    return int32_t(epoch < s->stopAfter);
  };
  char buffer[4096];
  size_t length = 0;
  nnc_status_t st =
      nnc_rt_train(NNC_FIXTURE_CLASSIFIER, &o, buffer, sizeof buffer, &length);
  ASSERT_EQ(st, nullptr) << nnc_status_message(st);
  ASSERT_EQ(seen.rows.size(), 3u);
  for (int64_t e = 1; e <= 3; ++e) {
    const json &row = seen.rows[size_t(e - 1)];
    EXPECT_EQ(row["epoch"], e);
    EXPECT_EQ(row["called_for"], e);
    EXPECT_TRUE(row["train_loss"].is_number()) << row.dump();
    EXPECT_TRUE(row["val_loss"].is_null()) << row.dump();
  }
  json s = json::parse(std::string(buffer, length));
  EXPECT_EQ(s["epochs_run"], 3);
  EXPECT_EQ(s["train_loss"], seen.rows.back()["train_loss"]);
}

// One status type: a status made by a model.so reads and frees with the
// runtime's nnc_status_* functions, and one made by the runtime with the
// model.so's (lib/ModelRT/Status.c is compiled into both).
TEST(Loop, StatusesCrossLibraries) {
  void *lib = dlopen(NNC_FIXTURE_CLASSIFIER, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using FindFn = decltype(&nnc_model_find_tensor);
  using MessageFn = const char *(*)(nnc_status_t);
  using FreeFn = void (*)(nnc_status_t);
  auto find = reinterpret_cast<FindFn>(dlsym(lib, "nnc_model_find_tensor"));
  auto modelMessage =
      reinterpret_cast<MessageFn>(dlsym(lib, "nnc_status_message"));
  auto modelFree = reinterpret_cast<FreeFn>(dlsym(lib, "nnc_status_free"));
  ASSERT_TRUE(find && modelMessage && modelFree);
  int32_t index = -1;
  nnc_status_t fromModel = find(NNC_KIND_PARAM, "no_such_tensor", &index);
  ASSERT_NE(fromModel, nullptr);
  EXPECT_EQ(nnc_status_code(fromModel), NNC_STATUS_NOT_FOUND);
  EXPECT_STREQ(nnc_status_message(fromModel), modelMessage(fromModel));
  EXPECT_NE(std::string(nnc_status_message(fromModel)).find("no_such_tensor"),
            std::string::npos);
  nnc_status_free(fromModel);
  nnc_rt_dataset_t *ds = nullptr;
  nnc_status_t fromRuntime =
      nnc_rt_dataset_load_csv("/nonexistent/x.csv", nullptr, &ds);
  ASSERT_NE(fromRuntime, nullptr);
  EXPECT_STREQ(modelMessage(fromRuntime), nnc_status_message(fromRuntime));
  modelFree(fromRuntime);
  dlclose(lib);
}
