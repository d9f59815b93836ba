// Writes PyTorch's own checkpoint format (torch.save, zip) through libtorch's pickler. Reading is
// done in TypeScript (src/torch/io/pickle.ts): libtorch's unpickler rejects nn.Module state dicts.
#include <torch/serialize.h>

#include "common.h"

namespace veil {

namespace {

// pickleSave({name: Tensor}) -> Buffer that torch.load reads as a dict of tensors
Napi::Value PickleSave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "pickleSave: expected an object of tensors");
  Napi::Object o = info[0].As<Napi::Object>();
  c10::Dict<std::string, at::Tensor> dict;
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    dict.insert(k, slots::Get(o.Get(k), "pickleSave '" + k + "'"));
  }
  std::vector<char> bytes = Guard(env, [&] { return torch::pickle_save(c10::IValue(dict)); });
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace

void InitSerialize(Napi::Env env, Napi::Object exports) {
  exports.Set("pickleSave", Napi::Function::New(env, PickleSave));
}

}  // namespace veil
