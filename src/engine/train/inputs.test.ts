// Bad inputs to the trainer: each is refused with a clear UserError before anything is written,
// and an existing run folder is left exactly as it was.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trainCharTokenizer } from "../tokenizer";
import { UserError } from "../types";
import { smallCorpus, snapshot, tempDir, tinySettings } from "./testSupport";
import { Trainer } from "./trainer";
import { writeJsonAtomic } from "../io/atomic";

const dir = tempDir("inputs");
const corpus = smallCorpus(dir, 5_000);

async function refused(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
    await assert.rejects(run, (e: unknown) => {
        assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
        assert.match(e.message, pattern);
        return true;
    });
}

test("bad corpora are refused and no run folder is created", async () => {
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "");
    await refused(() => Trainer.create(tinySettings(empty, join(dir, "r-empty"))), /empty/i);
    assert.ok(!existsSync(join(dir, "r-empty")));

    const short = join(dir, "short.txt");
    writeFileSync(short, "To be, or not to be");
    await refused(
        () => Trainer.create(tinySettings(short, join(dir, "r-short"), { block_size: 64 })),
        /64|context|short/i,
    );
    assert.ok(!existsSync(join(dir, "r-short")));

    const binary = join(dir, "binary.bin");
    writeFileSync(
        binary,
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0, 0xff, 0xfe, 0, 0]),
    );
    await refused(() => Trainer.create(tinySettings(binary, join(dir, "r-binary"))), /binary\.bin/);
    assert.ok(!existsSync(join(dir, "r-binary")));

    await refused(
        () => Trainer.create(tinySettings(join(dir, "missing.txt"), join(dir, "r-missing"))),
        /missing\.txt/,
    );
    assert.ok(!existsSync(join(dir, "r-missing")));

    // Long enough to train on, but its last 10 % is shorter than one block: refused up front.
    await refused(
        () =>
            Trainer.create({
                ...tinySettings(corpus, join(dir, "r-val")),
                data: [],
                text: "hello world hello world hello world",
            }),
        /validation split \(the last 10 % of the text\) is too short: 4 tokens, but a block size of 16 needs at least 17/,
    );
    assert.ok(!existsSync(join(dir, "r-val")));
});

test("a run folder path that is a file, or lies below one, is refused", async () => {
    const file = join(dir, "a-file.txt");
    writeFileSync(file, "not a folder");
    await refused(
        () => Trainer.create(tinySettings(corpus, file)),
        /a-file\.txt is an existing file, not a folder/,
    );
    await refused(
        () => Trainer.create(tinySettings(corpus, join(file, "run"))),
        /cannot be created: .*a-file\.txt is a file, not a folder/,
    );
    assert.equal(readFileSync(file, "utf8"), "not a folder");
});

test("negative, zero or NaN learning rates and nonsense sizes are refused before any write", async () => {
    for (const [more, pattern] of [
        [{ lr: -1e-3 }, /lr must be a finite number > 0, found -0.001/],
        [{ lr: 0 }, /lr must be a finite number > 0, found 0/],
        [{ lr: Number.NaN }, /lr must be a finite number > 0, found NaN/],
        [{ n_embd: 30, n_head: 4 }, /n_embd \(30\) must be divisible by n_head \(4\)/],
        [{ block_size: 0 }, /block_size must be at least 1/],
        [{ block_size: 100_000 }, /block_size must be at most 8192, found 100000/],
        [
            { batch_size: 4096, block_size: 8192, n_layer: 48 },
            /These sizes need about \d+\.\d GiB of memory to train .*this machine has/,
        ],
    ] as const) {
        const out = join(dir, "r-bad");
        await refused(() => Trainer.create(tinySettings(corpus, out, more)), pattern);
        assert.ok(!existsSync(out));
    }
});

test("an existing run folder is neither overwritten by a new run nor by a bad resume", async () => {
    const out = join(dir, "existing");
    await (
        await Trainer.create(tinySettings(corpus, out, { max_iters: 6, checkpoint_interval: 3 }))
    ).run();
    const before = snapshot(out);

    await refused(() => Trainer.create(tinySettings(corpus, out)), /already exists/);
    assert.deepEqual(snapshot(out), before);

    // A tokenizer trained on other text: same kind, different vocabulary.
    const other = join(dir, "other-tokenizer.json");
    writeJsonAtomic(other, trainCharTokenizer("completely different text: XYZ 123").toJSON());
    await refused(
        () => Trainer.resume(out, { tokenizer: other }),
        /other-tokenizer\.json has \d+ tokens; the checkpoint's has \d+/,
    );
    assert.deepEqual(snapshot(out), before);

    // Same size, different content.
    const vocab = trainCharTokenizer(readFileSync(corpus, "utf8")).vocabSize;
    assert.ok(vocab > 10);
    const shuffled = join(dir, "same-size.json");
    writeJsonAtomic(shuffled, trainCharTokenizer(sameSizeDifferentText(vocab)).toJSON());
    await refused(
        () => Trainer.resume(out, { tokenizer: shuffled }),
        /does not match the checkpoint's: token \d+ is/,
    );
    assert.deepEqual(snapshot(out), before);

    // The run's own tokenizer.json replaced by a different one.
    writeJsonAtomic(join(out, "tokenizer.json"), trainCharTokenizer("abc").toJSON());
    const damaged = snapshot(out);
    await refused(
        () => Trainer.resume(out, {}),
        /tokenizer\.json has \d+ tokens; the checkpoint's has/,
    );
    assert.deepEqual(snapshot(out), damaged);

    await refused(() => Trainer.resume(join(dir, "nowhere")), /not an LM Lab run folder/);
    await refused(() => Trainer.resume(out, { maxIters: 2 }), /below the checkpoint's step \(6\)/);
});

/** A text with `vocab - 1` distinct Cyrillic characters: with `<unk>`, a vocabulary of the same size. */
function sameSizeDifferentText(vocab: number): string {
    const chars: string[] = [];
    for (let cp = 0x400; chars.length < vocab - 1; cp++) chars.push(String.fromCodePoint(cp));
    return chars.join("");
}
