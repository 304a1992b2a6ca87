// Pure series transforms for the training charts: TensorBoard-style debiased exponential
// smoothing, and min/max downsampling that keeps spikes visible when there are more points than
// pixels. Shared by the dashboard webview and its unit tests; no DOM use.

/**
 * Exponential moving average with bias correction: s_t = β s_{t-1} + (1-β) x_t, s_0 = 0, reported
 * as s_t / (1 - β^t), so early points are not dragged towards zero. Non-finite inputs are skipped
 * (the output repeats the last smoothed value, NaN before the first finite one). β = 0 returns the
 * input unchanged.
 */
export function debiasedEma(values: ArrayLike<number>, beta: number): number[] {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`smoothing must be in [0, 1), got ${beta}`);
    const out = new Array<number>(values.length);
    let acc = 0;
    let count = 0;
    let last = NaN;
    for (let i = 0; i < values.length; i++) {
        const x = values[i];
        if (Number.isFinite(x)) {
            acc = beta * acc + (1 - beta) * x;
            count++;
            last = beta === 0 ? x : acc / (1 - Math.pow(beta, count));
        }
        out[i] = last;
    }
    return out;
}

export interface Series {
    xs: number[];
    ys: number[];
}

/**
 * Reduces a series to at most about `2 * buckets` points. The x range is cut into equal buckets;
 * each bucket contributes its minimum and its maximum point in x order, so a one-step spike in
 * loss survives any zoom level. Series with no more than `2 * buckets` points are returned as is.
 * Non-finite y values are dropped.
 */
export function downsampleMinMax(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): Series {
    if (xs.length !== ys.length) {
        throw new RangeError(`x and y lengths differ: ${xs.length} vs ${ys.length}`);
    }
    if (!(buckets >= 1)) throw new RangeError(`buckets must be at least 1, got ${buckets}`);
    const n = xs.length;
    if (n <= 2 * buckets) {
        const out: Series = { xs: [], ys: [] };
        for (let i = 0; i < n; i++) {
            if (Number.isFinite(ys[i])) {
                out.xs.push(xs[i]);
                out.ys.push(ys[i]);
            }
        }
        return out;
    }
    const x0 = xs[0];
    const span = xs[n - 1] - x0 || 1;
    const out: Series = { xs: [], ys: [] };
    let bucket = -1;
    let minI = -1;
    let maxI = -1;
    const flush = () => {
        if (minI < 0) return;
        const first = Math.min(minI, maxI);
        const second = Math.max(minI, maxI);
        out.xs.push(xs[first]);
        out.ys.push(ys[first]);
        if (second !== first) {
            out.xs.push(xs[second]);
            out.ys.push(ys[second]);
        }
    };
    for (let i = 0; i < n; i++) {
        const b = Math.min(buckets - 1, Math.floor(((xs[i] - x0) / span) * buckets));
        if (b !== bucket) {
            flush();
            bucket = b;
            minI = -1;
            maxI = -1;
        }
        const y = ys[i];
        if (!Number.isFinite(y)) continue;
        if (minI < 0 || y < ys[minI]) minI = i;
        if (maxI < 0 || y > ys[maxI]) maxI = i;
    }
    flush();
    return out;
}
