//===- OnnxFile.cpp - Reading ONNX files and their tensors ----------------===//
//
// Loads a `.onnx` file with the protobuf classes of Debian's libonnx_proto,
// checks what the importer relies on (a graph, the default domain at opset
// 13-17, tensors stored inside the file) and decodes initializers into
// Constants. A truncated or corrupted file is an error with the path, never a
// crash: the protobuf parser validates the wire format and every tensor's
// byte count is checked against its shape before it is read.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstring>
#include <limits>

using namespace nnc::import;
using namespace nnc::import::detail;

static llvm::Error fileError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (path + ": " + message).str());
}

int64_t Constant::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string
nnc::import::detail::formatShape(const std::vector<int64_t> &shape) {
  std::string s = "f32[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i] == kBatch ? "N" : std::to_string(shape[i]);
  }
  return s + "]";
}

llvm::Expected<onnx::ModelProto>
nnc::import::detail::loadModel(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false);
  if (!buffer)
    return fileError(path, "cannot read: " + buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() > size_t(std::numeric_limits<int>::max()))
    return fileError(path, "larger than 2 GiB (protobuf's limit; external "
                           "data files are not supported)");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), int(bytes.size())))
    return fileError(path, "not a valid ONNX model (the protobuf data is "
                           "truncated or corrupted)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    return fileError(path, "not an ONNX model: no graph with nodes (the file "
                           "is empty, truncated or not ONNX)");
  int64_t opset = -1;
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0)
    return fileError(path, "the model imports no opset of the default ONNX "
                           "domain");
  if (opset < 13 || opset > 17)
    return fileError(path, "opset " + llvm::Twine(opset) +
                               " is not supported (nnc import reads opsets "
                               "13 to 17; re-export with opset_version=13)");
  return model;
}

/// Appends `count` little-endian elements of type `T` from `raw`.
template <typename T, typename Out>
static void readRaw(const std::string &raw, int64_t count,
                    std::vector<Out> &out) {
  out.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = Out(v);
  }
}

llvm::Expected<Constant>
nnc::import::detail::decodeTensor(const onnx::TensorProto &t,
                                  const std::string &what) {
  auto error = [&](const llvm::Twine &m) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   (what + ": " + m).str());
  };
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return error("stored in an external data file, which nnc import does "
                 "not read (save the model with its weights inside)");
  Constant c;
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return error("invalid dimension " + llvm::Twine(d));
    c.shape.push_back(d);
    count *= d;
  }
  size_t width = 0;
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
    width = 4;
    break;
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
    width = 8;
    break;
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT8:
    width = 1;
    break;
  default:
    return error("element type " +
                 onnx::TensorProto::DataType_Name(
                     onnx::TensorProto::DataType(t.data_type())) +
                 " is not supported (float, double or integers)");
  }
  c.isFloat = t.data_type() == onnx::TensorProto::FLOAT ||
              t.data_type() == onnx::TensorProto::DOUBLE;
  if (t.has_raw_data()) {
    if (t.raw_data().size() != size_t(count) * width)
      return error("holds " + llvm::Twine(t.raw_data().size()) +
                   " bytes, its shape needs " + llvm::Twine(count * width));
    const std::string &raw = t.raw_data();
    switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      readRaw<float>(raw, count, c.floats);
      break;
    case onnx::TensorProto::DOUBLE:
      readRaw<double>(raw, count, c.floats);
      break;
    case onnx::TensorProto::INT32:
      readRaw<int32_t>(raw, count, c.ints);
      break;
    case onnx::TensorProto::INT64:
      readRaw<int64_t>(raw, count, c.ints);
      break;
    case onnx::TensorProto::INT8:
      readRaw<int8_t>(raw, count, c.ints);
      break;
    default:
      readRaw<uint8_t>(raw, count, c.ints);
    }
    return c;
  }
  int64_t stored = 0;
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    c.floats.assign(t.float_data().begin(), t.float_data().end());
    stored = t.float_data_size();
    break;
  case onnx::TensorProto::DOUBLE:
    c.floats.assign(t.double_data().begin(), t.double_data().end());
    stored = t.double_data_size();
    break;
  case onnx::TensorProto::INT64:
    c.ints.assign(t.int64_data().begin(), t.int64_data().end());
    stored = t.int64_data_size();
    break;
  default: // INT32, BOOL, INT8, UINT8 live in int32_data
    c.ints.assign(t.int32_data().begin(), t.int32_data().end());
    stored = t.int32_data_size();
  }
  if (stored != count)
    return error("holds " + llvm::Twine(stored) + " elements, its shape " +
                 "needs " + llvm::Twine(count));
  return c;
}
