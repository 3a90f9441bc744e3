//===- nnc.cpp - The nnc compiler driver ----------------------------------===//
//
// Reads like the Toy tutorial's toyc.cpp: parse the command line, then run
// the pipeline one stage after another (parse + Sema, MLIRGen, lowering to
// linalg, to LLVM, to an object, to a shared library), stopping at the stage
// named by --emit. Each stage is one function. The subcommands (`train`,
// `eval`, `predict`, `summary`, `import`; Commands.h) are
// `llvm::cl::SubCommand`s: one parse of the command line selects one and
// its options; a first word close to one (`trian`) is an error that
// suggests it. `--help` shows nnc's options only (per subcommand, that
// subcommand's), `--help-hidden` LLVM's and MLIR's too. Exit code 1 on error.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "nnc/Frontend/ASTDump.h"
#include "nnc/Frontend/MLIRGen.h"
#include "nnc/Frontend/Parser.h"
#include "nnc/Frontend/Sema.h"
#include "nnc/Pipelines/Compilation.h"
#include "nnc/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <vector>

using namespace nnc;
namespace cl = llvm::cl;

using driver::nncCategory;

static cl::opt<std::string>
    inputFilename(cl::Positional, cl::desc("<input .nn file>"), cl::init(""),
                  cl::value_desc("filename"), cl::cat(nncCategory()));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"),
                                           cl::init("-"),
                                           cl::cat(nncCategory()));

namespace {
enum Action {
  DumpAST,
  DumpNN,
  DumpLinalg,
  DumpLLVM,
  EmitPTX,
  EmitObj,
  EmitLib
};
} // namespace

static cl::opt<Action> emitAction(
    "emit", cl::desc("Select the kind of output desired"), cl::init(EmitLib),
    cl::values(clEnumValN(DumpAST, "ast", "output the checked AST dump")),
    cl::values(clEnumValN(DumpNN, "nn", "output the nn dialect")),
    cl::values(clEnumValN(DumpLinalg, "linalg", "output linalg on tensors")),
    cl::values(clEnumValN(DumpLLVM, "llvm", "output LLVM IR")),
    cl::values(clEnumValN(EmitPTX, "ptx",
                          "output the kernels' PTX (--target=cuda)")),
    cl::values(clEnumValN(EmitObj, "obj", "output an object file")),
    cl::values(clEnumValN(EmitLib, "lib", "output model.so (the default)")),
    cl::cat(nncCategory()));

static cl::opt<unsigned>
    optLevel("O", cl::Prefix,
             cl::desc("Optimisation level -O0..-O3 (default -O2)"), cl::init(2),
             cl::cat(nncCategory()));
static cl::opt<std::string>
    targetCPU("cpu", cl::desc("Target CPU for LLVM (default: the host's)"),
              cl::init("host"), cl::cat(nncCategory()));
static cl::opt<std::string>
    target("target", cl::desc("Where the model runs: cpu (default) or cuda"),
           cl::init("cpu"), cl::cat(nncCategory()));
static cl::list<std::string> gpuChips(
    "gpu-chips", cl::CommaSeparated,
    cl::desc("CUDA: SM architectures to embed PTX for (default sm_80,sm_90; "
             "the first is loaded at run time, --emit=ptx writes it)"),
    cl::cat(nncCategory()));
static cl::opt<std::string>
    headerFilename("header", cl::desc("Also write a C header for the model"),
                   cl::value_desc("model.h"), cl::init(""),
                   cl::cat(nncCategory()));

static cl::opt<unsigned> maxErrors("max-errors",
                                   cl::desc("Stop after this many errors"),
                                   cl::init(20), cl::cat(nncCategory()));

static cl::opt<bool> timeReport(
    "time-report",
    cl::desc("Print the time of each compilation stage and pass to stderr"),
    cl::init(false), cl::cat(nncCategory()));

static cl::opt<bool> verifyEach(
    "verify-each",
    cl::desc("Verify the IR after every pass, not once per stage (slower; "
             "names the pass that broke it)"),
    cl::init(false), cl::cat(nncCategory()));

