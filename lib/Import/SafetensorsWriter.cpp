//===- SafetensorsWriter.cpp - The imported weights as safetensors --------===//
//
// Writes the tensors of an import in the layout docs/abi.md describes and
// `nnc_model_load` checks: an 8-byte little-endian header length, a JSON
// header padded with spaces to a multiple of 8, then the F32 data back to
// back in header order. Names are the language's parameter names (dots,
// letters, digits, `_`), so they need no JSON escaping.
//
//===----------------------------------------------------------------------===//

#include "nnc/Import/OnnxImport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace nnc::import;

llvm::Error
nnc::import::writeSafetensors(llvm::StringRef path,
                              const std::vector<NamedTensor> &tensors,
                              llvm::StringRef modelName) {
  std::string header = "{\"__metadata__\":{\"format\":\"pt\",\"nnc.model\":\"" +
                       modelName.str() + "\"}";
  uint64_t offset = 0;
  for (const NamedTensor &t : tensors) {
    header += ",\"" + t.name + "\":{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(t.shape[i]);
    uint64_t bytes = t.data.size() * sizeof(float);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  header.append((8 - (8 + header.size()) % 8) % 8, ' ');

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "%s: cannot write: %s",
                                   path.str().c_str(), ec.message().c_str());
  uint64_t n = header.size();
  char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = char((n >> (8 * i)) & 0xff);
  os.write(length, 8);
  os << header;
  for (const NamedTensor &t : tensors)
    os.write(reinterpret_cast<const char *>(t.data.data()),
             t.data.size() * sizeof(float));
  os.close();
  if (os.has_error())
    return llvm::createStringError(os.error(), "%s: cannot write: %s",
                                   path.str().c_str(),
                                   os.error().message().c_str());
  return llvm::Error::success();
}
