// Validation messages of the training form: each names the field by the label the form shows,
// quotes the value as entered, and uses the same limits as the engine.

import assert from "node:assert/strict";
import { test } from "node:test";
import { maxBlockSize } from "../../src/engine/train/config";
import { defaultTrainForm, trainFormLabels, trainFormRanges, validateTrainForm } from "./trainForm";

test("out-of-range values are named by their label and shown in full", () => {
    const errors = validateTrainForm({ ...defaultTrainForm, block_size: 100000, max_iters: 0, lr: 5 });
    assert.equal(errors.block_size, "Context (tokens) must be between 8 and 8192, got 100000");
    assert.equal(errors.max_iters, "Iterations must be between 1 and 1000000, got 0");
    assert.equal(errors.lr, "Learning rate must be between 0.000001 and 1, got 5");
    assert.deepEqual(Object.keys(errors).sort(), ["block_size", "lr", "max_iters"]);
});

test("whole numbers, multiples of the head count and tiny fractions", () => {
    const form = { ...defaultTrainForm, n_embd: 66, n_head: 4, n_layer: 1.5, dropout: 1e-9 };
    const errors = validateTrainForm(form);
    assert.equal(errors.n_embd, "Embedding size must be a multiple of Heads (4), got 66");
    assert.equal(errors.n_layer, "Layers must be a whole number, got 1.5");
    assert.equal(errors.dropout, undefined);
    const lr = validateTrainForm({ ...defaultTrainForm, lr: 2e-8 }).lr;
    assert.equal(lr, "Learning rate must be between 0.000001 and 1, got 2e-8");
});

test("text that is not a number is quoted as typed; an empty field says so", () => {
    const form = { ...defaultTrainForm, n_embd: Number.NaN, batch_size: Number.NaN };
    const errors = validateTrainForm(form, { n_embd: "64k", batch_size: "  " });
    assert.equal(errors.n_embd, 'Embedding size must be a number, got "64k"');
    assert.equal(errors.batch_size, "Batch size is empty: enter a number from 1 to 1024");
    assert.equal(validateTrainForm(form).n_embd, "Embedding size is empty: enter a number from 8 to 2048");
});

test("no message uses an internal field name", () => {
    const bad = Object.fromEntries(Object.keys(trainFormRanges).map((k) => [k, -1]));
    const errors = validateTrainForm({ ...defaultTrainForm, ...bad, tokenizer: "bpe" });
    assert.equal(Object.keys(errors).length, Object.keys(trainFormRanges).length);
    for (const [key, message] of Object.entries(errors)) {
        assert.ok(message.startsWith(trainFormLabels[key as keyof typeof trainFormLabels]), message);
        assert.doesNotMatch(message, /n_embd|n_head|n_layer|block_size|batch_size|max_iters|\blr\b|_/);
    }
});

test("the context limit is the engine's", () => {
    assert.equal(trainFormRanges.block_size.max, maxBlockSize);
    assert.deepEqual(validateTrainForm({ ...defaultTrainForm, block_size: maxBlockSize }), {});
    assert.ok(validateTrainForm({ ...defaultTrainForm, block_size: maxBlockSize + 1 }).block_size);
});

test("browse without files asks for one", () => {
    const errors = validateTrainForm({ ...defaultTrainForm, source: "browse" });
    assert.equal(errors.files, "Choose at least one file");
});