static cl::opt<unsigned> largeEntryInstructions(
    "large-entry-instructions",
    cl::desc("CPU: entry points of at least this many LLVM instructions get "
             "an object of their own, compiled at -O0 (default 1000)"),
    cl::init(1000), cl::Hidden, cl::cat(nncCategory()));

static cl::opt<std::string> vectorize(
    "vectorize",
    cl::desc("CPU vectorization, for comparisons: all (default), matmul (the "
             "matrix products only) or none (scalar loops)"),
    cl::init("all"), cl::cat(nncCategory()));

static cl::opt<bool>
    inputGrads("input-grads",
               cl::desc("Also compile d loss / d input "
                        "(nnc_model_compute_input_gradients; CPU target)"),
               cl::init(false), cl::cat(nncCategory()));

static cl::opt<bool> printBuiltins(
    "print-builtins",
    cl::desc("Print the table of built-ins as Markdown (for docs/language.md)"),
    cl::init(false), cl::cat(nncCategory()));

/// Prints the builtin table (the rules Sema applies) as Markdown.
static int printBuiltinTable() {
  llvm::raw_ostream &os = llvm::outs();
  auto typeText = [](const ParamSpec &p) {
    std::string t;
    auto add = [&](const std::string &s) {
      t += (t.empty() ? "" : " \\| ") + s;
    };
    // The plain types, in the order the table lists them.
    static const std::pair<unsigned, const char *> plainTypes[] = {
        {PT_Int, "int"},       {PT_Float, "float"},   {PT_Dim, "dim"},
        {PT_Bool, "bool"},     {PT_String, "string"}, {PT_Tensor, "tensor"},
        {PT_Loss, "loss expr"}};
    for (auto [type, text] : plainTypes)
      if (p.types & type)
        add(text);
    if (p.types & PT_Call)
      add(kindName(p.callKind).str());
    if (p.types & PT_Ident) {
      std::string ids;
      for (auto &i : p.idents)
        ids += (ids.empty() ? "" : ", ") + i;
      add("{" + ids + "}");
    }
    if (!p.sides.empty()) {
      std::string sides;
      for (auto &i : p.sides)
        sides += (sides.empty() ? "" : ", ") + i;
      add("[" + sides + "]");
    }
    return t;
  };
  auto paramText = [&](const ParamSpec &p) {
    std::string s = "`" + p.name + (p.variadic ? "...`" : "`") + ": " +
                    (p.list ? "list of " : "") + typeText(p);
    if (!std::isinf(p.lo) || !std::isinf(p.hi)) {
      char buf[80];
      if (std::isinf(p.hi) || p.hi >= 2147483647.0)
        snprintf(buf, sizeof buf, " %s %g", p.loOpen ? ">" : ">=", p.lo);
      else
        snprintf(buf, sizeof buf, " in %s%g, %g%s", p.loOpen ? "(" : "[", p.lo,
                 p.hi, p.hiOpen ? ")" : "]");
      s += buf;
    }
    if (p.isRequired())
      s += " (required)";
    else if (p.isOptional())
      s += " (optional)";
    else
      s += " = `" + p.defaultValue + "`";
    return s;
  };
  BuiltinKind last = BuiltinKind::Unresolved;
  for (const BuiltinSpec &spec : getBuiltins()) {
    if (spec.kind != last) {
      os << "\n| " << kindName(spec.kind)
         << " | parameters (in positional order) | meaning |\n| --- | --- | "
            "--- |\n";
      last = spec.kind;
    }
    std::string params;
    for (const ParamSpec &p : spec.params)
      params += (params.empty() ? "" : "; ") + paramText(p);
    os << "| `" << spec.name << "` | " << (params.empty() ? "-" : params)
       << " | " << spec.summary << " |\n";
  }
  os << "\n| train option | type and default |\n| --- | --- |\n";
  for (const ParamSpec &p : getTrainSpec().params)
    os << "| `" << p.name << "` | " << paramText(p).substr(p.name.size() + 4)
       << " |\n";
  return 0;
}

