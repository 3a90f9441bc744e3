//===- NNTypeInference.cpp - named checks and elementwise/shape inference -===//
//
// Implements the named shape constraints of TypeChecks.h and the result-type
// inference of the elementwise, normalised-exponential and shape ops
// (NNOps.td). Layers and losses are in NNLayerInference.cpp. Each
// `inferReturnTypes` runs twice for parsed IR: once while parsing, before
// the attributes are attached to the op's properties (so attribute checks
// are skipped when an attribute is absent), and again in the verifier.
//
//===----------------------------------------------------------------------===//

#include "TypeChecks.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::nn;
using namespace mlir::nn::typecheck;

//===----------------------------------------------------------------------===//
// Named checks
//===----------------------------------------------------------------------===//

std::string nn::formatType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::string text;
  llvm::raw_string_ostream os(text);
  if (!tensor) {
    os << type;
    return text;
  }
  os << tensor.getElementType() << "[";
  llvm::interleaveComma(tensor.getShape(), os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "N";
    else
      os << dim;
  });
  os << "]";
  return text;
}

std::string typecheck::formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
  });
  os << "]";
  return text;
}

bool typecheck::dimsAgree(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

bool typecheck::shapesAgree(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto pair) {
           return dimsAgree(std::get<0>(pair), std::get<1>(pair));
         });
}

RankedTensorType typecheck::f32TensorType(MLIRContext *ctx,
                                          ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

std::optional<SmallVector<int64_t>>
typecheck::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t &out = result[rank - 1 - i];
    // The dynamic batch dim N meets only N or 1: against a static size it
    // would be read as that size whatever the batch (issue 11).
    if (da == 1)
      out = db;
    else if (db == 1)
      out = da;
    else if (da == db)
      out = da;
    else
      return std::nullopt;
  }
  return result;
}

FailureOr<RankedTensorType> OpChecker::tensorOf(Value value, Type elementType,
                                                StringRef what,
                                                StringRef form) const {
  auto type =
      dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
  if (!type || type.getElementType() != elementType) {
    if (!value)
      return fail("expects ", what, " ", form, ", got none");
    return fail("expects ", what, " ", form, ", got ", value.getType());
  }
  return type;
}

FailureOr<RankedTensorType> OpChecker::f32Tensor(Value value, StringRef what,
                                                 StringRef form,
                                                 int64_t minRank,
                                                 int64_t maxRank) const {
  std::string phrase;
  if (minRank == maxRank)
    phrase = "a rank-" + std::to_string(minRank) + " ";
  else if (maxRank != INT64_MAX)
    phrase = "a rank " + std::to_string(minRank) + " to " +
             std::to_string(maxRank) + " ";
  else if (minRank > 0)
    phrase = "a rank >= " + std::to_string(minRank) + " ";
  std::string described = phrase + what.str();
  auto type =
      dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
  if (!type || !type.getElementType().isF32() || type.getRank() < minRank ||
      type.getRank() > maxRank) {
    if (!value)
      return fail("expects ", described, " ", form, ", got none");
    return fail("expects ", described, " ", form, ", got ", value.getType());
  }
  return type;
}

FailureOr<RankedTensorType> OpChecker::f32Shape(Value value, StringRef what,
                                                StringRef form,
                                                ArrayRef<int64_t> expected,
                                                const Twine &why) const {
  auto type =
      dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
  if (!type || !type.getElementType().isF32() ||
      !shapesAgree(type.getShape(), expected)) {
    std::string tail = why.str();
    if (!value)
      return fail("expects ", what, " of shape ", form, tail, ", got none");
    return fail("expects ", what, " of shape ", form, tail, ", got ",
                value.getType());
  }
  return type;
}

LogicalResult OpChecker::axisInRange(int64_t axis, int64_t rank, StringRef what,
                                     Type type) const {
  if (axis < 0 || axis >= rank)
    return fail("expects ", what, " in [0, ", rank, ") for ", type, ", got ",
                axis);
  return success();
}

