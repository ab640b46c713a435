// SPDX-License-Identifier: MIT
// WAGEUBN's bit budget for the quantized Momentum optimizer (Yang et al. eq. 21, 23):
//   k_GC = k_Ggamma = k_Gbeta = k_Mom + k_Acc - 1                                  (21)
//   k_WU = k_Mom + k_Acc + k_lr - 2 = k_GC + k_lr - 1                              (23)
// The paper's widths: k_Mom = 3, k_Acc = 13, k_lr = 10, k_GC = 15, k_WU = 24.

export interface WageubnWidths {
  readonly kMom: number;
  readonly kAcc: number;
  readonly kLr: number;
  readonly kGC: number;
  readonly kWU: number;
}

export const WAGEUBN_WIDTHS: WageubnWidths = { kMom: 3, kAcc: 13, kLr: 10, kGC: 15, kWU: 24 };

/** Messages for each broken equation (empty when the widths are consistent). */
export function budgetErrors(w: WageubnWidths): string[] {
  const errs: string[] = [];
  if (w.kGC !== w.kMom + w.kAcc - 1) {
    errs.push(
      `WAGEUBN eq. 21 needs k_GC = k_Mom + k_Acc - 1: ${w.kGC} != ${w.kMom} + ${w.kAcc} - 1 = ${w.kMom + w.kAcc - 1}`,
    );
  }
  if (w.kWU !== w.kGC + w.kLr - 1) {
    errs.push(
      `WAGEUBN eq. 23 needs k_WU = k_GC + k_lr - 1: ${w.kWU} != ${w.kGC} + ${w.kLr} - 1 = ${w.kGC + w.kLr - 1}`,
    );
  }
  return errs;
}

/** A site spec as far as the budget cares: its kind and widths. */
type Spec = Readonly<Record<string, unknown>> | undefined;

/**
 * Widths the scheme's sites use must agree with the optimizer's: the weight gradient G (CQ,
 * k_GC), the BN parameter gradients BN.ggamma / BN.gbeta (eq. 21), the accumulator ACC (eq. 20)
 * and the stored weights WU (eq. 23). Returns messages naming the equation.
 */
export function siteBudgetErrors(
  w: WageubnWidths,
  sites: Readonly<Record<string, Spec>>,
): string[] {
  const errs: string[] = [];
  const g = sites.G;
  if (g && g.quantizer === 'wageubn-constant' && (g.kGC ?? 15) !== w.kGC) {
    errs.push(
      `WAGEUBN eq. 21: site G uses k_GC = ${String(g.kGC ?? 15)} but the optimizer's k_GC is ${w.kGC}`,
    );
  }
  for (const s of ['BN.ggamma', 'BN.gbeta']) {
    const b = sites[s];
    if (b && b.quantizer === 'wageubn-direct' && b.bits !== w.kGC) {
      errs.push(
        `WAGEUBN eq. 21: site ${s} uses ${String(b.bits)} bits but k_G must equal k_GC = ${w.kGC}`,
      );
    }
  }
  const acc = sites.ACC;
  if (acc && acc.quantizer === 'wageubn-direct' && acc.bits !== w.kAcc) {
    errs.push(
      `WAGEUBN eq. 20: site ACC (Q_Acc) has ${String(acc.bits)} bits but k_Acc = ${w.kAcc}`,
    );
  }
  const wu = sites.WU;
  if (wu && wu.quantizer === 'wageubn-direct' && wu.bits !== w.kWU) {
    errs.push(`WAGEUBN eq. 23: site WU stores ${String(wu.bits)} bits but k_WU = ${w.kWU}`);
  }
  return errs;
}
