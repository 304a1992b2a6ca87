// Fidelity against the float64 GPT-2 reference (shared fixtures, see their README): the tiny
// GPT-2 as modern, legacy-named and F16 safetensors folders and as an ONNX export must reproduce
// token ids, log-probs, ranks, entropies, top-5, log-likelihood, perplexity and attention.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import { loadModel } from "../io/loadModel";
import type { LanguageModel } from "../types";
import { analyze } from "./analyze";
import { attention, decodeFloats } from "./attention";
import { nextToken } from "./nextToken";

interface RefText {
    name: string;
    text: string;
    input_ids: number[];
    next_token_logprob: number[];
    next_token_rank_range: [number, number][];
    entropy: number[];
    top5_ids: number[][];
    top5_probs: number[][];
    top6_min_adjacent_logit_gap: number[];
    total_log_likelihood: number;
    perplexity: number;
}

const reference = JSON.parse(readFileSync(join(fixturesDir, "reference.json"), "utf8"));
const texts: RefText[] = reference.texts;
const tokenizerJson = join(fixturesDir, "gpt2-tokenizer", "tokenizer.json");
const onnxDir = mkdtempSync(join(tmpdir(), "lm-lab-fidelity-"));
after(() => rmSync(onnxDir, { recursive: true, force: true }));

const variants: { name: string; open: () => Promise<LanguageModel>; fp16?: boolean }[] = [
    { name: "gpt2-tiny", open: () => loadModel(join(fixturesDir, "gpt2-tiny"), { threads: 1 }) },
    {
        name: "gpt2-tiny-legacy",
        open: () => loadModel(join(fixturesDir, "gpt2-tiny-legacy"), { tokenizer: tokenizerJson, threads: 1 }),
    },
    {
        name: "gpt2-tiny-fp16",
        fp16: true,
        open: () => loadModel(join(fixturesDir, "gpt2-tiny-fp16"), { tokenizer: tokenizerJson, threads: 1 }),
    },
    {
        name: "gpt2-tiny.onnx",
        open: () => {
            // The loader looks for tokenizer.json beside the .onnx file.
            copyFileSync(join(fixturesDir, "gpt2-tiny.onnx"), join(onnxDir, "gpt2-tiny.onnx"));
            for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
                copyFileSync(join(fixturesDir, "gpt2-tokenizer", f), join(onnxDir, f));
            }
            return loadModel(join(onnxDir, "gpt2-tiny.onnx"), { threads: 1 });
        },
    },
];

for (const variant of variants) {
    describe(variant.name, () => {
        let model: LanguageModel;
        before(async () => {
            model = await variant.open();
        });
        after(() => model?.dispose());

        for (const [index, ref] of texts.entries()) {
            test(`text ${index} (${ref.name}): analyze and nextToken match the reference`, async () => {
                const expected = variant.fp16 ? reference.fp16_model.texts[index] : ref;
                const result = await analyze(model, ref.text, { topK: 5 });
                assert.deepEqual(result.tokens.map((t) => t.id), ref.input_ids);
                const last = ref.input_ids.length - 1;
                assert.equal(result.tokens[0].logprob, null);
                for (let t = 0; t < last; t++) {
                    const token = result.tokens[t + 1];
                    close(token.logprob!, expected.next_token_logprob[t], 2e-5, `logprob ${t}`);
                    if (variant.fp16) continue;
                    const [lo, hi] = ref.next_token_rank_range[t];
                    assert.ok(token.rank! >= lo && token.rank! <= hi, `rank ${token.rank} of ${t} not in [${lo}, ${hi}]`);
                    close(token.entropy!, ref.entropy[t], 2e-5, `entropy ${t}`);
                    checkTop(token.topk, ref, t);
                }
                close(result.logLikelihood, expected.total_log_likelihood, 2e-5 * last, "log-likelihood");
                close(result.perplexity / expected.perplexity, 1, 2e-5, "perplexity ratio");
                if (!variant.fp16) {
                    // The distribution after the whole text is nextToken's.
                    const next = await nextToken(model, ref.text, 5);
                    close(next.entropy, ref.entropy[last], 2e-5, "final entropy");
                    checkTop(next.top, ref, last);
                }
            });
        }

        // The float32 logits and attention references belong to the float32 weights; the fp16
        // variant has its own log-prob references above and none of these.
        if (variant.fp16) return;

        test("logits of text 0 match logits-text0.f32", async () => {
            const bytes = readFileSync(join(fixturesDir, "logits-text0.f32"));
            const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
            const { logits } = await model.forward(texts[0].input_ids);
            assert.equal(logits!.length, expected.length);
            let max = 0;
            for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(logits![i] - expected[i]));
            assert.ok(max < 2e-5, `max logit difference ${max}`);
        });

        test("attention of text 0 matches every reference probability", async () => {
            const probs: number[][][][] = reference.attention_text0.probs;
            const result = await attention(model, texts[0].text);
            assert.equal(result.nLayer, 2);
            assert.equal(result.nHead, 4);
            assert.equal(result.heads.length, 8);
            const t = texts[0].input_ids.length;
            let max = 0;
            for (const head of result.heads) {
                const values = decodeFloats(head.probs);
                assert.equal(values.length, t * t);
                for (let q = 0; q < t; q++) {
                    for (let k = 0; k < t; k++) {
                        max = Math.max(max, Math.abs(values[q * t + k] - probs[head.layer][head.head][q][k]));
                    }
                }
            }
            assert.ok(max < 1e-6, `max attention difference ${max}`);
        });
    });
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
    assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

function checkTop(top: { id: number; prob: number }[], ref: RefText, t: number): void {
    if (ref.top6_min_adjacent_logit_gap[t] > 1e-5) assert.deepEqual(top.map((e) => e.id), ref.top5_ids[t], `top-5 ids ${t}`);
    top.forEach((e, i) => close(e.prob / ref.top5_probs[t][i], 1, 1e-4, `top-5 prob ${t}.${i}`));
}
