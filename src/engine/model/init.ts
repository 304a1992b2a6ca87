// Parameter shapes of the GPT model, in Hugging Face GPT-2 names and layouts, and nanoGPT's
// seeded initialisation: N(0, 0.02) weights, residual projections N(0, 0.02 / sqrt(2 n_layer)),
// zero biases, LayerNorm weight 1 and bias 0.

import { Rng } from "../data/rng";
import type { GptConfig } from "../types";

/** Every parameter name with its shape, in a fixed order. */
export function paramShapes(config: GptConfig): [string, number[]][] {
    const C = config.n_embd;
    const out: [string, number[]][] = [
        ["transformer.wte.weight", [config.vocab_size, C]],
        ["transformer.wpe.weight", [config.block_size, C]],
    ];
    const linear = (name: string, nIn: number, nOut: number) => {
        out.push([`${name}.weight`, [nIn, nOut]]);
        if (config.bias) out.push([`${name}.bias`, [nOut]]);
    };
    for (let i = 0; i < config.n_layer; i++) {
        const h = `transformer.h.${i}`;
        out.push([`${h}.ln_1.weight`, [C]], [`${h}.ln_1.bias`, [C]]);
        linear(`${h}.attn.c_attn`, C, 3 * C);
        linear(`${h}.attn.c_proj`, C, C);
        out.push([`${h}.ln_2.weight`, [C]], [`${h}.ln_2.bias`, [C]]);
        linear(`${h}.mlp.c_fc`, C, 4 * C);
        linear(`${h}.mlp.c_proj`, 4 * C, C);
    }
    out.push(["transformer.ln_f.weight", [C]], ["transformer.ln_f.bias", [C]]);
    return out;
}

/** Freshly initialised parameters; the same config and seed always give the same values. */
export function initParams(config: GptConfig, seed: number): Map<string, Float32Array> {
    const normal = gaussian(seed);
    const residualStd = 0.02 / Math.sqrt(2 * config.n_layer);
    const params = new Map<string, Float32Array>();
    for (const [name, shape] of paramShapes(config)) {
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
        if (/\.ln_\w+\.weight$/.test(name)) data.fill(1);
        else if (name.endsWith(".weight")) {
            const std = name.endsWith("c_proj.weight") ? residualStd : 0.02;
            for (let i = 0; i < data.length; i++) data[i] = normal() * std;
        }
        params.set(name, data);
    }
    return params;
}

/** Whether AdamW decays this parameter: matrices and embeddings (dim >= 2), as nanoGPT does. */
export function isDecayed(shape: readonly number[]): boolean {
    return shape.length >= 2;
}

/** A seeded standard-normal generator (xoshiro128** with Box-Muller). */
export function gaussian(seed: number): () => number {
    const next = xoshiro128(seed);
    let spare: number | undefined;
    return () => {
        if (spare !== undefined) {
            const s = spare;
            spare = undefined;
            return s;
        }
        const u = (next() + 1) / 4294967297;
        const v = next() / 4294967296;
        const r = Math.sqrt(-2 * Math.log(u));
        spare = r * Math.sin(2 * Math.PI * v);
        return r * Math.cos(2 * Math.PI * v);
    };
}

/**
 * A stream of unsigned 32-bit integers: the xoshiro128** generator of data/rng.ts seeded with
 * `seed` modulo 2^32 (negative seeds wrap), for callers that only need the raw stream.
 */
export function xoshiro128(seed: number): () => number {
    const rng = new Rng(seed >>> 0);
    return () => rng.nextUint32();
}
