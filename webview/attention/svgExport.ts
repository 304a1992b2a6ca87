// SVG export of the attention views. The heatmap embeds its matrix as a PNG image (pixelated)
// with token labels as text; the head view writes its lines and labels as vector elements.

import { visibleText } from "../shared/tokenText";
import { minWeight } from "./geometry";

/** Fixed head-view layout of the export: label columns, the gap the lines cross, row height. */
const column = 150;
const gap = 220;
const row = 18;

export function heatmapSvg(matrixPng: string, tokens: string[], cell: number, title: string): string {
    const n = tokens.length;
    const margin = 100;
    const size = margin + n * cell;
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
        `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="monospace">`,
        `<title>${escapeXml(title)}</title>`,
        `<image x="${margin}" y="${margin}" width="${n * cell}" height="${n * cell}" style="image-rendering:pixelated" href="${matrixPng}"/>`,
        ...labels,
        "</svg>",
    ].join("\n");
}

export function headViewSvg(probs: Float32Array, tokens: string[], title: string): string {
    const n = tokens.length;
    const width = 2 * column + gap;
    const height = n * row + 8;
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
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`,
        `<title>${escapeXml(title)}</title>`,
        ...lines,
        ...labels,
        "</svg>",
    ].join("\n");
}

export function escapeXml(text: string): string {
    return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function rowY(i: number): number {
    return 4 + i * row + row / 2;
}
