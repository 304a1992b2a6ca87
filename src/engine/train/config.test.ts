// Presets, overrides and validation: every nonsense setting is refused with a message naming it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../types";
import { modelConfigFor, resolveTrainConfig } from "./config";
import { presets } from "./presets";

const base = { out: "/tmp/never-created", data: ["corpus.txt"] };

function refuses(settings: Record<string, unknown>, pattern: RegExp): void {
    assert.throws(
        () => resolveTrainConfig({ ...base, ...settings }),
        (e: unknown) => e instanceof UserError && pattern.test(e.message),
        `expected ${pattern} for ${JSON.stringify(settings)}`,
    );
}

test("nanogpt-cpu is nanoGPT's CPU recipe", () => {
    const c = resolveTrainConfig({ ...base, preset: "nanogpt-cpu" });
    assert.deepEqual(
        [c.tokenizer, c.n_layer, c.n_head, c.n_embd, c.block_size, c.batch_size, c.dropout, c.bias],
        ["char", 4, 4, 128, 64, 12, 0, false],
    );
    assert.deepEqual(
        [
            c.lr,
            c.min_lr,
            c.warmup_iters,
            c.max_iters,
            c.beta1,
            c.beta2,
            c.weight_decay,
            c.grad_clip,
            c.eval_interval,
        ],
        [1e-3, 1e-4, 100, 2000, 0.9, 0.99, 0.1, 1.0, 250],
    );
    assert.equal(modelConfigFor(c, 65).activation, "gelu");
});

test("explicit settings override the preset; undefined ones do not", () => {
    const c = resolveTrainConfig({
        ...base,
        preset: "tiny",
        lr: 0.01,
        n_layer: undefined,
        max_iters: 7,
    });
    assert.equal(c.lr, 0.01);
    assert.equal(c.max_iters, 7);
    assert.equal(c.n_layer, presets.tiny.n_layer);
    assert.equal(c.preset, "tiny");
});

test("every preset is valid", () => {
    for (const name of Object.keys(presets)) resolveTrainConfig({ ...base, preset: name });
});

test("nonsense settings are refused with a clear message", () => {
    refuses({ preset: "huge" }, /Unknown preset "huge". Known presets: nanogpt-cpu, tiny/);
    refuses({ lr: -1e-3 }, /lr must be a finite number > 0, found -0.001/);
    refuses({ lr: 0 }, /lr must be a finite number > 0, found 0/);
    refuses({ lr: Number.NaN }, /lr must be a finite number > 0, found NaN/);
    refuses({ lr: Infinity }, /lr must be a finite number > 0/);
    refuses({ min_lr: 0.1 }, /min_lr \(0.1\) must not exceed lr/);
    refuses({ n_embd: 130, n_head: 4 }, /n_embd \(130\) must be divisible by n_head \(4\)/);
    refuses({ block_size: 0 }, /block_size must be at least 1, found 0/);
    refuses({ n_layer: 2.5 }, /n_layer must be an integer, found 2.5/);
    refuses({ batch_size: -3 }, /batch_size must be at least 1/);
    refuses({ dropout: 1 }, /dropout must be in \[0, 1\), found 1/);
    refuses({ beta2: 1.5 }, /beta2 must be in \[0, 1\)/);
    refuses({ weight_decay: -0.1 }, /weight_decay must be a finite number >= 0/);
    refuses({ grad_clip: 0 }, /grad_clip must be a finite number > 0/);
    refuses(
        { tokenizer: "bpe", bpeVocabSize: 100 },
        /bpeVocabSize must be at least 257 .*found 100/,
    );
    refuses({ tokenizer: "word" }, /tokenizer must be "char" or "bpe", found "word"/);
    refuses({ data: [] }, /No training text/);
    refuses({ warmup_iters: -1 }, /warmup_iters must be 0 or more/);
});
