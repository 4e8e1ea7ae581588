"""Writes tests/fixtures/dct/*.npy with SciPy/NumPy (run with Debian's /usr/bin/python3).

x_2x5x7x3.npy: float64 NHWC batch, uniform [0,1) from a fixed seed; dctn_2x5x7x3.npy: its orthonormal 2-D
DCT-II over (H, W) per channel (scipy.fft.dctn, norm='ortho'); fft2_{re,im}_2x5x7x3.npy: its unnormalised
2-D DFT over (H, W) (numpy.fft.fft2). Same for a single 8x8x1 image (x_1x8x8x1, dctn_1x8x8x1).
"""
import os
import numpy as np
import scipy.fft

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "dct")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20240601)
for shape in [(2, 5, 7, 3), (1, 8, 8, 1)]:
    tag = "x".join(map(str, shape))
    x = rng.random(shape)
    np.save(os.path.join(out, f"x_{tag}.npy"), x)
    np.save(os.path.join(out, f"dctn_{tag}.npy"), scipy.fft.dctn(x, type=2, axes=(1, 2), norm="ortho"))
    f = np.fft.fft2(x, axes=(1, 2))
    np.save(os.path.join(out, f"fft2_re_{tag}.npy"), f.real.copy())
    np.save(os.path.join(out, f"fft2_im_{tag}.npy"), f.imag.copy())
print("wrote", sorted(os.listdir(out)))
