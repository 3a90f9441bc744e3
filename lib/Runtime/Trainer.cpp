//===- Trainer.cpp - The training loop
//-------------------------------------===//
//
// `train()`: resolve the recipe and the overrides, load and prepare the data,
// then run epochs of seeded batches through the model's fused training step
// (or, on several processes, the data-parallel step of DataParallel.cpp)
// with the scheduled learning rate, measure, schedule, stop early, and leave
// a checkpoint with the loop's state after every epoch so that `resume`
// continues exactly like an uninterrupted run (the state and resume are in
// TrainState.cpp). Outputs (summary, history, plots, weights) are written by
// TrainOutputs.cpp.
//
//===----------------------------------------------------------------------===//

#include "InferenceLoss.h"
#include "TrainInternal.h"
#include "TrainRun.h"
#include "nnc/Runtime/Recipe.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <limits>

using namespace nnc::rt;
using namespace nnc::rt::detail;
using json = nlohmann::json;

static double nowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// A float whose bit pattern marks "the kernel did not write this output".
static float sentinel() {
  uint32_t bits = 0x7fc0dea1u;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

static bool isSentinel(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof f);
  return bits == 0x7fc0dea1u;
}

/// `kind path` of a data spec, for the progress lines.
static std::string describeSpec(const DataSpec &spec) {
  json j = json::parse(spec.json, nullptr, false);
  if (!j.is_object())
    return spec.json;
  std::string text = j.value("kind", "data");
  for (const char *key : {"path", "dir", "inputs", "gate"})
    if (j.contains(key) && j[key].is_string())
      text += " " + j[key].get<std::string>();
  return text;
}

/// `NAME: N samples [shape], C classes`, for the progress lines.
static std::string describeData(const Dataset &d) {
  std::string shape;
  for (int64_t x : d.featureShape)
    shape += (shape.empty() ? "" : ", ") + std::to_string(x);
  std::string text =
      fmt::format("{}: {} samples [{}]", d.name, d.size(), shape);
  if (d.isRegression())
    return text + fmt::format(", {} target{}", d.targetDim,
                              d.targetDim == 1 ? "" : "s");
  return text + fmt::format(", {} classes", d.numClasses);
}

//===----------------------------------------------------------------------===//
// Setup
//===----------------------------------------------------------------------===//

void TrainRun::setup() {
  lib = need(ModelLibrary::open(opts.modelLib));
  if (!lib->hasEntry(NNC_ENTRY_TRAIN_STEP))
    fail(ErrorCode::InvalidArgument,
         "{}: model {} has no training step (its .nn file has no train "
         "section)",
         opts.modelLib, lib->name());
  if (lib->tensors(NNC_KIND_LABEL).size() != 1)
    fail(ErrorCode::InvalidArgument,
         "{}: model {} has {} labels; nnc train feeds exactly one",
         opts.modelLib, lib->name(), lib->tensors(NNC_KIND_LABEL).size());
  std::vector<std::string> warnings;
  std::string recipe = lib->recipeJson();
  if (!opts.recipePatch.empty()) {
    json base = json::parse(recipe, nullptr, false);
    json patch = json::parse(opts.recipePatch, nullptr, false);
    if (patch.is_discarded() || !patch.is_object())
      fail(ErrorCode::InvalidArgument,
           "recipe patch: expected a JSON object, "
           "got '{}'",
           opts.recipePatch);
    if (base.is_object()) {
      for (auto it = patch.begin(); it != patch.end(); ++it)
        base[it.key()] = it.value();
      recipe = base.dump();
    }
  }
  cfg = need(parseRecipe(recipe, warnings));
  for (const std::string &w : warnings)
    warn(w);

  // Command-line / API overrides.
  if (opts.epochs)
    cfg.epochs = *opts.epochs;
  if (opts.batch)
    cfg.batch = *opts.batch;
  if (opts.seed)
    cfg.seed = *opts.seed;
  if (opts.validation)
    cfg.validation = *opts.validation;
  if (opts.saveEvery)
    cfg.saveEvery = *opts.saveEvery;
  if (cfg.saveEvery < 0)
    fail(ErrorCode::InvalidArgument, "save_every must be >= 0, got {}",
         cfg.saveEvery);
  if (opts.scaling)
    cfg.scaling = *opts.scaling;
  // The model ABI takes at most NNC_MAX_BATCH rows per call.
  if (cfg.batch < 1 || cfg.batch > NNC_MAX_BATCH)
    fail(ErrorCode::InvalidArgument, "batch must lie in [1, {}], got {}",
         NNC_MAX_BATCH, cfg.batch);
  if (cfg.epochs < 0)
    fail(ErrorCode::InvalidArgument, "epochs must be >= 0, got {}", cfg.epochs);
  if (!(cfg.validation >= 0 && cfg.validation < 1)) // NaN fails too
    fail(ErrorCode::InvalidArgument, "validation must lie in [0, 1), got {}",
         cfg.validation);
  // The train section's rate: the recipe always has one (the front end
  // fills every optimizer value, docs/runtime.md); the descriptor's f32 copy
  // only for a recipe without an optimizer.
  baseLr = opts.lr ? *opts.lr
           : cfg.lr > 0
               ? cfg.lr
               : std::stod(fmt::format("{}", lib->api().defaultLearningRate()));
  if (!(baseLr >= 0) || !std::isfinite(baseLr))
    fail(ErrorCode::InvalidArgument,
         "learning rate must be finite and >= 0, "
         "got {}",
         baseLr);

  loadData();
}

