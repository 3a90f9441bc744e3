//===- Summary.cpp - nnc summary ------------------------------------------===//
//
// `nnc summary FILE.nn [--batch N]`: a Keras-style table of the model,
// computed at compile time from the nn dialect (no model.so is built). One
// row per layer call of the .nn file (the ops of @predict that carry the
// same DSL location), with its output shape, parameter count and forward
// FLOPs per sample; then the totals and the memory one instance needs at a
// batch: parameters, buffers, gradients, optimizer state and the forward
// activations of the training pass.
//
// FLOPs: matrix products are exact (a multiply-add counts 2; dense and
// conv2d add one per output for the bias), recurrent layers count their
// matrix products, self-attention its projections and the two T x T
// products; data movement (flatten, reshape, transpose, concat, last) counts
// 0 and every other op one per output element (pooling: one per window
// element). Activations: the sum of the outputs of every op of the
// training forward pass (@loss), an upper bound of what backward keeps.
// Kernel workspace is not estimated (it depends on the schedule).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#ifdef NNC_HAVE_COMPILER
#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"
#include "nnc/Pipelines/Compilation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#endif

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

using namespace nnc::driver;

#ifdef NNC_HAVE_COMPILER
using namespace mlir;

namespace {

/// One row of the table.
struct Layer {
  std::string name, op, shape;
  int64_t params = 0, buffers = 0;
  double flops = 0;
  Location loc;
};

/// Elements of one sample of `t` (dims after the batch; all when static).
int64_t sampleElements(Type t) {
  auto ranked = dyn_cast<RankedTensorType>(t);
  if (!ranked)
    return 0;
  int64_t n = 1;
  for (int64_t d : ranked.getShape())
    if (!ShapedType::isDynamic(d))
      n *= d;
  return n;
}

std::string shapeText(Type t) {
  auto ranked = dyn_cast<RankedTensorType>(t);
  if (!ranked)
    return "?";
  std::string s = "[";
  for (int64_t i = 0; i < ranked.getRank(); ++i) {
    int64_t d = ranked.getDimSize(i);
    s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("N")
                                                      : std::to_string(d));
  }
  return s + "]";
}

int64_t dim(Value v, int64_t i) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getDimSize(i < 0 ? t.getRank() + i : i);
}

/// Forward FLOPs per sample of `op` (see the file comment).
double flopsPerSample(Operation *op) {
  if (op->getNumResults() == 0)
    return 0;
  double out = double(sampleElements(op->getResult(0).getType()));
  if (isa<nn::FlattenOp, nn::ReshapeOp, nn::TransposeOp, nn::ConcatOp,
          nn::LastOp, nn::SliceOp, nn::BroadcastToOp>(op))
    return 0; // data movement
  if (auto d = dyn_cast<nn::DenseOp>(op))
    return out * (2.0 * double(dim(d.getInput(), -1)) + 1.0);
  if (auto m = dyn_cast<nn::MatmulOp>(op))
    return out * 2.0 * double(dim(op->getOperand(0), -1));
  if (auto c = dyn_cast<nn::Conv2DOp>(op)) {
    auto w = cast<RankedTensorType>(op->getOperand(1).getType());
    return out * (2.0 * double(w.getDimSize(1) * w.getDimSize(2) *
                               w.getDimSize(3)) +
                  1.0);
  }
  if (isa<nn::RnnOp, nn::LstmOp, nn::GruOp>(op)) {
    // [N, T, I] -> [N, T, H]; w_ih [G*H, I], w_hh [G*H, H].
    auto wih = cast<RankedTensorType>(op->getOperand(1).getType());
    auto whh = cast<RankedTensorType>(op->getOperand(2).getType());
    double steps = double(dim(op->getOperand(0), 1));
    return steps * 2.0 *
           double(wih.getDimSize(0) * (wih.getDimSize(1) + whh.getDimSize(1)));
  }
  if (isa<nn::SelfAttentionOp>(op)) {
    double t = double(dim(op->getOperand(0), 1));
    double d = double(dim(op->getOperand(0), 2));
    return 2.0 * t * 4.0 * d * d + 4.0 * t * t * d;
  }
  if (auto p = dyn_cast<nn::MaxPool2DOp>(op)) {
    auto k = p.getKernel();
    return out * double(k[0] * k[1]);
  }
  if (auto p = dyn_cast<nn::AvgPool2DOp>(op)) {
    auto k = p.getKernel();
    return out * double(k[0] * k[1]);
  }
  return out;
}

