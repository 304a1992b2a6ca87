// Tests for the token colour scales and GLTR rank buckets.

import assert from "node:assert/strict";
import { test } from "node:test";
import { legend, rankBucket, tokenColor, unitLogScale } from "./colors";

test("rank buckets split at 10, 100 and 1000", () => {
    assert.deepEqual([1, 10, 11, 100, 101, 1000, 1001, 50000].map(rankBucket), [0, 0, 1, 1, 2, 2, 3, 3]);
    assert.throws(() => rankBucket(0), /rank must be at least 1, got 0/);
});

test("probability scale is log10 between 1e-4 and 1", () => {
    assert.equal(unitLogScale(1), 1);
    assert.equal(unitLogScale(1e-4), 0);
    assert.equal(unitLogScale(1e-9), 0);
    assert.equal(unitLogScale(0), 0);
    assert.ok(Math.abs(unitLogScale(0.01) - 0.5) < 1e-12);
});

test("token colours follow the metric and skip unconditioned tokens", () => {
    const first = { prob: null, rank: null, surprisal: null };
    assert.equal(tokenColor("probability", first), undefined);
    assert.equal(tokenColor("rank", first), undefined);
    const likely = { prob: 0.9, rank: 1, surprisal: 0.152 };
    const rare = { prob: 1e-5, rank: 4000, surprisal: 16.6 };
    assert.equal(tokenColor("rank", likely), legend("rank")[0].color);
    assert.equal(tokenColor("rank", rare), legend("rank")[3].color);
    assert.equal(tokenColor("probability", rare), "hsla(0, 70%, 45%, 0.45)");
    assert.equal(tokenColor("probability", { ...likely, prob: 1 }), "hsla(120, 70%, 45%, 0.45)");
    assert.equal(tokenColor("surprisal", rare), "rgba(230, 70, 30, 0.65)");
    assert.equal(tokenColor("surprisal", { ...likely, surprisal: 0 }), "rgba(230, 70, 30, 0.05)");
});
