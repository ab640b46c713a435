// SPDX-License-Identifier: MIT
// The quantizer registry: a scheme's site spec `{ "quantizer": KIND, ...params }` names a kind
// registered here, whose schema validates the params and whose factory builds the Quantizer.
// The papers' quantizers register themselves beside the built-in `format` kind.

import { z } from 'zod';
import type { Quantizer, SiteWhere } from './site.js';

export interface QuantizerKind<P> {
  readonly name: string;
  /** One line for `lowbit schemes`. */
  readonly summary: string;
  /** Strict schema of the params (the spec without its `quantizer` key). */
  readonly params: z.ZodType<P>;
  create(params: P, where: SiteWhere): Quantizer;
}

/** A site spec as written in a scheme file. */
export type SiteSpec = { readonly quantizer?: string } & Readonly<Record<string, unknown>>;

// Kinds are stored type-erased; `registerQuantizer` is the only way in, so each stored create
// function is paired with the schema that produced its params.
interface ErasedKind {
  readonly name: string;
  readonly summary: string;
  parse(
    params: unknown,
  ): { ok: true; make: (w: SiteWhere) => Quantizer } | { ok: false; error: string };
}
const kinds = new Map<string, ErasedKind>();

export function registerQuantizer<P>(kind: QuantizerKind<P>): void {
  kinds.set(kind.name, {
    name: kind.name,
    summary: kind.summary,
    parse(params) {
      const r = kind.params.safeParse(params);
      if (!r.success) return { ok: false, error: z.prettifyError(r.error) };
      const p = r.data;
      return { ok: true, make: (w) => kind.create(p, w) };
    },
  });
}

export function quantizerKinds(): { name: string; summary: string }[] {
  return [...kinds.values()].map(({ name, summary }) => ({ name, summary }));
}

/** The default kind when a spec names none. */
export const DEFAULT_QUANTIZER = 'format';

/** Checks a site spec without building it; returns an error message or null. */
export function checkSiteSpec(spec: SiteSpec): string | null {
  const name = spec.quantizer ?? DEFAULT_QUANTIZER;
  const kind = kinds.get(name);
  if (!kind) {
    return `unknown quantizer "${name}": known quantizers are ${[...kinds.keys()].join(', ')}`;
  }
  const { quantizer: _q, ...params } = spec;
  const r = kind.parse(params);
  return r.ok ? null : `quantizer "${name}": ${r.error}`;
}

export function createQuantizer(spec: SiteSpec, where: SiteWhere): Quantizer {
  const name = spec.quantizer ?? DEFAULT_QUANTIZER;
  const kind = kinds.get(name);
  if (!kind) {
    throw new Error(
      `${where.layer}.${where.site}: unknown quantizer "${name}": known quantizers are ${[...kinds.keys()].join(', ')}`,
    );
  }
  const { quantizer: _q, ...params } = spec;
  const r = kind.parse(params);
  if (!r.ok) throw new Error(`${where.layer}.${where.site}: quantizer "${name}": ${r.error}`);
  return r.make(where);
}
