//===- SequenceOpsTest.cpp - placeholder ---===//
#include "KernelHarness.h"
