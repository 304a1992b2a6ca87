// Real-editor tests of the model commands: Load Model… on a corrupt safetensors file gives the
// engine's message naming the file; Export Model… writes a Hugging Face folder that Load Model…
// then loads; the shipped default model can be loaded back.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { defaultModel, testModel } from "./support/cli";
import { launchEditor, screenshotAfterEach, type Editor } from "./support/editor";

let editor: Editor;

before(async () => {
    editor = await launchEditor({
        settings: { "lmLab.engine.threads": 1 },
        prepareWorkspace: (dir) => {
            // A model folder whose weights are garbage: a header length far past the file's end.
            const broken = join(dir, "broken-model");
            mkdirSync(broken);
            for (const name of ["config.json", "tokenizer.json"]) {
                copyFileSync(join(testModel(), name), join(broken, name));
            }
            const bytes = Buffer.alloc(64, 0x41);
            bytes.writeBigUInt64LE(1n << 40n, 0);
            writeFileSync(join(broken, "model.safetensors"), bytes);
        },
    });
});

after(async () => {
    await editor?.close();
});

screenshotAfterEach("models", () => editor);

test("Load Model… on a corrupt safetensors file names the file", async () => {
    await loadModelFolder(join(editor.workspace, "broken-model"));
    const message = await editor.notification(/model\.safetensors|broken-model/, 60_000);
    await editor.screenshot("corrupt-model");
    assert.match(message, /broken-model/);
    assert.match(message, /safetensors|header|corrupt|truncated|length/i);
    await editor.clearNotifications();
});

test("Export Model… writes a Hugging Face folder that Load Model… loads", async () => {
    const out = join(editor.workspace, "exported-model");
    await editor.runCommand("LM Lab: Export Model…");
    await pickItem("Hugging Face folder");
    await typeDialogPath(out);
    await editor.notification(/exported/i, 120_000);
    for (const name of ["model.safetensors", "config.json", "tokenizer.json"]) {
        assert.ok(existsSync(join(out, name)), `${name} exported`);
    }
    await editor.clearNotifications();

    await loadModelFolder(out);
    const message = await editor.notification(/loaded/i, 60_000);
    await editor.screenshot("load-exported");
    assert.match(message, /layers/);
    await editor.clearNotifications();
});

test("Load Model… can switch back to the shipped default model", async (t) => {
    if (!existsSync(join(defaultModel, "config.json"))) {
        t.skip("this checkout ships no models/default");
        return;
    }
    await editor.runCommand("LM Lab: Load Model…");
    await pickItem("Shipped default model");
    const message = await editor.notification(/loaded/i, 60_000);
    assert.match(message, /layers/);
});

// ---------------------------------------------------------------------------------------------
// Helpers

async function loadModelFolder(folder: string): Promise<void> {
    await editor.runCommand("LM Lab: Load Model…");
    await pickItem("Model folder…");
    await typeDialogPath(folder);
}

/** Picks an entry of the open quick pick by its label. */
async function pickItem(label: string): Promise<void> {
    const row = editor.page.locator(".quick-input-widget .monaco-list-row", { hasText: label });
    await row.first().click({ timeout: 15_000 });
}

/**
 * Answers VS Code's file dialog. In code-server it is the simple dialog, a quick input holding
 * a path: type the path and accept with the dialog's OK button (Enter would open a folder).
 */
async function typeDialogPath(path: string): Promise<void> {
    const { page } = editor;
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    await input.fill(path);
    await page.waitForTimeout(500);
    const ok = page.locator(".quick-input-widget .quick-input-action a, .quick-input-widget .monaco-button", {
        hasText: /OK|Load Model|Export|Save/,
    });
    if (await ok.first().isVisible().catch(() => false)) await ok.first().click();
    else await page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden", timeout: 15_000 });
}
