"""Writes tests/fixtures/io/*.npy with NumPy (run with Debian's /usr/bin/python3).

Each file's values are a closed form the test recomputes: a[k] = f(k) on the flattened C-order index k.
"""
import os
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "io")
os.makedirs(out, exist_ok=True)

k = np.arange(2 * 3 * 4)
np.save(os.path.join(out, "f32_2x3x4.npy"), (k * 0.5 - 3).astype(np.float32).reshape(2, 3, 4))
np.save(os.path.join(out, "f64_6x4.npy"), (1.0 / (k + 1)).astype(np.float64).reshape(6, 4))
np.save(os.path.join(out, "u8_24.npy"), ((k * 37) % 256).astype(np.uint8))
np.save(os.path.join(out, "i32_4x6.npy"), ((k - 12) * 100003).astype(np.int32).reshape(4, 6))
np.save(os.path.join(out, "f32_scalar.npy"), np.array(2.5, dtype=np.float32))
np.save(os.path.join(out, "f32_empty_0x3.npy"), np.zeros((0, 3), dtype=np.float32))
# Version 2.0 header, written explicitly.
with open(os.path.join(out, "f64_v2_3.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([1.5, -2.25, 1e300]), version=(2, 0))
# Fortran order and big-endian: must be rejected.
np.save(os.path.join(out, "f32_fortran_2x3.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save(os.path.join(out, "f32_bigendian_3.npy"), np.arange(3, dtype=">f4"))
np.save(os.path.join(out, "i16_3.npy"), np.arange(3, dtype=np.int16))
print("wrote", sorted(os.listdir(out)))
