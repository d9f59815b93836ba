// Per-tensor queries and host copies. Each function takes a JS Tensor as its first argument.
#include <torch/csrc/autograd/autograd.h>

#include <cstring>

#include "common.h"

namespace veil {

c10::ScalarType ParseDType(const std::string& n) {
  if (n == "float32") return at::kFloat;
  if (n == "float64") return at::kDouble;
  if (n == "float16") return at::kHalf;
  if (n == "bfloat16") return at::kBFloat16;
  if (n == "int64") return at::kLong;
  if (n == "int32") return at::kInt;
  if (n == "int16") return at::kShort;
  if (n == "int8") return at::kChar;
  if (n == "uint8") return at::kByte;
  if (n == "bool") return at::kBool;
  throw std::invalid_argument("unknown dtype '" + n +
                              "' (expected float32, float64, float16, bfloat16, int64, int32, "
                              "int16, int8, uint8 or bool)");
}

std::string DTypeName(c10::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

namespace {

at::Tensor& Self(const Napi::CallbackInfo& info) { return slots::Get(info[0], "tensor"); }

// The first byte of a TypedArray's view, whether its buffer is an ArrayBuffer or a
// SharedArrayBuffer (which Napi::ArrayBuffer cannot wrap): worker threads fill shared batches.
uint8_t* BytesOf(Napi::TypedArray a) {
  void* data = nullptr;
  napi_status st = napi_get_typedarray_info(a.Env(), a, nullptr, nullptr, &data, nullptr, nullptr);
  if (st != napi_ok) throw Napi::Error::New(a.Env(), "cannot read the TypedArray's memory");
  return static_cast<uint8_t*>(data);
}

Napi::Array IntArray(Napi::Env env, c10::IntArrayRef v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(uint32_t(i), Napi::Number::New(env, double(v[i])));
  return a;
}

Napi::Value Shape(const Napi::CallbackInfo& info) { return IntArray(info.Env(), Self(info).sizes()); }

Napi::Value Strides(const Napi::CallbackInfo& info) {
  return IntArray(info.Env(), Self(info).strides());
}

Napi::Value DType(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DTypeName(Self(info).scalar_type()));
}

Napi::Value Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Self(info).device().str());
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Self(info).numel()));
}

// Copies the values (row-major, on the CPU) into a fresh ArrayBuffer.
Napi::Value ToArrayBuffer(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  return Guard(info.Env(), [&]() -> Napi::Value {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    size_t n = c.numel() * c.element_size();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), n);
    if (n) std::memcpy(buf.Data(), c.data_ptr(), n);
    return buf;
  });
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  return Guard(info.Env(), [&]() -> Napi::Value {
    TORCH_CHECK(t.numel() == 1, "item(): tensor has ", t.numel(), " elements, expected exactly one");
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(info.Env(), double(s.toLong()));
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Self(info).requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  Guard(info.Env(), [&] { t.set_requires_grad(info[1].ToBoolean().Value()); });
  return info.Env().Undefined();
}

Napi::Value Grad(const Napi::CallbackInfo& info) { return slots::Wrap(info.Env(), Self(info).grad()); }

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  Guard(info.Env(), [&] {
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad() = at::Tensor();
      return;
    }
    at::Tensor g = slots::Get(info[1], "grad");
    TORCH_CHECK(g.sizes() == t.sizes(), "grad: gradient shape ", g.sizes(),
                " does not match tensor shape ", t.sizes());
    t.mutable_grad() = g;
  });
  return info.Env().Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Self(info).is_leaf());
}

Napi::Value GradFn(const Napi::CallbackInfo& info) {
  auto fn = Self(info).grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

// backward(t, grad | null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  Guard(info.Env(), [&] {
    std::vector<at::Tensor> grads;
    if (slots::IsTensor(info[1])) grads.push_back(slots::Get(info[1], "backward gradient"));
    torch::autograd::backward({t}, grads, info[2].ToBoolean().Value(), info[3].ToBoolean().Value());
  });
  return info.Env().Undefined();
}

// copyFrom(t, typedArray): overwrites the values in place from host memory.
Napi::Value CopyFrom(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "copyFrom: expected a TypedArray");
  Napi::TypedArray a = info[1].As<Napi::TypedArray>();
  Guard(info.Env(), [&] {
    size_t want = t.numel() * t.element_size();
    TORCH_CHECK(a.ByteLength() == want, "copyFrom: ", a.ByteLength(), " bytes given, tensor of shape ",
                t.sizes(), " and dtype ", DTypeName(t.scalar_type()), " needs ", want);
    uint8_t* src = BytesOf(a);
    at::Tensor host = at::from_blob(src, t.sizes(), t.options().device(at::kCPU));
    at::NoGradGuard ng;
    t.copy_(host);
  });
  return info.Env().Undefined();
}

// setData(t, src): t now holds src's values (any shape, dtype or device), keeping its identity
// as a leaf and parameter, like PyTorch's `param.data = src`. Used to move modules to a device.
Napi::Value SetData(const Napi::CallbackInfo& info) {
  at::Tensor& t = Self(info);
  at::Tensor& src = slots::Get(info[1], "setData");
  Guard(info.Env(), [&] { t.set_data(src); });
  return info.Env().Undefined();
}

Napi::Value SameStorage(const Napi::CallbackInfo& info) {
  at::Tensor& a = Self(info);
  at::Tensor& b = slots::Get(info[1], "sameStorage");
  return Napi::Boolean::New(info.Env(),
                            a.has_storage() && b.has_storage() && a.storage().is_alias_of(b.storage()));
}

// fromBytes(typedArray, shape, dtype) -> Tensor owning a copy of the bytes
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
  at::Tensor t = Guard(env, [&] {
    c10::ScalarType dt = ParseDType(info[2].As<Napi::String>().Utf8Value());
    at::Tensor r = at::empty(shape, at::TensorOptions().dtype(dt));
    size_t want = r.numel() * r.element_size();
    TORCH_CHECK(a.ByteLength() == want, "fromBytes: ", a.ByteLength(), " bytes given, shape ",
                r.sizes(), " of ", DTypeName(dt), " needs ", want);
    if (want) {
      std::memcpy(r.data_ptr(), BytesOf(a), want);
    }
    return r;
  });
  return slots::Wrap(env, std::move(t));
}

}  // namespace

void InitTensor(Napi::Env env, Napi::Object exports) {
  slots::Init(env, exports);
  const std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)> fns[] = {
      {"shape", Shape},           {"strides", Strides},     {"dtype", DType},
      {"device", Device},         {"numel", Numel},         {"toArrayBuffer", ToArrayBuffer},
      {"item", Item},             {"requiresGrad", RequiresGrad}, {"setRequiresGrad", SetRequiresGrad},
      {"grad", Grad},             {"setGrad", SetGrad},     {"isLeaf", IsLeaf},
      {"gradFn", GradFn},         {"backward", Backward},   {"copyFrom", CopyFrom},
      {"sameStorage", SameStorage}, {"fromBytes", FromBytes}, {"setData", SetData},
  };
  for (const auto& [name, fn] : fns) exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace veil
