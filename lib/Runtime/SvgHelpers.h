//===- SvgHelpers.h - Shared pieces of the SVG writers ----------*- C++ -*-===//
//
// Private to lib/Runtime: the palette, XML escaping, 1-2-5 axes, the pixel
// frame and axis drawing shared by the line charts and the decision
// boundary pictures.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_LIB_RUNTIME_SVGHELPERS_H
#define NNC_LIB_RUNTIME_SVGHELPERS_H

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace nnc::rt::detail {

inline const char *const kPalette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
inline constexpr const char *kFont =
    "font-family=\"Helvetica, Arial, sans-serif\"";

/// `color` ("#rrggbb") blended over white with `alpha`: an opaque colour
/// that looks like the translucent one, so that touching shapes do not
/// darken where they meet.
inline std::string tint(const char *color, double alpha) {
  unsigned rgb = unsigned(std::strtoul(color + 1, nullptr, 16));
  auto mix = [&](unsigned c) {
    return unsigned(std::lround(alpha * c + (1 - alpha) * 255));
  };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(rgb >> 16 & 255),
                     mix(rgb >> 8 & 255), mix(rgb & 255));
}

inline std::string escapeXml(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      // Drop control characters, which XML 1.0 forbids.
      if (static_cast<unsigned char>(c) >= 0x20 || c == '\t')
        out += c;
    }
  }
  return out;
}

/// A linear axis with 1-2-5 ticks covering [lo, hi].
struct Axis {
  double lo, hi, step;
  int decimals;

  Axis(double dataLo, double dataHi, int targetTicks, bool integral) {
    if (!std::isfinite(dataLo) || !std::isfinite(dataHi)) {
      dataLo = 0;
      dataHi = 1;
    }
    if (dataHi - dataLo < 1e-12 * std::max(1.0, std::fabs(dataLo))) {
      double pad = std::max(std::fabs(dataLo) * 0.1, 0.5);
      dataLo -= pad;
      dataHi += pad;
    }
    double raw = (dataHi - dataLo) / std::max(1, targetTicks - 1);
    double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double f = raw / mag;
    step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    if (integral)
      step = std::max(step, 1.0);
    lo = std::floor(dataLo / step + 1e-9) * step;
    hi = std::ceil(dataHi / step - 1e-9) * step;
    decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step))));
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    for (int i = 0; lo + i * step <= hi + step * 1e-6 && i < 100; ++i)
      t.push_back(lo + i * step);
    return t;
  }
  std::string label(double v) const {
    if (std::fabs(v) < step * 1e-6)
      v = 0;
    return fmt::format("{:.{}f}", v, decimals);
  }
};

/// Pixel frame of a plot area.
struct Frame {
  double left, top, width, height;
  double px(const Axis &a, double v) const {
    return left + (v - a.lo) / (a.hi - a.lo) * width;
  }
  double py(const Axis &a, double v) const {
    return top + height - (v - a.lo) / (a.hi - a.lo) * height;
  }
};

/// Grid lines, ticks, tick labels, axis labels and the frame.
inline void drawAxes(std::string &svg, const Frame &f, const Axis &x,
                     const Axis &y, const std::string &xLabel,
                     const std::string &yLabel) {
  svg += "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n";
  for (double t : x.ticks())
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" "
                       "y2=\"{2:.1f}\"/>\n",
                       f.px(x, t), f.top, f.top + f.height);
  for (double t : y.ticks())
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" "
                       "y2=\"{1:.1f}\"/>\n",
                       f.left, f.py(y, t), f.left + f.width);
  svg += "</g>\n";
  svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                     "height=\"{:.1f}\" fill=\"none\" stroke=\"#444\"/>\n",
                     f.left, f.top, f.width, f.height);
  svg += fmt::format("<g class=\"ticks\" {} font-size=\"12\" fill=\"#333\">\n",
                     kFont);
  for (double t : x.ticks())
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
        "stroke=\"#444\"/><text x=\"{0:.1f}\" y=\"{3:.1f}\" "
        "text-anchor=\"middle\">{4}</text>\n",
        f.px(x, t), f.top + f.height, f.top + f.height + 5,
        f.top + f.height + 19, x.label(t));
  for (double t : y.ticks())
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
        "stroke=\"#444\"/><text x=\"{3:.1f}\" y=\"{4:.1f}\" "
        "text-anchor=\"end\">{5}</text>\n",
        f.left - 5, f.py(y, t), f.left, f.left - 8, f.py(y, t) + 4, y.label(t));
  svg += "</g>\n";
  svg += fmt::format("<text class=\"xlabel\" x=\"{:.1f}\" y=\"{:.1f}\" {} "
                     "font-size=\"14\" fill=\"#222\" "
                     "text-anchor=\"middle\">{}</text>\n",
                     f.left + f.width / 2, f.top + f.height + 42, kFont,
                     escapeXml(xLabel));
  double cx = f.left - 52, cy = f.top + f.height / 2;
  svg += fmt::format("<text class=\"ylabel\" x=\"{0:.1f}\" y=\"{1:.1f}\" {2} "
                     "font-size=\"14\" fill=\"#222\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 {0:.1f} {1:.1f})\">{3}</text>\n",
                     cx, cy, kFont, escapeXml(yLabel));
}

inline std::string svgOpen(int width, int height, const std::string &title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text class=\"title\" x=\"{2}\" y=\"30\" {3} font-size=\"17\" "
      "font-weight=\"bold\" fill=\"#111\" text-anchor=\"middle\">{4}</text>\n",
      width, height, width / 2, kFont, escapeXml(title));
}

} // namespace nnc::rt::detail

#endif // NNC_LIB_RUNTIME_SVGHELPERS_H
