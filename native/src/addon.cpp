// Entry point of the addon: each part registers its functions.
#include "common.h"

namespace veil {

EnvState& EnvStateOf(Napi::Env env) {
  auto* s = env.GetInstanceData<EnvState>();
  if (!s) {
    s = new EnvState();
    env.SetInstanceData(s);  // deleted with the environment
  }
  return *s;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitTensor(env, exports);
  InitDispatch(env, exports);
  InitRuntime(env, exports);
  InitOptim(env, exports);
  InitSerialize(env, exports);
  return exports;
}

NODE_API_MODULE(veil_torch, Init)

}  // namespace veil
