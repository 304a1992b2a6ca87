// Tests for the hover's probability bars and markdown.

import assert from "node:assert/strict";
import { test } from "node:test";
import { codeCell, nextTokenMarkdown, probabilityBar, tokenMarkdown } from "./hoverMarkdown";

test("bars are proportional in eighth cells", () => {
    assert.equal(probabilityBar(1, 4), "████");
    assert.equal(probabilityBar(0.5, 4), "██");
    assert.equal(probabilityBar(0.5 + 1 / 32, 4), "██▏");
    assert.equal(probabilityBar(0.5 + 2 / 32, 4), "██▎");
    assert.equal(probabilityBar(0, 4), "");
    assert.equal(probabilityBar(2, 2), "██");
});

test("cells escape table pipes and backticks", () => {
    assert.equal(codeCell("a|b`c"), "`a¦bˋc`");
});

test("next-token markdown lists every candidate with its probability", () => {
    const md = nextTokenMarkdown(
        { top: [{ id: 1, text: " the", prob: 0.5 }, { id: 2, text: "\n", prob: 0.25 }], entropy: 1.2345, contextTokens: 7 },
        "tiny",
    );
    assert.match(md, /entropy 1\.23 nats · 7 context tokens/);
    assert.match(md, /\| `·the` \| 50\.0% \| ██████ \|/);
    assert.match(md, /\| `↵` \| 25\.0% \| ███ \|/);
});

test("token markdown gives probability and rank, or says it is unconditioned", () => {
    const base = { id: 5, text: "x", start: 0, end: 1, special: false, topk: [], context: 3, truncatedContext: false, entropy: 1 };
    assert.match(tokenMarkdown({ ...base, logprob: Math.log(0.1), prob: 0.1, rank: 3, surprisal: 3.32 }), /p 10\.0% .* rank 3 · 3\.32 bits/);
    assert.match(tokenMarkdown({ ...base, logprob: null, prob: null, rank: null, surprisal: null, entropy: null }), /first token/);
});
