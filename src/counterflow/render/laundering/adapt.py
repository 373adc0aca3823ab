"""How the laundering networks respond to the scenario's levers (``laundering.levers``).

- ``bank_cutoff``: from the order's day no leg touches the cut-off banks; every account the networks
  hold there is replaced by one at another bank of the same country (same holder), and legs through
  a cut-off bank before the order are labeled C9.
- ``account_closure``: banks close a mule's or courier's account after a number of structured
  deposits (counted from the lever's start); the network recruits a fresh mule or courier.
- ``fx_quota``: broker fees fall and each pick-up finds more dollar buyers.
- ``mx_usd_cap``: bulk cash carried south only fits under the monthly USD cap of the cartel's Mexican
  depositors; the rest goes to the brokers (mirror swap) or to crypto.
- ``sanction``: designated broker nodes' accounts are blocked from the designation; the network
  carries on through new nominees (new persons and accounts in the same countries).

Decisions are taken in day order while the plan walks the pick-ups, so the same seed and scenario
always adapt the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from counterflow.errors import InputError

BULK_DEPOSITORS = 3  # Mexican USD accounts per cartel for bulk cash carried south


def bank_of(pop, accounts: np.ndarray) -> np.ndarray:  # noqa: ANN001 - Population
    """Bank id of each population account (-1 where the id is not a population account)."""
    a = pop.accounts
    order = np.argsort(a.account_id)
    ids = a.account_id[order]
    pos = np.searchsorted(ids, accounts).clip(0, len(ids) - 1)
    return np.where(ids[pos] == accounts, a.bank[order][pos], -1).astype(np.int64)


@dataclass
class Adaptation:
    """The levers, turned into day indices, and the state the networks keep while adapting."""

    cut_banks: dict[int, int] = field(default_factory=dict)  # bank id -> first day it is cut off
    closure: tuple[int, int, int] | None = None  # (start day, after_deposits, notice_days)
    fx_quota: tuple[int, float, int] | None = None  # (start day, fee_factor, extra_buyers)
    usd_cap: tuple[int, float, float] | None = None  # (start day, cap_usd, crypto_share)
    sanctions: list[tuple[int, int]] = field(default_factory=list)  # (designation day, networks)
    counts: dict[int, int] = field(default_factory=dict)
    closed: dict[int, int] = field(default_factory=dict)  # account -> first day it is closed
    old: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # moved accounts (sorted)
    new: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    moved_on: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    cut: np.ndarray = field(default_factory=lambda: np.empty(0, bool))  # the move is a bank cut-off's
    designated: dict[int, int] = field(default_factory=dict)  # network -> designation day

    @classmethod
    def build(cls, levers, sc, pop, rng: np.random.Generator) -> Adaptation:  # noqa: ANN001
        ad = cls()
        start = sc.start_date
        for lv in levers:
            day = (lv.start - start).days
            if lv.kind == "bank_cutoff":
                for bid in _cut_bank_ids(lv, pop.banks, rng):
                    ad.cut_banks[bid] = min(ad.cut_banks.get(bid, day), day)
            elif lv.kind == "account_closure":
                ad.closure = (day, lv.after_deposits, lv.notice_days)
            elif lv.kind == "fx_quota":
                ad.fx_quota = (day, lv.fee_factor, lv.extra_buyers)
            elif lv.kind == "mx_usd_cap":
                ad.usd_cap = (day, lv.cap_usd, lv.crypto_share)
            elif lv.kind == "sanction":
                ad.sanctions.append((day, lv.networks))
        return ad

    # -- fx quota and USD cap: applied to the whole pick-up table before the walk --------------

    def apply_fx_quota(self, pk) -> None:  # noqa: ANN001 - Pickups
        if self.fx_quota is not None:
            on = pk.day >= self.fx_quota[0]
            pk.fee = np.where(on, pk.fee * self.fx_quota[1], pk.fee)

    def extra_buyers(self, day: np.ndarray) -> np.ndarray:
        if self.fx_quota is None:
            return np.zeros(len(day), np.int64)
        return np.where(day >= self.fx_quota[0], self.fx_quota[2], 0)

    def apply_usd_cap(self, pk, rng: np.random.Generator) -> None:  # noqa: ANN001 - Pickups
        """Bulk pick-ups after the cap that do not fit in the depositors' month go to the brokers:
        ``crypto_share`` of them to USDT, the rest to the mirror swap."""
        from counterflow.render.laundering.network import BULK, CMLN, CRYPTO  # noqa: PLC0415

        if self.usd_cap is None:
            return
        start, cap, crypto = self.usd_cap
        room: dict[tuple[int, int], float] = {}
        u = rng.random(len(pk.day))
        for i in np.flatnonzero((pk.channel == BULK) & (pk.out_day >= start)):
            key = (int(pk.case[i]), int(pk.out_day[i]) // 30)  # months of 30 days from the window's start
            left = room.setdefault(key, BULK_DEPOSITORS * cap)
            if pk.lost[i] or pk.cash[i] <= left:
                room[key] = left - (0 if pk.lost[i] else pk.cash[i])
                continue
            pk.channel[i] = CMLN
            if u[i] < crypto:
                pk.path[i] = CRYPTO

    # -- closures: counted while the plan walks the pick-ups ----------------------------------

    def count_deposits(self, accounts: list[int], day: int) -> None:
        if self.closure is None or day < self.closure[0]:
            return
        _, after, notice = self.closure
        for a in accounts:
            c = self.counts.get(a, 0) + 1
            self.counts[a] = c
            if c >= after and a not in self.closed:
                self.closed[a] = day + notice + 1

    def is_closed(self, account: int, day: int) -> bool:
        return self.closed.get(account, 1 << 40) <= day

    # -- cut-off banks: accounts moved once every party exists --------------------------------

    def move_accounts(self, b, network, rng: np.random.Generator) -> None:  # noqa: ANN001 - builder, Network
        old, new, on = b.move_off(self.cut_banks, rng)
        cut = np.ones(len(old), bool)
        s_old, s_new, s_on = self._designate(b, network, set(old.tolist()), rng)
        old, new, on = np.r_[old, s_old], np.r_[new, s_new], np.r_[on, s_on]
        cut = np.r_[cut, np.zeros(len(s_old), bool)]
        order = np.argsort(old, kind="stable")
        self.old, self.new, self.moved_on, self.cut = old[order], new[order], on[order], cut[order]

    def _designate(self, b, network, moved: set[int], rng: np.random.Generator):  # noqa: ANN001, ANN202
        """New nominees for the designated networks' nodes: (old accounts, new accounts, day)."""
        old: list[int] = []
        new: list[int] = []
        on: list[int] = []
        J = len(network.case)
        for day, k in self.sanctions:
            for j in rng.choice(J, min(k, J), replace=False):
                j = int(j)
                if j in self.designated:
                    continue
                self.designated[j] = day
                case = np.array([int(network.case[j])])
                for accts, country, banks in (((network.us[j],), "US", ("US",)), ((network.mx[j],), "MX", ("MX",)),
                                              ((network.cn[j], network.wallet[j]), "CN", ("CN", "wallet"))):
                    if any(int(a) in moved for a in accts):  # already moved off a cut-off bank: keep that
                        continue
                    nat = {"US": "resident", "MX": "MX"}.get(country, "CN")
                    fresh = b.add("money_broker", "C1", country, nat, case, banks, opened_before=day)
                    old += [int(a) for a in accts]
                    new += [int(f[0]) for f in fresh]
                    on += [day] * len(accts)
        return np.array(old, np.int64), np.array(new, np.int64), np.array(on, np.int64)

    def at(self, day: int, accounts: np.ndarray | int) -> np.ndarray:
        """The accounts the networks use on ``day`` in place of ``accounts`` (-1 stays -1)."""
        a = np.asarray(accounts, np.int64)
        if len(self.old) == 0:
            return a
        pos = np.searchsorted(self.old, a).clip(0, len(self.old) - 1)
        hit = (self.old[pos] == a) & (self.moved_on[pos] <= day)
        return np.where(hit, self.new[pos], a)

    def c9(self, day: int, src: np.ndarray, dst: np.ndarray, typology: np.ndarray, c9_code: int) -> np.ndarray:
        """C9 where a leg touches an account at a bank that an order will cut off (accounts already
        mapped with :meth:`at`, so after the order none does)."""
        if not self.cut.any():
            return typology
        out = np.broadcast_to(np.asarray(typology, np.int8), np.broadcast(src, dst).shape).copy()
        old, on = self.old[self.cut], self.moved_on[self.cut]
        for a in (np.asarray(src, np.int64), np.asarray(dst, np.int64)):
            a = np.broadcast_to(a, out.shape)
            pos = np.searchsorted(old, a).clip(0, len(old) - 1)
            out[(old[pos] == a) & (on[pos] > day)] = c9_code
        return out


