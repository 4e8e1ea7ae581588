/** Whether the SLURM tests can run here: a controller must answer (`scripts/slurm_cluster.sh start`). */
import { existsSync } from "node:fs";
import { onPath } from "../../pipeline/slurm/shell.ts";

/**
 * Why the SLURM tests cannot run here (undefined when a controller answers). Logs it, and throws when
 * `FREQLENS_REQUIRE_SLURM=1` (set by `.ci/run` once it started a cluster), so CI never skips them silently.
 */
export function slurmMissing(file: string): string | undefined {
  let why: string | undefined;
  const conf = Deno.env.get("SLURM_CONF") || "/etc/slurm/slurm.conf";
  if (!onPath("sbatch")) why = "sbatch is not installed (apt-get install slurm-wlm munge)";
  else if (!existsSync(conf)) why = `no ${conf} (scripts/slurm_cluster.sh start writes one)`;
  else {
    const ping = new Deno.Command("scontrol", { args: ["ping"], stdout: "piped", stderr: "piped" })
      .outputSync();
    if (!ping.success || !/is UP/.test(new TextDecoder().decode(ping.stdout))) {
      why = "no SLURM controller answers (scripts/slurm_cluster.sh start)";
    }
  }
  if (why && Deno.env.get("FREQLENS_REQUIRE_SLURM") === "1") throw new Error(`SLURM required: ${why}`);
  if (why) console.warn(`${file}: skipped: ${why}`);
  return why;
}
