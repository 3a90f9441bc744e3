//===- SemaTest.cpp - Tests of the .nn semantic checks --------------------===//
//
// Normalised calls (named, ordered, defaults), identifier resolution, the
// `init = auto` rule, and each family of semantic errors with its location.
// Also checks the builtin table itself: every default parses and type-checks,
// every row carries the emitter of its usage, and docs/language.md lists
// every builtin.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "gtest/gtest.h"

#include <set>

using namespace nnc;
using namespace nnc::test;

static const char *kHeader = "model M {\n  input x: f32[N, 1, 8, 8]\n";

TEST(Sema, NormalisesCalls) {
  Result r = runFrontend(std::string(kHeader) +
                         "  output y = x -> conv2d(4, pad = same) -> "
                         "maxpool(3) -> flatten -> dense(10)\n}");
  ASSERT_TRUE(r.ok) << r.firstError().message;
  auto *pipe =
      llvm::cast<PipeExprAST>(r.module->models[0]->body[0].value.get());
  const CallExprAST &conv = *pipe->stages[0];
  EXPECT_EQ(conv.builtinKind, BuiltinKind::Layer);
  std::vector<std::string> names;
  for (const ArgAST &a : conv.args)
    names.push_back(a.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"filters", "kernel", "stride", "pad",
                                      "dilation", "bias", "init"}));
  EXPECT_FALSE(conv.args[0].isDefault);
  EXPECT_TRUE(conv.args[1].isDefault);
  EXPECT_EQ(llvm::cast<NumberExprAST>(conv.getArg("kernel"))->intValue, 3);
  auto *pad = llvm::cast<IdentExprAST>(conv.getArg("pad"));
  EXPECT_EQ(pad->name, "same");
  EXPECT_EQ(pad->ref, IdentExprAST::EnumValue);
  // maxpool's stride defaults to its size.
  const CallExprAST &pool = *pipe->stages[1];
  EXPECT_EQ(llvm::cast<NumberExprAST>(pool.getArg("stride"))->intValue, 3);
  // No relu follows conv2d or the final dense: auto init is xavier.
  EXPECT_EQ(llvm::cast<CallExprAST>(conv.getArg("init"))->callee, "xavier");
}

TEST(Sema, AutoInitFollowsActivation) {
  Result r = runFrontend("model M {\n  input x: f32[N, 2]\n"
                         "  output y = x -> dense(4) -> batchnorm -> relu -> "
                         "dense(3, init = normal(0.02)) -> tanh\n}");
  ASSERT_TRUE(r.ok) << r.firstError().message;
  auto *pipe =
      llvm::cast<PipeExprAST>(r.module->models[0]->body[0].value.get());
  EXPECT_EQ(llvm::cast<CallExprAST>(pipe->stages[0]->getArg("init"))->callee,
            "he");
  auto *normal = llvm::cast<CallExprAST>(pipe->stages[3]->getArg("init"));
  EXPECT_EQ(normal->callee, "normal");
  EXPECT_EQ(normal->builtinKind, BuiltinKind::Init);
  EXPECT_DOUBLE_EQ(llvm::cast<NumberExprAST>(normal->getArg("std"))->floatValue,
                   0.02);
}

TEST(Sema, AutoInitReadsTheRowOfTheNextStage) {
  // layernorm and dropout are looked through like batchnorm; gelu is of the
  // ReLU family (he); sigmoid and a final layer without activation: xavier.
  Result r = runFrontend(
      "model M {\n  input x: f32[N, 2]\n"
      "  output y = x -> dense(4) -> layernorm -> dropout(0.1) -> gelu"
      " -> dense(4) -> dropout(0.1) -> sigmoid -> dense(2)\n}");
  ASSERT_TRUE(r.ok) << r.firstError().message;
  auto *pipe =
      llvm::cast<PipeExprAST>(r.module->models[0]->body[0].value.get());
  auto initOf = [&](size_t stage) {
    return llvm::cast<CallExprAST>(pipe->stages[stage]->getArg("init"))->callee;
  };
  EXPECT_EQ(initOf(0), "he");
  EXPECT_EQ(initOf(4), "xavier");
  EXPECT_EQ(initOf(7), "xavier");
}

