// The tensor table: slot numbers handed to JS, each owning one reference to an at::Tensor.
// One table per JS environment (the main thread and each worker thread that loads the addon),
// kept as the addon's instance data, so threads never share or race on JS-facing state.
#include <vector>

#include "common.h"

namespace veil {

namespace {

struct Table {
  std::vector<at::Tensor> tensors;
  std::vector<int64_t> reported;  // host bytes reported to V8 per slot
  std::vector<uint32_t> free;
  size_t live = 0;
  Napi::FunctionReference factory;  // slot -> new Tensor(slot), registered by TypeScript
  std::string key;                  // the property of a JS Tensor that holds its slot
};

int64_t HostBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || !t.device().is_cpu()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

Table& TableOf(Napi::Env env) { return EnvStateOf(env).table<Table>(); }

uint32_t Put(Napi::Env env, at::Tensor t) {
  Table& tb = TableOf(env);
  uint32_t id;
  if (!tb.free.empty()) {
    id = tb.free.back();
    tb.free.pop_back();
  } else {
    id = static_cast<uint32_t>(tb.tensors.size());
    tb.tensors.emplace_back();
    tb.reported.push_back(0);
  }
  int64_t bytes = HostBytes(t);
  tb.tensors[id] = std::move(t);
  tb.reported[id] = bytes;
  ++tb.live;
  // Telling V8 about native memory lets the GC weigh tensors that were never disposed.
  if (bytes) Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return id;
}

// The slot of a JS Tensor; -1 once disposed (TypeScript resets it), -2 for anything else.
int64_t SlotOf(Table& tb, Napi::Value v) {
  if (!v.IsObject() || tb.key.empty()) return -2;
  Napi::Value s = v.As<Napi::Object>().Get(tb.key);
  return s.IsNumber() ? s.As<Napi::Number>().Int64Value() : -2;
}

// free(slot): releases the slot's reference; freeing twice is harmless.
Napi::Value Free(const Napi::CallbackInfo& info) {
  Table& tb = TableOf(info.Env());
  int64_t id = info[0].As<Napi::Number>().Int64Value();
  if (id >= 0 && size_t(id) < tb.tensors.size() && tb.tensors[id].defined()) {
    tb.tensors[id] = at::Tensor();
    if (tb.reported[id]) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -tb.reported[id]);
    tb.reported[id] = 0;
    tb.free.push_back(static_cast<uint32_t>(id));
    --tb.live;
  }
  return info.Env().Undefined();
}

Napi::Value SetFactory(const Napi::CallbackInfo& info) {
  Table& tb = TableOf(info.Env());
  tb.factory = Napi::Persistent(info[0].As<Napi::Function>());
  tb.key = info[1].As<Napi::String>().Utf8Value();
  return info.Env().Undefined();
}

Napi::Value Live(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(TableOf(info.Env()).live));
}

// detachedSlot(tensor) -> a new slot sharing the values, outside autograd (for Parameters).
Napi::Value DetachedSlot(const Napi::CallbackInfo& info) {
  at::Tensor t = slots::Get(info[0], "detachedSlot").detach();
  return Napi::Number::New(info.Env(), Put(info.Env(), std::move(t)));
}

}  // namespace

namespace slots {

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  Table& tb = TableOf(env);
  if (tb.factory.IsEmpty()) throw Napi::Error::New(env, "tensor factory not registered");
  uint32_t id = Put(env, std::move(t));
  return tb.factory.Call({Napi::Number::New(env, id)});
}

bool IsTensor(Napi::Value v) { return SlotOf(TableOf(v.Env()), v) >= -1; }

at::Tensor& Get(Napi::Value v, const std::string& what) {
  Table& tb = TableOf(v.Env());
  int64_t id = SlotOf(tb, v);
  if (id == -1) throw Napi::Error::New(v.Env(), what + ": tensor was disposed");
  if (id < 0 || size_t(id) >= tb.tensors.size() || !tb.tensors[id].defined()) {
    throw Napi::TypeError::New(v.Env(), what + ": expected a tensor");
  }
  return tb.tensors[id];
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("setTensorFactory", Napi::Function::New(env, SetFactory));
  exports.Set("liveTensors", Napi::Function::New(env, Live));
  exports.Set("detachedSlot", Napi::Function::New(env, DetachedSlot));
}

}  // namespace slots

}  // namespace veil
