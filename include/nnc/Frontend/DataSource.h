//===- nnc/Frontend/DataSource.h - Command-line data sources -*- C++ -*-===//
//
// A data source given outside a .nn file (`nnc train --data`, `--test`,
// `nnc eval --data`, `nnc data-source`) is read by the front end's own
// lexer, parser and checks, exactly as the `data =` option of a train
// section, and written as the JSON that the recipe carries and the runtime
// loads (loadDataSpec, docs/runtime.md).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_FRONTEND_DATASOURCE_H
#define NNC_FRONTEND_DATASOURCE_H

#include "nnc/Frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace nnc {

/// True when `text` is a data source in .nn syntax (`csv("f.csv")`,
/// `spiral`), as opposed to the runtime's other spellings: JSON (`{...}`)
/// or a path (a `.csv`/`.txt`/`.tsv` file or an IDX directory).
bool isDataSourceSyntax(llvm::StringRef text);

/// Parses and checks `text` as a data source (the arguments normalised:
/// positional to named, defaults filled, every value checked against the
/// data source's row in lib/Frontend/Builtins/Training.cpp) and returns it
/// as JSON (`{"kind":"csv","path":"f.csv","label":"last",...}`). Errors are
/// reported to `diags` at `option:1:col` with the text quoted; returns
/// nullopt then.
std::optional<std::string> dataSourceJson(llvm::StringRef option,
                                          llvm::StringRef text,
                                          DiagnosticEngine &diags);

} // namespace nnc

#endif // NNC_FRONTEND_DATASOURCE_H
