//===- ParallelTests.cpp - nnc_rt_parallel_for and the instance's pool ----===//
//
// Through the Parallel fixture (a predict kernel that runs one parallel loop
// and reports which indices ran, on how many threads, in how many calls):
// every index of [0, count) runs exactly once for counts 0..100 and 1..4
// threads, workers take part, nested loops run inline, tasks may allocate,
// a failed allocation in a worker or on the calling thread makes the call
// RESOURCE_EXHAUSTED without leaking and leaves the instance usable, and two
// instances run loops in two threads at once. A task's freed temporaries
// stay with its thread while the pool lives. Also the thread-count options
// of nnc_model_create_with_options and NNC_NUM_THREADS, and (linking the
// shim directly) nnc_rt_parallel_for outside any kernel.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <dirent.h>
#include <malloc.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

extern "C" {
#include "Internal.h"
// The kernels' heap (HostAlloc.c; the nnc-host-alloc pass calls it).
void *nnc_host_alloc(size_t bytes);
void nnc_host_free(void *ptr);
}

using namespace nnc::test;

namespace {

// The fixture's layout (Fixtures/Parallel.c).
constexpr int kMaxCount = 128;
constexpr int kOutThreads = kMaxCount, kOutCalls = kMaxCount + 1,
              kOutCheck = kMaxCount + 2, kOutWidth = kMaxCount + 3;
enum Mode { Plain = 0, Nested = 1, Alloc = 2, WorkerOom = 3, CallerOom = 4 };

const ModelApi &parallelModel() { return loadModel(NNC_FIXTURE_PARALLEL); }

/// Sets (or, with nullopt, unsets) an environment variable for a scope.
class EnvVar {
public:
  EnvVar(const char *name, std::optional<std::string> value) : name(name) {
    if (const char *old = getenv(name))
      saved = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~EnvVar() {
    if (saved)
      setenv(name, saved->c_str(), 1);
    else
      unsetenv(name);
  }

private:
  const char *name;
  std::optional<std::string> saved;
};

/// An instance with `threads` threads (0: the default).
struct Pooled {
  const ModelApi &api;
  nnc_model_t *model = nullptr;
  Pooled(const ModelApi &api, int32_t threads) : api(api) {
    nnc_model_options_t options = {sizeof(options), threads};
    Status s =
        take(api, api.nnc_model_create_with_options(1, &options, &model));
    EXPECT_EQ(s.code, NNC_STATUS_OK) << s.message;
  }
  ~Pooled() { api.nnc_model_destroy(model); }
};

struct Result {
  Status status;
  std::vector<float> out;
};

/// One predict call: a loop of `count` iterations in `mode`, each busy for
/// `delayUs` microseconds.
Result runLoop(const ModelApi &api, nnc_model_t *m, int count, Mode mode,
               int delayUs = 0) {
  float x[4] = {float(count), float(mode), float(delayUs), 0};
  Result r{{NNC_STATUS_OK, ""}, std::vector<float>(kOutWidth, -1.0f)};
  nnc_const_buffer_t in = {x, sizeof(x)};
  nnc_buffer_t out = {r.out.data(), r.out.size() * sizeof(float)};
  r.status = take(api, api.nnc_model_predict(m, 1, &in, 1, &out, 1));
  return r;
}

/// Checks that indices 0..count-1 ran once each and no other did.
void expectCoveredOnce(const Result &r, int count) {
  ASSERT_EQ(r.status.code, NNC_STATUS_OK) << r.status.message;
  for (int i = 0; i < kMaxCount; ++i)
    ASSERT_EQ(r.out[i], i < count ? 1.0f : 0.0f)
        << "index " << i << " of a loop of " << count;
}

TEST(ModelRTParallel, EveryIndexRunsExactlyOnce) {
  const ModelApi &api = parallelModel();
  for (int threads = 1; threads <= 4; ++threads) {
    Pooled inst(api, threads);
    EXPECT_EQ(api.nnc_model_num_threads(inst.model), threads);
    for (int count = 0; count <= 100; ++count) {
      SCOPED_TRACE(testing::Message()
                   << threads << " threads, count " << count);
      Result r = runLoop(api, inst.model, count, Plain);
      expectCoveredOnce(r, count);
      EXPECT_LE(r.out[kOutThreads], float(threads));
      // One thread or one iteration: one inline call task(ctx, 0, count);
      // else one call per iteration.
      float calls = count == 0 ? 0 : threads == 1 || count == 1 ? 1 : count;
      EXPECT_EQ(r.out[kOutCalls], calls);
      EXPECT_EQ(r.out[kOutCheck], 1.0f);
    }
  }
}

TEST(ModelRTParallel, WorkersTakePart) {
  const ModelApi &api = parallelModel();
  Pooled inst(api, 4);
  // 64 iterations of 200 us: the caller cannot run them all before the
  // workers wake up.
  Result r = runLoop(api, inst.model, 64, Plain, 200);
  expectCoveredOnce(r, 64);
  EXPECT_GE(r.out[kOutThreads], 2.0f);
  EXPECT_LE(r.out[kOutThreads], 4.0f);
  // Back-to-back loops reuse the same workers.
  for (int i = 0; i < 200; ++i)
    expectCoveredOnce(runLoop(api, inst.model, 1 + i % 7, Plain), 1 + i % 7);
}

TEST(ModelRTParallel, NestedLoopsRunInline) {
  const ModelApi &api = parallelModel();
  Pooled inst(api, 3);
  for (int i = 0; i < 20; ++i) {
    Result r = runLoop(api, inst.model, 24, Nested, 50);
    expectCoveredOnce(r, 24);
    EXPECT_EQ(r.out[kOutCheck], 1.0f) << "a nested loop did not run inline";
  }
}

TEST(ModelRTParallel, TasksAllocate) {
  const ModelApi &api = parallelModel();
  Pooled inst(api, 3);
  for (int i = 0; i < 20; ++i) {
    Result r = runLoop(api, inst.model, 50, Alloc, 20);
    expectCoveredOnce(r, 50);
    EXPECT_EQ(r.out[kOutCheck], 1.0f) << "a kept temporary was lost";
  }
}

/// Bytes malloc has handed out and not taken back.
size_t heapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/// A loop whose failing iteration (on a worker or on the calling thread)
/// holds 1 MiB and asks for 2^62 bytes: RESOURCE_EXHAUSTED naming the size,
/// every time, with nothing leaked, and the instance keeps working.
void expectFailureRecovers(Mode mode) {
  const ModelApi &api = parallelModel();
  Pooled inst(api, 2);
  auto failOnce = [&] {
    Result r = runLoop(api, inst.model, 8, mode);
    EXPECT_EQ(r.status.code, NNC_STATUS_RESOURCE_EXHAUSTED);
    EXPECT_NE(r.status.message.find("nnc_model_predict: out of memory: kernel "
                                    "'predict' of model 'Parallel' could not "
                                    "allocate a temporary of "
                                    "4611686018427387904 bytes"),
              std::string::npos)
        << r.status.message;
  };
  failOnce();
  size_t before = heapInUse();
  for (int i = 0; i < 40; ++i)
    failOnce();
  // 40 leaked MiB would show; allow malloc's own bookkeeping.
  EXPECT_LT(heapInUse(), before + (size_t(8) << 20));
  expectCoveredOnce(runLoop(api, inst.model, 30, Plain, 10), 30);
}

TEST(ModelRTParallel, FailedAllocationInAWorker) {
  expectFailureRecovers(WorkerOom);
}

TEST(ModelRTParallel, FailedAllocationOnTheCallingThread) {
  expectFailureRecovers(CallerOom);
}

TEST(ModelRTParallel, TwoInstancesInTwoThreads) {
  const ModelApi &api = parallelModel();
  std::atomic<int> failures{0};
  auto body = [&](int threads, int seed) {
    Pooled inst(api, threads);
    for (int i = 0; i < 300; ++i) {
      int count = (seed * 31 + i * 17) % 101;
      Result r = runLoop(api, inst.model, count, Plain, i % 10 == 0 ? 20 : 0);
      bool ok = r.status.code == NNC_STATUS_OK;
      for (int k = 0; ok && k < kMaxCount; ++k)
        ok = r.out[k] == (k < count ? 1.0f : 0.0f);
      if (!ok)
        ++failures;
    }
  };
  std::thread a(body, 2, 1), b(body, 3, 2);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ModelRTParallel, AChildOfForkRunsLoopsInline) {
  // The workers do not survive fork(): in the child the instance runs its
  // loops on the calling thread instead of waiting for them.
  const ModelApi &api = parallelModel();
  Pooled inst(api, 3);
  expectCoveredOnce(runLoop(api, inst.model, 40, Plain, 10), 40);
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    Result r = runLoop(api, inst.model, 40, Plain, 10);
    bool ok = r.status.code == NNC_STATUS_OK && r.out[kOutThreads] == 1.0f;
    for (int i = 0; ok && i < kMaxCount; ++i)
      ok = r.out[i] == (i < 40 ? 1.0f : 0.0f);
    api.nnc_model_destroy(inst.model);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  expectCoveredOnce(runLoop(api, inst.model, 40, Plain, 10), 40);
}

/// The threads of this process (/proc/self/task).
size_t processThreads() {
  size_t n = 0;
  if (DIR *d = opendir("/proc/self/task")) {
    while (dirent *e = readdir(d))
      n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

TEST(ModelRTParallel, WorkersStartAtTheFirstLoopAndEndWithTheInstance) {
  // 200 instances of 64 threads start no thread (they would be 12,600).
  const ModelApi &api = parallelModel();
  size_t before = processThreads();
  ASSERT_GT(before, 0u);
  std::vector<std::unique_ptr<Pooled>> all;
  for (int i = 0; i < 200; ++i)
    all.push_back(std::make_unique<Pooled>(api, 64));
  for (auto &p : all)
    ASSERT_NE(p->model, nullptr);
  EXPECT_EQ(processThreads(), before);
  // A loop of more than one iteration starts the 63 workers of its
  // instance; destroy joins them.
  expectCoveredOnce(runLoop(api, all[0]->model, 2, Plain), 2);
  EXPECT_EQ(processThreads(), before + 63);
  all.clear();
  EXPECT_EQ(processThreads(), before);
}

TEST(ModelRTThreads, OptionsAreValidated) {
  const ModelApi &api = parallelModel();
  EnvVar env("NNC_NUM_THREADS", std::nullopt);
  nnc_model_t *m = nullptr;
  nnc_model_options_t bad = {sizeof(nnc_model_options_t) + 4, 2};
  Status s = take(api, api.nnc_model_create_with_options(1, &bad, &m));
  EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(s.message.find("nnc_model_create_with_options: "
                           "options->struct_size: expected 8"),
            std::string::npos)
      << s.message;
  EXPECT_EQ(m, nullptr);
  bad = {0, 0};
  EXPECT_EQ(take(api, api.nnc_model_create_with_options(1, &bad, &m)).code,
            NNC_STATUS_INVALID_ARGUMENT);
  for (int32_t threads : {-1, NNC_MAX_THREADS + 1, INT32_MIN}) {
    nnc_model_options_t o = {sizeof(o), threads};
    s = take(api, api.nnc_model_create_with_options(1, &o, &m));
    EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT) << threads;
    EXPECT_NE(s.message.find("options->num_threads: expected 0 (the default) "
                             "or a thread count in 1..1024, got " +
                             std::to_string(threads)),
              std::string::npos)
        << s.message;
    EXPECT_EQ(m, nullptr);
  }
  nnc_model_options_t most = {sizeof(most), NNC_MAX_THREADS};
  ASSERT_NNC_OK(api, api.nnc_model_create_with_options(1, &most, &m));
  EXPECT_EQ(api.nnc_model_num_threads(m), NNC_MAX_THREADS);
  api.nnc_model_destroy(m);
  EXPECT_EQ(api.nnc_model_num_threads(nullptr), 0);
  EXPECT_EQ(
      take(api, api.nnc_model_create_with_options(1, &most, nullptr)).code,
      NNC_STATUS_INVALID_ARGUMENT);
}

TEST(ModelRTThreads, DefaultIsTheAffinityMask) {
  const ModelApi &api = parallelModel();
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  int cpus = CPU_COUNT(&set);
  for (const char *value : {static_cast<const char *>(nullptr), ""}) {
    EnvVar env("NNC_NUM_THREADS",
               value ? std::optional<std::string>(value) : std::nullopt);
    Instance plain(api, 1);
    EXPECT_EQ(api.nnc_model_num_threads(plain.model), cpus);
    nnc_model_t *m = nullptr;
    ASSERT_NNC_OK(api, api.nnc_model_create_with_options(1, nullptr, &m));
    EXPECT_EQ(api.nnc_model_num_threads(m), cpus);
    api.nnc_model_destroy(m);
    nnc_model_options_t zero = {sizeof(zero), 0};
    ASSERT_NNC_OK(api, api.nnc_model_create_with_options(1, &zero, &m));
    EXPECT_EQ(api.nnc_model_num_threads(m), cpus);
    api.nnc_model_destroy(m);
  }
}

TEST(ModelRTThreads, EnvironmentVariable) {
  const ModelApi &api = parallelModel();
  {
    EnvVar env("NNC_NUM_THREADS", "3");
    Instance inst(api, 1);
    EXPECT_EQ(api.nnc_model_num_threads(inst.model), 3);
    expectCoveredOnce(runLoop(api, inst.model, 40, Plain, 20), 40);
    // An explicit count wins.
    Pooled two(api, 2);
    EXPECT_EQ(api.nnc_model_num_threads(two.model), 2);
  }
  for (const char *value :
       {"0", "-2", "abc", "4x", " 4", "1025", "+3", "99999999999999999999"}) {
    EnvVar env("NNC_NUM_THREADS", std::string(value));
    nnc_model_t *m = nullptr;
    Status s = take(api, api.nnc_model_create(1, &m));
    EXPECT_EQ(s.code, NNC_STATUS_INVALID_ARGUMENT) << value;
    EXPECT_EQ(s.message, std::string("nnc_model_create: NNC_NUM_THREADS: "
                                     "expected a thread count in 1..1024, "
                                     "got '") +
                             value + "'");
    EXPECT_EQ(m, nullptr);
    // Not consulted when the options give a count.
    Pooled two(api, 2);
    EXPECT_EQ(api.nnc_model_num_threads(two.model), 2);
  }
}

// Linked from the shim archive: outside any kernel (no allocation scope,
// hence no pool) a loop is one inline call; count <= 0 calls nothing.
TEST(ModelRTParallel, OutsideAKernelRunsInline) {
  struct Calls {
    int n = 0;
    int64_t begin = -1, end = -1;
  } calls;
  auto task = [](void *ctx, int64_t b, int64_t e) {
    auto *c = static_cast<Calls *>(ctx);
    ++c->n;
    c->begin = b;
    c->end = e;
  };
  nnc_rt_parallel_for(task, &calls, 0);
  nnc_rt_parallel_for(task, &calls, -5);
  EXPECT_EQ(calls.n, 0);
  nnc_rt_parallel_for(task, &calls, 9);
  EXPECT_EQ(calls.n, 1);
  EXPECT_EQ(calls.begin, 0);
  EXPECT_EQ(calls.end, 9);
}

// The same pool code driven directly: a scope with a pool of 3 threads.
TEST(ModelRTParallel, DirectPool) {
  static NncAllocScope scope; // static: intact across a longjmp
  scope.pool = nncPoolCreate(3);
  ASSERT_NE(scope.pool, nullptr);
  ASSERT_TRUE(nncAllocScopeEnter(&scope));
  static std::atomic<int> hits[100];
  for (int count = 0; count <= 100; ++count) {
    for (auto &h : hits)
      h = 0;
    nnc_rt_parallel_for(
        [](void *, int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i)
            ++hits[i];
        },
        nullptr, count);
    for (int i = 0; i < 100; ++i)
      ASSERT_EQ(hits[i].load(), i < count ? 1 : 0) << count;
  }
  nncAllocScopeLeave(&scope);
  nncPoolDestroy(scope.pool);
  scope.pool = nullptr;
}

// A task's freed temporaries stay with its thread (the task scope's spares,
// taken again without the shared lock) while the pool lives, and go to the
// shared cache when it is destroyed.
TEST(ModelRTParallel, TasksKeepTheirFreedBlocks) {
  nncHostInstanceCreated(); // the shared cache keeps blocks while one lives
  size_t cached = nncHostCachedBytes();
  static NncAllocScope scope;
  scope.pool = nncPoolCreate(2);
  ASSERT_NE(scope.pool, nullptr);
  ASSERT_TRUE(nncAllocScopeEnter(&scope));
  constexpr size_t kBlock = size_t(1) << 20;
  static std::atomic<int> ran[2];
  ran[0] = ran[1] = 0;
  for (int round = 0; round < 10; ++round)
    nnc_rt_parallel_for(
        [](void *, int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            auto *p = static_cast<char *>(nnc_host_alloc(kBlock));
            memset(p, 1, kBlock);
            nnc_host_free(p);
            ++ran[i % 2];
          }
        },
        nullptr, 16);
  EXPECT_EQ(ran[0] + ran[1], 160);
  // Kept by the threads that freed them, not in the shared cache.
  EXPECT_EQ(nncHostCachedBytes(), cached);
  nncAllocScopeLeave(&scope);
  nncPoolDestroy(scope.pool);
  scope.pool = nullptr;
  // One block per thread that ran a task (the caller always does; the
  // worker unless it never woke up in time).
  size_t after = nncHostCachedBytes();
  EXPECT_TRUE(after == cached + kBlock || after == cached + 2 * kBlock)
      << after - cached;
  nncHostInstanceDestroyed();
}

} // namespace
