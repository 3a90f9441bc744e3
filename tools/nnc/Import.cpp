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

int nnc::driver::importMain(int argc, char **argv) {
  // `-o FILE` as the compiler takes it, spelled `--output` for ArgList.
  std::vector<char *> argvCopy(argv, argv + argc);
  static char outputOption[] = "--output";
  for (char *&a : argvCopy)
    if (llvm::StringRef(a) == "-o")
      a = outputOption;
  ArgList args;
  if (!args.parse("import", argc, argvCopy.data(),
                  {"output", "checkpoint", "name"}, {"help"}))
    return 1;
  if (args.has("help")) {
    llvm::outs()
        << "usage: nnc import MODEL.onnx [-o MODEL.nn] [--checkpoint CKPT] "
           "[--name NAME]\n"
           "  translates an ONNX graph (opset 13-17) into a .nn model and "
           "its initializers\n  into a safetensors checkpoint with the "
           "model's parameter names\n"
           "  -o, --output FILE.nn  the model (default: MODEL.nn beside the "
           "input)\n"
           "  --checkpoint CKPT     the weights (default: FILE.safetensors "
           "beside FILE.nn)\n"
           "  --name NAME           the model's name (default: from FILE.nn)\n"
           "  docs/import.md lists the supported ops.\n";
    return 0;
  }
  if (args.positional().size() != 1)
    return reportError("import", "expected one MODEL.onnx");
  const std::string &input = args.positional()[0];
  std::string output = args.get("output").value_or(withExtension(input, ".nn"));
  std::string checkpoint =
      args.get("checkpoint").value_or(withExtension(output, ".safetensors"));
  for (const std::string &written : {output, checkpoint})
    if (llvm::sys::fs::equivalent(input, written) || input == written)
      return reportError("import", "the output " + written +
                                       " is the input; give another -o or "
                                       "--checkpoint");
  nnc::import::ImportOptions options;
  options.modelName = args.get("name").value_or(nameFromFile(output));
  if (nnc::import::toIdentifier(options.modelName) != options.modelName)
    return reportError("import", "--name expects an identifier, got '" +
                                     options.modelName + "'");
  options.checkpointNote = llvm::sys::path::filename(checkpoint).str();
  auto model = nnc::import::importOnnx(input, options);
  if (!model)
    return reportError("import", llvm::toString(model.takeError()));
  std::error_code ec;
  llvm::raw_fd_ostream os(output, ec);
  if (ec)
    return reportError("import", output + ": cannot write: " + ec.message());
  os << model->source;
  os.close();
  if (os.has_error())
    return reportError("import",
                       output + ": cannot write: " + os.error().message());
  if (auto err = nnc::import::writeSafetensors(checkpoint, model->tensors,
                                               model->modelName))
    return reportError("import", llvm::toString(std::move(err)));
  return 0;
}

#else

int nnc::driver::importMain(int, char **) {
  return reportError("import", "this nnc was built without ONNX (install "
                               "libonnx-dev and libprotobuf-dev, see "
                               "scripts/setup.sh, and rebuild)");
}

#endif
