// Builds the next-token hover's markdown: a table of the top-k continuations with unicode block
// bars, and the hovered token's own probability and rank. Pure so it is unit-tested.

import type { NextTokenResult, TokenAnalysis } from "../protocol";
import { formatProb, tokenLabel } from "../../webview/shared/tokenText";

const blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar `width` cells wide at full probability, in eighth-cell steps. */
export function probabilityBar(prob: number, width = 12): string {
    const eighths = Math.round(Math.min(1, Math.max(0, prob)) * width * 8);
    return "█".repeat(Math.floor(eighths / 8)) + blocks[eighths % 8];
}

/** Escapes text for a markdown table cell inside inline code. */
export function codeCell(text: string): string {
    const label = text.replace(/\|/g, "¦").replace(/`/g, "ˋ");
    return `\`${label}\``;
}

export function nextTokenMarkdown(next: NextTokenResult, modelName: string): string {
    const lines = [
        `**Next token** · ${modelName} · entropy ${next.entropy.toFixed(2)} nats · ${next.contextTokens} context tokens`,
        "",
        "| token | p | |",
        "|---|---:|---|",
    ];
    for (const t of next.top) {
        lines.push(`| ${codeCell(tokenLabel(t.text, false, t.bytes))} | ${formatProb(t.prob)} | ${probabilityBar(t.prob)} |`);
    }
    return lines.join("\n");
}

export function tokenMarkdown(token: TokenAnalysis): string {
    const label = codeCell(tokenLabel(token.text, token.special, token.bytes));
    if (token.prob === null || token.rank === null) return `**Token** ${label} · first token, no prefix to condition on`;
    const surprisal = token.surprisal === null ? "" : ` · ${token.surprisal.toFixed(2)} bits`;
    return `**Token** ${label} · p ${formatProb(token.prob)} ${probabilityBar(token.prob, 8)} · rank ${token.rank}${surprisal}`;
}
