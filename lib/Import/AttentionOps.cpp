//===- AttentionOps.cpp - PyTorch's MultiheadAttention export -------------===//
//
// Opsets 13-17 have no attention op: PyTorch 1.13 exports
// `nn.MultiheadAttention(d, h, batch_first=True)(x, x, x,
// need_weights=False)` as about ninety nodes that work time-major (with
// a causal `attn_mask`, Mul(scores, 1) and Add(mask) before the Softmax):
//
//   t  = Transpose(x, [1, 0, 2])                      [T, N, d]
//   p  = Add(in_proj_bias, MatMul(t, in_proj_weight^T)) [T, N, 3d]
//   q, k, v = Slice(p, [0, d), [d, 2d), [2d, 3d), last axis)
//   q' = Transpose(Reshape(q, [T, N*h, d/h]), [1, 0, 2]) / sqrt(d/h)
//   k' = Transpose(Reshape(k, [T, N*h, d/h]), [1, 2, 0])
//   v' = Transpose(Reshape(v, [T, N*h, d/h]), [1, 0, 2])
//   o  = MatMul(Softmax(MatMul(q', k'), -1), v')      [N*h, T, d/h]
//   o' = Reshape(Transpose(o, [1, 0, 2]), [T*N, d])
//   y  = Transpose(Reshape(Gemm(o', out_proj.weight, out_proj.bias,
//                               transB = 1), [T, N, d]), [1, 0, 2])
//
// with the Reshape targets and Slice bounds computed from Shape, Gather,
// Div, Mul, Add, Cast, Unsqueeze and Concat nodes. The first Transpose's
// converter recognises the whole subgraph and writes `self_attention(h)`.
//
// The match is exact, not a guess from the node types: the shape
// arithmetic is evaluated with two concrete batch sizes (large primes, so
// that N cannot be confused with another dimension), every Reshape target,
// Slice bound, permutation, Softmax axis and scale is checked against the
// formulas above, and every tensor of the subgraph must be used only inside
// it. A Transpose whose output feeds a MatMul by a [d, 3d] constant that then
// departs from the pattern is an error naming the node that departs.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace nnc::import;
using namespace nnc::import::detail;

namespace {

using Ints = std::vector<int64_t>;

class AttentionMatcher {
public:
  AttentionMatcher(Translator &t, const onnx::NodeProto &first)
      : t(t), first(first) {
    for (const auto &node : t.getGraph().node())
      for (int i = 0; i < node.input_size(); ++i)
        if (!node.input(i).empty()) {
          users[node.input(i)].push_back(&node);
          if (node.op_type() != "Shape")
            computeUsers[node.input(i)].push_back(&node);
        }
    for (const auto &node : t.getGraph().node())
      for (const auto &out : node.output())
        producers[out] = &node;
  }

  /// The in-projection MatMul when `first`'s output feeds one (the pattern
  /// starts), else null.
  const onnx::NodeProto *start(int64_t d) const;

  /// Walks the pattern for batch `n`; `y` receives the last Transpose.
  llvm::Error walk(int64_t n, int64_t T, int64_t d, const onnx::NodeProto **y);

  /// Every tensor of the subgraph, bar `y`'s output, used only inside it.
  llvm::Error closed(const onnx::NodeProto *y) const;

  int64_t heads = 0;
  std::set<const onnx::NodeProto *> region;
  const Constant *inWeight = nullptr, *inBias = nullptr;
  const Constant *outWeight = nullptr, *outBias = nullptr;
  /// The scores get PyTorch's causal mask before the softmax.
  bool causal = false;
  /// The graph holds out_proj.weight^T (MatMul rather than Gemm).
  bool outTransposed = false;

private:
  llvm::Error fail(const onnx::NodeProto *node, const llvm::Twine &why) const {
    return Node(*node, -1).fail("does not match PyTorch's MultiheadAttention "
                                "export that starts at " +
                                Node(first, -1).describe() + ": " + why);
  }
  /// The one user of `name` other than Shape nodes, of type `op`.
  llvm::Expected<const onnx::NodeProto *> next(const onnx::NodeProto *from,
                                               const std::string &name,
                                               llvm::StringRef op,
                                               llvm::StringRef hint = "");
  /// True when `node` multiplies `name` by the number 1.
  bool isOne(const onnx::NodeProto &node, const std::string &name) const;
  /// `add` adds PyTorch's causal mask over T keys to `name`.
  llvm::Error checkCausal(const onnx::NodeProto &add, const std::string &name,
                          int64_t T);
  /// The value of an integer tensor computed from shapes.
  llvm::Expected<Ints> ints(const onnx::NodeProto *at, const std::string &name);
  /// `node`'s target shape for its input of `shape` (0 copies, -1 infers).
  llvm::Expected<Ints> reshapeTarget(const onnx::NodeProto *node,
                                     const Ints &shape);
  llvm::Expected<const onnx::NodeProto *>
  expectTranspose(const onnx::NodeProto *from, const std::string &name,
                  const Ints &perm);
  /// Slice `node` of the [T, N, 3d] projection: its [begin, end) on the last
  /// axis.
  llvm::Expected<std::pair<int64_t, int64_t>>
  sliceRange(const onnx::NodeProto *node, int64_t width);
  /// Reshape of one slice to [T, N*h, d/h] and the Transpose after it.
  llvm::Expected<const onnx::NodeProto *> splitHeads(const onnx::NodeProto *s,
                                                     const Ints &perm);

