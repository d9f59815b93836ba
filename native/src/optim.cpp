// libtorch's own optimizers (Adam, AdamW, SGD with momentum) with per-group options, and their
// per-parameter state exposed as tensors so that a run can be checkpointed and resumed exactly.
#include "common.h"

namespace veil {

namespace {

double NumberOr(Napi::Object o, const char* key, double dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : dflt;
}

bool BoolOr(Napi::Object o, const char* key, bool dflt) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt;
}

std::tuple<double, double> Betas(Napi::Object o) {
  Napi::Value v = o.Get("betas");
  if (!v.IsArray()) return {0.9, 0.999};
  Napi::Array a = v.As<Napi::Array>();
  return {a.Get(0u).As<Napi::Number>().DoubleValue(), a.Get(1u).As<Napi::Number>().DoubleValue()};
}

class OptimizerWrap : public Napi::ObjectWrap<OptimizerWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function cls =
        DefineClass(env, "NativeOptimizer",
                    {InstanceMethod("step", &OptimizerWrap::Step),
                     InstanceMethod("zeroGrad", &OptimizerWrap::ZeroGrad),
                     InstanceMethod("setLr", &OptimizerWrap::SetLr),
                     InstanceMethod("getLr", &OptimizerWrap::GetLr),
                     InstanceMethod("getState", &OptimizerWrap::GetState),
                     InstanceMethod("setState", &OptimizerWrap::SetState)});
    exports.Set("NativeOptimizer", cls);
  }

  // new NativeOptimizer(kind, groups: {params: Tensor[], lr, ...options}[])
  explicit OptimizerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimizerWrap>(info) {
    Napi::Env env = info.Env();
    kind_ = info[0].As<Napi::String>().Utf8Value();
    Napi::Array groups = info[1].As<Napi::Array>();
    Guard(env, [&] {
      std::vector<torch::optim::OptimizerParamGroup> pgs;
      for (uint32_t g = 0; g < groups.Length(); ++g) {
        Napi::Object o = groups.Get(g).As<Napi::Object>();
        Napi::Array ps = o.Get("params").As<Napi::Array>();
        std::vector<at::Tensor> params;
        for (uint32_t i = 0; i < ps.Length(); ++i) {
          params.push_back(slots::Get(ps.Get(i), "optimizer parameter " + std::to_string(i)));
        }
        pgs.emplace_back(params, MakeOptions(o));
      }
      Napi::Object first = groups.Length() ? groups.Get(0u).As<Napi::Object>() : Napi::Object::New(env);
      if (kind_ == "adam") {
        opt_ = std::make_unique<torch::optim::Adam>(pgs, AdamOpts(first));
      } else if (kind_ == "adamw") {
        opt_ = std::make_unique<torch::optim::AdamW>(pgs, AdamWOpts(first));
      } else if (kind_ == "sgd") {
        opt_ = std::make_unique<torch::optim::SGD>(pgs, SgdOpts(first));
      } else {
        TORCH_CHECK(false, "unknown optimizer '", kind_, "' (expected adam, adamw or sgd)");
      }
    });
  }

 private:
  torch::optim::AdamOptions AdamOpts(Napi::Object o) {
    return torch::optim::AdamOptions(NumberOr(o, "lr", 1e-3))
        .betas(Betas(o))
        .eps(NumberOr(o, "eps", 1e-8))
        .weight_decay(NumberOr(o, "weightDecay", 0))
        .amsgrad(BoolOr(o, "amsgrad", false));
  }
  torch::optim::AdamWOptions AdamWOpts(Napi::Object o) {
    return torch::optim::AdamWOptions(NumberOr(o, "lr", 1e-3))
        .betas(Betas(o))
        .eps(NumberOr(o, "eps", 1e-8))
        .weight_decay(NumberOr(o, "weightDecay", 1e-2))
        .amsgrad(BoolOr(o, "amsgrad", false));
  }
  torch::optim::SGDOptions SgdOpts(Napi::Object o) {
    return torch::optim::SGDOptions(NumberOr(o, "lr", 1e-2))
        .momentum(NumberOr(o, "momentum", 0))
        .dampening(NumberOr(o, "dampening", 0))
        .weight_decay(NumberOr(o, "weightDecay", 0))
        .nesterov(BoolOr(o, "nesterov", false));
  }
  std::unique_ptr<torch::optim::OptimizerOptions> MakeOptions(Napi::Object o) {
    if (kind_ == "adam") return std::make_unique<torch::optim::AdamOptions>(AdamOpts(o));
    if (kind_ == "adamw") return std::make_unique<torch::optim::AdamWOptions>(AdamWOpts(o));
    if (kind_ == "sgd") return std::make_unique<torch::optim::SGDOptions>(SgdOpts(o));
    TORCH_CHECK(false, "unknown optimizer '", kind_, "' (expected adam, adamw or sgd)");
  }

  Napi::Value Step(const Napi::CallbackInfo& info) {
    Guard(info.Env(), [&] { opt_->step(); });
    return info.Env().Undefined();
  }

  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    // libtorch 1.13's zero_grad() keeps the tensors; dropping them matches PyTorch 2's default.
    bool setToNone = info.Length() == 0 || info[0].ToBoolean().Value();
    Guard(info.Env(), [&] {
      for (auto& g : opt_->param_groups()) {
        for (auto& p : g.params()) {
          if (!p.mutable_grad().defined()) continue;
          if (setToNone) {
            p.mutable_grad() = at::Tensor();
          } else {
            p.mutable_grad().detach_();
            p.mutable_grad().zero_();
          }
        }
      }
    });
    return info.Env().Undefined();
  }

  torch::optim::OptimizerParamGroup& Group(const Napi::CallbackInfo& info) {
    int64_t g = info[0].As<Napi::Number>().Int64Value();
    if (g < 0 || size_t(g) >= opt_->param_groups().size()) {
      throw Napi::RangeError::New(info.Env(), "no parameter group " + std::to_string(g));
    }
    return opt_->param_groups()[g];
  }

  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    Group(info).options().set_lr(info[1].As<Napi::Number>().DoubleValue());
    return info.Env().Undefined();
  }

  Napi::Value GetLr(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), Group(info).options().get_lr());
  }

  // getState() -> ({step, tensors: {name: Tensor}} | null)[] over all params, group order.
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t k = 0;
    for (auto& g : opt_->param_groups()) {
      for (auto& p : g.params()) {
        auto it = opt_->state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
        if (it == opt_->state().end()) {
          out.Set(k++, env.Null());
          continue;
        }
        Napi::Object s = Napi::Object::New(env);
        Napi::Object ts = Napi::Object::New(env);
        auto put = [&](const char* n, const at::Tensor& t) {
          if (t.defined()) ts.Set(n, slots::Wrap(env, t.clone()));
        };
        if (kind_ == "adam") {
          auto& st = static_cast<torch::optim::AdamParamState&>(*it->second);
          s.Set("step", double(st.step()));
          put("exp_avg", st.exp_avg());
          put("exp_avg_sq", st.exp_avg_sq());
          put("max_exp_avg_sq", st.max_exp_avg_sq());
        } else if (kind_ == "adamw") {
          auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
          s.Set("step", double(st.step()));
          put("exp_avg", st.exp_avg());
          put("exp_avg_sq", st.exp_avg_sq());
          put("max_exp_avg_sq", st.max_exp_avg_sq());
        } else {
          auto& st = static_cast<torch::optim::SGDParamState&>(*it->second);
          s.Set("step", 0);
          put("momentum_buffer", st.momentum_buffer());
        }
        s.Set("tensors", ts);
        out.Set(k++, s);
      }
    }
    return out;
  }

  Napi::Value SetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array in = info[0].As<Napi::Array>();
    Guard(env, [&] {
      uint32_t k = 0;
      for (auto& g : opt_->param_groups()) {
        for (auto& p : g.params()) {
          TORCH_CHECK(k < in.Length(), "optimizer state has ", in.Length(),
                      " entries, fewer than the parameters");
          Napi::Value e = in.Get(k++);
          std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
          if (e.IsNull() || e.IsUndefined()) {
            opt_->state().erase(key);
            continue;
          }
          Napi::Object s = e.As<Napi::Object>();
          Napi::Object ts = s.Get("tensors").As<Napi::Object>();
          auto get = [&](const char* n) -> at::Tensor {
            Napi::Value v = ts.Get(n);
            if (!slots::IsTensor(v)) return at::Tensor();
            at::Tensor t = slots::Get(v, std::string("optimizer state ") + n).clone();
            TORCH_CHECK(t.sizes() == p.sizes(), "optimizer state ", n, " has shape ", t.sizes(),
                        ", parameter ", k - 1, " has ", p.sizes());
            return t.to(p.device());
          };
          int64_t step = s.Get("step").As<Napi::Number>().Int64Value();
          if (kind_ == "adam") {
            auto st = std::make_unique<torch::optim::AdamParamState>();
            st->step(step).exp_avg(get("exp_avg")).exp_avg_sq(get("exp_avg_sq"));
            st->max_exp_avg_sq(get("max_exp_avg_sq"));
            opt_->state()[key] = std::move(st);
          } else if (kind_ == "adamw") {
            auto st = std::make_unique<torch::optim::AdamWParamState>();
            st->step(step).exp_avg(get("exp_avg")).exp_avg_sq(get("exp_avg_sq"));
            st->max_exp_avg_sq(get("max_exp_avg_sq"));
            opt_->state()[key] = std::move(st);
          } else {
            auto st = std::make_unique<torch::optim::SGDParamState>();
            st->momentum_buffer(get("momentum_buffer"));
            opt_->state()[key] = std::move(st);
          }
        }
      }
      TORCH_CHECK(k == in.Length(), "optimizer state has ", in.Length(), " entries, the optimizer ",
                  k, " parameters");
    });
    return env.Undefined();
  }

  std::string kind_;
  std::unique_ptr<torch::optim::Optimizer> opt_;
};

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) { OptimizerWrap::Init(env, exports); }

}  // namespace veil
