//===- HostAllocTests.cpp - the kernels' block cache (HostAlloc.c) --------===//
//
// Links HostAlloc.o from the shim archive directly (only it: nothing here
// references the rest of the shim) and checks the cache's policy: a freed
// block is handed out again for the same size or up to a third less, not
// for a much smaller request, only while an instance is alive, and the
// cache is emptied when the last instance goes. Inside an allocation
// scope a failed request longjmps to the scope, which frees the blocks
// still live in it. Of equal fits, the most recently freed block comes
// first. The workspace counter sees the bytes requested.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <csetjmp>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" {
#include "Internal.h"
void *nnc_host_alloc(size_t bytes);
void *nnc_host_aligned_alloc(size_t alignment, size_t bytes);
void nnc_host_free(void *ptr);
void nncHostInstanceCreated(void);
void nncHostInstanceDestroyed(void);
size_t nncHostCachedBytes(void);
}

namespace {

TEST(HostAlloc, ReusesFreedBlocksWhileAnInstanceLives) {
  nncHostInstanceCreated();
  auto *p = static_cast<unsigned char *>(nnc_host_alloc(1 << 20));
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xab, 1 << 20); // the whole payload is writable
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  nnc_host_free(p);
  EXPECT_EQ(nncHostCachedBytes(), size_t(1) << 20);
  // Same size: the same block.
  void *q = nnc_host_alloc(1 << 20);
  EXPECT_EQ(q, p);
  EXPECT_EQ(nncHostCachedBytes(), 0u);
  nnc_host_free(q);
  // A quarter smaller still fits; half the size does not take it.
  void *r = nnc_host_alloc((1 << 20) - (1 << 18));
  EXPECT_EQ(r, p);
  nnc_host_free(r);
  EXPECT_EQ(nncHostCachedBytes(), size_t(1) << 20); // capacity kept
  void *small = nnc_host_alloc(1 << 19);
  EXPECT_NE(small, p);
  EXPECT_EQ(nncHostCachedBytes(), size_t(1) << 20);
  nnc_host_free(small);
  // Aligned requests up to 64 bytes are served from the same blocks.
  void *aligned = nnc_host_aligned_alloc(64, 1 << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % 64, 0u);
  nnc_host_free(aligned);
  // Blocks under 16 KiB go back to malloc: they would only take slots.
  size_t cached = nncHostCachedBytes();
  nnc_host_free(nnc_host_alloc(1000));
  EXPECT_EQ(nncHostCachedBytes(), cached);
  // Larger alignments bypass the cache.
  void *page = nnc_host_aligned_alloc(4096, 100);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(page) % 4096, 0u);
  std::memset(page, 1, 100);
  size_t before = nncHostCachedBytes();
  nnc_host_free(page);
  EXPECT_EQ(nncHostCachedBytes(), before);
  nncHostInstanceDestroyed();
  EXPECT_EQ(nncHostCachedBytes(), 0u);
  // Without a live instance nothing is kept.
  nnc_host_free(nnc_host_alloc(4096));
  EXPECT_EQ(nncHostCachedBytes(), 0u);
  nnc_host_free(nullptr);
}

// Among blocks of the size asked for, the most recently freed comes first
// (it is the likeliest to be in cache: kernels free each temporary right
// after its last use), in the shared cache and in a scope's spares alike.
TEST(HostAlloc, HandsOutTheMostRecentlyFreedBlockFirst) {
  nncHostInstanceCreated();
  const size_t size = 1 << 20;
  void *a = nnc_host_alloc(size), *b = nnc_host_alloc(size),
       *c = nnc_host_alloc(size);
  nnc_host_free(a);
  nnc_host_free(c);
  nnc_host_free(b);
  void *first = nnc_host_alloc(size), *second = nnc_host_alloc(size),
       *third = nnc_host_alloc(size);
  EXPECT_EQ(first, b);
  EXPECT_EQ(second, c);
  EXPECT_EQ(third, a);
  // A smaller fitting block still wins over a more recent larger one.
  void *larger = nnc_host_alloc(size + size / 8);
  nnc_host_free(first);
  nnc_host_free(larger);
  EXPECT_EQ(nnc_host_alloc(size), first);
  nnc_host_free(second);
  nnc_host_free(third);

  static NncAllocScope scope;
  scope = NncAllocScope();
  scope.ownsSpares = 1;
  ASSERT_TRUE(nncAllocScopeEnter(&scope));
  const size_t other = 3 * size / 2; // fresh blocks: none cached fits
  void *x = nnc_host_alloc(other), *y = nnc_host_alloc(other),
       *z = nnc_host_alloc(other);
  nnc_host_free(y);
  nnc_host_free(x);
  nnc_host_free(z);
  EXPECT_EQ(scope.spareCount, 3);
  EXPECT_EQ(nnc_host_alloc(other), z);
  EXPECT_EQ(nnc_host_alloc(other), x);
  EXPECT_EQ(nnc_host_alloc(other), y);
  nncAllocScopeFreeLive(&scope); // x, y, z become spares again
  nncAllocScopeDropSpares(&scope);
  EXPECT_EQ(scope.spareCount, 0);
  nncAllocScopeLeave(&scope);
  nnc_host_free(first);
  nncHostInstanceDestroyed();
  EXPECT_EQ(nncHostCachedBytes(), 0u);
}