  Translator &t;
  const onnx::NodeProto &first;
  std::map<std::string, std::vector<const onnx::NodeProto *>> users,
      computeUsers;
  std::map<std::string, const onnx::NodeProto *> producers;
  std::map<std::string, Ints> shapes;
  int64_t batch = 0, seq = 0, width = 0;
};

} // namespace

const onnx::NodeProto *AttentionMatcher::start(int64_t d) const {
  auto it = computeUsers.find(first.output(0));
  if (it == computeUsers.end() || it->second.size() != 1)
    return nullptr;
  const onnx::NodeProto *mm = it->second[0];
  if (mm->op_type() != "MatMul" || mm->input_size() != 2 ||
      mm->input(0) != first.output(0))
    return nullptr;
  const Constant *w = t.findConstant(mm->input(1));
  if (!w || !w->isFloat || w->shape != Ints{d, 3 * d})
    return nullptr;
  return mm;
}

llvm::Expected<const onnx::NodeProto *>
AttentionMatcher::next(const onnx::NodeProto *from, const std::string &name,
                       llvm::StringRef op, llvm::StringRef hint) {
  auto it = computeUsers.find(name);
  if (it == computeUsers.end() || it->second.size() != 1)
    return fail(from, "its output '" + name + "' must have one user, a " + op);
  const onnx::NodeProto *node = it->second[0];
  if (node->op_type() != op)
    return fail(node, "expected " + op + " here" + hint);
  region.insert(node);
  return node;
}

bool AttentionMatcher::isOne(const onnx::NodeProto &node,
                             const std::string &name) const {
  if (node.input_size() != 2 || node.attribute_size() != 0)
    return false;
  const Constant *c = t.findConstant(node.input(node.input(0) == name ? 1 : 0));
  return c && c->isFloat && c->numElements() == 1 && c->floats[0] == 1.0f;
}

llvm::Error AttentionMatcher::checkCausal(const onnx::NodeProto &add,
                                          const std::string &name, int64_t T) {
  const Constant *m =
      add.input_size() == 2 && add.attribute_size() == 0
          ? t.findConstant(add.input(add.input(0) == name ? 1 : 0))
          : nullptr;
  Ints shape = m ? m->shape : Ints{};
  while (!shape.empty() && shape.front() == 1)
    shape.erase(shape.begin());
  if (!m || !m->isFloat || shape != Ints{T, T})
    return fail(&add, "expected a constant [T, T] attention mask");
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < T; ++j) {
      float v = m->floats[i * T + j];
      if (j > i ? !(std::isinf(v) && v < 0) : v != 0)
        return fail(&add, "the attention mask is not causal (0 on and "
                          "below the diagonal, -inf above): nnc's "
                          "self_attention has causal = true only");
    }
  return llvm::Error::success();
}

