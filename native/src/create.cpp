// Tensors made from host memory: a copy of a TypedArray's bytes, with a shape and dtype.
#include <cstring>

#include "common.h"

namespace veil {

namespace {

// fromBytes(typedArray, shape: number[], dtype: string) -> NativeTensor (owns a copy)
Napi::Value FromBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBytes: expected a TypedArray");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "fromBytes: shape must be an array");
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  Napi::Array s = info[1].As<Napi::Array>();
  std::vector<int64_t> shape(s.Length());
  for (uint32_t i = 0; i < s.Length(); ++i) {
    Napi::Value d = s.Get(i);
    if (!d.IsNumber() || d.As<Napi::Number>().DoubleValue() < 0) {
      throw Napi::TypeError::New(env, "fromBytes: shape entries must be non-negative integers");
    }
    shape[i] = d.As<Napi::Number>().Int64Value();
  }
  return Guard(env, [&]() -> Napi::Value {
    c10::ScalarType dt = ParseDType(info[2].As<Napi::String>().Utf8Value());
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dt));
    size_t want = t.numel() * t.element_size();
    TORCH_CHECK(a.ByteLength() == want, "fromBytes: ", a.ByteLength(), " bytes given, shape ",
                t.sizes(), " of ", DTypeName(dt), " needs ", want);
    if (want) {
      std::memcpy(t.data_ptr(), static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset(), want);
    }
    return TensorWrap::New(env, t);
  });
}

}  // namespace

void InitCreate(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBytes", Napi::Function::New(env, FromBytes));
}

}  // namespace veil
