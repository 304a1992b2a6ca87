// Tests for the shared text helpers: offset widening, special-token splitting, GPT-2 pre-tokens.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
    byteLevelToBytes,
    byteToUnicode,
    gpt2PreTokenize,
    splitSpecial,
    utf8ToUtf16Offsets,
} from "./text";

test("byte offsets inside a multi-byte character widen to the whole character", () => {
    // "a👋b": a = byte 0, 👋 = bytes 1-4 (UTF-16 units 1-2), b = byte 5 (unit 3).
    const text = "a👋b";
    assert.deepEqual(
        utf8ToUtf16Offsets(text, [
            [0, 1],
            [1, 3],
            [3, 5],
            [5, 6],
            [6, 6],
        ]),
        [
            [0, 1],
            [1, 3],
            [1, 3],
            [3, 4],
            [4, 4],
        ],
    );
    assert.deepEqual(utf8ToUtf16Offsets("é", [[0, 2]]), [[0, 1]]);
    assert.throws(() => utf8ToUtf16Offsets("ab", [[1, 3]]), /outside a text of 2 bytes/);
});

test("special tokens split out longest first; other text is left whole", () => {
    assert.deepEqual(splitSpecial("a<|x|>b<|x|><|xy|>", ["<|x|>", "<|xy|>"]), [
        { text: "a", special: false },
        { text: "<|x|>", special: true },
        { text: "b", special: false },
        { text: "<|x|>", special: true },
        { text: "<|xy|>", special: true },
    ]);
    assert.deepEqual(splitSpecial("a.b", ["."]), [
        { text: "a", special: false },
        { text: ".", special: true },
        { text: "b", special: false },
    ]);
    assert.deepEqual(splitSpecial("", ["x"]), []);
});

test("GPT-2 pre-tokens follow the regex and concatenate back to the text", () => {
    assert.deepEqual(gpt2PreTokenize("It's  2024!\n\n hi"), [
        "It",
        "'s",
        " ",
        " 2024",
        "!",
        "\n\n",
        " hi",
    ]);
    const text = "   three leading spaces  ";
    assert.equal(gpt2PreTokenize(text).join(""), text);
});

test("the byte-level alphabet is GPT-2's: printable bytes map to themselves, space to Ġ", () => {
    assert.equal(byteToUnicode[0x20], "Ġ");
    assert.equal(byteToUnicode[0x0a], "Ċ");
    assert.equal(byteToUnicode[0x41], "A");
    assert.equal(new Set(byteToUnicode).size, 256);
    assert.deepEqual(byteLevelToBytes("ĠðŁĳ"), Uint8Array.of(0x20, 0xf0, 0x9f, 0x91));
    assert.equal(byteLevelToBytes("<|endoftext|>€"), undefined);
});
