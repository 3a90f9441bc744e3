//===- Csv.cpp - Delimited text data sets ---------------------------------===//
//
// The CSV loader: delimiter and header detection (including sklearn's
// `rows,features,names...` first line), label column selection by position
// or name, numeric or categorical class labels, and regression targets from
// a second file. Every malformed input is reported as `path:line: ...`.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "nnc/Runtime/Sources.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>

using namespace nnc::rt;
using namespace nnc::rt::detail;

namespace {

/// One non-blank line split into fields.
struct Row {
  int64_t line;
  std::vector<std::string> fields;
};

/// A parsed file: optional header names and the data rows.
struct Table {
  std::vector<std::string> header;
  std::vector<std::string> sklearnNames; ///< class names of a sklearn line
  int64_t headerLine = 0;                ///< line of the header, if any
  std::vector<Row> rows;
  int64_t columns = 0;
};

} // namespace

static std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t");
  std::string out = s.substr(b, e - b + 1);
  if (out.size() >= 2 && out.front() == '"' && out.back() == '"')
    out = out.substr(1, out.size() - 2);
  return out;
}

/// Parses a whole field as a number. A number too large for a double
/// (`1e400`) is still a number, +-infinity (which numberAt refuses); one too
/// small is 0, as strtod rounds it. Only text that is not written as a
/// number gives nullopt, so that an overflowing value is never taken for a
/// column name.
static std::optional<double> parseNumber(const std::string &field) {
  const char *begin = field.data();
  const char *end = begin + field.size();
  if (begin != end && *begin == '+')
    ++begin;
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ptr != end || begin == end)
    return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    return std::strtod(std::string(begin, end).c_str(), nullptr);
  if (ec != std::errc())
    return std::nullopt;
  return value;
}

static bool isNumeric(const std::string &field) {
  return parseNumber(field).has_value();
}

static std::vector<std::string> splitLine(const std::string &line,
                                          char delimiter) {
  std::vector<std::string> fields;
  if (delimiter == ' ') {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
      if (i >= line.size())
        break;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t')
        ++j;
      fields.push_back(trim(line.substr(i, j - i)));
      i = j;
    }
    return fields;
  }
  size_t start = 0;
  while (true) {
    size_t pos = line.find(delimiter, start);
    fields.push_back(trim(line.substr(start, pos - start)));
    if (pos == std::string::npos)
      break;
    start = pos + 1;
  }
  return fields;
}

static char detectDelimiter(const std::string &line) {
  for (char c : {',', ';'})
    if (line.find(c) != std::string::npos)
      return c;
  return ' '; // runs of blanks and tabs
}

/// True for a field that can only be a name (not a number, not empty).
static bool isName(const std::string &field) {
  return !field.empty() && !isNumeric(field);
}

