//===- ReportTests.cpp - History, summary, progress and SVG plots ---------===//
//
// history.csv text and round trip, atomic writes leaving no temporary
// files, summary.json, the progress display with a fake clock (in-place bar
// throttled to 10 Hz, plain per-epoch lines), and the SVG pictures parsed
// back as XML and checked element by element.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "nnc/Runtime/Plot.h"
#include "nnc/Runtime/Report.h"
#include "nnc/Runtime/Sources.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

using namespace nnc::rt;
using namespace nnc::rt::test;

static History sampleHistory() {
  History h;
  h.rows.push_back({1, 0.1, 1.25, 0.5, 1.5, 0.4, 0.5});
  h.rows.push_back({2, 0.05, 0.75, 0.75, NAN, NAN, 0.25});
  h.rows.push_back({3, 0.025, 0.5, 0.875, 0.9, 0.8, 0.25, 0.125, 0.25});
  return h;
}

TEST(History, CsvTextAndRoundTrip) {
  History h = sampleHistory();
  EXPECT_EQ(h.toCsv(),
            "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,"
            "train_mae,train_rmse,val_mae,val_rmse\n"
            "1,0.1,1.25,0.5,1.5,0.4,0.5,,,,\n"
            "2,0.05,0.75,0.75,,,0.25,,,,\n"
            "3,0.025,0.5,0.875,0.9,0.8,0.25,0.125,0.25,,\n");
  TempDir dir;
  ASSERT_TRUE(h.writeCsv(dir.file("history.csv")));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"history.csv"})
      << "no temporary file left behind";
  auto back = History::readCsv(dir.file("history.csv"));
  ASSERT_TRUE(back) << back.status().message();
  ASSERT_EQ(back->rows.size(), 3u);
  EXPECT_EQ(back->rows[2].epoch, 3);
  EXPECT_DOUBLE_EQ(back->rows[2].valAccuracy, 0.8);
  EXPECT_TRUE(std::isnan(back->rows[1].valLoss));
  EXPECT_DOUBLE_EQ(back->rows[2].trainRmse, 0.25);
  EXPECT_TRUE(std::isnan(back->rows[2].valMae));
  writeBytes(dir.file("bad.csv"), "epoch,lr\n1,2\n");
  EXPECT_FALSE(History::readCsv(dir.file("bad.csv")));
  // A history written before the regression columns still reads.
  writeBytes(dir.file("old.csv"),
             "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,"
             "seconds\n1,0.1,1.25,0.5,1.5,0.4,0.5\n");
  auto old = History::readCsv(dir.file("old.csv"));
  ASSERT_TRUE(old) << old.status().message();
  EXPECT_DOUBLE_EQ(old->rows[0].valAccuracy, 0.4);
  EXPECT_TRUE(std::isnan(old->rows[0].trainMae));
}

TEST(Summary, WritesParsableJson) {
  TempDir dir;
  nlohmann::json s = {
      {"train_loss", 0.25}, {"epochs", 10}, {"model", "Spiral"}};
  ASSERT_TRUE(writeSummary(dir.file("summary.json"), s));
  auto parsed = nlohmann::json::parse(readBytes(dir.file("summary.json")),
                                      nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["epochs"], 10);
  EXPECT_EQ(parsed["model"], "Spiral");
  EXPECT_EQ(dir.list().size(), 1u);
  EXPECT_FALSE(writeSummary("/nonexistent-dir/summary.json", s).isOk());
}

