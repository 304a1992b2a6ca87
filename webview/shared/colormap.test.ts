// Tests for the heatmap colour map and normalisation.

import assert from "node:assert/strict";
import { test } from "node:test";
import { colormapRgb, matrixPixels, normalizer } from "./colormap";

test("the colour map hits its anchors and interpolates between them", () => {
    assert.deepEqual(colormapRgb(0), [68, 1, 84]);
    assert.deepEqual(colormapRgb(1), [253, 231, 37]);
    assert.deepEqual(colormapRgb(0.5), [33, 145, 140]);
    assert.deepEqual(colormapRgb(0.125), [64, 42, 112]);
    assert.deepEqual(colormapRgb(7), [253, 231, 37]);
});

test("scores normalise over finite values and leave masked cells transparent", () => {
    const scores = new Float32Array([2, Number.NEGATIVE_INFINITY, -2, 0]);
    const norm = normalizer(scores, "scores");
    assert.equal(norm.min, -2);
    assert.equal(norm.max, 2);
    assert.equal(norm.scale(0), 0.5);
    const px = matrixPixels(scores, 2, norm);
    assert.deepEqual(Array.from(px.subarray(0, 4)), [253, 231, 37, 255]);
    assert.deepEqual(Array.from(px.subarray(4, 8)), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(px.subarray(8, 12)), [68, 1, 84, 255]);
});

test("probabilities use a square-root scale and sizes are checked", () => {
    const norm = normalizer(new Float32Array([0.25]), "probs");
    assert.equal(norm.scale(0.25), 0.5);
    assert.throws(() => matrixPixels(new Float32Array(3), 2, norm), /3 values, expected 2 x 2/);
});