/// Writes `text` to -o (stdout by default).
static int writeOutput(llvm::StringRef text) {
  std::error_code ec;
  auto out = std::make_unique<llvm::ToolOutputFile>(outputFilename, ec,
                                                    llvm::sys::fs::OF_Text);
  if (ec) {
    llvm::errs() << "nnc: error: cannot write '" << outputFilename
                 << "': " << ec.message() << "\n";
    return 1;
  }
  out->os() << text;
  out->keep();
  return 0;
}

static int dumpASTStage(const ModuleAST &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  dumpAST(module, os);
  return writeOutput(os.str());
}

/// Prints the current module to -o.
static int printModule(mlir::ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, mlir::OpPrintingFlags());
  os << "\n";
  return writeOutput(os.str());
}

/// The output path of a binary stage: -o, or the input's stem + `suffix`.
static std::string binaryOutput(llvm::StringRef suffix) {
  if (outputFilename != "-")
    return outputFilename;
  llvm::StringRef stem = llvm::sys::path::stem(inputFilename);
  return (stem.empty() || inputFilename == "-" ? "model" : stem).str() +
         suffix.str();
}

/// Runs the stages up to --emit (see nnc/Pipelines/Compilation.h).
static int compileMain() {
  CompileOptions options;
  options.optLevel = std::min<unsigned>(optLevel, 3);
  options.largeEntryInstructions = largeEntryInstructions;
  options.cpu = targetCPU;
  options.headerPath = headerFilename;
  options.target = target;
  options.timeReport = timeReport;
  options.verifyEach = verifyEach;
  if (vectorize != "all" && vectorize != "matmul" && vectorize != "none") {
    llvm::errs() << "nnc: error: --vectorize must be all, matmul or none, not '"
                 << vectorize << "'\n";
    return 1;
  }
  options.vectorize = vectorize;
  options.inputGrads = inputGrads;
  if (!gpuChips.empty())
    options.gpuChips.assign(gpuChips.begin(), gpuChips.end());
  Compilation c(options, llvm::errs(), maxErrors);
  if (!c.load(inputFilename))
    return 1;
  if (emitAction == DumpAST)
    return dumpASTStage(c.getAST());
  if (!c.generateNN())
    return 1;
  if (emitAction == DumpNN)
    return printModule(c.getModule());
  if (!c.runNNPasses() || !c.lowerToLinalg())
    return 1;
  if (emitAction == DumpLinalg)
    return printModule(c.getModule());
  if (emitAction == EmitPTX)
    return c.emitPTX(outputFilename, options.gpuChips.front()) ? 0 : 1;
  if (!c.lowerToLLVM())
    return 1;
  if (emitAction == DumpLLVM)
    return c.emitNative(outputFilename, /*asText=*/true) ? 0 : 1;
  if (emitAction == EmitObj)
    return c.emitNative(binaryOutput(".o"), /*asText=*/false) ? 0 : 1;
  llvm::SmallString<128> object;
  if (llvm::sys::fs::createTemporaryFile("nnc-kernels", "o", object)) {
    llvm::errs() << "nnc: error: cannot create a temporary file\n";
    return 1;
  }
  llvm::FileRemover removeObject(object);
  if (!c.emitNative(object, /*asText=*/false, /*split=*/true) ||
      !c.link(object, binaryOutput(".so")))
    return 1;
  if (!headerFilename.empty() && !c.writeHeader(headerFilename))
    return 1;
  return 0;
}

/// What `nnc --help` says before the options, and `nnc` alone prints
/// (the subcommands follow, listed by llvm::cl).
static const char *const kOverview =
    "nnc " NNC_VERSION_STRING
    ", an ahead-of-time compiler for neural networks\n\n"
    "  nnc FILE.nn [-o FILE.so] [options]: compile a model ('-': stdin)\n";

/// What `nnc SUBCOMMAND --help` says before the subcommand's description.
static const char *const kSubcommandOverview =
    "nnc " NNC_VERSION_STRING ", an ahead-of-time compiler for neural networks";

