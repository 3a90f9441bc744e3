/*===- lib/ModelRT/CudaGraphs.c - Streams, pools and CUDA graphs -*- C -*-===*
 *
 * How a CUDA instance runs an entry's host code. Each instance owns one
 * stream, on which every kernel and every temporary of its
 * calls is ordered (nnc-gpu-async), and one memory pool that keeps the
 * temporaries' memory between calls (its release threshold is unlimited),
 * so a call after the first allocates nothing from the driver.
 *
 * An entry marked NNC_ENTRY_GRAPH_SAFE launches the same kernels on the
 * same addresses for every call with the same argument words (the memref
 * descriptors: addresses and shapes). The first call runs the host code on
 * the stream; a second call with the same words is captured into a CUDA
 * graph (temporaries become graph allocations) and the graph is launched;
 * later such calls only launch the graph, without running the host code.
 * Up to NNC_MAX_GRAPHS graphs per instance are kept (for several entries or
 * batch sizes), the oldest replaced first. Values that change between calls
 * (learning rate, step, seed, hyperparameters) live in the scalar block,
 * which the kernels read (nnc-gpu-sink-scalars), so a replay sees them.
 *
 * A capture that fails (a driver that refuses something in it) is dropped
 * without side effects, since nothing runs while capturing: the call runs
 * eagerly and the instance stops capturing. NNC_CUDA_GRAPHS=0 turns graphs
 * off.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "CudaDriver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NNC_MAX_GRAPHS 8

/* A call's argument words: which entry, and its memref descriptors. */
typedef struct {
  const nnc_entry_desc_t *entry;
  size_t words;
  uint64_t *data;
} CallKey;

typedef struct {
  CallKey key;
  CUgraph graph;
  CUgraphExec exec;
} Graph;

struct NncCudaInstance {
  NncCudaExec exec;
  Graph graphs[NNC_MAX_GRAPHS];
  int numGraphs, nextVictim;
  CallKey last; /* the previous graph-safe call, captured when repeated */
  int noGraphs; /* NNC_CUDA_GRAPHS=0, or a capture failed */
};

static void freeKey(CallKey *k) {
  free(k->data);
  memset(k, 0, sizeof *k);
}

static int sameKey(const CallKey *k, const nnc_model_t *m,
                   const nnc_entry_desc_t *e) {
  return k->entry == e && k->words == m->argWords &&
         memcmp(k->data, m->words, m->argWords * sizeof(uint64_t)) == 0;
}

/* Copies the current call's words into `k`; 0 when out of memory. */
static int setKey(CallKey *k, const nnc_model_t *m, const nnc_entry_desc_t *e) {
  uint64_t *data = malloc(m->argWords * sizeof(uint64_t) + 1);
  if (!data)
    return 0;
  memcpy(data, m->words, m->argWords * sizeof(uint64_t));
  freeKey(k);
  k->entry = e;
  k->words = m->argWords;
  k->data = data;
  return 1;
}

static void destroyGraph(Graph *g) {
  if (g->exec)
    nncCu.graphExecDestroy(g->exec);
  if (g->graph)
    nncCu.graphDestroy(g->graph);
  freeKey(&g->key);
  g->exec = NULL;
  g->graph = NULL;
}

nnc_status_t nncCudaInstanceInit(nnc_model_t *m, const char *fn) {
  if (m->cuda)
    return NULL;
  struct NncCudaInstance *in = calloc(1, sizeof *in);
  if (!in)
    return nncMakeStatus(NNC_STATUS_RESOURCE_EXHAUSTED,
                         "%s: out of memory (CUDA instance state)", fn);
  /* A blocking stream: its work is ordered after the shim's cuMemcpy and
   * cuMemsetD32 calls on the legacy default stream (an upload from pageable
   * memory may return before its DMA ends), and theirs after it. Nothing
   * uses the legacy stream while the stream is being captured. */
  CUresult r = nncCu.streamCreate(&in->exec.stream, 0 /* CU_STREAM_DEFAULT */);
  if (r) {
    free(in);
    return nncCudaStatus(fn, "cuStreamCreate", r);
  }
  NncCuMemPoolProps props;
  memset(&props, 0, sizeof props);
  props.allocType = 1;    /* pinned device memory */
  props.locationType = 1; /* on the device */
  props.locationId = nncCudaDevice();
  r = nncCu.memPoolCreate(&in->exec.pool, &props);
  uint64_t keepAll = UINT64_MAX;
  if (!r)
    r = nncCu.memPoolSetAttribute(in->exec.pool, 4 /* RELEASE_THRESHOLD */,
                                  &keepAll);
  if (r) {
    if (in->exec.pool)
      nncCu.memPoolDestroy(in->exec.pool);
    nncCu.streamDestroy(in->exec.stream);
    free(in);
    return nncCudaStatus(fn, "cuMemPoolCreate (temporaries)", r);
  }
  const char *env = getenv("NNC_CUDA_GRAPHS");
  in->noGraphs = env && strcmp(env, "0") == 0;
  m->cuda = in;
  return NULL;
}

