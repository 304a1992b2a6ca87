// How the CLI shows a run: JSON lines on stdout with --json (one object per event, a result
// object last), otherwise a progress bar on a terminal or plain lines when piped.

import type { EvalPoint, RunStateEvent, TrainProgress } from "../protocol";
import type { TrainerListener } from "../engine/train/trainer";

export interface Output {
    /** Writes a line to stdout. */
    line(text: string): void;
    /** Writes a transient status to stderr (a terminal redraws it in place). */
    status(text: string): void;
    isTTY: boolean;
}

export const processOutput: Output = {
    line: (text) => void process.stdout.write(text + "\n"),
    status: (text) => void process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
};

/** A listener that prints a run's events in the chosen format. */
export function reporter(
    json: boolean,
    out: Output = processOutput,
): TrainerListener & { done(): void } {
    let barShown = false;
    let lastLine = 0;
    const clearBar = () => {
        if (barShown) out.status("\r\x1b[K");
        barShown = false;
    };
    if (json) {
        return {
            progress: (p) => out.line(JSON.stringify({ type: "progress", ...p })),
            evaluation: (e) => out.line(JSON.stringify({ type: "eval", ...e })),
            state: (s) => out.line(JSON.stringify({ type: "state", ...s })),
            done: () => undefined,
        };
    }
    return {
        progress: (p: TrainProgress) => {
            if (out.isTTY) {
                // Redrawn at most ten times a second: tiny models take well under 1 ms a step.
                if (p.step < p.maxIters && Date.now() - lastLine < 100) return;
                lastLine = Date.now();
                out.status(`\r\x1b[K${bar(p.step / p.maxIters)} ${formatProgress(p)}`);
                barShown = true;
            } else if (p.step === p.maxIters || Date.now() - lastLine > 2000) {
                lastLine = Date.now();
                out.line(formatProgress(p));
            }
        },
        evaluation: (e: EvalPoint) => {
            clearBar();
            out.line(
                `step ${e.step}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}, ` +
                    `perplexity ${e.valPerplexity.toFixed(2)}, ${e.valBitsPerChar.toFixed(3)} bits/char`,
            );
        },
        state: (s: RunStateEvent) => {
            clearBar();
            out.line(`run ${s.state}${s.message ? `: ${s.message}` : ""}`);
        },
        done: clearBar,
    };
}

function formatProgress(p: TrainProgress): string {
    return (
        `${p.step}/${p.maxIters} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ` +
        `|g| ${p.gradNorm.toFixed(2)} ${p.msPerIter.toFixed(1)} ms/it ${Math.round(p.tokensPerSec)} tok/s ` +
        `ETA ${formatSeconds(p.etaSec)}`
    );
}

function bar(fraction: number): string {
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

export function formatSeconds(s: number): string {
    if (!Number.isFinite(s)) return "?";
    const m = Math.floor(s / 60);
    return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`;
}