void TrainRun::loadData() {
  const ModelTensor &label = lib->tensors(NNC_KIND_LABEL)[0];
  LoadContext ctx;
  ctx.seed = cfg.seed;
  ctx.regression = label.dtype == NNC_DTYPE_F32 && label.itemElements == 1 &&
                   !scoresBinaryClasses(cfg.loss);
  // The train section's feature scale is part of the model: --data and
  // --test rows get it too, unless their spec states its own.
  double recipeScale = specScale(cfg.data).value_or(1.0);
  if (opts.trainData) {
    trainSet = *opts.trainData;
  } else {
    LoadContext c = ctx;
    DataSpec spec = cfg.data;
    if (!opts.data.empty())
      spec = withScale(need(parseDataSpec(opts.data)), recipeScale);
    else
      c.baseDir = opts.baseDir;
    record.scale = specScale(spec).value_or(1.0);
    double t0 = nowSeconds();
    say("loading the training data: " + describeSpec(spec));
    trainSet = need(loadDataSpec(spec, c));
    say(fmt::format("loaded {} ({:.1f} s)", describeData(trainSet),
                    nowSeconds() - t0));
  }
  if (opts.testData) {
    testSet = *opts.testData;
  } else if (!opts.test.empty() || !cfg.test.empty()) {
    LoadContext c = ctx;
    c.testSplit = true;
    DataSpec spec = cfg.test;
    if (!opts.test.empty())
      spec = withScale(need(parseDataSpec(opts.test)), recipeScale);
    else
      c.baseDir = opts.baseDir;
    double t0 = nowSeconds();
    say("loading the test data: " + describeSpec(spec));
    testSet = need(loadDataSpec(spec, c));
    say(fmt::format("loaded {} ({:.1f} s)", describeData(*testSet),
                    nowSeconds() - t0));
  }
  need(trainSet.validate());
  if (trainSet.size() == 0)
    fail(ErrorCode::InvalidArgument, "the training data '{}' is empty",
         trainSet.name);
  if (cfg.validation > 0) {
    auto parts = need(splitValidation(trainSet, cfg.validation, cfg.seed));
    trainSet = std::move(parts.first);
    valSet = std::move(parts.second);
  }
  if (cfg.scaling != ScalingKind::None) {
    scaler = need(Scaler::fit(trainSet, cfg.scaling));
    need(scaler->apply(trainSet));
    if (valSet)
      need(scaler->apply(*valSet));
    if (testSet)
      need(scaler->apply(*testSet));
  }
  task = need(describeTask(*lib, trainSet, cfg.loss));
  if (testSet)
    need(describeTask(*lib, *testSet, cfg.loss));
  evalSet = valSet ? &*valSet : testSet ? &*testSet : nullptr;

  // What early stopping and plateau watch.
  bool lossMeasurable = InferenceLoss(*lib).measurable(*lib);
  if (evalSet && lossMeasurable)
    monitor = Monitor::ValLoss;
  else if (evalSet && task.classification)
    monitor = Monitor::ValAccuracy;
  else
    monitor = Monitor::TrainLoss;
}

//===----------------------------------------------------------------------===//
// The loop
//===----------------------------------------------------------------------===//

