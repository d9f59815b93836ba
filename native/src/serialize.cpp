// PyTorch's own checkpoint format (torch.save, zip) through libtorch's pickler. File I/O stays in
// TypeScript, which names the file in its errors; here only bytes go in and out.
#include <torch/serialize.h>

#include "common.h"

namespace veil {

namespace {

// pickleLoad(bytes: Uint8Array) -> nested JS objects/arrays with NativeTensor leaves
Napi::Value PickleLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "pickleLoad: expected bytes");
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  const char* p = static_cast<const char*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  std::vector<char> data(p, p + a.ByteLength());
  c10::IValue v = Guard(env, [&] { return torch::pickle_load(data); });
  return FromIValue(env, v);
}

// pickleSave({name: NativeTensor}) -> Buffer that torch.load reads as a dict of tensors
Napi::Value PickleSave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "pickleSave: expected an object of tensors");
  Napi::Object o = info[0].As<Napi::Object>();
  c10::Dict<std::string, at::Tensor> dict;
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    dict.insert(k, TensorWrap::Get(o.Get(k), "pickleSave '" + k + "'"));
  }
  std::vector<char> bytes = Guard(env, [&] { return torch::pickle_save(c10::IValue(dict)); });
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace

void InitSerialize(Napi::Env env, Napi::Object exports) {
  exports.Set("pickleLoad", Napi::Function::New(env, PickleLoad));
  exports.Set("pickleSave", Napi::Function::New(env, PickleSave));
}

}  // namespace veil
