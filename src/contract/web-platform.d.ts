// The few web-platform globals that Node and browsers both provide; common/ code may use these and nothing else.
// Declared here because the common layer compiles with neither DOM nor Node types (that is how the layer rule is enforced).

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  throwIfAborted(): void;
}
interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare var AbortController: { prototype: AbortController; new (): AbortController };
declare var AbortSignal: {
  prototype: AbortSignal;
  timeout(milliseconds: number): AbortSignal;
  abort(reason?: unknown): AbortSignal;
};
declare function structuredClone<T>(value: T): T;
declare function queueMicrotask(callback: () => void): void;
declare function setTimeout(callback: () => void, milliseconds?: number): unknown;
declare function clearTimeout(handle: unknown): void;
interface URL {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly username: string;
  readonly password: string;
  readonly origin: string;
  readonly href: string;
}
declare var URL: { prototype: URL; new (url: string, base?: string): URL };
