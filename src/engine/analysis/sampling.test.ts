// Tests of the sampling distribution: exact zeros outside top-k / top-p, renormalisation,
// greedy temperature 0, tie order, and reproducible seeded draws.

import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleFrom, samplingDistribution, seededRandom } from "./sampling";

const logits = [1.0, 3.0, 2.0, 3.0, -1.0, 0.5];

function softmax(xs: number[], temperature = 1): number[] {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp((x - m) / temperature));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
}

test("no filtering reproduces the softmax", () => {
    const p = samplingDistribution(logits);
    softmax(logits).forEach((q, i) => assert.ok(Math.abs(p[i] - q) < 1e-12));
});

test("temperature scales the logits", () => {
    const p = samplingDistribution(logits, { temperature: 0.5 });
    softmax(logits, 0.5).forEach((q, i) => assert.ok(Math.abs(p[i] - q) < 1e-12));
});

test("top-k keeps exactly k tokens, ties broken by lower id, others exactly 0", () => {
    const p = samplingDistribution(logits, { topK: 2 });
    // Ids 1 and 3 tie at 3.0: both kept, equal mass.
    assert.deepEqual([...p], [0, 0.5, 0, 0.5, 0, 0]);
    const one = samplingDistribution(logits, { topK: 1 });
    assert.deepEqual([...one], [0, 1, 0, 0, 0, 0]);
    const three = samplingDistribution(logits, { topK: 3 });
    const q = softmax([3, 2, 3]);
    assert.ok(Math.abs(three[1] - q[0]) < 1e-12 && Math.abs(three[2] - q[1]) < 1e-12);
    for (const i of [0, 4, 5]) assert.equal(three[i], 0);
});

test("top-p keeps the smallest prefix reaching p and zeroes the rest", () => {
    const full = softmax(logits);
    // Sorted: ids 1, 3 (0.33 each), 2, 0, 5, 4. p = 0.8 needs ids 1, 3 and 2.
    const p = samplingDistribution(logits, { topP: 0.8 });
    const kept = full[1] + full[3] + full[2];
    assert.ok(full[1] + full[3] < 0.8 && kept >= 0.8);
    assert.ok(Math.abs(p[1] - full[1] / kept) < 1e-12);
    assert.ok(Math.abs(p[2] - full[2] / kept) < 1e-12);
    for (const i of [0, 4, 5]) assert.equal(p[i], 0);
    // A tiny p still keeps the most probable token.
    const tiny = samplingDistribution(logits, { topP: 1e-9 });
    assert.deepEqual([...tiny], [0, 1, 0, 0, 0, 0]);
});

test("top-k and top-p combine; temperature 0 is greedy", () => {
    const p = samplingDistribution(logits, { topK: 3, topP: 0.5 });
    assert.deepEqual([...p].map((x) => x > 0), [false, true, false, true, false, false]);
    assert.deepEqual([...samplingDistribution(logits, { temperature: 0 })], [0, 1, 0, 0, 0, 0]);
});

test("bad options are refused", () => {
    assert.throws(() => samplingDistribution(logits, { topP: 0 }), /topP/);
    assert.throws(() => samplingDistribution(logits, { topK: -1 }), /topK/);
    assert.throws(() => samplingDistribution(logits, { temperature: -1 }), /temperature/);
});

test("seeded draws are reproducible and never pick a zero-probability id", () => {
    const probs = samplingDistribution(logits, { topK: 3 });
    const draw = (seed: number) => {
        const random = seededRandom(seed);
        return Array.from({ length: 200 }, () => sampleFrom(probs, random));
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    const counts = new Map<number, number>();
    for (const id of draw(3)) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [1, 2, 3]);
    // Frequencies follow the probabilities (200 draws: loose bound).
    assert.ok(Math.abs(counts.get(2)! / 200 - probs[2]) < 0.1);
});