/// Reads `path` and splits it into rows, recognising headers.
static Table readTable(const std::string &path, const CsvOptions &options) {
  std::string text = readFileMaybeGzip(path);
  Table table;
  char delimiter = options.delimiter;
  forEachLine(text, [&](const std::string &line, int64_t lineNo) {
    if (line.find('\0') != std::string::npos)
      fail(ErrorCode::DataLoss, "{}:{}: NUL byte in a text file", path, lineNo);
    if (line.find_first_not_of(" \t") == std::string::npos)
      return;
    if (delimiter == '\0')
      delimiter = detectDelimiter(line);
    table.rows.push_back({lineNo, splitLine(line, delimiter)});
  });
  if (table.rows.empty())
    fail(ErrorCode::DataLoss, "{}: no data rows", path);

  // sklearn's first line: `rows,features[,names...]` with features equal to
  // the column count of the data minus the label column.
  const Row &first = table.rows.front();
  if (options.header != CsvHeader::Absent && table.rows.size() >= 2 &&
      first.fields.size() >= 2) {
    auto declaredRows = parseNumber(first.fields[0]);
    auto declaredFeatures = parseNumber(first.fields[1]);
    size_t dataColumns = table.rows[1].fields.size();
    bool shaped = declaredRows && declaredFeatures && *declaredRows >= 0 &&
                  *declaredFeatures >= 1 &&
                  *declaredRows == std::floor(*declaredRows) &&
                  static_cast<size_t>(*declaredFeatures) + 1 == dataColumns;
    // Either fewer fields than the data, or as many with names after the two
    // counts while the data's last column is numeric (so that a data row
    // with a categorical label is not mistaken for this line).
    bool names =
        std::all_of(first.fields.begin() + 2, first.fields.end(), isName) &&
        first.fields.size() > 2 && isNumeric(table.rows[1].fields.back());
    bool differs = first.fields.size() < dataColumns ||
                   (first.fields.size() == dataColumns && names);
    if (shaped && differs) {
      size_t dataRows = table.rows.size() - 1;
      if (static_cast<double>(dataRows) != *declaredRows)
        fail(ErrorCode::DataLoss,
             "{}:{}: header declares {} rows, the file has {} (truncated "
             "file?)",
             path, first.line, first.fields[0], dataRows);
      table.sklearnNames.assign(first.fields.begin() + 2, first.fields.end());
      table.rows.erase(table.rows.begin());
    }
  }
  if (table.sklearnNames.empty() && options.header != CsvHeader::Absent) {
    const Row &head = table.rows.front();
    // A header has a name where the next row has a number (a row whose
    // only non-numbers are categorical labels is data).
    bool named = options.header == CsvHeader::Present;
    for (size_t c = 0; !named && c < head.fields.size(); ++c)
      named = isName(head.fields[c]) &&
              (table.rows.size() < 2 || c >= table.rows[1].fields.size() ||
               isNumeric(table.rows[1].fields[c]));
    if (named) {
      table.header = head.fields;
      table.headerLine = head.line;
      table.rows.erase(table.rows.begin());
    }
  }
  if (table.rows.empty())
    fail(ErrorCode::DataLoss, "{}: a header but no data rows", path);
  table.columns = static_cast<int64_t>(table.rows.front().fields.size());
  if (!table.header.empty() &&
      static_cast<int64_t>(table.header.size()) != table.columns)
    fail(ErrorCode::DataLoss,
         "{}:{}: header has {} fields but the first data row has {}", path,
         table.headerLine, table.header.size(), table.columns);
  for (const Row &row : table.rows)
    if (static_cast<int64_t>(row.fields.size()) != table.columns)
      fail(ErrorCode::DataLoss,
           "{}:{}: expected {} fields, got {} (ragged row)", path, row.line,
           table.columns, row.fields.size());
  return table;
}

