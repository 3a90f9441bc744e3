//===- Version.h - The version of nnc ---------------------------*- C++ -*-===//
//
// One place for the version `nnc --version` prints and the compiler cache
// keys its entries with.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_VERSION_H
#define NNC_VERSION_H

#ifndef NNC_VERSION_STRING
#define NNC_VERSION_STRING "0.1"
#endif

#endif // NNC_VERSION_H