LogicalResult OpChecker::divisorPadding(ArrayRef<int64_t> padding,
                                        ArrayRef<int64_t> counted) const {
  if (failed(arrayOf(counted, 4, 0, "divisor_padding",
                     "(top, left, bottom, right)")))
    return failure();
  for (size_t d = 0; d < counted.size() && d < padding.size(); ++d)
    if (counted[d] > padding[d])
      return fail("expects divisor_padding within padding, got ",
                  formatShape(counted), " and ", formatShape(padding));
  return success();
}

LogicalResult OpChecker::arrayOf(ArrayRef<int64_t> values, size_t size,
                                 int64_t minValue, StringRef what,
                                 StringRef form) const {
  if (values.size() != size ||
      llvm::any_of(values, [&](int64_t v) { return v < minValue; }))
    return fail("expects ", what, " ", form, " of ", size,
                " values >= ", minValue, ", got ", formatShape(values));
  return success();
}

LogicalResult OpChecker::sameShape(RankedTensorType input,
                                   RankedTensorType target, StringRef inputName,
                                   StringRef targetName) const {
  if (!shapesAgree(input.getShape(), target.getShape()))
    return fail("expects ", inputName, " and ", targetName,
                " of the same shape, got ", input, " and ", target);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult nn::inferElementwiseUnary(StringRef opName,
                                        std::optional<Location> loc,
                                        Value input,
                                        SmallVectorImpl<Type> &types) {
  auto type = OpChecker(opName, loc).f32Tensor(input, "input", "f32[...]");
  if (failed(type))
    return failure();
  types.push_back(*type);
  return success();
}

/// `shape` with its dynamic dims read as 1.
static SmallVector<int64_t> withoutDynamic(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> out(shape);
  for (int64_t &d : out)
    if (ShapedType::isDynamic(d))
      d = 1;
  return out;
}

LogicalResult nn::inferBroadcastBinary(StringRef opName,
                                       std::optional<Location> loc, Value lhs,
                                       Value rhs,
                                       SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto lhsType = check.f32Tensor(lhs, "lhs", "f32[...]");
  if (failed(lhsType))
    return failure();
  auto rhsType = check.f32Tensor(rhs, "rhs", "f32[...]");
  if (failed(rhsType))
    return failure();
  auto shape = broadcastShapes(lhsType->getShape(), rhsType->getShape());
  if (!shape && broadcastShapes(withoutDynamic(lhsType->getShape()),
                                withoutDynamic(rhsType->getShape())))
    return check.fail("expects operands whose batch dims meet the batch dim "
                      "or 1 (aligned on the right), got ",
                      *lhsType, " and ", *rhsType);
  if (!shape)
    return check.fail("expects operands that broadcast (aligned on the "
                      "right, each pair of dims equal or one of them 1), "
                      "got ",
                      *lhsType, " and ", *rhsType);
  types.push_back(f32TensorType(lhs.getContext(), *shape));
  return success();
}

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[...]");
  if (failed(type))
    return failure();
  if (failed(check.tensorOf(adaptor.getSeed(), IntegerType::get(ctx, 64),
                            "seed", "tensor<i64>")) ||
      cast<RankedTensorType>(adaptor.getSeed().getType()).getRank() != 0)
    return check.fail("expects seed tensor<i64>, got ",
                      adaptor.getSeed().getType());
  if (auto p = dyn_cast_or_null<FloatAttr>(adaptor.getProperties().p)) {
    double value = p.getValueAsDouble();
    if (!(value >= 0.0 && value < 1.0))
      return check.fail("expects p in [0, 1), got ", value);
  }
  types.push_back(*type);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

LogicalResult nn::inferSoftmax(StringRef opName, std::optional<Location> loc,
                               Value input, IntegerAttr axis,
                               SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto type = check.f32Tensor(input, "input", "f32[...]", 1);
  if (failed(type))
    return failure();
  if (axis &&
      failed(check.axisInRange(axis.getInt(), type->getRank(), "axis", *type)))
    return failure();
  types.push_back(*type);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[N, ...]", 2);
  if (failed(type))
    return failure();
  int64_t features = 1;
  for (int64_t dim : type->getShape().drop_front()) {
    if (ShapedType::isDynamic(dim))
      return check.fail("expects static dimensions after the batch, got ",
                        *type);
    features *= dim;
  }
  types.push_back(f32TensorType(ctx, {type->getDimSize(0), features}));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[...]");
  if (failed(type))
    return failure();
  ArrayRef<int64_t> shape = adaptor.getShape();
  if (llvm::count(shape, -1) > 1 ||
      llvm::any_of(shape, [](int64_t d) { return d < 1 && d != -1; }))
    return check.fail("expects shape of sizes >= 1 and at most one -1 (the "
                      "batch dim), got ",
                      formatShape(shape));
  int64_t inputStatic = 1, targetStatic = 1;
  bool inputDynamic = !type->hasStaticShape();
  for (int64_t dim : type->getShape())
    if (!ShapedType::isDynamic(dim))
      inputStatic *= dim;
  for (int64_t dim : shape)
    if (dim != -1)
      targetStatic *= dim;
  bool hasBatch = llvm::is_contained(shape, -1);
  // Constraint: -1 stands for the batch, so the static sizes must match;
  // for a static input -1 takes the missing factor.
  bool fits = hasBatch ? (inputDynamic ? inputStatic == targetStatic
                                       : inputStatic % targetStatic == 0)
                       : !inputDynamic && inputStatic == targetStatic;
  if (!fits || type->getNumDynamicDims() > 1)
    return check.fail("cannot reshape ", *type, " to ", formatShape(shape),
                      ": the static sizes must have equal products, with -1 "
                      "standing for the batch dim");
  SmallVector<int64_t> result(shape);
  for (int64_t &dim : result)
    if (dim == -1)
      dim = inputDynamic ? ShapedType::kDynamic : inputStatic / targetStatic;
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[...]");
  if (failed(type))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = type->getRank();
  SmallVector<bool> seen(rank, false);
  bool isPermutation = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm) {
    if (!isPermutation || p < 0 || p >= rank || seen[p]) {
      isPermutation = false;
      break;
    }
    seen[p] = true;
  }
  if (!isPermutation)
    return check.fail("expects perm to be a permutation of [0, ", rank,
                      ") for ", *type, ", got ", formatShape(perm));
  SmallVector<int64_t> result;
  for (int64_t p : perm)
    result.push_back(type->getDimSize(p));
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return check.fail("expects at least one input, got none");
  auto first = check.f32Tensor(inputs.front(), "input", "f32[...]", 1);
  if (failed(first))
    return failure();
  int64_t axis = adaptor.getAxisAttr() ? adaptor.getAxisAttr().getInt() : 0;
  if (failed(check.axisInRange(axis, first->getRank(), "axis", *first)))
    return failure();
  SmallVector<int64_t> result(first->getShape());
  for (Value input : inputs.drop_front()) {
    auto type = check.f32Tensor(input, "input", "f32[...]");
    if (failed(type))
      return failure();
    bool agrees = type->getRank() == first->getRank();
    for (int64_t d = 0; agrees && d < first->getRank(); ++d)
      if (d != axis)
        agrees = dimsAgree(type->getDimSize(d), first->getDimSize(d));
    if (!agrees)
      return check.fail("expects inputs of the same rank and the same "
                        "dimensions except axis ",
                        axis, ", got ", *first, " and ", *type);
    int64_t dim = type->getDimSize(axis);
    result[axis] =
        ShapedType::isDynamic(result[axis]) || ShapedType::isDynamic(dim)
            ? ShapedType::kDynamic
            : result[axis] + dim;
    for (int64_t d = 0; d < first->getRank(); ++d)
      if (d != axis && ShapedType::isDynamic(result[d]))
        result[d] = type->getDimSize(d);
  }
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[...]", 1);
  if (failed(type))
    return failure();
  auto &props = adaptor.getProperties();
  if (!props.axis || !props.start || !props.size)
    return failure();
  int64_t axis = props.axis.getInt(), start = props.start.getInt(),
          size = props.size.getInt();
  if (failed(check.axisInRange(axis, type->getRank(), "axis", *type)))
    return failure();
  int64_t dim = type->getDimSize(axis);
  if (start < 0 || size < 1 ||
      (!ShapedType::isDynamic(dim) && start + size > dim))
    return check.fail("expects 0 <= start, 1 <= size and start + size <= ",
                      formatShape({dim}), " (dim ", axis, " of ", *type,
                      "), got start = ", start, ", size = ", size);
  SmallVector<int64_t> result(type->getShape());
  result[axis] = size;
  types.push_back(f32TensorType(ctx, result));
  return success();
}

