//===- Evaluate.cpp - Matching data to a model, evaluation, prediction
//-----===//
//
// Checks that a data set fits a model (one f32 input of the right size, a
// label tensor that class ids or targets can fill) and evaluates or runs a
// model over a whole data set in batches; `nnc eval` and `nnc predict` are
// the checkpoint-loading wrappers at the bottom.
//
//===----------------------------------------------------------------------===//

#include "InferenceLoss.h"
#include "RunRecord.h"
#include "TrainInternal.h"
#include "nnc/Runtime/Recipe.h"
#include "nnc/Runtime/Sources.h"

#include <cstring>

using namespace nnc::rt;
using namespace nnc::rt::detail;

std::string nnc::rt::detail::joinPath(const std::string &dir,
                                      const std::string &name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::string nnc::rt::detail::dirName(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

static std::string shapeText(const ModelTensor &t) {
  std::string s = t.dtype == NNC_DTYPE_F32   ? "f32["
                  : t.dtype == NNC_DTYPE_I32 ? "i32["
                                             : "i64[";
  for (size_t i = 0; i < t.dims.size(); ++i)
    s += (i ? ", " : "") +
         (t.dims[i] < 0 ? std::string("N") : std::to_string(t.dims[i]));
  return s + "]";
}

Expected<TaskInfo> nnc::rt::describeTask(const ModelLibrary &lib,
                                         const Dataset &data,
                                         LossKind lossKind) {
  return guard([&] {
    const auto &inputs = lib.tensors(NNC_KIND_INPUT);
    const auto &outputs = lib.tensors(NNC_KIND_OUTPUT);
    const auto &labels = lib.tensors(NNC_KIND_LABEL);
    if (inputs.size() != 1 || inputs[0].dtype != NNC_DTYPE_F32 ||
        !inputs[0].hasBatch)
      fail(ErrorCode::InvalidArgument,
           "model {} has {} inputs; training and evaluation feed exactly one "
           "f32 input with a batch dimension",
           lib.name(), inputs.size());
    if (inputs[0].itemElements != data.sampleSize())
      fail(ErrorCode::InvalidArgument,
           "model input '{}' {} takes {} values per sample, but the data set "
           "'{}' has {}",
           inputs[0].name, shapeText(inputs[0]), inputs[0].itemElements,
           data.name, data.sampleSize());
    if (outputs.empty() || outputs[0].dtype != NNC_DTYPE_F32 ||
        !outputs[0].hasBatch)
      fail(ErrorCode::InvalidArgument,
           "model {} needs an f32 output with a batch dimension", lib.name());
    TaskInfo t;
    t.outputElements = outputs[0].itemElements;
    t.outputKind = lossKind == LossKind::Bce ? OutputKind::Probabilities
                                             : OutputKind::Logits;
    t.classification = !data.isRegression();
    // Class ids beyond the outputs would index past the logits in the
    // compiled loss: refuse them here.
    int64_t maxClasses = t.outputElements == 1 ? 2 : t.outputElements;
    if (t.classification && data.numClasses > maxClasses)
      fail(ErrorCode::InvalidArgument,
           "the data set '{}' has {} classes, but model output '{}' {} "
           "distinguishes {}",
           data.name, data.numClasses, outputs[0].name, shapeText(outputs[0]),
           maxClasses);
    if (labels.size() > 1)
      fail(ErrorCode::InvalidArgument,
           "model {} has {} labels; at most one is "
           "supported",
           lib.name(), labels.size());
    if (labels.empty())
      return t;
    const ModelTensor &l = labels[0];
    t.labelElements = l.itemElements;
    if (!l.hasBatch)
      fail(ErrorCode::InvalidArgument, "label '{}' has no batch dimension",
           l.name);
    if (l.dtype == NNC_DTYPE_I32) {
      if (data.isRegression())
        fail(ErrorCode::InvalidArgument,
             "label '{}' {} takes class indices, but the data set '{}' has "
             "regression targets",
             l.name, shapeText(l), data.name);
      if (l.itemElements != 1)
        fail(ErrorCode::InvalidArgument,
             "label '{}' {}: only one class index per sample is supported",
             l.name, shapeText(l));
      return t;
    }
    if (l.dtype != NNC_DTYPE_F32)
      fail(ErrorCode::InvalidArgument, "label '{}' must be f32 or i32", l.name);
    if (data.isRegression()) {
      if (l.itemElements != data.targetDim)
        fail(ErrorCode::InvalidArgument,
             "label '{}' {} takes {} targets per sample, but the data set '{}' "
             "has {}",
             l.name, shapeText(l), l.itemElements, data.name, data.targetDim);
      return t;
    }
    if (l.itemElements == 1)
      t.floatLabel = true;
    else if (l.itemElements == data.numClasses)
      t.oneHot = true;
    else
      fail(
          ErrorCode::InvalidArgument,
          "label '{}' {} takes {} values per sample, but the data set '{}' has "
          "{} classes",
          l.name, shapeText(l), l.itemElements, data.name, data.numClasses);
    return t;
  });
}

std::vector<char> nnc::rt::detail::labelBytes(const TaskInfo &task,
                                              const Batch &batch) {
  std::vector<char> out;
  auto put = [&](const void *p, size_t bytes) {
    out.resize(bytes);
    if (bytes)
      std::memcpy(out.data(), p, bytes);
  };
  if (!task.classification) {
    put(batch.targets.data(), batch.targets.size() * sizeof(float));
  } else if (task.oneHot) {
    std::vector<float> hot(size_t(batch.rows * task.labelElements), 0.0f);
    for (int64_t r = 0; r < batch.rows; ++r)
      hot[size_t(r * task.labelElements + batch.labels[r])] = 1.0f;
    put(hot.data(), hot.size() * sizeof(float));
  } else if (task.floatLabel) {
    std::vector<float> f(batch.labels.begin(), batch.labels.end());
    put(f.data(), f.size() * sizeof(float));
  } else {
    put(batch.labels.data(), batch.labels.size() * sizeof(int32_t));
  }
  return out;
}

Expected<EvalMetrics> nnc::rt::evaluate(ModelInstance &model,
                                        const Dataset &data,
                                        const TaskInfo &task, int64_t batch) {
  return guard([&] {
    EvalMetrics m;
    m.samples = data.size();
    if (m.samples == 0)
      return m;
    Batcher batcher = need(Batcher::create(data, {batch, false, false, 0}));
    batcher.beginEpoch(0);
    bool hasLabel = !model.library().tensors(NNC_KIND_LABEL).empty();
    // The loss in inference mode, on predict's outputs; `grads` (training
    // mode) only stands in when the two modes agree.
    InferenceLoss objective(model.library());
    bool hostLoss = hasLabel && objective.available();
    bool lossOk = objective.measurable(model.library());
    double penalty = hostLoss ? objective.penalty(model) : 0.0;
    RunningMean loss;
    AccuracyMeter acc;
    RegressionMeter reg;
    std::vector<std::vector<float>> outputs;
    Batch b;
    while (batcher.next(b)) {
      need(model.predict(b.rows, {b.features.data()}, outputs));
      if (task.classification)
        acc.add(outputs[0].data(), b.rows, task.outputElements, b.labels.data(),
                task.outputKind);
      else if (task.outputElements == data.targetDim)
        reg.add(outputs[0].data(), b.targets.data(), b.rows * data.targetDim);
      if (hostLoss) {
        std::vector<char> labels = labelBytes(task, b);
        loss.add(penalty + objective.batchLoss(b.rows, b.features.data(),
                                               labels.data(), outputs),
                 double(b.rows));
      } else if (lossOk) {
        std::vector<char> labels = labelBytes(task, b);
        float l = 0;
        need(model.evalLoss(b.rows, {b.features.data()}, {labels.data()}, l));
        loss.add(l, double(b.rows));
      }
    }
    if (lossOk) {
      m.loss = loss.mean();
      m.lossMeasured = true;
    }
    if (task.classification) {
      m.accuracy = acc.value();
    } else if (task.outputElements == data.targetDim) {
      m.mae = reg.mae();
      m.rmse = reg.rmse();
    }
    return m;
  });
}

Expected<std::vector<float>>
nnc::rt::predictAll(ModelInstance &model, const std::vector<float> &features,
                    int64_t n, int64_t batch) {
  return guard([&] {
    const auto &outs = model.library().tensors(NNC_KIND_OUTPUT);
    if (outs.empty())
      fail(ErrorCode::InvalidArgument, "the model has no outputs");
    int64_t k = outs[0].itemElements;
    int64_t d = n ? int64_t(features.size()) / n : 0;
    std::vector<float> result(size_t(n * k));
    std::vector<std::vector<float>> outputs;
    for (int64_t start = 0; start < n; start += batch) {
      int64_t rows = std::min(batch, n - start);
      need(model.predict(rows, {features.data() + start * d}, outputs));
      std::memcpy(result.data() + start * k, outputs[0].data(),
                  size_t(rows * k) * sizeof(float));
    }
    return result;
  });
}

//===----------------------------------------------------------------------===//
// nnc eval / nnc predict
//===----------------------------------------------------------------------===//

/// Opens the library, creates an instance and loads the checkpoint.
static std::unique_ptr<ModelInstance> loadTrained(const std::string &libPath,
                                                  const std::string &ckpt,
                                                  bool allowNonFinite,
                                                  int32_t threads) {
  auto lib = need(ModelLibrary::open(libPath));
  auto model = need(ModelInstance::create(lib, 0, threads));
  need(model->load(ckpt, allowNonFinite));
  return model;
}

/// The train section of `lib` (warnings about unknown keys dropped).
static TrainConfig recipeOf(const ModelLibrary &lib) {
  std::vector<std::string> warnings;
  return need(parseRecipe(lib.recipeJson(), warnings));
}

Expected<EvalMetrics> nnc::rt::evaluateCheckpoint(const EvalOptions &o,
                                                  std::string &dataName) {
  return guard([&] {
    auto model =
        loadTrained(o.modelLib, o.checkpoint, o.allowNonFinite, o.threads);
    const ModelLibrary &lib = model->library();
    TrainConfig cfg = recipeOf(lib);
    RunRecord record = readRunRecord(o.checkpoint, cfg);
    LoadContext ctx;
    ctx.seed = record.seed;
    const auto &labels = lib.tensors(NNC_KIND_LABEL);
    ctx.regression = !labels.empty() && labels[0].dtype == NNC_DTYPE_F32 &&
                     labels[0].itemElements == 1 &&
                     !scoresBinaryClasses(cfg.loss);
    Dataset data;
    if (!o.data.empty()) {
      // Raw rows: the recorded scale unless the spec states one.
      DataSpec spec = need(parseDataSpec(o.data));
      data = need(loadDataSpec(spec, ctx));
      record.apply(data, specScale(spec).has_value());
      dataName = data.name;
    } else if (!cfg.test.empty()) {
      ctx.baseDir = o.baseDir;
      ctx.testSplit = true;
      data = need(loadDataSpec(cfg.test, ctx));
      record.apply(data, /*scaled=*/true);
      dataName = data.name + " (test set)";
    } else {
      // The rows training held out, found again from the recorded fraction
      // and seed; without a split, the training rows, and the name says so.
      ctx.baseDir = o.baseDir;
      data = need(loadDataSpec(cfg.data, ctx));
      if (record.validation > 0) {
        int64_t all = data.size();
        data =
            need(splitValidation(data, record.validation, record.seed)).second;
        dataName = fmt::format("{}, held out from {} rows", data.name, all);
      } else {
        dataName = data.name + " (training rows: the train section has no "
                               "test set or validation split)";
      }
      record.apply(data, /*scaled=*/true);
    }
    TaskInfo task = need(describeTask(lib, data, cfg.loss));
    return need(evaluate(*model, data, task, cfg.batch));
  });
}

Status nnc::rt::predictFile(const PredictOptions &o, std::string &csvOut) {
  return guardStatus([&] {
    auto model =
        loadTrained(o.modelLib, o.checkpoint, o.allowNonFinite, o.threads);
    const ModelLibrary &lib = model->library();
    RunRecord record = readRunRecord(o.checkpoint, recipeOf(lib));
    Dataset data;
    auto endsWith = [](const std::string &s, const char *suffix) {
      size_t n = std::strlen(suffix);
      return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
    };
    if (endsWith(o.input, ".npy") || endsWith(o.input, ".npy.gz")) {
      NpyArray a = need(loadNpy(o.input));
      if (a.shape.empty())
        fail(ErrorCode::InvalidArgument,
             "{}: expected an array [n, ...], got a "
             "scalar",
             o.input);
      data.name = baseName(o.input);
      data.featureShape.assign(a.shape.begin() + 1, a.shape.end());
      data.features = std::move(a.values);
    } else {
      CsvOptions co;
      co.labelColumn = "none";
      data = need(loadCsv(o.input, co));
    }
    record.apply(data, /*scaled=*/false);
    const auto &inputs = lib.tensors(NNC_KIND_INPUT);
    if (inputs.size() != 1 || inputs[0].itemElements != data.sampleSize())
      fail(ErrorCode::InvalidArgument,
           "{}: the model input takes {} values per sample, the file has {}",
           o.input, inputs.empty() ? 0 : inputs[0].itemElements,
           data.sampleSize());
    int64_t n = data.size();
    std::vector<float> out = need(predictAll(*model, data.features, n, 256));
    int64_t k = n ? int64_t(out.size()) / n : 0;
    const auto &labels = lib.tensors(NNC_KIND_LABEL);
    bool classes = !labels.empty() && labels[0].dtype == NNC_DTYPE_I32;
    if (endsWith(o.output, ".npy")) {
      need(writeNpy(o.output, {n, k}, out));
      return;
    }
    std::string csv;
    const std::string &name = lib.tensors(NNC_KIND_OUTPUT)[0].name;
    for (int64_t j = 0; j < k; ++j)
      csv += fmt::format("{}{}", j ? "," : "",
                         k == 1 ? name : fmt::format("{}_{}", name, j));
    csv += classes ? ",class\n" : "\n";
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t j = 0; j < k; ++j)
        csv += fmt::format("{}{:.9g}", j ? "," : "", out[size_t(r * k + j)]);
      if (classes)
        csv += fmt::format(
            ",{}", predictClass(&out[size_t(r * k)], k, OutputKind::Logits));
      csv += '\n';
    }
    if (o.output.empty())
      csvOut = std::move(csv);
    else
      need(writeFileAtomic(o.output, csv));
  });
}
