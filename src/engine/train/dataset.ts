// The text a run trains on, turned into token ids and batch samplers: files (and inline text)
// are read and checked by the corpus module, a tokenizer is trained (or taken from the
// checkpoint on resume), and the ids are split 90/10 into training and validation parts.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TrainConfig } from "../../protocol";
import {
    trainBpeTokenizer,
    trainCharTokenizer,
    tokenizerFromJSON,
    loadTokenizer,
} from "../tokenizer";
import { UserError, type Tokenizer } from "../types";
import type { Checkpoint } from "./checkpoint";
import * as corpus from "../data/corpus";

/** Batches of token ids: x = inputs, y = targets, each [batch_size * block_size]. */
export interface BatchSampler {
    next(): { x: Int32Array; y: Int32Array };
    getState(): unknown;
    setState(state: unknown): void;
}

export interface TrainingData {
    tokenizer: Tokenizer;
    /** The training sampler, seeded with the run's seed. */
    train: BatchSampler;
    /** A new sampler over one split with its own seed (evaluation). */
    sampler(split: "train" | "val", seed: number): BatchSampler;
    /** Characters per token in the validation split, for bits per character. */
    charsPerToken: number;
}

/** Special tokens of the trained tokenizers. */
const endOfText = "<|endoftext|>";
const maskToken = "[MASK]";

/**
 * Reads the corpus, trains a tokenizer unless one is given, and builds the samplers. Throws a
 * UserError for an empty, binary or too short corpus before anything is written anywhere.
 */
export async function prepareData(
    config: TrainConfig,
    tokenizer?: Tokenizer,
): Promise<TrainingData> {
    const text = corpus.readCorpus(config.data, config.text);
    const specials = config.objective === "mlm" ? [maskToken] : [];
    const tok =
        tokenizer ??
        (config.tokenizer === "bpe"
            ? trainBpeTokenizer(text, {
                  vocabSize: config.bpeVocabSize!,
                  specialTokens: [endOfText, ...specials],
              })
            : trainCharTokenizer(text, { specialTokens: specials }));
    const ids = corpus.encodeCorpus(text, tok);
    const split = corpus.splitCorpus(ids, 0.9);
    const make = (part: "train" | "val", seed: number): BatchSampler =>
        corpus.createSampler(split[part], {
            batchSize: config.batch_size,
            blockSize: config.block_size,
            seed,
            objective: config.objective,
            maskId: tok.maskId,
            vocabSize: tok.vocabSize,
            specialIds: tok.specialIds,
            label:
                part === "train"
                    ? "training split (the first 90 % of the text)"
                    : "validation split (the last 10 % of the text)",
        });
    // Evaluation makes its samplers later; made once now, the validation split is checked
    // (long enough for one block) before a run folder exists, not at the first evaluation.
    make("val", config.seed);
    return {
        tokenizer: tok,
        train: make("train", config.seed),
        sampler: make,
        charsPerToken: corpus.charsPerToken(split.val, tok),
    };
}

/**
 * The checkpoint's tokenizer, after checking it against the model (vocabulary size), the
 * tokenizer.json at the top of the run folder, and `expected` (a tokenizer.json the caller
 * means to use), if given. Any difference is a UserError: the weights only fit their own.
 */
export function tokenizerFromCheckpoint(
    dir: string,
    ckpt: Checkpoint,
    expected?: string,
): Tokenizer {
    const tok = tokenizerFromJSON(ckpt.tokenizer);
    const vocab = ckpt.modelConfig.vocab_size;
    if (tok.vocabSize !== vocab) {
        throw new UserError(
            `The checkpoint's tokenizer has ${tok.vocabSize} tokens but its model expects ${vocab}; the checkpoint in ${dir} is inconsistent.`,
        );
    }
    const wte = ckpt.params.get("transformer.wte.weight");
    if (wte && wte.length !== vocab * ckpt.modelConfig.n_embd) {
        throw new UserError(
            `transformer.wte.weight in ${dir} has ${wte.length / ckpt.modelConfig.n_embd} rows; the vocabulary has ${vocab}.`,
        );
    }
    const checks: [string, () => Tokenizer][] = [];
    const published = join(dir, "tokenizer.json");
    if (existsSync(published)) {
        checks.push([published, () => loadTokenizer(published)]);
    }
    if (expected) checks.push([expected, () => loadTokenizer(expected)]);
    for (const [path, load] of checks) {
        const other = load();
        if (other.vocabSize !== tok.vocabSize) {
            throw new UserError(
                `The tokenizer ${path} has ${other.vocabSize} tokens; the checkpoint's has ${tok.vocabSize}. ` +
                    "Resume with the tokenizer the run was trained with.",
            );
        }
        const difference = describeDifference(tok, other);
        if (difference) {
            throw new UserError(
                `The tokenizer ${path} does not match the checkpoint's: ${difference}. ` +
                    "Resume with the tokenizer the run was trained with.",
            );
        }
    }
    return tok;
}

/** What differs between two tokenizers of the same size, or undefined when they are the same. */
function describeDifference(checkpoint: Tokenizer, other: Tokenizer): string | undefined {
    for (let id = 0; id < checkpoint.vocabSize; id++) {
        const [a, b] = [checkpoint.tokenString(id), other.tokenString(id)];
        if (a !== b)
            return `token ${id} is ${JSON.stringify(b)} there and ${JSON.stringify(a)} in the checkpoint`;
    }
    if (JSON.stringify(checkpoint.toJSON()) !== JSON.stringify(other.toJSON())) {
        return "the vocabularies agree but the tokenizer definitions (merges, special tokens) differ";
    }
    return undefined;
}