TEST(Sema, TrainSectionNormalised) {
  Result r = runFrontend(readFile(sourceDir() + "/examples/digits_mlp.nn"));
  ASSERT_TRUE(r.ok) << r.firstError().message;
  const TrainAST &t = *r.module->trains[0];
  EXPECT_EQ(t.model, r.module->getMainModel());
  auto *opt = llvm::cast<CallExprAST>(t.getOption("optimizer"));
  EXPECT_EQ(opt->callee, "adam");
  EXPECT_DOUBLE_EQ(llvm::cast<NumberExprAST>(opt->getArg("beta2"))->floatValue,
                   0.999);
  auto *loss = llvm::cast<BinaryExprAST>(t.getOption("loss"));
  EXPECT_EQ(llvm::cast<CallExprAST>(loss->lhs.get())->builtinKind,
            BuiltinKind::Loss);
  EXPECT_EQ(llvm::cast<CallExprAST>(loss->rhs.get())->builtinKind,
            BuiltinKind::Penalty);
  // Omitted options: schedule defaults to constant, test stays absent.
  EXPECT_EQ(llvm::cast<CallExprAST>(t.getOption("schedule"))->callee,
            "constant");
  EXPECT_EQ(t.getOption("test"), nullptr);
  EXPECT_EQ(llvm::cast<NumberExprAST>(t.getOption("batch"))->intValue, 32);
}

TEST(Sema, ResolvesIdentifiers) {
  Result r =
      runFrontend(readFile(sourceDir() + "/examples/fashion_transformer.nn"));
  ASSERT_TRUE(r.ok) << r.firstError().message;
  const ModelAST *block = r.module->lookup("Encoder");
  ASSERT_TRUE(block && block->isBlock());
  // `h = x + (x -> layernorm -> self_attention(heads))`
  auto *add = llvm::cast<BinaryExprAST>(block->body[0].value.get());
  EXPECT_EQ(llvm::cast<IdentExprAST>(add->lhs.get())->ref, IdentExprAST::Input);
  auto *pipe = llvm::cast<PipeExprAST>(add->rhs.get());
  auto *heads = llvm::cast<IdentExprAST>(pipe->stages[1]->getArg("heads"));
  EXPECT_EQ(heads->ref, IdentExprAST::BlockParam);
  EXPECT_EQ(heads->index, 1);
  EXPECT_EQ(block->inputs[0].type.dims[1].symbolKind, DimAST::Free);
  EXPECT_EQ(block->inputs[0].type.dims[2].symbolKind, DimAST::Param);
  const ModelAST *model = r.module->getMainModel();
  auto *out = llvm::cast<PipeExprAST>(model->body.back().value.get());
  EXPECT_EQ(out->stages[0]->builtinKind, BuiltinKind::Block);
  EXPECT_EQ(out->stages[0]->block, block);
  EXPECT_EQ(out->stages[0]->args[2].name, "ff");
}

