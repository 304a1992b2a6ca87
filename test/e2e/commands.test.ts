// Real-editor checks that need no model work: LM Lab's commands are all in the palette under their
// titles, the logs command shows the output channel, and the engine can be restarted.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchEditor, screenshotAfterEach, type Editor } from "./support/editor";

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

screenshotAfterEach("commands", () => editor);

test("the palette lists every LM Lab command under its title", async () => {
    const missing: string[] = [];
    for (const title of commandTitles) {
        try {
            await editor.findCommand(title, missing.length > 0 ? 3000 : 20_000);
        } catch {
            missing.push(title);
        }
        if (title === commandTitles[0]) await editor.screenshot("command-palette");
    }
    await editor.page.keyboard.press("Escape");
    assert.deepEqual(missing, []);
});

test("Show Logs opens the LM Lab output channel with the activation record", async () => {
    await editor.runCommand("LM Lab: Show Logs");
    const text = await outputText(/activated in/);
    await editor.screenshot("logs");
    assert.match(text, /LM Lab \d+\.\d+\.\d+ activating/);
    assert.match(text, /effective configuration/);
});

test("Restart Engine starts a new engine process", async () => {
    await editor.runCommand("LM Lab: Restart Engine");
    await editor.runCommand("LM Lab: Show Logs");
    const text = await outputText(/engine restart requested[\s\S]*engine ready: /);
    await editor.screenshot("restart-engine");
    const after = text.slice(text.lastIndexOf("engine restart requested"));
    const started = /engine started: [\s\S]*?\(pid (\d+)\)/.exec(after);
    const ready = /engine ready: [\s\S]*?"pid":\s*(\d+)/.exec(after);
    assert.ok(started && ready, "a process started and answered its initialize request");
    assert.equal(ready[1], started[1], "the engine that answered is the one started");
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** Waits until the visible output channel's text matches `pattern` and returns that text. */
async function outputText(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const lines = editor.page.locator(".part.panel .monaco-editor .view-lines").first();
    await lines.waitFor({ timeout: 15_000 });
    const deadline = Date.now() + timeoutMs;
    let text = "";
    while (Date.now() < deadline) {
        // Monaco renders spaces as no-break spaces; long lines wrap.
        text = (await lines.innerText()).replace(/\u00a0/g, " ");
        if (pattern.test(text)) return text;
        await editor.page.waitForTimeout(500);
    }
    throw new Error(`output panel never matched ${pattern}; it shows:\n${text}`);
}
