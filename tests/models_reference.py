"""Independent references for the model tests: the papers' closed forms in plain Python
(math module, loops, 2F1 summed as its series) and a BG/NBD simulator with known parameters."""

from __future__ import annotations

import math


def hyp2f1_series(a: float, b: float, c: float, z: float) -> float:
    """Gauss's series Σ (a)_k (b)_k / ((c)_k k!) z^k, summed until the terms vanish (|z| < 1)."""
    total, term, k = 1.0, 1.0, 0
    while k < 500_000:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        k += 1
        if abs(term) < 1e-17 * abs(total) and k > 5:
            break
    return total


def p_alive(r, alpha, a, b, x, t_x, T) -> float:
    """FHL (2005) note: 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))."""
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))


def expected_purchases(r, alpha, a, b, t, x, t_x, T) -> float:
    """FHL (2005) eq. (10), as printed: no Euler transformation."""
    z = t / (alpha + T + t)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1_series(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(r, alpha, a, b, x, t_x, T)


def expected_purchases_new(r, alpha, a, b, t) -> float:
    """FHL (2005) eq. (9)."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1_series(r, b, a + b - 1, z))


def log_likelihood(r, alpha, a, b, x, t_x, T) -> float:
    """FHL (2005) eq. (6) with math.lgamma, no log-space care: fine for small x."""
    beta_ratio = math.exp(math.lgamma(a) + math.lgamma(b + x) - math.lgamma(a + b + x)
                          - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    gamma_part = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha ** r
    value = beta_ratio * gamma_part / (alpha + T) ** (r + x)
    if x > 0:
        beta_ratio_2 = math.exp(math.lgamma(a + 1) + math.lgamma(b + x - 1) - math.lgamma(a + b + x)
                                - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
        value += beta_ratio_2 * gamma_part / (alpha + t_x) ** (r + x)
    return math.log(value)


def derl_sum(alpha, beta, discount, renewals) -> float:
    """Σ_{k≥0} S(n+k)/S(n-1) / (1+d)^k with n-1 = renewals, S from the sBG recursion."""
    n = renewals + 1
    term = (beta + n - 1) / (alpha + beta + n - 1)  # S(n) / S(n-1), undiscounted
    total, k = 0.0, 0
    while term > 1e-18 * total and k < 1_000_000:
        total += term
        term *= (beta + n + k) / (alpha + beta + n + k) / (1 + discount)  # next survival ratio, discounted
        k += 1
    return total


def simulate_bgnbd(rng, n, r, alpha, a, b, T):
    """x, t_x per customer: Poisson(λ) purchases from time 0, dropout with prob p after each repeat."""
    import numpy as np

    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0 / lam[active])
        bought = now[active] <= T[active]
        active = active[bought]
        x[active] += 1
        t_x[active] = now[active]
        active = active[rng.random(active.size) >= p[active]]
    return x, t_x, T
