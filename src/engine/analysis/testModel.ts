// A small deterministic causal "model" over a character tokenizer for analysis tests: each row of
// logits is a fixed function of the token at that position and its place in the window, so the
// tests can recompute any expected value by hand and see which window produced it.

import { trainCharTokenizer } from "../tokenizer/char";
import type { ForwardOptions, ForwardResult, LanguageModel, ModelInfo } from "../types";

export class TestModel implements LanguageModel {
    readonly tokenizer = trainCharTokenizer("abcdefghijklmnopqrstuvwxyz .,!?\n😀東京é");
    readonly info: ModelInfo;
    /** Every forward call's ids, to check windows and cache use. */
    readonly calls: number[][] = [];

    constructor(contextLength = 16) {
        this.info = {
            kind: "lmlab",
            path: "test-model",
            name: "test-model",
            vocabSize: this.tokenizer.vocabSize,
            contextLength,
            nLayer: 1,
            nHead: 2,
            objective: "clm",
            hasAttention: true,
        };
    }

    /** Row `position` of the logits when token `id` sits at `position` of the window. */
    row(id: number, position: number): Float32Array {
        const v = this.info.vocabSize;
        return Float32Array.from({ length: v }, (_, j) => 2 * Math.cos(0.7 * j + 0.31 * position + 0.13 * id * (j % 5)));
    }

    async forward(ids: readonly number[], options: ForwardOptions = {}): Promise<ForwardResult> {
        this.calls.push(ids.slice());
        const t = ids.length;
        const v = this.info.vocabSize;
        const result: ForwardResult = {};
        if (options.logits ?? true) {
            result.logits = new Float32Array(t * v);
            ids.forEach((id, p) => result.logits!.set(this.row(id, p), p * v));
        }
        if (options.attentions) {
            // Uniform causal attention in head 0, attention to the first token in head 1.
            const probs = new Float32Array(2 * t * t);
            for (let q = 0; q < t; q++) {
                for (let k = 0; k <= q; k++) probs[q * t + k] = 1 / (q + 1);
                probs[t * t + q * t] = 1;
            }
            result.attentions = new Map([[0, probs]]);
            if (options.scores) result.scores = new Map([[0, probs.map((p) => (p > 0 ? Math.log(p) : -Infinity))]]);
        }
        return result;
    }

    async dispose(): Promise<void> {}
}
