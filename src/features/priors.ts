/**
 * The statistical candidate features of the KDD Cup 2021 winning solution (SEED-SOLUTION §3): for a
 * query (h, r) and a candidate tail c, walks from h or r to c over the training graph, weighted by
 * the six transition probabilities of §3.1 (c(·) = training-triple counts, multi-edges counted
 * multiply, train only as in the released scripts):
 *
 *   P_HT(h, t) = c(h → t, any r) / c(h as head)       P_TH(t, h) = c(h → t, any r) / c(t as tail)
 *   P_HR(h, r) = c(h as head of r) / c(h as head)     P_TR(t, r) = c(t as tail of r) / c(t as tail)
 *   P_RH(r, h) = c(h as head of r) / c(r)             P_RT(r, t) = c(t as tail of r) / c(r)
 *
 * Each feature is named after its path: a step "XY" moves from an X-role to a Y-role (H head,
 * T tail, R relation) with P_XY, so "ht-th" is h →(P_HT) e →(P_TH) c, i.e. h → e ← c in the
 * graph. The ten features of the released scripts (ensemble.py's order, which the native kernel
 * also writes in) come first, then the four paper features the scripts lacked. The formulas are
 * the doc comments below; `priors-reference.ts` computes them literally in float64 and the tests
 * hold the native kernel to it.
 *
 * Readings taken where the seed's paper and code disagree (SEED-SOLUTION §3):
 * - ht-th-ht (seed 5, hht): the code's path h → t ← h' → c, not the paper's Eq. 13 (F_HT-HT-TH):
 *   it is the one the 0.9797 ensemble used. Hub tails (in-degree > hubLimit, the code's cap of 10)
 *   are skipped: without the cap one "instance of human" edge makes every query walk millions of
 *   heads. The code's second cap (heads with more than 10 out-edges got no feature at all) is
 *   dropped: it only saved Python time and zeroed the feature for most well-known heads.
 * - rt-hr-rh (seed 6, r2t_h2r): the code's last step P_RH(r', c) (c is a head of r'), not Eq. 18's
 *   P_RT: it asks whether c emits the relations that r's tails emit (a type match, like rt-tr-rt
 *   on the incoming side), which is what a candidate ranker needs; the paper's ending would score
 *   the tails of the next hop instead.
 * - h2r: the scripts write h2r_prob2.pkl and read h2r_prob.pkl; here there are no intermediate
 *   files, each probability is computed once from the CSR arrays.
 * - test coverage: every query of the split (the seed's rrh script stopped at 50,000 test queries).
 * - pairing: the stage writes one file per feature under its name; the seed's ensemble paired its
 *   weights with model scores by position (a typo) — features.json names each file so no consumer
 *   has to rely on positions.
 * - counts: train only, as the released scripts (the paper says "all data, including the
 *   candidates"; that would leak the candidate lists into every feature, not just 9 and 10).
 */
export interface PriorFeature {
  /** file name part: data/<ds>/features/<split>-<name>.npy */
  name: string;
  /** the walk, in graph terms */
  path: string;
  formula: string;
  /** the seed's script (1-10) or the paper's equation */
  source: string;
  /** computed from the split's candidate lists (only informative because OGB's lists hold the answer) */
  candidateListLeakage: boolean;
}

