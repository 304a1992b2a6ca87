// Produces the README's screenshots from a real editor session: code-server on 127.0.0.1 with
// LM Lab and test/sample-workspace, driven by Chromium through the real-editor test helpers. Writes
// 1600x1000 PNGs into media/screenshots/ and stops code-server (its process group) on any outcome.
// Usage: node scripts/screenshots.mjs [--only name,name]   (names as below, without .png)
import { spawnSync } from "node:child_process";
import {
    copyFileSync,
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    statSync,
    writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { tsImport } from "tsx/esm/api";
import { repoRoot } from "./provision.mjs";

const outDir = join(repoRoot, "media", "screenshots");
/** Shared read-only material (the Tiny Shakespeare corpus), beside the checkout by default. */
const sharedDir = process.env.LM_LAB_SHARED ?? resolve(repoRoot, "..", "shared");
const viewport = { width: 1600, height: 1000 };
/** The README embeds these; larger files bloat the repository and the extension page. */
const maxBytes = 250 * 1024;

const onlyArg = process.argv.indexOf("--only");
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(",")) : undefined;
const wanted = (name) => !only || only.has(name);

async function main() {
    buildIfStale();
    mkdirSync(outDir, { recursive: true });
    const { launchEditor } = await tsImport("../test/e2e/support/editor.ts", import.meta.url);
    const editor = await launchEditor({
        settings: {
            "lmLab.engine.threads": 1,
            "editor.fontSize": 15,
            "editor.minimap.enabled": false,
            "workbench.layoutControl.enabled": false,
            "window.menuBarVisibility": "compact",
        },
    });
    const shots = new Shots(editor);
    try {
        await editor.page.setViewportSize(viewport);
        await editor.page.waitForTimeout(1000);
        await editor.openFile("shakespeare.txt");
        const steps = [
            ["decorations", decorations],
            ["token-panel", tokenPanel],
            ["hover", hover],
            ["attention", attention],
            ["dashboard-running", dashboard],
            ["corrupt-model", corruptModel],
        ];
        for (const [name, step] of steps) {
            // The dashboard step also takes dashboard-compare; attention also its head view.
            const names = name === "attention" ? [name, "attention-headview"] : [name];
            if (name === "dashboard-running") names.push("dashboard-compare");
            if (!names.some(wanted)) continue;
            process.stdout.write(`--- ${name}\n`);
            try {
                await withTimeout(step(editor, shots), 300_000, name);
            } catch (err) {
                // A picture of what the editor showed, outside media/ so it is never committed.
                const debug = join(repoRoot, "test-results", "screenshots", `failed-${name}.png`);
                mkdirSync(join(repoRoot, "test-results", "screenshots"), { recursive: true });
                await editor.page.screenshot({ path: debug }).catch(() => undefined);
                throw err;
            }
        }
    } finally {
        await editor.close();
    }
    shots.report();
}

// ---------------------------------------------------------------------------------------------
// Steps: each starts from shakespeare.txt open in a single editor group.

async function decorations(editor, shots) {
    await editor.runCommand("View: Close All Editor Groups");
    await editor.openFile("shakespeare.txt");
    await editor.gotoLine(1);
    await editor.runCommand("LM Lab: Toggle Probability Decorations");
    // Decorations with a background render as overlays, those with a text colour as inline spans.
    const decorated = editor.page.locator(
        ".monaco-editor .view-overlays [class*='ced-'], .monaco-editor .view-line span[class*='ced-']",
    );
    await waitUntil(async () => (await decorated.count()) > 20, 90_000, "decorated tokens");
    await editor.page.waitForTimeout(800);
    await shots.take("decorations");
    await editor.runCommand("LM Lab: Toggle Probability Decorations");
    await waitUntil(async () => (await decorated.count()) === 0, 20_000, "decorations cleared");
}

