// SVG export of the attention views, with what the canvases show: the heatmap embeds its matrix as
// a PNG image (pixelated) with token labels, axis titles and the colour bar as vector elements;
// the head view writes its column titles, lines and labels as vector elements.

import { colormapRgb } from "../shared/colormap";
import { visibleText } from "../shared/tokenText";
import { axisTitles, colorBarTicks, headViewTitles, minWeight } from "./geometry";

/** What the heatmap's colour bar spans: probabilities, or scores from `min` to `max`. */
export interface ColorBarRange {
    kind: "probs" | "scores";
    min: number;
    max: number;
}

/** Fixed head-view layout of the export: label columns, the gap the lines cross, row height. */
const column = 150;
const gap = 220;
const row = 18;
/** Room above the head view's rows for the column titles, and the titles' baseline. */
const top = 20;
const titleY = 14;
/** Width of the heatmap's colour bar, and how many gradient stops approximate its colour map. */
const barWidth = 12;
const barStops = 16;

export function heatmapSvg(matrixPng: string, tokens: string[], cell: number, title: string, bar: ColorBarRange): string {
    const n = tokens.length;
    const margin = 100;
    const side = n * cell;
    // The colour bar sits right of the matrix, its tick labels beyond it, as on the canvas.
    const barX = margin + side + 16;
    const width = barX + barWidth + 56;
    const height = margin + Math.max(side, 80) + 8;
    const labels: string[] = [];
    if (cell >= 6) {
        const font = Math.min(12, cell - 1);
        tokens.forEach((t, i) => {
            const y = margin + i * cell + cell / 2;
            labels.push(`<text x="${margin - 4}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="${font}">${escapeXml(visibleText(t))}</text>`);
            labels.push(
                `<text transform="translate(${y} ${margin - 4}) rotate(-90)" dominant-baseline="middle" font-size="${font}">${escapeXml(visibleText(t))}</text>`,
            );
        });
    }
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">`,
        `<title>${escapeXml(title)}</title>`,
        `<image x="${margin}" y="${margin}" width="${side}" height="${side}" style="image-rendering:pixelated" href="${matrixPng}"/>`,
        ...labels,
        `<text x="${margin - 6}" y="${margin - 20}" text-anchor="end" font-size="10" fill="#888">${escapeXml(axisTitles.key)}</text>`,
        `<text x="${margin - 6}" y="${margin - 6}" text-anchor="end" font-size="10" fill="#888">${escapeXml(axisTitles.query)}</text>`,
        ...colorBarSvg(barX, margin, Math.max(side, 80), bar),
        "</svg>",
    ].join("\n");
}

export function headViewSvg(probs: Float32Array, tokens: string[], title: string): string {
    const n = tokens.length;
    const width = 2 * column + gap;
    const height = top + n * row + 8;
    const lines: string[] = [];
    for (let q = 0; q < n; q++) {
        for (let k = 0; k < n; k++) {
            const w = probs[q * n + k];
            if (!(w > minWeight)) continue;
            lines.push(
                `<line x1="${column}" y1="${rowY(q)}" x2="${column + gap}" y2="${rowY(k)}" stroke="#3794ff" stroke-opacity="${w.toFixed(3)}" stroke-width="${(0.5 + 3 * w).toFixed(2)}"/>`,
            );
        }
    }
    const labels = tokens.flatMap((t, i) => [
        `<text x="${column - 6}" y="${rowY(i)}" text-anchor="end" dominant-baseline="middle">${escapeXml(visibleText(t))}</text>`,
        `<text x="${column + gap + 6}" y="${rowY(i)}" dominant-baseline="middle">${escapeXml(visibleText(t))}</text>`,
    ]);
    const titles = [
        `<text x="${column - 6}" y="${titleY}" text-anchor="end" fill="#888">${headViewTitles.query}</text>`,
        `<text x="${column + gap + 6}" y="${titleY}" fill="#888">${headViewTitles.key}</text>`,
    ];
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`,
        `<title>${escapeXml(title)}</title>`,
        ...titles,
        ...lines,
        ...labels,
        "</svg>",
    ].join("\n");
}

export function escapeXml(text: string): string {
    return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function rowY(i: number): number {
    return top + 4 + i * row + row / 2;
}

/** The colour bar at (x, y), `height` tall, top = 1: a gradient, its outline, ticks and title. */
function colorBarSvg(x: number, y: number, height: number, bar: ColorBarRange): string[] {
    const stops = Array.from({ length: barStops + 1 }, (_, i) => {
        const t = i / barStops;
        const [r, g, b] = colormapRgb(1 - t);
        return `<stop offset="${t.toFixed(4)}" stop-color="rgb(${r},${g},${b})"/>`;
    });
    const ticks = colorBarTicks(bar.kind, bar.min, bar.max).flatMap((tick) => {
        const ty = (y + (1 - tick.t) * height).toFixed(1);
        return [
            `<line x1="${x + barWidth}" y1="${ty}" x2="${x + barWidth + 3}" y2="${ty}" stroke="#888"/>`,
            `<text x="${x + barWidth + 5}" y="${ty}" dominant-baseline="middle" font-size="10" fill="#888">${escapeXml(tick.label)}</text>`,
        ];
    });
    return [
        `<defs><linearGradient id="colorbar" x1="0" y1="0" x2="0" y2="1">${stops.join("")}</linearGradient></defs>`,
        `<rect x="${x}" y="${y}" width="${barWidth}" height="${height}" fill="url(#colorbar)" stroke="#888" stroke-width="1"/>`,
        ...ticks,
        `<text x="${x}" y="${y - 6}" font-size="10" fill="#888">${bar.kind === "probs" ? "weight" : "score"}</text>`,
    ];
}
