#!/usr/bin/env python3
"""Reference solutions for the Swift QP solver's tests (Tests/EmbodyControlTests/QuadraticProgramReferenceTests.swift).

Writes Tests/Fixtures/qp/scipy-reference.json: seeded random strictly convex QPs

    minimize ½ xᵀ H x + gᵀ x  subject to  A x = b,  C x ≥ d

with their solutions. Each solution is found independently of the Swift solver: scipy's SLSQP gives an
approximate optimum, from which the active set is read (rows with |Cᵢx − dᵢ| small); the KKT system on that
active set is then solved exactly with numpy, the active set corrected (a negative multiplier leaves, a violated
row joins) until the KKT conditions hold to 1e-11, and the exact x*, λ, μ are written. Data are rounded to six
decimals so the file stays small; the JSON numbers are the exact inputs.

Regenerate with:  python3 tools/qp/scipy_reference.py   (needs numpy and scipy; the Swift tests never call Python)
"""
import json
import pathlib
import sys

import numpy as np
from scipy.optimize import minimize

SHAPES = [(2, 0, 3), (3, 1, 4), (5, 0, 8), (6, 2, 10), (8, 3, 16), (10, 0, 24), (12, 4, 20), (15, 5, 30),
          (20, 6, 40), (25, 8, 45)]
SEED = 20261206


def random_program(rng, n, meq, mineq):
    m = rng.standard_normal((n, n))
    h = np.round(m.T @ m + 0.1 * n * np.eye(n), 6)
    h = np.round(0.5 * (h + h.T), 6)
    x0 = rng.standard_normal(n)
    g = np.round(5.0 * n * rng.standard_normal(n), 6)
    a = np.round(rng.standard_normal((meq, n)), 6)
    b = np.round(a @ x0, 6)
    c = np.round(rng.standard_normal((mineq, n)), 6)
    slack = np.where(rng.uniform(size=mineq) < 0.33, 0.0, rng.uniform(0.0, 2.0, size=mineq))
    d = np.round(c @ x0 - slack - 1e-5, 6)  # keeps x0 strictly feasible after rounding
    return h, g, a, b, c, d, x0


def kkt_on_active_set(h, g, a, b, c, d, active):
    """Solves H x + g = Aᵀλ + C_Aᵀμ_A, A x = b, C_A x = d_A exactly (least squares if singular)."""
    n, meq, k = len(g), len(b), len(active)
    ca = c[active] if k else np.zeros((0, n))
    top = np.hstack([h, -a.T, -ca.T])
    eq = np.hstack([a, np.zeros((meq, meq + k))])
    ineq = np.hstack([ca, np.zeros((k, meq + k))])
    system = np.vstack([top, eq, ineq])
    rhs = np.concatenate([-g, b, d[active] if k else np.zeros(0)])
    sol = np.linalg.lstsq(system, rhs, rcond=None)[0]
    x, lam, mu_a = sol[:n], sol[n:n + meq], sol[n + meq:]
    mu = np.zeros(len(d))
    mu[active] = mu_a
    return x, lam, mu


def kkt_violation(h, g, a, b, c, d, x, lam, mu):
    stat = h @ x + g - a.T @ lam - c.T @ mu
    scale = np.max(np.abs(h) @ np.abs(x) + np.abs(g) + np.abs(a.T) @ np.abs(lam) + np.abs(c.T) @ np.abs(mu))
    worst = np.max(np.abs(stat)) / scale
    if len(b):
        worst = max(worst, np.max(np.abs(a @ x - b) / (np.abs(a) @ np.abs(x) + np.abs(b))))
    s = c @ x - d
    row_scale = np.abs(c) @ np.abs(x) + np.abs(d)
    worst = max(worst, np.max(np.maximum(0, -s) / row_scale), np.max(np.where(mu > 0, np.abs(s), 0) / row_scale))
    if np.any(mu < 0):
        return np.inf
    return worst


def solve(h, g, a, b, c, d, x0):
    constraints = [{"type": "ineq", "fun": lambda x: c @ x - d, "jac": lambda x: c}]
    if len(b):
        constraints.append({"type": "eq", "fun": lambda x: a @ x - b, "jac": lambda x: a})
    result = minimize(lambda x: 0.5 * x @ h @ x + g @ x, x0, jac=lambda x: h @ x + g, method="SLSQP",
                      constraints=constraints, options={"ftol": 1e-15, "maxiter": 2000})
    x = result.x
    row_scale = np.abs(c) @ np.abs(x) + np.abs(d)
    active = [i for i in range(len(d)) if abs(c[i] @ x - d[i]) <= 1e-6 * row_scale[i]]
    for _ in range(50):
        x, lam, mu = kkt_on_active_set(h, g, a, b, c, d, active)
        negative = [i for i in active if mu[i] < 0]
        if negative:
            active.remove(min(negative, key=lambda i: mu[i]))
            continue
        s = c @ x - d
        violated = [i for i in range(len(d)) if i not in active and s[i] < -1e-12 * row_scale[i]]
        if violated:
            active.append(min(violated, key=lambda i: s[i]))
            continue
        mu = np.maximum(mu, 0)
        violation = kkt_violation(h, g, a, b, c, d, x, lam, mu)
        if violation > 1e-11:
            sys.exit(f"KKT violation {violation} after the active-set correction")
        return x, lam, mu, sorted(active), result.x
    sys.exit("the active set did not settle")


def main():
    rng = np.random.default_rng(SEED)
    programs = []
    for n, meq, mineq in SHAPES:
        h, g, a, b, c, d, x0 = random_program(rng, n, meq, mineq)
        x, lam, mu, active, slsqp = solve(h, g, a, b, c, d, x0)
        programs.append({
            "n": n, "meq": meq, "mineq": mineq,
            "hessian": h.ravel().tolist(), "linearTerm": g.tolist(),
            "equalityMatrix": a.ravel().tolist(), "equalityVector": b.tolist(),
            "inequalityMatrix": c.ravel().tolist(), "inequalityVector": d.tolist(),
            "solution": x.tolist(), "equalityMultipliers": lam.tolist(), "inequalityMultipliers": mu.tolist(),
            "activeInequalities": active,
            "slsqpDistance": float(np.max(np.abs(slsqp - x)) / (1 + np.max(np.abs(x)))),
        })
        print(f"n {n:2d} meq {meq:2d} mineq {mineq:2d}: {len(active):2d} inequalities active, "
              f"SLSQP within {programs[-1]['slsqpDistance']:.1e} of the exact KKT point")
    out = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "qp" / "scipy-reference.json"
    document = {"generator": "tools/qp/scipy_reference.py", "seed": SEED,
                "problem": "minimize 0.5 x'Hx + g'x subject to A x = b, C x >= d (row-major matrices)",
                "programs": programs}
    out.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
