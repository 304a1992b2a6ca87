// The option parser: values, switches, lists, and the messages for each kind of bad argument.

import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../engine/types";
import { formatOptions, parseArgs, type OptionSpec } from "./args";

const specs: OptionSpec[] = [
    { name: "lr", kind: "number", help: "learning rate" },
    { name: "n-layer", key: "n_layer", kind: "int", help: "layers" },
    { name: "data", kind: "strings", help: "files" },
    { name: "bias", kind: "boolean", negatable: true, help: "biases" },
    { name: "json", kind: "boolean", help: "json" },
    { name: "tokenizer", kind: "choice", choices: ["char", "bpe"], help: "tokenizer" },
    { name: "out", kind: "string", help: "folder" },
];

function fails(argv: string[], pattern: RegExp): void {
    assert.throws(
        () => parseArgs(argv, specs),
        (e: unknown) => e instanceof UserError && pattern.test(e.message),
    );
}

test("parses values, lists, switches and positionals", () => {
    const { options, positionals } = parseArgs(
        [
            "run1",
            "--lr",
            "3e-4",
            "--n-layer=6",
            "--data",
            "a.txt",
            "b.txt",
            "--no-bias",
            "--json",
            "--data",
            "c.txt",
        ],
        specs,
    );
    assert.deepEqual(options, {
        lr: 3e-4,
        n_layer: 6,
        data: ["a.txt", "b.txt", "c.txt"],
        bias: false,
        json: true,
    });
    assert.deepEqual(positionals, ["run1"]);
});

test("negative numbers are values, and NaN reaches validation as NaN", () => {
    assert.equal(parseArgs(["--lr", "-0.001"], specs).options.lr, -0.001);
    assert.ok(Number.isNaN(parseArgs(["--lr", "nan"], specs).options.lr as number));
});

test("bad arguments give messages naming the flag", () => {
    fails(["--learning-rate", "1"], /Unknown option --learning-rate/);
    fails(["--lr"], /^--lr needs a number\.$/);
    fails(["--lr", "--json"], /^--lr needs a number\.$/);
    fails(["--out"], /^--out needs a value\.$/);
    fails(["--tokenizer"], /^--tokenizer needs one of char, bpe\.$/);
    fails(["--lr", "fast"], /--lr needs a number; found "fast"/);
    fails(["--lr", "0x10"], /--lr needs a number/);
    fails(["--n-layer", "2.5"], /--n-layer needs an integer; found "2.5"/);
    fails(["--n-layer", ""], /--n-layer needs an integer/);
    fails(["--tokenizer", "word"], /--tokenizer must be one of char, bpe; found "word"/);
    fails(["--data"], /--data needs at least one value/);
    fails(["--json=yes"], /--json is a switch/);
    fails(["-x"], /Unknown option -x/);
    fails(["--no-json"], /Unknown option --no-json/);
});

test("help lists every flag with its placeholder", () => {
    const text = formatOptions(specs);
    assert.match(text, /--lr X\s+learning rate/);
    assert.match(text, /--\[no-\]bias\s+biases/);
    assert.match(text, /--tokenizer char\|bpe/);
    assert.equal(text.split("\n").length, specs.length);
});
