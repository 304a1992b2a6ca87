// A perceptually ordered colour map (viridis, by its published anchor colours, linearly
// interpolated) for attention heatmaps, and value normalisation for probabilities and raw scores.
// Pure so it is unit-tested; the heatmap fills ImageData straight from `colormapRgb`.

/** Viridis at t = 0, 0.25, 0.5, 0.75, 1. */
const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
];

/** RGB for t in [0, 1] (clamped); NaN gives black. */
export function colormapRgb(t: number): [number, number, number] {
    if (Number.isNaN(t)) return [0, 0, 0];
    const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const a = stops[i];
    const b = stops[i + 1];
    return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

export interface Normalizer {
    min: number;
    max: number;
    /** Maps a value to [0, 1]; non-finite values (masked scores) map to NaN. */
    scale(value: number): number;
}

/**
 * Probabilities use a fixed [0, 1] scale with a square root, so small weights stay visible;
 * scores use their finite min and max.
 */
export function normalizer(values: Float32Array, kind: "probs" | "scores"): Normalizer {
    if (kind === "probs") return { min: 0, max: 1, scale: (v) => (Number.isFinite(v) ? Math.sqrt(Math.min(1, Math.max(0, v))) : NaN) };
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
    }
    if (min === Infinity) return { min: 0, max: 0, scale: () => NaN };
    const span = max - min || 1;
    return { min, max, scale: (v) => (Number.isFinite(v) ? (v - min) / span : NaN) };
}

/**
 * Fills RGBA pixels for an n x n matrix (row = query, column = key). Masked entries are left
 * transparent so the panel background shows through.
 */
export function matrixPixels(values: Float32Array, n: number, norm: Normalizer): Uint8ClampedArray<ArrayBuffer> {
    if (values.length !== n * n) throw new RangeError(`matrix has ${values.length} values, expected ${n} x ${n}`);
    const px = new Uint8ClampedArray(n * n * 4);
    for (let i = 0; i < n * n; i++) {
        const t = norm.scale(values[i]);
        if (Number.isNaN(t)) continue;
        const [r, g, b] = colormapRgb(t);
        px[i * 4] = r;
        px[i * 4 + 1] = g;
        px[i * 4 + 2] = b;
        px[i * 4 + 3] = 255;
    }
    return px;
}
