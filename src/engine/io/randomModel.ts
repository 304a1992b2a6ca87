// Writes a randomly initialised GPT as an LM Lab model folder (config.json with its lm_lab
// section, model.safetensors, tokenizer.json). Tests and benchmarks use it where a trained model
// is not needed or not available yet.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { initParams } from "../model/init";
import { trainCharTokenizer } from "../tokenizer";
import type { GptConfig } from "../types";
import { writeJsonAtomic } from "./atomic";
import { gpt2TensorShapes } from "./hfCheckpoint";
import { gptConfigToHf } from "./hfConfig";
import { writeSafetensors, type TensorToWrite } from "./safetensors";

export interface RandomModelOptions {
    n_layer: number;
    n_head: number;
    n_embd: number;
    block_size: number;
    bias?: boolean;
    /** Characters of the vocabulary (a char-level tokenizer is built from this text). */
    text: string;
    seed?: number;
}

/** Creates `dir` holding a random char-level GPT; returns its config. */
export function writeRandomModel(dir: string, options: RandomModelOptions): GptConfig {
    const tokenizer = trainCharTokenizer(options.text);
    const config: GptConfig = {
        n_layer: options.n_layer,
        n_head: options.n_head,
        n_embd: options.n_embd,
        block_size: options.block_size,
        vocab_size: tokenizer.vocabSize,
        dropout: 0,
        bias: options.bias ?? false,
        layer_norm_epsilon: 1e-5,
        activation: "gelu",
        attention: "causal",
        objective: "clm",
    };
    const params = initParams(config, options.seed ?? 1);
    // Untrained LayerNorm and bias values are 1 and 0; perturb them so that exports must carry them.
    let k = 0;
    for (const data of params.values()) {
        if (data.length <= 4 * config.n_embd) for (let i = 0; i < data.length; i++) data[i] += 0.1 * Math.sin(++k);
    }
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, shape] of gpt2TensorShapes(config)) tensors.set(name, { shape, data: params.get(name)! });
    mkdirSync(dir, { recursive: true });
    writeSafetensors(join(dir, "model.safetensors"), tensors, { format: "pt" });
    writeJsonAtomic(join(dir, "config.json"), gptConfigToHf(config));
    writeJsonAtomic(join(dir, "tokenizer.json"), tokenizer.toJSON());
    return config;
}
