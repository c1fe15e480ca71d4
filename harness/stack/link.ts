import type { HttpRule } from './http-faults.ts';

/** A link of the stack: a dependent part reaching another through a Toxiproxy proxy of its own. */
export interface ResolvedLink {
  /** 'from→to' */
  name: string;
  from: string;
  to: string;
  /** The rules of the HTTP faults on this link: when any, the link goes through an HTTP fault proxy. */
  http: readonly HttpRule[];
}
