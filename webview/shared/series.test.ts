// Tests for the chart series transforms against hand-computed values.

import assert from "node:assert/strict";
import { test } from "node:test";
import { debiasedEma, downsampleMinMax } from "./series";

test("debiased EMA matches the hand-computed TensorBoard recurrence", () => {
    const beta = 0.6;
    const out = debiasedEma([10, 20, 30], beta);
    // s1 = 0.4*10 = 4 -> 4/(1-0.6) = 10
    // s2 = 0.6*4 + 0.4*20 = 10.4 -> 10.4/(1-0.36) = 16.25
    // s3 = 0.6*10.4 + 0.4*30 = 18.24 -> 18.24/(1-0.216) = 23.2653...
    assert.equal(out[0], 10);
    assert.ok(Math.abs(out[1] - 16.25) < 1e-12);
    assert.ok(Math.abs(out[2] - 18.24 / 0.784) < 1e-12);
});

test("debiased EMA of a constant is that constant from the first point", () => {
    for (const v of debiasedEma(new Array(50).fill(3.5), 0.99)) assert.ok(Math.abs(v - 3.5) < 1e-9);
});

test("debiased EMA skips non-finite points and beta 0 is the identity", () => {
    const out = debiasedEma([NaN, 2, Infinity, 4], 0.5);
    assert.ok(Number.isNaN(out[0]));
    assert.equal(out[1], 2);
    assert.equal(out[2], 2);
    // s = 0.5*1 + 0.5*4 = 2.5 over 1 - 0.25
    assert.ok(Math.abs(out[3] - 2.5 / 0.75) < 1e-12);
    assert.deepEqual(debiasedEma([1, 5, 2], 0), [1, 5, 2]);
    assert.throws(() => debiasedEma([1], 1), /smoothing must be in \[0, 1\), got 1/);
});

test("min/max downsampling keeps a single-step spike and the dip", () => {
    const n = 10_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((x) => 2 + Math.sin(x / 300) * 0.1);
    ys[4321] = 50;
    ys[7777] = -3;
    const out = downsampleMinMax(xs, ys, 100);
    assert.ok(out.xs.length <= 200, `got ${out.xs.length} points`);
    assert.equal(Math.max(...out.ys), 50);
    assert.equal(out.xs[out.ys.indexOf(50)], 4321);
    assert.equal(Math.min(...out.ys), -3);
    for (let i = 1; i < out.xs.length; i++) assert.ok(out.xs[i] > out.xs[i - 1], "x stays ordered");
});

test("min/max downsampling leaves short series alone except for non-finite points", () => {
    assert.deepEqual(downsampleMinMax([1, 2, 3], [4, NaN, 6], 10), { xs: [1, 3], ys: [4, 6] });
    assert.throws(() => downsampleMinMax([1, 2], [1], 4), /lengths differ: 2 vs 1/);
});