/// `word` (argv[1]) is neither an option, a subcommand nor a file: the
/// closest subcommand within two edits, else "".
static std::string misspeltCommand(llvm::StringRef word) {
  if (word.empty() || word.starts_with("-") || word.contains('/') ||
      word.contains('.') || llvm::sys::fs::exists(word))
    return "";
  std::string best;
  unsigned bestDistance = 3;
  for (cl::SubCommand *c : cl::getRegisteredSubcommands()) {
    if (c->getName().empty())
      continue;
    unsigned d =
        word.edit_distance(c->getName(), /*AllowReplacements=*/true, 3);
    if (d < bestDistance) {
      bestDistance = d;
      best = c->getName().str();
    }
  }
  return best;
}

/// The subcommand `word` names, else null.
static cl::SubCommand *subcommandNamed(llvm::StringRef word) {
  for (cl::SubCommand *c : cl::getRegisteredSubcommands())
    if (!c->getName().empty() && c->getName() == word)
      return c;
  return nullptr;
}

/// Hides every option but nnc's (and --help, --version) from `--help`;
/// `--help-hidden` still lists them.
static void hideForeignOptions() {
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *o = entry.second;
    llvm::StringRef name = entry.first();
    if (name == "help" || name == "version" ||
        llvm::is_contained(o->Categories, &nncCategory()))
      continue;
    if (o->getOptionHiddenFlag() == cl::NotHidden)
      o->setHiddenFlag(cl::Hidden);
  }
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::StringRef first = argc > 1 ? argv[1] : "";
  cl::SubCommand *command = subcommandNamed(first);
  driver::installOutOfMemoryHandler(command ? argv[1] : "");
  if (!command) {
    std::string guess = misspeltCommand(first);
    if (!guess.empty()) {
      llvm::errs() << "nnc: error: unknown command '" << first
                   << "'; did you mean '" << guess << "'?\n";
      return 1;
    }
  }
  mlir::registerAsmPrinterCLOptions();
  hideForeignOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "nnc " << NNC_VERSION_STRING << "\n";
  });
  // argv[0] as the user knows it, for llvm::cl's messages ("nnc: Unknown
  // command line argument ..."), which are followed by one error line naming
  // the subcommand.
  std::vector<const char *> args(argv, argv + argc);
  args[0] = "nnc";
  if (!cl::ParseCommandLineOptions(argc, args.data(),
                                   command ? kSubcommandOverview : kOverview,
                                   &llvm::errs())) {
    std::string name = command ? " " + command->getName().str() : "";
    llvm::errs() << "nnc" << name << ": error: invalid command line (nnc"
                 << name << " --help lists the options)\n";
    return 1;
  }
  // Each subcommand and the function that runs it.
  static const struct {
    cl::SubCommand &(*command)();
    int (*run)();
  } kCommands[] = {{driver::trainCommand, driver::trainMain},
                   {driver::evalCommand, driver::evalMain},
                   {driver::predictCommand, driver::predictMain},
                   {driver::summaryCommand, driver::summaryMain},
                   {driver::dataSourceCommand, driver::dataSourceMain},
                   {driver::importCommand, driver::importMain}};
  for (const auto &c : kCommands)
    if (c.command())
      return c.run();
  if (printBuiltins)
    return printBuiltinTable();
  if (inputFilename.empty()) {
    llvm::errs() << kOverview << "\n";
    std::vector<cl::SubCommand *> commands;
    for (cl::SubCommand *c : cl::getRegisteredSubcommands())
      if (!c->getName().empty())
        commands.push_back(c);
    llvm::sort(commands, [](cl::SubCommand *a, cl::SubCommand *b) {
      return a->getName() < b->getName();
    });
    for (cl::SubCommand *c : commands)
      llvm::errs() << "  nnc " << llvm::left_justify(c->getName(), 8) << " "
                   << c->getDescription() << "\n";
    llvm::errs() << "\nnnc: error: no input file ('-' reads standard "
                    "input; nnc --help lists the options)\n";
    return 1;
  }
  return compileMain();
}
