// Entry point of the addon: each part registers its functions.
#include "common.h"

namespace veil {

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
