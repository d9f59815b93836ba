// Every ATen operator, by schema name, through the c10 dispatcher's boxed calling convention
// (as TorchScript calls them). Autograd, autocast and device dispatch all happen inside the
// dispatcher, so the binding stays small and covers every operator.
#include <ATen/core/dispatch/Dispatcher.h>

#include <vector>

#include "common.h"

namespace veil {

namespace {

// Operator handles looked up by this environment; JS holds indices into it.
struct Ops {
  std::vector<c10::OperatorHandle> handles;
};
std::vector<c10::OperatorHandle>& OpsOf(Napi::Env env) { return EnvStateOf(env).table<Ops>().handles; }

std::string Describe(Napi::Value v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsNumber()) return "number";
  if (v.IsBoolean()) return "boolean";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  if (slots::IsTensor(v)) return "tensor";
  return "object";
}

[[noreturn]] void Mismatch(Napi::Value v, const std::string& where, const std::string& want) {
  throw Napi::TypeError::New(v.Env(), where + ": expected " + want + ", got " + Describe(v));
}

int64_t ToInt(Napi::Value v, const std::string& where) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) Mismatch(v, where, "an integer");
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  Mismatch(v, where, "an integer");
}

// dtype, layout and memory format travel as ints in the boxed convention; JS may name them.
int64_t ToEnum(Napi::Value v, const std::string& where) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "contiguous_format") return int64_t(at::MemoryFormat::Contiguous);
    if (s == "preserve_format") return int64_t(at::MemoryFormat::Preserve);
    if (s == "channels_last") return int64_t(at::MemoryFormat::ChannelsLast);
    if (s == "channels_last_3d") return int64_t(at::MemoryFormat::ChannelsLast3d);
    if (s == "strided") return int64_t(at::kStrided);
    try {
      return int64_t(ParseDType(s));
    } catch (const std::exception& e) {
      throw Napi::TypeError::New(v.Env(), where + ": " + e.what());
    }
  }
  return ToInt(v, where);
}

c10::IValue ToIValue(Napi::Value v, const c10::TypePtr& type, const std::string& where,
                     c10::optional<int32_t> fixedLength);

c10::IValue ToList(Napi::Value v, const c10::ListTypePtr& lt, const std::string& where,
                   c10::optional<int32_t> fixedLength) {
  const c10::TypePtr& el = lt->getElementType();
  auto kind = el->kind();
  // A bare number where `int[2]` is expected means "the same value in every slot", as in Python.
  if (!v.IsArray()) {
    if ((kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType) && v.IsNumber() &&
        fixedLength) {
      return c10::IValue(std::vector<int64_t>(*fixedLength, ToInt(v, where)));
    }
    Mismatch(v, where, "an array");
  }
  Napi::Array a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  // "op argument 'size'" -> "op argument 'size[2]'"
  auto at_ = [&](uint32_t i) {
    std::string idx = "[" + std::to_string(i) + "]";
    return !where.empty() && where.back() == '\'' ? where.substr(0, where.size() - 1) + idx + "'"
                                                   : where + idx;
  };
  switch (kind) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: {
      std::vector<int64_t> out(n);
      for (uint32_t i = 0; i < n; ++i) out[i] = ToInt(a.Get(i), at_(i));
      return c10::IValue(out);
    }
    case c10::TypeKind::FloatType: {
      std::vector<double> out(n);
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value e = a.Get(i);
        if (!e.IsNumber()) Mismatch(e, at_(i), "a number");
        out[i] = e.As<Napi::Number>().DoubleValue();
      }
      return c10::IValue(out);
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> out;
      for (uint32_t i = 0; i < n; ++i) out.push_back(a.Get(i).ToBoolean().Value());
      return c10::IValue(out);
    }
    case c10::TypeKind::TensorType: {
      c10::List<at::Tensor> out;
      out.reserve(n);
      for (uint32_t i = 0; i < n; ++i) out.push_back(slots::Get(a.Get(i), at_(i)));
      return c10::IValue(out);
    }
    case c10::TypeKind::OptionalType: {
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t i = 0; i < n; ++i) {
        Napi::Value e = a.Get(i);
        if (e.IsNull() || e.IsUndefined()) {
          out.push_back(c10::nullopt);
        } else {
          out.push_back(slots::Get(e, at_(i)));
        }
      }
      return c10::IValue(out);
    }
    default: {
      c10::impl::GenericList out(el);
      for (uint32_t i = 0; i < n; ++i) out.push_back(ToIValue(a.Get(i), el, at_(i), c10::nullopt));
      return c10::IValue(out);
    }
  }
}

