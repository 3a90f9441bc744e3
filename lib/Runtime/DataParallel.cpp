//===- DataParallel.cpp - One training step over several processes --------===//
//
// The data-parallel step (DataParallel.h): local gradients of a shard,
// weighted, summed over the processes in one all-reduce together with the
// loss and a failure flag, applied identically everywhere; plus the
// collective checks around it (agreeing on failures, on what is trained, on
// the parameters) and the fault injection that tests the failure paths.
//
//===----------------------------------------------------------------------===//

#include "DataParallel.h"
#include "Internal.h"
#include "TrainInternal.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace {
/// One process's entry in agree()'s all-gather.
struct FailureRecord {
  int32_t failed;
  int32_t code;
  char message[1016];
};
} // namespace

Status nnc::rt::detail::agree(Communicator &comm, const Status &local) {
  FailureRecord mine{};
  if (!local) {
    mine.failed = 1;
    mine.code = int32_t(local.code());
    std::snprintf(mine.message, sizeof mine.message, "%s",
                  local.message().c_str());
  }
  std::vector<FailureRecord> all(size_t(comm.size()));
  Status st = comm.allgather(&mine, sizeof mine, all.data());
  if (!st)
    return st;
  int first = -1, failed = 0;
  for (int r = 0; r < comm.size(); ++r)
    if (all[size_t(r)].failed) {
      ++failed;
      if (first < 0)
        first = r;
    }
  if (first < 0)
    return Status::ok();
  comm.setFailedTogether();
  const FailureRecord &f = all[size_t(first)];
  all[size_t(first)].message[sizeof f.message - 1] = '\0';
  std::string others =
      failed > 1 ? fmt::format(" ({} other ranks failed too)", failed - 1) : "";
  return Status(ErrorCode(f.code), fmt::format("rank {} of {}: {}{}", first,
                                               comm.size(), f.message, others));
}

Status nnc::rt::detail::agreeOnRun(Communicator &comm,
                                   const std::string &fingerprint) {
  char mine[512] = {0};
  std::snprintf(mine, sizeof mine, "%s", fingerprint.c_str());
  std::vector<char> all(sizeof mine * size_t(comm.size()));
  Status st = comm.allgather(mine, sizeof mine, all.data());
  if (!st)
    return st;
  auto fields = [](const std::string &text) {
    std::vector<std::string> out;
    for (size_t at = 0; at <= text.size();) {
      size_t end = text.find(", ", at);
      end = end == std::string::npos ? text.size() : end;
      out.push_back(text.substr(at, end - at));
      at = end + 2;
    }
    return out;
  };
  std::string first(all.data(), strnlen(all.data(), sizeof mine));
  for (int r = 1; r < comm.size(); ++r) {
    const char *at = all.data() + sizeof mine * size_t(r);
    std::string theirs(at, strnlen(at, sizeof mine));
    if (theirs == first)
      continue;
    comm.setFailedTogether();
    std::vector<std::string> a = fields(first), b = fields(theirs);
    std::string diff;
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      std::string x = i < a.size() ? a[i] : "", y = i < b.size() ? b[i] : "";
      if (x != y)
        diff += fmt::format("{}'{}' vs '{}'", diff.empty() ? "" : ", ", x, y);
    }
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("rank {} would train something else than rank "
                              "0 (rank 0 vs rank {}: {}); give every rank the "
                              "same model, data and options",
                              r, r, diff));
  }
  return Status::ok();
}

