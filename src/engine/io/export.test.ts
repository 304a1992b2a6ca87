// Export round trips: an LM Lab model without biases exported as a Hugging Face folder and as
// ONNX, loaded back by loadModel, must give the same logits as the original; the KV-cached
// next-token path must agree with a full forward pass.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { analyze } from "../analysis/analyze";
import { nextLogits } from "../analysis/nextToken";
import type { LanguageModel } from "../types";
import { exportModel } from "./export";
import { loadModel } from "./loadModel";
import { writeRandomModel } from "./randomModel";

const root = mkdtempSync(join(tmpdir(), "lm-lab-export-"));
const text = "To be, or not to be: that is the question.\n";
let model: LanguageModel;

before(async () => {
    writeRandomModel(join(root, "run"), { n_layer: 2, n_head: 2, n_embd: 16, block_size: 32, text });
    model = await loadModel(join(root, "run"), { threads: 1 });
});
after(async () => {
    await model.dispose();
    rmSync(root, { recursive: true, force: true });
});

async function maxLogitDifference(a: LanguageModel, b: LanguageModel, ids: number[]): Promise<number> {
    const x = (await a.forward(ids)).logits!;
    const y = (await b.forward(ids)).logits!;
    assert.equal(x.length, y.length);
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
    return max;
}

test("an LM Lab folder loads as kind lmlab with the config's sizes", () => {
    assert.equal(model.info.kind, "lmlab");
    assert.equal(model.info.contextLength, 32);
    assert.equal(model.info.nLayer, 2);
    assert.equal(model.info.nHead, 2);
});

test("HF export (zero biases added) re-imports with identical logits", async () => {
    const out = join(root, "hf");
    await exportModel(model, "hf", out);
    for (const f of ["model.safetensors", "config.json", "tokenizer.json"]) assert.ok(existsSync(join(out, f)), f);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(config.model_type, "gpt2");
    assert.equal(config.lm_lab.bias, true);
    const again = await loadModel(out, { threads: 1 });
    try {
        const ids = model.tokenizer.encode(text).ids.slice(0, 32);
        assert.equal(await maxLogitDifference(model, again, ids), 0);
    } finally {
        await again.dispose();
    }
});

test("ONNX export gives the engine's probabilities, attention included", async () => {
    const { path } = await exportModel(model, "onnx", join(root, "onnx", "model.onnx"));
    const onnx = await loadModel(path, { threads: 1 });
    try {
        assert.equal(onnx.info.kind, "onnx");
        assert.equal(onnx.info.contextLength, 32);
        assert.equal(onnx.info.nHead, 2);
        const ids = model.tokenizer.encode(text).ids.slice(0, 32);
        assert.ok((await maxLogitDifference(model, onnx, ids)) < 1e-5);
        const a = await analyze(model, text);
        const b = await analyze(onnx, text);
        a.tokens.forEach((t, i) => {
            if (t.logprob !== null) assert.ok(Math.abs(t.logprob - b.tokens[i].logprob!) < 1e-5);
        });
        const attnA = (await model.forward(ids, { logits: false, attentions: true })).attentions!;
        const attnB = (await onnx.forward(ids, { logits: false, attentions: true })).attentions!;
        for (const [l, probs] of attnA) {
            const other = attnB.get(l)!;
            for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(probs[i] - other[i]) < 1e-6);
        }
    } finally {
        await onnx.dispose();
    }
});

test("the KV-cached next-token logits equal the last row of a full forward pass", async () => {
    const ids = model.tokenizer.encode(text).ids.slice(0, 32);
    const v = model.info.vocabSize;
    // A growing prefix, a prefix whose last token changes, and a shorter one.
    const prefixes = [ids.slice(0, 5), ids.slice(0, 6), ids.slice(0, 12), [...ids.slice(0, 11), ids[20]], ids.slice(0, 3), ids];
    for (const prefix of prefixes) {
        const fast = await nextLogits(model, prefix);
        const full = (await model.forward(prefix)).logits!.subarray((prefix.length - 1) * v, prefix.length * v);
        for (let i = 0; i < v; i++) assert.ok(Math.abs(fast[i] - full[i]) < 1e-5, `prefix ${prefix.length}, id ${i}`);
    }
});
