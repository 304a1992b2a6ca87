// Canvas renderers for the attention panel: the layer x head thumbnail grid, the full heatmap
// of one head with token labels, and the head view (query and key token columns joined by lines
// weighted by attention). The heatmap matrix is drawn once into an offscreen canvas at one pixel
// per cell and blitted scaled, so a 1,024-token head costs no DOM per cell.

import { colormapRgb, matrixPixels, normalizer, type Normalizer } from "../shared/colormap";
import { themeColor } from "../shared/dom";
import { visibleText } from "../shared/tokenText";

export interface HeadData {
    layer: number;
    head: number;
    probs: Float32Array;
    scores?: Float32Array;
}

export interface GridLayout {
    cell: number;
    gap: number;
    left: number;
    top: number;
}

export const gridLayout: GridLayout = { cell: 56, gap: 10, left: 34, top: 18 };

/** Draws every head's thumbnail (or its entropy when there are no thumbnails). */
export function drawGrid(
    canvas: HTMLCanvasElement,
    nLayer: number,
    nHead: number,
    entropy: number[][],
    thumbs: { size: number; data: Uint8Array } | undefined,
    selected: { layer: number; head: number },
): void {
    const { cell, gap, left, top } = gridLayout;
    const labelH = 12;
    canvas.width = left + nHead * (cell + gap);
    canvas.height = top + nLayer * (cell + gap + labelH);
    const ctx = canvas.getContext("2d")!;
    const fg = themeColor("--vscode-foreground", "#ccc");
    const focus = themeColor("--vscode-focusBorder", "#0af");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = "10px sans-serif";
    ctx.fillStyle = fg;
    for (let h = 0; h < nHead; h++) ctx.fillText(`H${h}`, left + h * (cell + gap) + cell / 2 - 6, 12);
    const maxEntropy = Math.max(1e-9, ...entropy.flat());
    for (let l = 0; l < nLayer; l++) {
        const y = top + l * (cell + gap + labelH);
        ctx.fillStyle = fg;
        ctx.fillText(`L${l}`, 4, y + cell / 2);
        for (let h = 0; h < nHead; h++) {
            const x = left + h * (cell + gap);
            if (thumbs) {
                const s = thumbs.size;
                const offset = (l * nHead + h) * s * s;
                const img = new ImageData(s, s);
                for (let i = 0; i < s * s; i++) {
                    const [r, g, b] = colormapRgb(Math.sqrt(thumbs.data[offset + i] / 255));
                    img.data.set([r, g, b, 255], i * 4);
                }
                const tmp = new OffscreenCanvas(s, s);
                tmp.getContext("2d")!.putImageData(img, 0, 0);
                ctx.imageSmoothingEnabled = false;
                ctx.drawImage(tmp, x, y, cell, cell);
            } else {
                const [r, g, b] = colormapRgb(1 - (entropy[l]?.[h] ?? 0) / maxEntropy);
                ctx.fillStyle = `rgb(${r},${g},${b})`;
                ctx.fillRect(x, y, cell, cell);
            }
            ctx.fillStyle = fg;
            ctx.fillText(`H ${(entropy[l]?.[h] ?? 0).toFixed(2)}`, x, y + cell + 10);
            if (l === selected.layer && h === selected.head) {
                ctx.strokeStyle = focus;
                ctx.lineWidth = 3;
                ctx.strokeRect(x - 2, y - 2, cell + 4, cell + 4);
            }
        }
    }
}

/** The grid cell under a canvas-space point, if any. */
export function gridHit(x: number, y: number, nLayer: number, nHead: number): { layer: number; head: number } | undefined {
    const { cell, gap, left, top } = gridLayout;
    const head = Math.floor((x - left) / (cell + gap));
    const layer = Math.floor((y - top) / (cell + gap + 12));
    if (head < 0 || head >= nHead || layer < 0 || layer >= nLayer) return undefined;
    return { layer, head };
}

export interface HeatmapGeometry {
    n: number;
    cell: number;
    margin: number;
}

