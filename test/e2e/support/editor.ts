// Drives a real VS Code workbench (code-server on 127.0.0.1) with Debian's Chromium through
// playwright-core: palette commands, editor selections, hovers, webview frames, notifications and
// screenshots. Each test file launches one editor on a fresh copy of the sample workspace.

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "node:test";
import { pathToFileURL } from "node:url";
import {
    chromium,
    type BrowserContext,
    type Frame,
    type Locator,
    type Page,
} from "playwright-core";
import { repoRoot } from "../../support/paths";
import { defaultModel, testModel } from "./cli";

export const screenshotDir = join(repoRoot, "test-results", "screenshots");

export interface Editor {
    page: Page;
    /** The copy of test/sample-workspace the editor has open. */
    workspace: string;
    /** Runs a command from the palette by its full title, e.g. "LM Lab: Analyze Selection". */
    runCommand(title: string): Promise<void>;
    /** Opens the palette on `title` and returns its row (the palette stays open). */
    findCommand(title: string, timeoutMs?: number): Promise<Locator>;
    /** Opens a workspace file by its relative path and waits for its editor tab. */
    openFile(relativePath: string): Promise<void>;
    /** Selects whole line `line` (1-based) of the active editor. */
    selectLine(line: number): Promise<void>;
    /** Puts the cursor at the start of line `line` with nothing selected. */
    gotoLine(line: number): Promise<void>;
    /** Waits for a frame (any webview) holding `selector` and returns it. */
    frameWith(selector: string, timeoutMs?: number): Promise<Frame>;
    /** Waits for a notification whose text matches, returns its text. */
    notification(pattern: RegExp, timeoutMs?: number): Promise<string>;
    clearNotifications(): Promise<void>;
    screenshot(name: string): Promise<string>;
    close(): Promise<void>;
}

export interface LaunchOptions {
    /** Extra user settings (merged over the defaults of scripts/codeServer.mjs). */
    settings?: Record<string, unknown>;
    /** Called with the workspace copy before the editor opens it. */
    prepareWorkspace?: (dir: string) => void;
}

/** Starts code-server on a copy of the sample workspace and opens it in Chromium. */
export async function launchEditor(options: LaunchOptions = {}): Promise<Editor> {
    const provisionModule = (await import(moduleUrl("provision.mjs"))) as ProvisionModule;
    const codeServerModule = (await import(moduleUrl("codeServer.mjs"))) as CodeServerModule;
    const { chromiumPath } = provisionModule.provision();

    const stateDir = mkdtempSync(join(tmpdir(), "lm-lab-e2e-"));
    const workspace = join(stateDir, "sample-workspace");
    cpSync(join(repoRoot, "test", "sample-workspace"), workspace, { recursive: true });
    options.prepareWorkspace?.(workspace);

    // Without a shipped default model the tests point the extension at their own small one.
    const model = testModel();
    const modelSetting = model === defaultModel ? {} : { "lmLab.model": model };
    const server = await codeServerModule.startCodeServer({
        folder: workspace,
        stateDir: join(stateDir, "editor"),
        userSettings: { ...modelSetting, ...options.settings },
        install: process.env.LM_LAB_E2E_INSTALL === "vsix" ? "vsix" : "link",
    });
    let context: BrowserContext | undefined;
    try {
        context = await chromium.launchPersistentContext(join(stateDir, "chromium"), {
            executablePath: chromiumPath,
            headless: true,
            viewport: { width: 1400, height: 900 },
            args: chromiumArgs,
            timeout: 30_000,
        });
        const page = context.pages()[0] ?? (await context.newPage());
        page.setDefaultTimeout(20_000);
        await page.goto(server.url, { timeout: 30_000 });
        await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
        await page.locator(".explorer-folders-view").waitFor({ timeout: 60_000 });
        // LM Lab's activity-bar entry appears once the extension's manifest is registered.
        await page
            .locator(".activitybar [aria-label^='LM Lab']")
            .first()
            .waitFor({ timeout: 60_000 });
        return makeEditor(page, workspace, async () => {
            await context
                ?.close()
                .catch((err: Error) => process.stderr.write(`chromium: ${err}\n`));
            await server.stop();
            rmSync(stateDir, { recursive: true, force: true });
        });
    } catch (err) {
        await context?.close().catch(() => undefined);
        await server.stop();
        throw err;
    }
}

/**
 * Photographs the workbench after every test of the calling file (as `<file>-after-<test>.png`),
 * so a failure leaves a picture of what the editor showed.
 */
export function screenshotAfterEach(prefix: string, current: () => Editor | undefined): void {
    afterEach(async (t) => {
        const slug = t.name
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, "")
            .slice(0, 60);
        await current()
            ?.screenshot(`${prefix}-after-${slug}`)
            .catch((err: Error) => {
                process.stderr.write(`screenshot after ${t.name} failed: ${err.message}\n`);
            });
    });
}

/** Writes `.vscode/settings.json` of a workspace copy. */
export function writeWorkspaceSettings(workspace: string, settings: Record<string, unknown>): void {
    mkdirSync(join(workspace, ".vscode"), { recursive: true });
    writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify(settings, null, 4));
}

/** Polls `check` every 250 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
    check: () => Promise<boolean>,
    timeoutMs: number,
    what: string,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Counts the distinct colours of a canvas inside `frame` (drawn through a 2D copy). */
