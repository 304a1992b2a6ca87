// Tests of the attention summaries against direct computations: the bit-level logarithm behind
// each head's mean entropy against Math.log, the causal max-pool against the full one, and the
// one-pass summary of a head against the two separate computations.

import assert from "node:assert/strict";
import { test } from "node:test";
import { attention, maxPool, meanEntropy, summarizeHead } from "./attention";
import { TestModel } from "./testModel";

/** Two heads of [t, t] softmax rows of pseudo-random scores; causal rows end at the diagonal. */
function heads(t: number, causal: boolean): Float32Array {
    const probs = new Float32Array(2 * t * t);
    for (let h = 0; h < 2; h++) {
        for (let q = 0; q < t; q++) {
            const base = (h * t + q) * t;
            const last = causal ? q : t - 1;
            let sum = 0;
            // Scores spread over 60 nats, so probabilities down to ~1e-26 occur as well.
            for (let k = 0; k <= last; k++) {
                probs[base + k] = Math.exp(30 * Math.sin(1.7 * k + 0.9 * q + h));
                sum += probs[base + k];
            }
            for (let k = 0; k <= last; k++) probs[base + k] /= sum;
        }
    }
    return probs;
}

function referenceEntropy(probs: Float32Array, t: number, offset: number): number {
    let total = 0;
    for (let j = offset; j < offset + t * t; j++) if (probs[j] > 0) total -= probs[j] * Math.log(probs[j]);
    return total / t;
}

test("meanEntropy agrees with Math.log to 1e-11 nats, causal or not", () => {
    for (const causal of [true, false]) {
        const t = 37;
        const probs = heads(t, causal);
        for (const h of [0, 1]) {
            const expected = referenceEntropy(probs, t, h * t * t);
            assert.ok(expected > 0.1);
            assert.ok(Math.abs(meanEntropy(probs, t, h * t * t, causal) - expected) < 1e-11);
        }
    }
    // Uniform rows over 1..4 keys, and a one-hot row (entropy 0).
    const third = 1 / 3;
    const uniform = Float32Array.from([1, 0, 0, 0, 0.5, 0.5, 0, 0, third, third, third, 0, 0.25, 0.25, 0.25, 0.25]);
    const expected = (Math.log(2) + Math.log(3) + Math.log(4)) / 4;
    // 1/3 is rounded to float32, which moves the exact value by ~1e-8.
    assert.ok(Math.abs(meanEntropy(uniform, 4, 0, true) - referenceEntropy(uniform, 4, 0)) < 1e-11);
    assert.ok(Math.abs(meanEntropy(uniform, 4, 0, true) - expected) < 1e-7);
    assert.equal(meanEntropy(Float32Array.from([1]), 1, 0, true), 0);
});

test("meanEntropy reads a head at an offset inside a subarray", () => {
    const t = 9;
    const probs = heads(t, true);
    const view = new Float32Array(probs.length + 3);
    view.set(probs, 3);
    const shifted = view.subarray(3);
    assert.equal(meanEntropy(shifted, t, t * t, true), meanEntropy(probs, t, t * t, true));
});

test("the causal max-pool equals the full one on causal matrices of any size", () => {
    for (const [t, size] of [[64, 8], [37, 5], [10, 32], [1, 1], [100, 3]]) {
        const matrix = heads(t, true).subarray(0, t * t);
        const full = new Uint8Array(size * size);
        const causal = new Uint8Array(size * size);
        maxPool(matrix, t, size, full);
        maxPool(matrix, t, size, causal, true);
        assert.deepEqual(causal, full);
        assert.deepEqual(full, naivePool(matrix, t, size));
    }
});

/** Cell (a, b) = the largest entry in rows and columns [floor(a t / size), floor((a + 1) t / size)). */
function naivePool(matrix: Float32Array, t: number, size: number): Uint8Array {
    const lo = (a: number) => Math.min(t - 1, Math.floor((a * t) / size));
    const hi = (a: number) => Math.max(lo(a) + 1, Math.floor(((a + 1) * t) / size));
    const out = new Uint8Array(size * size);
    for (let a = 0; a < size; a++) {
        for (let b = 0; b < size; b++) {
            let max = 0;
            for (let r = lo(a); r < hi(a); r++) {
                for (let c = lo(b); c < hi(b); c++) max = Math.max(max, matrix[r * t + c]);
            }
            out[a * size + b] = Math.round(max * 255);
        }
    }
    return out;
}

test("summarizeHead gives meanEntropy and maxPool in one pass, any size, causal or not", () => {
    for (const causal of [true, false]) {
        for (const [t, size] of [[64, 8], [37, 5], [10, 32], [1, 1], [100, 3], [16, 16]]) {
            const matrix = heads(t, causal).subarray(t * t, 2 * t * t);
            const pooled = new Uint8Array(size * size);
            const summary = new Uint8Array(size * size);
            maxPool(matrix, t, size, pooled);
            const entropy = summarizeHead(matrix, t, causal, { size, out: summary });
            assert.deepEqual(summary, pooled);
            assert.ok(Math.abs(entropy - meanEntropy(matrix, t, 0, causal)) < 1e-12);
            assert.equal(summarizeHead(matrix, t, causal), meanEntropy(matrix, t, 0, causal));
        }
    }
});

test("a cut text reports its total token count beside the tokens shown", async () => {
    const text = "abcdefghijklmnopqrst";
    const cutByContext = await attention(new TestModel(8), text, { heads: [0] });
    assert.equal(cutByContext.tokens.length, 8);
    assert.equal(cutByContext.totalTokens, text.length);
    const cutBySetting = await attention(new TestModel(64), text, { heads: [0], maxTokens: 5 });
    assert.equal(cutBySetting.tokens.length, 5);
    assert.equal(cutBySetting.totalTokens, text.length);
    const whole = await attention(new TestModel(64), "abc", { heads: [0] });
    assert.equal(whole.tokens.length, whole.totalTokens);
});
