//===- Report.cpp - Progress, history and summary -------------------------===//
//
// The progress display (in-place bar or plain lines), history.csv reading
// and writing, and summary.json.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Report.h"
#include "Internal.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <unistd.h>

using namespace nnc::rt;
using namespace nnc::rt::detail;

static constexpr const char *kHistoryHeader =
    "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,"
    "train_mae,train_rmse,val_mae,val_rmse";
/// The header before the regression columns (read for older runs).
static constexpr const char *kHistoryHeader7 =
    "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds";

static std::string cell(double v) {
  return std::isnan(v) ? std::string() : fmt::format("{:.9g}", v);
}

std::string History::toCsv() const {
  std::string out = kHistoryHeader;
  out += '\n';
  for (const HistoryRow &r : rows)
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.epoch, cell(r.lr),
                    cell(r.trainLoss), cell(r.trainAccuracy), cell(r.valLoss),
                    cell(r.valAccuracy), cell(r.seconds), cell(r.trainMae),
                    cell(r.trainRmse), cell(r.valMae), cell(r.valRmse));
  return out;
}

Status History::writeCsv(const std::string &path) const {
  return writeFileAtomic(path, toCsv());
}

Expected<History> History::readCsv(const std::string &path) {
  return guard([&] {
    std::string text = readFileMaybeGzip(path);
    History h;
    size_t columns = 11;
    int64_t lines = forEachLine(text, [&](const std::string &line,
                                          int64_t lineNo) {
      if (lineNo == 1) {
        if (line == kHistoryHeader7)
          columns = 7;
        else if (line != kHistoryHeader)
          fail(ErrorCode::DataLoss, "{}:1: expected the header '{}'", path,
               kHistoryHeader);
        return;
      }
      if (line.empty())
        return;
      std::vector<double> values;
      size_t start = 0;
      while (true) {
        size_t comma = line.find(',', start);
        std::string f = line.substr(start, comma - start);
        double v = NAN;
        if (!f.empty()) {
          auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
          if (ec != std::errc() || ptr != f.data() + f.size())
            fail(ErrorCode::DataLoss, "{}:{}: field {} is not a number: '{}'",
                 path, lineNo, values.size() + 1, f.substr(0, 40));
        }
        values.push_back(v);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
      if (values.size() != columns || std::isnan(values[0]))
        fail(ErrorCode::DataLoss,
             "{}:{}: expected {} fields with an epoch, got {}", path, lineNo,
             columns, values.size());
      values.resize(11, NAN);
      h.rows.push_back({static_cast<int64_t>(values[0]), values[1], values[2],
                        values[3], values[4], values[5], values[6], values[7],
                        values[8], values[9], values[10]});
    });
    if (lines == 0)
      fail(ErrorCode::DataLoss, "{}: empty file", path);
    return h;
  });
}

Status nnc::rt::writeSummary(const std::string &path,
                             const nlohmann::json &summary) {
  return writeFileAtomic(path, summary.dump(2) + "\n");
}

//===----------------------------------------------------------------------===//
// Progress
//===----------------------------------------------------------------------===//

static double steadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

static std::string formatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 360000)
    return "--:--";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600)
    return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

static std::string formatRate(double perSecond, const char *unit) {
  if (perSecond >= 1e6)
    return fmt::format("{:.1f}M {}/s", perSecond / 1e6, unit);
  if (perSecond >= 1e4)
    return fmt::format("{:.1f}k {}/s", perSecond / 1e3, unit);
  return fmt::format("{:.0f} {}/s", perSecond, unit);
}

