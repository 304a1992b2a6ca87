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
    const message = await editor.notification(/failed|error|cannot|invalid/i, 60_000);
    await editor.screenshot("corrupt-model");
    assert.match(message, /broken-model/);
    assert.match(message, /safetensors|header|corrupt|truncated|length/i);
    await editor.clearNotifications();
});

test("Export Model… writes a Hugging Face folder that Load Model… loads", async () => {
    const out = join(editor.workspace, "hf-copy");
    await editor.runCommand("LM Lab: Export Model…");
    await pickItem("Hugging Face folder");
    await typeDialogPath(out, "new");
    await editor.notification(/exported to/i, 120_000);
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
    await typeDialogPath(folder, "folder");
}

/** Picks an entry of the open quick pick by its label. */
async function pickItem(label: string): Promise<void> {
    const row = editor.page.locator(".quick-input-widget .monaco-list-row", { hasText: label });
    await row.first().click({ timeout: 15_000 });
}

/**
 * Answers VS Code's file dialog. In code-server it is the simple dialog, a quick input holding a
 * path. An existing folder is typed with a trailing slash, so the dialog navigates into it (its
 * list then starts with ".."); then the dialog's accept button (its label is the command's, e.g.
 * "Load Model" or "Export") takes the typed path.
 */
async function typeDialogPath(path: string, kind: "folder" | "new"): Promise<void> {
    const { page } = editor;
    const widget = page.locator(".quick-input-widget");
    const input = widget.locator("input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    // The dialog first fills in its default folder; typing before that gets overwritten.
    await page.waitForTimeout(500);
    await input.fill(kind === "folder" ? `${path}/` : path);
    if (kind === "folder") {
        // In folder mode the list then shows ".." and the folder's subfolders, if any.
        const rows = widget.locator(".monaco-list-row");
        const deadline = Date.now() + 10_000;
        while (
            !(await rows.allInnerTexts()).some((t) => t.trim() === "..") &&
            Date.now() < deadline
        ) {
            await page.waitForTimeout(250);
        }
    }
    await page.waitForTimeout(500);
    assert.equal(
        await input.inputValue(),
        kind === "folder" ? `${path}/` : path,
        "the dialog kept the typed path",
    );
    await widget.locator(".monaco-button.monaco-text-button", { hasText: /\S/ }).first().click();
    await input.waitFor({ state: "hidden", timeout: 15_000 });
}