export const PRIOR_FEATURES: readonly PriorFeature[] = [
  /** F = Σ_{r'} M[r, r'] · P_RT(r', c),  M[r, r'] = Σ_t P_RT(r, t) · P_TR(t, r')  (paper Eq. 16) */
  { name: "rt-tr-rt", path: "r → t ← r' → c", formula: "Σ_r' (Σ_t P_RT(r,t)·P_TR(t,r')) · P_RT(r',c)", source: "seed 1 (rrt_feat), paper Eq. 16", candidateListLeakage: false },
  /** F = Σ_e P_HT(h, e) · P_TH(e, c)  (paper Eq. 11) */
  { name: "ht-th", path: "h → e ← c", formula: "Σ_e P_HT(h,e)·P_TH(e,c)", source: "seed 2 (h2t_t2h_feat), paper Eq. 11", candidateListLeakage: false },
  /** F = Σ_e P_TH(h, e) · P_HT(e, c)  (paper Eq. 9) */
  { name: "th-ht", path: "h ← e → c", formula: "Σ_e P_TH(h,e)·P_HT(e,c)", source: "seed 3 (t2h_h2t_feat), paper Eq. 9", candidateListLeakage: false },
  /** F = Σ_e P_HT(h, e) · P_HT(e, c)  (paper Eq. 10) */
  { name: "ht-ht", path: "h → e → c", formula: "Σ_e P_HT(h,e)·P_HT(e,c)", source: "seed 4 (h2t_h2t_feat), paper Eq. 10", candidateListLeakage: false },
  /** F = Σ_{h'} Q[h, h'] · P_HT(h', c),  Q[h, h'] = Σ_{t : c(· → t) ≤ hubLimit} P_HT(h, t) · P_TH(t, h')  (seed code path) */
  { name: "ht-th-ht", path: "h → t ← h' → c", formula: "Σ_h' (Σ_{t, in-degree ≤ hubLimit} P_HT(h,t)·P_TH(t,h')) · P_HT(h',c)", source: "seed 5 (hht_feat); paper Eq. 13 writes another path", candidateListLeakage: false },
  /** F = Σ_{r'} M[r, r'] · P_RH(r', c),  M[r, r'] = Σ_t P_RT(r, t) · P_HR(t, r')  (seed code path) */
  { name: "rt-hr-rh", path: "r → t, t → r', c → r'", formula: "Σ_r' (Σ_t P_RT(r,t)·P_HR(t,r')) · P_RH(r',c)", source: "seed 6 (r2t_h2r_feat); paper Eq. 18 ends with P_RT", candidateListLeakage: false },
  /** F = P_RT(r, c)  (paper Eq. 14) */
  { name: "rt", path: "r → c", formula: "P_RT(r,c)", source: "seed 7 (r2t_feat), paper Eq. 14", candidateListLeakage: false },
  /** F = Σ_{r'} M[r, r'] · P_RT(r', c),  M[r, r'] = Σ_h P_RH(r, h) · P_HR(h, r')  (paper Eq. 17) */
  { name: "rh-hr-rt", path: "r ← h → r' → c", formula: "Σ_r' (Σ_h P_RH(r,h)·P_HR(h,r')) · P_RT(r',c)", source: "seed 8 (rrh_feat), paper Eq. 17", candidateListLeakage: false },
  /** F = Σ_{queries q' of the split with relation r} [occurrences of c in q''s candidate list] */
  { name: "relation-list-count", path: "c in the candidate lists of the split's queries with relation r", formula: "Σ_{q': r_q' = r} #(c in candidates(q'))", source: "seed 9 (rt_feat)", candidateListLeakage: true },
  /** F = Σ_{queries q' of the split with head h} [occurrences of c in q''s candidate list] */
  { name: "head-list-count", path: "c in the candidate lists of the split's queries with head h", formula: "Σ_{q': h_q' = h} #(c in candidates(q'))", source: "seed 10 (ht_feat)", candidateListLeakage: true },
  /** F = P_HT(h, c)  (paper Eq. 7) */
  { name: "ht", path: "h → c", formula: "P_HT(h,c)", source: "paper Eq. 7 (not in the scripts)", candidateListLeakage: false },
  /** F = P_TH(h, c) = c(c → h) / c(h as tail)  (paper Eq. 8) */
  { name: "th", path: "h ← c", formula: "P_TH(h,c)", source: "paper Eq. 8 (not in the scripts)", candidateListLeakage: false },
  /** F = Σ_e P_TH(h, e) · P_TH(e, c)  (paper Eq. 12) */
  { name: "th-th", path: "h ← e ← c", formula: "Σ_e P_TH(h,e)·P_TH(e,c)", source: "paper Eq. 12 (not in the scripts)", candidateListLeakage: false },
  /** F = P_RH(r, c)  (paper Eq. 15) */
  { name: "rh", path: "r ← c (c a head of r)", formula: "P_RH(r,c)", source: "paper Eq. 15 (not in the scripts)", candidateListLeakage: false },
];

/** The seed's cap on a tail's in-degree in the ht-th-ht walk (hht_feat_byprob.py). */
export const DEFAULT_HUB_LIMIT = 10;

export function priorFeatureNames(): string[] {
  return PRIOR_FEATURES.map((f) => f.name);
}
