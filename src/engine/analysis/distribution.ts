// Statistics of one next-token distribution given as a row of logits: log-sum-exp, the log-prob
// and rank of a target token, entropy and the top-k. Sums run in float64 over float32 logits so
// that a 50k-entry vocabulary loses no precision against the float64 reference.

/** The summary of one predictive distribution (one row of logits). */
export interface RowStats {
    /** log sum_i exp(logit_i). */
    logSumExp: number;
    /** -sum p ln p, in nats. */
    entropy: number;
    /** The k most probable ids by descending probability, ties by ascending id. */
    top: { id: number; prob: number }[];
    /** 1 + the number of logits strictly greater than the target's, when a target was given. */
    rank?: number;
}

/**
 * Computes log-sum-exp, entropy, top-k and (given `target`) the target's rank in one pass over
 * `row`. The exponentials are taken relative to a running maximum; when the maximum grows, the
 * sums gathered so far are rescaled, which happens rarely after the first few entries.
 */
export function rowStats(row: ArrayLike<number>, k: number, target?: number): RowStats {
    const n = row.length;
    const size = Math.max(0, Math.min(k, n));
    const top = new Int32Array(size);
    let filled = 0;
    // The value an entry must beat to enter a full top-k buffer.
    let floor = size > 0 ? -Infinity : Infinity;
    const value = target === undefined ? Infinity : row[target];
    let greater = 0;
    // sumExp = sum exp(x - max); sumExpX = sum exp(x - max) (x - max).
    let max = -Infinity;
    let sumExp = 0;
    let sumExpX = 0;
    for (let i = 0; i < n; i++) {
        const x = row[i];
        if (x > value) greater++;
        if (x > floor || filled < size) {
            filled = insertTop(row, top, filled, i, x);
            if (filled === size) floor = row[top[size - 1]];
        }
        // A logit of -Infinity (a masked token) has probability 0 and adds nothing.
        if (x === -Infinity) continue;
        if (x > max) {
            if (sumExp > 0) {
                const shift = max - x;
                const scale = Math.exp(shift);
                sumExpX = (sumExpX + sumExp * shift) * scale;
                sumExp *= scale;
            }
            max = x;
        }
        const d = x - max;
        const e = expNonPositive(d);
        sumExp += e;
        sumExpX += e * d;
    }
    // Entropy H = log sum exp(x - max) - E[x - max].
    const logSumExp = max + Math.log(sumExp);
    const entropy = Math.log(sumExp) - sumExpX / sumExp;
    const stats: RowStats = { logSumExp, entropy, top: [] };
    for (let j = 0; j < filled; j++) stats.top.push({ id: top[j], prob: Math.exp(row[top[j]] - logSumExp) });
    if (target !== undefined) stats.rank = 1 + greater;
    return stats;
}

/**
 * exp(d) for d <= 0, to a relative 1e-13, at a fraction of Math.exp's cost (one exponential per
 * vocabulary entry is most of the work on a 50k vocabulary). With d = (n + f) ln 2 / 1024,
 * 0 <= f < 1: exp(d) = 2^(n >> 10) 2^((n & 1023) / 1024) exp(f ln 2 / 1024), the first two
 * from tables and the last from four terms of its series.
 */
export function expNonPositive(d: number): number {
    if (!(d > -745)) return d === d ? 0 : NaN;
    const y = d * (1024 / Math.LN2);
    const n = Math.floor(y);
    const r = (y - n) * (Math.LN2 / 1024);
    return POW2_WHOLE[-(n >> 10)] * POW2_FRACTION[n & 1023] * (1 + r * (1 + r * (0.5 + r * (1 / 6))));
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** 2^-k for k = 0..1076 (exp(-745) is 2^-1075, below the smallest double). */
const POW2_WHOLE = Float64Array.from({ length: 1077 }, (_, k) => 2 ** -k);

/** 2^(j / 1024) for j = 0..1023. */
const POW2_FRACTION = Float64Array.from({ length: 1024 }, (_, j) => 2 ** (j / 1024));

/**
 * Inserts index `i` (value `x`) into the sorted buffer `top` holding `filled` indices, after every
 * entry whose value is >= x, so equal values keep ascending-index order; the smallest entry falls
 * off a full buffer. Returns the new fill count.
 */
function insertTop(row: ArrayLike<number>, top: Int32Array, filled: number, i: number, x: number): number {
    let at = filled < top.length ? filled : top.length - 1;
    while (at > 0 && row[top[at - 1]] < x) {
        top[at] = top[at - 1];
        at--;
    }
    top[at] = i;
    return filled < top.length ? filled + 1 : filled;
}
