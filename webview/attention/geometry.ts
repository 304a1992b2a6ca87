// Layout arithmetic of the attention panel's canvases, kept pure so it is unit-tested: the
// thumbnail grid sized to the room it has, the heatmap fitted square into its pane (with zoom),
// which token labels fit beside cells smaller than the font, the head view's rows and the colour
// bar's ticks. All lengths are CSS pixels; the renderers scale by the device pixel ratio.

/** Font size of axis labels in CSS pixels. */
export const labelFont = 11;
/** Head-view weights below this draw no line, on screen and in the SVG export: they would only grey it. */
export const minWeight = 0.01;
/** Room for a token label: longer tokens are clipped with an ellipsis. */
export const labelChars = 14;
/** The heatmap's axis titles, drawn right-aligned in the corner left of the column labels. */
export const axisTitles = { key: "key →", query: "query ↓" } as const;
/** The head view's column titles; `hoverHint` replaces `query` on screen until a query is hovered. */
export const headViewTitles = { query: "query", hoverHint: "query (hover one)", key: "key" } as const;

/**
 * Room (CSS px) for the labels left of and above the heatmap: the widest token label, but at
 * least what the axis titles need, since they share that corner and single-character labels
 * alone would leave them clipped at the pane's edge; at most 110 px.
 */
export function labelRoom(widestLabel: number, widestTitle: number): number {
    return Math.ceil(Math.min(110, Math.max(24, widestLabel, widestTitle)));
}

export interface GridGeometry {
    cell: number;
    gap: number;
    left: number;
    top: number;
    /** Height of the entropy caption under each thumbnail. */
    caption: number;
    width: number;
    height: number;
}

/**
 * Thumbnail size for an nLayer x nHead grid: as large as 56 px while the grid fits `maxWidth`
 * and `maxHeight`, never below 18 px (the page scrolls instead).
 */
export function gridGeometry(nLayer: number, nHead: number, maxWidth: number, maxHeight: number): GridGeometry {
    const gap = 8;
    const left = 28;
    const top = 16;
    const caption = 13;
    const byWidth = (maxWidth - left) / Math.max(1, nHead) - gap;
    const byHeight = (maxHeight - top) / Math.max(1, nLayer) - gap - caption;
    const cell = Math.floor(Math.max(18, Math.min(56, byWidth, byHeight)));
    return {
        cell,
        gap,
        left,
        top,
        caption,
        width: left + nHead * (cell + gap),
        height: top + nLayer * (cell + gap + caption),
    };
}

/** The thumbnail under a point, if any (gaps count as the thumbnail to their left/above). */
export function gridHit(x: number, y: number, g: GridGeometry, nLayer: number, nHead: number): { layer: number; head: number } | undefined {
    const head = Math.floor((x - g.left) / (g.cell + g.gap));
    const layer = Math.floor((y - g.top) / (g.cell + g.gap + g.caption));
    if (x < g.left || y < g.top || head >= nHead || layer >= nLayer) return undefined;
    return { layer, head };
}

export interface HeatmapGeometry {
    n: number;
    /** Side of one cell; fractional when n cells are squeezed into fewer pixels. */
    cell: number;
    /** Left edge of the matrix (row labels are to its left). */
    left: number;
    /** Top edge of the matrix (rotated column labels are above it). */
    top: number;
    /** Every `step`-th token is labelled, so labels never overlap. */
    step: number;
    /** Colour bar position and height. */
    barX: number;
    barHeight: number;
    width: number;
    height: number;
}

const barGap = 14;
const barWidth = 12;
const barLabels = 52;
const maxSide = 8192;

/**
 * Fits the n x n matrix into `width` x `height` with `labelWidth` of room for labels on the left
 * and top and a colour bar on the right. `zoom` multiplies the fitted cell; the result is then
 * larger than the pane, which scrolls. Cells of 3 px or more are whole pixels, so they stay crisp.
 */
