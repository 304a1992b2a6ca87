// Real-editor checks that need no model work: LM Lab's commands are all in the palette under their
// titles, the logs command shows the output channel, and the engine can be restarted.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchEditor, type Editor } from "./support/editor";

/** Every command LM Lab contributes, as the palette shows it. */
export const commandTitles = [
    "Analyze Selection",
    "Show Attention",
    "Train Model on Current File",
    "Train Model on Selection",
    "Train Model on Workspace Files…",
    "Pause Training",
    "Resume Training",
    "Stop Training",
    "Open Training Dashboard",
    "Load Model…",
    "Generate at Cursor",
    "Export Model…",
    "Show Logs",
    "Toggle Probability Decorations",
    "Restart Engine",
].map((title) => `LM Lab: ${title}`);

let editor: Editor;

before(async () => {
    editor = await launchEditor();
});

after(async () => {
    await editor?.close();
});

test("the palette lists every LM Lab command", async () => {
    const { page } = editor;
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.fill(">LM Lab: ");
    const labels = page.locator(".quick-input-widget .monaco-list-row .label-name");
    await labels.first().waitFor();
    // The list is virtualised; 15 rows fit in the palette at this window size.
    await page.waitForTimeout(300);
    const shown = new Set((await labels.allInnerTexts()).map((text) => text.trim()));
    await editor.screenshot("command-palette");
    await page.keyboard.press("Escape");
    const missing = commandTitles.filter((title) => !shown.has(title));
    assert.deepEqual(missing, [], `missing from the palette; shown: ${[...shown].join(" | ")}`);
});

test("Show Logs opens the LM Lab output channel", async () => {
    await editor.runCommand("LM Lab: Show Logs");
    const { page } = editor;
    const panel = page.locator(".part.panel .output-view, .part.panel [id='workbench.panel.output']");
    await panel.first().waitFor({ timeout: 15_000 });
    // The channel picker names the channel on show.
    const picker = page.locator(".part.panel .monaco-select-box, .part.panel select").first();
    const channel = await picker.evaluate((node) => {
        const select = node as HTMLSelectElement;
        return select.options?.[select.selectedIndex]?.text ?? node.textContent ?? "";
    });
    await editor.screenshot("logs");
    assert.match(channel, /LM Lab/);
    // The log records the extension version on activation.
    const text = await page.locator(".part.panel .view-lines").first().innerText();
    assert.match(text, /LM Lab|lm-lab/i);
});

test("Restart Engine reports the restarted engine", async () => {
    await editor.runCommand("LM Lab: Restart Engine");
    const message = await editor.notification(/engine/i, 60_000);
    await editor.screenshot("restart-engine");
    assert.match(message, /restart|started|running/i);
});
