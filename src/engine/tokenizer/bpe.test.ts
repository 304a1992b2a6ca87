// Tests for the byte-level BPE trainer and encoder: hand-checked merges, round trips on every
// script, save/load through tokenizer.json, agreement with the Hugging Face library reading the
// same file, special tokens, and training speed on a slice of the corpus.

import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { shakespearePath } from "../../../test/support/paths";
import { writeJsonAtomic } from "../io/atomic";
import { BpeTokenizer } from "./bpe";
import { loadTokenizer, tokenizerFromJSON, trainBpeTokenizer } from "./index";
import { assertOffsets, roundTripTexts } from "./testTexts";

const corpus = readFileSync(shakespearePath, "utf8").slice(0, 300_000);
const specials = ["<|endoftext|>", "[MASK]"];
const trained = trainBpeTokenizer(corpus, { vocabSize: 1000, specialTokens: specials });

test("merges follow pair frequency, ties to the smaller id pair", () => {
    // One word "aaabdaaabac": pairs aa:4, ab:2, ... so "a a" first; then "a b" (2) ties with
    // "aa a" (2) and wins by smaller ids (97 < 256); then "aa ab" (2).
    const t = trainBpeTokenizer("aaabdaaabac", { vocabSize: 259 });
    const json = t.toJSON() as { model: { merges: string[] } };
    assert.deepEqual(json.model.merges, ["a a", "a b", "aa ab"]);
    assert.deepEqual(
        t.encode("aaabdaaabac").ids.map((id) => t.tokenString(id)),
        ["aaab", "d", "aaab", "a", "c"],
    );
    assert.equal(t.vocabSize, 259);
});

test("the trained vocabulary has the requested size, bytes first, specials last", () => {
    assert.equal(trained.kind, "bpe");
    assert.equal(trained.vocabSize, 1000);
    assert.deepEqual([...trained.specialIds], [998, 999]);
    assert.equal(trained.eosId, 998);
    assert.equal(trained.bosId, 998);
    assert.equal(trained.maskId, 999);
    assert.equal(trained.tokenString(32), "Ġ");
    assert.deepEqual(trained.tokenBytes(0xe4), Uint8Array.of(0xe4));
    // Frequent English pieces were learned.
    const ids = trained.encode(" the").ids;
    assert.equal(ids.length, 1);
    assert.equal(trained.tokenString(ids[0]), "Ġthe");
});

test("round trips and offsets on every script, including text never seen in training", () => {
    for (const [name, text] of Object.entries(roundTripTexts)) {
        const encoding = trained.encode(text);
        assertOffsets(text, encoding);
        assert.equal(trained.decode(encoding.ids), text, name);
        assert.ok(
            encoding.ids.every((id) => !trained.specialIds.has(id)),
            name,
        );
    }
    // Unseen CJK falls back to byte tokens: 3 bytes per character.
    assert.deepEqual(trained.encode("中").ids, [0xe4, 0xb8, 0xad]);
});

test("special tokens are matched in text, or treated as text when asked", () => {
    const text = "Hi<|endoftext|>[MASK] x";
    const encoding = trained.encode(text);
    assertOffsets(text, encoding);
    const at = encoding.ids.indexOf(998);
    assert.deepEqual(encoding.ids.slice(at, at + 2), [998, 999]);
    assert.deepEqual(encoding.byteOffsets.slice(at, at + 2), [
        [2, 15],
        [15, 21],
    ]);
    assert.equal(trained.decode(encoding.ids), text);
    const plain = trained.encode(text, { matchSpecialTokens: false });
    assert.ok(plain.ids.every((id) => id < 998));
    assert.equal(trained.decode(plain.ids), text);
});

test("save and load through tokenizer.json keep every id; Hugging Face agrees", () => {
    const dir = mkdtempSync(join(tmpdir(), "lmlab-bpe-"));
    try {
        const path = join(dir, "tokenizer.json");
        writeJsonAtomic(path, trained.toJSON());
        const loaded = loadTokenizer(path);
        assert.ok(loaded instanceof BpeTokenizer);
        const lib = new HfLibTokenizer(JSON.parse(readFileSync(path, "utf8")), {});
        const sample =
            corpus.slice(100_000, 110_000) + Object.values(roundTripTexts).join(" <|endoftext|>");
        const ids = trained.encode(sample).ids;
        assert.deepEqual(loaded.encode(sample).ids, ids);
        assert.deepEqual(lib.encode(sample, { add_special_tokens: false }).ids, ids);
        assert.equal(lib.decode(ids, { skip_special_tokens: false }), sample);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("training is deterministic and fast on 1 MB", () => {
    const again = trainBpeTokenizer(corpus, { vocabSize: 1000, specialTokens: specials });
    assert.deepEqual(again.toJSON(), trained.toJSON());
    const big = readFileSync(shakespearePath, "utf8");
    const start = performance.now();
    const t = trainBpeTokenizer(big, { vocabSize: 4000 });
    const seconds = (performance.now() - start) / 1000;
    assert.equal(t.vocabSize, 4000);
    assert.ok(seconds < 10, `training took ${seconds.toFixed(1)} s`);
});

test("bad sizes and bad files are refused with the numbers involved", () => {
    assert.throws(
        () => trainBpeTokenizer("abc", { vocabSize: 257, specialTokens: specials }),
        /too small.*at least 258/,
    );
    const json = trained.toJSON() as { model: { merges: string[] } };
    const broken = { ...json, model: { ...json.model, merges: ["Ġ zzzq"] } };
    assert.throws(() => tokenizerFromJSON(broken), /merge 0 .* missing from the vocabulary/);
    // A corpus too small to fill the vocabulary stops early with a smaller vocabulary.
    assert.equal(trainBpeTokenizer("ab ab", { vocabSize: 400 }).vocabSize, 256 + 2);
});
