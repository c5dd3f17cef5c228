#!/usr/bin/env python
"""The pandas peer: the same `indicator_values` computed the way an analyst
would, with pandas alone — read_csv / read_excel, string methods, merges,
groupbys, a loop over the as-of dates. No DuckDB.

    pandas_peer.py --landing DIR --out values.parquet [--today YYYY-MM-DD]

Independent of ip_pipeline and of floor.py's SQL: rules re-implemented from
SOURCES.md and INDICATORS.md; only the landing-file reading rules of
benchmarks/_landing.py (which files, headers, encodings, as-of dates) and the
pipeline's address reader (ip_pipeline/ingest/addresses.py: one reading of an
address for the pipeline, the floor and the peer) are shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _landing as L  # noqa: E402

from ip_pipeline.ingest.addresses import AddressReader  # noqa: E402

CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_YEAR = r"^[(〔\[][0-9]{4}[)〕\]]"
_NATURES = {"民": "civil", "行": "administrative", "刑": "criminal"}


def _instance_of(no: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=no.index, dtype="object")
    for pat, val in ((r"[民行刑]初", "first"), (r"[民行刑][申再]", "retrial"), (r"终", "second")):
        hit = no.str.contains(_YEAR + ".*" + pat, regex=True).fillna(False).astype(bool) & out.isna()
        out[hit] = val
    return out


# REAL_EXPORTS.md § Court cases: 案件性质 from the first 民 / 行 / 刑 after the year of the 案号;
# 审级 from …初 (first), …申/再 (retrial), …终 (second), in that order.
CASE_NO_DERIVED = {
    "case_nature": lambda no: no.str.extract(_YEAR + r"[^民行刑]*([民行刑])", expand=False).map(_NATURES),
    "instance": _instance_of,
}
NUM = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"


# ---------------------------------------------------------------- reading
def read_part(path: Path, c: dict) -> pd.DataFrame:
    """One part as text columns named after the contract (absent columns are missing)."""
    if path.suffix.lower() == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=object, engine="calamine", na_filter=False)
    else:
        text, _ = L.csv_text(path)
        raw = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=True,
            on_bad_lines="skip",
            engine="c",
        )
    blank = raw.fillna("").astype(str).apply(lambda col: col.str.strip() == "").all(axis=1)
    raw = raw[~blank]
    if raw.empty:
        return pd.DataFrame()
    header = ["" if v is None else str(v) for v in raw.iloc[0].tolist()]
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    body = raw.iloc[1:]
    if body.shape[1] > width:  # cells beyond the header: the row is refused
        extra = body.iloc[:, width:].fillna("").astype(str).apply(lambda col: col.str.strip() != "")
        body = body[~extra.any(axis=1)]
    positions, scales = L.map_header(header, c)
    out = pd.DataFrame(index=body.index)
    for i, col in enumerate(positions):
        if col is None:
            continue
        s = body.iloc[:, i]
        if path.suffix.lower() == ".xlsx":
            is_date = c["columns"][col]["type"] == "date"
            s = s.map(functools.partial(L.xlsx_text, is_date=is_date))
        out[col] = s
    for col, f in scales.items():
        out[f"_scale_{col}"] = f
    return out


def normalise(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.normalize("NFKC").str.replace(CONTROL, "", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s == "")


def parse_date(s: pd.Series) -> pd.Series:
    parts = s.str.extract(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$")
    for pat in (r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$", r"^([0-9]{4})([0-9]{2})([0-9]{2})$"):
        parts = parts.fillna(s.str.extract(pat))
    text = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def parse_number(s: pd.Series) -> pd.Series:
    t = s.str.replace(",", "", regex=False)
    return pd.to_numeric(t.where(t.str.fullmatch(NUM).fillna(False)), errors="coerce")


def load_source(landing: Path, name: str, today: pd.Timestamp, districts: dict) -> pd.DataFrame:
    c = L.load_contract(name)
    frames = [read_part(p, c) for p in L.parts(landing, name)]
    df = pd.concat([f for f in frames if not f.empty] or [pd.DataFrame()], ignore_index=True)
    bad = pd.Series(False, index=df.index)
    out = pd.DataFrame(index=df.index)
    for col, spec in c["columns"].items():
        s = normalise(df[col]) if col in df else pd.Series(pd.NA, index=df.index, dtype="string")
        t = spec["type"]
        bad |= (s.str.len() > 10_000).fillna(False)  # docs/WAREHOUSE.md: too_long:<col>
        if spec.get("required") and spec.get("default") is None:
            bad |= s.isna()
        if t == "date":
            v = parse_date(s)
            bad |= s.notna() & v.isna()
            if spec.get("not_future"):
                bad |= (v > today).fillna(False)
        elif t == "enum":
            lookup = {}
            for canon, spellings in spec["values"].items():
                for sp in spellings:
                    lookup[sp.lower()] = canon
                    lookup["".join(sp.lower().split())] = canon
            low = s.str.lower()
            v = low.map(lookup).fillna(low.str.replace(" ", "", regex=False).map(lookup))
            bad |= s.notna() & v.isna()
            if spec.get("default") is not None:
                v = v.fillna(spec["default"])
        elif t in ("int", "decimal"):
            v = parse_number(s)
            bad |= s.notna() & v.isna()
            if t == "int":
                bad |= ((v != v.round()) | (v.abs() >= 2147483647)).fillna(False)
            elif f"_scale_{col}" in df:
                v = v * df[f"_scale_{col}"].fillna(1.0)
            for k, op in (("min", "lt"), ("max", "gt"), ("min_exclusive", "le")):
                if spec.get(k) is not None:
                    bad |= getattr(v, op)(spec[k]).fillna(False)
            if spec.get("default") is not None:
                v = v.fillna(spec["default"])
        elif t == "application_no":
            v = s.str.upper().str.replace(r"^(CN|ZL)", "", regex=True).str.replace(r"[.\s]", "", regex=True)
            bad |= s.notna() & ~v.str.fullmatch(r"[0-9]{12}[0-9X]|[0-9]{8}[0-9X]").fillna(False)
        elif t == "trademark_no":
            v = s.str.upper().str.replace(r"\s", "", regex=True)
            bad |= s.notna() & ~v.str.fullmatch(r"G?[0-9]+").fillna(False)
        elif t == "office":
            v = s.str.upper()
            bad |= s.notna() & ~v.str.fullmatch(r"[A-Z]{2}").fillna(False)
            bad |= (v == "CN").fillna(False)
        elif t == "credit_code":
            v = s.str.upper().str.replace(r"\s", "", regex=True)
            bad |= s.notna() & ~v.str.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}").fillna(False)
        elif t == "bool":
            lookup = {sp.lower(): canon == "true" for canon, sps in spec["values"].items() for sp in sps}
            v = s.str.lower().map(lookup).astype("boolean")
            bad |= s.notna() & v.isna()
        else:
            v = s
        if col in CASE_NO_DERIVED and "case_no" in c["columns"]:  # blank or absent: from the 案号
            v = v.fillna(CASE_NO_DERIVED[col](normalise(df["case_no"]) if "case_no" in df else s))
        out[col] = v
    for r in c["rules"]:
        if r.get("action", "quarantine") != "quarantine":
            continue
        if r["kind"] == "required_when":
            bad |= out[r["when_column"]].isin(r["when_values"]) & out[r["column"]].isna()
        elif r["kind"] == "date_order":
            bad |= (out[r["later"]] < out[r["earlier"]]).fillna(False)
    # Refused rows out; duplicate keys: the last row (files in name order, rows in file order) wins.
    out = out[~bad].drop_duplicates(subset=c["key"], keep="last")
    if c["location"] == "own_list":
        out["district_code"] = out["district_code"].map(districts["codes"]).fillna(L.UNLOCATED)
        out["in_scope"] = True
    elif c["location"] == "address":
        bare = out["district_code"].isna()
        for a in c["address_columns"]:
            bare &= out[a].isna()
        out["district_code"], out["in_scope"] = locate(out, c["address_columns"], districts)
        out["_bare"] = bare
    return out


def locate(df: pd.DataFrame, addresses: list[str], districts: dict) -> tuple[pd.Series, pd.Series]:
    """A known code; else, address by address, the unit the address names read by administrative
    levels (the pipeline's own reader, once per distinct address); else outside Yantai."""
    unit = df["district_code"].map(districts["codes"]).astype(object)
    reader = districts["reader"]
    for address in addresses:
        todo = unit.isna() & df[address].notna()
        if not todo.any():
            break
        distinct = df.loc[todo, address].unique()
        found = dict(zip(distinct, (reader.unit(a) for a in distinct)))
        unit[todo] = df.loc[todo, address].map(found)
    unit = unit.where(unit.notna(), None)
    return unit, unit.notna()


def _app_no(s: pd.Series) -> pd.Series:
    return (
        s.str.strip()
        .str.upper()
        .str.replace(r"^(CN|ZL)", "", regex=True)
        .str.replace(r"[.\s]", "", regex=True)
    )


def locate_by_items(tr: pd.DataFrame, patents: pd.DataFrame, marks: pd.DataFrame) -> None:
    """A recordal with no code and no address: the unit and scope of the first of its items found
    in patents (or trademarks); found nowhere, out of scope (REAL_EXPORTS.md)."""
    bare = tr[tr["_bare"]]
    if bare.empty:
        return
    items = bare["items"].str.split(r"[;,、]", regex=True).explode().str.strip()
    items = items[items.fillna("") != ""].to_frame("item")
    items["pos"] = items.groupby(level=0).cumcount()
    items["ip_type"] = bare["ip_type"].reindex(items.index)
    pat = items["ip_type"] != "trademark"
    items.loc[pat, "item"] = _app_no(items.loc[pat, "item"])
    items.loc[~pat, "item"] = items.loc[~pat, "item"].str.upper().str.replace(r"\s", "", regex=True)
    known = pd.concat(
        [
            patents[["application_no", "district_code", "in_scope"]]
            .set_axis(["item", "unit", "scope"], axis=1)
            .assign(ip_type="patent"),
            marks[["registration_no", "district_code", "in_scope"]]
            .set_axis(["item", "unit", "scope"], axis=1)
            .assign(ip_type="trademark"),
        ]
    )
    hits = items.reset_index(names="row").merge(known, on=["ip_type", "item"]).sort_values(["row", "pos"])
    first = hits.drop_duplicates("row").set_index("row")
    tr.loc[first.index, "district_code"] = first["unit"]
    tr.loc[first.index, "in_scope"] = first["scope"].fillna(False).astype(bool)


def read_reference(landing: Path, name: str) -> pd.DataFrame:
    path = landing / "reference" / L.REFERENCE[name]
    if not path.exists():
        return pd.DataFrame()
    text, _ = L.csv_text(path)
    df = pd.read_csv(io.StringIO(text), dtype=str, na_filter=False)
    df.columns = [L.norm_header(h) for h in df.columns]
    return df.apply(normalise)


def as_int(s: pd.Series) -> pd.Series:
    v = parse_number(s)
    return v.where(v == v.round())


# ---------------------------------------------------------------- indicators
def compute(landing: Path, today: dt.date) -> pd.DataFrame:
    ts_today = pd.Timestamp(today)  # one "today" for as-of dates and future_date, as the pipeline's
    dist = read_reference(landing, "districts")
    aliases = dist.assign(alias=dist["aliases"].fillna("").str.split(";")).explode("alias")
    aliases["alias"] = aliases["alias"].str.strip()
    aliases = aliases[aliases["alias"].fillna("") != ""]
    is_code = aliases["alias"].str.fullmatch(r"[0-9]{6}")
    code_pairs = pd.concat(
        [
            pd.DataFrame({"k": dist["code"], "u": dist["code"]}),
            pd.DataFrame({"k": aliases.loc[is_code, "alias"], "u": aliases.loc[is_code, "code"]}),
        ]
    ).dropna()
    name_pairs = pd.concat(
        [
            pd.DataFrame(
                {
                    "k": dist.loc[dist["code"] != L.UNLOCATED, "name_zh"],
                    "u": dist.loc[dist["code"] != L.UNLOCATED, "code"],
                }
            ),
            pd.DataFrame({"k": aliases.loc[~is_code, "alias"], "u": aliases.loc[~is_code, "code"]}),
        ]
    ).dropna()
    name_pairs = name_pairs[name_pairs["k"] != "未定位"]
    districts = {
        "reader": AddressReader(dist.to_dict("records")),
        "codes": code_pairs.sort_values("u").drop_duplicates("k").set_index("k")["u"].to_dict(),
        "names": name_pairs.sort_values("u").drop_duplicates("k").set_index("k")["u"].to_dict(),
    }
    units = sorted((set(dist["code"].dropna()) - {L.CITY}) | {L.UNLOCATED})

    src = {n: load_source(landing, n, ts_today, districts) for n in L.USED_SOURCES}
    locate_by_items(src["transfers"], src["patents"], src["trademarks"])
    for df in src.values():
        if "district_code" in df and "in_scope" in df:
            df["u"] = df["district_code"].where(df["district_code"].isin(units), L.UNLOCATED)

    pop = read_reference(landing, "population")
    pop = pd.DataFrame(
        {"year": as_int(pop["year"]), "u": pop["district_code"], "pop": as_int(pop["population"])}
    )
    unit_pop = pop[pop["u"].isin(units)]
    city_pop = pop[pop["u"] == L.CITY].groupby("year")["pop"].first()
    city_pop = city_pop.combine_first(unit_pop.groupby("year")["pop"].sum())
    pop_table = pd.concat([unit_pop, city_pop.rename("pop").reset_index().assign(u=L.CITY)])
    eco = read_reference(landing, "economy")
    eco = pd.DataFrame(
        {
            "year": as_int(eco["year"]),
            "gdp": parse_number(eco["gdp_yi"]),
            "va": parse_number(eco["patent_intensive_va_yi"]),
        }
    )
    sat = read_reference(landing, "satisfaction")
    published = (
        {}
        if sat.empty
        else (
            pd.DataFrame({"year": as_int(sat["year"]), "score": parse_number(sat["score"])})
            .dropna()
            .groupby("year")["score"]
            .first()
            .to_dict()
        )
    )
    prefixes = read_reference(landing, "sei_ipc")["ipc_prefix"].dropna().str.replace(r"\s", "", regex=True)
    prefixes = tuple(p for p in prefixes if p)

    # High-value criteria, each as the first date (or year) it holds.
    pat = src["patents"]
    pat = pat[pat["in_scope"] & (pat["patent_type"] == "invention") & pat["grant_date"].notna()].copy()
    codes = (pat["ipc_codes"].fillna("") + ";" + pat["main_ipc"].fillna("")).str.split(";")
    pat["sei"] = codes.map(
        lambda cs: (
            any(c.replace(" ", "").startswith(prefixes) for c in cs if c.strip()) if prefixes else False
        )
    )
    og = src["overseas_grants"]
    pat["ovs"] = pat["application_no"].map(
        og.dropna(subset=["cn_family_application_no"]).groupby("cn_family_application_no")["grant_date"].min()
    )
    pl = src["pledges"]
    items = pl[(pl["pledge_type"] == "patent") & (pl["amount_wan"] >= L.pledge_threshold())].copy()
    items["item"] = items["items"].str.split(r"[;,、]", regex=True)
    items = items.explode("item")
    items["item"] = (
        items["item"]
        .str.strip()
        .str.upper()
        .str.replace(r"^(CN|ZL)", "", regex=True)
        .str.replace(r"[.\s]", "", regex=True)
    )
    pat["plg"] = pat["application_no"].map(items.groupby("item")["registration_date"].min())
    pat["awd"] = pat["application_no"].map(src["awards"].groupby("application_no")["award_year"].min())

    tm, ent, sv = src["trademarks"], src["enterprises"], src["survey"]
    tm = tm[tm["in_scope"]]
    og_inv = og[og["in_scope"] & (og["patent_type"] == "invention")]
    pl_in = pl[pl["in_scope"]]
    dead = tm["status"].isin(["invalidated", "cancelled", "revoked"])

    # 2025–2027 plan: transfers and licences (base year TB), civil first-instance cases, new firms.
    TB = L.TRANSFER_BASE_YEAR
    trs = src["transfers"]
    first_year = trs["registration_date"].dt.year.min() if len(trs) else None  # the source begins
    tr_in = trs[trs["in_scope"]]
    enf = src["enforcement"]
    civil = enf[
        (enf["authority_type"] == "judicial")
        & (enf["case_nature"] == "civil")
        & (enf["instance"] == "first")
        & enf["closed_date"].notna()
    ]
    adv = ent[(ent["programme"] == "city_advantage") & ent["in_scope"]].sort_values(
        "certified_date", kind="stable"
    )
    firms = adv.groupby("credit_code").agg(first=("certified_date", "min"), u=("u", "first"))
    firms = firms[firms["first"] > pd.Timestamp(TB, 12, 31)]

    rows = []

    def per_unit(ind: str, series: pd.Series, scale=None):
        counts = series.value_counts().reindex(units, fill_value=0).astype(float)
        for u, n in counts.items():
            rows.append((ind, d, u, n))
        rows.append((ind, d, L.CITY, float(counts.sum())))

    for d in L.as_of_dates(today):
        D = pd.Timestamp(d)
        y0 = pd.Timestamp(d.year, 1, 1)
        try:
            minus10 = pd.Timestamp(d.replace(year=d.year - 10))
        except ValueError:
            minus10 = pd.Timestamp(d.year - 10, 2, 28)
        in_force = (pat["grant_date"] <= D) & (pat["lapse_date"].isna() | (pat["lapse_date"] > D))
        hv = in_force & (
            pat["sei"]
            | (pat["ovs"] <= D)
            | (pat["plg"] <= D)
            | (pat["awd"] <= d.year)
            | (pat["filing_date"] < minus10)
        )
        counts = pat.loc[hv, "u"].value_counts().reindex(units, fill_value=0).astype(float)
        counts[L.CITY] = counts.sum()
        pops = pop_table[pop_table["year"] <= d.year].sort_values("year").groupby("u")["pop"].last()
        for u, n in counts.items():
            p = pops.get(u)
            rows.append(("hv_patents_per_10k", d, u, n / p * 10000 if p is not None and p > 0 else None))
        per_unit(
            "overseas_invention_grants",
            og_inv.loc[(og_inv["grant_date"] >= y0) & (og_inv["grant_date"] <= D), "u"],
        )
        valid = (tm["registration_date"] <= D) & (tm["expiry_date"] >= D) & ~(dead & (tm["status_date"] <= D))
        n = tm.loc[valid, "u"].value_counts().reindex(units, fill_value=0).astype(float)
        for u, v in n.items():
            rows.append(("valid_trademarks", d, u, v / 10000))
        rows.append(("valid_trademarks", d, L.CITY, n.sum() / 10000))
        live = (ent["certified_date"] <= D) & (ent["valid_until"].isna() | (ent["valid_until"] >= D))
        per_unit("gbt29490_enterprises", ent.loc[live & (ent["programme"] == "gbt29490"), "u"])
        per_unit("city_advantage_enterprises", ent.loc[live & (ent["programme"] == "city_advantage"), "u"])
        # Pledges: year to date, and the base year (2020) to the same month-day.
        try:
            cut = pd.Timestamp(d.replace(year=2020))
        except ValueError:
            cut = pd.Timestamp(2020, 2, 28)
        ytd = (
            pl_in[(pl_in["registration_date"] >= y0) & (pl_in["registration_date"] <= D)]
            .groupby("u")["amount_wan"]
            .agg(["count", "sum"])
        )
        base = (
            pl_in[
                (pl_in["registration_date"] >= pd.Timestamp(2020, 1, 1)) & (pl_in["registration_date"] <= cut)
            ]
            .groupby("u")["amount_wan"]
            .agg(["count", "sum"])
        )
        ytd = ytd.reindex(units, fill_value=0)
        base = base.reindex(units, fill_value=0)
        ytd.loc[L.CITY], base.loc[L.CITY] = ytd.sum(), base.sum()
        for u in ytd.index:
            cy, ay, cb, ab = (
                float(ytd.at[u, "count"]),
                float(ytd.at[u, "sum"]),
                float(base.at[u, "count"]),
                float(base.at[u, "sum"]),
            )
            rows += [
                ("pledge_count", d, u, cy),
                ("pledge_amount_wan", d, u, ay),
                (
                    "pledge_count_cagr",
                    d,
                    u,
                    ((cy / cb) ** (1 / (d.year - 2020)) - 1) * 100 if d.year > 2020 and cb > 0 else None,
                ),
                (
                    "pledge_amount_cagr",
                    d,
                    u,
                    ((ay / ab) ** (1 / (d.year - 2020)) - 1) * 100 if d.year > 2020 and ab > 0 else None,
                ),
            ]
        try:
            tcut = pd.Timestamp(d.replace(year=TB))
        except ValueError:
            tcut = pd.Timestamp(TB, 2, 28)
        r = tr_in["registration_date"]
        ty = tr_in.loc[(r >= y0) & (r <= D), "u"].value_counts().reindex(units, fill_value=0).astype(float)
        tb = (
            tr_in.loc[(r >= pd.Timestamp(TB, 1, 1)) & (r <= tcut), "u"]
            .value_counts()
            .reindex(units, fill_value=0)
            .astype(float)
        )
        ty[L.CITY], tb[L.CITY] = ty.sum(), tb.sum()
        covered = first_year is not None and not pd.isna(first_year) and d.year >= first_year
        base_covered = first_year is not None and not pd.isna(first_year) and TB >= first_year
        for u in ty.index:
            cy, cb = ty[u], tb[u]
            rows += [
                ("ip_transfer_licence_count", d, u, cy if covered else None),
                (
                    "ip_transfer_licence_cagr",
                    d,
                    u,
                    ((cy / cb) ** (1 / (d.year - TB)) - 1) * 100
                    if d.year > TB and covered and base_covered and cb > 0
                    else None,
                ),
            ]
        k = civil[(civil["closed_date"] >= y0) & (civil["closed_date"] <= D)]
        known = k[k["accepted"].notna()]
        n_known = known["u"].value_counts().reindex(units, fill_value=0)
        n_acc = known.loc[known["accepted"].astype(bool), "u"].value_counts().reindex(units, fill_value=0)
        n_known[L.CITY], n_acc[L.CITY] = n_known.sum(), n_acc.sum()
        for u in n_known.index:
            rows.append(
                (
                    "civil_first_instance_acceptance_rate",
                    d,
                    u,
                    n_acc[u] / n_known[u] * 100 if n_known[u] > 0 else None,
                )
            )
        n_new = firms.loc[firms["first"] <= D, "u"].value_counts().reindex(units, fill_value=0).astype(float)
        n_new[L.CITY] = n_new.sum()
        for u, n in n_new.items():
            rows.append(("new_city_advantage_enterprises", d, u, n if d.year >= TB else None))
        e = eco[eco["year"] <= d.year].sort_values("year")
        share = None
        if len(e):
            last = e.iloc[-1]
            share = last["va"] / last["gdp"] * 100 if last["gdp"] > 0 else None
        rows.append(("patent_intensive_va_share", d, L.CITY, share))
        r = sv[(sv["survey_date"] >= y0) & (sv["survey_date"] <= D)]
        est = (r["weight"] * r["overall_score"]).sum() / r["weight"].sum() if len(r) else None
        rows.append(("ip_protection_satisfaction_survey", d, L.CITY, est))
        rows.append(("ip_protection_satisfaction", d, L.CITY, published.get(d.year, est)))

    out = pd.DataFrame(rows, columns=["indicator_id", "as_of", "district_code", "value"])
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["unit"] = out["indicator_id"].map(L.catalogue())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landing", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=L.today_in_yantai())
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = compute(args.landing, args.today)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.sort_values(["indicator_id", "as_of", "district_code"]).to_parquet(args.out, index=False)
    print(f"pandas peer: {len(out)} rows in {time.perf_counter() - t0:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
