"""The zfpy door: code written for LLNL's zfpy runs unchanged, and the
numcodecs codec compresses single arrays too.

    pip install zfpcodec
    python examples/zfpy_api.py
"""

import numpy as np

import zfpy  # zfpcodec's drop-in for LLNL's zfpy 1.0.1
from zfpcodec import ZFP

x = np.linspace(0, 1, 100 * 80).reshape(100, 80)
x = np.sin(8 * x) + x**2

# zfpy's own functions: same names, streams and header
stream = zfpy.compress_numpy(x, tolerance=1e-4)
y = zfpy.decompress_numpy(stream)
print(f"zfpy.compress_numpy: {x.nbytes} -> {len(stream)} bytes, "
      f"max error {np.abs(y - x).max():.2e}, header {zfpy.header(stream)['mode']}")

# the codec: the mode follows from the parameter, any layout, decode into `out`
codec = ZFP(rate=16)
f_ordered = np.asfortranarray(x)
out = np.empty_like(f_ordered)
codec.decode(codec.encode(f_ordered), out=out)
print(f"{codec!r}: {len(codec.encode(x))} bytes, max error {np.abs(out - x).max():.2e}")

lossless = ZFP(reversible=True)
assert (lossless.decode(lossless.encode(x)) == x).all()
print(f"{lossless!r}: {len(lossless.encode(x))} bytes, exact")
