// Tests for Hugging Face tokenizer.json loading against the GPT-2 reference cases: ids, token
// strings, byte offsets (exactly), UTF-16 offsets, decoding, and special-token roles.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import { HfTokenizer } from "./hf";
import { loadTokenizer, tokenizerFromJSON } from "./index";
import { assertOffsets, roundTripTexts } from "./testTexts";

interface Case {
    name: string;
    text: string;
    match_special_tokens: boolean;
    ids: number[];
    tokens: string[];
    byte_offsets: [number, number][];
    decoded: string;
}

const cases: Case[] = JSON.parse(
    readFileSync(join(fixturesDir, "tokenizer-cases.json"), "utf8"),
).cases;
const gpt2 = loadTokenizer(join(fixturesDir, "gpt2-tokenizer")) as HfTokenizer;

test("the GPT-2 tokenizer loads as hf with its special token and roles", () => {
    assert.equal(gpt2.kind, "hf");
    assert.equal(gpt2.vocabSize, 50257);
    assert.deepEqual([...gpt2.specialIds], [50256]);
    assert.equal(gpt2.bosId, 50256);
    assert.equal(gpt2.eosId, 50256);
    assert.equal(gpt2.maskId, undefined);
    assert.equal(gpt2.tokenString(262), "Ġthe");
    assert.equal(Buffer.from(gpt2.tokenBytes(50256)).toString(), "<|endoftext|>");
});

test("all 27 reference cases: ids, tokens, byte offsets and decoding exactly", () => {
    assert.equal(cases.length, 27);
    for (const c of cases) {
        const encoding = gpt2.encode(c.text, { matchSpecialTokens: c.match_special_tokens });
        assert.deepEqual(encoding.ids, c.ids, c.name);
        assert.deepEqual(
            encoding.ids.map((id) => gpt2.tokenString(id)),
            c.tokens,
            c.name,
        );
        assert.deepEqual(encoding.byteOffsets, c.byte_offsets, c.name);
        assertOffsets(c.text, encoding);
        assert.equal(gpt2.decode(encoding.ids), c.decoded, c.name);
    }
});

test("special-token matching is on by default and can be turned off", () => {
    assert.deepEqual(gpt2.encode("<|endoftext|>").ids, [50256]);
    assert.deepEqual(
        gpt2.encode("<|endoftext|>", { matchSpecialTokens: false }).ids,
        [27, 91, 437, 1659, 5239, 91, 29],
    );
});

test("UTF-16 offsets of split emoji overlap on the shared character", () => {
    // " 👋🏽" is split inside the wave emoji's bytes: both neighbours cover the whole emoji.
    const text = "Hi 👋🏽";
    const encoding = gpt2.encode(text);
    assertOffsets(text, encoding);
    const covering = encoding.offsets.filter(([s, e]) => s <= 3 && e >= 5);
    assert.ok(covering.length >= 2, JSON.stringify(encoding.offsets));
    assert.equal(encoding.offsets.at(-1)![1], text.length);
});

test("round trips, empty input and invalid partial bytes", () => {
    for (const [name, text] of Object.entries(roundTripTexts)) {
        const encoding = gpt2.encode(text);
        assertOffsets(text, encoding);
        assert.equal(gpt2.decode(encoding.ids), text, name);
    }
    assert.equal(gpt2.decode([]), "");
    assert.deepEqual(gpt2.encode(""), { ids: [], byteOffsets: [], offsets: [] });
    // 8582 is the first three bytes of a four-byte emoji: they decode to U+FFFD.
    assert.ok(gpt2.decode([8582]).includes("\uFFFD"));
    assert.throws(() => gpt2.tokenString(50257), /outside the vocabulary/);
});

test("toJSON loads back to the same tokenizer kind and ids", () => {
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(gpt2.toJSON())));
    assert.equal(again.kind, "hf");
    const text = roundTripTexts.emoji + roundTripTexts.cjk;
    assert.deepEqual(again.encode(text).ids, gpt2.encode(text).ids);
});

test("a non-byte-level tokenizer still gets tiling offsets", () => {
    const wordLevel = {
        version: "1.0",
        added_tokens: [
            {
                id: 0,
                content: "[UNK]",
                special: true,
                normalized: false,
                lstrip: false,
                rstrip: false,
                single_word: false,
            },
        ],
        normalizer: { type: "Lowercase" },
        pre_tokenizer: { type: "Whitespace" },
        model: {
            type: "WordLevel",
            vocab: { "[UNK]": 0, hello: 1, world: 2, "!": 3 },
            unk_token: "[UNK]",
        },
        decoder: null,
    };
    const tokenizer = tokenizerFromJSON(wordLevel);
    assert.equal(tokenizer.kind, "hf");
    const text = "Hello  World!";
    const encoding = tokenizer.encode(text);
    assert.deepEqual(encoding.ids, [1, 2, 3]);
    assert.deepEqual(encoding.byteOffsets, [
        [0, 7],
        [7, 12],
        [12, 13],
    ]);
    assertOffsets(text, encoding);
});

test("bad tokenizer files give a clear error", () => {
    assert.throws(() => tokenizerFromJSON([1]), /must be a JSON object/);
    assert.throws(() => tokenizerFromJSON({ version: "1.0" }), /no "model" section/);
    assert.throws(() => loadTokenizer(join(fixturesDir, "no-such-folder")), /tokenizer not found/);
    assert.throws(() => loadTokenizer(join(fixturesDir, "gpt2-tiny-fp16")), /no tokenizer.json in/);
});
