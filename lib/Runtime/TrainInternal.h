//===- TrainInternal.h - Helpers shared by the trainer files ----*- C++ -*-===//
//
// Private to lib/Runtime: turning a batch into the model's label buffer,
// unwrapping Expected values inside exception-guarded bodies, and the names
// of the files a training run writes.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_TRAININTERNAL_H
#define NNC_LIB_RUNTIME_TRAININTERNAL_H

#include "Internal.h"
#include "nnc/Runtime/Batcher.h"
#include "nnc/Runtime/Trainer.h"

#include <vector>

namespace nnc::rt::detail {

/// The value of `e`, or throws its status.
template <typename T> T need(Expected<T> e) {
  if (!e)
    throw RuntimeError(e.status().code(), e.status().message());
  return e.take();
}

/// Throws a failed status.
inline void need(const Status &s) {
  if (!s)
    throw RuntimeError(s.code(), s.message());
}

/// The bytes of the model's label tensor for `batch` (int32 class ids,
/// one-hot or float class ids, or float targets, as `task` says).
std::vector<char> labelBytes(const TaskInfo &task, const Batch &batch);

/// A history row as the JSON object checkpoint.json keeps ("epoch", "lr",
/// "train_loss", ...; null for what was not measured).
std::string historyRowJson(const HistoryRow &row);

/// `dir`/`name` ("name" alone when dir is empty).
std::string joinPath(const std::string &dir, const std::string &name);

/// The directory part of `path` ("." when it has none).
std::string dirName(const std::string &path);

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_TRAININTERNAL_H