void TrainRun::runEpoch(int64_t epoch, Batcher &batcher) {
  double start = nowSeconds();
  double lr = schedule->lr();
  batcher.beginEpoch(epoch);
  if (opts.progress)
    opts.progress->beginEpoch(epoch + 1, cfg.epochs, batcher.numBatches());
  RunningMean loss;
  AccuracyMeter acc;
  RegressionMeter reg;
  bool outputsSeen = true;
  std::vector<std::vector<float>> outputs;
  outputs.resize(lib->tensors(NNC_KIND_OUTPUT).size());
  Batch b;
  int64_t samples = 0;
  while (batcher.next(b)) {
    std::vector<char> labels = labelBytes(task, b);
    // Mark output 0 so that we can tell whether the kernel wrote it.
    outputs[0].assign(size_t(b.rows * task.outputElements), 0.0f);
    if (b.rows > 0)
      outputs[0][0] = sentinel();
    float l = trainOn(b, labels, lr, outputs);
    if (!std::isfinite(l) && parallel)
      comm.setFailedTogether(); // the loss of the whole batch, on every rank
    if (!std::isfinite(l))
      fail(ErrorCode::InvalidArgument,
           "training diverged: the loss is {} at epoch {}, batch {} (lr {}); "
           "try a lower learning rate",
           l, epoch + 1, b.index + 1, lr);
    ++steps;
    samples += b.globalRows;
    loss.add(l, double(b.globalRows));
    if (b.rows == 0)
      ; // this process had no rows of the batch
    else if (isSentinel(outputs[0][0]))
      outputsSeen = false;
    else if (task.classification)
      acc.add(outputs[0].data(), b.rows, task.outputElements, b.labels.data(),
              task.outputKind);
    else if (task.outputElements == task.labelElements)
      reg.add(outputs[0].data(), b.targets.data(), b.rows * task.labelElements);
    if (opts.progress)
      opts.progress->update(b.index + 1, samples, loss.mean());
  }
  if (parallel)
    parallel->reduceMeters(acc, reg);
  HistoryRow row;
  row.epoch = epoch + 1;
  row.lr = lr;
  row.trainLoss = loss.mean();
  if (outputsSeen && task.classification)
    row.trainAccuracy = acc.value();
  if (outputsSeen && !task.classification && reg.mse() >= 0 &&
      task.outputElements == task.labelElements) {
    trainMae = reg.mae();
    trainRmse = reg.rmse();
    row.trainMae = cfg.wants("mae") ? trainMae : NAN;
    row.trainRmse = cfg.wants("rmse") ? trainRmse : NAN;
  }
  if (evalSet)
    validate(row);
  double monitored = monitor == Monitor::ValLoss       ? row.valLoss
                     : monitor == Monitor::ValAccuracy ? row.valAccuracy
                                                       : row.trainLoss;
  schedule->endEpoch(monitored);
  if (earlyStop && earlyStop->update(epoch + 1, monitored))
    stoppedEarly = true;
  if (bestTracker)
    bestTracker->update(epoch + 1, monitored);
  // The best weights are kept in memory and reach best.safetensors with
  // the next checkpoint, so an improving run does not write every epoch.
  if (EarlyStopping *t = tracker(); t && t->improved()) {
    bestParams = need(model->readAll(NNC_KIND_PARAM));
    bestBuffers = need(model->readAll(NNC_KIND_BUFFER));
    bestUnsaved = true;
  }
  row.seconds = nowSeconds() - start;
  trainSeconds += row.seconds;
  history.rows.push_back(row);
  if (opts.progress)
    opts.progress->endEpoch(row);
  bool due = cfg.saveEvery > 0 ? (epoch + 1) % cfg.saveEvery == 0
                               : nowSeconds() - lastSave >= 60.0;
  if (due)
    saveCheckpoint();
}

float TrainRun::trainOn(const Batch &b, const std::vector<char> &labels,
                        double lr, std::vector<std::vector<float>> &outputs) {
  if (parallel)
    return parallel->step(b, labels, lr, outputs);
  float l = 0;
  need(model->trainStep(b.rows, {b.features.data()}, {labels.data()}, lr,
                        &outputs, l));
  return l;
}

void TrainRun::validate(HistoryRow &row) {
  // The processes hold the same parameters: rank 0 evaluates, and its
  // figures drive every process's schedule and early stopping.
  double figures[4] = {NAN, NAN, NAN, NAN};
  if (comm.rank() == 0) {
    EvalMetrics m = need(evaluate(*model, *evalSet, task, cfg.batch));
    figures[0] = m.loss;
    figures[1] = m.accuracy;
    figures[2] = m.mae;
    figures[3] = m.rmse;
  }
  if (parallel)
    need(comm.broadcast(figures, sizeof figures, 0));
  row.valLoss = figures[0];
  row.valAccuracy = figures[1];
  row.valMae = cfg.wants("mae") ? figures[2] : NAN;
  row.valRmse = cfg.wants("rmse") ? figures[3] : NAN;
}

void TrainRun::saveCheckpoint() {
  if (opts.outDir.empty() || history.rows.empty() ||
      savedEpochs == int64_t(history.rows.size()))
    return;
  // best.safetensors, then the checkpoint, then the state that names both.
  // Each file is written to a temporary and renamed, so none is ever
  // half-written; a crash between the checkpoint and its state is caught by
  // resume (their steps differ), one after best.safetensors leaves it one
  // improvement ahead of the state (as when it was written at every
  // improvement).
  if (bestUnsaved && !bestParams.empty()) {
    auto best = need(ModelInstance::create(lib, cfg.seed, 1)); // no kernels
    need(best->writeAll(NNC_KIND_PARAM, bestParams));
    need(best->writeAll(NNC_KIND_BUFFER, bestBuffers));
    need(best->save(joinPath(opts.outDir, "best.safetensors")));
    bestUnsaved = false;
  }
  std::string ckpt = joinPath(opts.outDir, "checkpoint.safetensors");
  need(model->save(ckpt));
  need(writeFileAtomic(statePathFor(ckpt), stateJson(need(model->step()))));
  need(history.writeCsv(joinPath(opts.outDir, "history.csv")));
  savedEpochs = int64_t(history.rows.size());
  lastSave = nowSeconds();
  ++checkpointsWritten;
}

