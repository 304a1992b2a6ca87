// Turning a row of logits into the distribution generation samples from: temperature, top-k and
// top-p (nucleus) filtering, and a small seeded random generator so that runs are reproducible.

import { UserError } from "../types";

export interface SamplingOptions {
    /** 0 means greedy (all mass on the argmax); default 1. */
    temperature?: number;
    /** Keep only the k most probable tokens (0 or undefined: no limit). */
    topK?: number;
    /** Keep the smallest set of most probable tokens whose mass reaches p (1 or undefined: all). */
    topP?: number;
}

/**
 * The sampling distribution for one row of logits. Tokens removed by top-k or top-p get
 * probability exactly 0 and the rest are renormalised; temperature 0 puts all mass on the
 * argmax (ties: lowest id). Ties at the top-k boundary keep the lower ids.
 */
export function samplingDistribution(logits: ArrayLike<number>, options: SamplingOptions = {}): Float64Array {
    const temperature = options.temperature ?? 1;
    const topK = options.topK ?? 0;
    const topP = options.topP ?? 1;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) {
        throw new UserError(`temperature must be a finite number >= 0, got ${temperature}`);
    }
    if (!Number.isInteger(topK) || topK < 0) throw new UserError(`topK must be an integer >= 0, got ${topK}`);
    if (!(topP > 0 && topP <= 1)) throw new UserError(`topP must be in (0, 1], got ${topP}`);
    const n = logits.length;
    const probs = new Float64Array(n);
    if (n === 0) return probs;

    // Order ids by descending logit (ascending id on ties); every filter keeps a prefix of it.
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => logits[b] - logits[a] || a - b);
    if (temperature === 0) {
        probs[order[0]] = 1;
        return probs;
    }

    let keep = topK > 0 ? Math.min(topK, n) : n;
    const max = logits[order[0]];
    let sum = 0;
    for (let r = 0; r < keep; r++) {
        const id = order[r];
        probs[id] = Math.exp((logits[id] - max) / temperature);
        sum += probs[id];
    }
    if (topP < 1) {
        // Smallest prefix whose mass reaches topP; always at least the most probable token.
        let mass = 0;
        let cut = keep;
        for (let r = 0; r < keep; r++) {
            mass += probs[order[r]] / sum;
            if (mass >= topP) {
                cut = r + 1;
                break;
            }
        }
        for (let r = cut; r < keep; r++) probs[order[r]] = 0;
        keep = cut;
        sum = 0;
        for (let r = 0; r < keep; r++) sum += probs[order[r]];
    }
    for (let r = 0; r < keep; r++) probs[order[r]] /= sum;
    return probs;
}

/** Draws an index from a distribution with `random()` in [0, 1); zero-probability ids never come out. */
export function sampleFrom(probs: Float64Array, random: () => number): number {
    const u = random();
    let acc = 0;
    let last = -1;
    for (let i = 0; i < probs.length; i++) {
        if (probs[i] <= 0) continue;
        acc += probs[i];
        last = i;
        if (u < acc) return i;
    }
    // Rounding can leave the total a hair under 1; the last possible id takes the remainder.
    return last;
}

/** A seeded generator of floats in [0, 1) (mulberry32): small, fast and reproducible. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
