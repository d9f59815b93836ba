// Shared helpers of the addon: the tensor wrapper and the error boundary.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <string>

namespace veil {

// A JS object owning one reference to an at::Tensor. The tensor is released on dispose() or
// when V8 collects the object; host memory it holds is reported to V8 so GC sees the pressure.
class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Value New(Napi::Env env, at::Tensor t);
  static bool IsTensor(Napi::Value v);
  // Throws a JS Error when v is not a live tensor; `what` names the argument.
  static at::Tensor& Get(Napi::Value v, const std::string& what);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  ~TensorWrap() override;

  at::Tensor tensor;

 private:
  static Napi::FunctionReference* constructor_;
  void Release(Napi::Env env);

  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Strides(const Napi::CallbackInfo& info);
  Napi::Value DType(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Numel(const Napi::CallbackInfo& info);
  Napi::Value ToArrayBuffer(const Napi::CallbackInfo& info);
  Napi::Value Item(const Napi::CallbackInfo& info);
  Napi::Value GetRequiresGrad(const Napi::CallbackInfo& info);
  Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info);
  Napi::Value Grad(const Napi::CallbackInfo& info);
  Napi::Value SetGrad(const Napi::CallbackInfo& info);
  Napi::Value IsLeaf(const Napi::CallbackInfo& info);
  Napi::Value GradFn(const Napi::CallbackInfo& info);
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);
  Napi::Value SameStorage(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);

  int64_t reported_ = 0;
};

c10::ScalarType ParseDType(const std::string& name);
std::string DTypeName(c10::ScalarType t);

// Runs f, turning any C++ exception (c10::Error included) into a JS Error carrying its message,
// so nothing thrown by libtorch can abort the process.
template <typename F>
auto Guard(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

void InitDispatch(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitSerialize(Napi::Env env, Napi::Object exports);

// IValue <-> JS conversions shared by the dispatcher and the pickle loader.
Napi::Value FromIValue(Napi::Env env, const c10::IValue& v);

}  // namespace veil
