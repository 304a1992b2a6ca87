// A small command-line parser driven by a table of options, so that every command checks its
// flags the same way: unknown flags, missing values and malformed numbers are UserErrors that
// name the flag and what was expected.

import { UserError } from "../engine/types";

export type OptionKind = "int" | "number" | "string" | "strings" | "boolean" | "choice";

export interface OptionSpec {
    /** Long name without dashes, e.g. "n-layer". */
    name: string;
    kind: OptionKind;
    /** Key in the parsed result (defaults to the name). */
    key?: string;
    choices?: readonly string[];
    /** Shown in --help after the flag. */
    help: string;
    /** A boolean that also accepts `--no-<name>`. */
    negatable?: boolean;
}

export interface ParsedArgs {
    options: Record<string, unknown>;
    positionals: string[];
}

/** Parses `argv` against `specs`; `--name=value` and `--name value` are both accepted. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
    const byName = new Map(specs.map((s) => [s.name, s]));
    const options: Record<string, unknown> = {};
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            positionals.push(...argv.slice(i + 1));
            break;
        }
        if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
            positionals.push(arg);
            continue;
        }
        if (arg === "-h") {
            options.help = true;
            continue;
        }
        if (!arg.startsWith("--"))
            throw new UserError(`Unknown option ${arg}. Options are written --name.`);
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        let inline = eq < 0 ? undefined : arg.slice(eq + 1);
        const spec = byName.get(name);
        if (!spec && name.startsWith("no-")) {
            const positive = byName.get(name.slice(3));
            if (positive?.negatable) {
                if (inline !== undefined) throw new UserError(`--${name} takes no value.`);
                options[positive.key ?? positive.name] = false;
                continue;
            }
        }
        if (!spec)
            throw new UserError(`Unknown option --${name}. Run with --help to list the options.`);
        const key = spec.key ?? spec.name;
        if (spec.kind === "boolean") {
            if (inline !== undefined && inline !== "true" && inline !== "false") {
                throw new UserError(
                    `--${name} is a switch; found the value "${inline}" (use true or false).`,
                );
            }
            options[key] = inline === undefined ? true : inline === "true";
            continue;
        }
        if (spec.kind === "strings") {
            const values = inline !== undefined ? [inline] : [];
            while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--"))
                values.push(argv[++i]);
            if (values.length === 0) throw new UserError(`--${name} needs at least one value.`);
            options[key] = [...((options[key] as string[] | undefined) ?? []), ...values];
            continue;
        }
        if (inline === undefined) {
            const next = argv[i + 1];
            if (next === undefined || (next.startsWith("--") && next.length > 2)) {
                throw new UserError(`--${name} needs ${describeKind(spec)}.`);
            }
            inline = argv[++i];
        }
        options[key] = convert(spec, name, inline);
    }
    return { options, positionals };
}

/** One line per option, aligned, for --help. */
export function formatOptions(specs: readonly OptionSpec[]): string {
    const rows = specs.map((s) => {
        const flag = `--${s.negatable ? `[no-]${s.name}` : s.name}${s.kind === "boolean" ? "" : ` ${placeholder(s)}`}`;
        return [flag, s.help];
    });
    const width = Math.max(...rows.map(([f]) => f.length)) + 2;
    return rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`).join("\n");
}

function convert(spec: OptionSpec, name: string, raw: string): unknown {
    switch (spec.kind) {
        case "int": {
            const n = Number(raw);
            if (raw.trim() === "" || !Number.isInteger(n)) {
                throw new UserError(`--${name} needs an integer; found "${raw}".`);
            }
            return n;
        }
        case "number": {
            // Number("") is 0 and Number("0x10") is 16: accept only decimal notation.
            if (
                !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim()) &&
                !/^[+-]?(nan|inf(inity)?)$/i.test(raw)
            ) {
                throw new UserError(`--${name} needs a number; found "${raw}".`);
            }
            const lower = raw.trim().toLowerCase();
            if (lower.endsWith("nan")) return Number.NaN;
            if (lower.includes("inf")) return lower.startsWith("-") ? -Infinity : Infinity;
            return Number(raw);
        }
        case "choice":
            if (!spec.choices!.includes(raw)) {
                throw new UserError(
                    `--${name} must be one of ${spec.choices!.join(", ")}; found "${raw}".`,
                );
            }
            return raw;
        default:
            return raw;
    }
}

function placeholder(s: OptionSpec): string {
    if (s.kind === "choice") return s.choices!.join("|");
    if (s.kind === "strings") return "VALUE...";
    return s.kind === "int" ? "N" : s.kind === "number" ? "X" : "VALUE";
}

function describeKind(s: OptionSpec): string {
    return s.kind === "choice"
        ? `one of ${s.choices!.join(", ")}`
        : s.kind === "int"
          ? "an integer"
          : s.kind === "number"
            ? "a number"
            : "a value";
}
