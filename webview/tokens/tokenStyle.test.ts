// Tests for the token chip colours and the whitespace split of token text.

import assert from "node:assert/strict";
import { test } from "node:test";
import { legend, tokenColor } from "../shared/colors";
import { lineBreaks, whitespaceRuns, withAlpha } from "./tokenStyle";

test("withAlpha replaces the alpha of rgba and hsla colours", () => {
    assert.equal(withAlpha("rgba(46, 160, 67, 0.45)", 0.95), "rgba(46, 160, 67, 0.95)");
    assert.equal(withAlpha("hsla(120, 70%, 45%, 0.45)", 1.5), "hsla(120, 70%, 45%, 1)");
    assert.equal(withAlpha("#123456", 0.5), "#123456");
});

test("every colour the panel uses has an alpha that withAlpha can raise", () => {
    const colors = [
        ...legend("probability").map((e) => e.color),
        ...legend("rank").map((e) => e.color),
        ...legend("surprisal").map((e) => e.color),
        tokenColor("probability", { prob: 0.3, rank: 2, surprisal: 1.7 })!,
    ];
    for (const c of colors) assert.match(withAlpha(c, 0.9), /, 0\.9\)$/, c);
});

test("whitespace becomes single-character runs and text stays whole", () => {
    assert.deepEqual(whitespaceRuns(" we\n"), [
        { text: " ", ws: true },
        { text: "we", ws: false },
        { text: "\n", ws: true },
    ]);
    assert.deepEqual(whitespaceRuns("a\tb"), [
        { text: "a", ws: false },
        { text: "\t", ws: true },
        { text: "b", ws: false },
    ]);
    assert.deepEqual(whitespaceRuns(""), []);
});

test("a token ends as many lines as it has newlines", () => {
    assert.equal(lineBreaks("\n\n"), 2);
    assert.equal(lineBreaks(".\r\n"), 1);
    assert.equal(lineBreaks(" x"), 0);
});
