// A uPlot chart bound to a container: recreated when its series or y scale change, otherwise
// given new data in place; sized to its container, coloured from the theme's chart colours.
// Axis titles and tick labels are drawn on canvas in the theme's foreground colour, read at each
// draw, and every chart redraws when the editor switches theme.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h, themeColor } from "../shared/dom";
import type { ChartData } from "./runData";

const paletteVars = [
    ["--vscode-charts-blue", "#3794ff"],
    ["--vscode-charts-orange", "#d18616"],
    ["--vscode-charts-green", "#89d185"],
    ["--vscode-charts-purple", "#b180d7"],
    ["--vscode-charts-red", "#f14c4c"],
    ["--vscode-charts-yellow", "#cca700"],
] as const;

export function seriesColor(i: number): string {
    const [name, fallback] = paletteVars[i % paletteVars.length];
    return themeColor(name, fallback);
}

/** Axis ticks: plain numbers in a readable range, exponents for very small or large values. */
export function formatTick(v: number | null): string {
    if (v === null || !Number.isFinite(v)) return "";
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a < 0.01 || a >= 1e6) return v.toExponential(1).replace("e-", "e−");
    if (a >= 1000) return `${Math.round(v / 100) / 10}k`;
    return String(Number(v.toPrecision(3)));
}

/**
 * The colour of axis titles and tick labels: the theme's foreground (white in high contrast),
 * which uPlot uses as the canvas fill for both since it draws axes without DOM elements.
 */
export function axisTextColor(): string {
    return themeColor("--vscode-foreground", themeColor("--vscode-editor-foreground", "#cccccc"));
}

export class Chart {
    readonly element: HTMLElement;
    private readonly body: HTMLElement;
    private plot: uPlot | undefined;
    private shape = "";
    private width = 300;

    constructor(title: string, testid: string, private readonly yLabel: string) {
        this.body = h("div", { className: "chart-body" });
        this.element = h("div", { className: "chart", testid }, h("div", { className: "chart-title", text: title }), this.body);
        liveCharts.add(this);
        watchTheme();
    }

    /** Redraws with the current theme's colours (axes recomputed, data paths kept). */
    redraw(): void {
        this.plot?.redraw(false, true);
    }

    /** Colours per series index come from `colors` (so overlays keep a run's colour). */
    update(data: ChartData, logY: boolean, colors: string[]): void {
        const shape = JSON.stringify([logY, data.series.map((s) => [s.label, s.points, s.faint]), colors]);
        const aligned: uPlot.AlignedData = [data.xs, ...data.series.map((s) => s.values.map((v) => (logY && v !== null && v <= 0 ? null : v)))];
        this.element.dataset.points = String(data.xs.length);
        if (this.plot && shape === this.shape) {
            this.plot.setData(aligned);
            return;
        }
        this.plot?.destroy();
        this.shape = shape;
        // Functions, not strings, so a theme change needs only a redraw.
        const gridStroke = () => themeColor("--vscode-widget-border", "rgba(128,128,128,0.25)");
        const axis = (label?: string): uPlot.Axis => ({
            stroke: axisTextColor,
            grid: { stroke: gridStroke, width: 1 },
            ticks: { stroke: gridStroke, width: 1 },
            label,
            labelSize: label ? 16 : 0,
            // The y axis is as wide as its longest tick label, so "1.0e−3" never runs into the title.
            size: label ? (u, values) => yAxisSize(u, values) : 30,
            values: (_u, splits) => splits.map(formatTick),
        });
        this.plot = new uPlot(
            {
                width: this.width,
                height: 150,
                legend: { show: true, live: true },
                cursor: { drag: { x: true, y: false } },
                scales: { x: { time: false }, y: logY ? { distr: 3 } : { auto: true } },
                axes: [axis(), axis(this.yLabel)],
                series: [
                    { label: "step" },
                    ...data.series.map((s, i) => ({
                        label: s.label,
                        stroke: colors[i] ?? seriesColor(i),
                        width: s.faint ? 1 : 1.5,
                        alpha: s.faint ? 0.3 : 1,
                        spanGaps: true,
                        points: s.points ? { show: true, size: 6 } : { show: false },
                        paths: s.points ? () => null : undefined,
                    })),
                ],
            },
            aligned,
            this.body,
        );
    }

    resize(width: number): void {
        this.width = Math.max(160, Math.floor(width));
        this.plot?.setSize({ width: this.width, height: 150 });
    }
}

const liveCharts = new Set<Chart>();
let themeObserver: MutationObserver | undefined;

/**
 * VS Code changes a webview's theme by rewriting the variables on <html> and the theme class on
 * <body>; canvases keep the old colours until drawn again, so redraw every chart then.
 */
function watchTheme(): void {
    if (themeObserver) return;
    themeObserver = new MutationObserver(() => {
        for (const chart of liveCharts) chart.redraw();
    });
    const options = { attributes: true, attributeFilter: ["style", "class"] };
    themeObserver.observe(document.documentElement, options);
    themeObserver.observe(document.body, options);
}

/** Tick length, gap, widest tick label (in CSS pixels) and the title's band. */
function yAxisSize(u: uPlot, values: string[] | null): number {
    const ctx = u.ctx;
    ctx.save();
    ctx.font = u.axes[1].font?.[0] ?? ctx.font;
    const widest = Math.max(0, ...(values ?? []).map((v) => ctx.measureText(v).width));
    ctx.restore();
    // The font is scaled by devicePixelRatio on the canvas; sizes are in CSS pixels.
    return Math.ceil(widest / devicePixelRatio) + 10 + 16 + 6;
}
