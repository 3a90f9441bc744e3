//===- TimeReport.cpp - the text of nnc --time-report ---------------------===//
//
// The tree is printed as MLIR's text strategy prints it; every entry is also
// recorded, so that the footer can list the longest stages and passes. A
// pass that runs on several functions, or in several pipelines, appears once
// in the list with the sum of its wall times; a stage's time includes its
// passes.
//
//===----------------------------------------------------------------------===//

#include "TimeReport.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace {

/// Entries in the list at the end.
constexpr unsigned kLongest = 12;

class TimeReportOutput : public OutputStrategy {
public:
  using OutputStrategy::OutputStrategy;

  void printHeader(const TimeRecord &total) override {
    this->total = total;
    os << "===" << std::string(73, '-') << "===\n";
    os.indent(25) << "... Execution time report ...\n";
    os << "===" << std::string(73, '-') << "===\n";
    os << llvm::format("  Total Execution Time: %.4f seconds\n\n", total.wall);
    if (total.user != total.wall)
      os << "  ----User Time----";
    os << "  ----Wall Time----  ----Name----\n";
  }

  void printFooter() override {
    std::vector<std::pair<llvm::StringRef, double>> longest;
    for (const auto &entry : summed)
      longest.emplace_back(entry.getKey(), entry.getValue());
    llvm::sort(longest, [](const auto &a, const auto &b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (longest.size() > kLongest)
      longest.resize(kLongest);
    os << "\n  The " << longest.size()
       << " longest stages and passes (wall time, summed over runs):\n";
    for (const auto &[name, wall] : longest)
      os << llvm::format("  %8.4f (%5.1f%%)  ", wall,
                         total.wall > 0 ? 100.0 * wall / total.wall : 0.0)
         << name << "\n";
    os.flush();
  }

  void printTime(const TimeRecord &time, const TimeRecord &total) override {
    if (total.user != total.wall)
      os << llvm::format("  %8.4f (%5.1f%%)", time.user,
                         100.0 * time.user / total.user);
    os << llvm::format("  %8.4f (%5.1f%%)  ", time.wall,
                       100.0 * time.wall / total.wall);
  }

  void printListEntry(llvm::StringRef name, const TimeRecord &time,
                      const TimeRecord &total, bool lastEntry) override {
    printTime(time, total);
    os << name << "\n";
    record(name, time);
  }

  void printTreeEntry(unsigned indent, llvm::StringRef name,
                      const TimeRecord &time,
                      const TimeRecord &total) override {
    printTime(time, total);
    os.indent(indent) << name << "\n";
    record(name, time);
  }

  void printTreeEntryEnd(unsigned indent, bool lastEntry) override {}

private:
  /// Sums the wall time of `name`, leaving out the total, what no timer
  /// covered, and the pipeline nodes that only group passes.
  void record(llvm::StringRef name, const TimeRecord &time) {
    if (name == "Total" || name == "Rest" || name.ends_with(" Pipeline"))
      return;
    summed[name] += time.wall;
  }

  TimeRecord total;
  llvm::StringMap<double> summed;
};

} // namespace

std::unique_ptr<OutputStrategy>
nnc::createTimeReportOutput(llvm::raw_ostream &os) {
  return std::make_unique<TimeReportOutput>(os);
}
