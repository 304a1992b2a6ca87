// Flags every command that runs ONNX Runtime shares (threads, execution providers, JSON output,
// help), and their reading into the runtime options the engine's session helpers take.

import { parseExecutionProviders, type ExecutionProviderName } from "../engine/runtime";
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

/** The parsed --threads and --ep; an unknown provider name is a UserError naming --ep. */
export function runtimeFrom(options: Record<string, unknown>): {
    threads: number | undefined;
    executionProviders: ExecutionProviderName[];
} {
    return {
        threads: options.threads as number | undefined,
        executionProviders: parseExecutionProviders(options.executionProviders, "--ep"),
    };
}
