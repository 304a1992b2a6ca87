// Export round trips: an LM Lab model without biases exported as a Hugging Face folder and as
// ONNX, loaded back by loadModel, must give the same logits as the original; the KV-cached
// next-token path must agree with a full forward pass. Exports never replace existing files
// unless asked, and an ONNX export's companions carry its name.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { analyze } from "../analysis/analyze";
import { nextLogits } from "../analysis/nextToken";
import type { LanguageModel, UserError } from "../types";
import { exportModel, exportRefusal, onnxCompanions } from "./export";
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

test("ONNX export writes <name>.tokenizer.json and <name>.config.json, never the folder's own", async () => {
    // A Hugging Face folder already holds config.json and tokenizer.json; the export beside it
    // must leave them byte for byte as they were.
    const dir = join(root, "beside-hf");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), '{"model_type": "gpt2", "n_positions": 7}\n');
    writeFileSync(join(dir, "tokenizer.json"), "not this model's tokenizer\n");
    const { path } = await exportModel(model, "onnx", join(dir, "x.onnx"));
    assert.equal(path, join(dir, "x.onnx"));
    assert.deepEqual(readdirSync(dir).sort(), ["config.json", "tokenizer.json", "x.config.json", "x.onnx", "x.tokenizer.json"]);
    assert.equal(readFileSync(join(dir, "config.json"), "utf8"), '{"model_type": "gpt2", "n_positions": 7}\n');
    assert.equal(readFileSync(join(dir, "tokenizer.json"), "utf8"), "not this model's tokenizer\n");
    assert.deepEqual(onnxCompanions(path), { tokenizer: join(dir, "x.tokenizer.json"), config: join(dir, "x.config.json") });
    // The loader reads x.config.json before the folder's config.json: context 32, not 7.
    const onnx = await loadModel(path, { threads: 1 });
    try {
        assert.equal(onnx.info.contextLength, 32);
        assert.deepEqual(onnx.tokenizer.encode(text).ids, model.tokenizer.encode(text).ids);
    } finally {
        await onnx.dispose();
    }
});

test("ONNX export refuses to replace an existing .onnx or companion file unless overwrite is set", async () => {
    for (const name of ["m.onnx", "m.tokenizer.json", "m.config.json"]) {
        const dir = join(root, `onnx-over-${name}`);
        mkdirSync(dir);
        writeFileSync(join(dir, name), "keep me");
        await assert.rejects(exportModel(model, "onnx", join(dir, "m.onnx")), (err: Error) => {
            assert.equal((err as UserError).code, exportRefusal.exists);
            assert.ok(err.message.includes(`${join(dir, name)} already exists`), err.message);
            return true;
        });
        // Nothing was written: the refused export left only the file that was there.
        assert.deepEqual(readdirSync(dir), [name]);
        assert.equal(readFileSync(join(dir, name), "utf8"), "keep me");
        const { path } = await exportModel(model, "onnx", join(dir, "m.onnx"), { overwrite: true });
        assert.deepEqual(readdirSync(dir).sort(), ["m.config.json", "m.onnx", "m.tokenizer.json"]);
        assert.notEqual(readFileSync(join(dir, name), "utf8"), "keep me");
        assert.equal(path, join(dir, "m.onnx"));
    }
});

test("HF export refuses a non-empty folder unless overwrite is set, and a run folder always", async () => {
    const dir = join(root, "hf-existing");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine\n");
    await assert.rejects(exportModel(model, "hf", dir), (err: Error) => {
        assert.equal((err as UserError).code, exportRefusal.exists);
        assert.ok(err.message.includes(`${dir} is not empty`), err.message);
        return true;
    });
    assert.deepEqual(readdirSync(dir), ["notes.txt"]);
    await exportModel(model, "hf", dir, { overwrite: true });
    assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors", "notes.txt", "tokenizer.json"]);
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "mine\n");

    // The model's own run folder: even with overwrite, its weights are not replaced.
    const run = join(root, "run");
    writeFileSync(join(run, "run.json"), "{}\n");
    const weights = readFileSync(join(run, "model.safetensors"));
    try {
        for (const overwrite of [false, true]) {
            await assert.rejects(exportModel(model, "hf", run, { overwrite }), (err: Error) => {
                assert.equal((err as UserError).code, exportRefusal.runFolder);
                assert.ok(err.message.startsWith(`${run} is an LM Lab run folder (it holds run.json)`), err.message);
                return true;
            });
        }
        assert.deepEqual(readFileSync(join(run, "model.safetensors")), weights);
    } finally {
        rmSync(join(run, "run.json"));
    }
    // An empty folder is fine without overwrite.
    mkdirSync(join(root, "hf-empty"));
    assert.equal((await exportModel(model, "hf", join(root, "hf-empty"))).path, join(root, "hf-empty"));
});