def _cut_bank_ids(lv, banks, rng: np.random.Generator) -> list[int]:  # noqa: ANN001
    by_name = {bk.name: bk.bank_id for bk in banks}
    out = []
    for name in lv.banks:
        if name not in by_name:
            raise InputError(f"laundering.levers bank_cutoff: no bank named {name!r}; banks are: "
                             + ", ".join(sorted(by_name)))
        out.append(by_name[name])
    if lv.share > 0:
        pool = [bk.bank_id for bk in banks if bk.country == lv.country and bk.kind == "bank"]
        # Never all of a country's banks: the networks need somewhere to go.
        k = min(max(1, round(lv.share * len(pool))), len(pool) - 1)
        out += [int(x) for x in rng.choice(pool, k, replace=False)] if k > 0 else []
    return out


class Slots:
    """The accounts a network uses in each of its slots (mules, card holders, couriers), replaced by
    a fresh one from ``fresh(case)`` when a bank closes the account."""

    def __init__(self, initial: np.ndarray, net_case: np.ndarray, fresh: Callable[[int], int]) -> None:
        self.acct = initial.copy()
        self.net_case = net_case
        self.fresh = fresh

    def current(self, j: int, s: int, day: int, ad: Adaptation) -> int:
        a = int(self.acct[j, s])
        if a >= 0 and ad.is_closed(a, day):
            a = self.acct[j, s] = self.fresh(int(self.net_case[j]))
        return int(a)
