//===- ASTDump.cpp - Printing the AST -------------------------------------===//
//
// The indented tree printer behind `nnc --emit=ast`. Leaves print on the line
// of their argument (`units = Number 64 @3:30`); calls, pipes and operators
// open a nested level. Recursion is bounded by the parser's depth limit.
//
//===----------------------------------------------------------------------===//

#include "nnc/Frontend/ASTDump.h"

using namespace nnc;

namespace {
class Dumper {
public:
  explicit Dumper(llvm::raw_ostream &os) : os(os) {}

  void module(const ModuleAST &m);
  void expr(const ExprAST &e, unsigned indent, llvm::StringRef prefix = "",
            bool isDefault = false);

private:
  /// Ends a node's line with its location: ` @3:30`.
  void endLine(const Location &l) {
    os << " @" << l.line << ":" << l.col << "\n";
  }
  void pad(unsigned indent) { os.indent(indent * 2); }
  void type(const TensorTypeAST &t);
  void model(const ModelAST &m);
  void train(const TrainAST &t);
  llvm::raw_ostream &os;
};
} // namespace

static const char *refName(IdentExprAST::RefKind ref) {
  switch (ref) {
  case IdentExprAST::Unresolved:
    return "";
  case IdentExprAST::Input:
    return " <input>";
  case IdentExprAST::Binding:
    return " <binding>";
  case IdentExprAST::Output:
    return " <output>";
  case IdentExprAST::BlockParam:
    return " <param>";
  case IdentExprAST::Constant:
    return " <constant>";
  case IdentExprAST::Target:
    return " <target>";
  case IdentExprAST::EnumValue:
    return " <enum>";
  }
  return "";
}

void Dumper::type(const TensorTypeAST &t) {
  os << t.dtype << "[";
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i)
      os << ", ";
    if (t.dims[i].isSymbol)
      os << t.dims[i].symbol;
    else
      os << t.dims[i].value;
  }
  os << "]";
}

void Dumper::expr(const ExprAST &e, unsigned indent, llvm::StringRef prefix,
                  bool isDefault) {
  pad(indent);
  os << prefix;
  const char *dflt = isDefault ? " (default)" : "";
  switch (e.getKind()) {
  case ExprAST::Expr_Number: {
    const auto &n = llvm::cast<NumberExprAST>(e);
    os << (n.isInt ? "Int " : "Float ") << n.spelling << dflt;
    endLine(e.loc());
    return;
  }
  case ExprAST::Expr_String:
    os << "String \"";
    os.write_escaped(llvm::cast<StringExprAST>(e).value);
    os << "\"" << dflt;
    endLine(e.loc());
    return;
  case ExprAST::Expr_Bool:
    os << "Bool " << (llvm::cast<BoolExprAST>(e).value ? "true" : "false")
       << dflt;
    endLine(e.loc());
    return;
  case ExprAST::Expr_Ident: {
    const auto &id = llvm::cast<IdentExprAST>(e);
    os << "Ident " << id.name << refName(id.ref) << dflt;
    endLine(e.loc());
    return;
  }
  case ExprAST::Expr_Call: {
    const auto &c = llvm::cast<CallExprAST>(e);
    os << kindLabel(c.builtinKind) << " " << c.callee << dflt;
    endLine(e.loc());
    for (const ArgAST &arg : c.args)
      expr(*arg.value, indent + 1,
           arg.name.empty() ? std::string() : arg.name + " = ", arg.isDefault);
    return;
  }
  case ExprAST::Expr_Binary: {
    const auto &b = llvm::cast<BinaryExprAST>(e);
    os << "Binary '" << b.op << "'";
    endLine(e.loc());
    expr(*b.lhs, indent + 1);
    expr(*b.rhs, indent + 1);
    return;
  }
  case ExprAST::Expr_Unary: {
    const auto &u = llvm::cast<UnaryExprAST>(e);
    os << "Unary '" << u.op << "'";
    endLine(e.loc());
    expr(*u.operand, indent + 1);
    return;
  }
  case ExprAST::Expr_Pipe: {
    const auto &p = llvm::cast<PipeExprAST>(e);
    os << "Pipe";
    endLine(e.loc());
    expr(*p.input, indent + 1);
    for (const auto &stage : p.stages)
      expr(*stage, indent + 1, "-> ");
    return;
  }
  case ExprAST::Expr_List: {
    const auto &l = llvm::cast<ListExprAST>(e);
    os << "List" << dflt;
    endLine(e.loc());
    for (const auto &element : l.elements)
      expr(*element, indent + 1);
    return;
  }
  }
}

void Dumper::model(const ModelAST &m) {
  pad(1);
  os << (m.isBlock() ? "Block " : "Model ") << m.name;
  endLine(m.loc);
  for (const ParamAST &p : m.params) {
    pad(2);
    os << "Param " << p.name;
    endLine(p.loc);
    if (p.defaultValue)
      expr(*p.defaultValue, 3, "default = ");
  }
  for (const InputDeclAST &in : m.inputs) {
    pad(2);
    os << "Input " << in.name << ": ";
    type(in.type);
    endLine(in.loc);
  }
  for (const StmtAST &s : m.body) {
    pad(2);
    if (s.kind == StmtAST::Output)
      os << "Output" << (s.name.empty() ? "" : " ") << s.name;
    else
      os << (s.isConstant ? "Constant " : "Binding ") << s.name;
    endLine(s.loc);
    expr(*s.value, 3);
  }
}

void Dumper::train(const TrainAST &t) {
  pad(1);
  os << "Train " << t.modelName;
  endLine(t.loc);
  for (const InputDeclAST &target : t.targets) {
    pad(2);
    os << "Target " << target.name << ": ";
    type(target.type);
    endLine(target.loc);
  }
  for (const OptionAST &o : t.options)
    expr(*o.value, 2, "Option " + o.name + " = ", o.isDefault);
}

void Dumper::module(const ModuleAST &m) {
  os << "Module";
  if (m.file)
    os << " \"" << *m.file << "\"";
  os << "\n";
  for (const auto &model : m.models)
    this->model(*model);
  for (const auto &t : m.trains)
    train(*t);
}

void nnc::dumpAST(const ModuleAST &module, llvm::raw_ostream &os) {
  Dumper(os).module(module);
}

void nnc::dumpExpr(const ExprAST &expr, llvm::raw_ostream &os,
                   unsigned indent) {
  Dumper(os).expr(expr, indent);
}
