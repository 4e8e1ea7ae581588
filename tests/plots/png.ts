/**
 * A minimal PNG decoder for tests (8-bit greyscale, RGB, RGBA, non-interlaced): checks the signature,
 * reads IHDR, inflates the IDAT stream with fflate and undoes the scanline filters, so tests can count the
 * pixels of a rendered figure or a browser screenshot independently of the renderer that wrote them.
 */
import { unzlibSync } from "fflate";

/** A decoded image: RGBA, 8 bits per channel, row-major. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk (throws when the bytes are not a PNG). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("not a PNG: bad signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") throw new Error(`first chunk is ${type}, not IHDR`);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG into RGBA pixels. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const { width, height } = pngSize(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24];
  const colorType = bytes[25];
  const interlace = bytes[28];
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (depth !== 8 || !channels || interlace !== 0) {
    throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
  }
  const idat: Uint8Array[] = [];
  for (let off = 8; off < bytes.length;) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    if (type === "IDAT") idat.push(bytes.subarray(off + 8, off + 8 + len));
    if (type === "IEND") break;
    off += 12 + len;
  }
  const total = idat.reduce((n, c) => n + c.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const c of idat) {
    joined.set(c, at);
    at += c.length;
  }
  const raw = unzlibSync(joined);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`IDAT inflates to ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[row + x - channels] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? out[row - stride + x - channels] : 0;
      const v = raw[src + x];
      const pred = filter === 0
        ? 0
        : filter === 1
        ? a
        : filter === 2
        ? b
        : filter === 3
        ? (a + b) >> 1
        : paeth(a, b, c);
      if (filter > 4) throw new Error(`bad filter type ${filter} on row ${y}`);
      out[row + x] = (v + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    if (channels === 1 || channels === 2) {
      rgba.set([out[s], out[s], out[s], channels === 2 ? out[s + 1] : 255], p * 4);
    } else {
      rgba.set([out[s], out[s + 1], out[s + 2], channels === 4 ? out[s + 3] : 255], p * 4);
    }
  }
  return { width, height, rgba };
}

/** Number of pixels that differ from white by more than `tolerance` in any channel (alpha composited on white). */
export function nonWhitePixels(image: DecodedPng, tolerance = 8): number {
  let n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const alpha = image.rgba[p * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) {
      const v = image.rgba[p * 4 + c] * alpha + 255 * (1 - alpha);
      if (255 - v > tolerance) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Non-white pixel count inside the rectangle [x0, x1) × [y0, y1). */
export function nonWhiteIn(image: DecodedPng, x0: number, y0: number, x1: number, y1: number): number {
  const crop = new Uint8Array((x1 - x0) * (y1 - y0) * 4);
  for (let y = y0; y < y1; y++) {
    crop.set(
      image.rgba.subarray((y * image.width + x0) * 4, (y * image.width + x1) * 4),
      (y - y0) * (x1 - x0) * 4,
    );
  }
  return nonWhitePixels({ width: x1 - x0, height: y1 - y0, rgba: crop });
}
