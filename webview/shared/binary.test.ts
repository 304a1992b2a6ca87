// Tests for base64 tensor decoding against Node's own encoder.

import assert from "node:assert/strict";
import { test } from "node:test";
import { base64ToBytes, base64ToFloat32 } from "./binary";

test("float32 payloads round-trip, including -Infinity for masked scores", () => {
    const values = new Float32Array([0.25, -1.5, Number.NEGATIVE_INFINITY, 3.4028234663852886e38]);
    const b64 = Buffer.from(values.buffer).toString("base64");
    assert.deepEqual(Array.from(base64ToFloat32(b64)), Array.from(values));
});

test("bytes decode and bad float lengths are refused", () => {
    assert.deepEqual(Array.from(base64ToBytes(Buffer.from([0, 255, 7]).toString("base64"))), [0, 255, 7]);
    assert.throws(() => base64ToFloat32(Buffer.from([1, 2, 3]).toString("base64")), /3 bytes is not a multiple of 4/);
});
