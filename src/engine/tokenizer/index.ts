// The tokenizers LM Lab uses: character-level, its own byte-level BPE trainer, and any Hugging Face
// tokenizer.json. All save as tokenizer.json; `tokenizerFromJSON` tells the kinds apart by layout.

import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { readJsonFile } from "../io/jsonFile";
import type { Tokenizer } from "../types";
import { UserError } from "../types";
import { BpeTokenizer, isLmLabBpe } from "./bpe";
import { CharTokenizer, isCharJson } from "./char";
import { HfTokenizer, type HfTokenizerConfig } from "./hf";

export { BpeTokenizer } from "./bpe";
export { trainBpeTokenizer, type BpeTrainOptions } from "./bpeTrainer";
export { CharTokenizer, trainCharTokenizer, unknownToken, type CharTrainOptions } from "./char";
export type { EncodeOptions } from "./common";
export { HfTokenizer } from "./hf";
export { gpt2PreTokenize, splitSpecial, utf8ToUtf16Offsets } from "./text";

/**
 * Builds a tokenizer from a parsed tokenizer.json: the char layout (BPE without merges, `<unk>`,
 * no pre-tokenizer) gives "char"; LM Lab's byte-level BPE (ids 0-255 = bytes in order) gives
 * "bpe"; anything else is handed to the Hugging Face library as "hf". `config` is the optional
 * tokenizer_config.json naming BOS/EOS/MASK tokens.
 */
export function tokenizerFromJSON(json: unknown, config: HfTokenizerConfig = {}): Tokenizer {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
        throw new UserError("a tokenizer.json document must be a JSON object");
    }
    const record = json as Record<string, unknown>;
    if (isCharJson(record)) return CharTokenizer.fromJSON(record);
    if (isLmLabBpe(record)) return BpeTokenizer.fromJSON(record);
    return new HfTokenizer(record, config);
}

/**
 * Loads a tokenizer from a tokenizer.json file, or from a folder holding one. A
 * tokenizer_config.json beside it, if present, names the BOS/EOS/MASK tokens.
 */
export function loadTokenizer(path: string): Tokenizer {
    if (!existsSync(path)) throw new UserError(`tokenizer not found: ${path} does not exist`);
    const file = statSync(path).isDirectory() ? join(path, "tokenizer.json") : path;
    if (!existsSync(file)) throw new UserError(`no tokenizer.json in ${path}`);
    const json = readJsonFile(file);
    const configPath = join(dirname(file), "tokenizer_config.json");
    const config = existsSync(configPath) ? (readJsonFile(configPath) as HfTokenizerConfig) : {};
    try {
        return tokenizerFromJSON(json, config);
    } catch (error) {
        if (error instanceof UserError) throw new UserError(`${file}: ${error.message}`);
        throw error;
    }
}
