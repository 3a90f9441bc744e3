//===- SourcesTests.cpp - Generators and file loaders ---------------------===//
//
// Spiral and logic generator properties, and the CSV, IDX and .npy loaders on
// files written by the tests, on the sklearn copies in examples/data, and on
// Fashion-MNIST when it is installed, including the expected error messages.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "nnc/Runtime/Sources.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nnc::rt;
using namespace nnc::rt::test;

static std::string dataFile(const std::string &name) {
  return std::string(NNC_SOURCE_DIR) + "/examples/data/" + name;
}

/// Expects a failure whose message contains every fragment.
#define EXPECT_FAILS_WITH(expr, code_, ...)                                    \
  do {                                                                         \
    auto result_ = (expr);                                                     \
    ASSERT_FALSE(result_.hasValue());                                          \
    EXPECT_EQ(result_.status().code(), code_) << result_.status().message();   \
    for (const char *frag_ : {__VA_ARGS__})                                    \
      EXPECT_NE(result_.status().message().find(frag_), std::string::npos)     \
          << "'" << frag_ << "' not in: " << result_.status().message();       \
  } while (false)

//===----------------------------------------------------------------------===//
// Generators
//===----------------------------------------------------------------------===//

TEST(Spiral, ShapeLabelsAndRadii) {
  auto ds = makeSpiral(3, 100, 1.0, 7);
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->size(), 300);
  EXPECT_EQ(ds->featureShape, std::vector<int64_t>{2});
  EXPECT_EQ(ds->numClasses, 3);
  EXPECT_TRUE(ds->validate().isOk());
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(ds->labels[i], i / 100);
    // Noise moves the angle only: the radius is linspace(0, 1, 100).
    double r = std::hypot(ds->features[2 * i], ds->features[2 * i + 1]);
    EXPECT_NEAR(r, (i % 100) / 99.0, 1e-6);
  }
}

TEST(Spiral, NoiselessPointsMatchTheFormula) {
  auto ds = makeSpiral(2, 5, 0.0, 1);
  ASSERT_TRUE(ds);
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 5; ++i) {
      double r = i / 4.0, t = 4.0 * j + 4.0 * i / 4.0;
      EXPECT_NEAR(ds->features[2 * (5 * j + i)], r * std::sin(2.5 * t), 1e-6);
      EXPECT_NEAR(ds->features[2 * (5 * j + i) + 1], r * std::cos(2.5 * t),
                  1e-6);
    }
}

// `noise` is the standard deviation of t (docs/runtime.md): recover each
// point's t from its angle (atan2(x, y) / 2.5, wrapped to the nearest branch
// of the noiseless t) and compare the deviations' mean and std with N(0,
// 0.2^2). 3000 samples: the std's standard error is about 0.0026, the
// tolerance 0.01 (about 4 of them).
TEST(Spiral, NoiseIsTheStdOfTheAngleParameter) {
  const int64_t classes = 3, points = 1000;
  auto ds = makeSpiral(classes, points, 0.2, 11);
  ASSERT_TRUE(ds);
  double sum = 0, sq = 0;
  int64_t n = 0;
  for (int64_t j = 0; j < classes; ++j)
    for (int64_t i = 1; i < points; ++i) { // i = 0: r = 0, no angle
      int64_t k = j * points + i;
      double theta = std::atan2(ds->features[2 * k], ds->features[2 * k + 1]);
      double t0 = 4.0 * j + 4.0 * i / (points - 1);
      double d = std::remainder(theta - 2.5 * t0, 2 * M_PI) / 2.5;
      sum += d;
      sq += d * d;
      ++n;
    }
  double mean = sum / n, std = std::sqrt(sq / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(std, 0.2, 0.01);
}

TEST(Spiral, DeterministicForASeed) {
  auto a = makeSpiral(3, 50, 1.0, 42), b = makeSpiral(3, 50, 1.0, 42),
       c = makeSpiral(3, 50, 1.0, 43);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->features, b->features);
  EXPECT_NE(a->features, c->features);
}

