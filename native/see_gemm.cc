// Node-API binding of the kit's AVX2 / AVX-512 matrix product (see_gemm_kernel.h), built at `npm install` by
// scripts/native/build_native.ts into build/native/see_gemm.node and loaded by
// lib/backend/wasm_kernels/native_gemm.ts. It computes in place on a WebAssembly memory's bytes
// (tfjs-backend-wasm's heap, or the Proxy-Anchor helper's own memory), addressed like the kit's
// WebAssembly kernels: byte addresses and strides in floats.
//
//   gemm(bytes: Uint8Array, a, aRowStride, aColStride, b, bRowStride, bColStride, c, m, k, n, accumulate)
//   add(a, b, out)         (out = a + b element-wise, three Float32Arrays of one length: the
//                           data-parallel step's gradient sums)
//   supported(): boolean   (this CPU has AVX2 and FMA)
//   widths(): number[]     (the SIMD widths this CPU allows: [256], or [256, 512] with AVX-512F)
//   width(): number        (the SIMD width in use, 256 or 512: the widest the CPU has unless set)
//   setWidth(bits): number (256, or 512 where the CPU has AVX-512F; returns the width now in use;
//                           a RangeError names what this CPU allows otherwise)
//
// Every address the product would touch is checked against bytes' length first (a RangeError
// names the operand), so a wrong address cannot write outside the memory.
#include <node_api.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include "see_gemm_kernel.h"

namespace {

// scratch for the packed operands, one per thread (each worker thread loads the addon itself)
thread_local std::vector<float> scratchSpace;

float* scratchOf(std::size_t floats) {
  // 8 floats of slack so the start can be moved to a 32-byte boundary
  if (scratchSpace.size() < floats + 8) scratchSpace.resize(floats + 8);
  auto p = reinterpret_cast<std::uintptr_t>(scratchSpace.data());
  return reinterpret_cast<float*>((p + 31) & ~static_cast<std::uintptr_t>(31));
}

bool fail(napi_env env, const char* code, const std::string& message, bool range = false) {
  if (range)
    napi_throw_range_error(env, code, message.c_str());
  else
    napi_throw_type_error(env, code, message.c_str());
  return false;
}

bool readNumber(napi_env env, napi_value v, const char* name, double* out) {
  if (napi_get_value_double(env, v, out) != napi_ok) return fail(env, nullptr, std::string("see_gemm: ") + name + " must be a number");
  return true;
}

// byte range [address, address + 4 (last element + 1)) of a rows x cols operand must lie in [0, length)
bool checkOperand(napi_env env, const char* name, double address, double rowStride, double colStride, double rows, double cols,
                  std::size_t length) {
  if (address < 0 || rowStride < 0 || colStride < 0 || address != static_cast<double>(static_cast<std::int64_t>(address)) ||
      static_cast<std::int64_t>(address) % 4 != 0)
    return fail(env, nullptr, std::string("see_gemm: operand ") + name + " needs a non-negative 4-byte-aligned address and non-negative strides", true);
  const double last = address + 4.0 * ((rows - 1) * rowStride + (cols - 1) * colStride) + 4.0;
  if (last > static_cast<double>(length))
    return fail(env, nullptr,
                std::string("see_gemm: operand ") + name + " reaches byte " + std::to_string(static_cast<long long>(last)) +
                    " of a memory of " + std::to_string(length) + " bytes",
                true);
  return true;
}

// the call's `count` arguments into argv, or false (an exception set naming `usage`) when it has another number
bool argumentsOf(napi_env env, napi_callback_info info, std::size_t count, napi_value* argv, const char* usage) {
  std::size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return false;
  if (argc != count) return fail(env, nullptr, usage);
  return true;
}

// a typed array argument of type `want`: its data and length (in elements), or false (a TypeError set with `message`)
bool typedArrayOf(napi_env env, napi_value value, napi_typedarray_type want, const std::string& message, void** data, std::size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  napi_typedarray_type type;
  if (!isTyped || napi_get_typedarray_info(env, value, &type, length, data, nullptr, nullptr) != napi_ok || type != want)
    return fail(env, nullptr, message);
  return true;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!argumentsOf(env, info, 12, argv, "see_gemm: gemm takes 12 arguments (bytes, a, aRowStride, aColStride, b, bRowStride, bColStride, c, m, k, n, accumulate)"))
    return nullptr;
  std::size_t length = 0;
  void* data = nullptr;
  if (!typedArrayOf(env, argv[0], napi_uint8_array, "see_gemm: bytes must be a Uint8Array over the memory", &data, &length)) return nullptr;
  static const char* names[] = {"a", "aRowStride", "aColStride", "b", "bRowStride", "bColStride", "c", "m", "k", "n"};
  double v[10];
  for (int i = 0; i < 10; i++)
    if (!readNumber(env, argv[i + 1], names[i], &v[i])) return nullptr;
  bool accumulate = false;
  if (napi_get_value_bool(env, argv[11], &accumulate) != napi_ok) {
    fail(env, nullptr, "see_gemm: accumulate must be a boolean");
    return nullptr;
  }
  const double m = v[7], k = v[8], n = v[9];
  for (double d : {m, k, n})
    if (d < 0 || d > 2147483647.0 || d != static_cast<double>(static_cast<std::int64_t>(d))) {
      fail(env, nullptr, "see_gemm: m, k and n must be integers in [0, 2^31)", true);
      return nullptr;
    }
  if (m == 0 || n == 0) return nullptr;
  if (!checkOperand(env, "C", v[6], n, 1, m, n, length)) return nullptr;
  if (k > 0) {
    if (!checkOperand(env, "A", v[0], v[1], v[2], m, k, length)) return nullptr;
    if (!checkOperand(env, "B", v[3], v[4], v[5], k, n, length)) return nullptr;
  }
  auto* base = static_cast<std::uint8_t*>(data);
  const int mi = static_cast<int>(m), ki = static_cast<int>(k), ni = static_cast<int>(n);
  see_gemm::Strided a{reinterpret_cast<const float*>(base + static_cast<std::size_t>(v[0])), static_cast<std::ptrdiff_t>(v[1]),
                      static_cast<std::ptrdiff_t>(v[2])};
  see_gemm::Strided b{reinterpret_cast<const float*>(base + static_cast<std::size_t>(v[3])), static_cast<std::ptrdiff_t>(v[4]),
                      static_cast<std::ptrdiff_t>(v[5])};
  float* c = reinterpret_cast<float*>(base + static_cast<std::size_t>(v[6]));
  see_gemm::gemm(a, b, c, mi, ki, ni, accumulate, scratchOf(see_gemm::scratchFloats(mi, ki, ni)));
  return nullptr;
}

