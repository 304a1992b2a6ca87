// Tests for visible-whitespace token labels and probability formatting.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProb, tokenLabel, visibleText } from "./tokenText";

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