/// Resolves CsvOptions::labelColumn to an index, -1 for "none".
static int64_t labelIndex(const std::string &path, const Table &table,
                          const std::string &spec) {
  if (spec == "none")
    return -1;
  if (spec == "last" || spec.empty())
    return table.columns - 1;
  if (spec == "first")
    return 0;
  if (std::all_of(spec.begin(), spec.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t index = spec.size() > 9 ? INT64_MAX : std::stoll(spec);
    if (index >= table.columns)
      fail(ErrorCode::OutOfRange,
           "{}: label column {} out of range: the file has {} columns", path,
           spec, table.columns);
    return index;
  }
  auto it = std::find(table.header.begin(), table.header.end(), spec);
  if (it == table.header.end()) {
    std::string names;
    for (const std::string &n : table.header)
      names += (names.empty() ? "" : ", ") + n;
    fail(ErrorCode::NotFound, "{}: no column named '{}' (columns: {})", path,
         spec, names.empty() ? "none named, the file has no header" : names);
  }
  return it - table.header.begin();
}

static float numberAt(const std::string &path, const Row &row, size_t col) {
  const std::string &field = row.fields[col];
  if (field.empty())
    fail(ErrorCode::DataLoss, "{}:{}: field {} is empty", path, row.line,
         col + 1);
  auto value = parseNumber(field);
  if (!value)
    fail(ErrorCode::DataLoss, "{}:{}: field {} is not a number: '{}'", path,
         row.line, col + 1, field.substr(0, 40));
  if (!std::isfinite(*value) || std::fabs(*value) > 3.4e38)
    fail(ErrorCode::DataLoss,
         "{}:{}: field {} is not a finite float32 value: '{}'", path, row.line,
         col + 1, field.substr(0, 40));
  return static_cast<float>(*value);
}

Expected<Dataset> nnc::rt::loadCsv(const std::string &path,
                                   const CsvOptions &options) {
  return guard([&] {
    Table table = readTable(path, options);
    int64_t label = labelIndex(path, table, options.labelColumn);
    Dataset ds;
    ds.name = baseName(path);
    int64_t numFeatures = table.columns - (label >= 0 ? 1 : 0);
    if (numFeatures < 1)
      fail(ErrorCode::DataLoss, "{}: no feature columns besides the label",
           path);
    ds.featureShape = {numFeatures};
    for (int64_t c = 0; c < static_cast<int64_t>(table.header.size()); ++c)
      if (c != label)
        ds.featureNames.push_back(table.header[c]);
    ds.features.reserve(table.rows.size() * numFeatures);
    for (const Row &row : table.rows)
      for (int64_t c = 0; c < table.columns; ++c)
        if (c != label)
          ds.features.push_back(numberAt(path, row, c));
    if (label < 0 || options.regression) {
      if (label >= 0) {
        ds.targetDim = 1;
        for (const Row &row : table.rows)
          ds.targets.push_back(numberAt(path, row, label));
      } else {
        // No labels: an unlabelled data set (all labels 0, one class).
        ds.numClasses = 1;
        ds.labels.assign(table.rows.size(), 0);
      }
      return ds;
    }
    // Categorical labels when the first label is not a number.
    bool categorical = !isNumeric(table.rows.front().fields[label]);
    std::vector<std::string> names = table.sklearnNames;
    if (categorical) {
      std::map<std::string, int32_t> index;
      for (const Row &row : table.rows)
        index.emplace(row.fields[label], 0);
      names.clear();
      for (auto &[name, id] : index) {
        id = static_cast<int32_t>(names.size());
        names.push_back(name);
      }
      for (const Row &row : table.rows)
        ds.labels.push_back(index[row.fields[label]]);
    } else {
      for (const Row &row : table.rows) {
        const std::string &field = row.fields[label];
        auto value = parseNumber(field);
        if (!value || *value < 0 || *value != std::floor(*value) ||
            *value > 2147483647.0)
          fail(ErrorCode::DataLoss,
               "{}:{}: label '{}' in field {} is not a non-negative integer",
               path, row.line, field.substr(0, 40), label + 1);
        ds.labels.push_back(static_cast<int32_t>(*value));
      }
    }
    int32_t maxLabel = *std::max_element(ds.labels.begin(), ds.labels.end());
    ds.numClasses = options.numClasses > 0 ? options.numClasses
                    : !names.empty()       ? static_cast<int64_t>(names.size())
                                           : int64_t(maxLabel) + 1;
    for (size_t i = 0; i < ds.labels.size(); ++i)
      if (ds.labels[i] >= ds.numClasses)
        fail(ErrorCode::OutOfRange,
             "{}:{}: label {} out of range: expected a class in [0, {})", path,
             table.rows[i].line, ds.labels[i], ds.numClasses);
    if (static_cast<int64_t>(names.size()) == ds.numClasses)
      ds.classNames = names;
    return ds;
  });
}

Expected<Dataset> nnc::rt::loadCsvRegression(const std::string &featuresPath,
                                             const std::string &targetsPath,
                                             const CsvOptions &options) {
  return guard([&] {
    CsvOptions featureOptions = options;
    featureOptions.labelColumn = "none";
    featureOptions.regression = false;
    auto features = loadCsv(featuresPath, featureOptions);
    if (!features)
      throw RuntimeError(features.status().code(), features.status().message());
    CsvOptions targetOptions = options;
    targetOptions.delimiter = '\0';
    Table table = readTable(targetsPath, targetOptions);
    Dataset ds = features.take();
    ds.labels.clear();
    ds.numClasses = 0;
    if (static_cast<int64_t>(table.rows.size()) != ds.size())
      fail(ErrorCode::DataLoss, "{}: {} target rows, but {} has {} samples",
           targetsPath, table.rows.size(), featuresPath, ds.size());
    ds.targetDim = table.columns;
    for (const Row &row : table.rows)
      for (int64_t c = 0; c < table.columns; ++c)
        ds.targets.push_back(numberAt(targetsPath, row, c));
    return ds;
  });
}