void TrainRun::prepareModel() {
  ScheduleConfig sc = cfg.schedule;
  sc.baseLr = baseLr;
  sc.mode = monitor == Monitor::ValAccuracy ? MetricMode::Max : MetricMode::Min;
  schedule.emplace(need(LrSchedule::create(sc)));
  if (cfg.earlyStop)
    earlyStop.emplace(cfg.patience, cfg.minDelta, sc.mode);
  else if (monitor != Monitor::TrainLoss)
    bestTracker.emplace(std::numeric_limits<int64_t>::max(), 0.0, sc.mode);
  model = need(ModelInstance::create(lib, cfg.seed, opts.threads));
  if (!opts.outDir.empty())
    need(makeDirectories(opts.outDir));
  if (!opts.resume.empty()) {
    resume();
    savedEpochs = int64_t(history.rows.size());
  }
}

TrainResult TrainRun::run() {
  if (comm.size() == 1) {
    setup();
    prepareModel();
  } else {
    // A process that cannot load its data or checkpoint must not leave the
    // others waiting: every process learns of the failure here.
    need(agree(comm, guardStatus([&] {
                 setup();
                 prepareModel();
                 if (!lib->hasEntry(NNC_ENTRY_GRADS) ||
                     !lib->hasEntry(NNC_ENTRY_APPLY))
                   fail(ErrorCode::InvalidArgument,
                        "{}: model {} has no separate gradient and apply "
                        "entries, which "
                        "training on several processes needs",
                        opts.modelLib, lib->name());
               })));
    need(agreeOnRun(
        comm, fmt::format("model {} ({} parameter tensors), {} training "
                          "samples, batch {}, seed {}, epochs {}, step {}",
                          lib->name(), lib->tensors(NNC_KIND_PARAM).size(),
                          trainSet.size(), cfg.batch, cfg.seed, cfg.epochs,
                          need(model->step()))));
    need(checkInSync(comm, *model));
    parallel.emplace(*model, comm, cfg.syncBatchnorm);
  }
  lastSave = nowSeconds();
  record.scaler = scaler;
  record.validation = cfg.validation;
  record.seed = cfg.seed;
  if (!opts.outDir.empty())
    need(writeFileAtomic(joinPath(opts.outDir, "preprocess.json"),
                         record.toJson()));

  Batcher batcher = need(
      Batcher::create(trainSet, {cfg.batch, cfg.shuffle, /*dropLast=*/false,
                                 cfg.seed, comm.rank(), comm.size()}));
  bool alreadyStopped = earlyStop && earlyStop->shouldStop();
  for (int64_t e = int64_t(history.rows.size());
       e < cfg.epochs && !alreadyStopped; ++e) {
    runEpoch(e, batcher);
    ++epochsRun;
    if (parallel)
      need(checkInSync(comm, *model));
    if (opts.onEpoch && !opts.onEpoch(history.rows.back()))
      break;
    if (stoppedEarly) {
      if (opts.progress)
        opts.progress->message(fmt::format(
            "early stopping after epoch {}: no improvement for {} epochs "
            "(best epoch {})",
            e + 1, cfg.patience, earlyStop->bestEpoch()));
      break;
    }
  }
  stoppedEarly = stoppedEarly || alreadyStopped;
  if (opts.progress)
    opts.progress->endRun();
  saveCheckpoint();       // the last epoch, unless it was just saved
  if (comm.rank() != 0) { // rank 0 reports and writes the outputs
    TrainResult r;
    r.history = history;
    r.epochsRun = epochsRun;
    r.stoppedEarly = stoppedEarly;
    r.steps = steps;
    return r;
  }
  return finish();
}

Expected<TrainResult> nnc::rt::train(const TrainOptions &options) {
  return guard([&] {
    std::unique_ptr<Communicator> local;
    Communicator *comm = options.comm;
    if (!comm) {
      local = localCommunicator();
      comm = local.get();
    }
    if (comm->rank() == 0) {
      TrainRun run(options, *comm);
      return run.run();
    }
    // Other ranks train silently and write nothing.
    TrainOptions quiet = options;
    quiet.outDir.clear();
    quiet.progress = nullptr;
    quiet.warn = nullptr;
    quiet.plots = false;
    TrainRun run(quiet, *comm);
    return run.run();
  });
}
