/**
 * CIFAR-10 in the official binary format (Krizhevsky, 2009): files of 3073-byte records, each 1 label byte
 * then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each row-major 32×32). Any whole number of records
 * per file is accepted. Training files `data_batch_1.bin` … `data_batch_5.bin` (those present, at least
 * one), test file `test_batch.bin`, class names from `batches.meta.txt` when present.
 *
 * Where the files are looked for: with `dir`, only there (or in its `cifar-10-batches-bin/` subdirectory) —
 * an explicit directory is never replaced by another copy; without it, `<cacheDir>/cifar-10-batches-bin/`,
 * failing that the official tarball is taken from `<cacheDir>/cifar-10-binary.tar.gz` or downloaded there
 * from {@link CIFAR10_URL}, its MD5 checked against {@link CIFAR10_MD5}, and extracted into the cache. An
 * empty or truncated file is an error naming it.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { deriveSeed } from "../stats/mod.ts";
import { maybeGunzip } from "./gzip.ts";
import { stratifiedIndices } from "./limit.ts";
import { walkTar } from "./tar.ts";
import {
  type Dataset,
  DatasetFormatError,
  DatasetUnavailableError,
  defaultCacheDir,
  type LabelledImages,
} from "./types.ts";

/** Official download address of the binary version. */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/** MD5 of the official tarball. */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
/** Class names in label order (as in `batches.meta.txt`). */
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
/** Bytes per record: 1 label + 3·32·32 pixels. */
export const CIFAR10_RECORD = 3073;

const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = "test_batch.bin";
const SUBDIR = "cifar-10-batches-bin";

/** Options of {@link loadCifar10}. */
export interface Cifar10Options {
  /** Local directory with the .bin files (or with `cifar-10-batches-bin/` inside). */
  dir?: string;
  /** Cache directory for the download (default {@link defaultCacheDir}). */
  cacheDir?: string;
  /** Download when the files are not found (default true; never with `dir`). */
  download?: boolean;
  trainLimit?: number;
  testLimit?: number;
  seed?: number;
}