TEST(HostAlloc, AFailedRequestLeavesItsScopeAndFreesItsBlocks) {
  // Static: the scope and what the test records must be intact after the
  // longjmp (automatic variables changed after setjmp are indeterminate).
  static NncAllocScope scope;
  static void *held;
  static int returned;
  const size_t huge = SIZE_MAX / 2;
  ASSERT_TRUE(nncAllocScopeEnter(&scope));
  if (setjmp(scope.onFailure) == 0) {
    held = nnc_host_alloc(1 << 20);
    void *freed = nnc_host_aligned_alloc(4096, 100); // out of the list again
    nnc_host_free(freed);
    nnc_host_alloc(huge);
    returned = 1;
  }
  EXPECT_EQ(returned, 0);
  EXPECT_EQ(scope.failedBytes, huge);
  EXPECT_EQ(scope.live, held); // the only block still live
  nncAllocScopeLeave(&scope);
  EXPECT_EQ(scope.live, nullptr);
  // Outside a scope a failed request returns NULL.
  EXPECT_EQ(nnc_host_alloc(huge), nullptr);
  EXPECT_EQ(nnc_host_aligned_alloc(64, huge), nullptr);
}

// The workspace counter (NNC_REPORT_WORKSPACE) counts the bytes asked for,
// not the capacity of a reused cached block, and forgets what is freed,
// including what a scope frees when it is left.
TEST(HostAlloc, WorkspaceCountsTheRequestedBytesLive) {
  nncHostInstanceCreated();
  size_t base = nncHostWorkspaceBegin();
  void *a = nnc_host_alloc(1 << 20);
  void *b = nnc_host_aligned_alloc(4096, 100);
  nnc_host_free(a);
  void *c = nnc_host_alloc((1 << 20) - (1 << 18)); // a's cached block
  EXPECT_EQ(c, a);
  nnc_host_free(b);
  nnc_host_free(c);
  EXPECT_EQ(nncHostWorkspaceEnd(-1, base), size_t(1 << 20) + 100);
  static NncAllocScope scope;
  ASSERT_TRUE(nncAllocScopeEnter(&scope));
  nnc_host_alloc(1000); // left behind: the scope frees it
  nncAllocScopeLeave(&scope);
  EXPECT_EQ(nncHostWorkspaceBegin(), base);
  EXPECT_EQ(nncHostWorkspaceEnd(-1, base), 0u);
  nncHostInstanceDestroyed();
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
// The sanitizer build: a block in the cache is poisoned (a kernel reading a
// freed temporary is reported), and so is the slack of a reused block past
// the requested size (a kernel reading past its temporary is reported).
TEST(HostAlloc, CachedBlocksArePoisonedUnderAddressSanitizer) {
  // 64 KiB: blocks under NNC_HOST_CACHE_MIN_BYTES are not cached.
  const size_t size = 1 << 16, smaller = size - 96;
  nncHostInstanceCreated();
  auto *p = static_cast<unsigned char *>(nnc_host_alloc(size));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(__asan_region_is_poisoned(p, size), nullptr);
  nnc_host_free(p);
  EXPECT_NE(__asan_address_is_poisoned(p), 0);
  EXPECT_NE(__asan_address_is_poisoned(p + size - 1), 0);
  auto *q = static_cast<unsigned char *>(nnc_host_alloc(smaller));
  ASSERT_EQ(q, p); // the cached block, 96 bytes larger than asked
  EXPECT_EQ(__asan_region_is_poisoned(q, smaller), nullptr);
  EXPECT_NE(__asan_address_is_poisoned(q + smaller), 0);
  EXPECT_NE(__asan_address_is_poisoned(q + size - 1), 0);
  nnc_host_free(q);
  nncHostInstanceDestroyed();
  EXPECT_EQ(nncHostCachedBytes(), 0u);
}
#endif
#endif

} // namespace