TEST(Sema, ReportsErrors) {
  struct Case {
    std::string text;
    int line, col;
    std::string message;
  };
  std::string h = kHeader;
  std::string m2 = "model M {\n  input x: f32[N, 2]\n";
  std::string trainHead = m2 + "  output y = x -> dense(1)\n}\ntrain M {\n  "
                               "data = logic(and)\n  target t: f32[N, 1]\n";
  const Case cases[] = {
      {h + "  output y = x -> dens(3)\n}", 3, 19,
       "unknown layer 'dens' (did you mean 'dense'?)"},
      {h + "  output y = x -> dense(2.5)\n}", 3, 25,
       "argument 'units' of dense must be an integer, got '2.5'"},
      {h + "  output y = x -> dense(0)\n}", 3, 25,
       "argument 'units' of dense must be >= 1, got '0'"},
      {h + "  output y = x -> dropout(1.0)\n}", 3, 27,
       "argument 'rate' of dropout must be in [0, 1), got '1.0'"},
      {h + "  output y = x -> dense()\n}", 3, 19,
       "'dense' requires argument 'units'"},
      {h + "  output y = x -> relu(3)\n}", 3, 24, "'relu' takes no arguments"},
      {h + "  output y = x -> dense(3, 4, 5, 6)\n}", 3, 34,
       "'dense' takes at most 3 argument(s)"},
      {h + "  output y = x -> dense(3, bias = 1)\n}", 3, 35,
       "argument 'bias' of dense must be true or false, got '1'"},
      {h + "  output y = x -> dense(3, init = glorot)\n}", 3, 35,
       "argument 'init' of dense must be an initialiser (he, xavier, zeros, "
       "ones, normal, uniform) or one of: auto, got 'glorot'"},
      {h + "  output y = z\n}", 3, 14, "undefined name 'z'"},
      {h + "  output y = h\n  h = x\n}", 3, 14,
       "'h' is used before it is defined"},
      {h + "  output y = relu\n}", 3, 14,
       "'relu' is an activation, not a value: apply it with '->', as in 'x -> "
       "relu'"},
      {h + "  output y = dense(x)\n}", 3, 14,
       "'dense' is a layer: use it in a pipeline, as in 'x -> dense(...)'"},
      {h + "  output y = x -> mse\n}", 3, 19, "'mse' is a loss, not a layer"},
      {h + "  output y = 3\n}", 3, 14,
       "an output must be a tensor, not a number"},
      {h + "  output x -> relu\n}", 3, 3,
       "a model output needs a name: write 'output NAME = ...'"},
      {h + "  h = x\n}", 1, 7,
       "model 'M' has no output: add 'output name = ...'"},
      {"model M {\n  output y = 1\n}", 1, 7,
       "model 'M' has no input: add 'input x: f32[N, ...]'"},
      {h + "  output y = x\n}\nmodel M {\n  input x: f32[N, 2]\n  output y = "
           "x\n}",
       5, 7, "redefinition of 'M'"},
      {"model M {\n  input x: q8[N, 2]\n  output y = x\n}", 2, 12,
       "unknown element type 'q8'; expected f32 or i32"},
      {"model M {\n  input x: f32[N, 0]\n  output y = x\n}", 2, 19,
       "dimensions must be positive, got 0"},
      {"block B(d) {\n  input x: f32[N, d]\n  output x -> dense(d)\n  output "
       "x\n}\nmodel M {\n  input x: f32[N, 2]\n  output y = x -> B(2)\n}",
       4, 3, "block 'B' has more than one output; a block has exactly one"},
      {"block B(d) {\n  input x: f32[N, 3]\n  output x -> dense(d)\n}\nmodel M "
       "{\n  input x: f32[N, 3]\n  output y = x -> B(true)\n}",
       7, 21, "argument 'units' of dense must be an integer, got 'true'"},
      {"block B(d) {\n  input x: f32[N, 3]\n  output x -> dense(d)\n}\nmodel M "
       "{\n  input x: f32[N, 3]\n  output y = x -> B(3, 4)\n}",
       7, 24, "'B' takes at most 1 argument(s)"},
      {"block B {\n  input x: f32[N, 3]\n  output x -> B\n}\nmodel M {\n  "
       "input x: f32[N, 3]\n  output y = x -> B\n}",
       3, 15, "block 'B' instantiates itself: B -> B"},
      {"model A {\n  input x: f32[N, 3]\n  output y = x\n}\nmodel M {\n  input "
       "x: f32[N, 3]\n  output y = x -> A\n}",
       7, 19, "'A' is a model; only blocks can be used as layers"},
      {"block dense {\n  input x: f32[N, 3]\n  output x\n}\nmodel M {\n  input "
       "x: f32[N, 3]\n  output y = x\n}",
       1, 7, "block 'dense' has the name of a built-in layer"},
      {m2 + "  output y = x -> dense(1)\n}\ntrain Q {\n  data = logic(and)\n}",
       5, 7, "train section refers to unknown model 'Q'"},
      {trainHead + "  loss = mse(z, t)\n}", 8, 14, "undefined name 'z'"},
      {trainHead + "  loss = mse(y, t)\n  epoch = 3\n}", 9, 3,
       "unknown train option 'epoch' (did you mean 'epochs'?); expected one "
       "of: data, loss, optimizer, schedule, batch, epochs, early_stop, "
       "validation, test, shuffle, sync_batchnorm, seed, clip_norm, "
       "save_every, metrics"},
      {trainHead + "  loss = mse(y, t)\n  batch = 3\n  batch = 4\n}", 10, 3,
       "option 'batch' of the train section is given twice"},
      {trainHead + "  loss = 2 * y\n}", 8, 14,
       "'y' is not a loss: apply a loss function to it, as in mse(y, y)"},
      {trainHead + "  loss = mse(y, t) + 1\n}", 8, 20,
       "cannot add a constant to a loss"},
      {trainHead + "  loss = mse(y, t) * mae(y, t)\n}", 8, 20,
       "cannot multiply two losses; scale a loss by a number instead"},
      {trainHead + "  loss = mse(y, t)\n  optimizer = adam(lr = 0)\n}", 9, 25,
       "argument 'lr' of adam must be > 0, got '0'"},
      {trainHead + "  loss = mse(y, t)\n  optimizer = nadam\n}", 9, 15,
       "option 'optimizer' must be an optimizer (sgd, momentum, rmsprop, adam, "
       "adamw), got 'nadam'"},
      {trainHead + "  loss = mse(y, t)\n  validation = 1.5\n}", 9, 16,
       "option 'validation' must be in [0, 1), got '1.5'"},
      {m2 + "  output y = x -> dense(1)\n}\ntrain M {\n  data = logic(and)\n  "
            "target y: f32[N, 1]\n  loss = mse(y, y)\n}",
       7, 10, "redefinition of 'y'"},
      {m2 + "  output y = x -> dense(1)\n}\ntrain M {\n  data = logic(and)\n  "
            "target t: f32[N, 1]\n}",
       5, 1, "the train section needs 'loss = ...'"},
      {m2 + "  h = x -> relu\n  output y = h -> dense(1)\n}\ntrain M {\n  data "
            "= logic(and)\n  target t: f32[N, 1]\n  loss = mse(h, t)\n}",
       9, 14,
       "'h' is internal to model 'M'; a train section can use its outputs, "
       "inputs and targets"},
      {"", 1, 1, "no model defined in this file: write 'model Name { ... }'"},
  };
  for (const Case &c : cases) {
    Result r = runFrontend(c.text);
    ASSERT_FALSE(r.ok) << c.text;
    Diagnostic d = r.firstError();
    EXPECT_EQ(d.message, c.message) << c.text;
    EXPECT_EQ(d.loc.line, c.line) << c.text << "\n" << d.message;
    EXPECT_EQ(d.loc.col, c.col) << c.text << "\n" << d.message;
  }
}

