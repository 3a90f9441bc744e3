//===- Boundary.cpp - Decision-boundary pictures --------------------------===//
//
// Classifies a grid of points around 2-D data with a caller's callback and
// draws the predicted classes as cells (merged into horizontal runs) under
// the data points, with axes and a class legend. Cells are opaque tints of
// the class colours and tile the plot exactly (each edge shared by its two
// neighbours): translucent cells that overlapped by a fraction of a pixel
// drew darker horizontal stripes where rows met.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "SvgHelpers.h"
#include "nnc/Runtime/Plot.h"

using namespace nnc::rt;
using namespace nnc::rt::detail;

/// At most this many data points are drawn (an even subsample beyond).
static constexpr int64_t kMaxPoints = 5000;
/// How strongly a cell shows its class colour (over white).
static constexpr double kCellAlpha = 0.32;

Expected<std::string>
nnc::rt::renderDecisionBoundary(const Dataset &data, const ClassifyFn &classify,
                                const BoundaryOptions &options) {
  return guard([&] {
    if (data.sampleSize() != 2 || data.isRegression())
      fail(ErrorCode::InvalidArgument,
           "{}: a decision boundary needs 2-D features and class labels",
           data.name);
    if (!classify)
      fail(ErrorCode::InvalidArgument, "decision boundary: no classifier");
    if (options.resolution < 2 || options.resolution > 1000 ||
        options.size < 100 || options.size > 4000)
      fail(ErrorCode::InvalidArgument,
           "decision boundary: resolution must be in [2, 1000] and size in "
           "[100, 4000]");
    int64_t n = data.size();
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int64_t i = 0; i < n; ++i)
      for (int d = 0; d < 2; ++d) {
        lo[d] = std::min(lo[d], double(data.features[2 * i + d]));
        hi[d] = std::max(hi[d], double(data.features[2 * i + d]));
      }
    if (n == 0)
      lo[0] = lo[1] = -1, hi[0] = hi[1] = 1;
    for (int d = 0; d < 2; ++d) {
      double pad = std::max((hi[d] - lo[d]) * options.margin, 0.05);
      lo[d] -= pad;
      hi[d] += pad;
    }
    Axis ax(lo[0], hi[0], 7, false), ay(lo[1], hi[1], 7, false);
    // Classify the cell centres, row 0 at the top (largest y).
    int res = options.resolution;
    std::vector<float> grid(size_t(res) * res * 2);
    for (int r = 0; r < res; ++r)
      for (int c = 0; c < res; ++c) {
        size_t k = (size_t(r) * res + c) * 2;
        grid[k] = float(ax.lo + (c + 0.5) / res * (ax.hi - ax.lo));
        grid[k + 1] = float(ay.hi - (r + 0.5) / res * (ay.hi - ay.lo));
      }
    std::vector<int32_t> classes(size_t(res) * res, -1);
    classify(grid.data(), int64_t(res) * res, classes.data());

    int64_t numClasses = std::max<int64_t>(data.numClasses, 1);
    double size = options.size;
    Frame f{78, 50, size, size};
    int width = static_cast<int>(size) + 78 + 170;
    int height = static_cast<int>(size) + 50 + 62;
    std::string svg = svgOpen(width, height, options.title);
    // Cell edges: edge(i) is shared by cells i - 1 and i.
    // Rounded to the 1/1000 pixel printed, so that x + width of a cell is
    // exactly the x of the next one.
    auto edge = [&](int i) {
      return std::round(double(i) * size / res * 1000) / 1000;
    };
    svg += "<g class=\"cells\" shape-rendering=\"crispEdges\">\n";
    for (int r = 0; r < res; ++r) {
      int c = 0;
      while (c < res) {
        int32_t k = classes[size_t(r) * res + c];
        int run = 1;
        while (c + run < res && classes[size_t(r) * res + c + run] == k)
          ++run;
        bool valid = k >= 0 && k < numClasses;
        svg += fmt::format("<rect x=\"{:.3f}\" y=\"{:.3f}\" width=\"{:.3f}\" "
                           "height=\"{:.3f}\" fill=\"{}\"/>\n",
                           f.left + edge(c), f.top + edge(r),
                           edge(c + run) - edge(c), edge(r + 1) - edge(r),
                           tint(classColor(valid ? k : -1), kCellAlpha));
        c += run;
      }
    }
    svg += "</g>\n";
    std::string xName =
        data.featureNames.size() == 2 ? data.featureNames[0] : "x0";
    std::string yName =
        data.featureNames.size() == 2 ? data.featureNames[1] : "x1";
    drawAxes(svg, f, ax, ay, xName, yName);
    int64_t stride = std::max<int64_t>(1, (n + kMaxPoints - 1) / kMaxPoints);
    svg += "<g class=\"points\" stroke=\"#1a1a1a\" stroke-width=\"0.7\">\n";
    for (int64_t i = 0; i < n; i += stride)
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.6\" "
                         "fill=\"{}\"/>\n",
                         f.px(ax, data.features[2 * i]),
                         f.py(ay, data.features[2 * i + 1]),
                         classColor(data.labels[i]));
    svg += "</g>\n";
    // Legend on the right.
    double lx = f.left + size + 18, ly = f.top + 4;
    svg += fmt::format("<g class=\"legend\" {} font-size=\"13\">\n", kFont);
    for (int64_t k = 0; k < numClasses && k < 30; ++k) {
      std::string name =
          static_cast<int64_t>(data.classNames.size()) == numClasses
              ? data.classNames[k]
              : fmt::format("class {}", k);
      double yy = ly + 22.0 * k;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"14\" "
          "fill=\"{}\" stroke=\"#999\"/>"
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.6\" fill=\"{}\" "
          "stroke=\"#1a1a1a\" stroke-width=\"0.7\"/>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#222\">{}</text>\n",
          lx, yy, tint(classColor(k), kCellAlpha), lx + 7, yy + 7,
          classColor(k), lx + 22, yy + 12, escapeXml(name));
    }
    svg += "</g>\n</svg>\n";
    return svg;
  });
}

Status nnc::rt::plotDecisionBoundary(const Dataset &data,
                                     const ClassifyFn &classify,
                                     const std::string &path,
                                     const BoundaryOptions &options) {
  auto svg = renderDecisionBoundary(data, classify, options);
  if (!svg)
    return svg.status();
  return writeFileAtomic(path, *svg);
}
