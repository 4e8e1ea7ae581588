/**
 * What the slurm executor needs of the store's filesystem, checked when `run --executor slurm` starts:
 * a rename that atomically replaces its target (entries, markers and views are published that way), and
 * `flock` locks that exclude another process (the entry locks and the submit lock). On NFS both hold with
 * NFSv4 or NFSv3 with lockd (Linux maps flock onto byte-range locks); see the README for mounts where they
 * do not. Jobs on other nodes must see the same directory: the job script checks that on its node.
 */
import { join } from "node:path";
import type { OutputsLayout } from "../layout.ts";
import { onPath, runCommand } from "./shell.ts";
import { SlurmMarkers } from "./markers.ts";

/** Filesystem types that one machine alone sees: fine for a one-node cluster, not for several nodes. */
const LOCAL_FS = new Set(["ext2/ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlayfs", "zfs", "f2fs"]);

/** Checks rename and flock under the store; throws saying which failed. Returns notes worth printing. */
export async function checkStore(layout: OutputsLayout): Promise<string[]> {
  const dir = SlurmMarkers.root(layout);
  Deno.mkdirSync(dir, { recursive: true });
  const a = join(dir, `.fscheck.${Deno.pid}.a`);
  const b = join(dir, `.fscheck.${Deno.pid}.b`);
  const notes: string[] = [];
  try {
    Deno.writeTextFileSync(b, "old");
    Deno.writeTextFileSync(a, "new");
    Deno.renameSync(a, b);
    if (Deno.readTextFileSync(b) !== "new") throw new Error("rename did not replace its target");
    if (onPath("flock")) {
      const file = await Deno.open(b, { read: true, write: true });
      try {
        await file.lock(true);
        const other = await runCommand("flock", ["--nonblock", "--conflict-exit-code", "75", b, "true"]);
        if (other.code !== 75) {
          throw new Error(
            `flock does not exclude another process here (flock -n got exit ${other.code}): ` +
              "entry locks would not work; see the README on NFS mounts",
          );
        }
      } finally {
        file.close();
      }
    } else notes.push("flock(1) not found: the flock check was skipped");
  } catch (e) {
    throw new Error(`the store ${layout.store} cannot hold a slurm run: ${(e as Error).message}`);
  } finally {
    for (const p of [a, b]) {
      try {
        Deno.removeSync(p);
      } catch {
        // renamed away or never made
      }
    }
  }
  const fs = await runCommand("stat", ["-f", "-c", "%T", layout.store]).catch(() => undefined);
  const type = fs?.stdout.trim();
  if (type && LOCAL_FS.has(type)) {
    notes.push(`the store is on ${type}, which only this machine sees: fine for a one-node cluster`);
  }
  return notes;
}
