// AnalysisService: refuses work before a model is loaded, then answers the protocol's requests
// on the loaded model (here the ONNX fixture) and switches models on a second load.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import { AnalysisService } from "./service";

const dir = mkdtempSync(join(tmpdir(), "lm-lab-service-"));
copyFileSync(join(fixturesDir, "gpt2-tiny.onnx"), join(dir, "model.onnx"));
copyFileSync(join(fixturesDir, "gpt2-tokenizer", "tokenizer.json"), join(dir, "tokenizer.json"));
const service = new AnalysisService({ threads: 1 });
after(async () => {
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
});

test("requests before a model is loaded are refused", async () => {
    assert.equal(service.info(), null);
    await assert.rejects(service.analyze({ text: "hi" }), { name: "UserError", message: /no model loaded/ });
});

test("load, analyze, nextToken, attention, generate, export and reload", async () => {
    const info = await service.loadModel(dir);
    assert.equal(info.kind, "onnx");
    assert.equal(service.info()?.contextLength, 128);
    const analysis = await service.analyze({ text: "The quick brown fox", topK: 2 });
    assert.equal(analysis.tokens.length, 4);
    const next = await service.nextToken({ prefix: "The quick brown fox", k: 3 });
    assert.equal(next.top.length, 3);
    assert.equal(next.contextTokens, 4);
    // An empty prefix starts from <|endoftext|> (BOS).
    assert.equal((await service.nextToken({ prefix: "" })).contextTokens, 0);
    const attn = await service.attention({ text: "The quick", layers: [1], heads: [2, 3] });
    assert.deepEqual(attn.heads.map((h) => [h.layer, h.head]), [[1, 2], [1, 3]]);
    assert.deepEqual(attn.entropy.map((row) => row.length), [0, 4]);
    const both = await service.analyzeWithAttention({
        text: "The quick brown fox",
        topK: 2,
        attention: { layers: [1], heads: [2], thumbnailSize: 4 },
    });
    assert.deepEqual(both.analysis, analysis);
    assert.deepEqual(both.attention.entropy.map((row) => row.length), [4, 4]);
    assert.equal(Buffer.from(both.attention.thumbnails!.data, "base64").length, 2 * 4 * 4 * 4);
    const tokens: string[] = [];
    const generated = await service.generate(
        { prompt: "Hello", maxTokens: 4, temperature: 0, requestId: "r1" },
        (text) => tokens.push(text),
    );
    assert.equal(generated.tokens.length, 4);
    assert.equal(tokens.join(""), generated.text);
    const exported = await service.exportModel({ format: "onnx", out: join(dir, "copy") });
    assert.equal(exported.path, join(dir, "copy", "model.onnx"));
    await assert.rejects(service.exportModel({ format: "hf", out: join(dir, "hf") }), /only be exported as ONNX/);
    const again = await service.loadModel(exported.path);
    assert.equal(again.path, exported.path);
});
