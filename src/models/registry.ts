/**
 * The interaction registry: name -> Interaction. Native and tfjs kernels register under the same
 * names. An unknown name throws listing the known ones.
 */
import { KgcError } from "../core/errors.js";
import { complex } from "./complex.js";
import { distmult } from "./distmult.js";
import type { Interaction } from "./interaction.js";
import { noteModel, oteModel } from "./ote.js";
import { quate } from "./quate.js";
import { rotate } from "./rotate.js";
import { transeL1, transeL2 } from "./transe.js";

const interactions = new Map<string, Interaction>();

export function registerInteraction(m: Interaction): void {
  if (interactions.has(m.name)) throw new Error(`interaction '${m.name}' registered twice`);
  interactions.set(m.name, m);
}

for (const m of [transeL1, transeL2, distmult, complex, rotate, quate, oteModel, noteModel]) registerInteraction(m);

export function getInteraction(name: string): Interaction {
  const m = interactions.get(name.toLowerCase());
  if (!m) throw new KgcError("model", `unknown model '${name}' (known: ${interactionNames().join(", ")})`);
  return m;
}

export function interactionNames(): string[] {
  return [...interactions.keys()];
}
