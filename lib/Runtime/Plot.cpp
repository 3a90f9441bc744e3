//===- Plot.cpp - SVG charts ----------------------------------------------===//
//
// Hand-written SVG: "nice" 1-2-5 axis ticks, line charts with grid, NaN
// gaps, an optional marker (the best epoch) and a legend to the right of the
// plot area, where it cannot cover a curve.
//
//===----------------------------------------------------------------------===//

#include "nnc/Runtime/Plot.h"
#include "Internal.h"

#include <algorithm>
#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::detail;

#include "SvgHelpers.h"

std::string nnc::rt::renderLineChart(const std::vector<Series> &series,
                                     const ChartOptions &options) {
  double xLo = INFINITY, xHi = -INFINITY, yLo = INFINITY, yHi = -INFINITY;
  for (const Series &s : series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]))
        continue;
      xLo = std::min(xLo, s.x[i]);
      xHi = std::max(xHi, s.x[i]);
      yLo = std::min(yLo, s.y[i]);
      yHi = std::max(yHi, s.y[i]);
    }
  if (!std::isnan(options.yMin))
    yLo = options.yMin;
  if (!std::isnan(options.yMax))
    yHi = options.yMax;
  Axis x(xLo, xHi, 8, /*integral=*/true), y(yLo, yHi, 6, false);
  // The legend's width, taken from the plot area's right side.
  size_t longest = 0;
  for (const Series &s : series)
    longest = std::max(longest, s.name.size());
  double legendW = series.empty() ? 0 : 44 + 7.5 * double(longest);
  Frame f{78, 50, options.width - 78.0 - 24 - (legendW ? legendW + 14 : 0),
          options.height - 50.0 - 62};
  std::string svg = svgOpen(options.width, options.height, options.title);
  drawAxes(svg, f, x, y, options.xLabel, options.yLabel);
  svg += fmt::format("<g class=\"series\" fill=\"none\" stroke-width=\"2\" "
                     "stroke-linejoin=\"round\" stroke-linecap=\"round\" "
                     "clip-path=\"url(#plot)\">\n");
  std::string defs =
      fmt::format("<defs><clipPath id=\"plot\"><rect x=\"{:.1f}\" y=\"{:.1f}\" "
                  "width=\"{:.1f}\" height=\"{:.1f}\"/></clipPath></defs>\n",
                  f.left - 3, f.top - 3, f.width + 6, f.height + 6);
  svg.insert(svg.find("<rect width=\"100%\""), defs);
  for (size_t k = 0; k < series.size(); ++k) {
    const Series &s = series[k];
    std::string color = s.color.empty() ? kPalette[k % 10] : s.color;
    std::string dash = s.dashed ? " stroke-dasharray=\"7 4\"" : "";
    std::string points;
    size_t n = std::min(s.x.size(), s.y.size());
    auto flush = [&] {
      if (!points.empty())
        svg += fmt::format("<polyline stroke=\"{}\"{} points=\"{}\"/>\n", color,
                           dash, points);
      points.clear();
    };
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        flush();
        continue;
      }
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ",
                            f.px(x, s.x[i]), f.py(y, s.y[i]));
    }
    flush();
    if (n <= 40)
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" "
                             "fill=\"{}\" stroke=\"none\"/>\n",
                             f.px(x, s.x[i]), f.py(y, s.y[i]), color);
  }
  svg += "</g>\n";
  if (std::isfinite(options.markX) && options.markX >= x.lo &&
      options.markX <= x.hi) {
    double mx = f.px(x, options.markX);
    svg += fmt::format(
        "<g class=\"marker\" {}><line x1=\"{:.1f}\" y1=\"{:.1f}\" "
        "x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#555\" stroke-width=\"1.2\" "
        "stroke-dasharray=\"3 3\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
        "font-size=\"12\" fill=\"#333\" text-anchor=\"middle\">{}</text>"
        "</g>\n",
        kFont, mx, f.top, mx, f.top + f.height, mx, f.top - 6,
        escapeXml(options.markLabel));
  }
  // Legend to the right of the plot area.
  if (!series.empty()) {
    double w = legendW, h = 10 + 20.0 * series.size();
    double lx = f.left + f.width + 14, ly = f.top;
    svg += fmt::format("<g class=\"legend\" {} font-size=\"13\">\n"
                       "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                       "height=\"{:.1f}\" rx=\"4\" fill=\"white\" "
                       "fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n",
                       kFont, lx, ly, w, h);
    for (size_t k = 0; k < series.size(); ++k) {
      const Series &s = series[k];
      std::string color = s.color.empty() ? kPalette[k % 10] : s.color;
      double yy = ly + 17 + 20.0 * k;
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"{}\" stroke-width=\"2.5\"{}/>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#222\">{}</text>\n",
          lx + 8, yy - 4, lx + 32, yy - 4, color,
          s.dashed ? " stroke-dasharray=\"7 4\"" : "", lx + 38, yy,
          escapeXml(s.name));
    }
    svg += "</g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

static Status plotHistory(const History &history, const std::string &path,
                          bool accuracy, int64_t bestEpoch) {
  Series train{"train", {}, {}, kPalette[0], false};
  Series val{"validation", {}, {}, kPalette[1], true};
  bool haveVal = false;
  for (const HistoryRow &r : history.rows) {
    double t = accuracy ? r.trainAccuracy : r.trainLoss;
    double v = accuracy ? r.valAccuracy : r.valLoss;
    train.x.push_back(double(r.epoch));
    train.y.push_back(t);
    val.x.push_back(double(r.epoch));
    val.y.push_back(v);
    haveVal |= !std::isnan(v);
  }
  std::vector<Series> series{train};
  if (haveVal)
    series.push_back(val);
  ChartOptions options;
  options.title = accuracy ? "Accuracy" : "Loss";
  options.xLabel = "epoch";
  options.yLabel = accuracy ? "accuracy" : "loss";
  if (bestEpoch >= 1) {
    options.markX = double(bestEpoch);
    options.markLabel = fmt::format("best epoch {}", bestEpoch);
  }
  if (accuracy) {
    options.yMax = 1.0;
    double lo = 1.0;
    for (const Series &s : series)
      for (double v : s.y)
        if (std::isfinite(v))
          lo = std::min(lo, v);
    options.yMin = lo >= 0.5 ? std::floor(lo * 10) / 10 : 0.0;
  }
  return writeFileAtomic(path, renderLineChart(series, options));
}

Status nnc::rt::plotLoss(const History &history, const std::string &path,
                         int64_t bestEpoch) {
  return plotHistory(history, path, false, bestEpoch);
}

Status nnc::rt::plotAccuracy(const History &history, const std::string &path,
                             int64_t bestEpoch) {
  return plotHistory(history, path, true, bestEpoch);
}

const char *nnc::rt::classColor(int64_t index) {
  if (index < 0)
    return "#999999";
  return kPalette[index % 10];
}