TEST(Sema, ReportsAllIndependentErrors) {
  Result r = runFrontend("model M {\n  input x: f32[N, 2]\n"
                         "  a = x -> dens(3)\n"
                         "  b = x -> dropout(2)\n"
                         "  output y = c\n}\n");
  std::vector<int> lines;
  for (const Diagnostic &d : r.diags->getDiagnostics())
    if (d.severity == Severity::Error)
      lines.push_back(d.loc.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 5}));
}

TEST(BuiltinTable, EveryBuiltinWithRequiredArgsChecks) {
  // A call with only the required arguments must pass Sema: this checks that
  // every default in the table parses and satisfies its own parameter.
  for (const BuiltinSpec &spec : getBuiltins()) {
    std::vector<std::string> required;
    for (const ParamSpec &p : spec.params)
      if (p.isRequired())
        required.push_back(p.name);
    auto value = [&](const ParamSpec &p) -> std::string {
      if (p.types & PT_Tensor)
        return "x";
      if (p.types & PT_String)
        return "\"f\"";
      if (p.types & (PT_Int | PT_Dim))
        return "1";
      if (p.types & PT_Float)
        return p.hi < 1 || p.hiOpen ? "0.5" : "1.0";
      return p.idents.empty() ? "x" : p.idents[0];
    };
    std::string args;
    for (const ParamSpec &p : spec.params)
      if (p.isRequired())
        args += (args.empty() ? "" : ", ") + p.name + " = " + value(p);
    std::string call = spec.name + "(" + args + ")";
    std::string text;
    if (spec.usage & U_Stage)
      text = "model M {\n input x: f32[N, 4, 4, 4]\n output y = x -> " + call +
             "\n}";
    else if (spec.kind == BuiltinKind::TensorOp)
      text = "model M {\n input x: f32[N, 4]\n output y = " + call + "\n}";
    else {
      std::string option = "data = logic(and)\n loss = mse(y, t)\n";
      if (spec.kind == BuiltinKind::Loss)
        option = "data = logic(and)\n loss = " + spec.name + "(y, t)\n";
      else if (spec.kind == BuiltinKind::Penalty)
        option = "data = logic(and)\n loss = mse(y, t) + " + call + "\n";
      else if (spec.kind == BuiltinKind::Optimizer)
        option += " optimizer = " + call + "\n";
      else if (spec.kind == BuiltinKind::Schedule)
        option += " schedule = " + call + "\n";
      else if (spec.kind == BuiltinKind::EarlyStop)
        option += " early_stop = " + call + "\n";
      else if (spec.kind == BuiltinKind::Data)
        option = "data = " + call + "\n loss = mse(y, t)\n";
      else if (spec.kind == BuiltinKind::Init)
        text = "model M {\n input x: f32[N, 4]\n output y = x -> dense(2, init "
               "= " +
               call + ")\n}";
      if (text.empty())
        text = "model M {\n input x: f32[N, 4]\n output y = x -> dense(1)\n}\n"
               "train M {\n target t: f32[N, 1]\n " +
               option + "}";
    }
    Result r = runFrontend(text);
    EXPECT_TRUE(r.ok) << spec.name << ": " << r.firstError().message << "\n"
                      << text;
  }
}

