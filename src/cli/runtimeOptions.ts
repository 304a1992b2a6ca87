// Flags every command that runs ONNX Runtime shares (threads, execution providers, JSON output,
// help), and their reading into the runtime options the engine's session helpers take.

import { parseExecutionProviders, type ExecutionProviderName } from "../engine/runtime";
import { UserError } from "../engine/types";
import type { OptionSpec } from "./args";

/** --threads and --ep. */
export const runtimeOptions: OptionSpec[] = [
    { name: "threads", kind: "int", help: "ONNX Runtime intra-op threads (0 = its default)" },
    {
        name: "ep",
        key: "executionProviders",
        kind: "string",
        help: "execution providers to try before the CPU, comma-separated: cuda, webgpu, cpu",
    },
];

/** --json (whose help says what JSON replaces) and --help. */
export function outputOptions(jsonHelp: string): OptionSpec[] {
    return [
        { name: "json", kind: "boolean", help: jsonHelp },
        { name: "help", kind: "boolean", help: "show this help" },
    ];
}

/** The parsed --threads and --ep; a negative thread count or unknown provider is a UserError. */
export function runtimeFrom(options: Record<string, unknown>): {
    threads: number | undefined;
    executionProviders: ExecutionProviderName[];
} {
    const threads = options.threads as number | undefined;
    if (threads !== undefined && threads < 0) {
        throw new UserError(`--threads must be 0 or more, found ${threads} (0 = ONNX Runtime's default).`);
    }
    return {
        threads,
        executionProviders: parseExecutionProviders(options.executionProviders, "--ep"),
    };
}
