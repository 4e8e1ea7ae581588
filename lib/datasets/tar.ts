/**
 * A minimal reader of (ustar / GNU) tar archives, enough for the official CIFAR-10 tarball: walks the
 * 512-byte headers and yields regular files with their paths and contents (views into the archive bytes).
 */
import { DatasetFormatError } from "./types.ts";

/** One regular file of a tar archive. */
export interface TarEntry {
  path: string;
  data: Uint8Array;
}

const decoder = new TextDecoder();

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function octal(bytes: Uint8Array, file: string, offset: number): number {
  const text = cString(bytes).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new DatasetFormatError(file, offset, `bad octal size field '${text}' in tar header`);
  }
  return text === "" ? 0 : parseInt(text, 8);
}

/** The regular files of a tar archive, in archive order; `file` names the archive in errors. */
export function* walkTar(tar: Uint8Array, file: string): Generator<TarEntry> {
  let pos = 0;
  let longName: string | null = null;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) return; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    const stored = octal(header.subarray(148, 156), file, pos + 148);
    if (sum !== stored) {
      throw new DatasetFormatError(file, pos, `tar header checksum ${stored} does not match ${sum}`);
    }
    const size = octal(header.subarray(124, 136), file, pos + 124);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = cString(header.subarray(345, 500));
    const name = longName ??
      (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    const dataStart = pos + 512;
    if (dataStart + size > tar.length) {
      throw new DatasetFormatError(
        file,
        tar.length,
        `tar entry '${name}' needs ${size} bytes from offset ${dataStart}, archive ends first`,
      );
    }
    const data = tar.subarray(dataStart, dataStart + size);
    longName = null;
    if (type === "L") longName = cString(data);
    else if (type === "0" || type === "\0") yield { path: name, data };
    pos = dataStart + Math.ceil(size / 512) * 512;
  }
}
