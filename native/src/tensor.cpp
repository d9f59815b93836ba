// TensorWrap: the JS handle of one at::Tensor, plus TypedArray copies in and out.
#include <torch/csrc/autograd/autograd.h>

#include <cstring>

#include "common.h"

namespace veil {

Napi::FunctionReference* TensorWrap::constructor_ = nullptr;

static int64_t HostBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || !t.device().is_cpu()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

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

void TensorWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "NativeTensor",
      {
          InstanceMethod("dispose", &TensorWrap::Dispose),
          InstanceMethod("isDisposed", &TensorWrap::IsDisposed),
          InstanceMethod("shape", &TensorWrap::Shape),
          InstanceMethod("strides", &TensorWrap::Strides),
          InstanceMethod("dtype", &TensorWrap::DType),
          InstanceMethod("device", &TensorWrap::Device),
          InstanceMethod("numel", &TensorWrap::Numel),
          InstanceMethod("toArrayBuffer", &TensorWrap::ToArrayBuffer),
          InstanceMethod("item", &TensorWrap::Item),
          InstanceMethod("requiresGrad", &TensorWrap::GetRequiresGrad),
          InstanceMethod("setRequiresGrad", &TensorWrap::SetRequiresGrad),
          InstanceMethod("grad", &TensorWrap::Grad),
          InstanceMethod("setGrad", &TensorWrap::SetGrad),
          InstanceMethod("isLeaf", &TensorWrap::IsLeaf),
          InstanceMethod("gradFn", &TensorWrap::GradFn),
          InstanceMethod("backward", &TensorWrap::Backward),
          InstanceMethod("copyFrom", &TensorWrap::CopyFrom),
          InstanceMethod("sameStorage", &TensorWrap::SameStorage),
          InstanceMethod("bytes", &TensorWrap::Bytes),
      });
  constructor_ = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("NativeTensor", cls);
}

// JS cannot construct a tensor directly: the constructor takes an External made by New().
TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeTensor is created by the addon only");
  }
  auto* t = info[0].As<Napi::External<at::Tensor>>().Data();
  tensor = std::move(*t);
  delete t;
  reported_ = HostBytes(tensor);
  if (reported_) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reported_);
}

TensorWrap::~TensorWrap() {
  // Finalizers may run without a usable env for memory accounting; the tensor itself is freed.
  tensor = at::Tensor();
}

void TensorWrap::Release(Napi::Env env) {
  tensor = at::Tensor();
  if (reported_) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -reported_);
    reported_ = 0;
  }
}

Napi::Value TensorWrap::New(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* ext = new at::Tensor(std::move(t));
  return constructor_->New({Napi::External<at::Tensor>::New(env, ext)});
}

bool TensorWrap::IsTensor(Napi::Value v) {
  return v.IsObject() && v.As<Napi::Object>().InstanceOf(constructor_->Value());
}

at::Tensor& TensorWrap::Get(Napi::Value v, const std::string& what) {
  if (!IsTensor(v)) throw Napi::TypeError::New(v.Env(), what + ": expected a tensor");
  auto* w = Napi::ObjectWrap<TensorWrap>::Unwrap(v.As<Napi::Object>());
  if (!w->tensor.defined()) {
    throw Napi::Error::New(v.Env(), what + ": tensor was disposed");
  }
  return w->tensor;
}

#define LIVE(info)                                                            \
  if (!tensor.defined())                                                      \
    throw Napi::Error::New(info.Env(), "tensor was disposed");

Napi::Value TensorWrap::Dispose(const Napi::CallbackInfo& info) {
  Release(info.Env());
  return info.Env().Undefined();
}

Napi::Value TensorWrap::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !tensor.defined());
}

static Napi::Array IntArray(Napi::Env env, c10::IntArrayRef v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(i, Napi::Number::New(env, double(v[i])));
  return a;
}

Napi::Value TensorWrap::Shape(const Napi::CallbackInfo& info) {
  LIVE(info);
  return IntArray(info.Env(), tensor.sizes());
}

Napi::Value TensorWrap::Strides(const Napi::CallbackInfo& info) {
  LIVE(info);
  return IntArray(info.Env(), tensor.strides());
}

Napi::Value TensorWrap::DType(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::String::New(info.Env(), DTypeName(tensor.scalar_type()));
}

Napi::Value TensorWrap::Device(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::String::New(info.Env(), tensor.device().str());
}

Napi::Value TensorWrap::Numel(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::Number::New(info.Env(), double(tensor.numel()));
}

