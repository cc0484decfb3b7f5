"""One sensor scan through the fused tracker: gate, associate, update, initiate.

Split from :mod:`airsentry.tracking.mtt` to keep each module small; see its docstring
for the steps. Everything here is vectorised over the scan's tracks, plots and pairs;
the only Python loops run over association clusters and over integrity events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from airsentry.model import FloatArray, IntArray, ReportBatch
from airsentry.tracking.association import gate, gnn, jpda_weights
from airsentry.tracking.crosscheck import integrity_event
from airsentry.tracking.fusion import lookup
from airsentry.tracking.imm import IMM
from airsentry.tracking.kalman import (
    enu_rotation,
    from_enu,
    geodetic_to_ecef,
    position_model,
    recentre,
    to_enu,
)
from airsentry.tracking.motion import vertical_predict, vertical_update

if TYPE_CHECKING:
    from airsentry.tracking.mtt import FusedTracker

Arr = np.ndarray[Any, Any]
_EMPTY = np.empty(0, dtype=np.int64)


class ScanUpdater:
    """Runs sensor scans against the tracker's table (shares its state)."""

    def __init__(self, tracker: FusedTracker) -> None:
        self.tk = tracker

    def run(self, plots: ReportBatch, sensor: int) -> tuple[IntArray, IntArray, ReportBatch]:
        """Process one sensor scan; returns (plot rows used, their track ids, states)."""
        tk, cfg, tab = self.tk, self.tk.config, self.tk.table
        n_p = len(plots)
        ecef = geodetic_to_ecef(plots.lat, plots.lon)
        acc = np.where(np.isfinite(plots.accuracy), plots.accuracy, cfg.default_accuracy_m)
        acc = np.maximum(acc, cfg.min_accuracy_m)
        hint_key = np.where(
            plots.track_number >= 0,
            np.char.add(np.char.add(plots.sensor.astype(str), "#"), plots.track_number.astype(str)),
            "",
        ).astype(object)
        ti, pj = self._candidates(plots, ecef, acc, hint_key)
        prev_t, prev_sensor = tab["t"].copy(), tab["last_sensor"].copy()
        n_t = len(tab)
        assigned_t, assigned_p = _EMPTY, _EMPTY
        gated_plot = np.zeros(n_p, dtype=bool)
        if len(ti):
            dt = plots.t[pj] - tab["t"][ti]
            ok = dt > -cfg.late_s
            ti, pj, dt = ti[ok], pj[ok], dt[ok]
            xp, pp, cbar = cfg.imm.predict(tab["x"][ti], tab["P"][ti], tab["mu"][ti], dt)
            xc, pc = IMM.combine(xp, pp, cbar)
            z = to_enu(ecef[pj], tab["origin"][ti], tab["rot"][ti])[:, 0:2]
            nu = z - xc[:, 0:2]
            s = pc[:, 0:2, 0:2] + (acc[pj] ** 2)[:, None, None] * np.eye(2)
            d2 = np.einsum("ki,kij,kj->k", nu, np.linalg.inv(s), nu)
            logdet = np.linalg.slogdet(s)[1]
            t_ident = tab["identity"][ti].astype(str)
            p_ident = plots.identity[pj].astype(str)
            same_id = (t_ident != "") & (t_ident == p_ident)
            # a plot whose identity another track holds goes to that track or nowhere: a
            # landing airliner's plots must not name the anonymous drone over the runway
            owner = lookup(tab["identity"], np.arange(n_t), plots.identity)[pj]
            clash = (p_ident != "") & ~same_id & ((t_ident != "") | (owner >= 0))
            hinted = lookup(tk.hints.key, tk.hints.track, hint_key[pj]) == tab["id"][ti]
            inside = gate(d2, cfg.gate) & ~clash & (same_id | self._alt_ok(plots, ti, pj, dt))
            gated_plot[pj[inside & tab["confirmed"][ti]]] = True
            cost = d2 + logdet - cfg.hint_bonus * hinted - 1e4 * same_id
            cost = cost + 2.0 * ~tab["confirmed"][ti]
            a_t, a_p = gnn(ti[inside], pj[inside], cost[inside])
            # map assignment back to pair rows
            key_all = ti * (n_p + 1) + pj
            key_a = a_t * (n_p + 1) + a_p
            sorter = np.argsort(key_all)
            sel = sorter[np.searchsorted(key_all, key_a, sorter=sorter)]
            reinit_p = self._crosscheck(plots, ecef, acc, hint_key, ti, pj, same_id, hinted,
                                        inside, xc, pc, nu)  # fmt: skip
            g_sel = sel
            if cfg.association == "jpda":
                # JPDA for confirmed tracks whose gates share plots; GNN for the rest
                conf_in = inside & tab["confirmed"][ti]
                claims = np.bincount(pj[conf_in], minlength=n_p)
                j_rows = np.unique(ti[conf_in & (claims[pj] >= 2)])
                in_j = np.isin(ti[sel], j_rows)
                j_pairs = inside & np.isin(ti, j_rows)
                self._jpda_update(plots, acc, ti, pj, j_pairs, xp, pp, cbar, d2, logdet,
                                  sel[in_j])  # fmt: skip
                g_sel = sel[~in_j]
            self._update(plots, acc, ti[g_sel], pj[g_sel], xp[g_sel], pp[g_sel], cbar[g_sel],
                         nu[g_sel])  # fmt: skip
            assigned_t, assigned_p = ti[sel], pj[sel]
            same = prev_sensor[assigned_t] == sensor
            tk.learn_revisit(sensor, plots.t[assigned_p[same]] - prev_t[assigned_t[same]])
            tab["last_sensor"][assigned_t] = sensor
        else:
            reinit_p = _EMPTY
        # M-of-N bookkeeping for the tracks this sensor has seen
        hit = np.zeros(n_t, dtype=bool)
        hit[assigned_t] = True
        # an opportunity: this sensor has seen the track and has had time to see it again
        t_scan = float(plots.t.max())
        due = t_scan - tab["opp_t"][:n_t] >= 0.75 * tk.revisit.get(sensor, np.inf)
        opp = hit | (((tab["sensors"][:n_t] >> (sensor % 63)) & 1).astype(bool) & due)
        tab["opp_t"][np.flatnonzero(opp)] = t_scan
        h, sn = cfg.management.record(tab["hits"][:n_t][opp], tab["seen"][:n_t][opp], hit[opp])
        tab["hits"][np.flatnonzero(opp)], tab["seen"][np.flatnonzero(opp)] = h, sn
        tab["sensors"][assigned_t] |= 1 << (sensor % 63)
        # tentative tracks die when M of N is out of reach, or when faster than any aircraft
        # (clutter strung together across a scan)
        xc_all = IMM.combine(tab["x"][:n_t], tab["P"][:n_t], tab["mu"][:n_t])[0]
        too_fast = np.hypot(xc_all[:, 2], xc_all[:, 3]) > cfg.max_speed_mps
        dead = ~tab["confirmed"][:n_t] & (
            cfg.management.tentative_dead(tab["hits"][:n_t], tab["seen"][:n_t])
            | (too_fast & (cfg.management.hit_count(tab["hits"][:n_t]) >= 2))
        )
        was = tab["confirmed"][:n_t].copy()
        tab["confirmed"][:n_t] |= cfg.management.confirm(tab["hits"][:n_t]) & ~dead
        self.tk.stats.tracks_started += int((tab["confirmed"][:n_t] & ~was).sum())
        # identity, attributes and hints from the plots used
        self._adopt(plots, ecef, hint_key, assigned_t, assigned_p)
        # new tracks from plots no confirmed track gated (and identity re-inits)
        used = np.zeros(n_p, dtype=bool)
        used[assigned_p] = True
        fresh = ~used & (~gated_plot | (plots.identity != ""))
        fresh[reinit_p] = False
        new_rows = self._initiate(plots, ecef, acc, hint_key, np.flatnonzero(fresh), sensor)
        rows_t = np.concatenate([assigned_t, new_rows])
        rows_p = np.concatenate([assigned_p, np.flatnonzero(fresh)])
        # drop dead tentative tracks (rows below n_t only; new rows stay)
        keep = np.ones(len(tab), dtype=bool)
        keep[:n_t] = ~dead
        if dead.any():
            tk.hints.forget_tracks(tab["id"][:n_t][dead])
        conf = tab["confirmed"][rows_t] & keep[rows_t]
        rows_t, rows_p = rows_t[conf], rows_p[conf]
        state = self._state(plots, rows_t, rows_p)
        tids = tab["id"][rows_t]
        tab.keep(keep)
        return rows_p, tids, state

    # ------------------------------------------------------------------ steps
    def _candidates(
        self, plots: ReportBatch, ecef: FloatArray, acc: FloatArray, hint_key: Arr
    ) -> tuple[IntArray, IntArray]:
        """(track row, plot) pairs near enough to test, plus identity and hint pairs."""
        tab, cfg = self.tk.table, self.tk.config
        if not len(tab):
            return _EMPTY, _EMPTY
        tmid = float(np.median(plots.t))
        dt = tmid - tab["t"]
        xc, pc = IMM.combine(tab["x"], tab["P"], tab["mu"])
        pos = xc[:, 0:2] + xc[:, 2:4] * dt[:, None]
        var = (
            pc[:, 0, 0] + pc[:, 1, 1] + dt**2 * (pc[:, 2, 2] + pc[:, 3, 3])
            + 2 * np.abs(dt * (pc[:, 0, 2] + pc[:, 1, 3]))
            + 0.5 * max(m.sigma_a for m in cfg.imm.models) ** 2 * dt**4
        )  # fmt: skip
        speed = np.hypot(xc[:, 2], xc[:, 3])
        spread = float(np.ptp(plots.t)) + 1.0
        radius = np.sqrt(cfg.gate * (var + 2.0 * float(acc.max()) ** 2)) + speed * spread + 50.0
        centre = from_enu(np.column_stack([pos, np.zeros(len(pos))]), tab["origin"], tab["rot"])
        lists = cKDTree(ecef).query_ball_point(centre, r=radius)
        counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        ti = np.repeat(np.arange(len(tab)), counts)
        pj = (
            np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
            if counts.sum()
            else _EMPTY
        )
        # identity and hint pairs, wherever the named track is
        id_row = lookup(tab["identity"], np.arange(len(tab)), plots.identity)
        hint_track = lookup(self.tk.hints.key, self.tk.hints.track, hint_key)
        hint_row = np.full(len(plots), -1, dtype=np.int64)
        live = np.isin(hint_track, tab["id"])
        if live.any():
            hint_row[live] = tab.rows_of(hint_track[live])
        extra_p = np.concatenate([np.flatnonzero(id_row >= 0), np.flatnonzero(hint_row >= 0)])
        extra_t = np.concatenate([id_row[id_row >= 0], hint_row[hint_row >= 0]])
        key = np.unique(np.concatenate([ti, extra_t]) * (len(plots) + 1)
                        + np.concatenate([pj, extra_p]))  # fmt: skip
        return key // (len(plots) + 1), key % (len(plots) + 1)

    def _update(
        self, plots: ReportBatch, acc: FloatArray, rows: IntArray, pj: IntArray,
        xp: FloatArray, pp: FloatArray, cbar: FloatArray, nu: FloatArray,
    ) -> None:  # fmt: skip
        """IMM update of assigned tracks with their plots, then re-centre their frames."""
        if not len(rows):
            return
        cfg = self.tk.config
        z = nu + IMM.combine(xp, pp, cbar)[0][:, 0:2]  # plot position in the track frame
        r = (acc[pj] ** 2)[:, None, None] * np.eye(2)

        def measure(x: FloatArray) -> tuple[FloatArray, FloatArray]:
            zhat, h = position_model(x)
            return z - zhat, h

        xs, ps, mu = cfg.imm.update(xp, pp, cbar, measure, r)
        self._vertical(plots, rows, pj)
        self._store(rows, xs, ps, mu, plots.t[pj])

    def _jpda_update(
        self, plots: ReportBatch, acc: FloatArray, ti: IntArray, pj: IntArray, inside: Arr,
        xp: FloatArray, pp: FloatArray, cbar: FloatArray, d2: FloatArray, logdet: FloatArray,
        sel: IntArray,
    ) -> None:  # fmt: skip
        """PDA update of the tracks of pairs ``inside`` from all their gated plots,
        JPDA-weighted (a sensor scan's plots are nearly simultaneous, so each track's
        pairs share the prediction of its first pair)."""
        tab, cfg = self.tk.table, self.tk.config
        g = np.flatnonzero(inside)
        if not len(g):
            return
        lik = np.exp(-0.5 * (d2[g] + logdet[g]))
        beta, beta0 = jpda_weights(ti[g], pj[g], lik)
        rows, first_k = np.unique(ti[g], return_index=True)
        first = g[first_k]
        xc, pc = IMM.combine(xp[first], pp[first], cbar[first])
        z_all = to_enu(geodetic_to_ecef(plots.lat[pj[g]], plots.lon[pj[g]]),
                       tab["origin"][ti[g]], tab["rot"][ti[g]])[:, 0:2]  # fmt: skip
        slot = np.searchsorted(rows, ti[g])
        nu_j = z_all - xc[slot, 0:2]
        nu = np.zeros((len(rows), 2))
        np.add.at(nu, slot, beta[:, None] * nu_j)
        spread = np.zeros((len(rows), 2, 2))
        np.add.at(spread, slot, beta[:, None, None] * np.einsum("ki,kj->kij", nu_j, nu_j))
        spread -= np.einsum("ki,kj->kij", nu, nu)
        r = (acc[pj[first]] ** 2)[:, None, None] * np.eye(2)
        s = pc[:, 0:2, 0:2] + r
        gain = pc[:, :, 0:2] @ np.linalg.inv(s)
        b0 = beta0[rows][:, None, None]
        pn = b0 * pc + (1 - b0) * (pc - gain @ s @ np.swapaxes(gain, 1, 2))
        pn = pn + gain @ spread @ np.swapaxes(gain, 1, 2)
        xn = xc + np.einsum("kij,kj->ki", gain, nu)
        m = cfg.imm.m
        self._vertical(plots, ti[sel], pj[sel])
        self._store(rows, np.repeat(xn[:, None], m, 1), np.repeat(pn[:, None], m, 1),
                    cbar[first], plots.t[pj[first]])  # fmt: skip

    def _store(
        self, rows: IntArray, xs: FloatArray, ps: FloatArray, mu: FloatArray, t: FloatArray
    ) -> None:
        tab = self.tk.table
        centre = np.einsum("km,kmn->kn", mu, xs)[:, 0:2]
        x, p, origin, rot, lat, lon = recentre(xs, ps, tab["origin"][rows], tab["rot"][rows],
                                               centre)  # fmt: skip
        tab["x"][rows], tab["P"][rows], tab["mu"][rows] = x, p, mu
        tab["origin"][rows], tab["rot"][rows] = origin, rot
        tab["lat"][rows], tab["lon"][rows], tab["t"][rows] = lat, lon, t

    def _alt_ok(self, plots: ReportBatch, ti: IntArray, pj: IntArray, dt: FloatArray) -> Arr:
        """Vertical gate of (track, plot) pairs: the 2-D gate alone lets a low drone's
        plot update an airliner passing overhead. Pairs without an altitude on either
        side pass; otherwise the plot must lie within ``alt_gate_sigmas`` of the
        predicted altitude plus ``alt_gate_m`` (plot altitude noise is not stated)."""
        tab, cfg = self.tk.table, self.tk.config
        z, pz = tab["z"][ti], tab["Pz"][ti]
        alt_pred = z[:, 0] + dt * z[:, 1]
        var = pz[:, 0, 0] + 2 * dt * pz[:, 0, 1] + dt**2 * pz[:, 1, 1] + cfg.alt_sigma_m**2
        dz = np.abs(plots.alt[pj] - alt_pred)
        bound = cfg.alt_gate_sigmas * np.sqrt(np.maximum(var, 0.0)) + cfg.alt_gate_m
        ok: Arr = ~(dz > bound)  # NaN on either side: no vertical test
        return ok

    def _vertical(self, plots: ReportBatch, rows: IntArray, pj: IntArray) -> None:
        tab, cfg = self.tk.table, self.tk.config
        dt = plots.t[pj] - tab["t"][rows]  # t already moved: 0 for updated rows
        zp, pzp = vertical_predict(tab["z"][rows], tab["Pz"][rows], dt, cfg.sigma_az)
        alt = plots.alt[pj]
        sigma = np.where(plots.transponder[pj], cfg.alt_sigma_m / 4.0, cfg.alt_sigma_m)
        fresh = ~np.isfinite(zp[:, 0]) & np.isfinite(alt)
        zp[fresh, 0], zp[fresh, 1] = alt[fresh], 0.0
        zn, pzn = vertical_update(np.nan_to_num(zp), pzp, alt, sigma)
        zn[~np.isfinite(zp[:, 0]) & ~fresh] = np.nan
        tab["z"][rows], tab["Pz"][rows] = zn, pzn

    def _crosscheck(
        self, plots: ReportBatch, ecef: FloatArray, acc: FloatArray, hint_key: Arr,
        ti: IntArray, pj: IntArray, same_id: Arr, hinted: Arr, inside: Arr,
        xc: FloatArray, pc: FloatArray, nu: FloatArray,
    ) -> IntArray:  # fmt: skip
        """Integrity events for failed identity and hint links. Returns the identity
        plots outside their track's gate: neither kind starts a track of its own (the
        identity already has one); where no radar supports the track, it re-initialises
        at the plot, else the plot is withheld as suspect."""
        tk, tab, chk = self.tk, self.tk.table, self.tk.config.crosscheck
        t = plots.t[pj]
        sep = np.hypot(nu[:, 0], nu[:, 1])
        sig = np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1]) + acc[pj] ** 2)
        radar_recent = t - tab["last_radar_t"][ti] < chk.window_s
        coop_recent = t - tab["last_coop_t"][ti] < chk.window_s
        bad_id = same_id & ~inside & chk.disagrees(sep, sig)
        hint_rows = lookup(tk.hints.key, np.arange(len(tk.hints.key)), hint_key[pj])
        h = np.maximum(hint_rows, 0)
        jump = np.linalg.norm(ecef[pj] - tk.hints.ecef[h], axis=1) if len(tk.hints.key) else sep
        cont = chk.continues(jump, t - (tk.hints.t[h] if len(tk.hints.key) else t), acc[pj])
        bad_hint = hinted & ~inside & ~plots.transponder[pj] & chk.disagrees(sep, sig)
        spoof = (bad_id & radar_recent) | (bad_hint & coop_recent & cont)
        holdoff = t - tab["integrity_t"][ti] > chk.holdoff_s
        for k in np.flatnonzero(spoof & holdoff):
            i = int(ti[k])
            if t[k] - tab["integrity_t"][i] <= chk.holdoff_s:
                continue
            tab["integrity_t"][i] = t[k]
            tk.emit(integrity_event(
                float(t[k]), int(tab["id"][i]), str(tab["identity"][i]),
                str(tab["callsign"][i]), float(tab["lat"][i]), float(tab["lon"][i]),
                str(plots.sensor[pj[k]]), float(sep[k]), float(sig[k]),
                "identity position disagrees with the radar-supported track" if bad_id[k]
                else "radar plot of the linked track number disagrees with the cooperative track",
            ))  # fmt: skip
        tk.stats.by_reason["integrity"] = tk.stats.by_reason.get("integrity", 0) + int(spoof.sum())
        # broken hints (a swap, not a spoof): unlink
        broken = hinted & ~inside & ~(coop_recent & cont)
        if broken.any() and len(tk.hints.key):
            tk.hints.drop_rows(np.unique(hint_rows[broken & (hint_rows >= 0)]))
        # identity plots far from a track that no radar supports: the track re-initialises
        outside = same_id & ~inside
        reinit = outside & ~(bad_id & radar_recent)
        if reinit.any():
            r_t, r_p = ti[reinit], pj[reinit]
            tab["t"][r_t] = plots.t[r_p]
            tab["origin"][r_t] = ecef[r_p]
            tab["rot"][r_t] = enu_rotation(plots.lat[r_p], plots.lon[r_p])
            tab["lat"][r_t], tab["lon"][r_t] = plots.lat[r_p], plots.lon[r_p]
            tab["x"][r_t, :, 0:2] = 0.0
        return np.unique(pj[outside])

    def _adopt(
        self, plots: ReportBatch, ecef: FloatArray, hint_key: Arr, rows: IntArray, pj: IntArray
    ) -> None:
        tab, tk = self.tk.table, self.tk
        for col in ("identity", "callsign", "squawk", "category"):
            val = getattr(plots, col)[pj]
            give = (val != "") & ((tab[col][rows] == "") | (col != "identity"))
            tab[col][rows[give]] = val[give]
        coop = plots.transponder[pj]
        tab["last_coop_t"][rows[coop]] = plots.t[pj[coop]]
        tab["last_radar_t"][rows[~coop]] = plots.t[pj[~coop]]
        tab["transponder"][rows] = coop
        hk = hint_key[pj]
        has = hk != ""
        tk.hints.link(hk[has], tab["id"][rows[has]], ecef[pj[has]], plots.t[pj[has]])

    def _initiate(
        self, plots: ReportBatch, ecef: FloatArray, acc: FloatArray, hint_key: Arr,
        pj: IntArray, sensor: int,
    ) -> IntArray:  # fmt: skip
        """Start tracks at plots; named (cooperative) plots start confirmed."""
        tab, cfg, tk = self.tk.table, self.tk.config, self.tk
        k, m = len(pj), cfg.imm.m
        if not k:
            return _EMPTY
        x = np.zeros((k, m, 5))
        ve, vn = plots.vel_e[pj], plots.vel_n[pj]
        known_v = np.isfinite(ve) & np.isfinite(vn)
        x[:, :, 2] = np.where(known_v, ve, 0.0)[:, None]
        x[:, :, 3] = np.where(known_v, vn, 0.0)[:, None]
        sv = np.where(known_v, 10.0, cfg.init_speed_sigma)
        p = np.zeros((k, m, 5, 5))
        p[:, :, 0, 0] = p[:, :, 1, 1] = (acc[pj] ** 2)[:, None]
        p[:, :, 2, 2] = p[:, :, 3, 3] = (sv**2)[:, None]
        p[:, :, 4, 4] = cfg.init_turn_sigma**2
        alt = plots.alt[pj]
        named = plots.identity[pj] != ""
        start = len(tab)
        tab.append(
            id=tk.new_ids(k), t=plots.t[pj], first_t=plots.t[pj], lat=plots.lat[pj],
            lon=plots.lon[pj], hits=np.ones(k, dtype=np.int64), seen=np.ones(k, dtype=np.int64),
            confirmed=named | (cfg.management.m == 1), sensors=np.full(k, 1 << (sensor % 63)),
            opp_t=plots.t[pj], last_sensor=np.full(k, sensor),
            x=x, P=p, mu=cfg.imm.initial_mu(k), origin=ecef[pj],
            rot=enu_rotation(plots.lat[pj], plots.lon[pj]),
            z=np.column_stack([alt, np.zeros(k)]),
            Pz=np.repeat(np.diag([cfg.alt_sigma_m**2, 25.0])[None], k, 0),
        )  # fmt: skip
        rows = np.arange(start, start + k)
        tk.stats.tracks_started += int(tab["confirmed"][rows].sum())
        self._adopt(plots, ecef, hint_key, rows, pj)
        return rows

    def _state(self, plots: ReportBatch, rows: IntArray, pj: IntArray) -> ReportBatch:
        tab = self.tk.table
        xc, pc = IMM.combine(tab["x"][rows], tab["P"][rows], tab["mu"][rows])
        return ReportBatch(
            t=plots.t[pj], lat=tab["lat"][rows], lon=tab["lon"][rows], alt=tab["z"][rows, 0],
            vel_e=xc[:, 2], vel_n=xc[:, 3], vel_u=tab["z"][rows, 1],
            accuracy=np.sqrt(0.5 * (pc[:, 0, 0] + pc[:, 1, 1])), sensor=plots.sensor[pj],
            identity=tab["identity"][rows], track_number=plots.track_number[pj],
            callsign=tab["callsign"][rows], squawk=tab["squawk"][rows],
            category=tab["category"][rows], transponder=plots.transponder[pj],
            on_ground=plots.on_ground[pj],
        )  # fmt: skip
