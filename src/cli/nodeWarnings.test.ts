// The Buffer() deprecation (DEP0005) that protobufjs triggers while decoding .onnx files is kept
// off stderr; other warnings still appear.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../test/support/paths";

function stderrOf(silence: boolean): string {
    const script = [
        silence ? `require(${JSON.stringify(join(__dirname, "nodeWarnings.ts"))}).silenceBufferDeprecation();` : "",
        "new Buffer(0);",
        "process.emitWarning('kept', 'DeprecationWarning', 'DEP9999');",
        "process.emitWarning('kept too', { type: 'Warning', code: 'X1' });",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: repoRoot, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr;
}

test("DEP0005 is silenced and nothing else is", () => {
    assert.match(stderrOf(false), /DEP0005/, "the script does trigger the warning");
    const quiet = stderrOf(true);
    assert.ok(!quiet.includes("DEP0005"), quiet);
    assert.match(quiet, /DEP9999.*kept/);
    assert.match(quiet, /kept too/);
});
