// Pins the seeded initialisation streams: the raw xoshiro128** stream (reference values from the
// generator as first written here) and the statistics of initParams' weights.

import assert from "node:assert/strict";
import { test } from "node:test";
import { initParams, paramShapes, xoshiro128 } from "./init";
import type { GptConfig } from "../types";

test("xoshiro128 gives the reference stream, negative seeds wrapping modulo 2^32", () => {
    const take = (next: () => number) => [next(), next(), next()];
    assert.deepEqual(take(xoshiro128(1337)), [3850783360, 2344901440, 1788140607]);
    assert.deepEqual(take(xoshiro128(-5)), [1409054809, 1850915166, 3973709025]);
    assert.deepEqual(take(xoshiro128(2 ** 32 - 5)), [1409054809, 1850915166, 3973709025]);
});

test("initParams: same seed same weights; nanoGPT's standard deviations; LayerNorm 1 and 0", () => {
    const config: GptConfig = {
        n_layer: 2,
        n_head: 2,
        n_embd: 32,
        block_size: 16,
        vocab_size: 50,
        dropout: 0,
        bias: true,
        layer_norm_epsilon: 1e-5,
        activation: "gelu",
        attention: "causal",
        objective: "clm",
    };
    const a = initParams(config, 7);
    const b = initParams(config, 7);
    const c = initParams(config, 8);
    assert.deepEqual([...a.keys()], paramShapes(config).map(([name]) => name));
    for (const [name, data] of a) assert.deepEqual(data, b.get(name), name);
    assert.notDeepEqual(a.get("transformer.wte.weight"), c.get("transformer.wte.weight"));
    const std = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    // 1,600 and 3,072 samples: the sample deviation is within about 5 % of the true one.
    assert.ok(Math.abs(std(a.get("transformer.wte.weight")!) / 0.02 - 1) < 0.08);
    const residual = 0.02 / Math.sqrt(2 * config.n_layer);
    assert.ok(Math.abs(std(a.get("transformer.h.1.mlp.c_proj.weight")!) / residual - 1) < 0.08);
    assert.ok(a.get("transformer.h.0.ln_1.weight")!.every((v) => v === 1));
    assert.ok(a.get("transformer.h.0.ln_1.bias")!.every((v) => v === 0));
    assert.ok(a.get("transformer.h.0.attn.c_attn.bias")!.every((v) => v === 0));
});