/** Offscreen image of a matrix at one pixel per cell, with its normaliser. */
export function matrixImage(values: Float32Array, n: number, kind: "probs" | "scores"): { canvas: OffscreenCanvas; norm: Normalizer } {
    const norm = normalizer(values, kind);
    const canvas = new OffscreenCanvas(n, n);
    canvas.getContext("2d")!.putImageData(new ImageData(matrixPixels(values, n, norm), n, n), 0, 0);
    return { canvas, norm };
}

export function heatmapGeometry(n: number, labels: boolean): HeatmapGeometry {
    const cell = Math.max(1, Math.min(28, Math.floor(720 / n)));
    return { n, cell, margin: labels && cell >= 9 ? 90 : 4 };
}

/** Blits the matrix image and, when cells are large enough, the token labels on both axes. */
export function drawHeatmap(canvas: HTMLCanvasElement, image: OffscreenCanvas, tokens: string[], geo: HeatmapGeometry): void {
    const { n, cell, margin } = geo;
    canvas.width = margin + n * cell;
    canvas.height = margin + n * cell;
    const ctx = canvas.getContext("2d")!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, margin, margin, n * cell, n * cell);
    if (margin <= 4) return;
    ctx.fillStyle = themeColor("--vscode-foreground", "#ccc");
    ctx.font = `${Math.min(12, cell - 1)}px monospace`;
    ctx.textBaseline = "middle";
    for (let i = 0; i < n; i++) {
        const label = clip(visibleText(tokens[i]), 12);
        ctx.textAlign = "right";
        ctx.fillText(label, margin - 4, margin + i * cell + cell / 2);
        ctx.save();
        ctx.translate(margin + i * cell + cell / 2, margin - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "left";
        ctx.fillText(label, 0, 0);
        ctx.restore();
    }
}

export function heatmapHit(x: number, y: number, geo: HeatmapGeometry): { q: number; k: number } | undefined {
    const q = Math.floor((y - geo.margin) / geo.cell);
    const k = Math.floor((x - geo.margin) / geo.cell);
    if (q < 0 || k < 0 || q >= geo.n || k >= geo.n) return undefined;
    return { q, k };
}

export const headViewRow = 18;
const headViewColumn = 150;
const headViewGap = 220;

/** Lines from each query token (left) to the key tokens (right) it attends to. */
export function drawHeadView(canvas: HTMLCanvasElement, probs: Float32Array, tokens: string[], focus: number | undefined): void {
    const n = tokens.length;
    canvas.width = 2 * headViewColumn + headViewGap;
    canvas.height = n * headViewRow + 8;
    const ctx = canvas.getContext("2d")!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const fg = themeColor("--vscode-foreground", "#ccc");
    const accent = themeColor("--vscode-charts-blue", "#3794ff");
    ctx.font = "12px monospace";
    ctx.textBaseline = "middle";
    ctx.strokeStyle = accent;
    for (let q = 0; q < n; q++) {
        if (focus !== undefined && q !== focus) continue;
        for (let k = 0; k < n; k++) {
            const w = probs[q * n + k];
            if (!(w > 0.01)) continue;
            ctx.globalAlpha = Math.min(1, w * (focus === undefined ? 1 : 1.5));
            ctx.lineWidth = 0.5 + 3 * w;
            ctx.beginPath();
            ctx.moveTo(headViewColumn, rowY(q));
            ctx.lineTo(headViewColumn + headViewGap, rowY(k));
            ctx.stroke();
        }
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = fg;
    for (let i = 0; i < n; i++) {
        const label = clip(visibleText(tokens[i]), 18);
        ctx.textAlign = "right";
        ctx.fillText(label, headViewColumn - 6, rowY(i));
        ctx.textAlign = "left";
        ctx.fillText(label, headViewColumn + headViewGap + 6, rowY(i));
    }
}

/** The query row under a point in the head view's left column. */
export function headViewHit(x: number, y: number, n: number): number | undefined {
    if (x > headViewColumn) return undefined;
    const q = Math.floor((y - 4) / headViewRow);
    return q >= 0 && q < n ? q : undefined;
}

export const headViewGeometry = { column: headViewColumn, gap: headViewGap, row: headViewRow, rowY };

function rowY(i: number): number {
    return 4 + i * headViewRow + headViewRow / 2;
}

function clip(text: string, max: number): string {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
