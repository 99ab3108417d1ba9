import cliProgress from "cli-progress";

/**
 * A progress bar on stderr for long work. It draws only on a terminal; CI logs and pipes get a
 * plain line at a steady interval (done/total, elapsed, ETA, the extra fields) and a closing line,
 * so the same code serves interactive and batch runs.
 */
export interface Progress {
  /** Sets the absolute amount done and optional extra fields shown after the bar. */
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** Seconds between the plain progress lines of a batch run ($KGC_PROGRESS_SECONDS, default 30). */
function plainInterval(): number {
  const s = Number(process.env["KGC_PROGRESS_SECONDS"]);
  return Number.isFinite(s) && s > 0 ? s : 30;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function startProgress(label: string, total: number, unit = "items"): Progress {
  const started = Date.now();
  if (!process.stderr.isTTY) {
    // batch runs (make > log, CI): one plain line per interval that a log file or `tail -f` can read
    const interval = plainInterval() * 1000;
    let last = 0;
    let lastLine = started;
    return {
      update(done: number, fields?: Record<string, string | number>) {
        last = done;
        const now = Date.now();
        if (now - lastLine < interval) return;
        lastLine = now;
        const s = (now - started) / 1000;
        const pct = total > 0 ? ` (${((100 * done) / total).toFixed(1)}%)` : "";
        const eta = done > 0 && total > done ? `, ETA ${clock((s * (total - done)) / done)}` : "";
        const extra = fields ? ` ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(" ")}` : "";
        process.stderr.write(`${label}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${unit}${pct}, elapsed ${clock(s)}${eta}${extra}\n`);
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
