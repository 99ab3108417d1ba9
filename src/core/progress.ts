import cliProgress from "cli-progress";

/**
 * A progress bar on stderr for long work. It draws only on a terminal (CI logs and pipes get a
 * single closing line instead), so the same code serves interactive and batch runs.
 */
export interface Progress {
  /** Sets the absolute amount done and optional extra fields shown after the bar. */
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function startProgress(label: string, total: number, unit = "items"): Progress {
  const started = Date.now();
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update(done: number) {
        last = done;
      },
      stop() {
        const s = (Date.now() - started) / 1000;
        if (s >= 1) process.stderr.write(`${label}: ${last.toLocaleString("en-US")} ${unit} in ${s.toFixed(1)} s\n`);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted} {extra}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { extra: "" });
  return {
    update(done: number, fields?: Record<string, string | number>) {
      const extra = fields ? Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(" ") : "";
      bar.update(done, { extra });
    },
    stop() {
      bar.stop();
    },
  };
}
