//===- Import.cpp - nnc import --------------------------------------------===//
//
// `nnc import MODEL.onnx [-o MODEL.nn] [--checkpoint CKPT] [--name NAME]`:
// translates an ONNX graph into a `.nn` model and writes its initializers as
// a safetensors checkpoint under the model's parameter names, by default
// beside the `.nn` file with the extension `.safetensors` (docs/import.md).
// The translation is lib/Import; this file parses the arguments and writes.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#ifdef NNC_HAVE_ONNX_IMPORT
#include "nnc/Import/OnnxImport.h"
#endif

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

using namespace nnc::driver;
namespace cl = llvm::cl;

cl::SubCommand &nnc::driver::importCommand() {
  static cl::SubCommand command(
      "import", "An ONNX model (opset 13-17) to a .nn file and a "
                "safetensors checkpoint (docs/import.md)");
  return command;
}

static cl::opt<std::string> onnxFile(cl::Positional, cl::desc("<MODEL.onnx>"),
                                     cl::sub(importCommand()),
                                     cl::cat(nncCategory()));
static cl::opt<std::string>
    output("o",
           cl::desc("The model (default: MODEL.nn beside the input; also "
                    "--output)"),
           cl::value_desc("FILE.nn"), cl::sub(importCommand()),
           cl::cat(nncCategory()));
static cl::alias outputLong("output", cl::desc("Alias for -o"),
                            cl::aliasopt(output), cl::cat(nncCategory()));
static cl::opt<std::string> checkpoint(
    "checkpoint",
    cl::desc("The weights (default: FILE.safetensors beside FILE.nn)"),
    cl::value_desc("CKPT"), cl::sub(importCommand()), cl::cat(nncCategory()));
static cl::opt<std::string>
    name("name", cl::desc("The model's name (default: from FILE.nn)"),
         cl::value_desc("NAME"), cl::sub(importCommand()),
         cl::cat(nncCategory()));

#ifdef NNC_HAVE_ONNX_IMPORT

/// `path` with its extension replaced by `ext` (".nn", ".safetensors").
static std::string withExtension(llvm::StringRef path, llvm::StringRef ext) {
  llvm::SmallString<256> s(path);
  llvm::sys::path::replace_extension(s, ext);
  return std::string(s);
}

/// A model name from a file name: `lenet5.nn` -> `Lenet5`.
static std::string nameFromFile(llvm::StringRef path) {
  std::string name = nnc::import::toIdentifier(llvm::sys::path::stem(path));
  name[0] = llvm::toUpper(name[0]);
  return name;
}

int nnc::driver::importMain() {
  if (!checkNonEmpty("import", {&output, &checkpoint, &name}))
    return 1;
  if (onnxFile.empty())
    return reportError("import", "expected one MODEL.onnx");
  const std::string &input = onnxFile;
  std::string outputPath = output.getNumOccurrences()
                               ? std::string(output)
                               : withExtension(input, ".nn");
  std::string checkpointPath = checkpoint.getNumOccurrences()
                                   ? std::string(checkpoint)
                                   : withExtension(outputPath, ".safetensors");
  for (const std::string &written : {outputPath, checkpointPath})
    if (llvm::sys::fs::equivalent(input, written) || input == written)
      return reportError("import", "the output " + written +
                                       " is the input; give another -o or "
                                       "--checkpoint");
  nnc::import::ImportOptions options;
  options.modelName =
      name.getNumOccurrences() ? std::string(name) : nameFromFile(outputPath);
  if (nnc::import::toIdentifier(options.modelName) != options.modelName)
    return reportError("import", "--name expects an identifier, got '" +
                                     options.modelName + "'");
  options.checkpointNote = llvm::sys::path::filename(checkpointPath).str();
  auto model = nnc::import::importOnnx(input, options);
  if (!model)
    return reportError("import", llvm::toString(model.takeError()));
  std::error_code ec;
  llvm::raw_fd_ostream os(outputPath, ec);
  if (ec)
    return reportError("import",
                       outputPath + ": cannot write: " + ec.message());
  os << model->source;
  os.close();
  if (os.has_error())
    return reportError("import",
                       outputPath + ": cannot write: " + os.error().message());
  if (auto err = nnc::import::writeSafetensors(checkpointPath, model->tensors,
                                               model->modelName))
    return reportError("import", llvm::toString(std::move(err)));
  return 0;
}

#else

int nnc::driver::importMain() {
  return reportError("import", "this nnc was built without ONNX (install "
                               "libonnx-dev and libprotobuf-dev, see "
                               "scripts/setup.sh, and rebuild)");
}

#endif