llvm::Expected<Ints> AttentionMatcher::ints(const onnx::NodeProto *at,
                                            const std::string &name) {
  if (const Constant *c = t.findConstant(name)) {
    if (c->isFloat)
      return fail(at, "'" + name + "' must be an integer constant");
    return c->ints;
  }
  auto p = producers.find(name);
  if (p == producers.end())
    return fail(at, "'" + name + "' is not computed from shapes");
  const onnx::NodeProto *node = p->second;
  region.insert(node);
  Node n(*node, -1);
  llvm::StringRef op = node->op_type();
  auto operand = [&](int i) -> llvm::Expected<Ints> {
    if (i >= node->input_size())
      return fail(node, "input " + llvm::Twine(i) + " is missing");
    return ints(node, node->input(i));
  };
  if (op == "Shape") {
    if (node->attribute_size() != 0)
      return fail(node, "Shape with start or end");
    auto s = shapes.find(node->input(0));
    if (s == shapes.end())
      return fail(node, "the shape of '" + node->input(0) + "' is unknown");
    return s->second;
  }
  if (op == "Cast") {
    if (n.getInt("to", 0) != onnx::TensorProto::INT64)
      return fail(node, "a Cast to a type other than int64");
    return operand(0);
  }
  if (op == "Unsqueeze")
    return operand(0);
  if (op == "Gather") {
    auto data = operand(0);
    if (!data)
      return data.takeError();
    auto index = operand(1);
    if (!index)
      return index.takeError();
    if (n.getInt("axis", 0) != 0)
      return fail(node, "Gather on an axis other than 0");
    Ints out;
    for (int64_t i : *index) {
      int64_t k = i < 0 ? i + int64_t(data->size()) : i;
      if (k < 0 || k >= int64_t(data->size()))
        return fail(node, "index " + llvm::Twine(i) + " is out of range");
      out.push_back((*data)[k]);
    }
    return out;
  }
  if (op == "Concat") {
    Ints out;
    for (int i = 0; i < node->input_size(); ++i) {
      auto part = operand(i);
      if (!part)
        return part.takeError();
      out.insert(out.end(), part->begin(), part->end());
    }
    return out;
  }
  if (op == "Div" || op == "Mul" || op == "Add" || op == "Sub") {
    auto a = operand(0);
    if (!a)
      return a.takeError();
    auto b = operand(1);
    if (!b)
      return b.takeError();
    if (a->size() != b->size() && a->size() != 1 && b->size() != 1)
      return fail(node, "operands of different sizes");
    Ints out(std::max(a->size(), b->size()));
    for (size_t i = 0; i < out.size(); ++i) {
      int64_t x = (*a)[a->size() == 1 ? 0 : i];
      int64_t y = (*b)[b->size() == 1 ? 0 : i];
      if (op == "Div" && y == 0) // ONNX's integer Div truncates
        return fail(node, "a division by zero");
      out[i] = op == "Div"   ? x / y
               : op == "Mul" ? x * y
               : op == "Add" ? x + y
                             : x - y;
    }
    return out;
  }
  return fail(node, "op type '" + op + "' in the shape arithmetic");
}

llvm::Expected<Ints>
AttentionMatcher::reshapeTarget(const onnx::NodeProto *node,
                                const Ints &shape) {
  if (node->input_size() != 2 || Node(*node, -1).getInt("allowzero", 0) != 0)
    return fail(node, "Reshape with allowzero");
  auto target = ints(node, node->input(1));
  if (!target)
    return target.takeError();
  int64_t total = 1, known = 1, infer = -1;
  for (int64_t s : shape)
    total *= s;
  Ints out = *target;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && i < shape.size())
      out[i] = shape[i];
    if (out[i] == -1 && infer < 0)
      infer = int64_t(i);
    else if (out[i] > 0)
      known *= out[i];
    else
      return fail(node, "a target entry of " + llvm::Twine(out[i]));
  }
  if (infer >= 0) {
    if (total % known != 0)
      return fail(node, "a target that does not divide the input");
    out[infer] = total / known;
  }
  return out;
}

llvm::Expected<const onnx::NodeProto *>
AttentionMatcher::expectTranspose(const onnx::NodeProto *from,
                                  const std::string &name, const Ints &perm) {
  auto tr = next(from, name, "Transpose");
  if (!tr)
    return tr.takeError();
  if (Node(**tr, -1).getInts("perm") != perm || (*tr)->attribute_size() != 1)
    return fail(*tr, "expected perm [" + llvm::Twine(perm[0]) + ", " +
                         llvm::Twine(perm[1]) + ", " + llvm::Twine(perm[2]) +
                         "]");
  const Ints &in = shapes[(*tr)->input(0)];
  shapes[(*tr)->output(0)] = {in[perm[0]], in[perm[1]], in[perm[2]]};
  return *tr;
}