TEST(Progress, InteractiveBarIsThrottledAndInPlace) {
  std::string out;
  double t = 0;
  Progress p([&](const std::string &s) { out += s; }, true);
  p.setClock([&] { return t; });
  p.beginEpoch(1, 5, 100);
  int draws = 0;
  for (int b = 1; b <= 100; ++b) {
    t += 0.01; // 100 batches/s: ten redraws a second at most
    size_t before = out.size();
    p.update(b, b * 32, 0.5);
    draws += out.size() != before;
  }
  EXPECT_GE(draws, 9);
  EXPECT_LE(draws, 12);
  EXPECT_EQ(out.find('\n'), std::string::npos) << "the bar stays on one line";
  EXPECT_NE(out.find("\repoch 1/5 ["), std::string::npos);
  EXPECT_NE(out.find("100/100"), std::string::npos);
  EXPECT_NE(out.find("3200 samples/s"), std::string::npos);
  EXPECT_NE(out.find("ETA 0:00"), std::string::npos);
  HistoryRow row{1, 0.1, 0.5, 0.9, NAN, NAN, 1.0};
  p.endEpoch(row);
  EXPECT_EQ(out.substr(out.rfind('\r')),
            "\repoch 1/5  lr 0.1  loss 0.5000  acc 0.9000  1.00s\x1b[K\n");
}

TEST(Progress, PlainModePrintsOneLinePerEpoch) {
  std::string out;
  Progress p([&](const std::string &s) { out += s; }, false);
  for (int e = 1; e <= 2; ++e) {
    p.beginEpoch(e, 10, 3);
    for (int b = 1; b <= 3; ++b)
      p.update(b, b, 1.0);
    p.endEpoch({e, 0.01, 0.25, NAN, 0.5, 0.75, 2.5});
  }
  EXPECT_EQ(out, "epoch  1/10  lr 0.01  loss 0.2500  val_loss 0.5000  val_acc "
                 "0.7500  2.50s\n"
                 "epoch  2/10  lr 0.01  loss 0.2500  val_loss 0.5000  val_acc "
                 "0.7500  2.50s\n");
}

// --log-every: with a fake clock (3 s per epoch) and K = 10 s, the lines of
// epochs 1 (the first), 5 (12 s after it), 9 and 12 (the last) are printed,
// each but the last with the whole run's ETA; a message first prints the
// line held back.
TEST(Progress, PlainModeThrottledToOneLinePerKSeconds) {
  std::string out;
  double t = 0;
  Progress p([&](const std::string &s) { out += s; }, false);
  p.setClock([&] { return t; });
  p.setLogEvery(10);
  for (int e = 1; e <= 12; ++e) {
    p.beginEpoch(e, 12, 1);
    t += 3;
    p.endEpoch({e, 0.1, 0.5, NAN, NAN, NAN, 3.0});
  }
  p.endRun();
  std::vector<std::string> lines;
  for (size_t pos = 0, end; (end = out.find('\n', pos)) != std::string::npos;
       pos = end + 1)
    lines.push_back(out.substr(pos, end - pos));
  ASSERT_EQ(lines.size(), 4u) << out;
  EXPECT_EQ(lines[0], "epoch  1/12  lr 0.1  loss 0.5000  3.00s  ETA 0:33");
  EXPECT_EQ(lines[1].substr(0, 12), "epoch  5/12 ");
  EXPECT_EQ(lines[1].substr(lines[1].size() - 8), "ETA 0:21");
  EXPECT_EQ(lines[2].substr(0, 12), "epoch  9/12 ");
  EXPECT_EQ(lines[3], "epoch 12/12  lr 0.1  loss 0.5000  3.00s");

  out.clear();
  Progress q([&](const std::string &s) { out += s; }, false);
  q.setClock([&] { return t; });
  q.setLogEvery(10);
  for (int e = 1; e <= 3; ++e) {
    q.beginEpoch(e, 12, 1);
    t += 1;
    q.endEpoch({e, 0.1, 0.5, NAN, NAN, NAN, 1.0});
  }
  q.message("early stopping after epoch 3");
  EXPECT_NE(out.find("epoch  3/12"), std::string::npos) << out;
  EXPECT_EQ(out.find("epoch  2/12"), std::string::npos) << out;
  EXPECT_LT(out.find("epoch  3/12"), out.find("early stopping")) << out;
}

