// The contract kit: declare services as zod schemas once; derive the host's implementation type and the client's type.
import type { z } from 'zod';
import type { Progress } from './envelope.js';

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly kind: 'method';
  readonly input: I;
  readonly output: O;
  readonly summary: string;
}

export interface EventSpec<I extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly input: I;
  readonly data: D;
  readonly summary: string;
}

export type ServiceSpec = Readonly<Record<string, MethodSpec | EventSpec>>;
export type ContractSpec = Readonly<Record<string, ServiceSpec>>;

export function method<I extends z.ZodType, O extends z.ZodType>(spec: {
  input: I;
  output: O;
  summary: string;
}): MethodSpec<I, O> {
  return { kind: 'method', ...spec };
}

export function event<I extends z.ZodType, D extends z.ZodType>(spec: {
  input: I;
  data: D;
  summary: string;
}): EventSpec<I, D> {
  return { kind: 'event', ...spec };
}

export const defineService = <S extends ServiceSpec>(service: S): S => service;
export const defineContract = <C extends ContractSpec>(contract: C): C => contract;

// ---- host side -------------------------------------------------------------------------------------------------

/** What a method implementation receives besides its validated input. */
export interface CallContext {
  /** Aborted when the client cancels or goes away; long jobs must honour it. */
  readonly signal: AbortSignal;
  /** Reports progress of a long job to the caller. */
  progress(progress: Progress): void;
}

/** What an event implementation receives: it emits until the signal aborts (unsubscribe or disconnect). */
export interface EventSink<D> {
  readonly signal: AbortSignal;
  emit(data: D): void;
}

export type MethodImpl<M extends MethodSpec> = (
  input: z.output<M['input']>,
  context: CallContext,
) => Promise<z.input<M['output']>>;

export type EventImpl<E extends EventSpec> = (
  input: z.output<E['input']>,
  sink: EventSink<z.input<E['data']>>,
) => void | Promise<void>;

export type ServiceImpl<S extends ServiceSpec> = {
  [K in keyof S]: S[K] extends MethodSpec ? MethodImpl<S[K]> : S[K] extends EventSpec ? EventImpl<S[K]> : never;
};

export type ContractImpl<C extends ContractSpec> = { [S in keyof C]: ServiceImpl<C[S]> };

// ---- client side -----------------------------------------------------------------------------------------------

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export type Unsubscribe = () => void;

export type MethodClient<M extends MethodSpec> = (
  input: z.input<M['input']>,
  options?: CallOptions,
) => Promise<z.output<M['output']>>;

export type EventClient<E extends EventSpec> = (
  input: z.input<E['input']>,
  listener: (data: z.output<E['data']>) => void,
  onError?: (error: Error) => void,
) => Unsubscribe;

export type ServiceClient<S extends ServiceSpec> = {
  [K in keyof S]: S[K] extends MethodSpec ? MethodClient<S[K]> : S[K] extends EventSpec ? EventClient<S[K]> : never;
};

export type ContractClient<C extends ContractSpec> = { [S in keyof C]: ServiceClient<C[S]> };

/** Looks up "<service>.<name>" without ever touching inherited properties. */
export function lookupSpec(contract: ContractSpec, qualifiedName: string): MethodSpec | EventSpec | undefined {
  const dot = qualifiedName.indexOf('.');
  const serviceName = qualifiedName.slice(0, dot);
  const name = qualifiedName.slice(dot + 1);
  if (!Object.hasOwn(contract, serviceName)) return undefined;
  const service = contract[serviceName] as ServiceSpec;
  return Object.hasOwn(service, name) ? service[name] : undefined;
}