c10::IValue ToIValue(Napi::Value v, const c10::TypePtr& type, const std::string& where,
                     c10::optional<int32_t> fixedLength) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      return c10::IValue(slots::Get(v, where));
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return ToIValue(v, type->expectRef<c10::OptionalType>().getElementType(), where,
                      fixedLength);
    case c10::TypeKind::IntType:
      // 1.13 schemas type `ScalarType? dtype` and friends as plain ints.
      return c10::IValue(v.IsString() ? ToEnum(v, where) : ToInt(v, where));
    case c10::TypeKind::SymIntType:
      return c10::IValue(c10::SymInt(ToInt(v, where)));
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) Mismatch(v, where, "a number");
      return c10::IValue(v.As<Napi::Number>().DoubleValue());
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) Mismatch(v, where, "a boolean");
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case c10::TypeKind::NumberType: {
      // A Scalar: integers stay integral so that int tensors keep their dtype, as in Python.
      if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
      if (v.IsBigInt()) return c10::IValue(ToInt(v, where));
      if (!v.IsNumber()) Mismatch(v, where, "a number");
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        return c10::IValue(static_cast<int64_t>(d));
      }
      return c10::IValue(d);
    }
    case c10::TypeKind::StringType:
      if (!v.IsString()) Mismatch(v, where, "a string");
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return c10::IValue(ToEnum(v, where));
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) Mismatch(v, where, "a device name such as 'cpu' or 'cuda:0'");
      return c10::IValue(c10::Device(v.As<Napi::String>().Utf8Value()));
    case c10::TypeKind::ListType:
      return ToList(v, type->expect<c10::ListType>(), where, fixedLength);
    default:
      throw Napi::TypeError::New(v.Env(),
                                 where + ": arguments of type " + type->str() + " are not supported");
  }
}

// op(name, overload) -> integer handle, looked up once and reused for every call.
Napi::Value FindOp(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 ? info[1].As<Napi::String>().Utf8Value() : "";
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h) {
    throw Napi::Error::New(info.Env(), "no operator " + name + (overload.empty() ? "" : "." + overload) +
                                           " in this libtorch");
  }
  auto& ops = OpsOf(info.Env());
  ops.push_back(*h);
  return Napi::Number::New(info.Env(), double(ops.size() - 1));
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  auto& ops = OpsOf(info.Env());
  size_t i = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  if (i >= ops.size()) throw Napi::RangeError::New(info.Env(), "bad operator handle");
  std::ostringstream os;
  os << ops[i].schema();
  return Napi::String::New(info.Env(), os.str());
}

// call(handle, args[]): positional arguments in schema order; undefined takes the default.
Napi::Value Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& ops = OpsOf(env);
  size_t i = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  if (i >= ops.size()) throw Napi::RangeError::New(env, "bad operator handle");
  const c10::OperatorHandle& op = ops[i];
  const c10::FunctionSchema& schema = op.schema();
  Napi::Array args = info[1].As<Napi::Array>();
  const auto& formals = schema.arguments();
  if (args.Length() > formals.size()) {
    throw Napi::TypeError::New(env, schema.name() + ": " + std::to_string(args.Length()) +
                                        " arguments given, at most " +
                                        std::to_string(formals.size()) + " expected");
  }
  torch::jit::Stack stack;
  stack.reserve(formals.size());
  for (size_t k = 0; k < formals.size(); ++k) {
    const c10::Argument& f = formals[k];
    Napi::Value v = k < args.Length() ? args.Get(static_cast<uint32_t>(k)) : env.Undefined();
    if (v.IsUndefined()) {
      if (f.default_value()) {
        stack.push_back(*f.default_value());
        continue;
      }
      if (f.type()->kind() != c10::TypeKind::OptionalType) {
        throw Napi::TypeError::New(env, schema.name() + ": missing argument '" + f.name() + "'");
      }
    }
    stack.push_back(ToIValue(v, f.type(), schema.name() + " argument '" + f.name() + "'", f.N()));
  }
  Guard(env, [&] { op.callBoxed(&stack); });
  if (stack.size() == 1) return FromIValue(env, stack[0]);
  Napi::Array out = Napi::Array::New(env, stack.size());
  for (size_t k = 0; k < stack.size(); ++k) out.Set(uint32_t(k), FromIValue(env, stack[k]));
  return out;
}

}  // namespace

Napi::Value FromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return slots::Wrap(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, double(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isScalar()) {
    at::Scalar s = v.toScalar();
    return Napi::Number::New(env, s.isIntegral(false) ? double(s.toLong()) : s.toDouble());
  }
  if (v.isTuple()) {
    const auto& el = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, el.size());
    for (size_t i = 0; i < el.size(); ++i) a.Set(uint32_t(i), FromIValue(env, el[i]));
    return a;
  }
  if (v.isTensorList()) {
    auto l = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); ++i) a.Set(uint32_t(i), slots::Wrap(env, l.get(i)));
    return a;
  }
  if (v.isIntList()) {
    auto l = v.toIntVector();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); ++i) a.Set(uint32_t(i), Napi::Number::New(env, double(l[i])));
    return a;
  }
  if (v.isList()) {
    auto l = v.toListRef();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); ++i) a.Set(uint32_t(i), FromIValue(env, l[i]));
    return a;
  }
  if (v.isGenericDict()) {
    Napi::Object o = Napi::Object::New(env);
    for (const auto& kv : v.toGenericDict()) {
      std::string key = kv.key().isString() ? kv.key().toStringRef()
                                             : (kv.key().isInt() ? std::to_string(kv.key().toInt())
                                                                 : kv.key().tagKind());
      o.Set(key, FromIValue(env, kv.value()));
    }
    return o;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  throw Napi::TypeError::New(env, "cannot convert a value of kind " + v.tagKind() + " to JavaScript");
}

void InitDispatch(Napi::Env env, Napi::Object exports) {
  exports.Set("op", Napi::Function::New(env, FindOp));
  exports.Set("schema", Napi::Function::New(env, Schema));
  exports.Set("call", Napi::Function::New(env, Call));
}

}  // namespace veil