// Copies the tensor's values (row-major, on the CPU) into a fresh ArrayBuffer.
Napi::Value TensorWrap::ToArrayBuffer(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Guard(info.Env(), [&]() -> Napi::Value {
    at::Tensor c = tensor.detach().to(at::kCPU).contiguous();
    size_t n = c.numel() * c.element_size();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), n);
    if (n) std::memcpy(buf.Data(), c.data_ptr(), n);
    return buf;
  });
}

Napi::Value TensorWrap::Item(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Guard(info.Env(), [&]() -> Napi::Value {
    TORCH_CHECK(tensor.numel() == 1, "item(): tensor has ", tensor.numel(),
                " elements, expected exactly one");
    at::Scalar s = tensor.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(info.Env(), double(s.toLong()));
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

Napi::Value TensorWrap::GetRequiresGrad(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::Boolean::New(info.Env(), tensor.requires_grad());
}

Napi::Value TensorWrap::SetRequiresGrad(const Napi::CallbackInfo& info) {
  LIVE(info);
  Guard(info.Env(), [&] { tensor.set_requires_grad(info[0].ToBoolean().Value()); });
  return info.Env().Undefined();
}

Napi::Value TensorWrap::Grad(const Napi::CallbackInfo& info) {
  LIVE(info);
  return TensorWrap::New(info.Env(), tensor.grad());
}

Napi::Value TensorWrap::SetGrad(const Napi::CallbackInfo& info) {
  LIVE(info);
  Guard(info.Env(), [&] {
    if (info[0].IsNull() || info[0].IsUndefined()) {
      tensor.mutable_grad() = at::Tensor();
    } else {
      at::Tensor g = TensorWrap::Get(info[0], "setGrad");
      TORCH_CHECK(g.sizes() == tensor.sizes(), "setGrad: gradient shape ", g.sizes(),
                  " does not match tensor shape ", tensor.sizes());
      tensor.mutable_grad() = g;
    }
  });
  return info.Env().Undefined();
}

Napi::Value TensorWrap::IsLeaf(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::Boolean::New(info.Env(), tensor.is_leaf());
}

Napi::Value TensorWrap::GradFn(const Napi::CallbackInfo& info) {
  LIVE(info);
  auto fn = tensor.grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

// backward(grad?: Tensor|null, retainGraph?: boolean, createGraph?: boolean)
Napi::Value TensorWrap::Backward(const Napi::CallbackInfo& info) {
  LIVE(info);
  Guard(info.Env(), [&] {
    std::vector<at::Tensor> grads;
    if (info.Length() > 0 && TensorWrap::IsTensor(info[0])) {
      grads.push_back(TensorWrap::Get(info[0], "backward gradient"));
    }
    bool retain = info.Length() > 1 && info[1].ToBoolean().Value();
    bool create = info.Length() > 2 && info[2].ToBoolean().Value();
    torch::autograd::backward({tensor}, grads, retain, create);
  });
  return info.Env().Undefined();
}

// copyFrom(typedArray): overwrites the tensor's values in place from host memory.
Napi::Value TensorWrap::CopyFrom(const Napi::CallbackInfo& info) {
  LIVE(info);
  if (!info[0].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), "copyFrom: expected a TypedArray");
  }
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  Guard(info.Env(), [&] {
    size_t want = tensor.numel() * tensor.element_size();
    TORCH_CHECK(a.ByteLength() == want, "copyFrom: ", a.ByteLength(), " bytes given, tensor of shape ",
                tensor.sizes(), " and dtype ", DTypeName(tensor.scalar_type()), " needs ", want);
    uint8_t* src = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
    at::Tensor host = at::from_blob(src, tensor.sizes(), tensor.options().device(at::kCPU));
    at::NoGradGuard ng;
    tensor.copy_(host);
  });
  return info.Env().Undefined();
}

Napi::Value TensorWrap::SameStorage(const Napi::CallbackInfo& info) {
  LIVE(info);
  at::Tensor& o = TensorWrap::Get(info[0], "sameStorage");
  return Napi::Boolean::New(info.Env(), tensor.has_storage() && o.has_storage() &&
                                            tensor.storage().is_alias_of(o.storage()));
}

Napi::Value TensorWrap::Bytes(const Napi::CallbackInfo& info) {
  LIVE(info);
  return Napi::Number::New(info.Env(), double(HostBytes(tensor)));
}

}  // namespace veil