void nncCudaInstanceDestroy(nnc_model_t *m) {
  struct NncCudaInstance *in = m->cuda;
  if (!in)
    return;
  nncCu.streamSynchronize(in->exec.stream);
  for (int i = 0; i < in->numGraphs; ++i)
    destroyGraph(&in->graphs[i]);
  freeKey(&in->last);
  nncCu.memPoolDestroy(in->exec.pool);
  nncCu.streamDestroy(in->exec.stream);
  free(in);
  m->cuda = NULL;
}

/* Runs the host code of `e` on the instance's stream (it waits at its end). */
static nnc_status_t runHostCode(nnc_model_t *m, const nnc_entry_desc_t *e,
                                const char *fn) {
  nncCudaSetExec(&m->cuda->exec);
  e->fn(m->args);
  nncCudaSetExec(NULL);
  return nncCudaTakeError(fn);
}

static nnc_status_t launch(struct NncCudaInstance *in, const Graph *g,
                           const char *fn) {
  CUresult r = nncCu.graphLaunch(g->exec, in->exec.stream);
  if (r)
    return nncCudaStatus(fn, "cuGraphLaunch", r);
  r = nncCu.streamSynchronize(in->exec.stream);
  return r ? nncCudaStatus(fn, "kernel execution (cuStreamSynchronize)", r)
           : NULL;
}

/* Captures the current call into a free (or the oldest) slot; NULL when the
 * driver refused the capture (nothing ran: the caller runs it eagerly). */
static Graph *capture(nnc_model_t *m, const nnc_entry_desc_t *e) {
  struct NncCudaInstance *in = m->cuda;
  CUgraph graph = NULL;
  CUgraphExec exec = NULL;
  if (nncCu.streamBeginCapture(in->exec.stream, 1 /* THREAD_LOCAL */))
    return NULL;
  in->exec.capturing = 1;
  nncCudaSetExec(&in->exec);
  e->fn(m->args);
  nncCudaSetExec(NULL);
  in->exec.capturing = 0;
  CUresult r = nncCu.streamEndCapture(in->exec.stream, &graph);
  nnc_status_t s = nncCudaTakeError("capture");
  int ok = !r && !s && graph &&
           !nncCu.graphInstantiate(&exec, graph, 1 /* AUTO_FREE_ON_LAUNCH */);
  nnc_status_free(s);
  Graph *slot = NULL;
  if (ok) {
    if (in->numGraphs < NNC_MAX_GRAPHS) {
      slot = &in->graphs[in->numGraphs++];
    } else {
      slot = &in->graphs[in->nextVictim];
      in->nextVictim = (in->nextVictim + 1) % NNC_MAX_GRAPHS;
      destroyGraph(slot);
    }
    ok = setKey(&slot->key, m, e);
  }
  if (!ok) {
    if (exec)
      nncCu.graphExecDestroy(exec);
    if (graph)
      nncCu.graphDestroy(graph);
    if (slot)
      memset(slot, 0, sizeof *slot); /* an empty slot is never matched */
    return NULL;
  }
  slot->graph = graph;
  slot->exec = exec;
  return slot;
}

nnc_status_t nncCudaRun(nnc_model_t *m, const nnc_entry_desc_t *e,
                        const char *fn) {
  struct NncCudaInstance *in = m->cuda;
  if (in->noGraphs || !(e->flags & NNC_ENTRY_GRAPH_SAFE))
    return runHostCode(m, e, fn);
  for (int i = 0; i < in->numGraphs; ++i)
    if (sameKey(&in->graphs[i].key, m, e))
      return launch(in, &in->graphs[i], fn);
  if (sameKey(&in->last, m, e)) {
    Graph *g = capture(m, e);
    if (g)
      return launch(in, g, fn);
    in->noGraphs = 1; /* this driver will not capture: stay eager */
    return runHostCode(m, e, fn);
  }
  setKey(&in->last, m, e); /* out of memory: no capture, still correct */
  return runHostCode(m, e, fn);
}