async function tokenPanel(editor, shots) {
    const { page } = editor;
    await editor.runCommand("View: Close All Editor Groups");
    await editor.openFile("shakespeare.txt");
    // Lines 1-5: a speaker, a line of verse, a reply.
    await editor.gotoLine(1);
    for (let i = 0; i < 5; i++) await page.keyboard.press("Shift+ArrowDown");
    await editor.runCommand("LM Lab: Analyze Selection");
    const frame = await editor.frameWith("[data-testid=token-panel] [data-testid=token]", 90_000);
    // A token where the model hesitates: the "p" of "proceed", the first letter of a word.
    const index = await frame.locator("[data-testid=token]").evaluateAll((nodes) => {
        const text = nodes.map((n) => n.textContent ?? "").join("");
        const at = text.indexOf("proceed");
        let offset = 0;
        for (const [i, node] of nodes.entries()) {
            if (offset >= at) return i;
            offset += (node.textContent ?? "").length;
        }
        return Math.floor(nodes.length / 2);
    });
    await frame.locator("[data-testid=token]").nth(index).click();
    await frame.locator("[data-testid=alternatives]").first().waitFor({ timeout: 20_000 });
    await parkMouse(page);
    await page.waitForTimeout(800);
    await shots.take("token-panel");
}

async function hover(editor, shots) {
    const { page } = editor;
    await editor.runCommand("View: Close All Editor Groups");
    await editor.openFile("shakespeare.txt");
    await editor.gotoLine(1);
    const point = await textPoint(page, "You are all resolved rather", "resolved".length / 2 + 12);
    const box = page.locator(".monaco-hover:not(.hidden)", { hasText: "Next token" }).first();
    // Hovers open after small moves with pauses, not after one jump.
    let x = point.x - 6;
    await page.mouse.move(x, point.y);
    await waitUntil(
        async () => {
            x += 1;
            await page.mouse.move(x, point.y);
            await page.waitForTimeout(250);
            return box.isVisible();
        },
        40_000,
        "the next-token hover",
    );
    await page.waitForTimeout(800);
    await shots.take("hover");
    await parkMouse(page);
    await page.keyboard.press("Escape");
}

async function attention(editor, shots) {
    const { page } = editor;
    await editor.runCommand("View: Close All Editor Groups");
    await editor.openFile("shakespeare.txt");
    // Lines 7-8: "First Citizen:" and its question, 65 characters.
    await editor.gotoLine(7);
    await page.keyboard.press("Shift+ArrowDown");
    await page.keyboard.press("Shift+End");
    await editor.runCommand("LM Lab: Show Attention");
    const frame = await editor.frameWith("[data-testid=attention-heatmap]", 90_000);
    const grid = frame.locator("[data-testid=attention-grid]").first();
    await grid.waitFor({ timeout: 30_000 });
    // The side bar away and the panel's group wider, so the heads and the heatmap sit side by side.
    await editor.runCommand("View: Toggle Primary Side Bar Visibility");
    await page.waitForTimeout(1000);
    await dragSash(page, ".part.editor", await groupEdge(page), 560);
    await page.waitForTimeout(1000);
    await selectHead(page, frame, 3, Number(process.env.LM_LAB_SHOT_HEAD ?? 2));
    const heatmap = frame.locator("[data-testid=attention-heatmap]").first();
    const cellPoint = async (q, k) => {
        const box = await heatmap.boundingBox();
        const d = await heatmap.evaluate((el) => ({ ...el.dataset }));
        const cell = Number(d.cell);
        return {
            x: box.x + Number(d.left) + (k + 0.5) * cell,
            y: box.y + Number(d.top) + (q + 0.5) * cell,
        };
    };
    const n = Number(await heatmap.getAttribute("data-n"));
    // Point at the strongest off-diagonal weight of a query late in the text, read from the tip.
    const query = Math.floor(n * 0.7);
    const tip = frame.locator("[data-testid=attention-tooltip]");
    let best = { key: 0, weight: -1 };
    for (let key = 0; key < query; key++) {
        const point = await cellPoint(query, key);
        await page.mouse.move(point.x, point.y);
        const weight = Number(await tip.getAttribute("data-value"));
        if (weight > best.weight) best = { key, weight };
    }
    const target = await cellPoint(query, best.key);
    await page.mouse.move(target.x - 3, target.y - 3);
    await page.mouse.move(target.x, target.y, { steps: 3 });
    await waitUntil(async () => (await tip.getAttribute("hidden")) === null, 10_000, "the tooltip");
    await page.waitForTimeout(500);
    await shots.take("attention");

    if (wanted("attention-headview")) {
        // The head view draws a row per token at a readable height, so it gets line 8 alone
        // (50 tokens), which fits the pane without scrolling.
        await editor.runCommand("View: Focus First Editor Group");
        await editor.selectLine(8);
        await editor.runCommand("LM Lab: Show Attention");
        await waitUntil(
            async () => Number(await heatmap.getAttribute("data-n")) === 50,
            60_000,
            "attention of line 8",
        );
        await selectHead(page, frame, 3, Number(process.env.LM_LAB_SHOT_HEAD ?? 2));
        await frame.locator("[data-testid=view-headview]").first().click();
        const headView = frame.locator("[data-testid=attention-headview]").first();
        await waitUntil(
            async () => (await headView.getAttribute("data-row")) !== null,
            10_000,
            "head view",
        );
        await page.waitForTimeout(500);
        const box = await headView.boundingBox();
        const d = await headView.evaluate((el) => ({ ...el.dataset }));
        // The query "m" of "famish": its lines reach back across the sentence.
        const y = box.y + Number(d.top) + (50 - 4 + 0.5) * Number(d.row);
        await page.mouse.move(box.x + Number(d.queryX) - 4, y);
        await page.mouse.move(box.x + Number(d.queryX), y, { steps: 3 });
        await page.waitForTimeout(800);
        await shots.take("attention-headview");
        await frame.locator("[data-testid=view-heatmap]").first().click();
    }
    await parkMouse(page);
    await editor.runCommand("View: Toggle Primary Side Bar Visibility");
    await editor.runCommand("View: Reset Editor Group Sizes");
}

