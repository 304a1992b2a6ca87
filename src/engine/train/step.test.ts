// The one-graph training step: whole-model gradients against finite differences in float64,
// AdamW and clipping against a hand computation from the graph's own gradients, decreasing
// loss on a small corpus, identical losses for the same seed and after an exact resume, state
// checks, and rollback-friendly handling of a non-finite loss.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { onnx } from "onnx-proto";
import { shakespearePath } from "../../../test/support/paths";
import { lcg } from "../graph/testing";
import { initParams, paramShapes } from "../model/gpt";
import { createSession } from "../runtime";
import type { GptConfig } from "../types";
import { TrainStep } from "./step";
import { buildEvalGraph, buildTrainGraph, names, OptimConfig, paramLayout } from "./stepGraph";

const tiny: GptConfig = {
    n_layer: 2,
    n_head: 2,
    n_embd: 8,
    block_size: 6,
    vocab_size: 11,
    dropout: 0,
    bias: true,
    layer_norm_epsilon: 1e-5,
    activation: "gelu_new",
    attention: "causal",
    objective: "clm",
};
const optim: OptimConfig = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

function randomIds(n: number, vocab: number, seed: number): Int32Array {
    const r = lcg(seed);
    return Int32Array.from({ length: n }, () => Math.floor(r() * vocab));
}

/** Parameters with non-trivial biases and LayerNorm values, so their gradients are exercised. */
function perturbedParams(config: GptConfig, seed: number): Map<string, Float32Array> {
    const r = lcg(seed);
    const params = initParams(config, seed);
    for (const [, t] of params) for (let i = 0; i < t.length; i++) t[i] += (r() - 0.5) * 0.4;
    return params;
}

async function wholeModelGradCheck(config: GptConfig, targets: Int32Array) {
    const B = 2;
    const session = await createSession(
        buildEvalGraph(config, B, { float: "float64", grads: true }),
        { threads: 1 },
    );
    const params = perturbedParams(config, 3);
    const values = new Map([...params].map(([k, v]) => [k, Float64Array.from(v)]));
    const ids = randomIds(B * config.block_size, config.vocab_size, 5);
    const feeds = (): Record<string, ort.Tensor> => {
        const f: Record<string, ort.Tensor> = {
            [names.ids]: new ort.Tensor("int32", ids, [B, config.block_size]),
            [names.targets]: new ort.Tensor("int32", targets, [targets.length]),
        };
        const layout = paramLayout(config);
        const flat = new Float64Array(layout.total);
        for (const s of layout.slots) flat.set(values.get(s.name)!, s.offset);
        f[names.params] = new ort.Tensor("float64", flat, [layout.total]);
        return f;
    };
    const base = await session.run(feeds());
    const loss = async () => (await session.run(feeds(), [names.loss])).loss.data[0] as number;
    const h = 1e-3;
    let worst = 0;
    let checked = 0;
    const r = lcg(11);
    for (const [name] of paramShapes(config)) {
        const v = values.get(name)!;
        const grad = base[names.grad(name)].data as Float64Array;
        for (let k = 0; k < 3; k++) {
            const e = Math.floor(r() * v.length);
            const x = v[e];
            const at = async (d: number) => {
                v[e] = x + d;
                const out = await loss();
                v[e] = x;
                return out;
            };
            const numeric =
                (-(await at(2 * h)) + 8 * (await at(h)) - 8 * (await at(-h)) + (await at(-2 * h))) /
                (12 * h);
            worst = Math.max(worst, Math.abs(numeric - grad[e]));
            checked++;
        }
    }
    await session.release();
    return { worst, checked };
}

test("whole-model gradients match finite differences (float64, causal LM)", async () => {
    const targets = randomIds(2 * tiny.block_size, tiny.vocab_size, 9);
    const { worst, checked } = await wholeModelGradCheck(tiny, targets);
    assert.ok(checked > 80);
    assert.ok(worst < 1e-7, `max abs gradient error ${worst}`);
});

test("whole-model gradients match finite differences (float64, masked LM, no biases)", async () => {
    const config: GptConfig = {
        ...tiny,
        attention: "bidirectional",
        objective: "mlm",
        bias: false,
    };
    const targets = randomIds(2 * tiny.block_size, tiny.vocab_size, 9).map((t, i) =>
        i % 3 === 0 ? t : -1,
    );
    const { worst } = await wholeModelGradCheck(config, targets);
    assert.ok(worst < 1e-7, `max abs gradient error ${worst}`);
});

