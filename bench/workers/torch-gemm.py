# SPDX-License-Identifier: MIT
# PyTorch fp32 GEMM timings for the gemm bench, on one thread: reads a JSON list of shapes
# ({name, M, N, K, transA?, transB?}) from argv[1], prints one JSON line: per shape the best
# and median milliseconds of C (M,N) f32 = A (M,K) f32 x B (K,N) f32, after one warm-up call,
# for about `budget` seconds each. Where PyTorch has oneDNN (MKL-DNN) the product runs as its
# linear (A x W^T with W = B^T (N,K), as a Linear layer computes it), since Debian's build links
# a generic reference BLAS under torch.mm (about 1 GOPS); otherwise torch.mm. `path` says which.
import json
import sys
import time

import torch

torch.set_num_threads(1)
shapes = json.loads(sys.argv[1])
budget = 1.5
out = []
for s in shapes:
    m, n, k = s["M"], s["N"], s["K"]
    g = torch.Generator().manual_seed(1)
    a = torch.randint(-127, 128, (k, m) if s.get("transA") else (m, k), generator=g).float() / 128
    b = torch.randint(-127, 128, (n, k) if s.get("transB") else (k, n), generator=g).float() / 128
    a = a.t() if s.get("transA") else a
    b = b.t() if s.get("transB") else b
    if torch.backends.mkldnn.is_available():
        path = "oneDNN linear"
        am = a.contiguous().to_mkldnn()
        wm = b.t().contiguous().to_mkldnn()

        def run():
            torch._C._nn.mkldnn_linear(am, wm, None)

    else:
        path = "torch.mm"
        c = torch.empty(m, n)

        def run():
            torch.mm(a, b, out=c)

    run()
    ts = []
    start = time.perf_counter()
    while len(ts) < 50 and (len(ts) < 3 or time.perf_counter() - start < budget):
        t = time.perf_counter()
        run()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    out.append({**s, "best": ts[0], "median": ts[len(ts) // 2], "runs": len(ts), "path": path})
print(json.dumps(out))
