// Tests of analyze, nextToken, attention and generate on a deterministic test model whose logits
// can be recomputed by hand: sliding windows, UTF-16 ranges, display units, empty input, caching.

import assert from "node:assert/strict";
import { test } from "node:test";
import { analyze, partialBytes, planWindows, tokenText } from "./analyze";
import { attention, decodeFloats } from "./attention";
import { rowStats } from "./distribution";
import { generate } from "./generate";
import { nextToken } from "./nextToken";
import { TestModel } from "./testModel";

function expectedLogprob(model: TestModel, ids: number[], p: number, windowStart: number): number {
    const row = model.row(ids[p - 1], p - 1 - windowStart);
    return row[ids[p]] - rowStats(row, 1).logSumExp;
}

test("windows: the first scores 1..C-1, later ones give every token at least C/2 of context", () => {
    assert.deepEqual(planWindows(5, 8), [{ start: 0, end: 5, firstScored: 1 }]);
    const windows = planWindows(40, 16);
    assert.deepEqual(windows[0], { start: 0, end: 16, firstScored: 1 });
    assert.deepEqual(windows[1], { start: 8, end: 24, firstScored: 16 });
    assert.deepEqual(windows.at(-1), { start: 24, end: 40, firstScored: 32 });
    let covered = 1;
    for (const w of windows) {
        assert.equal(w.firstScored, covered);
        assert.ok(w.end - w.start <= 16 && (w.start === 0 || w.firstScored - w.start >= 8));
        covered = w.end;
    }
    assert.equal(covered, 40);
});

test("analyze scores every token after the first with the chain rule", async () => {
    const model = new TestModel(64);
    const text = "the cat sat.";
    const result = await analyze(model, text, { topK: 3 });
    const ids = model.tokenizer.encode(text).ids;
    assert.equal(result.tokens.length, ids.length);
    assert.equal(result.tokens[0].logprob, null);
    assert.equal(result.tokens[0].rank, null);
    assert.deepEqual(result.tokens[0].topk, []);
    let ll = 0;
    for (let p = 1; p < ids.length; p++) {
        const expected = expectedLogprob(model, ids, p, 0);
        const token = result.tokens[p];
        assert.ok(Math.abs(token.logprob! - expected) < 1e-6);
        assert.ok(Math.abs(token.surprisal! - -expected / Math.LN2) < 1e-6);
        assert.equal(token.topk.length, 3);
        assert.equal(token.context, p);
        assert.equal(token.truncatedContext, false);
        ll += token.logprob!;
    }
    assert.equal(result.scored, ids.length - 1);
    assert.ok(Math.abs(result.logLikelihood - ll) < 1e-9);
    assert.ok(Math.abs(result.perplexity - Math.exp(-ll / (ids.length - 1))) < 1e-9);
    assert.ok(Math.abs(result.bitsPerChar - -ll / Math.LN2 / text.length) < 1e-9);
    assert.equal(result.truncatedTokens, 0);
});

test("long texts slide the window and report truncated context", async () => {
    const model = new TestModel(16);
    const text = "abcdefghijklmnopqrstuvwxyz abcdefghijklmn";
    const ids = model.tokenizer.encode(text).ids;
    const result = await analyze(model, text);
    assert.equal(model.calls.length, planWindows(ids.length, 16).length);
    for (const call of model.calls) assert.ok(call.length <= 16);
    const windows = planWindows(ids.length, 16);
    for (const w of windows) {
        for (let p = w.firstScored; p < w.end; p++) {
            const token = result.tokens[p];
            assert.ok(Math.abs(token.logprob! - expectedLogprob(model, ids, p, w.start)) < 1e-6, `token ${p}`);
            assert.equal(token.context, p - w.start);
            if (w.start > 0) assert.ok(token.context >= 8);
            assert.equal(token.truncatedContext, w.start > 0);
        }
    }
    assert.equal(result.truncatedTokens, ids.length - 16);
});

test("maxTokens cuts the text and says so", async () => {
    const model = new TestModel(64);
    const result = await analyze(model, "abcdefghij", { maxTokens: 4 });
    assert.equal(result.tokens.length, 4);
    assert.equal(result.cut, true);
    assert.equal(result.text, "abcd");
    assert.equal(result.chars, 4);
});

test("UTF-16 ranges cover emoji (two code units) and CJK exactly", async () => {
    const model = new TestModel(64);
    const text = "a😀東京é!";
    const result = await analyze(model, text);
    assert.deepEqual(
        result.tokens.map((t) => [t.start, t.end]),
        [[0, 1], [1, 3], [3, 4], [4, 5], [5, 6], [6, 7]],
    );
    assert.equal(text.slice(result.tokens[1].start, result.tokens[1].end), "😀");
    assert.equal(result.chars, 6);
    assert.equal(result.units.length, 6);
});

