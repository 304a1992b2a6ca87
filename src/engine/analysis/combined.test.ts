// analyzeWithAttention gives exactly what analyze and attention give alone, from one forward pass
// when the text fits the context; on the GPT-2 fixture and its ONNX export, scores come only for
// the layers shown in full while every layer's probabilities come for the thumbnails.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import type { LayerForwardOptions } from "../io/sessions";
import { loadModel } from "../io/loadModel";
import { analyze, planWindows } from "./analyze";
import { attention } from "./attention";
import { analyzeWithAttention } from "./combined";
import { TestModel } from "./testModel";

const view = { layers: [0], heads: [1], scores: true, thumbnailSize: 4 };

test("one forward pass gives both results, equal to the separate calls", async () => {
    const model = new TestModel(64);
    const text = "hello world, again!";
    const alone = {
        analysis: await analyze(model, text, { topK: 3 }),
        attention: await attention(model, text, view),
    };
    model.calls.length = 0;
    const both = await analyzeWithAttention(model, text, { topK: 3, attention: view });
    assert.equal(model.calls.length, 1);
    assert.deepEqual(both, alone);
    assert.equal(both.attention.heads.length, 1);
    assert.ok(both.attention.heads[0].scores);
});

test("longer than the context: the attention shares the first window", async () => {
    const model = new TestModel(16);
    const text = "the quick brown fox jumps over the lazy dog";
    const windows = planWindows(text.length, 16).length;
    assert.ok(windows > 2);
    const both = await analyzeWithAttention(model, text, { attention: view });
    assert.equal(model.calls.length, windows);
    assert.equal(both.attention.tokens.length, 16);
    assert.deepEqual(both.analysis, await analyze(model, text));
    assert.deepEqual(both.attention, await attention(model, text, view));
    // An attention cut shorter than the first window needs its own pass.
    model.calls.length = 0;
    const short = await analyzeWithAttention(model, text, { attention: { ...view, maxTokens: 5 } });
    assert.deepEqual(model.calls.map((ids) => ids.length), [...Array(windows).fill(16), 5]);
    assert.equal(short.attention.tokens.length, 5);
});

test("bad attention options are refused before the model runs", async () => {
    const model = new TestModel(16);
    const run = (attention: object) => analyzeWithAttention(model, "abc", { attention });
    await assert.rejects(run({ thumbnailSize: 0 }), /thumbnailSize/);
    await assert.rejects(run({ heads: [2] }), /head 2 is out of range/);
    assert.equal(model.calls.length, 0);
});

for (const path of [join(fixturesDir, "gpt2-tiny"), join(fixturesDir, "gpt2-tiny.onnx")]) {
    test(`scores only for the shown layers (${path.split("/").pop()})`, async () => {
        const model = await loadModel(path, {
            threads: 1,
            tokenizer: join(fixturesDir, "gpt2-tokenizer", "tokenizer.json"),
        });
        try {
            const ids = model.tokenizer.encode("Hello there, general Kenobi").ids;
            const narrow: LayerForwardOptions = { attentions: [0, 1], scores: true, scoreLayers: [1] };
            const some = await model.forward(ids, narrow);
            const all = await model.forward(ids, { attentions: [0, 1], scores: true });
            assert.deepEqual([...some.attentions!.keys()], [0, 1]);
            assert.deepEqual([...some.scores!.keys()], [1]);
            assert.deepEqual(some.scores!.get(1), all.scores!.get(1));
            const text = "Hello there, general Kenobi";
            const shown = { layers: [1], heads: [2], scores: true, thumbnailSize: 8 };
            const both = await analyzeWithAttention(model, text, { attention: shown });
            const alone = await attention(model, text, shown);
            assert.deepEqual(both.attention, alone);
            assert.equal(both.attention.entropy.flat().length, 2 * 4);
        } finally {
            await model.dispose();
        }
    });
}
