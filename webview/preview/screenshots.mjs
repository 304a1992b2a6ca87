// Renders each built webview (dist/webview) in headless Chromium with fake data and a VS Code
// dark or light theme's variables, and saves PNG screenshots, to check the views by eye without
// an editor. Usage: node webview/preview/screenshots.mjs [outDir] [--light | --hc]
// Needs `npm run build` first, Chromium at /usr/bin/chromium (or CHROMIUM) and playwright-core.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { fakeAnalysis, fakeAttention, fakeDashboard } from "./fakeData.mjs";

const root = resolve(new URL("../..", import.meta.url).pathname);
const args = process.argv.slice(2);
const light = args.includes("--light");
const highContrast = args.includes("--hc");
const suffix = light ? "-light" : highContrast ? "-hc" : "";
const outDir = resolve(args.find((a) => !a.startsWith("--")) ?? join(tmpdir(), "lm-lab-shots"));
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "lm-lab-preview-"));
const asset = (file) => pathToFileURL(join(root, "dist", "webview", file)).href;

const theme = highContrast
    ? { bg: "#000000", side: "#000000", fg: "#ffffff", desc: "#ffffffb3", border: "#6fc3df", focus: "#f38518", badge: "#000000", btn: "#000000", input: "#000000" }
    : light
    ? { bg: "#ffffff", side: "#f3f3f3", fg: "#3b3b3b", desc: "#717171", border: "#e5e5e5", focus: "#005fb8", badge: "#cccccc", btn: "#005fb8", input: "#ffffff" }
    : { bg: "#1f1f1f", side: "#181818", fg: "#cccccc", desc: "#9d9d9d", border: "#2b2b2b", focus: "#0078d4", badge: "#616161", btn: "#0078d4", input: "#313131" };

const themeCss = `html {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: ${theme.fg}; --vscode-descriptionForeground: ${theme.desc};
  --vscode-editor-background: ${theme.bg}; --vscode-sideBar-background: ${theme.side};
  --vscode-widget-border: ${theme.border}; --vscode-panel-border: ${theme.border};
  --vscode-focusBorder: ${theme.focus}; --vscode-badge-background: ${theme.badge}; --vscode-badge-foreground: ${theme.fg};
  --vscode-button-background: ${theme.btn}; --vscode-button-foreground: #fff;
  --vscode-input-background: ${theme.input}; --vscode-input-foreground: ${theme.fg}; --vscode-settings-textInputBackground: ${theme.input};
  --vscode-dropdown-background: ${theme.input}; --vscode-dropdown-foreground: ${theme.fg}; --vscode-dropdown-border: ${theme.border};
  --vscode-errorForeground: #f85149; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616;
  --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7; --vscode-charts-red: #f14c4c;
  --vscode-progressBar-background: #0078d4; --vscode-list-activeSelectionBackground: #04395e;
  --vscode-list-activeSelectionForeground: #fff; --vscode-editorHoverWidget-background: ${theme.side};
  --vscode-editorHoverWidget-border: ${theme.border};
}`;

function page(name) {
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<style>${themeCss}</style>
<link rel="stylesheet" href="${asset("codicon.css")}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${asset(`${name}.css`)}">
<script>
window.__posted = [];
let __state;
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => __state, setState: (s) => { __state = s; } });
</script></head>
<body data-panel-id="preview"><div id="root"></div><script src="${asset(`${name}.js`)}"></script></body></html>`;
    const file = join(work, `${name}.html`);
    writeFileSync(file, html);
    return pathToFileURL(file).href;
}

const wide = { width: 1300, height: 900 };
const narrow = { width: 520, height: 900 };
const views = [
    { name: "tokens", size: { width: 900, height: 760 }, messages: fakeAnalysis(), after: async (p) => p.click('[data-testid="token"][data-index="9"]') },
    { name: "tokens-narrow", file: "tokens", size: { width: 500, height: 900 }, messages: fakeAnalysis(), after: async (p) => p.click('[data-testid="token"][data-index="12"]') },
    { name: "attention", size: wide, messages: fakeAttention(24), after: (p) => hoverAt(p, 0.55, 0.7) },
    { name: "attention-narrow", file: "attention", size: narrow, messages: fakeAttention(45), after: (p) => hoverAt(p, 0.3, 0.6) },
    { name: "attention-headview", file: "attention", size: wide, messages: fakeAttention(24), after: async (p) => {
        await p.click('[data-testid="view-headview"]');
        await hoverHeadView(p, 9);
    } },
    { name: "attention-headview-narrow", file: "attention", size: narrow, messages: fakeAttention(45), after: async (p) => p.click('[data-testid="view-headview"]') },
    { name: "attention-256", file: "attention", size: wide, messages: fakeAttention(256), after: (p) => hoverAt(p, 0.5, 0.52) },
    { name: "attention-1024", file: "attention", size: wide, messages: fakeAttention(1024), after: (p) => hoverAt(p, 0.4, 0.6) },
    { name: "attention-1024-zoom", file: "attention", size: wide, messages: fakeAttention(1024), after: async (p) => {
        for (let i = 0; i < 3; i++) await p.click('[data-testid="zoom-in"]');
    } },
    { name: "dashboard", size: { width: 420, height: 1900 }, messages: fakeDashboard() },
];

/** Hovers the heatmap at fractions of its matrix (key, query), read from the canvas's layout. */
async function hoverAt(p, fk, fq) {
    const box = await p.locator('[data-testid="attention-heatmap"]').boundingBox();
    const d = await p.locator('[data-testid="attention-heatmap"]').evaluate((c) => ({ ...c.dataset }));
    const side = Number(d.n) * Number(d.cell);
    await p.mouse.move(box.x + Number(d.left) + side * fk, box.y + Number(d.top) + side * fq);
}

/** Hovers query row `q` of the head view's left column. */
async function hoverHeadView(p, q) {
    const box = await p.locator('[data-testid="attention-headview"]').boundingBox();
    const d = await p.locator('[data-testid="attention-headview"]').evaluate((c) => ({ ...c.dataset }));
    await p.mouse.move(box.x + Number(d.queryX) - 10, box.y + Number(d.top) + (q + 0.5) * Number(d.row));
}

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
let failures = 0;
for (const view of views) {
    const p = await browser.newPage({ viewport: view.size });
    const errors = [];
    p.on("pageerror", (e) => errors.push(e.message));
    p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await p.goto(page(view.file ?? view.name));
    const started = Date.now();
    for (const m of view.messages) await p.evaluate((msg) => window.postMessage(msg, "*"), m);
    await p.waitForTimeout(400);
    const renderMs = Date.now() - started;
    if (view.after) await view.after(p);
    await p.waitForTimeout(300);
    const out = join(outDir, `${view.name}${suffix}.png`);
    await p.screenshot({ path: out, fullPage: true });
    const posted = await p.evaluate(() => window.__posted.map((m) => m.type));
    process.stdout.write(`${out}  (${renderMs} ms; posted: ${posted.join(", ")})\n`);
    for (const e of errors) {
        failures++;
        process.stdout.write(`  page error: ${e}\n`);
    }
    await p.close();
}
await browser.close();
process.exit(failures > 0 ? 1 : 0);