/// "5:8" of a DSL location.
std::string lineCol(Location loc) {
  if (auto f = dyn_cast<FileLineColLoc>(loc))
    return std::to_string(f.getLine()) + ":" + std::to_string(f.getColumn());
  return "";
}

/// The parameter prefix of a layer ("conv1" of "conv1.weight").
std::string prefixOf(StringRef name) {
  size_t dot = name.rfind('.');
  return (dot == StringRef::npos ? name : name.take_front(dot)).str();
}

std::string thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3)
    s.insert(size_t(i), ",");
  return s;
}

std::string bytesText(double b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

std::string flopsText(double f) {
  char buf[32];
  if (f >= 1e9)
    snprintf(buf, sizeof buf, "%.2fG", f / 1e9);
  else if (f >= 1e6)
    snprintf(buf, sizeof buf, "%.2fM", f / 1e6);
  else if (f >= 1e4)
    snprintf(buf, sizeof buf, "%.1fk", f / 1e3);
  else
    snprintf(buf, sizeof buf, "%.0f", f);
  return buf;
}

/// Optimizer state tensors per parameter (lib/Transforms/Optimizer.cpp).
int stateCount(StringRef optimizer) {
  if (optimizer == "momentum" || optimizer == "rmsprop")
    return 1;
  if (optimizer == "adam" || optimizer == "adamw")
    return 2;
  return 0;
}

} // namespace

