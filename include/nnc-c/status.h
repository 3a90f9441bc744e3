/*===- nnc-c/status.h - Status codes of the nnc C ABI -------------*- C -*-===*
 *
 * Every call of a compiled model that can fail returns an `nnc_status_t`: NULL
 * means success, anything else is an owned status object carrying a code and a
 * message that names the function, the argument, what was expected and what
 * was found. The caller inspects it with nnc_status_code/nnc_status_message
 * and releases it with nnc_status_free. Modelled on IREE's iree_status_t.
 *
 *===----------------------------------------------------------------------===*/
#ifndef NNC_C_STATUS_H
#define NNC_C_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a declaration as part of the exported C ABI of a model.so. */
#if defined(_WIN32)
#define NNC_API __declspec(dllexport)
#elif defined(__GNUC__)
#define NNC_API __attribute__((visibility("default")))
#else
#define NNC_API
#endif

/** What went wrong. Values are stable across ABI versions. */
typedef enum nnc_status_code_e {
  NNC_STATUS_OK = 0,
  /** A null pointer, a wrong size, a bad batch or an out-of-range value. */
  NNC_STATUS_INVALID_ARGUMENT = 1,
  /** An index beyond the number of tensors of its kind. */
  NNC_STATUS_OUT_OF_RANGE = 2,
  /** A tensor name that the model does not have. */
  NNC_STATUS_NOT_FOUND = 3,
  /** The model lacks the entry point (e.g. train_step without a train
   *  section). */
  NNC_STATUS_UNIMPLEMENTED = 4,
  /** Memory could not be allocated. */
  NNC_STATUS_RESOURCE_EXHAUSTED = 5,
  /** A file could not be opened, read, written or renamed. */
  NNC_STATUS_IO_ERROR = 6,
  /** A checkpoint is corrupted, truncated or does not match the model. */
  NNC_STATUS_DATA_LOSS = 7,
  /** The model descriptor itself is inconsistent (a compiler bug). */
  NNC_STATUS_INTERNAL = 8,
} nnc_status_code_t;

/** Opaque status; NULL is success. */
typedef struct nnc_status_s *nnc_status_t;

/** The code of `status`; NNC_STATUS_OK for NULL. Thread-safe. */
NNC_API nnc_status_code_t nnc_status_code(nnc_status_t status);

/** The message of `status` ("" for NULL); valid until nnc_status_free.
 *  Thread-safe. */
NNC_API const char *nnc_status_message(nnc_status_t status);

/** A static name of `code` such as "INVALID_ARGUMENT". Thread-safe. */
NNC_API const char *nnc_status_code_name(nnc_status_code_t code);

/** Releases `status`; NULL is a no-op. A status must be released by the
 *  model.so that returned it. Thread-safe. */
NNC_API void nnc_status_free(nnc_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* NNC_C_STATUS_H */
