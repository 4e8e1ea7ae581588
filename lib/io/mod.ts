/** File I/O for stage outputs: NumPy `.npy` arrays and atomic JSON/CSV/bytes writes. */
export * from "./npy.ts";
export * from "./atomic.ts";
