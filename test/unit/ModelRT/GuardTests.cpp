//===- GuardTests.cpp - the shim's guard-page mode (Guard.c) --------------===//
//
// Checks the placement promised by docs/guard-pages.md: a block of the END mode
// ends at an inaccessible page (exactly, when its size is a multiple of its
// alignment), a block of the START mode begins right after one, the kernel
// heap (nnc_host_alloc) follows the mode set at instance creation and
// bypasses its cache. Accesses one byte out of bounds must kill the process
// (death tests).
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" {
void *nnc_host_alloc(size_t bytes);
void nnc_host_free(void *ptr);
void nncHostInstanceCreated(void);
void nncHostInstanceDestroyed(void);
size_t nncHostCachedBytes(void);
void nncHostSetGuard(int mode);
void *nncGuardAlloc(int mode, size_t bytes, size_t alignment);
int nncGuardOwns(const void *payload);
void nncGuardFree(void *payload);
}

namespace {

constexpr int kEnd = 1, kStart = 2; // NNC_GUARD_END, NNC_GUARD_START

uintptr_t pageSize() { return static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)); }

TEST(Guard, EndBlocksEndAtTheGuardPage) {
  auto *p = static_cast<volatile char *>(nncGuardAlloc(kEnd, 192, 64));
  ASSERT_NE(p, nullptr);
  auto end = reinterpret_cast<uintptr_t>(p) + 192;
  EXPECT_EQ(end % pageSize(), 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  p[0] = 1;
  p[191] = 1;
  EXPECT_DEATH(p[192] = 1, "");
  EXPECT_TRUE(nncGuardOwns(const_cast<char *>(p)));
  nncGuardFree(const_cast<char *>(p));
  EXPECT_FALSE(nncGuardOwns(const_cast<char *>(p)));
}

TEST(Guard, EndBlocksKeepTheirAlignment) {
  // 12 bytes aligned to 64: the block starts 64 bytes before the page.
  auto *p = static_cast<volatile char *>(nncGuardAlloc(kEnd, 12, 64));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  EXPECT_EQ((reinterpret_cast<uintptr_t>(p) + 64) % pageSize(), 0u);
  EXPECT_DEATH(p[64] = 1, "");
  nncGuardFree(const_cast<char *>(p));
}

TEST(Guard, StartBlocksFollowTheGuardPage) {
  auto *p = static_cast<volatile char *>(nncGuardAlloc(kStart, 100, 64));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % pageSize(), 0u);
  p[0] = 1;
  p[99] = 1;
  EXPECT_DEATH(p[-1] = 1, "");
  nncGuardFree(const_cast<char *>(p));
}

TEST(Guard, KernelHeapFollowsTheModeAndSkipsTheCache) {
  nncHostInstanceCreated();
  nncHostSetGuard(kEnd);
  auto *p = static_cast<volatile char *>(nnc_host_alloc(32));
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(nncGuardOwns(const_cast<char *>(p)));
  EXPECT_EQ((reinterpret_cast<uintptr_t>(p) + 32) % pageSize(), 0u);
  EXPECT_DEATH(p[32] = 1, "");
  nnc_host_free(const_cast<char *>(p));
  EXPECT_EQ(nncHostCachedBytes(), 0u); // unmapped, not cached
  nncHostSetGuard(0);
  void *q = nnc_host_alloc(32);
  EXPECT_FALSE(nncGuardOwns(q));
  nnc_host_free(q);
  nncHostInstanceDestroyed();
}

} // namespace
