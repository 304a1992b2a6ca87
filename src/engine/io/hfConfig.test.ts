// Tests for the GptConfig ⇄ Hugging Face config.json mapping: the fixture config, round trips
// with LM Lab extras, and refusals of architectures LM Lab cannot run.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import type { GptConfig } from "../types";
import { gptConfigFromHf, gptConfigToHf } from "./hfConfig";

const fixture = JSON.parse(readFileSync(join(fixturesDir, "gpt2-tiny", "config.json"), "utf8"));

test("the GPT-2 fixture config maps to nanoGPT names", () => {
    assert.deepEqual(gptConfigFromHf(fixture), {
        n_layer: 2,
        n_head: 4,
        n_embd: 32,
        block_size: 128,
        vocab_size: 50257,
        dropout: 0.1,
        bias: true,
        layer_norm_epsilon: 1e-5,
        activation: "gelu_new",
        attention: "causal",
        objective: "clm",
    });
});

test("an LM Lab config round-trips through config.json with its extras", () => {
    const config: GptConfig = {
        n_layer: 3,
        n_head: 2,
        n_embd: 16,
        block_size: 64,
        vocab_size: 70,
        dropout: 0.05,
        bias: false,
        layer_norm_epsilon: 1e-6,
        activation: "gelu",
        attention: "bidirectional",
        objective: "mlm",
    };
    const json = gptConfigToHf(config, { bosTokenId: 3, eosTokenId: 4 });
    assert.equal(json.model_type, "gpt2");
    assert.equal(json.n_positions, 64);
    assert.equal(json.activation_function, "gelu");
    assert.equal(json.bos_token_id, 3);
    assert.deepEqual(json.lm_lab, {
        bias: false,
        dropout: 0.05,
        attention: "bidirectional",
        objective: "mlm",
    });
    assert.deepEqual(gptConfigFromHf(JSON.parse(JSON.stringify(json))), config);
});

test("n_ctx stands in for n_positions, gelu_pytorch_tanh for gelu_new", () => {
    const { n_positions: _, ...rest } = fixture;
    const config = gptConfigFromHf({
        ...rest,
        n_ctx: 256,
        activation_function: "gelu_pytorch_tanh",
    });
    assert.equal(config.block_size, 256);
    assert.equal(config.activation, "gelu_new");
});

test("unsupported architectures and bad values are named", () => {
    const cases: [object, RegExp][] = [
        [
            { ...fixture, model_type: "llama" },
            /unsupported architecture model_type "llama" \(expected "gpt2"\)/,
        ],
        [
            { ...fixture, architectures: ["GPT2ForSequenceClassification"] },
            /unsupported architectures.*GPT2LMHeadModel/,
        ],
        [
            { ...fixture, activation_function: "relu" },
            /activation_function "relu" is not supported/,
        ],
        [{ ...fixture, n_head: 5 }, /n_embd 32 is not divisible by n_head 5/],
        [{ ...fixture, n_layer: 0 }, /n_layer must be a positive integer, found 0/],
        [{ ...fixture, vocab_size: undefined }, /missing vocab_size/],
        [{ ...fixture, n_inner: 64 }, /n_inner 64 is not supported/],
        [
            { ...fixture, scale_attn_by_inverse_layer_idx: true },
            /scale_attn_by_inverse_layer_idx = true/,
        ],
        [
            { ...fixture, lm_lab: { objective: "seq2seq" } },
            /lm_lab.objective must be one of clm, mlm, found "seq2seq"/,
        ],
        [[1], /expected a JSON object/],
    ];
    for (const [json, pattern] of cases) {
        assert.throws(
            () => gptConfigFromHf(json, "x/config.json"),
            (e: Error) =>
                e.name === "UserError" &&
                pattern.test(e.message) &&
                e.message.startsWith("x/config.json"),
        );
    }
});