/** Checks that a CIFAR-10 file holds whole records with labels 0..9; returns the record count. */
function checkRecords(bytes: Uint8Array, file: string): number {
  if (bytes.length % CIFAR10_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD);
    throw new DatasetFormatError(
      file,
      whole * CIFAR10_RECORD,
      `truncated record ${whole}: ${
        bytes.length % CIFAR10_RECORD
      } of ${CIFAR10_RECORD} bytes (file size ${bytes.length} is not a multiple of ${CIFAR10_RECORD})`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD;
  if (n === 0) throw new DatasetFormatError(file, 0, "empty file: no records (0 bytes)");
  for (let r = 0; r < n; r++) {
    const label = bytes[r * CIFAR10_RECORD];
    if (label > 9) {
      throw new DatasetFormatError(
        file,
        r * CIFAR10_RECORD,
        `label byte ${label} of record ${r} outside 0..9`,
      );
    }
  }
  return n;
}

/**
 * Decodes CIFAR-10 binary records into a split (NHWC [N,32,32,3] float32 /255). With `indices`, only those
 * records (in that order). `file` names the source in errors.
 */
export function decodeCifar10(
  bytes: Uint8Array,
  file = "<bytes>",
  indices?: ArrayLike<number>,
): LabelledImages {
  const total = checkRecords(bytes, file);
  const pick = indices ?? Int32Array.from({ length: total }, (_, i) => i);
  const n = pick.length;
  const images = new Float32Array(n * 3072);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const rec = pick[k] * CIFAR10_RECORD;
    labels[k] = bytes[rec];
    const out = k * 3072;
    for (let p = 0; p < 1024; p++) {
      images[out + p * 3] = bytes[rec + 1 + p] / 255;
      images[out + p * 3 + 1] = bytes[rec + 1 + 1024 + p] / 255;
      images[out + p * 3 + 2] = bytes[rec + 1 + 2048 + p] / 255;
    }
  }
  return { images, labels, shape: [n, 32, 32, 3] };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The first directory among the candidates that holds `test_batch.bin` and at least one training batch. */
function findBinDir(candidates: string[]): string | null {
  for (const dir of candidates) {
    if (exists(join(dir, TEST_FILE)) && TRAIN_FILES.some((f) => exists(join(dir, f)))) return dir;
  }
  return null;
}

/** Reads the concatenated records of several files, then keeps a stratified `limit` of them. */
async function readSplit(paths: string[], limit: number | undefined, seed: number): Promise<LabelledImages> {
  const files = await Promise.all(paths.map(async (p) => ({ path: p, bytes: await Deno.readFile(p) })));
  const counts = files.map((f) => checkRecords(f.bytes, f.path));
  const labels = new Int32Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  files.forEach((f, i) => {
    for (let r = 0; r < counts[i]; r++) labels[at++] = f.bytes[r * CIFAR10_RECORD];
  });
  const keep = limit === undefined ? null : stratifiedIndices(labels, 10, limit, seed);
  const parts: LabelledImages[] = [];
  let start = 0;
  files.forEach((f, i) => {
    const end = start + counts[i];
    const local = keep ? Array.from(keep.filter((g) => g >= start && g < end), (g) => g - start) : undefined;
    parts.push(decodeCifar10(f.bytes, f.path, local));
    start = end;
  });
  const n = parts.reduce((a, p) => a + p.shape[0], 0);
  const images = new Float32Array(n * 3072);
  const out = new Int32Array(n);
  let k = 0;
  for (const p of parts) {
    images.set(p.images, k * 3072);
    out.set(p.labels, k);
    k += p.shape[0];
  }
  return { images, labels: out, shape: [n, 32, 32, 3] };
}

/** Hex MD5 of bytes. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * Extracts the `.bin` and `.txt` files of a CIFAR-10 tarball (gzipped tar) into `<cacheDir>/cifar-10-batches-bin/`
 * after checking its MD5 (unless `expectedMd5` is null). Files are written to a temporary directory that is
 * renamed into place, so a half-extracted cache is never seen.
 */
export async function extractCifar10Tarball(
  archive: Uint8Array,
  file: string,
  cacheDir: string,
  expectedMd5: string | null = CIFAR10_MD5,
): Promise<string> {
  if (expectedMd5 !== null) {
    const got = md5Hex(archive);
    if (got !== expectedMd5) {
      throw new DatasetFormatError(
        file,
        0,
        `MD5 ${got} does not match the official ${expectedMd5}; delete it and retry`,
      );
    }
  }
  const tar = maybeGunzip(archive, file);
  await Deno.mkdir(cacheDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: cacheDir, prefix: ".extract-" });
  let wrote = 0;
  for (const entry of walkTar(tar, file)) {
    const base = entry.path.split("/").pop()!;
    if (entry.path.includes(`${SUBDIR}/`) && /\.(bin|txt)$/.test(base)) {
      await Deno.writeFile(join(tmp, base), entry.data);
      wrote++;
    }
  }
  if (wrote === 0) {
    await Deno.remove(tmp, { recursive: true });
    throw new DatasetFormatError(file, 0, `no ${SUBDIR}/*.bin files in the archive`);
  }
  const target = join(cacheDir, SUBDIR);
  await Deno.remove(target, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, target);
  return target;
}

async function download(url: string, dest: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const got = md5Hex(bytes);
  if (got !== CIFAR10_MD5) throw new Error(`downloaded file has MD5 ${got}, expected ${CIFAR10_MD5}`);
  const tmp = `${dest}.${Deno.pid}.part`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, dest);
  return bytes;
}

/**
 * The directories searched for the .bin files, in order: `dir` and `dir/cifar-10-batches-bin` when a `dir`
 * is given (and nothing else: an explicit directory never falls back to the cache), else the cache's.
 */