TEST(BuiltinTable, EveryRowCarriesTheEmitterOfItsUsage) {
  // One row per builtin: a stage has its StageEmitter, a value-position
  // function and a penalty their CallEmitter, a loss its LossEmitter, an
  // initialiser its nn::InitKind; option values (optimizers, schedules, early
  // stopping, data) have none, and every name is one row per usage.
  std::set<std::pair<std::string, unsigned>> seen;
  for (const BuiltinSpec &spec : getBuiltins()) {
    EXPECT_TRUE(seen.insert({spec.name, spec.usage}).second)
        << spec.name << " has two rows";
    bool stage = spec.usage & U_Stage;
    bool call = spec.kind == BuiltinKind::Penalty ||
                (spec.kind == BuiltinKind::TensorOp && !stage);
    bool loss = spec.kind == BuiltinKind::Loss;
    bool init = spec.kind == BuiltinKind::Init;
    EXPECT_EQ(spec.emitStage != nullptr, stage) << spec.name;
    EXPECT_EQ(spec.emitCall != nullptr, call) << spec.name;
    EXPECT_EQ(spec.emitLoss != nullptr, loss) << spec.name;
    EXPECT_EQ(spec.initKind.has_value(), init) << spec.name;
    EXPECT_EQ(spec.emitBinding != nullptr, spec.name == "parameter")
        << spec.name;
    if (!spec.initScale.empty())
      EXPECT_NE(spec.findParam(spec.initScale), nullptr) << spec.name;
  }
}

TEST(BuiltinTable, DocumentedInLanguageMd) {
  std::string doc = readFile(sourceDir() + "/docs/language.md");
  ASSERT_FALSE(doc.empty());
  for (const BuiltinSpec &spec : getBuiltins())
    EXPECT_NE(doc.find("`" + spec.name + "`"), std::string::npos)
        << spec.name << " is missing from docs/language.md";
  for (const ParamSpec &p : getTrainSpec().params)
    EXPECT_NE(doc.find("`" + p.name + "`"), std::string::npos)
        << "train option " << p.name << " is missing from docs/language.md";
}
