// Tests for the hover's analysis window: it always holds the hovered token, starts on a word
// boundary, never splits a surrogate pair, and maps document offsets into window offsets.

import assert from "node:assert/strict";
import { test } from "node:test";
import { hoveredTokenIndex, hoverWindow, windowChars } from "./hoverWindow";

/** Character-level tokens of `text`, one per UTF-16 unit or surrogate pair, as offsets. */
function charTokens(text: string): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    for (let i = 0; i < text.length; ) {
        const width = (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
        out.push({ start: i, end: i + width });
        i += width;
    }
    return out;
}

test("window size follows the model's context within bounds", () => {
    assert.equal(windowChars(256), 1024);
    assert.equal(windowChars(4), 64);
    assert.equal(windowChars(1 << 20), 8192);
});

test("a hover deep in a long text keeps the hovered token, whatever its depth", () => {
    const text = "lorem ipsum dolor sit amet ".repeat(400); // 10,800 characters
    const contextLength = 16; // 64-character windows
    for (const offset of [0, 5, 943, 5000, text.length - 2]) {
        const w = hoverWindow(text, offset, undefined, contextLength);
        assert.ok(w.start <= offset && offset < w.end, `offset ${offset} in [${w.start}, ${w.end})`);
        assert.ok(w.end - w.start <= windowChars(contextLength), "window no longer than its size");
        // Char tokens of the window: the hovered one is the character at `offset`.
        const windowText = text.slice(w.start, w.end);
        const i = hoveredTokenIndex(charTokens(windowText), w.start, offset);
        assert.equal(windowText[i], text[offset], `offset ${offset}`);
        assert.ok(charTokens(windowText).length <= w.maxTokens, "maxTokens never cuts the window");
    }
});

test("the window ends at the hovered word's end and starts after whitespace", () => {
    const text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi";
    const offset = text.indexOf("pi") + 1;
    const w = hoverWindow(text, offset, text.length, 16);
    assert.equal(w.end, text.length);
    // 64 characters back from the end falls inside "delta"; the window starts at the next word.
    assert.equal(text.slice(text.length - 64, text.length - 60), "lta ");
    assert.equal(w.start, text.indexOf("epsilon"));
    // Without a word, the window ends just after the hovered character.
    const space = text.indexOf(" ");
    const before = hoverWindow(text, space, undefined, 16);
    assert.deepEqual(before, { start: 0, end: space + 1, maxTokens: 3 * (space + 1) });
});

test("windows never split a surrogate pair", () => {
    const cat = "🐈";
    const text = "x".repeat(100) + cat + "y".repeat(100);
    const at = text.indexOf(cat);
    // Hovering the high surrogate ends after the low one.
    assert.equal(hoverWindow(text, at, undefined, 16).end, at + 2);
    // A window that would start on the low surrogate (no whitespace to move to) skips it.
    const w = hoverWindow(text, at + 64, undefined, 16);
    assert.equal(w.end - 64, at + 1);
    assert.equal(w.start, at + 2);
});

test("byte pieces of one character resolve to the last piece; misses give -1", () => {
    // "a🐈b" as byte-level BPE: the cat is two tokens over the same two UTF-16 units.
    const tokens = [
        { start: 0, end: 1 },
        { start: 1, end: 3 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
    ];
    assert.equal(hoveredTokenIndex(tokens, 100, 100), 0);
    assert.equal(hoveredTokenIndex(tokens, 100, 101), 2);
    assert.equal(hoveredTokenIndex(tokens, 100, 102), 2);
    assert.equal(hoveredTokenIndex(tokens, 100, 103), 3);
    assert.equal(hoveredTokenIndex(tokens, 100, 104), -1);
    assert.equal(hoveredTokenIndex(tokens, 100, 99), -1);
});
