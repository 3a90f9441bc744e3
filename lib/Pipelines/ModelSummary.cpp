//===- ModelSummary.cpp - layers, parameters, FLOPs and memory ------------===//
//
// Computes and writes the figures of `nnc summary` and of the `--header`
// comment block from the nn module as MLIRGen builds it. FLOPs: matrix
// products are exact (a multiply-add counts 2; dense and conv2d add one per
// output for the bias), recurrent layers count their matrix products,
// self-attention its projections and the two T x T products; data movement
// (flatten, reshape, transpose, concat, last) counts 0 and every other op
// one per output element (pooling: one per window element). Activations:
// the sum of the outputs of every op of the training forward pass (@loss),
// an upper bound of what backward keeps. Kernel workspace: the peak bytes of
// the CPU kernels' temporaries in one call, for each entry point
// (estimateKernelWorkspace, KernelWorkspace.h, which runs the CPU pipeline
// up to buffer deallocation on a copy of the module: on one thread, counted
// as the kernels ask the allocator for them, and equal to what the shim's
// allocator measures, test/Integration/kernel-workspace.test); the
// activations backward keeps are among those temporaries, so the total is
// the instance's tensors plus the largest workspace.
//
//===----------------------------------------------------------------------===//

#include "nnc/Pipelines/ModelSummary.h"

#include "nnc/Dialect/NN/NNConventions.h"
#include "nnc/Dialect/NN/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/Support/Format.h"

#include <cstdio>

using namespace mlir;
using namespace nnc;

namespace {

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
    s += (i ? ", " : "") +
         (ShapedType::isDynamic(d) ? std::string("N") : std::to_string(d));
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
  if (isa<nn::MatmulOp>(op))
    return out * 2.0 * double(dim(op->getOperand(0), -1));
  if (isa<nn::Conv2DOp>(op)) {
    auto w = cast<RankedTensorType>(op->getOperand(1).getType());
    return out *
           (2.0 * double(w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3)) +
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

/// The parameter prefix of a layer ("conv1" of "conv1.weight").
std::string prefixOf(StringRef name) {
  size_t dot = name.rfind('.');
  return (dot == StringRef::npos ? name : name.take_front(dot)).str();
}

/// Optimizer state tensors per parameter (lib/Transforms/Optimizer.cpp).
int stateCount(StringRef optimizer) {
  if (optimizer == "momentum" || optimizer == "rmsprop")
    return 1;
  if (optimizer == "adam" || optimizer == "adamw")
    return 2;
  return 0;
}

/// The rows: consecutive ops of @predict with the same DSL location.
void collectLayers(func::FuncOp predict, ModelSummary &s) {
  Block &body = predict.getBody().front();
  for (Operation &op : body) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (s.layers.empty() || s.layers.back().loc != op.getLoc())
      s.layers.push_back(
          {"", op.getName().stripDialect().str(), "", 0, 0, 0, op.getLoc()});
    LayerSummary &l = s.layers.back();
    l.shape = op.getNumResults() ? shapeText(op.getResult(0).getType()) : "";
    l.flops += flopsPerSample(&op);
    for (Value v : op.getOperands()) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != &body)
        continue;
      auto param = predict.getArgAttrOfType<nn::ParamAttr>(arg.getArgNumber(),
                                                           attrs::kParam);
      if (!param)
        continue;
      int64_t n = sampleElements(arg.getType());
      (param.getRole() == nn::ParamRole::buffer ? l.buffers : l.params) += n;
      if (l.name.empty())
        l.name = prefixOf(param.getName());
    }
  }
  for (const LayerSummary &l : s.layers) {
    s.params += l.params;
    s.buffers += l.buffers;
    s.flops += l.flops;
  }
}

} // namespace

std::string LayerSummary::label() const {
  return (name.empty() ? op : name) + " (" + formatLineCol(loc) + ")";
}

std::optional<ModelSummary> nnc::summarizeModel(ModuleOp module, int64_t batch,
                                                const CPUCodegenOptions *cpu) {
  auto predict = module.lookupSymbol<func::FuncOp>(attrs::kPredict);
  if (!predict)
    return std::nullopt;
  ModelSummary s;
  auto name = module->getAttrOfType<StringAttr>(attrs::kModel);
  s.model = name ? name.getValue().str() : "model";
  s.batch = batch;
  if (auto recipe = module->getAttrOfType<DictionaryAttr>(attrs::kRecipe)) {
    if (auto o = recipe.getAs<nn::OptimizerAttr>(attrs::kRecipeOptimizer))
      s.optimizer = nn::stringifyOptimizerKind(o.getKind()).str();
    if (auto b = recipe.getAs<IntegerAttr>("batch"); b && s.batch == 0) {
      s.batch = b.getInt();
      s.batchFromRecipe = true;
    }
  }
  if (s.batch == 0)
    s.batch = 32;
  s.optimizerStates = stateCount(s.optimizer);
  collectLayers(predict, s);

  // Activations of the training forward pass (@loss), else @predict.
  auto forward = module.lookupSymbol<func::FuncOp>(attrs::kLoss);
  if (!forward)
    forward = predict;
  forward.walk([&](Operation *op) {
    if (isa<func::ReturnOp, func::FuncOp>(op))
      return;
    for (Value r : op->getResults())
      if (auto t = dyn_cast<RankedTensorType>(r.getType());
          t && t.getRank() > 0 && ShapedType::isDynamic(t.getDimSize(0)))
        s.activationsPerSample += sampleElements(t);
  });

  if (!cpu) {
    s.workspaceUnknown = "not estimated for GPU kernels";
    return s;
  }
  KernelWorkspace ws = estimateKernelWorkspace(module, s.batch, *cpu);
  if (const EntryWorkspace *largest = ws.largest();
      largest && ws.unknown.empty()) {
    s.workspace = *largest;
    s.entryWorkspaces = ws.entries;
  } else {
    s.workspaceUnknown =
        "not estimated: " + (ws.unknown.empty() ? "no kernels" : ws.unknown);
  }
  return s;
}

