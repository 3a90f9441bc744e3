//===- NNRecipe.cpp - #nn.optimizer and #nn.schedule ----------------------===//
//
// The schemas of the typed recipe attributes (which values each optimizer
// and schedule kind has, in which order, and what they may be) and their
// assembly: `<kind, name = value, ...>` with every name of the schema, in
// order. The schema holds no default value: MLIRGen fills every value from
// the Sema-normalised train section (lib/Frontend/Builtins.cpp).
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nn;

ArrayRef<RecipeField> nn::getOptimizerSchema(OptimizerKind kind) {
  using R = HyperRange;
  static const RecipeField sgd[] = {{"lr", R::nonneg},
                                    {"weight_decay", R::nonneg}};
  static const RecipeField momentum[] = {{"lr", R::nonneg},
                                         {"momentum", R::nonneg},
                                         {"nesterov", R::flag},
                                         {"weight_decay", R::nonneg}};
  static const RecipeField rmsprop[] = {{"lr", R::nonneg},
                                        {"alpha", R::unit},
                                        {"eps", R::positive},
                                        {"weight_decay", R::nonneg}};
  static const RecipeField adam[] = {{"lr", R::nonneg},
                                     {"beta1", R::unit},
                                     {"beta2", R::unit},
                                     {"eps", R::positive},
                                     {"weight_decay", R::nonneg}};
  switch (kind) {
  case OptimizerKind::none:
    return {};
  case OptimizerKind::sgd:
    return sgd;
  case OptimizerKind::momentum:
    return momentum;
  case OptimizerKind::rmsprop:
    return rmsprop;
  case OptimizerKind::adam:
  case OptimizerKind::adamw:
    return adam;
  }
  return {};
}

ArrayRef<RecipeField> nn::getScheduleSchema(ScheduleKind kind) {
  using R = HyperRange;
  static const RecipeField step[] = {{"drop", R::unit},
                                     {"every", R::positive, true}};
  static const RecipeField exponential[] = {{"rate", R::unit}};
  static const RecipeField cosine[] = {{"T_max", R::positive, true},
                                       {"min_lr", R::nonneg}};
  static const RecipeField plateau[] = {{"patience", R::nonneg, true},
                                        {"factor", R::unit}};
  switch (kind) {
  case ScheduleKind::constant:
    return {};
  case ScheduleKind::step:
    return step;
  case ScheduleKind::exponential:
    return exponential;
  case ScheduleKind::cosine:
    return cosine;
  case ScheduleKind::plateau:
    return plateau;
  }
  return {};
}

SmallVector<APFloat> nn::toAPFloats(ArrayRef<double> values) {
  SmallVector<APFloat> out;
  for (double v : values)
    out.push_back(APFloat(v));
  return out;
}

/// Whether `value` lies in `range`.
static bool inRange(double value, HyperRange range) {
  switch (range) {
  case HyperRange::nonneg:
    return value >= 0;
  case HyperRange::positive:
    return value > 0;
  case HyperRange::unit:
    return value >= 0 && value <= 1;
  case HyperRange::flag:
    return value == 0 || value == 1;
  }
  return false;
}

/// Checks `values` against `schema`: one per field, each in its range.
static LogicalResult verifyValues(function_ref<InFlightDiagnostic()> emitError,
                                  StringRef what, StringRef kind,
                                  ArrayRef<RecipeField> schema,
                                  ArrayRef<APFloat> apValues) {
  SmallVector<double> values;
  for (const APFloat &v : apValues)
    values.push_back(v.convertToDouble());
  if (values.size() != schema.size())
    return emitError() << what << " " << kind << " has " << schema.size()
                       << " values, got " << values.size();
  for (auto [field, value] : llvm::zip(schema, values)) {
    if (!inRange(value, field.range))
      return emitError() << what << " " << kind << ": " << field.name
                         << " must be " << stringifyHyperRange(field.range)
                         << ", got " << value;
    if (field.isInt && value != std::floor(value))
      return emitError() << what << " " << kind << ": " << field.name
                         << " must be an integer, got " << value;
  }
  return success();
}