export function heatmapGeometry(n: number, width: number, height: number, labelWidth: number, zoom = 1): HeatmapGeometry {
    const count = Math.max(1, n);
    const right = barGap + barWidth + barLabels;
    let left = labelWidth + 6;
    let top = labelWidth + 6;
    let fit = Math.min(width - left - right, height - top - 4) / count;
    let cell = Math.min(maxSide / count, Math.max(fit, 0.25) * Math.max(1, zoom));
    if (labelStep(cell) > count) {
        // Not even one label fits: give the room back to the matrix.
        left = top = 6;
        fit = Math.min(width - left - right, height - top - 4) / count;
        cell = Math.min(maxSide / count, Math.max(fit, 0.25) * Math.max(1, zoom));
    }
    if (cell >= 3) cell = Math.floor(Math.min(cell, 40));
    const side = count * cell;
    const step = labelStep(cell);
    const barHeight = Math.min(Math.max(side, 120), 320);
    return {
        n,
        cell,
        left,
        top,
        step,
        barX: left + side + barGap,
        barHeight,
        width: Math.ceil(left + side + right),
        height: Math.ceil(top + Math.max(side, barHeight) + 4),
    };
}

/** Label every k-th token so that labels (font `font` px plus 2 px spacing) do not overlap. */
export function labelStep(cell: number, font = labelFont): number {
    return Math.max(1, Math.ceil((font + 2) / Math.max(cell, 1e-3)));
}

export function heatmapHit(x: number, y: number, geo: HeatmapGeometry): { q: number; k: number } | undefined {
    const q = Math.floor((y - geo.top) / geo.cell);
    const k = Math.floor((x - geo.left) / geo.cell);
    if (y < geo.top || x < geo.left || q >= geo.n || k >= geo.n) return undefined;
    return { q, k };
}

export interface HeadViewGeometry {
    n: number;
    row: number;
    top: number;
    /** Right edge of the query labels and left edge of the key labels. */
    queryX: number;
    keyX: number;
    step: number;
    width: number;
    height: number;
}

/**
 * Two token columns with the lines between them, centred in `width`: rows share `height` but
 * stay at least 14 px for up to 128 tokens (the pane scrolls) and at most 22 px. The query column
 * is as wide as its labels or its title (`titleWidth`, drawn right-aligned above the labels),
 * whichever is wider, so short tokens do not leave the title clipped at the pane's edge.
 */
export function headViewGeometry(n: number, width: number, height: number, labelWidth: number, titleWidth = 0): HeadViewGeometry {
    const top = 26;
    const queryColumn = Math.max(labelWidth, Math.ceil(titleWidth));
    const count = Math.max(1, n);
    const row = Math.min(22, Math.max(n <= 128 ? 14 : 2, (height - top - 6) / count));
    const gap = Math.max(120, Math.min(420, width - (queryColumn + labelWidth + 20) - 16));
    const total = queryColumn + labelWidth + 20 + gap;
    const x0 = Math.max(8, (width - total) / 2);
    return {
        n,
        row,
        top,
        queryX: x0 + queryColumn + 10,
        keyX: x0 + queryColumn + 10 + gap,
        step: labelStep(row, 12),
        width: Math.max(width, Math.ceil(total + 16)),
        height: Math.ceil(top + count * row + 6),
    };
}

export function headViewRowY(geo: HeadViewGeometry, i: number): number {
    return geo.top + i * geo.row + geo.row / 2;
}

/** The query row under a point left of the lines, if any. */
export function headViewHit(x: number, y: number, geo: HeadViewGeometry): number | undefined {
    if (x > geo.queryX + 4) return undefined;
    const q = Math.floor((y - geo.top) / geo.row);
    return y >= geo.top && q < geo.n ? q : undefined;
}

export interface Tick {
    /** Position on the bar, 0 at the bottom and 1 at the top. */
    t: number;
    label: string;
}

/**
 * Colour bar ticks: probabilities on their square-root scale (0, 0.1, 0.25, 0.5, 1), scores at
 * their min, middle and max.
 */
export function colorBarTicks(kind: "probs" | "scores", min: number, max: number): Tick[] {
    if (kind === "probs") return [0, 0.1, 0.25, 0.5, 1].map((p) => ({ t: Math.sqrt(p), label: String(p) }));
    if (!(max > min)) return [{ t: 0.5, label: formatScore(min) }];
    const mid = (min + max) / 2;
    return [
        { t: 0, label: formatScore(min) },
        { t: 0.5, label: formatScore(mid) },
        { t: 1, label: formatScore(max) },
    ];
}

function formatScore(v: number): string {
    return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