// add's Float32Array argument `name`: its values and length, or false (a TypeError naming it)
bool readFloats(napi_env env, napi_value value, const char* name, float** data, std::size_t* length) {
  void* raw = nullptr;
  if (!typedArrayOf(env, value, napi_float32_array, std::string("see_gemm: add: ") + name + " must be a Float32Array", &raw, length)) return false;
  *data = static_cast<float*>(raw);
  return true;
}

// out = a + b element-wise (float32 additions, so the same bits as JavaScript's a[i] + b[i] stored
// in a Float32Array); the data-parallel step's sum of two workers' gradients (parallel_step.ts)
napi_value Add(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!argumentsOf(env, info, 3, argv, "see_gemm: add takes 3 arguments (a, b, out)")) return nullptr;
  float *a, *b, *out;
  std::size_t na, nb, nout;
  if (!readFloats(env, argv[0], "a", &a, &na) || !readFloats(env, argv[1], "b", &b, &nb) || !readFloats(env, argv[2], "out", &out, &nout))
    return nullptr;
  if (na != nout || nb != nout) {
    fail(env, nullptr,
         "see_gemm: add: a, b and out must have the same length, got " + std::to_string(na) + ", " + std::to_string(nb) + " and " +
             std::to_string(nout),
         true);
    return nullptr;
  }
  for (std::size_t i = 0; i < nout; i++) out[i] = a[i] + b[i];
  return nullptr;
}

napi_value Supported(napi_env env, napi_callback_info) {
  napi_value result;
  napi_get_boolean(env, see_gemm::cpuSupported(), &result);
  return result;
}

napi_value Widths(napi_env env, napi_callback_info) {
  const bool wide = see_gemm::cpuHasAvx512();
  napi_value result, bits;
  napi_create_array_with_length(env, wide ? 2 : 1, &result);
  napi_create_int32(env, 256, &bits);
  napi_set_element(env, result, 0, bits);
  if (wide) {
    napi_create_int32(env, 512, &bits);
    napi_set_element(env, result, 1, bits);
  }
  return result;
}

napi_value Width(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, see_gemm::width(), &result);
  return result;
}

napi_value SetWidth(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double bits = 0;
  if (!argumentsOf(env, info, 1, argv, "see_gemm: setWidth takes 1 argument (bits)") || !readNumber(env, argv[0], "bits", &bits)) return nullptr;
  const bool whole = bits == 256.0 || bits == 512.0;
  if (!whole || !see_gemm::setWidth(static_cast<int>(bits))) {
    char shown[32];
    std::snprintf(shown, sizeof shown, "%g", bits);
    fail(env, nullptr,
         std::string("see_gemm: setWidth(") + shown + "): expected 256" + (see_gemm::cpuHasAvx512() ? " or 512" : " (this CPU has no AVX-512F)"), true);
    return nullptr;
  }
  return Width(env, info);
}

} // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"supported", nullptr, Supported, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"widths", nullptr, Widths, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"width", nullptr, Width, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setWidth", nullptr, SetWidth, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
