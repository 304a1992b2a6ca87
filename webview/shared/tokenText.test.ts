// Tests for visible-whitespace token labels and probability formatting.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProb, hexBytes, tokenLabel, tokenShownText, visibleText } from "./tokenText";

test("whitespace and control characters become visible", () => {
    assert.equal(visibleText(" the\tend\n"), "·the→end↵");
    assert.equal(visibleText("a\u0001"), "a\\x01");
    assert.equal(visibleText("é😀"), "é😀");
});

test("special and empty tokens get distinct labels", () => {
    assert.equal(tokenLabel("<|endoftext|>", true), "⟨<|endoftext|>⟩");
    assert.equal(tokenLabel("", false), "∅");
    assert.equal(tokenLabel(" x", false), "·x");
});

test("probabilities format as percent or exponent", () => {
    assert.equal(formatProb(0.5), "50.0%");
    assert.equal(formatProb(0.0123), "1.23%");
    assert.equal(formatProb(0.00001234), "1.2e-5");
    assert.equal(formatProb(0), "0");
});

test("partial characters show their bytes, whole ones their text", () => {
    // 🐈 is F0 9F 90 88 in UTF-8; GPT-2 splits it into pieces that each decode to U+FFFD.
    assert.equal(tokenLabel("\uFFFD", false, "f09f"), "⟨F0 9F⟩");
    assert.equal(tokenLabel("\uFFFD\uFFFD", false, "9088"), "⟨90 88⟩");
    assert.equal(tokenLabel("\uFFFD", false), "\uFFFD", "without bytes the text stays");
    assert.equal(tokenLabel(" x", false, "2078"), "·x", "bytes alone do not hide whole text");
    assert.equal(tokenShownText({ text: "\uFFFD", bytes: "e4b8" }), "⟨E4 B8⟩");
    assert.equal(tokenShownText({ text: "<unk>", special: true }), "⟨<unk>⟩");
    assert.equal(tokenShownText({ text: " the" }), " the");
    assert.equal(hexBytes("f09f908"), "F0 9F 90 8");
    assert.equal(hexBytes(""), "");
});
