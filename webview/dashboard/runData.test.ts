// Tests for the dashboard's run bookkeeping and chart preparation.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunSummary, TrainProgress } from "../../src/protocol";
import { addEval, addProgress, applyMetrics, formatDuration, prepareChart, type RunData } from "./runData";

function emptyRun(): RunData {
    return { summary: { runId: "r", dir: "/r", state: "running", step: 0, maxIters: 10 } as RunSummary, train: [], evals: [], loaded: false };
}

test("metrics logs fill train and eval points; events are skipped", () => {
    const run = emptyRun();
    applyMetrics(run, [
        { kind: "train", step: 1, maxIters: 10, loss: 4, lr: 1e-3, gradNorm: 2, tokensPerSec: 100, msPerIter: 5, etaSec: 1, elapsedSec: 0 },
        { kind: "event", step: 1, message: "checkpoint" },
        { kind: "eval", step: 1, trainLoss: 4, valLoss: 4.2, valPerplexity: Math.exp(4.2), valBitsPerChar: 6 },
    ]);
    assert.equal(run.train.length, 1);
    assert.equal(run.evals[0].valLoss, 4.2);
    assert.equal(run.loaded, true);
});

test("a resumed run's repeated steps replace the tail", () => {
    const run = emptyRun();
    const p = (step: number, loss: number) => ({ runId: "r", step, maxIters: 10, loss, lr: 0, gradNorm: 0, tokensPerSec: 0, msPerIter: 0, etaSec: 0, elapsedSec: 0 });
    [1, 2, 3].forEach((s) => addProgress(run, p(s, 5 - s)));
    addProgress(run, p(2, 9));
    assert.deepEqual(run.train.map((t) => [t.step, t.loss]), [[1, 4], [2, 9]]);
    assert.equal(run.summary.step, 2);
    addEval(run, { runId: "r", step: 2, trainLoss: 1, valLoss: 2, valPerplexity: 7.4, valBitsPerChar: 1 });
    addEval(run, { runId: "r", step: 2, trainLoss: 1, valLoss: 1.5, valPerplexity: 4.5, valBitsPerChar: 1 });
    assert.deepEqual(run.evals.map((e) => e.valLoss), [1.5]);
});

test("series logged at different steps align on the union of x values", () => {
    const chart = prepareChart(
        [
            { label: "train", xs: [1, 2, 3, 4], ys: [4, 3, 2, 1] },
            { label: "val", xs: [2, 4], ys: [3.5, 1.5], points: true },
        ],
        0,
        100,
    );
    assert.deepEqual(chart.xs, [1, 2, 3, 4]);
    assert.deepEqual(chart.series[0].values, [4, 3, 2, 1]);
    assert.deepEqual(chart.series[1].values, [null, 3.5, null, 1.5]);
});

test("smoothing applies to lines but not to evaluation points", () => {
    const chart = prepareChart(
        [
            { label: "train", xs: [1, 2], ys: [10, 20] },
            { label: "val", xs: [1, 2], ys: [10, 20], points: true },
        ],
        0.6,
        100,
    );
    assert.equal(chart.series[0].values[0], 10);
    assert.ok(Math.abs((chart.series[0].values[1] as number) - 16.25) < 1e-12);
    assert.deepEqual(chart.series[1].values, [10, 20]);
});

test("durations format by magnitude", () => {
    assert.equal(formatDuration(42.4), "42s");
    assert.equal(formatDuration(185), "3m 05s");
    assert.equal(formatDuration(3720), "1h 02m");
    assert.equal(formatDuration(Number.NaN), "—");
});

test("a run resumed from an earlier checkpoint drops the evaluations past it", () => {
    const run = emptyRun();
    const progress = (step: number): TrainProgress => {
        const rates = { lr: 1e-3, gradNorm: 1, tokensPerSec: 100, elapsedSec: step, etaSec: 1 };
        return { runId: "r", step, maxIters: 10, loss: 3 - step / 100, ...rates } as TrainProgress;
    };
    for (const step of [100, 150, 200]) addProgress(run, progress(step));
    addEval(run, { runId: "r", step: 100, trainLoss: 2.5, valLoss: 2.6, valPerplexity: Math.exp(2.6), valBitsPerChar: 1 });
    addEval(run, { runId: "r", step: 200, trainLoss: 2.0, valLoss: 2.1, valPerplexity: Math.exp(2.1), valBitsPerChar: 1 });
    assert.equal(run.summary.lastValLoss, 2.1);
    addProgress(run, progress(123));
    assert.deepEqual(run.train.map((t) => t.step), [100, 123]);
    assert.deepEqual(run.evals.map((e) => e.step), [100]);
    assert.equal(run.summary.lastValLoss, 2.6);
    assert.equal(run.summary.step, 123);
});
