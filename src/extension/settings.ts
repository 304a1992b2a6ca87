// The extension's settings as a typed, clamped snapshot. Pure (no `vscode` import) so the
// defaults and clamping are unit-tested; src/extension/config.ts feeds it VS Code's values.

import { colorMetrics, type ColorMetric } from "../../webview/shared/colors";
import { executionProviderNames, type ExecutionProviderName } from "../protocol";

export interface Settings {
    /** Model folder or .onnx file; empty for the shipped default. */
    model: string;
    engineThreads: number;
    /** ONNX Runtime execution providers to try before the CPU; [] = the CPU only. */
    engineExecutionProviders: ExecutionProviderName[];
    hoverEnabled: boolean;
    hoverTopK: number;
    hoverDelayMs: number;
    colorMetric: ColorMetric;
    maxAnalyzedTokens: number;
    analysisTopK: number;
    attentionMaxTokens: number;
    /** Folder for training runs; empty for `.lmlab/runs` in the first workspace folder. */
    runsFolder: string;
    generateMaxTokens: number;
    generateTemperature: number;
}

/** Reads one raw setting by its key below `lmLab.` (e.g. "hover.topK"). */
export type SettingReader = (key: string) => unknown;

interface NumberSpec {
    key: string;
    fallback: number;
    min: number;
    max: number;
    integer: boolean;
}

const numbers = {
    engineThreads: { key: "engine.threads", fallback: 0, min: 0, max: 64, integer: true },
    hoverTopK: { key: "hover.topK", fallback: 5, min: 1, max: 20, integer: true },
    hoverDelayMs: { key: "hover.delay", fallback: 150, min: 0, max: 2000, integer: true },
    maxAnalyzedTokens: { key: "analysis.maxTokens", fallback: 1024, min: 16, max: 16384, integer: true },
    analysisTopK: { key: "analysis.topK", fallback: 10, min: 1, max: 50, integer: true },
    attentionMaxTokens: { key: "attention.maxTokens", fallback: 512, min: 2, max: 4096, integer: true },
    generateMaxTokens: { key: "generate.maxTokens", fallback: 64, min: 1, max: 2048, integer: true },
    generateTemperature: { key: "generate.temperature", fallback: 0.8, min: 0, max: 5, integer: false },
} satisfies Record<string, NumberSpec>;

/** Settings whose change needs a new engine process. */
export const restartKeys: readonly (keyof Settings)[] = ["engineThreads", "engineExecutionProviders"];

export function readSettings(read: SettingReader): Settings {
    const numeric = {} as Record<keyof typeof numbers, number>;
    for (const [name, spec] of Object.entries(numbers) as [keyof typeof numbers, NumberSpec][]) {
        numeric[name] = clampNumber(read(spec.key), spec);
    }
    const metric = read("colorMetric");
    return {
        model: typeof read("model") === "string" ? (read("model") as string).trim() : "",
        hoverEnabled: read("hover.enabled") !== false,
        colorMetric: colorMetrics.includes(metric as ColorMetric) ? (metric as ColorMetric) : "probability",
        runsFolder: typeof read("runsFolder") === "string" ? (read("runsFolder") as string).trim() : "",
        engineExecutionProviders: readExecutionProviders(read("engine.executionProviders")),
        ...numeric,
    };
}

/**
 * The known provider names of a raw setting value, lower-cased, in order, without repeats. Unknown
 * entries are dropped (VS Code's settings editor already flags them against the manifest's enum).
 */
export function readExecutionProviders(value: unknown): ExecutionProviderName[] {
    if (!Array.isArray(value)) return [];
    const names: ExecutionProviderName[] = [];
    for (const item of value) {
        const text = typeof item === "string" ? item.trim().toLowerCase() : "";
        const name = text as ExecutionProviderName;
        if (executionProviderNames.includes(name) && !names.includes(name)) names.push(name);
    }
    return names;
}

/** Clamps into [min, max], rounds integers, and uses the default for anything not a number. */
export function clampNumber(value: unknown, spec: Omit<NumberSpec, "key">): number {
    if (typeof value !== "number" || !Number.isFinite(value)) return spec.fallback;
    const v = spec.integer ? Math.round(value) : value;
    return Math.min(spec.max, Math.max(spec.min, v));
}

/** Names of settings that differ between two snapshots. */
export function changedSettings(before: Settings, after: Settings): (keyof Settings)[] {
    return (Object.keys(after) as (keyof Settings)[]).filter((k) => !sameValue(before[k], after[k]));
}

/** Equality of setting values; lists compare element by element. */
function sameValue(a: unknown, b: unknown): boolean {
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
    return a === b;
}