static XmlElement parseSvg(const std::string &svg) {
  XmlElement root;
  std::string error;
  EXPECT_TRUE(parseXml(svg, root, error)) << error;
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attributes["xmlns"], "http://www.w3.org/2000/svg");
  return root;
}

TEST(Plot, LossAndAccuracyCurves) {
  TempDir dir;
  History h = sampleHistory();
  ASSERT_TRUE(plotLoss(h, dir.file("loss.svg")));
  ASSERT_TRUE(plotAccuracy(h, dir.file("accuracy.svg")));
  XmlElement loss = parseSvg(readBytes(dir.file("loss.svg")));
  // Train: one polyline; validation: two pieces around the NaN of epoch 2.
  EXPECT_EQ(countElements(loss, "polyline"), 1 + 2);
  std::string text = allText(loss);
  for (const char *s : {"Loss", "epoch", "loss", "train", "validation"})
    EXPECT_NE(text.find(s), std::string::npos) << s;
  XmlElement acc = parseSvg(readBytes(dir.file("accuracy.svg")));
  EXPECT_NE(allText(acc).find("1.0"), std::string::npos) << "y axis to 1";
  EXPECT_GE(countElements(acc, "text"), 10) << "ticks are labelled";
}

TEST(Plot, LineChartEscapesAndHandlesDegenerateData) {
  Series s{"a<b & \"c\"", {1}, {5}, "", false};
  ChartOptions o;
  o.title = "T<1>";
  XmlElement root = parseSvg(renderLineChart({s}, o));
  EXPECT_NE(allText(root).find("a&lt;b &amp; &quot;c&quot;"),
            std::string::npos);
  parseSvg(renderLineChart({}, o));
}

/// The first element named `name` whose `class` is `cls` (depth first).
static const XmlElement *findByClass(const XmlElement &e,
                                     const std::string &name,
                                     const std::string &cls) {
  auto it = e.attributes.find("class");
  if (e.name == name && it != e.attributes.end() && it->second == cls)
    return &e;
  for (const XmlElement &c : e.children)
    if (const XmlElement *found = findByClass(c, name, cls))
      return found;
  return nullptr;
}

// The cells tile the plot area exactly: opaque (no fill-opacity anywhere in
// the group), pairwise disjoint, and their areas add up to the area (issue
// 15: translucent rows that overlapped drew horizontal stripes).
TEST(Plot, DecisionBoundaryCellsTileWithoutOverlap) {
  auto ds = makeSpiral(3, 40, 0.2, 1);
  ASSERT_TRUE(ds);
  ClassifyFn byAngle = [](const float *pts, int64_t n, int32_t *cls) {
    for (int64_t i = 0; i < n; ++i)
      cls[i] =
          int32_t(std::fmod(std::atan2(pts[2 * i], pts[2 * i + 1]) + 4, 3.0));
  };
  BoundaryOptions opts;
  opts.resolution = 37; // cells of a fractional pixel size
  opts.size = 500;
  auto svg = renderDecisionBoundary(*ds, byAngle, opts);
  ASSERT_TRUE(svg);
  XmlElement root = parseSvg(*svg);
  const XmlElement *cells = findByClass(root, "g", "cells");
  ASSERT_NE(cells, nullptr);
  EXPECT_EQ(cells->attributes.count("fill-opacity"), 0u);
  struct Box {
    double x, y, w, h;
  };
  std::vector<Box> boxes;
  for (const XmlElement &r : cells->children) {
    ASSERT_EQ(r.name, "rect");
    EXPECT_EQ(r.attributes.count("fill-opacity"), 0u);
    boxes.push_back({std::stod(r.attributes.at("x")),
                     std::stod(r.attributes.at("y")),
                     std::stod(r.attributes.at("width")),
                     std::stod(r.attributes.at("height"))});
  }
  double area = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    area += boxes[i].w * boxes[i].h;
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box &a = boxes[i], &b = boxes[j];
      double ox = std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x);
      double oy = std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y);
      EXPECT_FALSE(ox > 1e-3 && oy > 1e-3) << "cells " << i << " and " << j;
    }
  }
  EXPECT_NEAR(area, 500.0 * 500.0, 1.0);
}

