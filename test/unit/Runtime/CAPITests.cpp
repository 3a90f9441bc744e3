//===- CAPITests.cpp - The runtime's C API --------------------------------===//
//
// Data sets, splits, scaling, batch iteration, schedules and early stopping
// through include/nnc-c/runtime.h, including status codes and messages for
// NULL arguments, small buffers and malformed files.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "nnc-c/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace nnc::rt::test;

/// Expects failure with `code` and a message containing `fragment`.
static void expectStatus(nnc_status_t st, nnc_status_code_t code,
                         const std::string &fragment) {
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(nnc_status_code(st), code) << nnc_status_message(st);
  EXPECT_NE(std::string(nnc_status_message(st)).find(fragment),
            std::string::npos)
      << nnc_status_message(st);
  nnc_status_free(st);
}

TEST(CAPI, SpiralSplitScaleAndBatches) {
  nnc_rt_dataset_t *ds = nullptr;
  ASSERT_EQ(nnc_rt_dataset_spiral(3, 50, 1.0, 4, &ds), nullptr);
  EXPECT_EQ(nnc_rt_dataset_size(ds), 150);
  EXPECT_EQ(nnc_rt_dataset_num_classes(ds), 3);
  int64_t dims[4];
  int32_t rank = 0;
  ASSERT_EQ(nnc_rt_dataset_feature_shape(ds, dims, 4, &rank), nullptr);
  EXPECT_EQ(rank, 1);
  EXPECT_EQ(dims[0], 2);

  nnc_rt_dataset_t *train = nullptr, *val = nullptr;
  ASSERT_EQ(nnc_rt_dataset_split(ds, 0.2, 1, &train, &val), nullptr);
  EXPECT_EQ(nnc_rt_dataset_size(train), 120);
  EXPECT_EQ(nnc_rt_dataset_size(val), 30);
  ASSERT_EQ(nnc_rt_dataset_scale(train, NNC_RT_SCALE_MINMAX, &val, 1), nullptr);

  nnc_rt_batch_options_t opts;
  nnc_rt_batch_options_init(&opts);
  opts.batch_size = 32;
  opts.seed = 3;
  nnc_rt_batcher_t *b = nullptr;
  ASSERT_EQ(nnc_rt_batcher_create(train, &opts, &b), nullptr);
  EXPECT_EQ(nnc_rt_batcher_num_batches(b), 4);
  std::vector<float> x(32 * 2);
  std::vector<int32_t> y(32);
  int64_t rows = 0, total = 0;
  std::vector<int64_t> sizes;
  while (true) {
    ASSERT_EQ(nnc_rt_batcher_next(b, 32, x.data(), y.data(), nullptr, &rows),
              nullptr);
    if (rows == 0)
      break;
    sizes.push_back(rows);
    for (int64_t i = 0; i < rows * 2; ++i) {
      EXPECT_GE(x[i], 0.0f);
      EXPECT_LE(x[i], 1.0f) << "min-max scaled train features";
    }
    for (int64_t i = 0; i < rows; ++i)
      EXPECT_LT(y[i], 3);
    total += rows;
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{32, 32, 32, 24}));
  EXPECT_EQ(total, 120);

  // A too-small buffer fails without consuming the batch.
  ASSERT_EQ(nnc_rt_batcher_begin_epoch(b, 1, 0), nullptr);
  expectStatus(nnc_rt_batcher_next(b, 8, x.data(), y.data(), nullptr, &rows),
               NNC_STATUS_OUT_OF_RANGE,
               "the batch has 32 rows but capacity_rows is 8");
  ASSERT_EQ(nnc_rt_batcher_next(b, 32, x.data(), y.data(), nullptr, &rows),
            nullptr);
  EXPECT_EQ(rows, 32);
  expectStatus(nnc_rt_batcher_next(b, 32, x.data(), nullptr, nullptr, &rows),
               NNC_STATUS_INVALID_ARGUMENT, "'labels' is NULL");

  nnc_rt_batcher_destroy(b);
  nnc_rt_dataset_destroy(val);
  nnc_rt_dataset_destroy(train);
  nnc_rt_dataset_destroy(ds);
}