async function dashboard(editor, shots) {
    const { page } = editor;
    await editor.runCommand("View: Close All Editor Groups");
    // The sample's 1,000 characters are learnt by heart in seconds and the validation loss then
    // climbs; the same file grown to 300 KB of Tiny Shakespeare (it starts with the same lines)
    // gives curves like a real run. Only the temporary workspace copy is changed.
    const corpus = join(sharedDir, "data", "tinyshakespeare.txt");
    if (existsSync(corpus)) {
        const text = readFileSync(corpus, "utf8").slice(0, 300_000);
        writeFileSync(join(editor.workspace, "shakespeare.txt"), text);
    }
    await editor.openFile("shakespeare.txt");
    await editor.runCommand("LM Lab: Open Training Dashboard");
    const frame = await editor.frameWith("[data-testid=dashboard]", 60_000);
    await widenSideBar(page, 650);
    // The Models & Runs view folded, so the dashboard has the side bar's whole height.
    await page.locator(".pane-header", { hasText: /Models & Runs/i }).first().click();
    await page.waitForTimeout(800);

    // Run A: the command with the form's defaults, long enough for a trend, then stopped.
    await editor.runCommand("LM Lab: Train Model on Current File");
    const state = frame.locator("[data-testid=run-state]").first();
    await waitUntil(async () => /running/i.test(await state.innerText()), 120_000, "run A");
    const runA = await frame.locator("[data-testid=run-title]").first().innerText();
    await waitUntil(async () => /finished/i.test(await state.innerText()), 60_000, "run A", true);
    if (/running|paused/i.test(await state.innerText())) {
        await editor.runCommand("LM Lab: Stop Training");
        await waitUntil(async () => /stopped/i.test(await state.innerText()), 60_000, "run A stop");
    }

    // Run B from the form: a higher learning rate and more iterations, so it is still running
    // after a minute of curves.
    await frame.locator("[data-testid=new-run]").evaluate((el) => (el.open = true));
    await setField(frame, "lr", "0.003");
    await setField(frame, "max_iters", "20000");
    await frame.locator("[data-testid=start]").first().click();
    const title = frame.locator("[data-testid=run-title]").first();
    await waitUntil(async () => (await title.innerText()) !== runA, 60_000, "run B");
    await waitUntil(async () => /running/i.test(await state.innerText()), 120_000, "run B running");
    await page.waitForTimeout(Number(process.env.LM_LAB_SHOT_TRAIN_MS ?? 45_000));
    await frame.locator("[data-testid=new-run]").evaluate((el) => (el.open = false));
    await scrollTo(frame, "[data-testid=run-status]");
    await parkMouse(page);
    await page.waitForTimeout(1000);
    await shots.take("dashboard-running");

    // Both runs overlaid: tick run A's compare box, then show the charts and the table.
    const rowA = frame.locator("[data-testid=run-row]").nth(1);
    // The table is redrawn with every metrics batch, so the click happens inside the page.
    await rowA.locator("input[type=checkbox]").evaluate((box) => box.click());
    await page.waitForTimeout(2500);
    await frame
        .locator("[data-testid=hparams]")
        .evaluate((el) => el.scrollIntoView({ block: "end" }));
    await page.waitForTimeout(800);
    await shots.take("dashboard-compare");

    if (/running|paused/i.test(await state.innerText())) {
        await editor.runCommand("LM Lab: Stop Training");
        await waitUntil(async () => /stopped/i.test(await state.innerText()), 60_000, "run B stop");
    }
    await page.locator(".pane-header", { hasText: /Models & Runs/i }).first().click();
    await editor.runCommand("View: Show Explorer");
    await widenSideBar(page, 300);
}