export async function canvasColours(frame: Frame, selector: string): Promise<number> {
    return frame
        .locator(selector)
        .first()
        .evaluate((node) => {
            const source = node as HTMLCanvasElement;
            const copy = document.createElement("canvas");
            copy.width = source.width;
            copy.height = source.height;
            const ctx = copy.getContext("2d");
            if (!ctx || copy.width === 0 || copy.height === 0) return 0;
            ctx.drawImage(source, 0, 0);
            const pixels = ctx.getImageData(0, 0, copy.width, copy.height).data;
            const colours = new Set<number>();
            for (let i = 0; i < pixels.length; i += 4) {
                colours.add(
                    (pixels[i] << 24) |
                        (pixels[i + 1] << 16) |
                        (pixels[i + 2] << 8) |
                        pixels[i + 3],
                );
            }
            return colours.size;
        });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Chromium flags: no sandbox (root in CI), and every host name but loopback fails to resolve. */
const chromiumArgs = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
];

interface ProvisionModule {
    provision(): { codeServerEntry: string; chromiumPath: string };
}

interface CodeServerModule {
    startCodeServer(options: {
        folder: string;
        stateDir?: string;
        userSettings?: Record<string, unknown>;
        install?: "link" | "vsix";
    }): Promise<{ url: string; stop(): Promise<void>; logPath: string }>;
}

/** A pattern matching exactly `text` (trimmed), for label filters. */
function exactly(text: string): RegExp {
    return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
}

function moduleUrl(name: string): string {
    return pathToFileURL(join(repoRoot, "scripts", name)).href;
}

function makeEditor(page: Page, workspace: string, close: () => Promise<void>): Editor {
    const quickInput = page.locator(".quick-input-widget");
    // Escape only when a quick input is open: in the editor it would clear the selection.
    const closeQuickInput = async () => {
        if (await quickInput.isVisible()) await page.keyboard.press("Escape");
    };
    const editor: Editor = {
        page,
        workspace,

        async runCommand(title) {
            const row = await editor.findCommand(title);
            await row.click();
            // The palette closes, or a command's own quick input (a pick, a prompt) replaces it.
            const input = quickInput.locator("input");
            const deadline = Date.now() + 10_000;
            while (Date.now() < deadline) {
                if (!(await quickInput.isVisible())) return;
                if ((await input.inputValue().catch(() => "")) !== `>${title}`) return;
                await page.waitForTimeout(100);
            }
            throw new Error(`the palette did not run "${title}"`);
        },

        async findCommand(title, timeoutMs = 20_000) {
            await closeQuickInput();
            await page.keyboard.press("F1");
            const input = quickInput.locator("input");
            await input.waitFor({ state: "visible" });
            // Match the whole label, so that a command whose title extends this one is not run.
            const row = quickInput
                .locator(".monaco-list-row")
                .filter({ has: page.locator(".label-name", { hasText: exactly(title) }) })
                .first();
            // Right after start-up the palette may not list extension commands yet: type again.
            const deadline = Date.now() + timeoutMs;
            for (;;) {
                await input.fill(`>${title}`);
                try {
                    await row.waitFor({ state: "visible", timeout: 2000 });
                    return row;
                } catch (err) {
                    if (Date.now() > deadline)
                        throw new Error(`no palette entry "${title}": ${err}`);
                }
            }
        },

        async openFile(relativePath) {
            await closeQuickInput();
            await page.keyboard.press("Control+P");
            const input = quickInput.locator("input");
            await input.waitFor({ state: "visible" });
            await input.fill(relativePath);
            const name = relativePath.split("/").pop() ?? relativePath;
            await quickInput
                .locator(".monaco-list-row.focused", { hasText: name })
                .first()
                .waitFor();
            await page.keyboard.press("Enter");
            await page
                .locator(`.tab.active[data-resource-name="${name}"]`)
                .waitFor({ timeout: 15_000 });
            await page.locator(".monaco-editor .view-lines").first().waitFor();
        },

        async gotoLine(line) {
            await page.keyboard.press("Control+G");
            const input = quickInput.locator("input");
            await input.waitFor({ state: "visible" });
            await input.fill(`:${line}`);
            await page.keyboard.press("Enter");
            await quickInput.waitFor({ state: "hidden" });
            await page.keyboard.press("Home");
            await page.keyboard.press("Home");
        },

        async selectLine(line) {
            await editor.gotoLine(line);
            await page.keyboard.press("Shift+End");
        },

        async frameWith(selector, timeoutMs = 30_000) {
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
                for (const frame of page.frames()) {
                    const count = await frame
                        .locator(selector)
                        .count()
                        .catch(() => 0);
                    if (count > 0) return frame;
                }
                await page.waitForTimeout(250);
            }
            throw new Error(`no webview shows ${selector} within ${timeoutMs} ms`);
        },

        async notification(pattern, timeoutMs = 30_000) {
            const messages = page.locator(".notifications-toasts .notification-list-item-message");
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
                for (const text of await messages.allInnerTexts()) {
                    if (!pattern.test(text)) continue;
                    // Toasts fade in; let it settle so a screenshot shows it.
                    await page.waitForTimeout(600);
                    return text;
                }
                await page.waitForTimeout(250);
            }
            const seen = await messages.allInnerTexts();
            throw new Error(
                `no notification matching ${pattern} within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`,
            );
        },

        async clearNotifications() {
            await editor.runCommand("Notifications: Clear All Notifications");
        },

        async screenshot(name) {
            mkdirSync(screenshotDir, { recursive: true });
            const path = join(screenshotDir, `${name}.png`);
            await page.screenshot({ path });
            return path;
        },

        close,
    };
    return editor;
}