TEST(CAPI, ErrorsAreStatusesNotCrashes) {
  nnc_rt_dataset_t *ds = nullptr;
  expectStatus(nnc_rt_dataset_logic(nullptr, &ds), NNC_STATUS_INVALID_ARGUMENT,
               "argument 'op' is NULL");
  expectStatus(nnc_rt_dataset_logic("xor", nullptr),
               NNC_STATUS_INVALID_ARGUMENT, "out_dataset");
  expectStatus(nnc_rt_dataset_load_csv("/nonexistent/x.csv", nullptr, &ds),
               NNC_STATUS_NOT_FOUND, "/nonexistent/x.csv: cannot open");
  EXPECT_EQ(ds, nullptr);
  TempDir dir;
  writeBytes(dir.file("r.csv"), "1,2,0\n1,0\n");
  nnc_rt_csv_options_t csv;
  nnc_rt_csv_options_init(&csv);
  expectStatus(nnc_rt_dataset_load_csv(dir.file("r.csv").c_str(), &csv, &ds),
               NNC_STATUS_DATA_LOSS, "r.csv:2: expected 3 fields, got 2");
  csv.header = 7;
  expectStatus(nnc_rt_dataset_load_csv(dir.file("r.csv").c_str(), &csv, &ds),
               NNC_STATUS_INVALID_ARGUMENT, "header must be 0, 1 or 2");
  expectStatus(nnc_rt_dataset_load_idx(dir.path().c_str(), 1, &ds),
               NNC_STATUS_NOT_FOUND, "t10k-images-idx3-ubyte");
  expectStatus(nnc_rt_dataset_load_npy("/nonexistent/a.npy", "b.npy", &ds),
               NNC_STATUS_NOT_FOUND, "a.npy");
  EXPECT_EQ(nnc_rt_dataset_size(nullptr), 0);
  nnc_rt_dataset_destroy(nullptr);
  nnc_status_free(nullptr);
  EXPECT_EQ(nnc_status_code(nullptr), NNC_STATUS_OK);
  EXPECT_STREQ(nnc_status_message(nullptr), "");
  int64_t correct = -1;
  float out[] = {0.2f, 0.9f};
  int32_t labels[] = {1, 1};
  ASSERT_EQ(nnc_rt_count_correct(out, 2, 1, labels, 1, &correct), nullptr);
  EXPECT_EQ(correct, 1);
  expectStatus(nnc_rt_count_correct(out, 2, 0, labels, 0, &correct),
               NNC_STATUS_INVALID_ARGUMENT, "k >= 1");
}

TEST(CAPI, RegressionBatches) {
  TempDir dir;
  writeBytes(dir.file("x.txt"), "1 2\n3 4\n5 6\n");
  writeBytes(dir.file("y.txt"), "10\n20\n30\n");
  nnc_rt_dataset_t *ds = nullptr;
  ASSERT_EQ(nnc_rt_dataset_load_csv_regression(dir.file("x.txt").c_str(),
                                               dir.file("y.txt").c_str(),
                                               nullptr, &ds),
            nullptr);
  EXPECT_EQ(nnc_rt_dataset_target_dim(ds), 1);
  nnc_rt_batch_options_t opts{3, 0, 0, 0};
  nnc_rt_batcher_t *b = nullptr;
  ASSERT_EQ(nnc_rt_batcher_create(ds, &opts, &b), nullptr);
  float x[6], t[3];
  int64_t rows = 0;
  ASSERT_EQ(nnc_rt_batcher_next(b, 3, x, nullptr, t, &rows), nullptr);
  EXPECT_EQ(rows, 3);
  EXPECT_EQ(t[2], 30.0f);
  EXPECT_EQ(x[5], 6.0f);
  nnc_rt_batcher_destroy(b);
  nnc_rt_dataset_destroy(ds);
}

