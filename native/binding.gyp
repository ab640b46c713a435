# The native kernels addon, built by node-gyp at install (native/build.mjs, which tolerates a
# failed build). Files compiled for AVX2 or AVX-512 select their instruction set themselves
# (isa-begin.h), so the addon builds on any x86-64 and dispatches at run time; elsewhere
# those files compile to nothing and the portable kernels remain.
{
  'targets': [
    {
      'target_name': 'lowbit_native',
      'sources': [
        'src/addon.cc',
        'src/args.cc',
        'src/bind-convert.cc',
        'src/bind-elem.cc',
        'src/bind-gemm.cc',
        'src/bind-norm.cc',
        'src/bind-pack.cc',
        'src/conv-f32-avx512.cc',
        'src/conv-f32.cc',
        'src/conv-wgrad-int-avx512.cc',
        'src/conv-wgrad-int.cc',
        'src/cpu.cc',
        'src/elem-avx2.cc',
        'src/elem-avx512.cc',
        'src/elem-portable.cc',
        'src/gemm-f32-avx2.cc',
        'src/gemm-f32-avx512.cc',
        'src/gemm-f32.cc',
        'src/gemm-int-avx2.cc',
        'src/gemm-int-avx512.cc',
        'src/gemm-int-emulated.cc',
        'src/gemm-int-portable.cc',
        'src/gemm-int.cc',
        'src/norm-avx2.cc',
        'src/norm-avx512.cc',
        'src/norm-portable.cc',
        'src/pack-avx2.cc',
        'src/pack.cc',
        'src/pool.cc',
        'src/quantize-avx2.cc',
        'src/quantize-avx512.cc',
        'src/rng-jump.cc',
        'src/scratch.cc',
      ],
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'cflags_cc': ['-std=c++17', '-O3', '-ffp-contract=off', '-fno-math-errno', '-Wall', '-Wextra'],
      'cflags_cc!': ['-std=gnu++17', '-O2'],
      'xcode_settings': {
        'OTHER_CPLUSPLUSFLAGS': ['-std=c++17', '-O3', '-ffp-contract=off'],
      },
      'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
    },
  ],
}
