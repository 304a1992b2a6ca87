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
}

/** Computes log-sum-exp, entropy and top-k of `row` in one or two passes. */
export function rowStats(row: ArrayLike<number>, k: number): RowStats {
    const n = row.length;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (row[i] > max) max = row[i];
    // Entropy H = lse - sum p x, computed with shifted logits for stability.
    let sumExp = 0;
    let sumExpX = 0;
    for (let i = 0; i < n; i++) {
        const x = row[i] - max;
        const e = Math.exp(x);
        sumExp += e;
        sumExpX += e * x;
    }
    const logSumExp = max + Math.log(sumExp);
    const entropy = Math.log(sumExp) - sumExpX / sumExp;
    const top = topIds(row, k).map((id) => ({ id, prob: Math.exp(row[id] - logSumExp) }));
    return { logSumExp, entropy, top };
}

/** 1 + the number of entries strictly greater than `row[target]` (1 = the argmax). */
export function rankOf(row: ArrayLike<number>, target: number): number {
    const value = row[target];
    let greater = 0;
    for (let i = 0; i < row.length; i++) if (row[i] > value) greater++;
    return 1 + greater;
}

/**
 * The indices of the k largest values, by descending value, ties by ascending index. Keeps a
 * small sorted buffer, which beats sorting the whole vocabulary for the k used in views.
 */
export function topIds(row: ArrayLike<number>, k: number): number[] {
    const n = row.length;
    const size = Math.max(0, Math.min(k, n));
    if (size === 0) return [];
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
        const v = row[i];
        if (ids.length === size && v <= row[ids[size - 1]]) continue;
        // Insert after every entry that is >= v: equal values keep ascending-index order.
        let at = ids.length;
        while (at > 0 && row[ids[at - 1]] < v) at--;
        ids.splice(at, 0, i);
        if (ids.length > size) ids.pop();
    }
    return ids;
}
