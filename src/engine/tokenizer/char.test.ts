// Tests for the character-level tokenizer: sorted code-point vocabulary, <unk> for unseen
// characters, round trips, offsets, and tokenizer.json that both LM Lab and Hugging Face read.

import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "./char";
import { tokenizerFromJSON, trainCharTokenizer } from "./index";
import { assertOffsets, roundTripTexts } from "./testTexts";

const allText = Object.values(roundTripTexts).join("");
const tokenizer = trainCharTokenizer(allText, { specialTokens: ["[MASK]"] });

test("the vocabulary is <unk>, the specials, then code points in order", () => {
    const t = trainCharTokenizer("baé👋a\n");
    assert.deepEqual(
        Array.from({ length: t.vocabSize }, (_, id) => t.tokenString(id)),
        ["<unk>", "\n", "a", "b", "é", "👋"],
    );
    assert.deepEqual([...t.specialIds], [0]);
    assert.equal(tokenizer.maskId, 1);
    assert.equal(tokenizer.tokenString(1), "[MASK]");
});

test("one token per code point: emoji sequences split into their code points", () => {
    const text = "👩‍👧";
    const encoding = tokenizer.encode(text);
    assert.deepEqual(
        encoding.ids.map((id) => tokenizer.tokenString(id)),
        ["👩", "\u200d", "👧"],
    );
    assert.deepEqual(encoding.byteOffsets, [
        [0, 4],
        [4, 7],
        [7, 11],
    ]);
    assert.deepEqual(encoding.offsets, [
        [0, 2],
        [2, 3],
        [3, 5],
    ]);
});

test("round trips with offsets on every sample text", () => {
    for (const [name, text] of Object.entries(roundTripTexts)) {
        const encoding = tokenizer.encode(text);
        assertOffsets(text, encoding);
        assert.equal(tokenizer.decode(encoding.ids), text, name);
    }
});

test("unseen characters encode as <unk> and are reported", () => {
    const t = trainCharTokenizer("abc");
    const encoding = t.encode("a€b<unk>");
    assert.deepEqual(encoding.ids, [1, 0, 2, 0]);
    assert.deepEqual(encoding.byteOffsets, [
        [0, 1],
        [1, 4],
        [4, 5],
        [5, 10],
    ]);
    assert.deepEqual(t.unknown("a€b😀€"), ["€", "😀"]);
    assert.throws(() => t.tokenString(4), /token id 4 is outside the vocabulary \(0..3\)/);
});

test("tokenizer.json loads back exactly and Hugging Face reads the same ids", () => {
    const json = JSON.parse(JSON.stringify(tokenizer.toJSON()));
    const loaded = tokenizerFromJSON(json);
    assert.ok(loaded instanceof CharTokenizer);
    assert.deepEqual(loaded.toJSON(), tokenizer.toJSON());
    const text = roundTripTexts.emoji + "[MASK]" + roundTripTexts.whitespace + "€";
    const ids = tokenizer.encode(text).ids;
    assert.deepEqual(loaded.encode(text).ids, ids);
    const lib = new HfLibTokenizer(json, {});
    assert.deepEqual(lib.encode(text, { add_special_tokens: false }).ids, ids);
    const known = roundTripTexts.cjk;
    assert.equal(lib.decode(tokenizer.encode(known).ids), known);
});
