// Reads a JSON file from disk for the loaders (model configs, tokenizers, checkpoints), so that a
// missing, unreadable or malformed file always gives the same kind of UserError naming the file.

import { readFileSync } from "node:fs";
import { UserError } from "../types";

/**
 * The parsed contents of the JSON file at `path`. `what` (e.g. "Checkpoint file") is put before
 * the path in messages when given. A file that cannot be read gives `cannot read <what> <path>: …`;
 * one that is not JSON gives `<what> <path> is not valid JSON (…)`.
 */
export function readJsonFile(path: string, what?: string): unknown {
    const label = what ? `${what} ${path}` : path;
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (error) {
        throw new UserError(`cannot read ${label}: ${(error as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new UserError(`${label} is not valid JSON (${(error as Error).message})`);
    }
}