/// Parses `, name = value` for each field of `schema`, in order.
static ParseResult parseValues(AsmParser &parser, ArrayRef<RecipeField> schema,
                               SmallVectorImpl<double> &values) {
  for (const RecipeField &field : schema) {
    if (failed(parser.parseOptionalComma()))
      return parser.emitError(parser.getCurrentLocation(), "expected '")
             << field.name << "' (every value of the kind is required)";
    if (parser.parseKeyword(field.name) || parser.parseEqual())
      return failure();
    double value = 0;
    if (field.isInt) {
      int64_t i = 0;
      if (parser.parseInteger(i))
        return failure();
      value = static_cast<double>(i);
    } else if (parser.parseFloat(value)) {
      return failure();
    }
    values.push_back(value);
  }
  return success();
}

static void printValues(AsmPrinter &printer, ArrayRef<RecipeField> schema,
                        ArrayRef<APFloat> values) {
  for (auto [field, value] : llvm::zip(schema, values)) {
    printer << ", " << field.name << " = ";
    if (field.isInt)
      printer << static_cast<int64_t>(value.convertToDouble());
    else
      printer.printFloat(value);
  }
}

static std::optional<double> lookup(ArrayRef<RecipeField> schema,
                                    ArrayRef<APFloat> values, StringRef name) {
  for (auto [field, value] : llvm::zip(schema, values))
    if (field.name == name)
      return value.convertToDouble();
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// #nn.optimizer
//===----------------------------------------------------------------------===//

Attribute OptimizerAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<OptimizerKind> kind = symbolizeOptimizerKind(keyword);
  if (!kind || *kind == OptimizerKind::none) {
    parser.emitError(loc, "unknown optimizer '")
        << keyword << "' (expected sgd, momentum, rmsprop, adam or adamw)";
    return {};
  }
  SmallVector<double> values;
  if (parseValues(parser, getOptimizerSchema(*kind), values))
    return {};
  double clipNorm = 0;
  if (succeeded(parser.parseOptionalComma()) &&
      (parser.parseKeyword("clip_norm") || parser.parseEqual() ||
       parser.parseFloat(clipNorm)))
    return {};
  if (parser.parseGreater())
    return {};
  return OptimizerAttr::getChecked([&] { return parser.emitError(loc); },
                                   parser.getContext(), *kind,
                                   ArrayRef<double>(values), clipNorm);
}

void OptimizerAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyOptimizerKind(getKind());
  printValues(printer, getOptimizerSchema(getKind()), getValues());
  if (getClipNorm().convertToDouble() > 0) {
    printer << ", clip_norm = ";
    printer.printFloat(getClipNorm());
  }
  printer << '>';
}

LogicalResult
OptimizerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      OptimizerKind kind, ArrayRef<APFloat> values,
                      APFloat clipNorm) {
  if (kind == OptimizerKind::none)
    return emitError() << "an optimizer needs a kind";
  if (!(clipNorm.convertToDouble() >= 0))
    return emitError() << "clip_norm must be nonneg, got "
                       << clipNorm.convertToDouble();
  return verifyValues(emitError, "optimizer", stringifyOptimizerKind(kind),
                      getOptimizerSchema(kind), values);
}

std::optional<double> OptimizerAttr::getValue(StringRef name) const {
  if (name == "clip_norm")
    return getClipNorm().convertToDouble();
  return lookup(getOptimizerSchema(getKind()), getValues(), name);
}

//===----------------------------------------------------------------------===//
// #nn.schedule
//===----------------------------------------------------------------------===//

Attribute ScheduleAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<ScheduleKind> kind = symbolizeScheduleKind(keyword);
  if (!kind) {
    parser.emitError(loc, "unknown schedule '")
        << keyword
        << "' (expected constant, step, exponential, cosine or plateau)";
    return {};
  }
  SmallVector<double> values;
  if (parseValues(parser, getScheduleSchema(*kind), values) ||
      parser.parseGreater())
    return {};
  return ScheduleAttr::getChecked([&] { return parser.emitError(loc); },
                                  parser.getContext(), *kind,
                                  ArrayRef<double>(values));
}

void ScheduleAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyScheduleKind(getKind());
  printValues(printer, getScheduleSchema(getKind()), getValues());
  printer << '>';
}

LogicalResult ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ScheduleKind kind,
                                   ArrayRef<APFloat> values) {
  return verifyValues(emitError, "schedule", stringifyScheduleKind(kind),
                      getScheduleSchema(kind), values);
}

std::optional<double> ScheduleAttr::getValue(StringRef name) const {
  return lookup(getScheduleSchema(getKind()), getValues(), name);
}