async function corruptModel(editor, shots) {
    const { page } = editor;
    await editor.runCommand("View: Close All Editor Groups");
    await editor.openFile("shakespeare.txt");
    // A model folder whose weights file declares a header far past its end.
    const broken = join(editor.workspace, "broken-model");
    mkdirSync(broken, { recursive: true });
    const model = join(repoRoot, "models", "default");
    for (const name of ["config.json", "tokenizer.json"]) {
        copyFileSync(join(model, name), join(broken, name));
    }
    const bytes = Buffer.alloc(64, 0x41);
    bytes.writeBigUInt64LE(1n << 40n, 0);
    writeFileSync(join(broken, "model.safetensors"), bytes);

    await editor.gotoLine(1);
    await editor.clearNotifications();
    await editor.runCommand("LM Lab: Load Model…");
    const widget = page.locator(".quick-input-widget");
    await widget.locator(".monaco-list-row", { hasText: "Model folder…" }).first().click();
    const input = widget.locator("input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    // The simple file dialog fills in its start folder first; typing earlier is overwritten.
    await page.waitForTimeout(800);
    await input.fill(`${broken}/`);
    const rows = widget.locator(".monaco-list-row");
    await waitUntil(
        async () => (await rows.allInnerTexts()).some((t) => t.trim() === ".."),
        10_000,
        "the dialog inside broken-model",
    );
    await page.waitForTimeout(500);
    await widget.locator(".monaco-button.monaco-text-button", { hasText: /\S/ }).first().click();
    await editor.notification(/broken-model/, 60_000);
    await parkMouse(page);
    await page.waitForTimeout(800);
    await shots.take("corrupt-model");
    await editor.clearNotifications();
}

// ---------------------------------------------------------------------------------------------
// Helpers

class Shots {
    constructor(editor) {
        this.editor = editor;
        this.taken = [];
    }

    /** Saves the whole 1600x1000 workbench as media/screenshots/<name>.png. */
    async take(name) {
        if (!wanted(name) && name !== "dashboard-compare") return;
        const path = join(outDir, `${name}.png`);
        await this.editor.page.screenshot({ path, animations: "disabled" });
        shrinkIfLarge(path);
        this.taken.push(path);
        process.stdout.write(`saved ${path} (${Math.round(statSync(path).size / 1024)} KB)\n`);
    }

    report() {
        const large = this.taken.filter((path) => statSync(path).size > maxBytes);
        for (const path of large) {
            process.stderr.write(`warning: ${path} is over ${maxBytes / 1024} KB\n`);
        }
        process.stdout.write(`${this.taken.length} screenshots in ${outDir}\n`);
    }
}

/** Re-encodes a PNG over the size budget with a 256-colour palette, if ImageMagick is here. */
function shrinkIfLarge(path) {
    if (statSync(path).size <= maxBytes) return;
    const tool = ["/usr/bin/convert", "/usr/local/bin/convert"].find((p) => existsSync(p));
    if (!tool) return;
    const result = spawnSync(tool, [path, "-dither", "None", "-colors", "256", `PNG8:${path}`]);
    if (result.status !== 0) {
        process.stderr.write(`convert failed on ${path}: ${result.stderr}\n`);
    }
}

/** The page position of character `offset` of the first editor line containing `text`. */
async function textPoint(page, text, offset) {
    const point = await page.evaluate(
        ([needle, at]) => {
            for (const line of document.querySelectorAll(".monaco-editor .view-line")) {
                const start = (line.textContent ?? "").replace(/\u00a0/g, " ").indexOf(needle);
                if (start < 0) continue;
                let remaining = start + at;
                const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const length = node.textContent?.length ?? 0;
                    if (remaining < length) {
                        const range = document.createRange();
                        range.setStart(node, Math.floor(remaining));
                        range.setEnd(node, Math.floor(remaining) + 1);
                        const rect = range.getBoundingClientRect();
                        return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
                    }
                    remaining -= length;
                }
            }
            return undefined;
        },
        [text, offset],
    );
    if (!point) throw new Error(`no editor line shows ${JSON.stringify(text)}`);
    return point;
}

