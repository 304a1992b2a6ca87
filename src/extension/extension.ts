// Entry point of the LM Lab extension. `activate` stays light (no engine, no model): it creates
// the log, config, engine handle and views, and registers every command from one table. The
// engine process starts on the first request that needs it.

import * as path from "node:path";
import * as vscode from "vscode";
import { AttentionPanels } from "./attentionPanel";
import { Config } from "./config";
import { DashboardView } from "./dashboardView";
import { TokenDecorations } from "./decorations";
import { Engine } from "./engine";
import { registerHover } from "./hover";
import { log, initLog, showError } from "./log";
import { exportModelCommand, generateCommand, loadModelCommand } from "./modelCommands";
import { RunsTree } from "./runsTree";
import { StatusBar } from "./statusBar";
import { TokenPanels } from "./tokenPanel";
import { Training } from "./training";

/** Everything commands and views share; owned by the extension's lifetime. */
export interface Ctx {
    readonly extensionUri: vscode.Uri;
    readonly config: Config;
    readonly engine: Engine;
    readonly training: Training;
    readonly decorations: TokenDecorations;
}

type Command = (...args: unknown[]) => unknown;

export function activate(context: vscode.ExtensionContext): void {
    const started = performance.now();
    const subs = context.subscriptions;
    subs.push(initLog());
    const version = (context.extension.packageJSON as { version?: string }).version ?? "?";
    log.info(`LM Lab ${version} activating (VS Code ${vscode.version}, Node ${process.version})`);

    let engine: Engine | undefined;
    const config = new Config(context.extensionPath, context.globalStorageUri.fsPath, async () => engine?.restart());
    subs.push(config);
    const enginePath = path.join(context.extensionPath, "dist", "engine.js");
    engine = new Engine(enginePath, config);
    subs.push(engine);
    log.info(`engine path: ${enginePath}`);
    log.info(`effective configuration: ${config.describe()}`);

    const training = new Training(engine, config, context.globalState);
    const decorations = new TokenDecorations(config);
    subs.push(training, decorations);
    const ctx: Ctx = { extensionUri: context.extensionUri, config, engine, training, decorations };

    subs.push(new StatusBar(engine));
    const tokenPanels = new TokenPanels(ctx);
    const attentionPanels = new AttentionPanels(ctx);
    const dashboard = new DashboardView(ctx);
    const runsTree = new RunsTree(ctx);
    subs.push(tokenPanels, attentionPanels, dashboard, runsTree, registerHover(ctx));

    const commands: Record<string, Command> = {
        "lmLab.analyzeSelection": () => tokenPanels.analyzeSelection(),
        "lmLab.showAttention": () => attentionPanels.showForSelection(),
        "lmLab.trainOnFile": () => training.trainOnFile(),
        "lmLab.trainOnSelection": () => training.trainOnSelection(),
        "lmLab.trainOnWorkspace": () => training.trainOnWorkspace(),
        "lmLab.pauseTraining": (runId) => training.control("pause", asString(runId)),
        "lmLab.resumeTraining": (runId) => training.control("resume", asString(runId)),
        "lmLab.stopTraining": (runId) => training.control("stop", asString(runId)),
        "lmLab.openDashboard": () => dashboard.reveal(),
        "lmLab.loadModel": () => loadModelCommand(engine, config),
        "lmLab.generate": () => generateCommand(engine, config),
        "lmLab.exportModel": () => exportModelCommand(engine),
        "lmLab.showLogs": () => log.show(),
        "lmLab.toggleDecorations": () => decorations.toggle(),
        "lmLab.restartEngine": async () => {
            await engine.restart();
            const info = engine.info;
            void vscode.window.showInformationMessage(
                `LM Lab: engine restarted (pid ${info?.pid ?? "?"}, ONNX Runtime ${info?.ortVersion ?? "?"}).`,
            );
        },
        "lmLab.refreshRuns": () => runsTree.refresh(),
        "lmLab.loadRun": (item) => training.loadRun(runDir(item)),
        "lmLab.resumeRunFromCheckpoint": (item) => training.resumeFromCheckpoint(runDir(item)),
    };
    const titles = commandTitles(context.extension.packageJSON);
    for (const [id, handler] of Object.entries(commands)) {
        const title = titles.get(id) ?? id;
        subs.push(vscode.commands.registerCommand(id, (...args: unknown[]) => runCommand(title, handler, args)));
    }
    log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {
    // Everything, the engine process included, is disposed through context.subscriptions.
}

/**
 * Runs a command handler; a failure is logged with its stack and shown naming the command by its
 * title as the Command Palette shows it, with Open Logs, and settings-related failures also offer
 * Open Settings.
 */
async function runCommand(title: string, handler: Command, args: unknown[]): Promise<unknown> {
    try {
        return await handler(...args);
    } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        const choice = await showError(`${title} failed`, error, ...(text.includes("lmLab.") ? ["Open Settings"] : []));
        if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "lmLab");
        return undefined;
    }
}

/** Command id to title ("Load Model…"), from the manifest's `contributes.commands`. */
function commandTitles(packageJSON: unknown): Map<string, string> {
    const entries = (packageJSON as { contributes?: { commands?: unknown } }).contributes?.commands;
    const titles = new Map<string, string>();
    if (!Array.isArray(entries)) return titles;
    for (const entry of entries as { command?: unknown; title?: unknown }[]) {
        if (typeof entry.command === "string" && typeof entry.title === "string") titles.set(entry.command, entry.title);
    }
    return titles;
}

function asString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** A run folder from a tree item or a plain string argument. */
function runDir(item: unknown): string {
    if (typeof item === "string") return item;
    const dir = (item as { run?: { dir?: unknown } } | undefined)?.run?.dir;
    if (typeof dir === "string") return dir;
    throw new Error("choose a run in the LM Lab Runs view");
}
