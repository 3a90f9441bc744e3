//===- LossOpsTest.cpp - placeholder ---===//
#include "KernelHarness.h"
