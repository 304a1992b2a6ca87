// Canvas renderers for the attention panel: the layer x head thumbnail grid and the heatmap of one
// head with token labels, a colour bar and a hover overlay. The matrix is drawn once into an
// offscreen canvas at one pixel per cell and blitted scaled, so a 1,024-token head costs no DOM
// per cell; resizing, zooming and hovering only blit and redraw labels.

import { base64ToBytes } from "../shared/binary";
import { colormapRgb, matrixPixels, normalizer, type Normalizer } from "../shared/colormap";
import { themeColor } from "../shared/dom";
import { visibleText } from "../shared/tokenText";
import { axisTitles, colorBarTicks, labelChars, labelFont, labelRoom, type GridGeometry, type HeatmapGeometry } from "./geometry";

export interface HeadData {
    layer: number;
    head: number;
    probs: Float32Array;
    scores?: Float32Array;
}

export interface MatrixImage {
    canvas: OffscreenCanvas;
    norm: Normalizer;
    kind: "probs" | "scores";
}

/**
 * Every head's thumbnail as an image, in layer-major order. Built once per result, since the grid
 * is redrawn on each click and resize.
 */
export function thumbnailImages(thumbs: { size: number; data: string } | undefined): OffscreenCanvas[] | undefined {
    if (!thumbs) return undefined;
    const s = thumbs.size;
    const data = base64ToBytes(thumbs.data);
    const count = Math.floor(data.length / (s * s));
    return Array.from({ length: count }, (_, i) => thumbnail(data, s, i));
}