llvm::Expected<std::pair<int64_t, int64_t>>
AttentionMatcher::sliceRange(const onnx::NodeProto *node, int64_t width) {
  if (node->input_size() < 3 || node->input_size() > 5 ||
      node->attribute_size() != 0)
    return fail(node, "expected Slice(data, starts, ends[, axes[, steps]])");
  auto starts = ints(node, node->input(1));
  if (!starts)
    return starts.takeError();
  auto ends = ints(node, node->input(2));
  if (!ends)
    return ends.takeError();
  Ints axes{2}, steps{1};
  if (node->input_size() > 3 && !node->input(3).empty()) {
    auto a = ints(node, node->input(3));
    if (!a)
      return a.takeError();
    axes = *a;
  }
  if (node->input_size() > 4 && !node->input(4).empty()) {
    auto s = ints(node, node->input(4));
    if (!s)
      return s.takeError();
    steps = *s;
  }
  if (starts->size() != 1 || ends->size() != 1 || axes.size() != 1 ||
      (axes[0] != 2 && axes[0] != -1) || steps != Ints{1})
    return fail(node, "expected one slice of the last axis with step 1");
  int64_t b = std::clamp<int64_t>((*starts)[0], 0, width);
  int64_t e = std::clamp<int64_t>((*ends)[0], 0, width);
  Ints in = shapes[node->input(0)];
  in[2] = std::max<int64_t>(e - b, 0);
  shapes[node->output(0)] = in;
  return std::make_pair(b, e);
}

llvm::Expected<const onnx::NodeProto *>
AttentionMatcher::splitHeads(const onnx::NodeProto *s, const Ints &perm) {
  auto r = next(s, s->output(0), "Reshape");
  if (!r)
    return r.takeError();
  auto target = reshapeTarget(*r, shapes[s->output(0)]);
  if (!target)
    return target.takeError();
  // [T, N*h, d/h]: the heads split the last axis, inside each batch row.
  if (target->size() != 3 || (*target)[0] != seq || (*target)[1] % batch != 0 ||
      (*target)[1] / batch < 1 ||
      (*target)[2] * ((*target)[1] / batch) != width)
    return fail(*r, "expected a target [T, N*heads, d/heads]");
  int64_t h = (*target)[1] / batch;
  if (heads && heads != h)
    return fail(*r, "the heads differ between queries, keys and values");
  heads = h;
  shapes[(*r)->output(0)] = *target;
  return expectTranspose(*r, (*r)->output(0), perm);
}

