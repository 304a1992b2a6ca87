// Tests of the attention header's token count, for whole and cut texts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { tokenCountLabel } from "./labels";

test("a whole text gives a plain count; engines that send no total count as whole", () => {
    assert.equal(tokenCountLabel(12, 12), "12 tokens");
    assert.equal(tokenCountLabel(1024, undefined), "1,024 tokens");
});

test("a cut text says how many of how many and why", () => {
    assert.equal(
        tokenCountLabel(256, 1000),
        "first 256 of 1,000 tokens (cut at the model context or lmLab.attention.maxTokens)",
    );
});
