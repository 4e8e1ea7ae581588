/**
 * Datasets of freqlens, all as {@link Dataset} (NHWC float32 images in [0, 1], int32 labels, class names,
 * train/test splits): CIFAR-10 (official binary format, local or downloaded with MD5 check), MNIST and
 * Fashion-MNIST (IDX, gzipped or not), and the synthetic planted-frequency dataset.
 */
export {
  checkSplit,
  type Dataset,
  DatasetFormatError,
  DatasetUnavailableError,
  defaultCacheDir,
  type LabelledImages,
} from "./types.ts";
export { limitSplit, selectIndices, stratifiedIndices, takeIndices } from "./limit.ts";
export { decodeIdx, type IdxArray, readIdx } from "./idx.ts";
export { isGzip, maybeGunzip } from "./gzip.ts";
export { type TarEntry, walkTar } from "./tar.ts";
export {
  FASHION_MNIST_CLASSES,
  type IdxDatasetName,
  type IdxLoadOptions,
  idxSearchDirs,
  loadMnistLike,
  MNIST_CLASSES,
  mnistSourceFiles,
} from "./mnist.ts";
export {
  CIFAR10_CLASSES,
  CIFAR10_MD5,
  CIFAR10_RECORD,
  CIFAR10_URL,
  type Cifar10Options,
  cifar10SearchDirs,
  cifar10SourceFiles,
  decodeCifar10,
  extractCifar10Tarball,
  loadCifar10,
  locateCifar10,
  md5Hex,
} from "./cifar10.ts";
export {
  defaultPlantedBands,
  plantedDataset,
  type PlantedOptions,
  type PlantedParams,
  plantedParams,
} from "./planted.ts";
export {
  DATASET_NAMES,
  type DatasetName,
  datasetSourceFiles,
  loadDataset,
  type LoadDatasetOptions,
} from "./load.ts";
