// The extension host's log: one LogOutputChannel ("LM Lab") for the extension's own records,
// and a second plain channel ("LM Lab Engine") that receives the engine process's stderr.
// `console` is not used anywhere in the extension.

import * as vscode from "vscode";
import type { IDisposable } from "./lifecycle";

let channel: vscode.LogOutputChannel | undefined;
let engineChannel: vscode.OutputChannel | undefined;

/** Creates the channels; the returned disposable closes them. Call once from `activate`. */
export function initLog(): IDisposable {
    channel = vscode.window.createOutputChannel("LM Lab", { log: true });
    engineChannel = vscode.window.createOutputChannel("LM Lab Engine");
    return {
        dispose() {
            channel?.dispose();
            engineChannel?.dispose();
            channel = undefined;
            engineChannel = undefined;
        },
    };
}

function format(parts: unknown[]): string {
    return parts
        .map((p) => (p instanceof Error ? (p.stack ?? p.message) : typeof p === "string" ? p : JSON.stringify(p)))
        .join(" ");
}

export const log = {
    trace: (...parts: unknown[]) => channel?.trace(format(parts)),
    debug: (...parts: unknown[]) => channel?.debug(format(parts)),
    info: (...parts: unknown[]) => channel?.info(format(parts)),
    warn: (...parts: unknown[]) => channel?.warn(format(parts)),
    error: (...parts: unknown[]) => channel?.error(format(parts)),
    /** Appends raw engine stderr text to the engine channel. */
    engine: (text: string) => engineChannel?.append(text),
    show: () => channel?.show(true),
    showEngine: () => engineChannel?.show(true),
};

/** Error text for the user: UserError messages as they are, other errors' first line. */
export function errorMessage(error: unknown): string {
    if (error instanceof Error) return error.message;
    if (typeof error === "object" && error !== null && "message" in error) {
        return String((error as { message: unknown }).message);
    }
    return String(error);
}

/**
 * Logs an error with its stack and shows it as a notification with Open Logs (and any extra
 * actions); resolves to the chosen action's title.
 */
export async function showError(
    context: string,
    error: unknown,
    ...actions: string[]
): Promise<string | undefined> {
    log.error(`${context}:`, error);
    const choice = await vscode.window.showErrorMessage(
        `LM Lab: ${context}: ${errorMessage(error)}`,
        ...actions,
        "Open Logs",
    );
    if (choice === "Open Logs") log.show();
    return choice;
}
