//===- NNWriter.cpp - The .nn text of an imported model -------------------===//
//
// Renders the Translator's statements as one `model` of the language: the
// inputs, the bindings in graph order, then the outputs; a pipeline of more
// than three stages starts a line at each dense, conv2d or recurrent layer.
// Parameters are named here, walking the text in the order MLIRGen reads it
// (statements in order, each expression left to right) with MLIRGen's
// per-kind counters (`fc1`, `fc2`, `conv1`, `bn1`, `lstm`, `lstm2`;
// docs/mlirgen.md), so the checkpoint's names are those of the compiled model.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace nnc::import;
using namespace nnc::import::detail;

std::string nnc::import::toIdentifier(llvm::StringRef name) {
  static const char *const keywords[] = {"model",  "block",  "train", "input",
                                         "output", "target", "true",  "false"};
  std::string s;
  for (char c : name)
    s += llvm::isAlnum(c) || c == '_' ? c : '_';
  size_t start = s.find_first_not_of('_');
  if (start != std::string::npos && start > 0 && llvm::isAlpha(s[start]))
    s = s.substr(start); // `/fc1/Gemm_output_0` -> `fc1_Gemm_output_0`
  if (s.empty() || llvm::isDigit(s[0]))
    s = "t" + s;
  if (llvm::is_contained(keywords, s))
    s += "_";
  return s;
}

std::string nnc::import::detail::formatFloat(float value) {
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, double(value));
    if (std::strtof(buf, nullptr) == value)
      break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s;
}

namespace {
/// Names layers in the order their stages appear in the text.
class LayerNamer {
public:
  explicit LayerNamer(std::vector<Layer> &layers) : layers(layers) {}

  /// Names the parameters of `layers[index]` and moves them to `out`.
  void name(int index, std::vector<NamedTensor> &out) {
    Layer &layer = layers[index];
    if (!layer.fixedName.empty()) {
      for (auto &entry : layer.params) {
        entry.second.name = layer.fixedName;
        out.push_back(std::move(entry.second));
      }
      return;
    }
    unsigned n = ++counters[layer.kind];
    std::string prefix = layer.kind;
    if (!(layer.firstUnnumbered && n == 1))
      prefix += std::to_string(n);
    for (auto &[suffix, tensor] : layer.params) {
      tensor.name = prefix + "." + suffix;
      out.push_back(std::move(tensor));
    }
  }

private:
  std::vector<Layer> &layers;
  std::map<std::string, unsigned> counters;
};
} // namespace

/// Writes one expression. A pipeline of more than three stages starts a new
/// line at each dense, conv2d or recurrent layer (`-> conv2d(...) ->
/// batchnorm -> relu -> maxpool(2)`) and before a stage that would pass
/// column 96.
static std::string render(const Expr &e, const std::vector<Layer> &layers,
                          LayerNamer &namer, std::vector<NamedTensor> &out) {
  int arrows = 0;
  for (const Piece &p : e.pieces)
    arrows += p.text == kArrow;
  auto text = [&](const Piece &p) {
    return p.layer >= 0 ? layers[p.layer].stage : p.text;
  };
  std::string s;
  size_t column = 16;
  for (size_t i = 0; i < e.pieces.size(); ++i) {
    const Piece &p = e.pieces[i];
    if (p.text == kArrow && i + 1 < e.pieces.size()) {
      const Piece &next = e.pieces[i + 1];
      bool weighted = next.layer >= 0 && layers[next.layer].kind != "bn";
      bool wide = column + 4 + text(next).size() > 96;
      if (arrows > 3 && (weighted || wide)) {
        s += "\n    -> ";
        column = 8;
      } else {
        s += " -> ";
        column += 4;
      }
      continue;
    }
    if (p.layer >= 0)
      namer.name(p.layer, out);
    s += text(p);
    column += text(p).size();
  }
  return s;
}

ImportedModel nnc::import::detail::writeModel(Translator &t,
                                              const std::string &modelName,
                                              const std::string &header) {
  ImportedModel m;
  m.modelName = modelName;
  std::string &s = m.source;
  s = header + "model " + modelName + " {\n";
  for (const auto &[name, shape] : t.getInputs())
    s += "  input  " + name + ": " +
         (t.isIdInput(name) ? "i" + formatShape(shape).substr(1)
                            : formatShape(shape)) +
         "\n";
  LayerNamer namer(t.getLayers());
  for (const Statement &st : t.getStatements())
    s += std::string(st.isOutput ? "  output " : "  ") + st.lhs + " = " +
         render(st.expr, t.getLayers(), namer, m.tensors) + "\n";
  s += "}\n";
  return m;
}
