// Shared helpers of the addon: the tensor table and the error boundary.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <typeinfo>
#include <unordered_map>

namespace veil {

// Per-environment state (main thread, each worker thread): type-erased parts owned by the files
// that use them, created on first use, freed with the environment.
class EnvState {
 public:
  template <typename T>
  T& table() {
    auto& slot = parts_[typeid(T).hash_code()];
    if (!slot) slot = std::shared_ptr<void>(new T(), [](void* p) { delete static_cast<T*>(p); });
    return *static_cast<T*>(slot.get());
  }

 private:
  std::unordered_map<size_t, std::shared_ptr<void>> parts_;
};
EnvState& EnvStateOf(Napi::Env env);

// Tensors live in a native table; JS holds a slot number inside its Tensor object. No native
// object is made per tensor, so nothing waits on a GC finalizer: dispose() frees at once, and a
// tight synchronous loop leaves no garbage on the C++ heap.
namespace slots {
void Init(Napi::Env env, Napi::Object exports);
// A JS Tensor (made by the factory TypeScript registered) owning a new slot for t; null if undefined.
Napi::Value Wrap(Napi::Env env, at::Tensor t);
bool IsTensor(Napi::Value v);
// The tensor a JS Tensor refers to; a JS Error naming `what` if it is not one or was disposed.
at::Tensor& Get(Napi::Value v, const std::string& what);
}  // namespace slots

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

void InitTensor(Napi::Env env, Napi::Object exports);
void InitDispatch(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitSerialize(Napi::Env env, Napi::Object exports);

// IValue -> JS conversion shared by the dispatcher and the optimizer state.
Napi::Value FromIValue(Napi::Env env, const c10::IValue& v);

}  // namespace veil
