//===- nnc/Runtime/Plot.h - SVG charts --------------------------*- C++ -*-===//
//
// Self-contained SVG pictures of a run, drawn without external tools: line
// charts with ticked and labelled axes, a grid and a legend (loss and
// accuracy curves for train and validation), and the decision boundary of a
// classifier on 2-D inputs (the predicted class of a grid of points as
// coloured cells, with the data points on top).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_PLOT_H
#define NNC_RUNTIME_PLOT_H

#include "nnc/Runtime/Dataset.h"
#include "nnc/Runtime/Metrics.h"
#include "nnc/Runtime/Report.h"

#include <functional>
#include <string>
#include <vector>

namespace nnc::rt {

/// One line of a chart; NaN y values leave gaps.
struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string color; ///< CSS colour; "" picks from the palette
  bool dashed = false;
};

/// Options of a line chart.
struct ChartOptions {
  std::string title, xLabel, yLabel;
  int width = 760, height = 460;
  /// Force the y range (NaN: from the data).
  double yMin = NAN, yMax = NAN;
  /// A vertical marker at this x (NaN: none), labelled `markLabel`.
  double markX = NAN;
  std::string markLabel;
};

/// An SVG line chart of `series`.
std::string renderLineChart(const std::vector<Series> &series,
                            const ChartOptions &options);

/// Writes loss curves (train and, when present, validation) of `history`;
/// `bestEpoch` >= 1 is marked with a vertical line.
Status plotLoss(const History &history, const std::string &path,
                int64_t bestEpoch = -1);

/// Writes accuracy curves (train and validation) of `history`, y in [0, 1];
/// `bestEpoch` >= 1 is marked with a vertical line.
Status plotAccuracy(const History &history, const std::string &path,
                    int64_t bestEpoch = -1);

/// The SVG of a confusion matrix (`names`: class names, else indices).
std::string renderConfusion(const ConfusionMatrix &matrix,
                            const std::vector<std::string> &names,
                            const std::string &title);

/// Writes renderConfusion to `path`.
Status plotConfusion(const ConfusionMatrix &matrix,
                     const std::vector<std::string> &names,
                     const std::string &path, const std::string &title);

/// Classifies `n` 2-D points (row-major [n, 2]) into `classes`.
using ClassifyFn =
    std::function<void(const float *points, int64_t n, int32_t *classes)>;

/// Options of a decision-boundary picture.
struct BoundaryOptions {
  std::string title = "Decision boundary";
  int resolution = 120; ///< grid cells along each axis
  int size = 560;       ///< plot area in pixels (square)
  double margin = 0.1;  ///< extra range around the data, as a fraction
};

/// An SVG of the predicted class over a grid around `data` (2-D features,
/// classification) with the samples drawn on top.
Expected<std::string> renderDecisionBoundary(const Dataset &data,
                                             const ClassifyFn &classify,
                                             const BoundaryOptions &options);

/// renderDecisionBoundary written atomically to `path`.
Status plotDecisionBoundary(const Dataset &data, const ClassifyFn &classify,
                            const std::string &path,
                            const BoundaryOptions &options = {});

/// The colour of class `index` (a ten-colour qualitative palette).
const char *classColor(int64_t index);

} // namespace nnc::rt

#endif // NNC_RUNTIME_PLOT_H