TEST(Spiral, RejectsBadArguments) {
  EXPECT_FAILS_WITH(makeSpiral(0, 10, 1, 0), ErrorCode::InvalidArgument,
                    "classes");
  EXPECT_FAILS_WITH(makeSpiral(3, -1, 1, 0), ErrorCode::InvalidArgument,
                    "points");
  EXPECT_FAILS_WITH(makeSpiral(3, 10, NAN, 0), ErrorCode::InvalidArgument,
                    "noise");
}

TEST(Logic, TruthTables) {
  struct Case {
    const char *op;
    std::vector<int32_t> labels;
  } cases[] = {{"and", {0, 0, 0, 1}},
               {"or", {0, 1, 1, 1}},
               {"XOR", {0, 1, 1, 0}},
               {"nand", {1, 1, 1, 0}}};
  for (const Case &c : cases) {
    auto ds = makeLogic(c.op);
    ASSERT_TRUE(ds) << c.op;
    EXPECT_EQ(ds->labels, c.labels) << c.op;
    EXPECT_EQ(ds->features, (std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}));
    EXPECT_EQ(ds->numClasses, 2);
  }
  EXPECT_FAILS_WITH(makeLogic("nor"), ErrorCode::InvalidArgument, "'nor'");
}

//===----------------------------------------------------------------------===//
// CSV
//===----------------------------------------------------------------------===//

TEST(Csv, HeaderAndLabelByName) {
  TempDir dir;
  writeBytes(dir.file("a.csv"), "w,label,h\n1.5,1,2\n-3,0,4e1\n");
  CsvOptions opts;
  opts.labelColumn = "label";
  auto ds = loadCsv(dir.file("a.csv"), opts);
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->features, (std::vector<float>{1.5f, 2, -3, 40}));
  EXPECT_EQ(ds->labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(ds->featureNames, (std::vector<std::string>{"w", "h"}));
  EXPECT_EQ(ds->numClasses, 2);
  opts.labelColumn = "0";
  opts.regression = true;
  auto reg = loadCsv(dir.file("a.csv"), opts);
  ASSERT_TRUE(reg) << reg.status().message();
  EXPECT_EQ(reg->targets, (std::vector<float>{1.5f, -3}));
  EXPECT_EQ(reg->targetDim, 1);
}

