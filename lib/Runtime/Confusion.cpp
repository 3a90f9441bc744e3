//===- Confusion.cpp - The confusion-matrix picture -----------------------===//
//
// confusion.svg: one cell per (true class, predicted class), shaded by the
// share of the true class's samples it holds (row-normalised, so that every
// class is as visible as the others), with the count written in it; true
// classes down the left, predictions across the top.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "SvgHelpers.h"
#include "nnc/Runtime/Plot.h"

using namespace nnc::rt;
using namespace nnc::rt::detail;

std::string nnc::rt::renderConfusion(const ConfusionMatrix &m,
                                     const std::vector<std::string> &names,
                                     const std::string &title) {
  int64_t n = std::min<int64_t>(m.numClasses(), 50);
  double cell = n <= 10 ? 48 : std::max(12.0, 480.0 / double(n));
  double left = 150, top = 96;
  int width = int(left + cell * double(n) + 40);
  int height = int(top + cell * double(n) + 60);
  std::string svg = svgOpen(width, height, title);
  auto name = [&](int64_t c) {
    return int64_t(names.size()) == m.numClasses() ? names[size_t(c)]
                                                   : fmt::format("{}", c);
  };
  svg += fmt::format("<g class=\"labels\" {} font-size=\"12\" fill=\"#222\">\n",
                     kFont);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" "
                     "font-size=\"13\">predicted</text>\n",
                     left + cell * double(n) / 2, top - 34);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" "
                     "font-size=\"13\">true</text>\n",
                     left - 10, top - 12);
  for (int64_t c = 0; c < n; ++c) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"middle\">{}</text>\n",
                       left + cell * (double(c) + 0.5), top - 8,
                       escapeXml(name(c)));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"end\">{}</text>\n",
                       left - 10, top + cell * (double(c) + 0.5) + 4,
                       escapeXml(name(c)));
  }
  svg += "</g>\n<g class=\"cells\" stroke=\"#ccc\">\n";
  for (int64_t t = 0; t < n; ++t) {
    int64_t total = 0;
    for (int64_t p = 0; p < m.numClasses(); ++p)
      total += m.at(t, p);
    for (int64_t p = 0; p < n; ++p) {
      double share = total ? double(m.at(t, p)) / double(total) : 0.0;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\"/>",
          left + cell * double(p), top + cell * double(t), cell, cell,
          tint(kPalette[0], 0.05 + 0.95 * share));
      if (cell >= 24)
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" {} "
                           "font-size=\"12\" text-anchor=\"middle\" "
                           "stroke=\"none\" fill=\"{}\">{}</text>",
                           left + cell * (double(p) + 0.5),
                           top + cell * (double(t) + 0.5) + 4, kFont,
                           share > 0.5 ? "white" : "#222", m.at(t, p));
      svg += "\n";
    }
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

Status nnc::rt::plotConfusion(const ConfusionMatrix &m,
                              const std::vector<std::string> &names,
                              const std::string &path,
                              const std::string &title) {
  return guardStatus([&] {
    Status s = writeFileAtomic(path, renderConfusion(m, names, title));
    if (!s)
      throw RuntimeError(s.code(), s.message());
  });
}
