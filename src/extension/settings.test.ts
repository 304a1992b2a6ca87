// Tests for settings defaults, clamping and change detection.

import assert from "node:assert/strict";
import { test } from "node:test";
import { changedSettings, clampNumber, readExecutionProviders, readSettings, restartKeys } from "./settings";

test("missing settings take their defaults", () => {
    const s = readSettings(() => undefined);
    assert.equal(s.model, "");
    assert.equal(s.hoverEnabled, true);
    assert.equal(s.hoverTopK, 5);
    assert.equal(s.colorMetric, "probability");
    assert.equal(s.maxAnalyzedTokens, 1024);
    assert.equal(s.engineThreads, 0);
});

test("numbers are clamped and rounded, bad values fall back", () => {
    const raw: Record<string, unknown> = {
        "hover.topK": 500,
        "engine.threads": -3,
        "analysis.maxTokens": 100.6,
        "generate.temperature": "hot",
        colorMetric: "rank",
        "hover.enabled": false,
        model: "  /m/gpt  ",
    };
    const s = readSettings((k) => raw[k]);
    assert.equal(s.hoverTopK, 20);
    assert.equal(s.engineThreads, 0);
    assert.equal(s.maxAnalyzedTokens, 101);
    assert.equal(s.generateTemperature, 0.8);
    assert.equal(s.colorMetric, "rank");
    assert.equal(s.hoverEnabled, false);
    assert.equal(s.model, "/m/gpt");
    assert.equal(readSettings((k) => (k === "colorMetric" ? "rainbow" : undefined)).colorMetric, "probability");
});

test("clampNumber keeps fractions for real-valued settings", () => {
    assert.equal(clampNumber(0.25, { fallback: 1, min: 0, max: 5, integer: false }), 0.25);
    assert.equal(clampNumber(Number.NaN, { fallback: 1, min: 0, max: 5, integer: false }), 1);
});

test("changed settings are listed by name", () => {
    const a = readSettings(() => undefined);
    const b = { ...a, engineThreads: 4, hoverTopK: 3 };
    assert.deepEqual(changedSettings(a, b).sort(), ["engineThreads", "hoverTopK"]);
    assert.deepEqual(changedSettings(a, { ...a }), []);
});

test("execution providers keep known names in order and default to the CPU", () => {
    assert.deepEqual(readSettings(() => undefined).engineExecutionProviders, []);
    const raw: Record<string, unknown> = { "engine.executionProviders": ["CUDA", "tpu", "webgpu", "cuda", 7] };
    assert.deepEqual(readSettings((k) => raw[k]).engineExecutionProviders, ["cuda", "webgpu"]);
    assert.deepEqual(readExecutionProviders("cuda"), []);
});

test("a changed provider list is a change that needs a restart", () => {
    const a = readSettings(() => undefined);
    assert.deepEqual(changedSettings(a, { ...a, engineExecutionProviders: [] }), []);
    const b = { ...a, engineExecutionProviders: ["cuda" as const] };
    assert.deepEqual(changedSettings(a, b), ["engineExecutionProviders"]);
    assert.ok(restartKeys.includes("engineExecutionProviders"));
    assert.deepEqual(changedSettings(b, { ...b, engineExecutionProviders: ["cuda"] }), []);
});