/// FNV-1a over the bytes of `data`.
static uint64_t hashFloats(const std::vector<float> &data) {
  uint64_t h = 1469598103934665603ull;
  const auto *p = reinterpret_cast<const unsigned char *>(data.data());
  for (size_t i = 0; i < data.size() * sizeof(float); ++i)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

Status nnc::rt::detail::checkInSync(Communicator &comm,
                                    const ModelInstance &model) {
  std::vector<float> params;
  Status st = model.readFlat(NNC_KIND_PARAM, params);
  if (!st)
    return st;
  uint64_t mine = hashFloats(params);
  std::vector<uint64_t> all(size_t(comm.size()));
  if (!(st = comm.allgather(&mine, sizeof mine, all.data())))
    return st;
  for (int r = 1; r < comm.size(); ++r)
    if (all[size_t(r)] != all[0]) {
      comm.setFailedTogether();
      return Status(ErrorCode::Internal,
                    fmt::format("the parameters of rank {} differ from rank "
                                "0's (the ranks must apply identical updates)",
                                r));
    }
  return Status::ok();
}

int ReplicaSums::callback(void *context, float *data, int64_t count) {
  auto *self = static_cast<ReplicaSums *>(context);
  self->wide.resize(size_t(count));
  for (int64_t i = 0; i < count; ++i)
    self->wide[size_t(i)] = self->contribute ? double(data[i]) : 0.0;
  Status st = self->comm->allreduceSum(self->wide.data(), count);
  if (!st) {
    if (self->error)
      self->error = std::move(st);
    return 1;
  }
  for (int64_t i = 0; i < count; ++i)
    data[i] = float(self->wide[size_t(i)]);
  return 0;
}

void DataParallel::stepWithoutRows() {
  auto zeros = [](nnc_tensor_kind_t kind, const ModelLibrary &lib) {
    std::vector<std::vector<char>> out;
    for (const ModelTensor &t : lib.tensors(kind))
      out.emplace_back(t.itemBytes, char(0)); // class 0 for i32 labels
    return out;
  };
  if (dummyInputs.empty()) {
    dummyInputs = zeros(NNC_KIND_INPUT, model.library());
    dummyLabels = zeros(NNC_KIND_LABEL, model.library());
  }
  std::vector<const void *> inputs, labels;
  for (auto &v : dummyInputs)
    inputs.push_back(v.data());
  for (auto &v : dummyLabels)
    labels.push_back(v.data());
  float loss = 0;
  sums.contribute = false;
  Status st = model.computeGradients(1, inputs, labels, &dummyOutputs, loss);
  sums.contribute = true;
  need(st);
}

float DataParallel::step(const Batch &shard, const std::vector<char> &labels,
                         double lr, std::vector<std::vector<float>> &outputs) {
  size_t numGrads = 0;
  for (const ModelTensor &t : model.library().tensors(NNC_KIND_GRAD))
    numGrads += size_t(t.itemElements);
  // sync_batchnorm: the grads entry sums its batchnorm statistics over the
  // processes through this callback, installed only around it (evaluation
  // on rank 0 alone must not call it).
  if (sync) {
    sums.error = Status::ok();
    need(model.setAllreduce(&ReplicaSums::callback, &sums));
  }
  // Layout: gradients, loss * weight, failure flag.
  Status local = guardStatus([&] {
    injectFault(comm.rank(), need(model.step()) + 1);
    if (shard.rows == 0) {
      if (sync)
        stepWithoutRows();
      flat.assign(numGrads + 2, 0.0f);
      return;
    }
    float loss = 0;
    // Dropout masks of the rows' places in the whole batch, as on one
    // process.
    need(model.setRowOffset(shard.firstRow));
    need(model.computeGradients(shard.rows, {shard.features.data()},
                                {labels.data()}, &outputs, loss));
    need(model.setRowOffset(0));
    need(model.readFlat(NNC_KIND_GRAD, flat));
    float weight = float(double(shard.rows) / double(shard.globalRows));
    for (float &g : flat)
      g *= weight;
    flat.push_back(loss * weight);
    flat.push_back(0.0f);
  });
  if (sync) {
    need(model.setAllreduce(nullptr, nullptr));
    // A failed replica sum is an MPI error; a local failure may leave the
    // other processes waiting in a replica sum inside their kernel, where
    // no agreement can reach them: both end every process (MPI_Abort).
    need(sums.error);
    need(local);
  }
  if (!local) {
    flat.assign(numGrads + 2, 0.0f);
    flat[numGrads + 1] = 1.0f;
  }
  need(comm.allreduceSum(flat.data(), int64_t(flat.size())));
  if (flat[numGrads + 1] > 0)
    need(agree(comm, local));
  float loss = flat[numGrads];
  need(model.writeFlat(NNC_KIND_GRAD, flat));
  need(model.applyGradients(lr));
  if (!model.library().tensors(NNC_KIND_BUFFER).empty()) {
    buffers = need(model.readAll(NNC_KIND_BUFFER));
    for (std::vector<char> &b : buffers)
      need(comm.broadcast(b.data(), b.size(), 0));
    need(model.writeAll(NNC_KIND_BUFFER, buffers));
  }
  return loss;
}

void DataParallel::reduceMeters(AccuracyMeter &accuracy,
                                RegressionMeter &regression) {
  std::array<double, 3> reg = regression.sums();
  double sums[5] = {double(accuracy.numCorrect()), double(accuracy.numTotal()),
                    reg[0], reg[1], reg[2]};
  need(comm.allreduceSum(sums, 5));
  accuracy.setCounts(int64_t(sums[0]), int64_t(sums[1]));
  regression.setSums({sums[2], sums[3], sums[4]});
}

void nnc::rt::detail::injectFault(int rank, int64_t step) {
  const char *spec = std::getenv("NNC_FAULT_INJECT");
  if (!spec || !*spec)
    return;
  int faultRank = -1;
  long long faultStep = -1;
  char what[16] = "";
  if (std::sscanf(spec, "%d:%15[a-z]@%lld", &faultRank, what, &faultStep) != 3)
    fail(ErrorCode::InvalidArgument,
         "NNC_FAULT_INJECT: expected RANK:kill@STEP or RANK:error@STEP, got "
         "'{}'",
         spec);
  if (faultRank != rank || faultStep != step)
    return;
  if (std::strcmp(what, "kill") != 0 && std::strcmp(what, "error") != 0)
    fail(ErrorCode::InvalidArgument,
         "NNC_FAULT_INJECT: expected kill or error, got '{}'", what);
  if (std::strcmp(what, "kill") == 0) {
    std::fprintf(stderr,
                 "nnc train: rank %d: NNC_FAULT_INJECT: killing "
                 "itself before step %lld\n",
                 rank, faultStep);
    std::fflush(stderr);
    ::raise(SIGKILL);
  }
  fail(ErrorCode::Internal, "NNC_FAULT_INJECT: {} at step {}", what, faultStep);
}
