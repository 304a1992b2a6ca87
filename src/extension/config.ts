// Reads `lmLab.*` settings into a typed snapshot (see settings.ts for defaults and clamping),
// resolves the model and runs folders, logs changes and offers to restart the engine when a
// setting that needs a new process changes.

import * as path from "node:path";
import * as vscode from "vscode";
import { Disposable } from "./lifecycle";
import { log } from "./log";
import { changedSettings, readSettings, restartKeys, type Settings } from "./settings";

export class Config extends Disposable {
    private current: Settings;
    private readonly changed = this.register(new vscode.EventEmitter<(keyof Settings)[]>());
    /** Fires with the names of changed settings. */
    readonly onDidChange = this.changed.event;

    constructor(
        private readonly extensionPath: string,
        private readonly globalStoragePath: string,
        restartEngine: () => Promise<void>,
    ) {
        super();
        this.current = Config.read();
        this.register(
            vscode.workspace.onDidChangeConfiguration(async (event) => {
                if (!event.affectsConfiguration("lmLab")) return;
                const next = Config.read();
                const keys = changedSettings(this.current, next);
                this.current = next;
                if (keys.length === 0) return;
                log.info("settings changed:", Object.fromEntries(keys.map((k) => [k, next[k]])));
                this.changed.fire(keys);
                if (keys.some((k) => restartKeys.includes(k))) {
                    const choice = await vscode.window.showInformationMessage(
                        "LM Lab: the engine must restart for the new settings to apply.",
                        "Restart Engine",
                    );
                    if (choice === "Restart Engine") await restartEngine();
                }
            }),
        );
    }

    get settings(): Readonly<Settings> {
        return this.current;
    }

    /** The default model shipped inside the extension. */
    get defaultModelPath(): string {
        return path.join(this.extensionPath, "models", "default");
    }

    /**
     * The model to load: the setting resolved against the first workspace folder, or the shipped
     * default. `fromSetting` says which, for error messages.
     */
    resolveModelPath(): { path: string; fromSetting: boolean } {
        const setting = this.current.model;
        if (!setting) return { path: this.defaultModelPath, fromSetting: false };
        return { path: resolveAgainstWorkspace(setting), fromSetting: true };
    }

    /** Where runs are written: the setting, else `.lmlab/runs` in the workspace or global storage. */
    runsRoot(): string {
        if (this.current.runsFolder) return resolveAgainstWorkspace(this.current.runsFolder);
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (folder && folder.uri.scheme === "file") return path.join(folder.uri.fsPath, ".lmlab", "runs");
        return path.join(this.globalStoragePath, "runs");
    }

    /** The effective configuration, for the log. */
    describe(): string {
        return JSON.stringify({ ...this.current, resolvedModel: this.resolveModelPath().path, runsRoot: this.runsRoot() });
    }

    private static read(): Settings {
        const section = vscode.workspace.getConfiguration("lmLab");
        return readSettings((key) => section.get(key));
    }
}

/**
 * Writes an `lmLab.*` setting where it takes effect: the most specific scope that already defines
 * it (folder, then workspace), else the user settings. Writing to the user settings while the
 * workspace defines the key would be overridden at once by the workspace value.
 */
export async function updateSetting(key: string, value: unknown, scope?: vscode.Uri): Promise<void> {
    const section = vscode.workspace.getConfiguration("lmLab", scope);
    const defined = section.inspect(key);
    const target =
        defined?.workspaceFolderValue !== undefined
            ? vscode.ConfigurationTarget.WorkspaceFolder
            : defined?.workspaceValue !== undefined
              ? vscode.ConfigurationTarget.Workspace
              : vscode.ConfigurationTarget.Global;
    await section.update(key, value, target);
}

function resolveAgainstWorkspace(p: string): string {
    const expanded = p.startsWith("~/") ? path.join(process.env.HOME ?? "", p.slice(2)) : p;
    if (path.isAbsolute(expanded)) return expanded;
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? path.join(folder.uri.fsPath, expanded) : path.resolve(expanded);
}

export function isInWorkspace(p: string): boolean {
    return (vscode.workspace.workspaceFolders ?? []).some((f) => {
        const rel = path.relative(f.uri.fsPath, p);
        return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
    });
}