test("AdamW with clipping matches a hand computation from the graph's gradients", async () => {
    for (const gradClip of [0.05, 0]) {
        const o = { ...optim, gradClip, weightDecay: 0.3 };
        const B = 2;
        const graph = buildTrainGraph(tiny, o, B, { grads: true });
        const session = await createSession(graph.bytes, { threads: 1 });
        const shapes = paramShapes(tiny);
        const r = lcg(4);
        const rand = (n: number, scale: number, offset = 0) =>
            Float32Array.from({ length: n }, () => offset + r() * scale);
        const params = perturbedParams(tiny, 2);
        const feeds: Record<string, ort.Tensor> = {
            [names.ids]: new ort.Tensor("int32", randomIds(B * 6, 11, 1), [B, 6]),
            [names.targets]: new ort.Tensor("int32", randomIds(B * 6, 11, 2), [B * 6]),
            [names.lr]: new ort.Tensor("float32", Float32Array.of(0.01), []),
            [names.step]: new ort.Tensor("float32", Float32Array.of(3), []),
        };
        const layout = paramLayout(tiny);
        const N = layout.total;
        const flatM = rand(N, 0.02, -0.01);
        const flatV = rand(N, 1e-4);
        const flatP = new Float32Array(N);
        const m = new Map<string, Float32Array>();
        const v = new Map<string, Float32Array>();
        for (const s of layout.slots) {
            flatP.set(params.get(s.name)!, s.offset);
            m.set(s.name, flatM.subarray(s.offset, s.offset + s.size));
            v.set(s.name, flatV.subarray(s.offset, s.offset + s.size));
        }
        feeds[names.params] = new ort.Tensor("float32", flatP, [N]);
        feeds[names.m] = new ort.Tensor("float32", flatM, [N]);
        feeds[names.v] = new ort.Tensor("float32", flatV, [N]);
        const out = await session.run(feeds);
        const nextP = out[names.next(names.params)].data as Float32Array;
        const nextM = out[names.next(names.m)].data as Float32Array;
        const nextV = out[names.next(names.v)].data as Float32Array;
        const offsets = new Map(layout.slots.map((s) => [s.name, s.offset]));
        const grads = new Map(
            shapes.map(([name]) => [name, out[names.grad(name)].data as Float32Array]),
        );
        let sq = 0;
        for (const g of grads.values()) for (const x of g) sq += x * x;
        const norm = Math.sqrt(sq);
        assert.ok(Math.abs((out[names.gradNorm].data[0] as number) - norm) < 1e-5 * norm);
        const coef = gradClip > 0 ? Math.min(1, gradClip / (norm + 1e-6)) : 1;
        if (gradClip > 0) assert.ok(coef < 1, "the test must exercise clipping");
        const t = 3;
        const lr = 0.01;
        let worst = 0;
        for (const [name, shape] of shapes) {
            const p = params.get(name)!;
            const g = grads.get(name)!;
            const decay = shape.length >= 2 ? o.weightDecay : 0;
            for (let i = 0; i < p.length; i++) {
                const gi = g[i] * coef;
                const m2 = o.beta1 * m.get(name)![i] + (1 - o.beta1) * gi;
                const v2 = o.beta2 * v.get(name)![i] + (1 - o.beta2) * gi * gi;
                const denom = Math.sqrt(v2) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
                const want = p[i] * (1 - lr * decay) - (lr / (1 - o.beta1 ** t)) * (m2 / denom);
                const at = offsets.get(name)! + i;
                worst = Math.max(worst, Math.abs(nextP[at] - want));
                assert.ok(Math.abs(nextM[at] - m2) < 1e-7);
                assert.ok(Math.abs(nextV[at] - v2) < 1e-9);
            }
        }
        assert.ok(worst < 2e-6, `AdamW update differs by ${worst} (clip ${gradClip})`);
        await session.release();
    }
});