int nnc::driver::summaryMain(int argc, char **argv) {
  ArgList args;
  if (!args.parse("summary", argc, argv, {"batch"}, {"help"}))
    return 1;
  if (args.has("help")) {
    llvm::outs() << "usage: nnc summary FILE.nn [--batch N]\n"
                    "  layers, output shapes, parameters, FLOPs per sample "
                    "and the memory of one\n  instance at a batch (default: "
                    "the train section's batch, else 32)\n";
    return 0;
  }
  if (args.positional().size() != 1)
    return reportError("summary", "expected one FILE.nn");
  int64_t batch = 0;
  if (auto b = args.get("batch")) {
    if (StringRef(*b).getAsInteger(10, batch) || batch < 1)
      return reportError("summary",
                         "--batch expects an integer >= 1, got '" + *b + "'");
  }
  CompileOptions options;
  Compilation c(options, llvm::errs(), 20);
  if (!c.load(args.positional()[0]) || !c.generateNN())
    return 1;
  ModuleOp module = c.getModule();
  auto predict = module.lookupSymbol<func::FuncOp>(nnc::attrs::kPredict);
  if (!predict)
    return reportError("summary", "the module has no @predict");
  std::string optimizer = "none";
  if (auto recipe =
          module->getAttrOfType<DictionaryAttr>(nnc::attrs::kRecipe)) {
    if (auto o = recipe.getAs<DictionaryAttr>("optimizer"))
      if (auto k = o.getAs<StringAttr>("kind"))
        optimizer = k.getValue().str();
    if (auto b = recipe.getAs<IntegerAttr>("batch"); b && batch == 0)
      batch = b.getInt();
  }
  if (batch == 0)
    batch = 32;

  // Rows: consecutive ops of @predict with the same DSL location.
  std::vector<Layer> layers;
  for (Operation &op : predict.getBody().front()) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (layers.empty() || layers.back().loc != op.getLoc()) {
      layers.push_back({"", op.getName().stripDialect().str(), "", 0, 0, 0,
                        op.getLoc()});
    }
    Layer &l = layers.back();
    l.shape = op.getNumResults() ? shapeText(op.getResult(0).getType()) : "";
    l.flops += flopsPerSample(&op);
    for (Value v : op.getOperands()) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != &predict.getBody().front())
        continue;
      auto param = predict.getArgAttrOfType<nn::ParamAttr>(
          arg.getArgNumber(), nnc::attrs::kParam);
      if (!param)
        continue;
      int64_t n = sampleElements(arg.getType());
      (param.getRole() == nn::ParamRole::buffer ? l.buffers : l.params) += n;
      if (l.name.empty())
        l.name = prefixOf(param.getName());
    }
  }

  llvm::raw_ostream &os = llvm::outs();
  auto name = module->getAttrOfType<StringAttr>(nnc::attrs::kModel);
  os << "Model: " << (name ? name.getValue() : "model") << "\n";
  auto row = [&](StringRef a, StringRef b, StringRef c, StringRef d,
                 StringRef e) {
    os << llvm::left_justify(a, 22) << llvm::left_justify(b, 16)
       << llvm::left_justify(c, 20) << llvm::right_justify(d, 12)
       << llvm::right_justify(e, 14) << "\n";
  };
  std::string rule(84, '-');
  os << rule << "\n";
  row("layer (line:col)", "op", "output shape", "params", "FLOPs/sample");
  os << rule << "\n";
  int64_t params = 0, buffers = 0;
  double flops = 0;
  for (const Layer &l : layers) {
    std::string label =
        (l.name.empty() ? l.op : l.name) + " (" + lineCol(l.loc) + ")";
    std::string p = l.params || l.buffers ? thousands(l.params) : "";
    row(label, l.op, l.shape, p, flopsText(l.flops));
    params += l.params;
    buffers += l.buffers;
    flops += l.flops;
  }
  os << rule << "\n";
  os << "Trainable params: " << thousands(params) << " ("
     << bytesText(4.0 * double(params)) << ")\n";
  os << "Buffers (running statistics): " << thousands(buffers) << "\n";
  os << "Forward FLOPs per sample: " << flopsText(flops) << " ("
     << llvm::format("%.0f", flops) << ")\n";

  // Activations of the training forward pass (@loss), else @predict.
  auto forward = module.lookupSymbol<func::FuncOp>(nnc::attrs::kLoss);
  if (!forward)
    forward = predict;
  int64_t activations = 0;
  forward.walk([&](Operation *op) {
    if (isa<func::ReturnOp, func::FuncOp>(op))
      return;
    for (Value r : op->getResults())
      if (auto t = dyn_cast<RankedTensorType>(r.getType());
          t && t.getRank() > 0 && ShapedType::isDynamic(t.getDimSize(0)))
        activations += sampleElements(t);
  });
  int states = stateCount(optimizer);
  double paramBytes = 4.0 * double(params), bufferBytes = 4.0 * double(buffers);
  double activationBytes = 4.0 * double(activations) * double(batch);
  os << "Memory of one instance at batch " << batch << " (f32):\n";
  auto mem = [&](StringRef what, double bytes, StringRef note) {
    os << "  " << llvm::left_justify(what, 18)
       << llvm::right_justify(bytesText(bytes), 10) << "  " << note << "\n";
  };
  mem("parameters", paramBytes, "");
  mem("buffers", bufferBytes, "running statistics");
  mem("gradients", paramBytes, "");
  mem("optimizer state", states * paramBytes,
      optimizer + ": " + std::to_string(states) + " per parameter");
  mem("activations", activationBytes,
      "outputs of the training forward pass (an upper bound of what "
      "backward keeps)");
  mem("total", 2 * paramBytes + bufferBytes + states * paramBytes +
                   activationBytes,
      "kernel workspace not estimated");
  return 0;
}

#else

int nnc::driver::summaryMain(int, char **) {
  return reportError("summary", "this nnc was built without the compiler");
}

#endif
