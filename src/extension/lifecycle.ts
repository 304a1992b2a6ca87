// Disposal helpers in the manner of VS Code's own lifecycle module: a store that disposes what
// was added to it, a base class that registers its listeners, and a slot for a replaceable value
// (the engine session) whose previous occupant is disposed on replacement.

export interface IDisposable {
    dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
    return { dispose: fn };
}

/** Disposes everything added to it, once; things added after that are disposed at once. */
export class DisposableStore implements IDisposable {
    private readonly items = new Set<IDisposable>();
    private disposed = false;

    add<T extends IDisposable>(item: T): T {
        if (this.disposed) item.dispose();
        else this.items.add(item);
        return item;
    }

    /** Disposes the current contents but keeps the store usable. */
    clear(): void {
        const items = [...this.items];
        this.items.clear();
        disposeAll(items);
    }

    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        this.clear();
    }
}

export abstract class Disposable implements IDisposable {
    protected readonly store = new DisposableStore();

    protected register<T extends IDisposable>(item: T): T {
        return this.store.add(item);
    }

    dispose(): void {
        this.store.dispose();
    }
}

/** Holds at most one disposable value; setting a new one disposes the old. */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
    private current: T | undefined;

    get value(): T | undefined {
        return this.current;
    }

    set value(next: T | undefined) {
        if (next === this.current) return;
        const previous = this.current;
        this.current = next;
        previous?.dispose();
    }

    dispose(): void {
        this.value = undefined;
    }
}

/** Disposes each item; one throwing does not stop the others, and the first error is rethrown. */
export function disposeAll(items: Iterable<IDisposable>): void {
    const errors: unknown[] = [];
    for (const item of items) {
        try {
            item.dispose();
        } catch (error) {
            errors.push(error);
        }
    }
    if (errors.length > 0) throw errors[0];
}