test("loss decreases on a small corpus within a few dozen steps", async () => {
    const text = readFileSync(shakespearePath, "utf8").slice(0, 20000);
    const chars = [...new Set(text)].sort();
    const data = Int32Array.from(text, (c) => chars.indexOf(c));
    const config: GptConfig = {
        ...tiny,
        n_embd: 32,
        n_head: 4,
        block_size: 16,
        vocab_size: chars.length,
        bias: false,
        activation: "gelu",
    };
    const B = 8;
    const step = await TrainStep.create(config, optim, B, { seed: 1, threads: 1 });
    const x = new Int32Array(B * 16);
    const y = new Int32Array(B * 16);
    const r = lcg(3);
    const losses: number[] = [];
    for (let it = 1; it <= 60; it++) {
        for (let b = 0; b < B; b++) {
            const at = Math.floor(r() * (data.length - 17));
            x.set(data.subarray(at, at + 16), b * 16);
            y.set(data.subarray(at + 1, at + 17), b * 16);
        }
        losses.push((await step.step(x, y, 1e-2, it)).loss);
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(
        Math.abs(first - Math.log(chars.length)) < 0.3,
        `initial loss ${first} vs ln V ${Math.log(chars.length)}`,
    );
    assert.ok(last < first - 0.5, `loss went from ${first} to ${last}`);
    assert.ok(Math.abs((await step.evalLoss(x, y)) - losses[losses.length - 1]) < 0.5);
    await step.dispose();
});

test("same seed gives the same losses, and a resume from saved state continues exactly (with dropout)", async () => {
    const config: GptConfig = { ...tiny, dropout: 0.2 };
    const B = 2;
    const batches = Array.from({ length: 4 }, (_, i) => [
        randomIds(12, 11, 20 + i),
        randomIds(12, 11, 40 + i),
    ]);
    const run = async (step: TrainStep, from: number, to: number) => {
        const out: number[] = [];
        for (let i = from; i < to; i++)
            out.push((await step.step(batches[i][0], batches[i][1], 1e-2, i + 1)).loss);
        return out;
    };
    const a = await TrainStep.create(config, optim, B, { seed: 5, threads: 1 });
    const b = await TrainStep.create(config, optim, B, { seed: 5, threads: 1 });
    // Dropout is really applied: the first step's loss differs from the dropout-free loss.
    const clean = await a.evalLoss(batches[0][0], batches[0][1]);
    const lossesA = await run(a, 0, 4);
    assert.ok(Math.abs(lossesA[0] - clean) > 1e-4, `dropout left the loss at ${clean}`);
    const lossesB = await run(b, 0, 2);
    assert.deepEqual(lossesB, lossesA.slice(0, 2));
    const resumed = await TrainStep.create(config, optim, B, { seed: 99, threads: 1 });
    resumed.setState(b.getState());
    // A different construction seed changes init and dropout; the resumed run keeps seed 5's masks
    // only if it was created with seed 5, so compare against b itself and a seed-5 resume.
    const resumed5 = await TrainStep.create(config, optim, B, { seed: 5, threads: 1 });
    resumed5.setState(b.getState());
    assert.deepEqual(await run(resumed5, 2, 4), lossesA.slice(2));
    const other = await run(resumed, 2, 4);
    assert.notDeepEqual(other, lossesA.slice(2), "dropout masks depend on the seed");
    const noDropout = await a.evalLoss(batches[0][0], batches[0][1]);
    assert.ok(Number.isFinite(noDropout));
    for (const s of [a, b, resumed, resumed5]) await s.dispose();
});

test("the nanoGPT-recipe step graph is lean", () => {
    const config: GptConfig = {
        ...tiny,
        n_layer: 4,
        n_head: 4,
        n_embd: 128,
        block_size: 64,
        vocab_size: 65,
        bias: false,
        activation: "gelu",
    };
    const graph = onnx.ModelProto.decode(buildTrainGraph(config, optim, 12).bytes).graph!;
    const nodes = graph.node!;
    const byOutput = new Map(nodes.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    const count = (type: string) => nodes.filter((n) => n.opType === type).length;
    assert.ok(nodes.length < 600, `${nodes.length} nodes`);
    assert.equal(count("Identity"), 0);
    assert.equal(count("Expand"), 1, "only the loss gradient broadcasts a scalar");
    // Weight gradients are Gemms (transA), never a materialised activation transpose.
    assert.equal(count("Gemm"), 1 + 2 * 4 * 4 + 2);
    for (const n of nodes.filter((n) => n.opType === "Transpose")) {
        assert.notEqual(
            byOutput.get(n.input![0])?.opType,
            "Transpose",
            `${n.name} transposes a transpose`,
        );
    }
    // Reductions only where needed: LayerNorm scale/bias (2 per norm), softmax (1 per layer),
    // wpe over the batch (1), log-softmax (1) and the loss (2).
    assert.equal(count("ReduceSum"), 2 * 9 + 4 + 1 + 1 + 2);
    // One flat optimizer: a single ReduceSumSquare for the norm, no per-tensor moments.
    assert.equal(count("ReduceSumSquare"), 1);
    assert.equal(graph.input!.filter((i) => i.name === "m" || i.name === "v").length, 2);
});

test("state checks and non-finite losses", async () => {
    const step = await TrainStep.create(tiny, optim, 2, { seed: 1, threads: 1 });
    const state = step.getState();
    const bad = { ...state, params: new Map(state.params) };
    bad.params.set("transformer.h.1.mlp.c_fc.weight", new Float32Array(3));
    assert.throws(
        () => step.setState(bad),
        /transformer\.h\.1\.mlp\.c_fc\.weight: expected \[8,32\]/,
    );
    await assert.rejects(
        step.step(new Int32Array(5), new Int32Array(5), 1e-3, 1),
        /batch must hold 2 x 6 = 12 ids/,
    );
    const broken = { ...state, params: new Map(state.params) };
    broken.params.set(
        "transformer.ln_f.weight",
        new Float32Array(8).fill(Number.POSITIVE_INFINITY),
    );
    step.setState(broken);
    const { loss } = await step.step(randomIds(12, 11, 1), randomIds(12, 11, 2), 1e-3, 1);
    assert.ok(!Number.isFinite(loss));
    assert.deepEqual(
        step.getState().params.get("transformer.wte.weight"),
        state.params.get("transformer.wte.weight"),
    );
    await step.dispose();
});
