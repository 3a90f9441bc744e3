//===- nnc/Runtime/Sources.h - Data sources ---------------------*- C++ -*-===//
//
// Everything that produces a Dataset: the built-in generators (spiral,
// logic), and loaders for CSV (plain or gzip, with or without a header, the
// sklearn `rows,features,names...` first line), IDX (MNIST/Fashion-MNIST)
// and NumPy .npy files. Loaders never crash on malformed input: every
// failure is a Status whose message names the file, the line/record/byte
// offset and what was wrong. docs/runtime.md documents the options.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_RUNTIME_SOURCES_H
#define NNC_RUNTIME_SOURCES_H

#include "nnc/Runtime/Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::rt {

//===----------------------------------------------------------------------===//
// Generators
//===----------------------------------------------------------------------===//

/// The classic spiral: `classes` arms of `points` points each; for arm j,
/// r = linspace(0, 1, points), t = linspace(4j, 4(j+1), points) +
/// noise * N(0, 1), x = (r sin 2.5t, r cos 2.5t). Deterministic for a seed.
/// Samples are ordered arm by arm; labels are the arm index.
Expected<Dataset> makeSpiral(int64_t classes, int64_t points, double noise,
                             uint64_t seed);

/// The four rows of a two-input truth table: `op` is and, or, xor or nand
/// (case-insensitive). Rows are (0,0), (0,1), (1,0), (1,1); labels 0/1.
Expected<Dataset> makeLogic(const std::string &op);

//===----------------------------------------------------------------------===//
// CSV
//===----------------------------------------------------------------------===//

/// Whether the first line of a CSV file holds column names.
enum class CsvHeader { Auto, Present, Absent };

/// Options of loadCsv.
struct CsvOptions {
  /// Field separator; '\0' detects it from the first line (',' if present,
  /// else ';', else runs of blanks and tabs). ' ' means runs of blanks and
  /// tabs.
  char delimiter = '\0';
  /// Auto: a header when the first line has a name (non-empty, not a
  /// number) in a column where the second line has a number. The
  /// sklearn first line `rows,features,names...` is always recognised.
  CsvHeader header = CsvHeader::Auto;
  /// The label column: "last", "first", "none" (no labels), a 0-based
  /// index ("4"), or a header name.
  std::string labelColumn = "last";
  /// Read the label column as a float regression target instead of a class.
  bool regression = false;
  /// Number of classes; 0 derives it (class names, else max label + 1).
  /// Labels outside [0, numClasses) are an error.
  int64_t numClasses = 0;
};

/// Loads a delimited text file (gzip detected by its magic bytes).
Expected<Dataset> loadCsv(const std::string &path, const CsvOptions &options);

/// Loads features from `featuresPath` (all columns, `options.labelColumn`
/// ignored) and regression targets from `targetsPath` (one row of k values
/// per sample, same delimiter rules), e.g. sklearn's diabetes files.
Expected<Dataset> loadCsvRegression(const std::string &featuresPath,
                                    const std::string &targetsPath,
                                    const CsvOptions &options);

//===----------------------------------------------------------------------===//
// IDX (MNIST layout)
//===----------------------------------------------------------------------===//

/// Loads an IDX image file ([n, rows, cols] or [n, k], unsigned bytes scaled
/// to [0, 1], or float32/float64 taken as is) and an IDX1 label file of
/// unsigned bytes. Images become featureShape {1, rows, cols} (NCHW with one
/// channel). Either file may be gzip-compressed.
Expected<Dataset> loadIdx(const std::string &imagesPath,
                          const std::string &labelsPath);

/// Which half of an MNIST-layout directory to read.
enum class IdxSplit { Train, Test };

/// Loads `train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]` (or
/// the `t10k-` pair) from `dir`.
Expected<Dataset> loadIdxDir(const std::string &dir, IdxSplit split);

//===----------------------------------------------------------------------===//
// NumPy .npy
//===----------------------------------------------------------------------===//

/// A numeric array read from a .npy file.
struct NpyArray {
  /// The dtype descr as written in the file ("<f4", "|u1", ...).
  std::string descr;
  /// The shape (empty for a scalar).
  std::vector<int64_t> shape;
  /// The values converted to float (always filled).
  std::vector<float> values;
  /// The exact values of an integer array ('<i4', '<i8', '|u1'); else empty.
  std::vector<int64_t> intValues;
  /// True for integer dtypes.
  bool isInteger = false;
};

/// Reads a .npy file (format versions 1, 2, 3; dtypes '<f4', '<f8', '<i4',
/// '<i8', '|u1'; C order only). gzip-compressed files are accepted too.
Expected<NpyArray> loadNpy(const std::string &path);

/// Builds a Dataset from a features .npy [n, ...] and a labels .npy [n]
/// (integer dtype: class labels) or [n] / [n, k] (float dtype: regression).
Expected<Dataset> loadNpyDataset(const std::string &featuresPath,
                                 const std::string &labelsPath);

/// Writes a little-endian float32 .npy file (version 1.0) atomically.
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape,
                const std::vector<float> &values);

/// Writes a little-endian int32 .npy file (version 1.0) atomically.
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape,
                const std::vector<int32_t> &values);

} // namespace nnc::rt

#endif // NNC_RUNTIME_SOURCES_H
