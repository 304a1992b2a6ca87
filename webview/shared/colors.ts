// Colour scales for token probabilities, shared by the token panel and the editor decorations so
// both show the same colours. Colours are translucent rgba() strings that read on light, dark and
// high-contrast themes alike because the text colour stays the theme's.

export type ColorMetric = "probability" | "rank" | "surprisal";

export const colorMetrics: readonly ColorMetric[] = ["probability", "rank", "surprisal"];

/** GLTR's rank buckets: top-10, top-100, top-1000 and the rest. */
export type RankBucket = 0 | 1 | 2 | 3;

export const rankBucketLabels = ["top 10", "top 100", "top 1000", "rest"] as const;

const rankBucketColors = [
    "rgba(46, 160, 67, 0.45)",
    "rgba(210, 170, 20, 0.50)",
    "rgba(230, 90, 40, 0.50)",
    "rgba(160, 70, 200, 0.50)",
] as const;

/** The part of a token's analysis the colouring needs. */
export interface ScoredToken {
    prob: number | null;
    rank: number | null;
    surprisal: number | null;
}

export function rankBucket(rank: number): RankBucket {
    if (!(rank >= 1)) throw new RangeError(`rank must be at least 1, got ${rank}`);
    if (rank <= 10) return 0;
    if (rank <= 100) return 1;
    if (rank <= 1000) return 2;
    return 3;
}

/** Probabilities below this floor get the full "unlikely" colour on the log scale. */
export const probabilityFloor = 1e-4;
/** Surprisal (bits) at which the surprisal colour saturates. */
export const surprisalCeiling = 16;

/**
 * Background colour of a token under `metric`; undefined for an unconditioned token (the first
 * one), which has nothing to colour by.
 */
export function tokenColor(metric: ColorMetric, token: ScoredToken): string | undefined {
    switch (metric) {
        case "rank":
            return token.rank === null ? undefined : rankBucketColors[rankBucket(token.rank)];
        case "probability":
            return token.prob === null ? undefined : probabilityColor(token.prob);
        case "surprisal":
            return token.surprisal === null ? undefined : surprisalColor(token.surprisal);
    }
}

/** Log-scaled red (unlikely) to green (likely) hue. */
export function probabilityColor(prob: number): string {
    const t = unitLogScale(prob);
    const hue = Math.round(120 * t);
    return hsla(hue, 70, 45, 0.45);
}

/** Transparent at 0 bits rising to a saturated orange-red at `surprisalCeiling` bits. */
export function surprisalColor(bits: number): string {
    const t = Math.min(1, Math.max(0, bits / surprisalCeiling));
    return `rgba(230, 70, 30, ${round2(0.05 + 0.6 * t)})`;
}

export interface LegendEntry {
    label: string;
    color: string;
}

/** Legend swatches for a metric, from most to least likely. */
export function legend(metric: ColorMetric): LegendEntry[] {
    switch (metric) {
        case "rank":
            return rankBucketLabels.map((label, i) => ({ label, color: rankBucketColors[i] }));
        case "probability":
            return [1, 0.1, 0.01, 0.001, 0.0001].map((p) => ({ label: `p=${p}`, color: probabilityColor(p) }));
        case "surprisal":
            return [0, 4, 8, 12, 16].map((b) => ({ label: `${b} bits`, color: surprisalColor(b) }));
    }
}

/** Maps a probability onto [0, 1] by log10 between `probabilityFloor` and 1. */
export function unitLogScale(prob: number): number {
    if (!(prob > 0)) return 0;
    const lo = Math.log10(probabilityFloor);
    return Math.min(1, Math.max(0, (Math.log10(prob) - lo) / -lo));
}

function hsla(h: number, s: number, l: number, a: number): string {
    return `hsla(${h}, ${s}%, ${l}%, ${a})`;
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}
