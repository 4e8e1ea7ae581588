/**
 * Where things live under `outputs/`:
 *
 * - `.store/<key>/` — one entry: the stage's files, `log.txt`, and `manifest.json` (written last).
 * - `.store/.tmp/<key>.<pid>.<n>/` — an entry being written; renamed into place when complete.
 * - `.store/.failed/<key>/` — what the last failed attempt of a key left, with its log.
 * - `.store/.locks/<key>.lock` — held (flock) by the process producing that key.
 * - `.cache/` — import graphs and task infos, to keep `status` fast; safe to delete.
 * - `<config name>/<instance>` — symlink to the current entry of that instance (the readable view, and the
 *   record of the instance's previous key that `status` compares against).
 */
import { join, resolve } from "node:path";

/** Paths under one outputs directory. */
export class OutputsLayout {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  get store(): string {
    return join(this.root, ".store");
  }
  get tmp(): string {
    return join(this.store, ".tmp");
  }
  get locks(): string {
    return join(this.store, ".locks");
  }
  get failed(): string {
    return join(this.store, ".failed");
  }
  get cache(): string {
    return join(this.root, ".cache");
  }
  entry(key: string): string {
    return join(this.store, key);
  }
  lock(key: string): string {
    return join(this.locks, `${key}.lock`);
  }
  views(configName: string): string {
    return join(this.root, configName);
  }
  view(configName: string, instance: string): string {
    return join(this.views(configName), viewDirName(instance));
  }
}

/** An instance name as a directory name: '/' and '%' escaped (only legacy names hold them, `./names.ts`). */
export function viewDirName(instance: string): string {
  return instance.replaceAll("%", "%25").replaceAll("/", "%2F");
}
