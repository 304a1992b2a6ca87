// Tests for corpus reading (binary, non-UTF-8, empty and short inputs refused with specifics),
// chunked encoding, the 90/10 split, chars per token, and the seeded clm/mlm batch sampler.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { shakespearePath } from "../../../test/support/paths";
import { trainBpeTokenizer, trainCharTokenizer } from "../tokenizer";
import {
    charsPerToken,
    createSampler,
    encodeCorpus,
    ignoreIndex,
    invalidUtf8Offset,
    readCorpus,
    splitCorpus,
} from "./corpus";
import { Rng } from "./rng";

function withFiles(
    files: Record<string, string | Uint8Array>,
    body: (paths: Record<string, string>) => void,
): void {
    const dir = mkdtempSync(join(tmpdir(), "lmlab-corpus-"));
    try {
        const paths: Record<string, string> = {};
        for (const [name, content] of Object.entries(files)) {
            paths[name] = join(dir, name);
            writeFileSync(paths[name], content);
        }
        body(paths);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test("files and inline text concatenate with a newline between them; a BOM is dropped", () => {
    withFiles({ "a.txt": "\uFEFFfirst", "b.txt": "second\n" }, (p) => {
        assert.equal(readCorpus([p["a.txt"], p["b.txt"]], "third"), "first\nsecond\nthird");
    });
});

test("binary, non-UTF-8, missing and empty corpora are refused with specifics", () => {
    const control = new Uint8Array(100).fill(0x41);
    control.fill(0x01, 0, 20);
    withFiles(
        {
            "nul.bin": Uint8Array.of(0x41, 0x42, 0x00, 0x43),
            "ctrl.txt": control,
            "latin1.txt": Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x20, 0x78),
            "empty.txt": " \n\t\n",
        },
        (p) => {
            const cases: [string[], RegExp][] = [
                [[p["nul.bin"]], /nul.bin looks binary: NUL byte at offset 2/],
                [
                    [p["ctrl.txt"]],
                    /ctrl.txt looks binary: 20.0 % of its bytes are control characters/,
                ],
                [[p["latin1.txt"]], /latin1.txt is not valid UTF-8: bad byte sequence at offset 3/],
                [[p["empty.txt"]], /the corpus is empty: .*empty.txt contains no text/],
                [[p["nul.bin"] + ".missing"], /cannot be read \(ENOENT\)/],
            ];
            for (const [files, pattern] of cases) {
                assert.throws(
                    () => readCorpus(files),
                    (e: Error) => e.name === "UserError" && pattern.test(e.message),
                    String(pattern),
                );
            }
            assert.throws(() => readCorpus([]), /the corpus is empty: the given text/);
        },
    );
});

test("the UTF-8 check agrees with a strict decoder on random and tricky bytes", () => {
    const strict = new TextDecoder("utf-8", { fatal: true });
    const tricky = [
        [0xc0, 0xaf], // overlong "/"
        [0xed, 0xa0, 0x80], // surrogate
        [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
        [0xe2, 0x82], // truncated
        [0xf0, 0x9f, 0x91, 0x8b], // 👋
        [0xe0, 0xa0, 0x80],
    ];
    const rng = new Rng(3);
    const samples = tricky.map((t) => Uint8Array.from(t));
    for (let i = 0; i < 3000; i++) {
        samples.push(
            Uint8Array.from({ length: 1 + rng.nextInt(6) }, () =>
                rng.nextFloat() < 0.5 ? 0x80 + rng.nextInt(128) : rng.nextInt(256),
            ),
        );
    }
    for (const bytes of samples) {
        let valid = true;
        try {
            strict.decode(bytes);
        } catch {
            valid = false; // the strict decoder reports invalid input by throwing
        }
        assert.equal(invalidUtf8Offset(bytes) === -1, valid, `bytes ${Array.from(bytes)}`);
    }
    assert.equal(invalidUtf8Offset(Uint8Array.of(0x61, 0xe2, 0x82)), 1);
});

const shakespeare = readFileSync(shakespearePath, "utf8").slice(0, 120_000);

test("chunked encoding gives the same ids as encoding the whole text", () => {
    const bpe = trainBpeTokenizer(shakespeare, {
        vocabSize: 600,
        specialTokens: ["<|endoftext|>"],
    });
    const char = trainCharTokenizer(shakespeare);
    for (const tokenizer of [bpe, char]) {
        const ids = encodeCorpus(shakespeare, tokenizer, 3000);
        assert.ok(ids instanceof Int32Array);
        assert.deepEqual(Array.from(ids), tokenizer.encode(shakespeare).ids, tokenizer.kind);
    }
    const ids = encodeCorpus(shakespeare, char);
    const { train, val } = splitCorpus(ids);
    assert.equal(train.length, Math.floor(ids.length * 0.9));
    assert.equal(train.length + val.length, ids.length);
    assert.equal(val[0], ids[train.length]);
    assert.equal(charsPerToken(val, char), 1);
    const bpeIds = encodeCorpus(shakespeare, bpe);
    assert.equal(charsPerToken(bpeIds, bpe), shakespeare.length / bpeIds.length);
    assert.ok(charsPerToken(bpeIds, bpe) > 2);
});

const counting = Int32Array.from({ length: 1000 }, (_, i) => i);

test("clm batches are windows with targets shifted by one, seeded and resumable", () => {
    const options = { batchSize: 4, blockSize: 8, seed: 5, objective: "clm" as const };
    const sampler = createSampler(counting, options);
    const { x, y } = sampler.next();
    assert.equal(x.length, 32);
    for (let b = 0; b < 4; b++) {
        for (let t = 0; t < 8; t++) {
            assert.equal(x[b * 8 + t], x[b * 8] + t);
            assert.equal(y[b * 8 + t], x[b * 8 + t] + 1);
        }
        assert.ok(x[b * 8] + 8 < 1000);
    }
    assert.deepEqual(createSampler(counting, options).next(), { x, y });

    for (let i = 0; i < 3; i++) sampler.next();
    const state = JSON.parse(JSON.stringify(sampler.getState()));
    const expected = [sampler.next(), sampler.next()];
    const resumed = createSampler(counting, { ...options, seed: 999 });
    resumed.setState(state);
    assert.deepEqual([resumed.next(), resumed.next()], expected);

    // Every start position is reachable, including the last one.
    const tight = createSampler(Int32Array.of(1, 2, 3), {
        ...options,
        batchSize: 64,
        blockSize: 2,
    });
    assert.deepEqual(
        new Set(Array.from(tight.next().x.filter((_, i) => i % 2 === 0))),
        new Set([1]),
    );
});

test("a corpus shorter than block size + 1 is refused with both numbers", () => {
    assert.throws(
        () =>
            createSampler(counting.subarray(0, 8), {
                batchSize: 1,
                blockSize: 8,
                seed: 0,
                objective: "clm",
                label: "validation split",
            }),
        /the validation split is too short: 8 tokens, but a block size of 8 needs at least 9/,
    );
    assert.throws(
        () => createSampler(counting, { batchSize: 1, blockSize: 8, seed: 0, objective: "mlm" }),
        /needs a tokenizer with a \[MASK\] token/,
    );
});

test("mlm batches mask 15 % of positions: 80 % [MASK], 10 % random, 10 % kept", () => {
    const maskId = 1000;
    const specialIds = new Set([0, 1000]);
    const sampler = createSampler(counting, {
        batchSize: 64,
        blockSize: 64,
        seed: 11,
        objective: "mlm",
        maskId,
        vocabSize: 1001,
        specialIds,
    });
    let positions = 0;
    let scored = 0;
    let masked = 0;
    let kept = 0;
    let replaced = 0;
    for (let round = 0; round < 10; round++) {
        const { x, y } = sampler.next();
        for (let b = 0; b < 64; b++) {
            // Each row scores at least one position; its target reveals where the window starts.
            const row = y.subarray(b * 64, b * 64 + 64);
            const first = row.findIndex((v) => v !== ignoreIndex);
            const start = row[first] - first;
            for (let t = 0; t < 64; t++) {
                const i = b * 64 + t;
                const original = start + t;
                positions++;
                if (y[i] === ignoreIndex) {
                    assert.equal(x[i], original);
                    continue;
                }
                assert.equal(y[i], original);
                scored++;
                if (x[i] === maskId) masked++;
                else if (x[i] === original) kept++;
                else {
                    replaced++;
                    assert.ok(!specialIds.has(x[i]) && x[i] >= 0 && x[i] < 1001);
                }
            }
        }
    }
    // 40,960 positions: binomial standard deviations are well under the margins below.
    assert.ok(Math.abs(scored / positions - 0.15) < 0.01, `scored ${scored / positions}`);
    assert.ok(Math.abs(masked / scored - 0.8) < 0.02, `masked ${masked / scored}`);
    assert.ok(Math.abs(kept / scored - 0.1) < 0.02, `kept ${kept / scored}`);
    assert.ok(Math.abs(replaced / scored - 0.1) < 0.02, `replaced ${replaced / scored}`);
});