// The legend sits outside the plot area, so no curve runs under it; the
// best epoch is marked.
TEST(Plot, LegendBesideTheCurvesAndBestEpochMarked) {
  History h;
  for (int e = 1; e <= 30; ++e) // accuracy rising to the top right
    h.rows.push_back(
        {e, 0.1, 1.0 / e, 1.0 - 0.5 / e, 1.2 / e, 1.0 - 0.6 / e, 0.1});
  TempDir dir;
  ASSERT_TRUE(plotAccuracy(h, dir.file("a.svg"), 12));
  XmlElement root = parseSvg(readBytes(dir.file("a.svg")));
  const XmlElement *legend = findByClass(root, "g", "legend");
  ASSERT_NE(legend, nullptr);
  const XmlElement &box = legend->children.at(0);
  ASSERT_EQ(box.name, "rect");
  double lx = std::stod(box.attributes.at("x"));
  // Every point of every polyline lies left of the legend.
  std::function<void(const XmlElement &)> check = [&](const XmlElement &e) {
    if (e.name == "polyline") {
      std::string pts = e.attributes.at("points");
      for (size_t pos = 0; pos < pts.size();) {
        size_t comma = pts.find(',', pos);
        double x = std::stod(pts.substr(pos, comma - pos));
        EXPECT_LT(x, lx);
        size_t space = pts.find(' ', comma);
        pos = space == std::string::npos ? pts.size() : space + 1;
      }
    }
    for (const XmlElement &c : e.children)
      check(c);
  };
  check(root);
  const XmlElement *marker = findByClass(root, "g", "marker");
  ASSERT_NE(marker, nullptr);
  EXPECT_NE(allText(*marker).find("best epoch 12"), std::string::npos);
}

TEST(Plot, DecisionBoundary) {
  auto ds = makeSpiral(3, 40, 0.5, 1);
  ASSERT_TRUE(ds);
  int calls = 0;
  ClassifyFn byQuadrant = [&](const float *pts, int64_t n, int32_t *cls) {
    ++calls;
    for (int64_t i = 0; i < n; ++i)
      cls[i] = pts[2 * i] < 0 ? 0 : (pts[2 * i + 1] < 0 ? 1 : 2);
  };
  BoundaryOptions opts;
  opts.resolution = 50;
  auto svg = renderDecisionBoundary(*ds, byQuadrant, opts);
  ASSERT_TRUE(svg) << svg.status().message();
  EXPECT_EQ(calls, 1) << "one batched call for the whole grid";
  XmlElement root = parseSvg(*svg);
  // The points: 120 samples plus one marker per legend entry.
  EXPECT_EQ(countElements(root, "circle"), 120 + 3);
  // Runs merge cells: at most a few rects per grid row, at least one.
  int rects = countElements(root, "rect");
  EXPECT_GE(rects, 50);
  EXPECT_LE(rects, 50 * 3 + 10);
  for (int k = 0; k < 3; ++k)
    EXPECT_NE(svg->find(classColor(k)), std::string::npos);
  EXPECT_NE(allText(root).find("class 2"), std::string::npos);
  auto logic = makeLogic("xor");
  TempDir dir;
  ASSERT_TRUE(plotDecisionBoundary(*logic, byQuadrant, dir.file("b.svg")));
  parseSvg(readBytes(dir.file("b.svg")));
  Dataset reg;
  reg.featureShape = {2};
  reg.targetDim = 1;
  EXPECT_FALSE(renderDecisionBoundary(reg, byQuadrant, opts));
}