TEST(Csv, DelimitersAndNoHeader) {
  TempDir dir;
  writeBytes(dir.file("semi.csv"), "1;2;0\r\n3;4;2\r\n\r\n");
  writeBytes(dir.file("ws.txt"), "  1 2\t 1\n3    4 0\n");
  auto semi = loadCsv(dir.file("semi.csv"), {});
  ASSERT_TRUE(semi) << semi.status().message();
  EXPECT_EQ(semi->features, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(semi->labels, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(semi->numClasses, 3);
  CsvOptions first;
  first.labelColumn = "first";
  auto ws = loadCsv(dir.file("ws.txt"), first);
  ASSERT_TRUE(ws) << ws.status().message();
  EXPECT_EQ(ws->features, (std::vector<float>{2, 1, 4, 0}));
  EXPECT_EQ(ws->labels, (std::vector<int32_t>{1, 3}));
}

TEST(Csv, CategoricalLabelsAndGzip) {
  TempDir dir;
  writeBytes(dir.file("c.csv.gz"), gzip("1,2,dog\n3,4,cat\n5,6,dog\n"));
  auto ds = loadCsv(dir.file("c.csv.gz"), {});
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->classNames, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(ds->labels, (std::vector<int32_t>{1, 0, 1}));
}

TEST(Csv, SklearnFirstLine) {
  TempDir dir;
  writeBytes(dir.file("s.csv"), "2,3,neg,pos\n1,2,3,0\n4,5,6,1\n");
  auto ds = loadCsv(dir.file("s.csv"), {});
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->size(), 2);
  EXPECT_EQ(ds->featureShape, std::vector<int64_t>{3});
  EXPECT_EQ(ds->classNames, (std::vector<std::string>{"neg", "pos"}));
  writeBytes(dir.file("t.csv"), "3,3,neg,pos\n1,2,3,0\n4,5,6,1\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("t.csv"), {}), ErrorCode::DataLoss,
                    "t.csv:1: header declares 3 rows, the file has 2");
}

TEST(Csv, ErrorsNameFileLineAndProblem) {
  TempDir dir;
  writeBytes(dir.file("ragged.csv"), "1,2,0\n3,4,1\n5,1\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("ragged.csv"), {}), ErrorCode::DataLoss,
                    "ragged.csv:3: expected 3 fields, got 2 (ragged row)");
  writeBytes(dir.file("nan.csv"), "1,2,0\n3,x4,1\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("nan.csv"), {}), ErrorCode::DataLoss,
                    "nan.csv:2: field 2 is not a number: 'x4'");
  // A number too large for a double is a number: not a header, an error.
  writeBytes(dir.file("huge.csv"), "1e400,2,0\n3,4,1\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("huge.csv"), {}), ErrorCode::DataLoss,
                    "huge.csv:1: field 1 is not a finite float32 value: "
                    "'1e400'");
  writeBytes(dir.file("tiny.csv"), "1e-400,2,0\n3,4,1\n");
  auto tiny = loadCsv(dir.file("tiny.csv"), {});
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->size(), 2); // rounds to 0, as strtod does
  EXPECT_EQ(tiny->features[0], 0.0f);
  writeBytes(dir.file("empty.csv"), "1,,0\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("empty.csv"), {}), ErrorCode::DataLoss,
                    "empty.csv:1: field 2 is empty");
  writeBytes(dir.file("lab.csv"), "1,2,0\n3,4,1.5\n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("lab.csv"), {}), ErrorCode::DataLoss,
                    "lab.csv:2: label '1.5' in field 3 is not a non-negative");
  writeBytes(dir.file("range.csv"), "1,2,0\n3,4,5\n");
  CsvOptions two;
  two.numClasses = 2;
  EXPECT_FAILS_WITH(loadCsv(dir.file("range.csv"), two), ErrorCode::OutOfRange,
                    "range.csv:2: label 5 out of range: expected a class in "
                    "[0, 2)");
  CsvOptions named;
  named.labelColumn = "y";
  EXPECT_FAILS_WITH(loadCsv(dir.file("range.csv"), named), ErrorCode::NotFound,
                    "no column named 'y'");
  CsvOptions index;
  index.labelColumn = "7";
  EXPECT_FAILS_WITH(loadCsv(dir.file("range.csv"), index),
                    ErrorCode::OutOfRange, "label column 7 out of range");
  writeBytes(dir.file("blank.csv"), "\n  \n");
  EXPECT_FAILS_WITH(loadCsv(dir.file("blank.csv"), {}), ErrorCode::DataLoss,
                    "blank.csv: no data rows");
  EXPECT_FAILS_WITH(loadCsv(dir.file("missing.csv"), {}), ErrorCode::NotFound,
                    "missing.csv: cannot open");
  std::string gz = gzip("1,2,0\n3,4,1\n5,6,0\n");
  writeBytes(dir.file("cut.csv.gz"), gz.substr(0, gz.size() - 6));
  EXPECT_FAILS_WITH(loadCsv(dir.file("cut.csv.gz"), {}), ErrorCode::DataLoss,
                    "cut.csv.gz: gzip error at compressed byte");
  std::string bad = gz;
  bad[12] ^= 0x55;
  writeBytes(dir.file("bad.csv.gz"), bad);
  auto corrupt = loadCsv(dir.file("bad.csv.gz"), {});
  EXPECT_FALSE(corrupt.hasValue());
}