void nnc::writeSummary(const ModelSummary &s, llvm::raw_ostream &os,
                       StringRef linePrefix, bool exactBytes) {
  os << linePrefix << "Model: " << s.model << "\n";
  auto row = [&](StringRef a, StringRef b, StringRef c, StringRef d,
                 StringRef e) {
    os << linePrefix << llvm::left_justify(a, 22) << llvm::left_justify(b, 16)
       << llvm::left_justify(c, 20) << llvm::right_justify(d, 12)
       << llvm::right_justify(e, 14) << "\n";
  };
  std::string rule(84, '-');
  os << linePrefix << rule << "\n";
  row("layer (line:col)", "op", "output shape", "params", "FLOPs/sample");
  os << linePrefix << rule << "\n";
  for (const LayerSummary &l : s.layers) {
    std::string p = l.params || l.buffers ? formatThousands(l.params) : "";
    row(l.label(), l.op, l.shape, p, formatFlops(l.flops));
  }
  os << linePrefix << rule << "\n";
  os << linePrefix << "Trainable params: " << formatThousands(s.params) << " ("
     << formatBytes(s.parameterBytes()) << ")\n";
  os << linePrefix
     << "Buffers (running statistics): " << formatThousands(s.buffers) << "\n";
  os << linePrefix << "Forward FLOPs per sample: " << formatFlops(s.flops)
     << " (" << llvm::format("%.0f", s.flops) << ")\n";

  os << linePrefix << "Memory of one instance at batch " << s.batch
     << " (f32):\n";
  auto bytesText = [&](double bytes) {
    return exactBytes ? formatThousands(int64_t(bytes)) + " B"
                      : formatBytes(bytes);
  };
  auto mem = [&](StringRef what, StringRef bytes, StringRef note) {
    os << linePrefix << "  " << llvm::left_justify(what, 18)
       << llvm::right_justify(bytes, 10) << "  " << note << "\n";
  };
  mem("parameters", bytesText(s.parameterBytes()), "");
  mem("buffers", bytesText(s.bufferBytes()), "running statistics");
  mem("gradients", bytesText(s.parameterBytes()), "");
  mem("optimizer state", bytesText(s.optimizerBytes()),
      s.optimizer + ": " + std::to_string(s.optimizerStates) +
          " per parameter");
  if (!s.workspace) {
    mem("activations", bytesText(s.activationBytes()),
        "outputs of the training forward pass (an upper bound of what "
        "backward keeps)");
    mem("workspace", "?", s.workspaceUnknown);
    mem("total", bytesText(s.totalBytes()),
        "parameters to activations; kernel workspace not estimated");
    return;
  }
  const EntryWorkspace &ws = *s.workspace;
  mem("activations", bytesText(s.activationBytes()),
      "outputs of the training forward pass (an upper bound of what "
      "backward keeps; in the workspace)");
  mem("workspace", bytesText(double(ws.peakBytes)),
      "peak of kernel temporaries in " + ws.entry +
          (ws.perThreadBytes
               ? " (1 thread; each further thread up to " +
                     bytesText(double(ws.perThreadBytes)) + " more)"
               : std::string(" (the same on any number of threads)")));
  std::string each;
  for (const EntryWorkspace &e : s.entryWorkspaces)
    each += (each.empty() ? "" : ", ") + e.entry + " " +
            bytesText(double(e.peakBytes)) +
            (e.perThreadBytes
                 ? " (+" + bytesText(double(e.perThreadBytes)) + "/thread)"
                 : "");
  mem("", "", "per entry point: " + each);
  mem("total", bytesText(s.totalBytes()),
      "parameters, buffers, gradients, optimizer state and workspace");
}

void nnc::writeSummaryComment(const ModelSummary &s, llvm::raw_ostream &os) {
  std::string text;
  llvm::raw_string_ostream body(text);
  writeSummary(s, body, " * ");
  // Nothing in the table should close the comment early; make sure of it.
  for (size_t at = text.find("*/"); at != std::string::npos;
       at = text.find("*/", at))
    text.replace(at, 2, "* /");
  os << "/* Summary (what `nnc summary` prints; the memory at ";
  if (s.batchFromRecipe)
    os << "the train section's batch, " << s.batch;
  else
    os << "batch " << s.batch << ", the default without a train section";
  os << "):\n";
  // One line at a time, without the padding at the end of the short ones.
  for (StringRef rest = text; !rest.empty();) {
    auto [line, tail] = rest.split('\n');
    os << line.rtrim(' ') << "\n";
    rest = tail;
  }
  os << " */\n";
}

std::string nnc::formatLineCol(Location loc) {
  if (auto f = dyn_cast<FileLineColLoc>(loc))
    return std::to_string(f.getLine()) + ":" + std::to_string(f.getColumn());
  return "";
}

std::string nnc::formatThousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > 0; i -= 3)
    s.insert(size_t(i), ",");
  return s;
}

std::string nnc::formatBytes(double b) {
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

std::string nnc::formatFlops(double f) {
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