LogicalResult LastOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto type = OpChecker(getOperationName(), loc)
                  .f32Tensor(adaptor.getInput(), "input", "f32[N, T, H]", 3, 3);
  if (failed(type))
    return failure();
  types.push_back(
      f32TensorType(ctx, {type->getDimSize(0), type->getDimSize(2)}));
  return success();
}

LogicalResult nn::inferReduce(StringRef opName, std::optional<Location> loc,
                              Value input, ArrayRef<int64_t> axes, bool keepdim,
                              SmallVectorImpl<Type> &types) {
  OpChecker check(opName, loc);
  auto type = check.f32Tensor(input, "input", "f32[...]", 1);
  if (failed(type))
    return failure();
  int64_t rank = type->getRank();
  SmallVector<bool> reduced(rank, false);
  bool valid = !axes.empty();
  for (int64_t axis : axes) {
    if (!valid || axis < 0 || axis >= rank || reduced[axis]) {
      valid = false;
      break;
    }
    reduced[axis] = true;
  }
  if (!valid)
    return check.fail("expects axes to be a non-empty list of distinct dims "
                      "in [0, ",
                      rank, ") for ", *type, ", got ", formatShape(axes));
  SmallVector<int64_t> result;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      result.push_back(type->getDimSize(d));
    else if (keepdim)
      result.push_back(1);
  }
  types.push_back(f32TensorType(input.getContext(), result));
  return success();
}

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  OpChecker check(getOperationName(), loc);
  auto type = check.f32Tensor(adaptor.getInput(), "input", "f32[...]");
  if (failed(type))
    return failure();
  ArrayRef<int64_t> shape = adaptor.getShape();
  bool hasBatch = !shape.empty() && shape.front() == -1;
  if (llvm::any_of(shape.drop_front(hasBatch ? 1 : 0),
                   [](int64_t d) { return d < 1; }))
    return check.fail("expects shape of sizes >= 1, with -1 allowed only "
                      "first (the batch dim), got ",
                      formatShape(shape));
  Value batchRef = adaptor.getBatchRef();
  auto refType = dyn_cast_or_null<RankedTensorType>(
      batchRef ? batchRef.getType() : Type());
  if (hasBatch && !batchRef)
    return check.fail("expects a batch_ref operand for shape ",
                      formatShape(shape),
                      " (its -1 takes the size of batch_ref's dim 0)");
  if (!hasBatch && batchRef)
    return check.fail("expects no batch_ref operand for shape ",
                      formatShape(shape), " without -1, got one");
  if (batchRef && (!refType || refType.getRank() < 1))
    return check.fail("expects a batch_ref of rank >= 1, got ",
                      batchRef.getType());
  SmallVector<int64_t> result(shape);
  if (hasBatch)
    result.front() = refType.getDimSize(0);
  ArrayRef<int64_t> in = type->getShape();
  bool fits = in.size() <= result.size();
  for (size_t i = 0; fits && i < in.size(); ++i) {
    int64_t target = result[result.size() - in.size() + i];
    fits = in[i] == 1 || dimsAgree(in[i], target);
  }
  if (!fits)
    return check.fail("cannot broadcast ", *type, " to ", formatShape(result),
                      ": aligned on the right, each input dim must be 1 or "
                      "equal to the target");
  types.push_back(f32TensorType(ctx, result));
  return success();
}
