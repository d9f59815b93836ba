// Process-wide engine state: threads, random seeds and RNG state, grad mode, autocast, devices.
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include "common.h"

namespace veil {

namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  Guard(info.Env(), [&] {
    TORCH_CHECK(n >= 1, "setNumThreads: need at least one thread, got ", n);
    at::set_num_threads(n);
  });
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  bool lossless;
  uint64_t seed = info[0].IsBigInt() ? info[0].As<Napi::BigInt>().Uint64Value(&lossless)
                                     : uint64_t(info[0].As<Napi::Number>().Int64Value());
  Guard(info.Env(), [&] { torch::manual_seed(seed); });
  return info.Env().Undefined();
}

// The CPU generator's full state as a uint8 tensor, for exact resume.
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return slots::Wrap(info.Env(), gen.get_state());
  });
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  at::Tensor& s = slots::Get(info[0], "setRngState");
  Guard(info.Env(), [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
  });
  return info.Env().Undefined();
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// setAutocast(device: 'cpu'|'cuda', enabled, dtype) -> previous enabled flag
Napi::Value SetAutocast(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    std::string dev = info[0].As<Napi::String>().Utf8Value();
    bool on = info[1].ToBoolean().Value();
    c10::ScalarType dt = ParseDType(info[2].As<Napi::String>().Utf8Value());
    bool prev;
    if (dev == "cpu") {
      prev = at::autocast::is_cpu_enabled();
      at::autocast::set_cpu_enabled(on);
      at::autocast::set_autocast_cpu_dtype(dt);
    } else if (dev == "cuda") {
      prev = at::autocast::is_enabled();
      at::autocast::set_enabled(on);
      at::autocast::set_autocast_gpu_dtype(dt);
    } else {
      TORCH_CHECK(false, "setAutocast: unknown device type '", dev, "'");
    }
    if (!on) at::autocast::clear_cache();
    return Napi::Boolean::New(info.Env(), prev);
  });
}

Napi::Value CudaAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(torch::cuda::device_count()));
}

Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  // Through the dispatcher-free path: a tiny blocking copy makes the stream drain.
  Guard(info.Env(), [&] {
    if (torch::cuda::is_available()) at::zeros({1}, at::kCUDA).cpu();
  });
  return info.Env().Undefined();
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  return o;
}

}  // namespace

void InitRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
  exports.Set("setAutocast", Napi::Function::New(env, SetAutocast));
  exports.Set("cudaAvailable", Napi::Function::New(env, CudaAvailable));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount));
  exports.Set("cudaSynchronize", Napi::Function::New(env, CudaSynchronize));
  exports.Set("config", Napi::Function::New(env, Config));
}

}  // namespace veil
