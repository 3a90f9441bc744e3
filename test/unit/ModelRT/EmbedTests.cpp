//===- test/unit/ModelRT/EmbedTests.cpp - the embedding example -----------===//
//
// Runs examples/embed (nnc-embed-example) against the Dense fixture model.so
// with a checkpoint of known weights, and checks the printed tensors, the
// argmax class and the scores of every row against a reference computed
// here, plus its error handling for a bad input and a bad model path.
//
//===----------------------------------------------------------------------===//
#include "ModelRTTestUtil.h"

#include <cstdio>
#include <sstream>
#include <sys/wait.h>

using namespace nnc::test;

namespace {

/// Runs `cmd`, returns stdout+stderr and sets `exitCode`.
std::string run(const std::string &cmd, int &exitCode) {
  FILE *p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  if (!p) {
    exitCode = -1;
    return out;
  }
  char buf[512];
  while (fgets(buf, sizeof(buf), p))
    out += buf;
  int status = pclose(p);
  exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(ModelRTEmbed, PredictsClassesAndScores) {
  const ModelApi &api = loadModel(denseFixture());
  Instance inst(api, 1);
  const float w[6] = {1, 0, 0, 0, 1, 0}, b[2] = {0, 0.5f};
  ASSERT_NNC_OK(api, api.nnc_model_write_tensor(inst.model, NNC_KIND_PARAM, 0,
                                                w, sizeof(w)));
  ASSERT_NNC_OK(api, api.nnc_model_write_tensor(inst.model, NNC_KIND_PARAM, 1,
                                                b, sizeof(b)));
  std::string ckpt = tempPath("embed.safetensors");
  std::string input = tempPath("embed-input.txt");
  ASSERT_NNC_OK(api, api.nnc_model_save(inst.model, ckpt.c_str()));
  // Rows: scores are (x0, x1 + 0.5).
  writeBytes(input, "3 1 9\n0.25 0.5\n7\n-1 -2 0\n");
  int code = 0;
  std::string out = run(std::string(NNC_EMBED_EXAMPLE) + " " + denseFixture() +
                            " " + input + " --checkpoint " + ckpt,
                        code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("model Dense"), std::string::npos) << out;
  EXPECT_NE(out.find("input x: f32[N, 3]"), std::string::npos) << out;
  EXPECT_NE(out.find("output out: f32[N, 2]"), std::string::npos) << out;
  EXPECT_NE(out.find("row 0: class 0 scores 3 1.5"), std::string::npos) << out;
  EXPECT_NE(out.find("row 1: class 1 scores 0.25 1"), std::string::npos) << out;
  EXPECT_NE(out.find("row 2: class 0 scores -1 -1.5"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("row 3"), std::string::npos) << out;

  // The same through stdin.
  out = run("echo '0 4 0' | " + std::string(NNC_EMBED_EXAMPLE) + " " +
                denseFixture() + " - --checkpoint " + ckpt,
            code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("row 0: class 1 scores 0 4.5"), std::string::npos) << out;

  // A row cut short, a word, a missing model.
  writeBytes(input, "1 2 3 4\n");
  out = run(std::string(NNC_EMBED_EXAMPLE) + " " + denseFixture() + " " + input,
            code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("read 4 numbers, expected a positive multiple of 3"),
            std::string::npos)
      << out;
  writeBytes(input, "1 2 three\n");
  out = run(std::string(NNC_EMBED_EXAMPLE) + " " + denseFixture() + " " + input,
            code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("not a number"), std::string::npos) << out;
  out = run(std::string(NNC_EMBED_EXAMPLE) + " /nonexistent/model.so " + input,
            code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("cannot load"), std::string::npos) << out;
  std::remove(ckpt.c_str());
  std::remove(input.c_str());
}

} // namespace
