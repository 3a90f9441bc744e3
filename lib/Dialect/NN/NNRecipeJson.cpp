//===- NNRecipeJson.cpp - the recipe as JSON ------------------------------===//
//
// The one writer of the recipe JSON that the runtime reads (parseRecipe,
// loadDataSpec; docs/runtime.md): nnc-model-abi writes the module's recipe
// with it into the descriptor, and the front end writes a data source given
// on the command line (`nnc train --data`) with it.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNRecipeJson.h"

#include "nnc/Dialect/NN/NNDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Format.h"

using namespace mlir;

static void writeJsonString(llvm::raw_ostream &os, StringRef s) {
  os << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c < 0x20)
      os << llvm::format("\\u%04x", c);
    else
      os << c;
  }
  os << '"';
}

static void writeJsonNumber(llvm::raw_ostream &os, double value, bool isInt) {
  if (isInt)
    os << static_cast<int64_t>(value);
  else
    os << llvm::format("%.9g", value);
}

/// `"kind":"<kind>"` then `,"name":value` for each field of a typed recipe
/// attribute (#nn.optimizer, #nn.schedule), inside braces.
static void writeJsonCall(llvm::raw_ostream &os, StringRef kind,
                          ArrayRef<nn::RecipeField> schema,
                          ArrayRef<APFloat> values,
                          std::optional<double> clipNorm = std::nullopt) {
  os << "{\"kind\":";
  writeJsonString(os, kind);
  for (auto [field, value] : llvm::zip(schema, values)) {
    os << ',';
    writeJsonString(os, field.name);
    os << ':';
    writeJsonNumber(os, value.convertToDouble(), field.isInt);
  }
  if (clipNorm && *clipNorm > 0) {
    os << ",\"clip_norm\":";
    writeJsonNumber(os, *clipNorm, false);
  }
  os << '}';
}

void nn::writeRecipeJson(llvm::raw_ostream &os, Attribute attr) {
  if (auto opt = dyn_cast<nn::OptimizerAttr>(attr)) {
    writeJsonCall(os, nn::stringifyOptimizerKind(opt.getKind()),
                  nn::getOptimizerSchema(opt.getKind()), opt.getValues(),
                  opt.getClipNorm().convertToDouble());
  } else if (auto sched = dyn_cast<nn::ScheduleAttr>(attr)) {
    writeJsonCall(os, nn::stringifyScheduleKind(sched.getKind()),
                  nn::getScheduleSchema(sched.getKind()), sched.getValues());
  } else if (auto loss = dyn_cast<nn::LossKindAttr>(attr)) {
    writeJsonString(os, nn::stringifyLossKind(loss.getValue()));
  } else if (auto metrics = dyn_cast<nn::MetricsAttr>(attr)) {
    os << '[';
    llvm::interleave(
        metrics.getMetrics(), os,
        [&](nn::MetricKind m) {
          writeJsonString(os, nn::stringifyMetricKind(m));
        },
        ",");
    os << ']';
  } else if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    os << '{';
    llvm::interleave(
        dict.getValue(), os,
        [&](NamedAttribute entry) {
          writeJsonString(os, entry.getName().getValue());
          os << ':';
          writeRecipeJson(os, entry.getValue());
        },
        ",");
    os << '}';
  } else if (auto array = dyn_cast<ArrayAttr>(attr)) {
    os << '[';
    llvm::interleave(
        array.getValue(), os, [&](Attribute a) { writeRecipeJson(os, a); },
        ",");
    os << ']';
  } else if (auto str = dyn_cast<StringAttr>(attr)) {
    writeJsonString(os, str.getValue());
  } else if (auto flag = dyn_cast<BoolAttr>(attr)) {
    os << (flag.getValue() ? "true" : "false");
  } else if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    os << integer.getInt();
  } else if (auto real = dyn_cast<FloatAttr>(attr)) {
    os << llvm::format("%.9g", real.getValueAsDouble());
  } else if (isa<UnitAttr>(attr)) {
    os << "true";
  } else {
    std::string text;
    llvm::raw_string_ostream ts(text);
    attr.print(ts);
    writeJsonString(os, text);
  }
}