/** Draws every head's thumbnail (or its entropy as a colour when there are no thumbnails). */
export function drawGrid(
    canvas: HTMLCanvasElement,
    geo: GridGeometry,
    entropy: number[][],
    thumbs: OffscreenCanvas[] | undefined,
    selected: { layer: number; head: number },
): void {
    const nLayer = entropy.length;
    const nHead = entropy[0]?.length ?? 0;
    const { cell, gap, left, top, caption } = geo;
    const ctx = setupCanvas(canvas, geo.width, geo.height);
    const colors = themeColors();
    ctx.font = `${labelFont}px ${colors.uiFont}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "center";
    ctx.fillStyle = colors.muted;
    for (let h = 0; h < nHead; h++) ctx.fillText(`H${h}`, left + h * (cell + gap) + cell / 2, top / 2);
    const maxEntropy = Math.max(1e-9, ...entropy.flat());
    ctx.imageSmoothingEnabled = false;
    for (let l = 0; l < nLayer; l++) {
        const y = top + l * (cell + gap + caption);
        ctx.textAlign = "left";
        ctx.fillStyle = colors.muted;
        ctx.fillText(`L${l}`, 2, y + cell / 2);
        for (let h = 0; h < nHead; h++) {
            const x = left + h * (cell + gap);
            const thumb = thumbs?.[l * nHead + h];
            if (thumb) {
                ctx.drawImage(thumb, x, y, cell, cell);
            } else {
                const [r, g, b] = colormapRgb(1 - (entropy[l]?.[h] ?? 0) / maxEntropy);
                ctx.fillStyle = `rgb(${r},${g},${b})`;
                ctx.fillRect(x, y, cell, cell);
            }
            const isSelected = l === selected.layer && h === selected.head;
            ctx.lineWidth = isSelected ? 2 : 1;
            ctx.strokeStyle = isSelected ? colors.focus : colors.border;
            const pad = isSelected ? 2 : 0.5;
            ctx.strokeRect(x - pad, y - pad, cell + 2 * pad, cell + 2 * pad);
            ctx.textAlign = "center";
            ctx.fillStyle = isSelected ? colors.fg : colors.muted;
            ctx.fillText((entropy[l]?.[h] ?? 0).toFixed(2), x + cell / 2, y + cell + caption / 2 + 2);
        }
    }
}

/** Offscreen image of a matrix at one pixel per cell, with its normaliser. */
export function matrixImage(values: Float32Array, n: number, kind: "probs" | "scores"): MatrixImage {
    const norm = normalizer(values, kind);
    const canvas = new OffscreenCanvas(Math.max(1, n), Math.max(1, n));
    if (n > 0) canvas.getContext("2d")!.putImageData(new ImageData(matrixPixels(values, n, norm), n, n), 0, 0);
    return { canvas, norm, kind };
}

/** Width that the longest (clipped) token label and the axis titles need (see labelRoom). */
export function labelWidth(tokens: string[]): number {
    const ctx = measureContext();
    const colors = themeColors();
    ctx.font = `${labelFont}px ${colors.editorFont}`;
    let widest = 0;
    for (const t of tokens) widest = Math.max(widest, ctx.measureText(tokenLabel(t)).width);
    ctx.font = titleFont(colors);
    const title = Math.max(ctx.measureText(axisTitles.key).width, ctx.measureText(axisTitles.query).width);
    return labelRoom(widest, title);
}

/** Width of `text` in the interface font at the label size, as the head view draws its titles. */
export function uiTextWidth(text: string): number {
    const ctx = measureContext();
    ctx.font = `${labelFont}px ${themeColors().uiFont}`;
    return ctx.measureText(text).width;
}

/** Blits the matrix, labels the axes (every `geo.step`-th token) and draws the colour bar. */
export function drawHeatmap(canvas: HTMLCanvasElement, image: MatrixImage, tokens: string[], geo: HeatmapGeometry): void {
    const { n, cell, left, top, step } = geo;
    const side = n * cell;
    const ctx = setupCanvas(canvas, geo.width, geo.height);
    const colors = themeColors();
    // Below one pixel per cell, smoothing averages neighbouring cells instead of dropping rows.
    ctx.imageSmoothingEnabled = cell < 1;
    ctx.drawImage(image.canvas, left, top, side, side);
    ctx.strokeStyle = colors.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(left - 0.5, top - 0.5, side + 1, side + 1);
    if (left > 6) {
        ctx.font = `${labelFont}px ${colors.editorFont}`;
        ctx.fillStyle = colors.fg;
        for (let i = 0; i < n; i += step) drawAxisLabels(ctx, geo, i, tokenLabel(tokens[i]));
        ctx.font = titleFont(colors);
        ctx.fillStyle = colors.muted;
        ctx.textAlign = "right";
        ctx.textBaseline = "alphabetic";
        ctx.fillText(axisTitles.key, left - 6, top - 20);
        ctx.fillText(axisTitles.query, left - 6, top - 6);
    }
    drawColorBar(ctx, image, geo, colors);
}

/** Highlights the hovered cell, its row and column and their two labels on the overlay canvas. */
export function drawHeatmapOverlay(canvas: HTMLCanvasElement, geo: HeatmapGeometry, tokens: string[], hit: { q: number; k: number } | undefined): void {
    const ctx = setupCanvas(canvas, geo.width, geo.height);
    if (!hit) return;
    const colors = themeColors();
    const { n, cell, left, top } = geo;
    const side = n * cell;
    ctx.fillStyle = colors.focus;
    ctx.globalAlpha = 0.18;
    ctx.fillRect(left, top + hit.q * cell, side, cell);
    ctx.fillRect(left + hit.k * cell, top, cell, side);
    ctx.globalAlpha = 1;
    const box = Math.max(cell, 6);
    ctx.strokeStyle = colors.focus;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + (hit.k + 0.5) * cell - box / 2, top + (hit.q + 0.5) * cell - box / 2, box, box);
    if (left <= 6) return;
    ctx.font = `bold ${labelFont}px ${colors.editorFont}`;
    for (const [i, axis] of [[hit.q, "row"], [hit.k, "column"]] as const) {
        const label = tokenLabel(tokens[i]);
        const w = ctx.measureText(label).width + 6;
        const mid = (axis === "row" ? top : left) + (i + 0.5) * cell;
        ctx.fillStyle = colors.bg;
        if (axis === "row") ctx.fillRect(left - 1 - w, mid - 8, w, 16);
        else ctx.fillRect(mid - 8, top - 1 - w, 16, w);
        ctx.fillStyle = colors.focusText;
        drawAxisLabels(ctx, geo, i, label, axis);
    }
}

/** Prepares a canvas of `width` x `height` CSS pixels at the device's pixel ratio. */
export function setupCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.max(1, Math.round(height * dpr));
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
}

export interface ThemeColors {
    fg: string;
    muted: string;
    bg: string;
    border: string;
    focus: string;
    focusText: string;
    accent: string;
    uiFont: string;
    editorFont: string;
}

/** The theme's colours and fonts as canvas styles (canvas cannot read CSS variables itself). */
export function themeColors(): ThemeColors {
    return {
        fg: themeColor("--vscode-foreground", "#ccc"),
        muted: themeColor("--vscode-descriptionForeground", "#999"),
        bg: themeColor("--vscode-editor-background", "#1e1e1e"),
        border: themeColor("--vscode-widget-border", themeColor("--vscode-panel-border", "#444")),
        focus: themeColor("--vscode-focusBorder", "#0af"),
        focusText: themeColor("--vscode-editor-foreground", themeColor("--vscode-foreground", "#fff")),
        accent: themeColor("--vscode-charts-blue", "#3794ff"),
        uiFont: themeColor("--vscode-font-family", "sans-serif"),
        editorFont: themeColor("--vscode-editor-font-family", "monospace"),
    };
}

/** A token as an axis label: whitespace made visible, clipped to `labelChars`. */
export function tokenLabel(text: string | undefined): string {
    const label = visibleText(text ?? "");
    return label.length > labelChars ? label.slice(0, labelChars - 1) + "…" : label || "∅";
}

function drawAxisLabels(ctx: CanvasRenderingContext2D, geo: HeatmapGeometry, i: number, label: string, only?: "row" | "column"): void {
    const { cell, left, top } = geo;
    ctx.textBaseline = "middle";
    if (only !== "column") {
        ctx.textAlign = "right";
        ctx.fillText(label, left - 4, top + (i + 0.5) * cell);
    }
    if (only !== "row") {
        ctx.save();
        ctx.translate(left + (i + 0.5) * cell, top - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "left";
        ctx.fillText(label, 0, 0);
        ctx.restore();
    }
}

function drawColorBar(ctx: CanvasRenderingContext2D, image: MatrixImage, geo: HeatmapGeometry, colors: ThemeColors): void {
    const { barX, barHeight, top } = geo;
    const width = 12;
    for (let y = 0; y < barHeight; y++) {
        const [r, g, b] = colormapRgb(1 - y / Math.max(1, barHeight - 1));
        ctx.fillStyle = `rgb(${r},${g},${b})`;
        ctx.fillRect(barX, top + y, width, 1);
    }
    ctx.strokeStyle = colors.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(barX - 0.5, top - 0.5, width + 1, barHeight + 1);
    ctx.font = `${labelFont - 1}px ${colors.uiFont}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    ctx.fillStyle = colors.muted;
    ctx.strokeStyle = colors.muted;
    for (const tick of colorBarTicks(image.kind, image.norm.min, image.norm.max)) {
        const y = Math.round(top + (1 - tick.t) * (barHeight - 1)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(barX + width, y);
        ctx.lineTo(barX + width + 3, y);
        ctx.stroke();
        ctx.fillText(tick.label, barX + width + 5, y);
    }
    ctx.textBaseline = "alphabetic";
    ctx.fillText(image.kind === "probs" ? "weight" : "score", barX, top - 6);
}

function thumbnail(data: Uint8Array, s: number, index: number): OffscreenCanvas {
    const offset = index * s * s;
    const img = new ImageData(s, s);
    for (let i = 0; i < s * s; i++) {
        // Thumbnails hold probabilities as bytes; the square root matches the heatmap's scale.
        const [r, g, b] = colormapRgb(Math.sqrt(data[offset + i] / 255));
        img.data.set([r, g, b, 255], i * 4);
    }
    const canvas = new OffscreenCanvas(s, s);
    canvas.getContext("2d")!.putImageData(img, 0, 0);
    return canvas;
}

let measure: OffscreenCanvasRenderingContext2D | undefined;

function measureContext(): OffscreenCanvasRenderingContext2D {
    measure ??= new OffscreenCanvas(1, 1).getContext("2d")!;
    return measure;
}

/** The axis titles' font, shared by drawing and measuring so that the room fits what is drawn. */
function titleFont(colors: ThemeColors): string {
    return `${labelFont - 1}px ${colors.uiFont}`;
}
