// The tensor table: slot numbers handed to JS, each owning one reference to an at::Tensor.
#include <vector>

#include "common.h"

namespace veil::slots {

namespace {

std::vector<at::Tensor> g_tensors;
std::vector<int64_t> g_reported;  // host bytes reported to V8 per slot
std::vector<uint32_t> g_free;
size_t g_live = 0;
Napi::FunctionReference g_factory;  // slot -> new Tensor(slot), registered by TypeScript
std::string g_key;  // the property of a JS Tensor that holds its slot

int64_t HostBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || !t.device().is_cpu()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

uint32_t Put(Napi::Env env, at::Tensor t) {
  uint32_t id;
  if (!g_free.empty()) {
    id = g_free.back();
    g_free.pop_back();
  } else {
    id = static_cast<uint32_t>(g_tensors.size());
    g_tensors.emplace_back();
    g_reported.push_back(0);
  }
  int64_t bytes = HostBytes(t);
  g_tensors[id] = std::move(t);
  g_reported[id] = bytes;
  ++g_live;
  // Telling V8 about native memory lets the GC weigh tensors that were never disposed.
  if (bytes) Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return id;
}

// The slot of a JS Tensor; -1 once disposed (TypeScript resets it), -2 for anything else.
int64_t SlotOf(Napi::Value v) {
  if (!v.IsObject() || g_key.empty()) return -2;
  Napi::Value s = v.As<Napi::Object>().Get(g_key);
  return s.IsNumber() ? s.As<Napi::Number>().Int64Value() : -2;
}

// free(slot): releases the slot's reference; freeing twice is harmless.
Napi::Value Free(const Napi::CallbackInfo& info) {
  int64_t id = info[0].As<Napi::Number>().Int64Value();
  if (id >= 0 && size_t(id) < g_tensors.size() && g_tensors[id].defined()) {
    g_tensors[id] = at::Tensor();
    if (g_reported[id]) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -g_reported[id]);
    g_reported[id] = 0;
    g_free.push_back(static_cast<uint32_t>(id));
    --g_live;
  }
  return info.Env().Undefined();
}

Napi::Value SetFactory(const Napi::CallbackInfo& info) {
  g_factory = Napi::Persistent(info[0].As<Napi::Function>());
  g_key = info[1].As<Napi::String>().Utf8Value();
  return info.Env().Undefined();
}

Napi::Value Live(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(g_live));
}

}  // namespace

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  if (g_factory.IsEmpty()) throw Napi::Error::New(env, "tensor factory not registered");
  uint32_t id = Put(env, std::move(t));
  return g_factory.Call({Napi::Number::New(env, id)});
}

bool IsTensor(Napi::Value v) { return SlotOf(v) >= -1; }

at::Tensor& Get(Napi::Value v, const std::string& what) {
  int64_t id = SlotOf(v);
  if (id == -1) throw Napi::Error::New(v.Env(), what + ": tensor was disposed");
  if (id < 0 || size_t(id) >= g_tensors.size() || !g_tensors[id].defined()) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a tensor");
  }
  return g_tensors[id];
}

// detachedSlot(tensor) -> a new slot sharing the values, outside autograd (for Parameters).
Napi::Value DetachedSlot(const Napi::CallbackInfo& info) {
  at::Tensor t = Get(info[0], "detachedSlot").detach();
  return Napi::Number::New(info.Env(), Put(info.Env(), std::move(t)));
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("setTensorFactory", Napi::Function::New(env, SetFactory));
  exports.Set("liveTensors", Napi::Function::New(env, Live));
  exports.Set("detachedSlot", Napi::Function::New(env, DetachedSlot));
}

}  // namespace veil::slots
