// The dashboard's in-memory model of runs and their metrics, and the pure preparation of chart
// data from it: smoothing, min/max downsampling, and aligning series that were logged at
// different steps (train every step, evaluation every few hundred) onto one x axis.

import type { EvalPoint, MetricsRecord, RunSummary, TrainProgress } from "../../src/protocol";
import { debiasedEma, downsampleMinMax } from "../shared/series";

export interface TrainPoint {
    step: number;
    loss: number;
    lr: number;
    gradNorm: number;
    tokensPerSec: number;
}

export interface RunData {
    summary: RunSummary;
    train: TrainPoint[];
    evals: { step: number; trainLoss: number; valLoss: number; valPerplexity: number }[];
    last?: TrainProgress;
    /** True once the metrics log was read (or the run was watched from its start). */
    loaded: boolean;
}

/** Replaces a run's points with those of its metrics log (records in file order). */
export function applyMetrics(run: RunData, records: MetricsRecord[]): void {
    run.train = [];
    run.evals = [];
    for (const r of records) {
        if (r.kind === "train") {
            run.train.push({ step: r.step, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, tokensPerSec: r.tokensPerSec });
        } else if (r.kind === "eval") {
            run.evals.push({ step: r.step, trainLoss: r.trainLoss, valLoss: r.valLoss, valPerplexity: r.valPerplexity });
        }
    }
    run.loaded = true;
}

/**
 * Appends a live progress point. A step not after the last one (a run resumed from an earlier
 * checkpoint) replaces the tail, and evaluations past it are dropped with it, as in its log.
 */
export function addProgress(run: RunData, p: TrainProgress): void {
    while (run.train.length > 0 && run.train[run.train.length - 1].step >= p.step) run.train.pop();
    if (run.evals.some((e) => e.step >= p.step)) {
        run.evals = run.evals.filter((e) => e.step < p.step);
        run.summary.lastValLoss = run.evals[run.evals.length - 1]?.valLoss;
    }
    run.train.push({ step: p.step, loss: p.loss, lr: p.lr, gradNorm: p.gradNorm, tokensPerSec: p.tokensPerSec });
    run.last = p;
    run.summary.step = p.step;
    run.summary.lastLoss = p.loss;
}

export function addEval(run: RunData, e: EvalPoint): void {
    run.evals = run.evals.filter((x) => x.step !== e.step);
    run.evals.push({ step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss, valPerplexity: e.valPerplexity });
    run.evals.sort((a, b) => a.step - b.step);
    run.summary.lastValLoss = e.valLoss;
}

export interface ChartSeries {
    label: string;
    /** Aligned with ChartData.xs; null where the series has no point. */
    values: (number | null)[];
    /** Draw points only (evaluations) instead of a line. */
    points?: boolean;
    faint?: boolean;
}

export interface ChartData {
    xs: number[];
    series: ChartSeries[];
}

export interface SeriesInput {
    label: string;
    xs: number[];
    ys: number[];
    points?: boolean;
    faint?: boolean;
}

/**
 * Smooths (when `smoothing` > 0 and the series is not points) and downsamples each series to
 * about `2 * buckets` points, then aligns all of them on the sorted union of their x values.
 */
export function prepareChart(inputs: SeriesInput[], smoothing: number, buckets: number): ChartData {
    const reduced = inputs.map((s) => {
        const ys = !s.points && !s.faint && smoothing > 0 ? debiasedEma(s.ys, smoothing) : s.ys;
        return { ...s, ...downsampleMinMax(s.xs, ys, buckets) };
    });
    const xs = [...new Set(reduced.flatMap((s) => s.xs))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const series = reduced.map((s) => {
        const values: (number | null)[] = new Array(xs.length).fill(null);
        s.xs.forEach((x, i) => (values[index.get(x)!] = s.ys[i]));
        return { label: s.label, values, points: s.points, faint: s.faint };
    });
    return { xs, series };
}

/** "1h 02m", "3m 05s", "42s"; "—" for unknown. */
export function formatDuration(seconds: number): string {
    if (!Number.isFinite(seconds) || seconds < 0) return "—";
    const s = Math.round(seconds);
    if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
    if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
    return `${s}s`;
}
