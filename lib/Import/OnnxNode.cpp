//===- OnnxNode.cpp - A node's attributes and messages --------------------===//
//
// Attribute access for the converters: a missing attribute takes the ONNX
// default the converter passes, an attribute of the wrong type is recorded
// and reported as an error after the converter ran, and an attribute a
// converter does not know is refused by name (`onlyAttributes`), so that no
// attribute is silently ignored.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/StringExtras.h"

using namespace nnc::import::detail;

std::string Node::describe() const {
  std::string where = proto.name().empty() ? "node #" + std::to_string(index)
                                           : "node '" + proto.name() + "'";
  return where + " (" + proto.op_type() + ")";
}

llvm::Error Node::fail(const llvm::Twine &message) const {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 describe() + ": " + message.str());
}

llvm::Error Node::unsupported(llvm::StringRef attribute,
                              const llvm::Twine &value,
                              const llvm::Twine &why) const {
  return fail("attribute '" + attribute + "' = " + value +
              " is not supported: " + why);
}

llvm::Error
Node::onlyAttributes(std::initializer_list<llvm::StringRef> known) const {
  for (const auto &a : proto.attribute())
    if (!llvm::is_contained(known, llvm::StringRef(a.name())))
      return fail("attribute '" + a.name() +
                  "' is not supported by nnc import");
  return llvm::Error::success();
}

const onnx::AttributeProto *Node::find(llvm::StringRef name) const {
  for (const auto &a : proto.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

const onnx::AttributeProto *
Node::typed(llvm::StringRef name,
            onnx::AttributeProto::AttributeType type) const {
  const onnx::AttributeProto *a = find(name);
  if (!a || a->type() == type)
    return a;
  if (firstProblem.empty())
    firstProblem = "attribute '" + name.str() + "' has type " +
                   onnx::AttributeProto::AttributeType_Name(a->type()) +
                   ", expected " +
                   onnx::AttributeProto::AttributeType_Name(type);
  return nullptr;
}

int64_t Node::getInt(llvm::StringRef name, int64_t dflt) const {
  const auto *a = typed(name, onnx::AttributeProto::INT);
  return a ? a->i() : dflt;
}

float Node::getFloat(llvm::StringRef name, float dflt) const {
  const auto *a = typed(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : dflt;
}

std::string Node::getString(llvm::StringRef name, llvm::StringRef dflt) const {
  const auto *a = typed(name, onnx::AttributeProto::STRING);
  return a ? a->s() : dflt.str();
}

std::vector<int64_t> Node::getInts(llvm::StringRef name) const {
  const auto *a = typed(name, onnx::AttributeProto::INTS);
  if (!a)
    return {};
  return {a->ints().begin(), a->ints().end()};
}

const onnx::TensorProto *Node::getTensor(llvm::StringRef name) const {
  const auto *a = typed(name, onnx::AttributeProto::TENSOR);
  return a ? &a->t() : nullptr;
}

llvm::Error Node::problem() const {
  if (firstProblem.empty())
    return llvm::Error::success();
  return fail(firstProblem);
}

int Node::numInputs() const {
  int n = proto.input_size();
  while (n > 0 && proto.input(n - 1).empty())
    --n;
  return n;
}

llvm::StringRef Node::input(int i) const {
  return i < proto.input_size() ? llvm::StringRef(proto.input(i)) : "";
}