export function cifar10SearchDirs(options: Cifar10Options = {}): string[] {
  if (options.dir) return [options.dir, join(options.dir, SUBDIR)];
  return [join(options.cacheDir ?? defaultCacheDir(), SUBDIR)];
}

/**
 * The local files {@link loadCifar10} would read with these options, without downloading anything: the
 * .bin and batches.meta.txt files of the first search directory that has them, else the cached tarball;
 * empty when a download is still needed.
 */
export function cifar10SourceFiles(options: Cifar10Options = {}): string[] {
  const dir = findBinDir(cifar10SearchDirs(options));
  if (dir) {
    return [...TRAIN_FILES, TEST_FILE, "batches.meta.txt"].map((f) => join(dir, f)).filter(exists);
  }
  const tarball = join(options.cacheDir ?? defaultCacheDir(), "cifar-10-binary.tar.gz");
  return !options.dir && exists(tarball) ? [tarball] : [];
}

/** Locates (or downloads and extracts) the CIFAR-10 binary files; returns their directory. */
export async function locateCifar10(options: Cifar10Options = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const candidates = cifar10SearchDirs(options);
  const found = findBinDir(candidates);
  if (found) return found;
  if (options.dir) {
    throw new DatasetUnavailableError(
      `cifar10: ${options.dir} holds no test_batch.bin with data_batch_*.bin (looked in ${
        candidates.join(" and ")
      }); put data_batch_1.bin … data_batch_5.bin and test_batch.bin there (an explicit dir is not ` +
        `replaced by the cache)`,
    );
  }
  const tarball = join(cacheDir, "cifar-10-binary.tar.gz");
  if (exists(tarball)) return await extractCifar10Tarball(await Deno.readFile(tarball), tarball, cacheDir);
  const where = `put data_batch_1.bin … data_batch_5.bin and test_batch.bin into ${join(cacheDir, SUBDIR)}` +
    (options.dir ? ` or ${options.dir}` : "") +
    `, or cifar-10-binary.tar.gz (MD5 ${CIFAR10_MD5}) into ${cacheDir}`;
  if (!(options.download ?? !options.dir)) {
    throw new DatasetUnavailableError(`cifar10: not found in ${candidates.join(" or ")}; ${where}`);
  }
  await Deno.mkdir(cacheDir, { recursive: true });
  let archive: Uint8Array;
  try {
    archive = await download(CIFAR10_URL, tarball);
  } catch (err) {
    throw new DatasetUnavailableError(
      `cifar10: not found in ${candidates.join(" or ")}, and downloading ${CIFAR10_URL} failed ` +
        `(${
          err instanceof Error ? err.message : String(err)
        }). Offline, fetch it on another machine and ${where}`,
    );
  }
  return await extractCifar10Tarball(archive, tarball, cacheDir);
}

/** Loads CIFAR-10 (see the module doc) with optional stratified limits per split. */
export async function loadCifar10(options: Cifar10Options = {}): Promise<Dataset> {
  const dir = await locateCifar10(options);
  const trainFiles = TRAIN_FILES.map((f) => join(dir, f)).filter(exists);
  const seed = options.seed ?? 0;
  const train = await readSplit(trainFiles, options.trainLimit, deriveSeed(seed, "train"));
  const test = await readSplit([join(dir, TEST_FILE)], options.testLimit, deriveSeed(seed, "test"));
  let classNames = CIFAR10_CLASSES;
  const meta = join(dir, "batches.meta.txt");
  if (exists(meta)) {
    const names = (await Deno.readTextFile(meta)).split("\n").map((s) => s.trim()).filter((s) => s !== "");
    if (names.length === 10) classNames = names;
  }
  return {
    name: "cifar10",
    classNames,
    train,
    test,
    info: { dir, trainFiles: trainFiles.map((f) => f.split("/").pop()) },
  };
}
