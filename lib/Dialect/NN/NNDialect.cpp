//===- NNDialect.cpp - the nn dialect, enums and attributes ---------------===//
//
// Registers the nn ops and attributes with the dialect, includes the
// generated enum and attribute definitions (with the custom printer of the
// ABI's dimension lists), and materialises folded
// constants as `nn.constant`.
//
//===----------------------------------------------------------------------===//

#include "nnc/Dialect/NN/NNDialect.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::nn;

#include "nnc/Dialect/NN/NNDialect.cpp.inc"
#include "nnc/Dialect/NN/NNEnums.cpp.inc"

/// The optional fields of an `#nn.abi_tensor`, each `, key = value` when
/// set, in any order: `init`, `scale`, `of` (default -1), `bound` (0).
static ParseResult parseABIFields(AsmParser &parser,
                                  std::optional<InitKind> &init,
                                  FloatAttr &scale, int32_t &of,
                                  int64_t &bound) {
  of = -1;
  bound = 0;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return failure();
    if (key == "init") {
      FailureOr<InitKind> kind = FieldParser<InitKind>::parse(parser);
      if (failed(kind))
        return failure();
      init = *kind;
    } else if (key == "scale") {
      if (parser.parseAttribute(scale))
        return failure();
    } else if (key == "of") {
      if (parser.parseInteger(of))
        return failure();
    } else if (key == "bound") {
      if (parser.parseInteger(bound))
        return failure();
    } else {
      return parser.emitError(loc, "unknown field '")
             << key << "' (expected init, scale, of or bound)";
    }
  }
  return success();
}

static void printABIFields(AsmPrinter &printer, std::optional<InitKind> init,
                           FloatAttr scale, int32_t of, int64_t bound) {
  if (init)
    printer << ", init = " << stringifyInitKind(*init);
  if (scale)
    printer << ", scale = " << scale;
  if (of != -1)
    printer << ", of = " << of;
  if (bound != 0)
    printer << ", bound = " << bound;
}

/// The dimensions of an `#nn.abi_tensor`: `[?, 28, 28]`, `?` for the batch
/// (-1), `[]` for a scalar.
static ParseResult parseABIDims(AsmParser &parser, SmallVector<int64_t> &dims) {
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::Square, [&]() -> ParseResult {
        if (succeeded(parser.parseOptionalQuestion())) {
          dims.push_back(-1);
          return success();
        }
        int64_t dim;
        if (parser.parseInteger(dim))
          return failure();
        if (dim < 0)
          return parser.emitError(parser.getCurrentLocation(),
                                  "a dimension is ? or non-negative");
        dims.push_back(dim);
        return success();
      });
}

static void printABIDims(AsmPrinter &printer, ArrayRef<int64_t> dims) {
  printer << '[';
  llvm::interleaveComma(dims, printer, [&](int64_t d) {
    if (d < 0)
      printer << '?';
    else
      printer << d;
  });
  printer << ']';
}

/// The dimensions and optional fields of an `#nn.abi_tensor`:
/// `[?, 4], init = he, bound = 7`.
static ParseResult parseABIShapeAndFields(AsmParser &parser,
                                          SmallVector<int64_t> &dims,
                                          std::optional<InitKind> &init,
                                          FloatAttr &scale, int32_t &of,
                                          int64_t &bound) {
  return failure(failed(parseABIDims(parser, dims)) ||
                 failed(parseABIFields(parser, init, scale, of, bound)));
}

static void printABIShapeAndFields(AsmPrinter &printer, ArrayRef<int64_t> dims,
                                   std::optional<InitKind> init,
                                   FloatAttr scale, int32_t of, int64_t bound) {
  printABIDims(printer, dims);
  printABIFields(printer, init, scale, of, bound);
}

#define GET_ATTRDEF_CLASSES
#include "nnc/Dialect/NN/NNAttrs.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "nnc/Dialect/NN/NNOps.cpp.inc"
      >();
  registerAttributes();
}

void NNDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "nnc/Dialect/NN/NNAttrs.cpp.inc"
      >();
}

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}
