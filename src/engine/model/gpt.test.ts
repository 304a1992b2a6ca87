// The GPT inference graph against the float64 GPT-2 reference fixtures (logits to 2e-5,
// attention to 1e-6), the key-value cache against a full run, scores/hidden outputs, byte-for-byte
// deterministic export, and nanoGPT initialisation statistics.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { fixturesDir } from "../../../test/support/paths";
import { readSafetensors } from "../io/safetensors";
import { createSession } from "../runtime";
import type { GptConfig } from "../types";
import { buildGptInference, countParams, initParams, paramShapes } from "./gpt";

const config: GptConfig = {
    n_layer: 2,
    n_head: 4,
    n_embd: 32,
    block_size: 128,
    vocab_size: 50257,
    dropout: 0,
    bias: true,
    layer_norm_epsilon: 1e-5,
    activation: "gelu_new",
    attention: "causal",
    objective: "clm",
};

const reference = JSON.parse(readFileSync(join(fixturesDir, "reference.json"), "utf8"));
const ids: number[] = reference.texts[0].input_ids;

function loadWeights(): Map<string, Float32Array> {
    const file = readSafetensors(join(fixturesDir, "gpt2-tiny", "model.safetensors"));
    return new Map([...file.tensors].map(([name, t]) => [name, t.data]));
}

const weights = loadWeights();

