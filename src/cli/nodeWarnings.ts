// Keeps one Node deprecation warning off stderr: DEP0005 ("Buffer() is deprecated"), which
// protobufjs 6 (the ONNX protobuf decoder onnx-proto depends on) triggers with `new Buffer(0)`
// for every empty bytes field of an .onnx file. Node warns only when the call comes from outside
// node_modules, so it appears in the bundled CLI and engine, never with the sources. The call is
// harmless (a zero-length buffer); every other warning is still printed.

/** Drops DEP0005 warnings from this process's stderr; calling it again does nothing more. */
export function silenceBufferDeprecation(): void {
    if (silenced) return;
    silenced = true;
    const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
    process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
        if (warningCode(rest) === "DEP0005") return;
        emitWarning(warning, ...rest);
    }) as typeof process.emitWarning;
}

let silenced = false;

/** The code of an emitWarning call: (warning, type, code) or (warning, { code }). */
function warningCode(rest: unknown[]): unknown {
    const [first, second] = rest;
    if (first && typeof first === "object") return (first as { code?: unknown }).code;
    return second;
}