llvm::Error AttentionMatcher::walk(int64_t n, int64_t T, int64_t d,
                                   const onnx::NodeProto **y) {
  batch = n, seq = T, width = d;
  shapes.clear();
  shapes[first.output(0)] = {T, n, d};
  region.insert(&first);
  // In-projection: MatMul by in_proj_weight^T, then the bias.
  const onnx::NodeProto *mm = start(d);
  region.insert(mm);
  inWeight = t.findConstant(mm->input(1));
  shapes[mm->output(0)] = {T, n, 3 * d};
  // The bias, unless the layer has none (the projection goes to the
  // Slices directly).
  std::string p = mm->output(0);
  inBias = nullptr;
  auto direct = computeUsers.find(p);
  if (direct == computeUsers.end() || direct->second.size() != 3) {
    auto add = next(mm, p, "Add");
    if (!add)
      return add.takeError();
    int b = (*add)->input(0) == p ? 1 : 0;
    inBias = t.findConstant((*add)->input(b));
    if (!inBias || !inBias->isFloat || inBias->shape != Ints{3 * d})
      return fail(*add, "expected the in-projection bias of " +
                            llvm::Twine(3 * d) + " floats");
    p = (*add)->output(0);
    shapes[p] = {T, n, 3 * d};
  }
  // q, k, v: three slices of the last axis.
  auto it = computeUsers.find(p);
  if (it == computeUsers.end() || it->second.size() != 3)
    return fail(producers[p], "expected three Slices of its output");
  const onnx::NodeProto *qkv[3] = {};
  for (const onnx::NodeProto *s : it->second) {
    if (s->op_type() != "Slice" || s->input(0) != p)
      return fail(s, "expected a Slice of the projection");
    region.insert(s);
    auto range = sliceRange(s, 3 * d);
    if (!range)
      return range.takeError();
    int k = range->first / d;
    if (range->first != k * d || range->second != (k + 1) * d || qkv[k])
      return fail(s, "expected the slices [0, d), [d, 2d) and [2d, 3d)");
    qkv[k] = s;
  }
  heads = 0;
  auto q = splitHeads(qkv[0], {1, 0, 2});
  if (!q)
    return q.takeError();
  auto k = splitHeads(qkv[1], {1, 2, 0});
  if (!k)
    return k.takeError();
  auto v = splitHeads(qkv[2], {1, 0, 2});
  if (!v)
    return v.takeError();
  // Scores: (q / sqrt(d/h)) k^T, softmax over the keys.
  auto scale = next(*q, (*q)->output(0), "Div");
  if (!scale)
    return scale.takeError();
  const Constant *c = (*scale)->input(0) == (*q)->output(0)
                          ? t.findConstant((*scale)->input(1))
                          : nullptr;
  double root = std::sqrt(double(d / heads));
  if (!c || !c->isFloat || c->numElements() != 1 ||
      std::abs(c->floats[0] - root) > 1e-6 * root)
    return fail(*scale, "expected a division by sqrt(d/heads) = " +
                            formatFloat(float(root)));
  auto scores = next(*scale, (*scale)->output(0), "MatMul");
  if (!scores)
    return scores.takeError();
  if ((*scores)->input(0) != (*scale)->output(0) ||
      (*scores)->input(1) != (*k)->output(0))
    return fail(*scores, "expected the scaled queries times the keys");
  // A causal mask: PyTorch 1.13's baddbmm exports Mul(scores, 1) then Add
  // of the [1, T, T] mask (0 on and below the diagonal, -inf above).
  std::string logits = (*scores)->output(0);
  causal = false;
  auto users = computeUsers.find(logits);
  if (users != computeUsers.end() && users->second.size() == 1 &&
      users->second[0]->op_type() == "Mul") {
    auto one = next(*scores, logits, "Mul");
    if (!one)
      return one.takeError();
    if (!isOne(**one, logits))
      return fail(*one, "expected a product with 1 before the mask");
    auto mask = next(*one, (*one)->output(0), "Add");
    if (!mask)
      return mask.takeError();
    if (auto err = checkCausal(**mask, (*one)->output(0), T))
      return err;
    causal = true;
    logits = (*mask)->output(0);
  }
  auto softmax = next(producers[logits], logits, "Softmax",
                      " (only a causal attention mask is recognised)");
  if (!softmax)
    return softmax.takeError();
  int64_t axis = Node(**softmax, -1).getInt("axis", -1);
  if ((axis != -1 && axis != 2) || (*softmax)->attribute_size() > 1)
    return fail(*softmax, "expected a softmax over the last axis");
  auto mix = next(*softmax, (*softmax)->output(0), "MatMul");
  if (!mix)
    return mix.takeError();
  if ((*mix)->input(0) != (*softmax)->output(0) ||
      (*mix)->input(1) != (*v)->output(0))
    return fail(*mix, "expected the attention weights times the values");
  region.insert(*k), region.insert(*v);
  if (computeUsers[(*k)->output(0)].size() != 1 ||
      computeUsers[(*v)->output(0)].size() != 1)
    return fail(*mix, "the keys or values are used elsewhere");
  shapes[(*mix)->output(0)] = {n * heads, T, d / heads};
  // Heads back together: [T, N*h, d/h] -> [T*N, d].
  auto back = expectTranspose(*mix, (*mix)->output(0), {1, 0, 2});
  if (!back)
    return back.takeError();
  auto merge = next(*back, (*back)->output(0), "Reshape");
  if (!merge)
    return merge.takeError();
  auto merged = reshapeTarget(*merge, shapes[(*back)->output(0)]);
  if (!merged)
    return merged.takeError();
  if (*merged != Ints{T * n, d})
    return fail(*merge, "expected a target [T*N, d]");
  // Out-projection: Gemm(o, W, b, transB = 1); without biases
  // MatMul(o, W^T).
  auto gemm = next(*merge, (*merge)->output(0), inBias ? "Gemm" : "MatMul");
  if (!gemm)
    return gemm.takeError();
  Node g(**gemm, -1);
  if (inBias && (g.getFloat("alpha", 1) != 1 || g.getFloat("beta", 1) != 1 ||
                 g.getInt("transA", 0) != 0 || g.getInt("transB", 0) != 1 ||
                 (*gemm)->attribute_size() > 4))
    return fail(*gemm, "expected Gemm(o, W, b) with transB = 1");
  if ((*gemm)->input_size() != (inBias ? 3 : 2) ||
      (*gemm)->input(0) != (*merge)->output(0))
    return fail(*gemm, "expected the merged heads as input 0");
  outWeight = t.findConstant((*gemm)->input(1));
  outTransposed = !inBias;
  outBias = inBias ? t.findConstant((*gemm)->input(2)) : nullptr;
  if (!outWeight || !outWeight->isFloat || outWeight->shape != Ints{d, d} ||
      (inBias && (!outBias || !outBias->isFloat || outBias->shape != Ints{d})))
    return fail(*gemm, "expected an out-projection weight [d, d] and bias [d]");
  shapes[(*gemm)->output(0)] = {T * n, d};
  auto unmerge = next(*gemm, (*gemm)->output(0), "Reshape");
  if (!unmerge)
    return unmerge.takeError();
  auto unmerged = reshapeTarget(*unmerge, shapes[(*gemm)->output(0)]);
  if (!unmerged)
    return unmerged.takeError();
  if (*unmerged != Ints{T, n, d})
    return fail(*unmerge, "expected a target [T, N, d]");
  shapes[(*unmerge)->output(0)] = *unmerged;
  auto last = expectTranspose(*unmerge, (*unmerge)->output(0), {1, 0, 2});
  if (!last)
    return last.takeError();
  *y = *last;
  return llvm::Error::success();
}

