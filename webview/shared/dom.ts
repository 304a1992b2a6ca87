// A tiny element builder for the webviews: elements are created with properties, attributes
// (keys starting with "data-" or "aria-", and "testid") and children, never from HTML strings,
// so no model output is ever parsed as markup.

type Child = Node | string | null | undefined | false;

export interface ElementProps {
    className?: string;
    testid?: string;
    title?: string;
    text?: string;
    attrs?: Record<string, string | number | boolean>;
    on?: Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props?: ElementProps,
    ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, props?: ElementProps, ...children: Child[]): HTMLElement;
export function h(tag: string, props: ElementProps = {}, ...children: Child[]): HTMLElement {
    const el = document.createElement(tag);
    if (props.className) el.className = props.className;
    if (props.testid) el.dataset.testid = props.testid;
    if (props.title) el.title = props.title;
    if (props.text !== undefined) el.textContent = props.text;
    for (const [key, value] of Object.entries(props.attrs ?? {})) {
        if (value === false) continue;
        el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const [event, handler] of Object.entries(props.on ?? {})) {
        if (handler) el.addEventListener(event, handler);
    }
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        el.append(child);
    }
    return el;
}

/** Replaces an element's children. */
export function setChildren(el: Element, ...children: Child[]): void {
    el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** Reads a CSS custom property of the theme, with a fallback outside VS Code. */
export function themeColor(name: string, fallback: string): string {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
}