TEST(CAPI, SchedulesAndEarlyStopping) {
  nnc_rt_schedule_config_t cfg;
  nnc_rt_schedule_config_init(&cfg, NNC_RT_SCHEDULE_EXPONENTIAL, 0.5);
  cfg.rate = 0.5;
  nnc_rt_schedule_t *s = nullptr;
  ASSERT_EQ(nnc_rt_schedule_create(&cfg, &s), nullptr);
  EXPECT_DOUBLE_EQ(nnc_rt_schedule_lr(s), 0.5);
  ASSERT_EQ(nnc_rt_schedule_end_epoch(s, 0), nullptr);
  ASSERT_EQ(nnc_rt_schedule_end_epoch(s, 0), nullptr);
  EXPECT_DOUBLE_EQ(nnc_rt_schedule_lr(s), 0.125);
  size_t len = 0;
  expectStatus(nnc_rt_schedule_save_state(s, nullptr, 0, &len),
               NNC_STATUS_OUT_OF_RANGE, "need a buffer of");
  std::string buf(len + 1, '\0');
  ASSERT_EQ(nnc_rt_schedule_save_state(s, buf.data(), buf.size(), &len),
            nullptr);
  nnc_rt_schedule_t *r = nullptr;
  ASSERT_EQ(nnc_rt_schedule_create(&cfg, &r), nullptr);
  ASSERT_EQ(nnc_rt_schedule_load_state(r, buf.c_str()), nullptr);
  ASSERT_EQ(nnc_rt_schedule_end_epoch(r, 0), nullptr);
  EXPECT_DOUBLE_EQ(nnc_rt_schedule_lr(r), 0.0625);
  expectStatus(nnc_rt_schedule_load_state(r, "{"), NNC_STATUS_DATA_LOSS,
               "not a JSON object");
  cfg.kind = 99;
  nnc_rt_schedule_t *bad = nullptr;
  expectStatus(nnc_rt_schedule_create(&cfg, &bad), NNC_STATUS_INVALID_ARGUMENT,
               "unknown kind 99");
  nnc_rt_schedule_destroy(s);
  nnc_rt_schedule_destroy(r);

  nnc_rt_early_stop_t *es = nullptr;
  ASSERT_EQ(nnc_rt_early_stop_create(1, 0.0, NNC_RT_MODE_MIN, &es), nullptr);
  int32_t stop = 0, improved = 0;
  ASSERT_EQ(nnc_rt_early_stop_update(es, 0, 1.0, &stop, &improved), nullptr);
  EXPECT_EQ(improved, 1);
  ASSERT_EQ(nnc_rt_early_stop_update(es, 1, 1.5, &stop, &improved), nullptr);
  EXPECT_EQ(stop, 1);
  EXPECT_EQ(nnc_rt_early_stop_best_epoch(es), 0);
  nnc_rt_early_stop_destroy(es);
  expectStatus(nnc_rt_early_stop_create(-1, 0, 0, &es),
               NNC_STATUS_INVALID_ARGUMENT, "patience >= 0");
}

TEST(CAPI, OneStatusTypeWithDeprecatedNames) {
  // The runtime returns nnc-c/status.h's nnc_status_t, with its codes.
  nnc_rt_dataset_t *ds = nullptr;
  nnc_status_t st = nnc_rt_dataset_load_csv("/nonexistent/x.csv", nullptr, &ds);
  ASSERT_NE(st, nullptr);
  EXPECT_STREQ(nnc_status_code_name(nnc_status_code(st)), "NOT_FOUND");
  // The former names still compile and mean the same.
  nnc_rt_status_t old = st;
  EXPECT_EQ(nnc_rt_status_code(old), NNC_RT_NOT_FOUND);
  EXPECT_EQ(NNC_RT_IO, NNC_STATUS_IO_ERROR);
  EXPECT_STREQ(nnc_rt_status_message(old), nnc_status_message(st));
  nnc_rt_status_free(old);
}
