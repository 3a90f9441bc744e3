//===- PatternOps.cpp - Layers ONNX spells with several nodes -------------===//
//
// Opsets 13-17 have no GELU: PyTorch exports the exact `gelu` as
//   d = Div(x, sqrt(2)); e = Erf(d); a = Add(e, 1); m = Mul(x, a);
//   y = Mul(m, 0.5)
// which becomes `x -> gelu` when each intermediate tensor has that one user
// and the constants are those numbers (operands of Add and Mul in either
// order). The Div node's converter recognises the chain and marks the other
// four nodes as translated; a Div outside it is refused (Div is not in the
// language's table of ops), an Erf or Mul outside it translates alone.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cmath>

using namespace nnc::import;
using namespace nnc::import::detail;

/// True when `name` is a one-element float constant within 1e-6 of `value`.
static bool isNumber(Translator &t, const onnx::NodeProto &proto, int i,
                     double value) {
  Node n(proto, -1);
  if (i >= proto.input_size() || !t.isConstant(n, i))
    return false;
  auto c = t.constant(n, i, "constant");
  if (!c) {
    llvm::consumeError(c.takeError());
    return false;
  }
  return (*c)->isFloat && (*c)->numElements() == 1 &&
         std::abs((*c)->floats[0] - value) <= 1e-6 * std::abs(value);
}

/// The user of `name` if it is the only one, of type `op`, with two inputs,
/// one of them `name`; `other` receives the index of its other input.
static const onnx::NodeProto *next(Translator &t, const std::string &name,
                                   llvm::StringRef op, int *other = nullptr) {
  const onnx::NodeProto *user = t.onlyUser(name);
  if (!user || user->op_type() != op || user->output_size() < 1 ||
      user->attribute_size() != 0)
    return nullptr;
  if (!other)
    return user->input_size() == 1 ? user : nullptr;
  if (user->input_size() != 2)
    return nullptr;
  if (user->input(0) == name)
    *other = 1;
  else if (user->input(1) == name)
    *other = 0;
  else
    return nullptr;
  return user;
}

static llvm::Error div(Translator &t, const Node &n) {
  const onnx::NodeProto &d = n.get();
  auto refuse = [&] {
    return n.fail("op type 'Div' is supported only in GELU's pattern "
                  "x * 0.5 * (1 + erf(x / sqrt(2)))");
  };
  if (d.input_size() != 2 || d.attribute_size() != 0 ||
      !isNumber(t, d, 1, std::sqrt(2.0)))
    return refuse();
  const std::string &x = d.input(0);
  int i = 0, j = 0, k = 0;
  const onnx::NodeProto *erf = next(t, d.output(0), "Erf");
  const onnx::NodeProto *add =
      erf ? next(t, erf->output(0), "Add", &i) : nullptr;
  const onnx::NodeProto *mul = add && isNumber(t, *add, i, 1.0)
                                   ? next(t, add->output(0), "Mul", &j)
                                   : nullptr;
  const onnx::NodeProto *half =
      mul && mul->input(j) == x ? next(t, mul->output(0), "Mul", &k) : nullptr;
  if (!half || !isNumber(t, *half, k, 0.5))
    return refuse();
  for (const onnx::NodeProto *p : {erf, add, mul, half})
    t.absorb(p);
  t.dropUse(x); // read by Div and the first Mul: one use of the pattern
  auto in = t.activation(n, 0);
  if (!in)
    return in.takeError();
  Activation y = t.stage(*in, "gelu", in->shape);
  t.define(Node(*half, -1), 0, y);
  return llvm::Error::success();
}

void nnc::import::detail::addPatternConverters(
    llvm::StringMap<Converter> &table) {
  table["Div"] = div;
}
