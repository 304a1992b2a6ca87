// Real-editor tests of training: a short run on the current file streams loss points into the
// dashboard and obeys pause, resume and stop (buttons and commands); training on a selection
// starts a run; a binary file is refused with a message naming it.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import type { Frame } from "playwright-core";
import {
    canvasColours,
    launchEditor,
    screenshotAfterEach,
    waitFor,
    type Editor,
} from "./support/editor";

let editor: Editor;

before(async () => {
    editor = await launchEditor({ settings: { "lmLab.engine.threads": 1 } });
});

after(async () => {
    await editor?.close();
});

screenshotAfterEach("training", () => editor);

test("Open Training Dashboard shows the dashboard view", async () => {
    await editor.runCommand("LM Lab: Open Training Dashboard");
    const frame = await editor.frameWith("[data-testid=dashboard]", 60_000);
    assert.ok(await frame.locator("[data-testid=dashboard]").isVisible());
    await editor.screenshot("dashboard-empty");
});

test("a run on the current file streams loss points and can be paused, resumed and stopped", async () => {
    await editor.openFile("shakespeare.txt");
    await editor.runCommand("LM Lab: Train Model on Current File");
    const frame = await editor.frameWith("[data-testid=dashboard] [data-testid=run-state]", 60_000);
    await waitForState(frame, /running/i, 120_000);
    const chart = frame.locator("[data-testid=loss-chart]").first();

    // Points stream in: the chart's point count and the step counter grow while running.
    const firstPoints = await points(frame);
    await waitFor(
        async () => (await points(frame)) > Math.max(firstPoints, 1),
        60_000,
        "new loss points",
    );
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.locator("canvas").first().boundingBox();
    assert.ok(
        box && box.height >= 60 && box.width >= 100,
        `loss chart is laid out: ${JSON.stringify(box)}`,
    );
    assert.ok(
        (await canvasColours(frame, "[data-testid=loss-chart] canvas")) >= 3,
        "loss chart is drawn",
    );
    await editor.screenshot("dashboard-running");

    await frame.locator("[data-testid=pause]").first().click();
    await waitForState(frame, /paused/i, 30_000);
    await editor.page.waitForTimeout(500);
    const pausedStep = await step(frame);
    const pausedPoints = await points(frame);
    await editor.page.waitForTimeout(2000);
    assert.equal(await step(frame), pausedStep, "the step counter stands still while paused");
    assert.equal(await points(frame), pausedPoints, "no new points while paused");
    await editor.screenshot("dashboard-paused");

    await editor.runCommand("LM Lab: Resume Training");
    await waitForState(frame, /running/i, 30_000);
    await waitFor(async () => (await step(frame)) > pausedStep, 30_000, "steps after resuming");

    // The same through the other controls: the Pause command and the Resume button.
    await editor.runCommand("LM Lab: Pause Training");
    await waitForState(frame, /paused/i, 30_000);
    const pausedAgain = await step(frame);
    await frame.locator("[data-testid=resume]").first().click();
    await waitFor(async () => (await step(frame)) > pausedAgain, 30_000, "steps after the button");

    await editor.runCommand("LM Lab: Stop Training");
    await waitForState(frame, /stopped/i, 60_000);
    const stoppedStep = await step(frame);
    await editor.page.waitForTimeout(1500);
    assert.equal(await step(frame), stoppedStep, "no steps after stopping");
    await frame.locator("[data-testid=loss-chart]").first().scrollIntoViewIfNeeded();
    await editor.screenshot("dashboard-stopped");
});

test("Train Model on Selection starts a new run that the dashboard shows and can stop", async () => {
    const frame = await editor.frameWith("[data-testid=dashboard] [data-testid=run-title]", 30_000);
    const previous = await frame.locator("[data-testid=run-title]").first().innerText();
    await editor.openFile("shakespeare.txt");
    await editor.gotoLine(1);
    await editor.page.keyboard.press("Control+A");
    await editor.runCommand("LM Lab: Train Model on Selection");
    const title = frame.locator("[data-testid=run-title]").first();
    await waitFor(
        async () => (await title.innerText()) !== previous,
        60_000,
        "a new run in the dashboard",
    );
    await waitForState(frame, /running/i, 60_000);
    await editor.runCommand("LM Lab: Pause Training");
    await waitForState(frame, /paused/i, 30_000);
    await frame.locator("[data-testid=stop]").first().click();
    await waitForState(frame, /stopped/i, 60_000);
});

test("Train Model on Workspace Files… trains on the files a glob matches", async () => {
    const frame = await editor.frameWith("[data-testid=dashboard] [data-testid=run-title]", 30_000);
    const title = frame.locator("[data-testid=run-title]").first();
    const previous = await title.innerText();
    await editor.runCommand("LM Lab: Train Model on Workspace Files…");
    const input = editor.page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill("**/*.txt");
    await editor.page.keyboard.press("Enter");
    await waitFor(async () => (await title.innerText()) !== previous, 60_000, "a new run");
    await waitForState(frame, /running|finished/i, 60_000);
    await editor.runCommand("LM Lab: Stop Training");
    await waitForState(frame, /stopped|finished/i, 60_000);
    // The run folder records the matched files as its data.
    const runs = join(editor.workspace, ".lmlab", "runs");
    const folder = readdirSync(runs).find((name) => name.endsWith("-workspace"));
    assert.ok(folder, `a *-workspace run folder in ${runs}`);
    const run = JSON.parse(readFileSync(join(runs, folder, "run.json"), "utf8"));
    const data = (run.config?.data ?? []) as string[];
    assert.deepEqual(data.map((file) => basename(file)), ["shakespeare.txt"]);
});

test("training on a binary workspace file is refused with a message naming it", async () => {
    await editor.runCommand("LM Lab: Train Model on Workspace Files…");
    const input = editor.page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill("data.bin");
    await editor.page.keyboard.press("Enter");
    const message = await editor.notification(/data\.bin/);
    await editor.screenshot("binary-file");
    assert.match(message, /binary|NUL|not valid UTF-8|text/i);
});

// ---------------------------------------------------------------------------------------------
// Helpers

async function waitForState(frame: Frame, pattern: RegExp, timeoutMs: number): Promise<void> {
    const state = frame.locator("[data-testid=run-state]").first();
    await waitFor(
        async () => pattern.test(await state.innerText()),
        timeoutMs,
        `run state ${pattern}`,
    );
}

/** The number of x positions the loss chart plots (its data-points attribute). */
async function points(frame: Frame): Promise<number> {
    return Number(
        (await frame.locator("[data-testid=loss-chart]").first().getAttribute("data-points")) ?? 0,
    );
}

/** The step counter of the selected run ("52 / 500" gives 52). */
async function step(frame: Frame): Promise<number> {
    const text = await frame
        .locator("[data-testid=run-stats] [data-testid=step]")
        .first()
        .innerText();
    return Number(/\d+/.exec(text)?.[0] ?? Number.NaN);
}