test("empty and whitespace-only input is refused before the model runs", async () => {
    const model = new TestModel(64);
    for (const text of ["", "   ", "\n\t ", "\u00a0\u2003"]) {
        await assert.rejects(analyze(model, text), { name: "UserError", message: /no tokens to analyse/ });
        await assert.rejects(attention(model, text), { name: "UserError", message: /no tokens to analyse/ });
    }
    assert.equal(model.calls.length, 0);
});

test("nextToken gives the last row's top-k and entropy; an empty prefix without BOS is an error", async () => {
    const model = new TestModel(64);
    const ids = model.tokenizer.encode("hello").ids;
    const result = await nextToken(model, "hello", 4);
    const stats = rowStats(model.row(ids.at(-1)!, ids.length - 1), 4);
    assert.ok(Math.abs(result.entropy - stats.entropy) < 1e-9);
    assert.deepEqual(result.top.map((e) => e.id), stats.top.map((e) => e.id));
    assert.equal(result.contextTokens, ids.length);
    await assert.rejects(nextToken(model, ""), { name: "UserError", message: /no BOS token/ });
});

test("attention returns the asked heads, entropies and max-pooled thumbnails", async () => {
    const model = new TestModel(64);
    const result = await attention(model, "abcd", { heads: [1], thumbnailSize: 2, scores: true });
    assert.equal(result.heads.length, 1);
    const probs = decodeFloats(result.heads[0].probs);
    assert.deepEqual([...probs], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    const scores = decodeFloats(result.heads[0].scores!);
    assert.equal(scores[1], -Infinity);
    // Head 0 is uniform over 1..4 keys: mean entropy (ln1 + ln2 + ln3 + ln4) / 4; head 1 is 0.
    const uniform = (Math.log(1) + Math.log(2) + Math.log(3) + Math.log(4)) / 4;
    assert.ok(Math.abs(result.entropy[0][0] - uniform) < 1e-6);
    assert.equal(result.entropy[0][1], 0);
    const thumbs = Buffer.from(result.thumbnails!.data, "base64");
    // Head 0, top-left 2x2 block max = 1; top-right = 0; bottom blocks max = 1/3.
    assert.deepEqual([...thumbs.subarray(0, 4)], [255, 0, 85, 85]);
    assert.deepEqual([...thumbs.subarray(4, 8)], [255, 0, 255, 0]);
});

test("generate: seeded runs repeat, greedy is deterministic, abort cancels", async () => {
    const model = new TestModel(16);
    const run = (seed: number) => generate(model, "ab", { maxTokens: 30, seed, topK: 5 });
    const a = await run(1);
    const b = await run(1);
    assert.deepEqual(a.tokens, b.tokens);
    assert.equal(a.tokens.length, 30);
    assert.equal(a.stopped, "length");
    assert.notDeepEqual((await run(2)).tokens, a.tokens);
    const streamed: string[] = [];
    const greedy = await generate(model, "ab", { maxTokens: 5, temperature: 0 }, (text) => streamed.push(text));
    assert.equal(streamed.join(""), greedy.text);
    const ids = model.tokenizer.encode("ab").ids;
    const first = rowStats(model.row(ids[1], 1), 1).top[0].id;
    assert.equal(greedy.tokens[0], first);
    const controller = new AbortController();
    const cancelled = await generate(model, "ab", { maxTokens: 50, seed: 3 }, (_t) => {
        controller.abort();
    }, controller.signal);
    assert.equal(cancelled.stopped, "cancelled");
    assert.equal(cancelled.tokens.length, 1);
});

test("non-finite model output is an error, never a null log-prob on a conditioned token", async () => {
    const model = new TestModel(64);
    const forward = model.forward.bind(model);
    model.forward = async (ids, options) => {
        const result = await forward(ids, options);
        result.logits![3 * model.info.vocabSize + 1] = Number.NaN;
        return result;
    };
    await assert.rejects(
        analyze(model, "the cat sat."),
        (e: Error) => e.name === "UserError" && /output for token 4 is not finite \(log-prob NaN\)/.test(e.message),
    );
});

test("byte-level pieces of one character carry their bytes; whole tokens do not", async () => {
    const { loadTokenizer } = await import("../tokenizer");
    const { join } = await import("node:path");
    const { fixturesDir } = await import("../../../test/support/paths");
    const tokenizer = await loadTokenizer(join(fixturesDir, "gpt2-tokenizer", "tokenizer.json"));
    const cat = tokenizer.encode("🐈").ids;
    assert.ok(cat.length > 1, "GPT-2 splits the emoji into byte pieces");
    const hex = cat.map((id) => partialBytes(tokenizer, id, tokenText(tokenizer, id)).bytes).join("");
    assert.equal(hex, Buffer.from("🐈", "utf8").toString("hex"));
    const [word] = tokenizer.encode("Hello").ids;
    assert.deepEqual(partialBytes(tokenizer, word, tokenText(tokenizer, word)), {});
});