std::string nnc::rt::formatEpochLine(const HistoryRow &row, int64_t numEpochs) {
  int width = static_cast<int>(fmt::format("{}", numEpochs).size());
  std::string line =
      fmt::format("epoch {:>{}}/{}", row.epoch, width, numEpochs);
  auto add = [&](const char *name, double v, const char *format) {
    if (!std::isnan(v))
      line += fmt::format("  {} ", name) + fmt::format(fmt::runtime(format), v);
  };
  add("lr", row.lr, "{:.4g}");
  add("loss", row.trainLoss, "{:.4f}");
  add("acc", row.trainAccuracy, "{:.4f}");
  add("mae", row.trainMae, "{:.4g}");
  add("rmse", row.trainRmse, "{:.4g}");
  add("val_loss", row.valLoss, "{:.4f}");
  add("val_acc", row.valAccuracy, "{:.4f}");
  add("val_mae", row.valMae, "{:.4g}");
  add("val_rmse", row.valRmse, "{:.4g}");
  if (!std::isnan(row.seconds))
    line += fmt::format("  {:.2f}s", row.seconds);
  return line;
}

Progress::Progress(Sink sink, bool interactive)
    : sink(std::move(sink)), interactive(interactive), now(steadySeconds) {}

Progress Progress::forFile(std::FILE *file, bool allowInteractive) {
  bool tty = allowInteractive && file && ::isatty(::fileno(file));
  return Progress(
      [file](const std::string &text) {
        if (!file)
          return;
        std::fwrite(text.data(), 1, text.size(), file);
        std::fflush(file);
      },
      tty);
}

void Progress::beginEpoch(int64_t e, int64_t total, int64_t batches) {
  if (runStart < 0) {
    runStart = now();
    firstEpoch = e;
  }
  epoch = e;
  numEpochs = total;
  numBatches = batches;
  epochStart = now();
  lastDraw = -1;
  drawn = false;
}

void Progress::update(int64_t batchesDone, int64_t samplesDone, double loss) {
  if (!interactive)
    return;
  double t = now();
  bool last = batchesDone >= numBatches;
  if (lastDraw >= 0 && t - lastDraw < 0.1 && !last)
    return;
  lastDraw = t;
  double elapsed = t - epochStart;
  constexpr int kBarWidth = 28;
  double frac = numBatches > 0 ? double(batchesDone) / numBatches : 1.0;
  frac = std::min(1.0, std::max(0.0, frac));
  int filled = static_cast<int>(frac * kBarWidth);
  std::string bar(filled, '=');
  if (filled < kBarWidth)
    bar += '>' + std::string(kBarWidth - filled - 1, ' ');
  int width = static_cast<int>(fmt::format("{}", numBatches).size());
  std::string text =
      fmt::format("\repoch {}/{} [{}] {:>{}}/{}  loss {:.4f}", epoch, numEpochs,
                  bar, batchesDone, width, numBatches, loss);
  if (elapsed > 0 && batchesDone > 0) {
    text += "  " + formatRate(samplesDone / elapsed, "samples");
    double eta = elapsed / batchesDone * (numBatches - batchesDone);
    text += "  ETA " + formatDuration(eta);
  }
  text += "\x1b[K"; // clear the rest of the line
  sink(text);
  drawn = true;
}

void Progress::endEpoch(const HistoryRow &row) {
  std::string line = formatEpochLine(row, numEpochs);
  if (interactive && drawn) {
    sink("\r" + line + "\x1b[K\n");
  } else if (interactive || logEvery <= 0) {
    sink(line + "\n");
  } else {
    // Plain and throttled: the whole run's ETA from the mean epoch time.
    double t = now();
    int64_t done = row.epoch - firstEpoch + 1;
    if (row.epoch < numEpochs && done > 0)
      line += "  ETA " +
              formatDuration((t - runStart) / done * (numEpochs - row.epoch));
    bool first = row.epoch == firstEpoch, last = row.epoch >= numEpochs;
    if (first || last || lastLine < 0 || t - lastLine >= logEvery) {
      sink(line + "\n");
      lastLine = t;
      heldBack.clear();
    } else {
      heldBack = line;
    }
  }
  drawn = false;
}

void Progress::message(const std::string &text) {
  endRun();
  sink((interactive && drawn ? "\r\x1b[K" : "") + text + "\n");
  drawn = false;
}

void Progress::endRun() {
  if (!heldBack.empty())
    sink(heldBack + "\n");
  heldBack.clear();
}
