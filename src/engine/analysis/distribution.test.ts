// Tests of row statistics against direct float64 computations: log-sum-exp, entropy, ranks with
// ties, and top-k order (descending value, ascending id on ties).

import assert from "node:assert/strict";
import { test } from "node:test";
import { expNonPositive, rowStats } from "./distribution";

/** Reference rank: 1 + the number of entries strictly greater than the target's. */
function rankOf(row: ArrayLike<number>, target: number): number {
    return 1 + Array.from(row).filter((x) => x > row[target]).length;
}

/** Reference top-k by sorting: descending value, ascending id on ties. */
function topIds(row: ArrayLike<number>, k: number): number[] {
    const ids = Array.from({ length: row.length }, (_, i) => i);
    return ids.sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
}

const rowTop = (row: number[], k: number) => rowStats(row, k).top.map((e) => e.id);

test("rowStats matches a direct computation", () => {
    const row = Float32Array.from([0.5, -1, 2, 2, 7, -30, 3]);
    const lse = Math.log([...row].reduce((a, x) => a + Math.exp(x), 0));
    const probs = [...row].map((x) => Math.exp(x - lse));
    const entropy = -probs.reduce((a, p) => a + p * Math.log(p), 0);
    const stats = rowStats(row, 3);
    assert.ok(Math.abs(stats.logSumExp - lse) < 1e-12);
    assert.ok(Math.abs(stats.entropy - entropy) < 1e-12);
    assert.deepEqual(stats.top.map((e) => e.id), [4, 6, 2]);
    assert.ok(Math.abs(stats.top[0].prob - probs[4]) < 1e-12);
});

test("a uniform row has entropy ln V and survives large logits", () => {
    const row = new Float32Array(1000).fill(1e4);
    const stats = rowStats(row, 2);
    assert.ok(Math.abs(stats.entropy - Math.log(1000)) < 1e-9);
    assert.deepEqual(stats.top.map((e) => e.id), [0, 1]);
});

test("rank counts strictly greater entries", () => {
    const row = [1, 5, 3, 5, 2];
    assert.equal(rowStats(row, 0, 1).rank, 1);
    assert.equal(rowStats(row, 0, 3).rank, 1);
    assert.equal(rowStats(row, 0, 2).rank, 3);
    assert.equal(rowStats(row, 0, 0).rank, 5);
});

test("top-k orders by value then id and handles k beyond the length", () => {
    assert.deepEqual(rowTop([1, 3, 3, 2, 3], 4), [1, 2, 4, 3]);
    assert.deepEqual(rowTop([1, 2], 5), [1, 0]);
    assert.deepEqual(rowTop([1, 2], 0), []);
});

test("one pass gives the rank and matches two passes when the maximum comes late", () => {
    // Rising then falling logits: the running maximum moves often, so the sums are rescaled.
    const row = Float32Array.from({ length: 5000 }, (_, i) => 0.01 * i * Math.sin(i));
    row[4321] = 200;
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const lse = max + Math.log(sum);
    let entropy = 0;
    for (const x of row) entropy -= Math.exp(x - lse) * (x - lse);
    for (const target of [0, 17, 4321, 4999]) {
        const stats = rowStats(row, 4, target);
        assert.equal(stats.rank, rankOf(row, target));
        assert.ok(Math.abs(stats.logSumExp - lse) < 1e-12);
        assert.ok(Math.abs(stats.entropy - entropy) < 1e-12);
        assert.deepEqual(stats.top.map((e) => e.id), topIds(row, 4));
    }
    assert.equal(rowStats(row, 4, 4321).rank, 1);
    assert.equal(rowStats(row, 2).rank, undefined);
});

test("masked logits (-Infinity) have probability 0 and leave the statistics finite", () => {
    const row = Float32Array.from([-Infinity, 1, -Infinity, 1]);
    const stats = rowStats(row, 3, 0);
    assert.ok(Math.abs(stats.logSumExp - (1 + Math.LN2)) < 1e-12);
    assert.ok(Math.abs(stats.entropy - Math.LN2) < 1e-12);
    assert.deepEqual(stats.top.map((e) => e.id), [1, 3, 0]);
    assert.equal(stats.top[2].prob, 0);
    assert.equal(stats.rank, 3);
});

test("expNonPositive matches Math.exp to 1e-13 relative, down to underflow", () => {
    for (let d = 0; d > -800; d -= 0.0137) {
        const expected = Math.exp(d);
        const got = expNonPositive(d);
        if (expected < 1e-300) assert.ok(got < 1e-290);
        else assert.ok(Math.abs(got - expected) <= 1e-13 * expected, `exp(${d}): ${got} vs ${expected}`);
    }
    assert.equal(expNonPositive(0), 1);
    assert.equal(expNonPositive(-Infinity), 0);
    assert.ok(Number.isNaN(expNonPositive(NaN)));
});
