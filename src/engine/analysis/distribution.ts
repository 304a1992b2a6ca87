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
    const value = target === undefined ? Infinity : row[target];
    let greater = 0;
    // sumExp = sum exp(x - max); sumExpX = sum exp(x - max) (x - max).
    let max = -Infinity;
    let sumExp = 0;
    let sumExpX = 0;
    for (let i = 0; i < n; i++) {
        const x = row[i];
        if (x > value) greater++;
        if (size > 0 && (filled < size || x > row[top[size - 1]])) filled = insertTop(row, top, filled, i, x);
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
        const e = Math.exp(d);
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

/** 1 + the number of entries strictly greater than `row[target]` (1 = the argmax). */
export function rankOf(row: ArrayLike<number>, target: number): number {
    const value = row[target];
    let greater = 0;
    for (let i = 0; i < row.length; i++) if (row[i] > value) greater++;
    return 1 + greater;
}

/** The indices of the k largest values, by descending value, ties by ascending index. */
export function topIds(row: ArrayLike<number>, k: number): number[] {
    const size = Math.max(0, Math.min(k, row.length));
    const top = new Int32Array(size);
    let filled = 0;
    for (let i = 0; i < row.length; i++) {
        const x = row[i];
        if (size > 0 && (filled < size || x > row[top[size - 1]])) filled = insertTop(row, top, filled, i, x);
    }
    return Array.from(top.subarray(0, filled));
}

// ---------------------------------------------------------------------------------------------
// Helpers

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
