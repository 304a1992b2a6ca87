// The "New run" form: data source, tokenizer, model size, context, batch, learning rate,
// iterations, dropout and weight decay, with validation messages beside each field (shared rules
// in webview/shared/trainForm.ts) and a Start button that is enabled only for a valid form.

import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import { h, setChildren } from "../shared/dom";
import {
    trainFormLabels,
    validateTrainForm,
    type DataSource,
    type NumberField,
    type TrainForm,
} from "../shared/trainForm";

/** Number fields in the order they are shown. */
const numberFields: NumberField[] = [
    "n_layer",
    "n_head",
    "n_embd",
    "block_size",
    "batch_size",
    "lr",
    "max_iters",
    "dropout",
    "weight_decay",
    "bpeVocabSize",
];

export class RunForm {
    readonly element: HTMLElement;
    private form: TrainForm;
    private readonly inputs = new Map<NumberField, HTMLElement>();
    /** The text typed in each number field, quoted in messages when it is not a number. */
    private entered: Partial<Record<NumberField, string>> = {};
    private readonly errors = new Map<keyof TrainForm, HTMLElement>();
    private readonly source = select("source", [["file", "Current file"], ["selection", "Selection"], ["workspace", "Workspace .txt/.md files"], ["browse", "Choose files…"]]);
    private readonly tokenizer = select("tokenizer", [["char", "Characters"], ["bpe", "Byte-level BPE"]]);
    private readonly filesEl = h("div", { className: "muted", testid: "files" });
    private readonly browse = h("vscode-button", { testid: "browse", attrs: { secondary: true, icon: "folder-opened" }, text: "Browse…" });
    private readonly start = h("vscode-button", { testid: "start", attrs: { icon: "play" }, text: "Start training" });

    constructor(initial: TrainForm, onStart: (form: TrainForm) => void, onBrowse: () => void) {
        this.form = { ...initial };
        const rows: HTMLElement[] = [
            field(trainFormLabels.source, this.source, this.errorFor("source")),
            h("div", { className: "field-row" }, this.browse, this.filesEl),
            this.errorFor("files"),
            field(trainFormLabels.tokenizer, this.tokenizer, this.errorFor("tokenizer")),
        ];
        for (const key of numberFields) {
            const label = trainFormLabels[key];
            const input = h("vscode-textfield", { testid: `field-${key}`, attrs: { type: "text", inputmode: "decimal", "aria-label": label } });
            input.addEventListener("input", () => this.read());
            this.inputs.set(key, input);
            rows.push(field(label, input, this.errorFor(key)));
        }
        this.source.addEventListener("change", () => this.read());
        this.tokenizer.addEventListener("change", () => this.read());
        this.browse.addEventListener("click", onBrowse);
        this.start.addEventListener("click", () => {
            this.read();
            if (Object.keys(validateTrainForm(this.form, this.entered)).length === 0) onStart({ ...this.form });
        });
        this.element = h("div", { className: "run-form", testid: "run-form" }, ...rows, h("div", { className: "toolbar" }, this.start));
        this.write();
    }

    setFiles(files: string[]): void {
        this.form.files = files;
        this.form.source = "browse";
        this.write();
    }

    set(form: TrainForm): void {
        this.form = { ...form };
        this.write();
    }

    private errorFor(key: keyof TrainForm): HTMLElement {
        const el = h("div", { className: "field-error", testid: `error-${key}`, attrs: { role: "alert" } });
        this.errors.set(key, el);
        return el;
    }

    private write(): void {
        setValue(this.source, this.form.source);
        setValue(this.tokenizer, this.form.tokenizer);
        this.entered = {};
        for (const [key, input] of this.inputs) setValue(input, String(this.form[key]));
        this.validate();
    }

    private read(): void {
        this.form.source = getValue(this.source) as DataSource;
        this.form.tokenizer = getValue(this.tokenizer) as TrainForm["tokenizer"];
        for (const [key, input] of this.inputs) {
            const raw = getValue(input).trim();
            this.entered[key] = raw;
            this.form[key] = raw === "" ? Number.NaN : Number(raw);
        }
        this.validate();
    }

    private validate(): void {
        const errors = validateTrainForm(this.form, this.entered);
        for (const [key, el] of this.errors) el.textContent = errors[key] ?? "";
        for (const [key, input] of this.inputs) {
            if (errors[key]) input.setAttribute("invalid", "");
            else input.removeAttribute("invalid");
        }
        this.inputs.get("bpeVocabSize")!.closest<HTMLElement>(".field")!.hidden = this.form.tokenizer !== "bpe";
        this.browse.hidden = this.form.source !== "browse";
        setChildren(this.filesEl, this.form.source === "browse" ? this.form.files.map((f) => f.split(/[\\/]/).pop()).join(", ") || "no files chosen" : "");
        const valid = Object.keys(errors).length === 0;
        if (valid) this.start.removeAttribute("disabled");
        else this.start.setAttribute("disabled", "");
    }
}

function field(label: string, control: HTMLElement, error: HTMLElement): HTMLElement {
    return h("label", { className: "field" }, h("span", { className: "field-label", text: label }), control, error);
}

function select(testid: string, options: [string, string][]): HTMLElement {
    const el = h("vscode-single-select", { testid: `field-${testid}` });
    for (const [value, label] of options) el.append(h("vscode-option", { attrs: { value }, text: label }));
    return el;
}

function getValue(el: HTMLElement): string {
    return String((el as unknown as { value: unknown }).value ?? "");
}

function setValue(el: HTMLElement, value: string): void {
    (el as unknown as { value: string }).value = value;
}
