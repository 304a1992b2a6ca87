// The next-token hover for every file and untitled document: the hovered token's own probability
// and rank, and the model's top-k continuations of the text up to the end of that token. It
// waits a short delay and checks cancellation before asking the engine, and does nothing at all
// while the `lmLab.hover.enabled` setting is off.

import * as vscode from "vscode";
import { Methods } from "../protocol";
import type { Ctx } from "./extension";
import { nextTokenMarkdown, tokenMarkdown } from "./hoverMarkdown";
import { log } from "./log";

/** Characters of left context sent with a hover; the engine trims further to the model context. */
const prefixChars = 2000;

export function registerHover(ctx: Ctx): vscode.Disposable {
    return vscode.languages.registerHoverProvider([{ scheme: "file" }, { scheme: "untitled" }], {
        provideHover: (document, position, token) => provideHover(ctx, document, position, token),
    });
}

async function provideHover(
    ctx: Ctx,
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
): Promise<vscode.Hover | undefined> {
    const settings = ctx.config.settings;
    if (!settings.hoverEnabled) return undefined;
    if (!(await delay(settings.hoverDelayMs, token))) return undefined;

    const offset = document.offsetAt(position);
    const start = Math.max(0, offset - prefixChars);
    const word = document.getWordRangeAtPosition(position);
    const windowEnd = word ? document.offsetAt(word.end) : Math.min(document.getText().length, offset + 1);
    const windowText = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(windowEnd)));
    try {
        // The hovered token comes first, so the next-token table can continue from its end:
        // predictions are made at token boundaries, never from the middle of a word.
        const analysis =
            windowText.length > 0
                ? await ctx.engine.requestModel(Methods.analyze, { text: windowText, topK: 1, maxTokens: 512 }, token)
                : undefined;
        if (token.isCancellationRequested) return undefined;
        const rel = offset - start;
        const here = analysis?.tokens.find((t) => t.start <= rel && rel < t.end);
        const prefixEnd = here ? start + here.end : offset;
        const prefix = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(prefixEnd)));
        const next = await ctx.engine.requestModel(Methods.nextToken, { prefix, k: settings.hoverTopK }, token);
        if (token.isCancellationRequested) return undefined;
        const md = new vscode.MarkdownString(undefined, true);
        if (here) md.appendMarkdown(tokenMarkdown(here) + "\n\n---\n\n");
        md.appendMarkdown(nextTokenMarkdown(next, ctx.engine.model?.name ?? "model"));
        return new vscode.Hover(md, word);
    } catch (error) {
        if (token.isCancellationRequested) return undefined;
        // A hover cannot show an error prominently; the log has it, and commands surface it.
        log.warn("hover failed:", error);
        return undefined;
    }
}

/** Resolves true after `ms`, or false as soon as the token is cancelled. */
function delay(ms: number, token: vscode.CancellationToken): Promise<boolean> {
    if (token.isCancellationRequested) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            sub.dispose();
            resolve(!token.isCancellationRequested);
        }, ms);
        const sub = token.onCancellationRequested(() => {
            clearTimeout(timer);
            sub.dispose();
            resolve(false);
        });
    });
}