llvm::Error AttentionMatcher::closed(const onnx::NodeProto *y) const {
  for (const onnx::NodeProto *node : region) {
    if (node == y)
      continue;
    for (const std::string &out : node->output()) {
      auto it = users.find(out);
      if (it != users.end())
        for (const onnx::NodeProto *user : it->second)
          if (!region.count(user))
            return fail(user, "it reads '" + out +
                                  "', a tensor inside the attention");
      for (const auto &graphOut : t.getGraph().output())
        if (graphOut.name() == out)
          return fail(node, "its output '" + out + "' is a graph output");
    }
  }
  return llvm::Error::success();
}

llvm::Expected<bool> nnc::import::detail::matchAttention(Translator &t,
                                                         const Node &n) {
  const onnx::NodeProto &first = n.get();
  auto x = t.peekActivation(first.input(0));
  if (!x || !x->isPlain() || x->shape.size() != 3)
    return false;
  int64_t T = x->shape[1], d = x->shape[2];
  AttentionMatcher m(t, first);
  if (!m.start(d))
    return false;
  // Two batch sizes, primes that no other dimension can equal.
  const onnx::NodeProto *y = nullptr, *y2 = nullptr;
  if (auto err = m.walk(1000003, T, d, &y))
    return std::move(err);
  int64_t heads = m.heads;
  if (auto err = m.walk(1000033, T, d, &y2))
    return std::move(err);
  if (y2 != y || m.heads != heads)
    return n.fail("the attention pattern depends on the batch size");
  if (auto err = m.closed(y))
    return std::move(err);

  auto in = t.activation(n, 0);
  if (!in)
    return in.takeError();
  Layer l;
  l.kind = "attn";
  bool bias = m.inBias != nullptr;
  l.stage = "self_attention(" + std::to_string(heads) +
            (m.causal ? ", causal = true" : "") +
            (bias ? ")" : ", bias = false)");
  // ONNX holds in_proj_weight^T ([d, 3d]); nnc and PyTorch [3d, d].
  std::vector<float> win(size_t(3 * d * d));
  for (int64_t r = 0; r < d; ++r)
    for (int64_t c = 0; c < 3 * d; ++c)
      win[c * d + r] = m.inWeight->floats[r * 3 * d + c];
  l.params.push_back({"in_proj_weight", {"", {3 * d, d}, std::move(win)}});
  if (bias)
    l.params.push_back({"in_proj_bias", {"", {3 * d}, m.inBias->floats}});
  std::vector<float> wout = m.outWeight->floats;
  if (m.outTransposed)
    for (int64_t r = 0; r < d; ++r)
      for (int64_t c = 0; c < d; ++c)
        wout[c * d + r] = m.outWeight->floats[r * d + c];
  l.params.push_back({"out_proj.weight", {"", {d, d}, std::move(wout)}});
  if (bias)
    l.params.push_back({"out_proj.bias", {"", {d}, m.outBias->floats}});
  for (const onnx::NodeProto *node : m.region)
    t.absorb(node);
  t.define(Node(*y, -1), 0, t.stageLayer(*in, std::move(l), in->shape));
  return true;
}