function idsTensor(x: number[]): ort.Tensor {
    return new ort.Tensor(
        "int64",
        BigInt64Array.from(x, (v) => BigInt(v)),
        [1, x.length],
    );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
    assert.equal(a.length, b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
}

test("logits and attention match the float64 GPT-2 reference", async () => {
    const session = await createSession(
        buildGptInference(config, weights, { logits: true, attentions: true }),
        { threads: 1 },
    );
    const out = await session.run({ input_ids: idsTensor(ids) });
    assert.deepEqual(out.logits.dims, [1, ids.length, config.vocab_size]);
    const raw = readFileSync(join(fixturesDir, "logits-text0.f32"));
    const expected = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const logitErr = maxAbsDiff(out.logits.data as Float32Array, expected);
    assert.ok(logitErr < 2e-5, `logits differ by ${logitErr}`);
    const probs: number[][][][] = reference.attention_text0.probs;
    for (let l = 0; l < config.n_layer; l++) {
        const got = out[`attn.${l}`];
        assert.deepEqual(got.dims, [1, 4, ids.length, ids.length]);
        const err = maxAbsDiff(got.data as Float32Array, probs[l].flat(2));
        assert.ok(err < 1e-6, `attention of layer ${l} differs by ${err}`);
    }
    await session.release();
});

test("the key-value cache continues a sequence exactly", async () => {
    const full = await createSession(buildGptInference(config, weights, { logits: true }), {
        threads: 1,
    });
    const cached = await createSession(
        buildGptInference(config, weights, { logits: true, kvCache: true }),
        { threads: 1 },
    );
    const want = (await full.run({ input_ids: idsTensor(ids) })).logits.data as Float32Array;
    const empty = new ort.Tensor("float32", new Float32Array(0), [1, 4, 0, 8]);
    const feeds: Record<string, ort.Tensor> = { input_ids: idsTensor(ids.slice(0, 6)) };
    for (let l = 0; l < 2; l++) feeds[`past.${l}.key`] = feeds[`past.${l}.value`] = empty;
    const first = await cached.run(feeds);
    assert.deepEqual(first[`present.1.value`].dims, [1, 4, 6, 8]);
    const next: Record<string, ort.Tensor> = { input_ids: idsTensor(ids.slice(6)) };
    for (let l = 0; l < 2; l++) {
        next[`past.${l}.key`] = first[`present.${l}.key`];
        next[`past.${l}.value`] = first[`present.${l}.value`];
    }
    const second = await cached.run(next);
    assert.deepEqual(second.logits.dims, [1, 4, config.vocab_size]);
    assert.deepEqual(second[`present.0.key`].dims, [1, 4, 10, 8]);
    const V = config.vocab_size;
    assert.ok(maxAbsDiff(first.logits.data as Float32Array, want.subarray(0, 6 * V)) < 1e-5);
    assert.ok(maxAbsDiff(second.logits.data as Float32Array, want.subarray(6 * V)) < 1e-5);
    await full.release();
    await cached.release();
});

test("scores are masked with -Infinity and softmax to the attention; hidden states are exposed", async () => {
    const bytes = buildGptInference(config, weights, {
        logits: false,
        attentions: [1],
        scores: true,
        hidden: true,
    });
    const session = await createSession(bytes, { threads: 1 });
    assert.deepEqual([...session.outputNames].sort(), [
        "attn.1",
        "hidden.0",
        "hidden.1",
        "hidden.2",
        "scores.1",
    ]);
    const T = 5;
    const out = await session.run({ input_ids: idsTensor(ids.slice(0, T)) });
    const scores = out["scores.1"].data as Float32Array;
    const attn = out["attn.1"].data as Float32Array;
    for (let h = 0; h < 4; h++) {
        for (let q = 0; q < T; q++) {
            const row = scores.subarray((h * T + q) * T, (h * T + q + 1) * T);
            for (let k = q + 1; k < T; k++) assert.equal(row[k], -Infinity);
            const max = Math.max(...row);
            const e = Array.from(row, (s) => Math.exp(s - max));
            const z = e.reduce((a, b) => a + b, 0);
            for (let k = 0; k < T; k++)
                assert.ok(Math.abs(e[k] / z - attn[(h * T + q) * T + k]) < 1e-6);
        }
    }
    // hidden.0 is wte[ids] + wpe[positions].
    const h0 = out["hidden.0"].data as Float32Array;
    const wte = weights.get("transformer.wte.weight")!;
    const wpe = weights.get("transformer.wpe.weight")!;
    for (let t = 0; t < T; t++) {
        for (let c = 0; c < 32; c++) {
            assert.ok(Math.abs(h0[t * 32 + c] - (wte[ids[t] * 32 + c] + wpe[t * 32 + c])) < 1e-7);
        }
    }
    await session.release();
});

test("export is deterministic", () => {
    const a = buildGptInference(config, weights, { logits: true, attentions: true, kvCache: true });
    const b = buildGptInference(config, weights, { logits: true, attentions: true, kvCache: true });
    assert.deepEqual(Buffer.from(a), Buffer.from(b));
});

test("parameters use Hugging Face GPT-2 names and nanoGPT initialisation", () => {
    assert.deepEqual(
        paramShapes(config)
            .map(([n]) => n)
            .sort(),
        [...weights.keys()].sort(),
    );
    for (const [name, shape] of paramShapes(config)) {
        assert.equal(
            weights.get(name)!.length,
            shape.reduce((a, b) => a * b, 1),
            name,
        );
    }
    const small: GptConfig = {
        ...config,
        n_layer: 4,
        vocab_size: 65,
        n_embd: 128,
        block_size: 64,
        bias: false,
    };
    const p = initParams(small, 1);
    const again = initParams(small, 1);
    assert.deepEqual(p.get("transformer.wte.weight"), again.get("transformer.wte.weight"));
    assert.notDeepEqual(
        initParams(small, 2).get("transformer.wte.weight"),
        p.get("transformer.wte.weight"),
    );
    assert.equal(p.has("transformer.h.0.attn.c_attn.bias"), false);
    assert.equal(
        countParams(small),
        [...p.values()].reduce((n, t) => n + t.length, 0),
    );
    const std = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    assert.ok(Math.abs(std(p.get("transformer.h.0.mlp.c_fc.weight")!) - 0.02) < 0.001);
    assert.ok(
        Math.abs(std(p.get("transformer.h.3.mlp.c_proj.weight")!) - 0.02 / Math.sqrt(8)) < 0.0005,
    );
    assert.ok(p.get("transformer.ln_f.weight")!.every((v) => v === 1));
    assert.ok(p.get("transformer.h.1.ln_2.bias")!.every((v) => v === 0));
});