/** Clicks a head's thumbnail in the attention grid and waits for its heatmap. */
async function selectHead(page, frame, layer, head) {
    const grid = frame.locator("[data-testid=attention-grid]").first();
    const nHead = 4;
    // The grid's layout (scripts mirror webview/attention/geometry.ts): 28 px of layer labels
    // on the left, 16 px of head labels on top, square thumbnails with 8 px gaps and a caption.
    const box = await grid.boundingBox();
    const cell = (box.width - 28) / nHead - 8;
    const x = box.x + 28 + head * (cell + 8) + cell / 2;
    const y = box.y + 16 + layer * (cell + 8 + 13) + cell / 2;
    await page.mouse.click(x, y);
    const heatmap = frame.locator("[data-testid=attention-heatmap]").first();
    await waitUntil(
        async () =>
            (await heatmap.getAttribute("data-layer")) === String(layer) &&
            (await heatmap.getAttribute("data-head")) === String(head),
        20_000,
        `layer ${layer} head ${head}`,
    );
    await page.waitForTimeout(800);
}

/** Drags the sash on the side bar's right edge until the side bar is `width` pixels wide. */
async function widenSideBar(page, width) {
    const sideBar = await page.locator("#workbench\\.parts\\.sidebar").boundingBox();
    if (!sideBar) throw new Error("the side bar is not visible");
    await dragSash(page, ".monaco-workbench", sideBar.x + sideBar.width, sideBar.x + width);
}

/** The x of the boundary between the first two editor groups. */
async function groupEdge(page) {
    const first = await page.locator(".part.editor .editor-group-container").first().boundingBox();
    if (!first) throw new Error("no editor group is visible");
    return first.x + first.width;
}

/** Drags the tall vertical sash inside `scope` that lies at x = `from` over to x = `to`. */
async function dragSash(page, scope, from, to) {
    let handle;
    for (const sash of await page.locator(`${scope} .monaco-sash.vertical`).all()) {
        const box = await sash.boundingBox();
        if (box && Math.abs(box.x + box.width / 2 - from) <= 4 && box.height > 200) {
            handle = box;
            break;
        }
    }
    if (!handle) throw new Error(`no sash at x = ${from} in ${scope}`);
    const x = handle.x + handle.width / 2;
    const y = handle.y + handle.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(to, y, { steps: 12 });
    await page.mouse.up();
    await page.waitForTimeout(800);
}

/** Rests the mouse on empty editor space, where it opens no hover or tooltip. */
async function parkMouse(page) {
    await page.mouse.move(Math.round(viewport.width * 0.42), viewport.height - 70);
}

async function setField(frame, key, value) {
    const input = frame.locator(`[data-testid=field-${key}] input`).first();
    await input.fill(value);
}

async function scrollTo(frame, selector) {
    await frame
        .locator(selector)
        .first()
        .evaluate((el) => el.scrollIntoView({ block: "start" }));
}

/** Polls `check` until it holds; throws after `timeoutMs` unless `lenient`. */
async function waitUntil(check, timeoutMs, what, lenient = false) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 250));
    }
    if (lenient) return false;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `npm run build` unless the bundles are newer than every source file. */
function buildIfStale() {
    const bundles = ["dist/extension.js", "dist/engine.js"].map((p) => join(repoRoot, p));
    const built = Math.min(...bundles.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
    const sources = ["src", "webview", "package.json"].map((p) => newest(join(repoRoot, p)));
    if (built > Math.max(...sources)) return;
    process.stdout.write("Building LM Lab (npm run build)...\n");
    const result = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}

function newest(path) {
    if (!existsSync(path)) return 0;
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

main().catch((err) => {
    // tsx inlines the helper module as a data: URL in stack frames; keep the trace readable.
    const trace = String(err.stack ?? err).replace(/data:text\/javascript,[^\s)]+/g, "<module>");
    process.stderr.write(`screenshots: ${trace}\n`);
    process.exitCode = 1;
});
