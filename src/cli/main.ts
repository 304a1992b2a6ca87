// The `lm-lab` command line: training commands run here (trainCommands.ts), analysis commands
// are handed to analysisCommands.ts. Exit codes: 0 success, 1 failure, 2 bad arguments.

import { log } from "../engine/log";
import { UserError } from "../engine/types";
import { infoCommand, infoCommandHelp, versionLine } from "./infoCommand";
import { silenceBufferDeprecation } from "./nodeWarnings";
import {
    benchCommand,
    evalCommand,
    resumeCommand,
    trainCommand,
    trainCommandHelp,
} from "./trainCommands";

const analysisNames = ["analyze", "attention", "generate", "export"];
const commandNames = ["train", "resume", "eval", "bench", ...analysisNames, "info"];

const usage = `Usage: lm-lab <command> [options]

Training
  train     train a model on text files        lm-lab train --preset nanogpt-cpu --data FILE --out DIR
  resume    continue a run from its checkpoint lm-lab resume DIR [--iters N]
  eval      validation loss of a run           lm-lab eval DIR [--eval-iters 200]
  bench     time training steps               lm-lab bench --preset nanogpt-cpu --data FILE --iters 50

Models
  analyze   per-token probabilities            lm-lab analyze --model PATH --text T
  attention attention maps                     lm-lab attention --model PATH --text T
  generate  sample text                        lm-lab generate --model PATH --text PROMPT
  export    export a model (hf | onnx)         lm-lab export --model PATH --format onnx --out FILE

Installation
  info      versions and execution providers   lm-lab info [--probe]

Run "lm-lab <command> --help" for a command's options. --json prints JSON lines.
--ep cuda,webgpu asks for GPU execution providers (unavailable ones fall back to the CPU).
"lm-lab --version" prints the versions.`;

/** Runs one command line (without node and the script) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    silenceBufferDeprecation();
    // Stdout belongs to the command's output; with --json the log stays quiet except errors.
    if (rest.includes("--json")) log.setLevel("error");
    try {
        switch (command) {
            case undefined:
            case "help":
            case "--help":
            case "-h":
                if (rest[0] && trainCommandHelp[rest[0]])
                    process.stdout.write(trainCommandHelp[rest[0]] + "\n");
                else if (rest[0] === "info") process.stdout.write(infoCommandHelp + "\n");
                else process.stdout.write(usage + "\n");
                return command === undefined ? 2 : 0;
            case "--version":
            case "-V":
                process.stdout.write(versionLine() + "\n");
                return 0;
            case "info":
                return await infoCommand(rest);
            case "train":
                return await trainCommand(rest);
            case "resume":
                return await resumeCommand(rest);
            case "eval":
                return await evalCommand(rest);
            case "bench":
                return await benchCommand(rest);
            default:
                if (analysisNames.includes(command)) {
                    // Loaded on demand (require, which every loader of this file supports): the
                    // analysis modules are not needed to train.
                    const { runAnalysisCommand } =
                        require("./analysisCommands") as typeof import("./analysisCommands");
                    return await runAnalysisCommand(command, rest);
                }
                process.stderr.write(
                    `lm-lab: unknown command "${command}". Commands: ${commandNames.join(", ")}; ` +
                        `"lm-lab --help" describes them.\n`,
                );
                return 2;
        }
    } catch (e) {
        if (e instanceof UserError) {
            process.stderr.write(`lm-lab ${command ?? ""}: ${e.message}\n`);
            return 2;
        }
        process.stderr.write(
            `lm-lab ${command ?? ""} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
        );
        return 1;
    }
}

if (require.main === module) {
    void runCli(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
