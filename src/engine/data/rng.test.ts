// Tests for the seeded generator: reference outputs, exact resume from saved state, uniformity.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./rng";

test("xoshiro128** produces the reference sequence for a known state", () => {
    // State [1, 2, 3, 4], the reference algorithm worked by hand: result = rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520.
    const rng = new Rng(0);
    rng.setState([1, 2, 3, 4]);
    assert.equal(rng.nextUint32(), 11520);
    // After one step the state is [7, 0, 2 ^ (2 << 9) = 1026, rotl(6, 11) = 12288], so the next
    // result is rotl(0 * 5, 7) * 9 = 0.
    assert.deepEqual(rng.getState(), [7, 0, 1026, 12288]);
    assert.equal(rng.nextUint32(), 0);
});

test("the same seed gives the same sequence; different seeds differ", () => {
    const a = new Rng(1234);
    const b = new Rng(1234);
    const c = new Rng(1235);
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    assert.deepEqual(
        Array.from({ length: 20 }, () => b.nextUint32()),
        seqA,
    );
    assert.notDeepEqual(
        Array.from({ length: 20 }, () => c.nextUint32()),
        seqA,
    );
    assert.notDeepEqual(new Rng(2 ** 32 + 7).getState(), new Rng(7).getState());
});

test("saving and restoring the state resumes the exact sequence", () => {
    const rng = new Rng(42);
    for (let i = 0; i < 100; i++) rng.nextUint32();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = Array.from({ length: 50 }, () => rng.nextInt(1000));
    const resumed = new Rng(0);
    resumed.setState(saved);
    assert.deepEqual(
        Array.from({ length: 50 }, () => resumed.nextInt(1000)),
        expected,
    );
    assert.throws(() => resumed.setState([0, 0, 0, 0]), /not all zero/);
    assert.throws(() => resumed.setState([1, 2, 3]), /four unsigned 32-bit integers/);
});

test("integers and floats are uniform; normals have mean 0 and variance 1", () => {
    const rng = new Rng(7);
    const n = 60_000;
    const counts = new Array(6).fill(0);
    for (let i = 0; i < n; i++) counts[rng.nextInt(6)]++;
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const chi2 = counts.reduce((sum, c) => sum + (c - n / 6) ** 2 / (n / 6), 0);
    assert.ok(chi2 < 20.5, `chi-square ${chi2}`);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
        const f = rng.nextFloat();
        assert.ok(f >= 0 && f < 1);
        const z = rng.nextNormal();
        sum += z;
        squares += z * z;
    }
    assert.ok(Math.abs(sum / n) < 0.02, `mean ${sum / n}`);
    assert.ok(Math.abs(squares / n - 1) < 0.03, `variance ${squares / n}`);
});