TEST(Csv, SklearnDataCopies) {
  auto iris = loadCsv(dataFile("iris.csv"), {});
  ASSERT_TRUE(iris) << iris.status().message();
  EXPECT_EQ(iris->size(), 150);
  EXPECT_EQ(iris->featureShape, std::vector<int64_t>{4});
  EXPECT_EQ(iris->classNames,
            (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_FLOAT_EQ(iris->features[0], 5.1f);
  EXPECT_EQ(iris->labels[0], 0);
  EXPECT_EQ(iris->labels[149], 2);

  auto digits = loadCsv(dataFile("digits.csv.gz"), {});
  ASSERT_TRUE(digits) << digits.status().message();
  EXPECT_EQ(digits->size(), 1797);
  EXPECT_EQ(digits->sampleSize(), 64);
  EXPECT_EQ(digits->numClasses, 10);
  EXPECT_EQ(digits->labels[0], 0);
  EXPECT_EQ(digits->labels[1], 1);

  auto cancer = loadCsv(dataFile("breast_cancer.csv"), {});
  ASSERT_TRUE(cancer) << cancer.status().message();
  EXPECT_EQ(cancer->size(), 569);
  EXPECT_EQ(cancer->sampleSize(), 30);
  EXPECT_EQ(cancer->classNames,
            (std::vector<std::string>{"malignant", "benign"}));

  auto diabetes = loadCsvRegression(dataFile("diabetes_data_raw.csv.gz"),
                                    dataFile("diabetes_target.csv.gz"), {});
  ASSERT_TRUE(diabetes) << diabetes.status().message();
  EXPECT_EQ(diabetes->size(), 442);
  EXPECT_EQ(diabetes->sampleSize(), 10);
  EXPECT_TRUE(diabetes->isRegression());
  EXPECT_EQ(diabetes->targets.size(), 442u);
  EXPECT_FLOAT_EQ(diabetes->targets[0], 151.0f);
  EXPECT_FLOAT_EQ(diabetes->features[0], 59.0f);
  EXPECT_FLOAT_EQ(diabetes->features[2], 32.1f);
}

TEST(Csv, RegressionRowCountMismatch) {
  TempDir dir;
  writeBytes(dir.file("x.txt"), "1 2\n3 4\n");
  writeBytes(dir.file("y.txt"), "1\n");
  EXPECT_FAILS_WITH(loadCsvRegression(dir.file("x.txt"), dir.file("y.txt"), {}),
                    ErrorCode::DataLoss, "y.txt: 1 target rows, but",
                    "has 2 samples");
}

//===----------------------------------------------------------------------===//
// IDX
//===----------------------------------------------------------------------===//

static void writeMiniMnist(const TempDir &dir, const std::string &prefix,
                           bool gz) {
  std::string pixels;
  for (int i = 0; i < 3 * 2 * 3; ++i)
    pixels += static_cast<char>(i == 0 ? 255 : i * 10);
  std::string images = idxBytes(0x08, {3, 2, 3}, pixels);
  std::string labels = idxBytes(0x08, {3}, std::string("\x07\x00\x02", 3));
  std::string ext = gz ? ".gz" : "";
  writeBytes(dir.file(prefix + "-images-idx3-ubyte" + ext),
             gz ? gzip(images) : images);
  writeBytes(dir.file(prefix + "-labels-idx1-ubyte" + ext),
             gz ? gzip(labels) : labels);
}

TEST(Idx, LoadsPlainAndGzipDirectories) {
  TempDir dir;
  writeMiniMnist(dir, "train", false);
  writeMiniMnist(dir, "t10k", true);
  for (IdxSplit split : {IdxSplit::Train, IdxSplit::Test}) {
    auto ds = loadIdxDir(dir.path(), split);
    ASSERT_TRUE(ds) << ds.status().message();
    EXPECT_EQ(ds->size(), 3);
    EXPECT_EQ(ds->featureShape, (std::vector<int64_t>{1, 2, 3}));
    EXPECT_FLOAT_EQ(ds->features[0], 1.0f);
    EXPECT_FLOAT_EQ(ds->features[1], 10 / 255.0f);
    EXPECT_EQ(ds->labels, (std::vector<int32_t>{7, 0, 2}));
    EXPECT_EQ(ds->numClasses, 10);
  }
}

TEST(Idx, Errors) {
  TempDir dir;
  std::string labels = idxBytes(0x08, {2}, std::string("\x01\x02", 2));
  writeBytes(dir.file("l"), labels);
  writeBytes(dir.file("magic"), "\x01\x00\x08\x01" + std::string(8, '\0'));
  EXPECT_FAILS_WITH(loadIdx(dir.file("magic"), dir.file("l")),
                    ErrorCode::DataLoss, "magic: bad IDX magic at byte 0");
  writeBytes(dir.file("short"), idxBytes(0x08, {2, 2, 2}, "abcde"));
  EXPECT_FAILS_WITH(loadIdx(dir.file("short"), dir.file("l")),
                    ErrorCode::DataLoss,
                    "short: truncated IDX data: expected 24 bytes, got 21");
  writeBytes(dir.file("hdr"), std::string("\0\0\x08\x03\0\0", 6));
  EXPECT_FAILS_WITH(loadIdx(dir.file("hdr"), dir.file("l")),
                    ErrorCode::DataLoss, "hdr: truncated IDX header");
  writeBytes(dir.file("three"), idxBytes(0x08, {3, 1, 1}, "abc"));
  EXPECT_FAILS_WITH(loadIdx(dir.file("three"), dir.file("l")),
                    ErrorCode::DataLoss, "3 images but", "has 2 labels");
  writeBytes(dir.file("type"), idxBytes(0x07, {1, 1, 1}, "a"));
  EXPECT_FAILS_WITH(loadIdx(dir.file("type"), dir.file("l")),
                    ErrorCode::DataLoss, "unknown IDX element type 0x07");
  EXPECT_FAILS_WITH(loadIdxDir(dir.path(), IdxSplit::Train),
                    ErrorCode::NotFound, "train-images-idx3-ubyte");
}

TEST(Idx, FashionMnistWhenInstalled) {
  const char *dir = "/usr/share/datasets/fashion-mnist";
  auto ds = loadIdxDir(dir, IdxSplit::Test);
  if (!ds && ds.status().code() == ErrorCode::NotFound)
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->size(), 10000);
  EXPECT_EQ(ds->featureShape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(ds->numClasses, 10);
  EXPECT_EQ(ds->labels[0], 9); // the first test image is an ankle boot
  float lo = 1, hi = 0;
  for (float v : ds->features)
    lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(Npy, RoundTripAndVersions) {
  TempDir dir;
  ASSERT_TRUE(writeNpy(dir.file("f.npy"), {2, 3},
                       std::vector<float>{1, 2, 3, 4, 5, 6}));
  auto f = loadNpy(dir.file("f.npy"));
  ASSERT_TRUE(f) << f.status().message();
  EXPECT_EQ(f->descr, "<f4");
  EXPECT_EQ(f->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // Like numpy, the data starts at a multiple of 64 bytes.
  EXPECT_EQ((readBytes(dir.file("f.npy")).size() - 24) % 64, 0u);

  std::vector<double> d{0.5, -2.25};
  writeBytes(dir.file("d.npy"),
             npyBytes(2,
                      "{'descr': '<f8', 'fortran_order': False, "
                      "'shape': (2,), }\n",
                      rawBytes(d)));
  auto dv = loadNpy(dir.file("d.npy"));
  ASSERT_TRUE(dv) << dv.status().message();
  EXPECT_EQ(dv->values, (std::vector<float>{0.5f, -2.25f}));

  std::vector<int64_t> i8{3, -1, 1LL << 40};
  writeBytes(dir.file("i.npy"),
             npyBytes(3,
                      "{\"descr\": \"<i8\", \"shape\": (3,), "
                      "\"fortran_order\": False}\n",
                      rawBytes(i8)));
  auto iv = loadNpy(dir.file("i.npy"));
  ASSERT_TRUE(iv) << iv.status().message();
  EXPECT_TRUE(iv->isInteger);
  EXPECT_EQ(iv->intValues, i8);

  writeBytes(dir.file("u.npy"),
             npyBytes(1,
                      "{'descr': '|u1', 'fortran_order': False, "
                      "'shape': (), }\n",
                      "\xfe"));
  auto uv = loadNpy(dir.file("u.npy"));
  ASSERT_TRUE(uv) << uv.status().message();
  EXPECT_EQ(uv->intValues, std::vector<int64_t>{254});
}

TEST(Npy, Dataset) {
  TempDir dir;
  ASSERT_TRUE(writeNpy(dir.file("x.npy"), {3, 2},
                       std::vector<float>{0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(writeNpy(dir.file("y.npy"), {3}, std::vector<int32_t>{2, 0, 1}));
  ASSERT_TRUE(
      writeNpy(dir.file("t.npy"), {3, 1}, std::vector<float>{.5, 1, 2}));
  auto ds = loadNpyDataset(dir.file("x.npy"), dir.file("y.npy"));
  ASSERT_TRUE(ds) << ds.status().message();
  EXPECT_EQ(ds->labels, (std::vector<int32_t>{2, 0, 1}));
  EXPECT_EQ(ds->numClasses, 3);
  auto reg = loadNpyDataset(dir.file("x.npy"), dir.file("t.npy"));
  ASSERT_TRUE(reg) << reg.status().message();
  EXPECT_EQ(reg->targetDim, 1);
  EXPECT_EQ(reg->targets, (std::vector<float>{.5f, 1, 2}));
  ASSERT_TRUE(writeNpy(dir.file("short.npy"), {2}, std::vector<int32_t>{1, 0}));
  EXPECT_FAILS_WITH(loadNpyDataset(dir.file("x.npy"), dir.file("short.npy")),
                    ErrorCode::InvalidArgument, "labels need shape [3]");
}

TEST(Npy, Errors) {
  TempDir dir;
  std::string four(16, '\0');
  writeBytes(dir.file("fortran.npy"),
             npyBytes(1,
                      "{'descr': '<f4', 'fortran_order': True, "
                      "'shape': (2, 2), }\n",
                      four));
  EXPECT_FAILS_WITH(loadNpy(dir.file("fortran.npy")),
                    ErrorCode::InvalidArgument,
                    "fortran.npy: Fortran-order arrays are not supported");
  writeBytes(dir.file("big.npy"),
             npyBytes(1,
                      "{'descr': '>f4', 'fortran_order': False, "
                      "'shape': (4,), }\n",
                      four));
  EXPECT_FAILS_WITH(loadNpy(dir.file("big.npy")), ErrorCode::InvalidArgument,
                    "big.npy: unsupported dtype '>f4'");
  writeBytes(dir.file("trunc.npy"),
             npyBytes(1,
                      "{'descr': '<f4', 'fortran_order': False, "
                      "'shape': (5,), }\n",
                      four));
  EXPECT_FAILS_WITH(loadNpy(dir.file("trunc.npy")), ErrorCode::DataLoss,
                    "trunc.npy: expected 20 data bytes", "got 16");
  writeBytes(dir.file("magic.npy"), "PK\x03\x04 not numpy at all");
  EXPECT_FAILS_WITH(loadNpy(dir.file("magic.npy")), ErrorCode::DataLoss,
                    "magic.npy: bad magic at byte 0");
  writeBytes(dir.file("dict.npy"),
             npyBytes(1,
                      "{'descr': '<f4', 'fortran_order': False, "
                      "'shape': (x,), }\n",
                      four));
  EXPECT_FAILS_WITH(loadNpy(dir.file("dict.npy")), ErrorCode::DataLoss,
                    "dict.npy: bad .npy header at byte",
                    "expected a dimension");
  writeBytes(dir.file("v9.npy"), npyBytes(9, "{}", ""));
  EXPECT_FAILS_WITH(loadNpy(dir.file("v9.npy")), ErrorCode::DataLoss,
                    "unsupported .npy format version 9.0");
}
