// Real-editor tests of training: a short run on the current file streams loss points into the
// dashboard and obeys pause, resume and stop (buttons and commands); training on a selection
// starts a run; a binary file is refused with a message naming it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Frame } from "playwright-core";
import { canvasColours, launchEditor, type Editor } from "./support/editor";

let editor: Editor;

before(async () => {
    editor = await launchEditor({ settings: { "lmLab.engine.threads": 1 } });
});

after(async () => {
    await editor?.close();
});

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
    const chart = "[data-testid=loss-chart] canvas";
    await frame.locator(chart).first().waitFor({ timeout: 30_000 });

    // Points stream in: the chart's pixels change while the run is running.
    const first = await chartSignature(frame, chart);
    await waitFor(async () => (await chartSignature(frame, chart)) !== first, 60_000, "the loss chart changes");
    assert.ok((await canvasColours(frame, chart)) >= 3, "the loss chart is not blank");
    await editor.screenshot("dashboard-running");

    await frame.locator("[data-testid=pause]").first().click();
    await waitForState(frame, /paused/i, 30_000);
    const paused = await chartSignature(frame, chart);
    await editor.page.waitForTimeout(2000);
    assert.equal(await chartSignature(frame, chart), paused, "no new points while paused");
    await editor.screenshot("dashboard-paused");

    await editor.runCommand("LM Lab: Resume Training");
    await waitForState(frame, /running/i, 30_000);

    await frame.locator("[data-testid=stop]").first().click();
    await waitForState(frame, /stopped|finished/i, 60_000);
    await editor.screenshot("dashboard-stopped");
});

test("Train Model on Selection starts a run that the Stop command ends", async () => {
    await editor.openFile("shakespeare.txt");
    await editor.gotoLine(1);
    await editor.page.keyboard.press("Control+A");
    await editor.runCommand("LM Lab: Train Model on Selection");
    const frame = await editor.frameWith("[data-testid=dashboard] [data-testid=run-state]", 60_000);
    await waitForState(frame, /running/i, 120_000);
    await editor.runCommand("LM Lab: Pause Training");
    await waitForState(frame, /paused/i, 30_000);
    await editor.runCommand("LM Lab: Stop Training");
    await waitForState(frame, /stopped|finished/i, 60_000);
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
    await waitFor(async () => pattern.test(await state.innerText()), timeoutMs, `run state ${pattern}`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A cheap fingerprint of a canvas's pixels. */
async function chartSignature(frame: Frame, selector: string): Promise<string> {
    return frame.locator(selector).first().evaluate((node) => {
        const canvas = node as HTMLCanvasElement;
        const url = canvas.toDataURL();
        let hash = 0;
        for (let i = 0; i < url.length; i++) hash = (hash * 31 + url.charCodeAt(i)) | 0;
        return `${url.length}:${hash}`;
    });
}
