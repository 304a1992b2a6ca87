// Inference-graph export: the GPT model with its weights as initializers, `input_ids` int64
// [1, T] in, and logits / attention probabilities / scores / hidden states / a key-value cache
// out, as the caller asks. The analysis module runs these graphs.

import { GraphBuilder, op } from "../graph";
import { GptConfig, UserError } from "../types";
import { gptForward, tiedLogits } from "./gpt";

export interface InferenceOutputs {
    /** `logits` [1, T, V]; default true. */
    logits?: boolean;
    /** `attn.{layer}` [1, H, T, P+T] for these layers (all when true). */
    attentions?: boolean | number[];
    /**
     * `scores.{layer}` [1, H, T, P+T], QK^T/sqrt(D) with masked entries at -Infinity, for the
     * layers `attentions` names (all layers when `attentions` is false or absent).
     */
    scores?: boolean;
    /** `hidden.{i}` [1, T, C] for i = 0..n_layer (0 = embeddings, i = after layer i). */
    hidden?: boolean;
    /** Inputs `past.{l}.key/value` [1, H, P, D] (P may be 0), outputs `present.{l}.key/value`. */
    kvCache?: boolean;
}

/** ModelProto bytes of the inference graph for `config` with `weights` (HF GPT-2 names). */
export function buildGptInference(
    config: GptConfig,
    weights: Map<string, Float32Array>,
    outputs: InferenceOutputs,
): Uint8Array {
    const g = new GraphBuilder({ weights });
    const H = config.n_head;
    const D = config.n_embd / H;
    const ids = g.input("input_ids", "int64", [1, "T"]);
    const past = outputs.kvCache
        ? Array.from({ length: config.n_layer }, (_, l) => ({
              key: g.input(`past.${l}.key`, "float32", [1, H, "P", D]),
              value: g.input(`past.${l}.value`, "float32", [1, H, "P", D]),
          }))
        : undefined;
    const layers = attentionLayers(config, outputs.attentions);
    const scoreLayers = outputs.scores
        ? layers.size > 0
            ? layers
            : attentionLayers(config, true)
        : new Set<number>();
    const res = gptForward(g, config, ids, {
        batch: 1,
        seq: "T",
        attentions: layers,
        scores: scoreLayers,
        hidden: outputs.hidden,
        past,
    });
    if (outputs.logits ?? true) {
        const logits = tiedLogits(g, res.final, "T"); // [T, V]
        g.output(op.reshape(g, logits, [1, "T", config.vocab_size]), "logits");
    }
    for (let l = 0; l < config.n_layer; l++) {
        if (layers.has(l)) g.output(res.attentions.get(l)!, `attn.${l}`);
        if (scoreLayers.has(l)) g.output(res.scores.get(l)!, `scores.${l}`);
    }
    if (outputs.hidden) res.hidden.forEach((h, i) => g.output(h, `hidden.${i}`));
    res.present.forEach((p, l) => {
        g.output(p.key, `present.${l}.key`);
        g.output(p.value, `present.${l}.value`);
    });
    if (g.outputs.length === 0) throw new UserError("buildGptInference: no outputs requested");
    return g.toBytes("gpt-inference");
}

function attentionLayers(config: GptConfig, which: boolean | number[] | undefined): Set<number> {
    const all = Array.from({ length: config.n_layer }, (_, i) => i);
    if (which === true) return new Set(all);
    if (!which) return new Set();
    for (const l of which) {
        if (!Number.isInteger(l) || l < 0 || l >= config.n_layer) {
            throw new UserError(
                `attention layer ${l} does not exist (model has ${config.n_layer} layers)`,
            );
        }
    }
    return new Set(which);
}
