// Trains a byte-level BPE vocabulary. The corpus is reduced once to its unique pre-token words
// with their frequencies; pair counts are then kept up to date incrementally, touching only the
// words that contain the merged pair, and the most frequent pair is taken from a lazy max-heap.

import { UserError } from "../types";
import { BpeTokenizer, pairKey } from "./bpe";
import { bytesToByteLevel, gpt2PreTokenize, splitSpecial, utf8Encoder } from "./text";

export interface BpeTrainOptions {
    /** Total vocabulary size including the 256 byte tokens and the special tokens. */
    vocabSize: number;
    /** Special tokens such as "<|endoftext|>" or "[MASK]", given ids after the merged tokens. */
    specialTokens?: string[];
}

/**
 * Learns merges until the vocabulary reaches `vocabSize` or no pair occurs any more. Ties between
 * equally frequent pairs go to the smaller (left, right) id pair, so training is deterministic.
 */
export function trainBpeTokenizer(text: string, options: BpeTrainOptions): BpeTokenizer {
    const specials = [...new Set(options.specialTokens ?? [])];
    const minimum = 256 + specials.length;
    if (!Number.isInteger(options.vocabSize) || options.vocabSize < minimum) {
        throw new UserError(
            `BPE vocabulary size ${options.vocabSize} is too small: it must be an integer of at least ` +
                `${minimum} (256 byte tokens + ${specials.length} special tokens)`,
        );
    }
    const { words, counts } = countWords(text, specials);

    const tokenBytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    const idOfBytes = new Map<string, number>(tokenBytes.map((b, id) => [bytesToByteLevel(b), id]));
    const merges: { left: number; right: number; id: number }[] = [];

    const pairCounts = new Map<number, number>();
    const pairWords = new Map<number, Set<number>>();
    const heap = new PairHeap();
    words.forEach((word, w) => addPairs(word, counts[w], w, pairCounts, pairWords));
    for (const [key, count] of pairCounts) heap.push(count, key);

    while (tokenBytes.length < options.vocabSize - specials.length && heap.size > 0) {
        const { count, key } = heap.pop();
        if (pairCounts.get(key) !== count || count <= 0) continue; // a stale heap entry
        const left = Math.floor(key / 2_097_152);
        const right = key - left * 2_097_152;

        // The same byte string can arise from two different merges; it keeps one id.
        const merged = concat(tokenBytes[left], tokenBytes[right]);
        const name = bytesToByteLevel(merged);
        let id = idOfBytes.get(name);
        if (id === undefined) {
            id = tokenBytes.length;
            tokenBytes.push(merged);
            idOfBytes.set(name, id);
        }
        merges.push({ left, right, id });

        const touched = new Set<number>();
        for (const w of pairWords.get(key) ?? []) {
            const word = words[w];
            if (!containsPair(word, left, right)) continue;
            removePairs(word, counts[w], pairCounts, touched);
            words[w] = mergeWord(word, left, right, id);
            addPairs(words[w], counts[w], w, pairCounts, pairWords, touched);
        }
        pairWords.delete(key);
        pairCounts.delete(key);
        touched.delete(key);
        for (const changed of touched) {
            const current = pairCounts.get(changed) ?? 0;
            if (current > 0) heap.push(current, changed);
            else pairCounts.delete(changed);
        }
    }
    const specialIds = new Map(specials.map((s, i) => [s, tokenBytes.length + i]));
    return new BpeTokenizer(merges, tokenBytes, specialIds);
}

// ---------------------------------------------------------------------------------------------

function countWords(text: string, specials: string[]): { words: number[][]; counts: number[] } {
    const frequency = new Map<string, number>();
    for (const segment of splitSpecial(text, specials)) {
        if (segment.special) continue;
        for (const word of gpt2PreTokenize(segment.text))
            frequency.set(word, (frequency.get(word) ?? 0) + 1);
    }
    const words: number[][] = [];
    const counts: number[] = [];
    for (const [word, count] of frequency) {
        words.push(Array.from(utf8Encoder.encode(word)));
        counts.push(count);
    }
    return { words, counts };
}

function addPairs(
    word: number[],
    count: number,
    w: number,
    pairCounts: Map<number, number>,
    pairWords: Map<number, Set<number>>,
    touched?: Set<number>,
): void {
    for (let i = 0; i + 1 < word.length; i++) {
        const key = pairKey(word[i], word[i + 1]);
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
        touched?.add(key);
    }
}

function removePairs(
    word: number[],
    count: number,
    pairCounts: Map<number, number>,
    touched: Set<number>,
): void {
    for (let i = 0; i + 1 < word.length; i++) {
        const key = pairKey(word[i], word[i + 1]);
        pairCounts.set(key, pairCounts.get(key)! - count);
        touched.add(key);
    }
}

function containsPair(word: number[], left: number, right: number): boolean {
    for (let i = 0; i + 1 < word.length; i++)
        if (word[i] === left && word[i + 1] === right) return true;
    return false;
}

function mergeWord(word: number[], left: number, right: number, id: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
            out.push(id);
            i++;
        } else {
            out.push(word[i]);
        }
    }
    return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

/** A binary max-heap of (count, pair key), larger count first, then smaller key. */
class PairHeap {
    private counts: number[] = [];
    private keys: number[] = [];

    get size(): number {
        return this.counts.length;
    }

    push(count: number, key: number): void {
        this.counts.push(count);
        this.keys.push(key);
        let i = this.counts.length - 1;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!this.before(i, parent)) break;
            this.swap(i, parent);
            i = parent;
        }
    }

    pop(): { count: number; key: number } {
        const top = { count: this.counts[0], key: this.keys[0] };
        const lastCount = this.counts.pop()!;
        const lastKey = this.keys.pop()!;
        if (this.counts.length > 0) {
            this.counts[0] = lastCount;
            this.keys[0] = lastKey;
            let i = 0;
            for (;;) {
                const l = 2 * i + 1;
                const r = l + 1;
                let best = i;
                if (l < this.counts.length && this.before(l, best)) best = l;
                if (r < this.counts.length && this.before(r, best)) best = r;
                if (best === i) break;
                this.swap(i, best);
                i = best;
            }
        }
        return top;
    }

    private before(a: number, b: number): boolean {
        return (
            this.counts[a] > this.counts[b] ||
            (this.counts[a] === this.counts[b] && this.keys[a] < this.keys[b])
        );
    }

    private swap(a: number, b: number): void {
        [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
        [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    }
}
