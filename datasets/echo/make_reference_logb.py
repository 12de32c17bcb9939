"""Collect the ECHOMASE per-realization results into one tidy CSV.

Source: github.com/hermione-evans/ECHOMASE @ 113408d2bc5da16069243033a4e6aae94de63380 (MIT),
echo_wave_injection/<group>/N<NNN>_npoints=<P>_6parameter_echoamplitude=<A>_<new|old>likelihood_all.csv.
Usage: python make_reference_logb.py /path/to/echo_wave_injection > reference_logb.csv
"""
import csv
import glob
import os
import re
import sys

root = sys.argv[1]
groups = {
    "w1Xin": "xin",
    "w1specM50RbolT10Chi0.69": "boltzmann",
    "w1specM50RdV0.2Chi0.69": "damped",
    "w1specM50Rw0.99Chi0.69": "constant",
    "noise": "noise",
}
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["group", "n_echo", "likelihood", "i", "logB", "snr_inj", "spacing_median", "width_median"])
rows = []
for folder, name in groups.items():
    for path in sorted(glob.glob(os.path.join(root, folder, "N*_all.csv"))):
        m = re.search(r"N(\d{3})_npoints=\d+_6parameter_echoamplitude=\d+_(new|old)likelihood_all.csv", os.path.basename(path))
        n_echo, lik = int(m.group(1)), m.group(2)
        with open(path) as f:
            for r in csv.DictReader(f):
                rows.append((name, n_echo, lik, int(float(r["i"])), float(r["logB"]), float(r["SNR_inj_signal"]),
                             float(r["spacing_median"]), float(r["width_median"])))
rows.sort(key=lambda r: (list(groups.values()).index(r[0]), r[1], r[2], r[3]))
for r in rows:
    w.writerow([r[0], r[1], r[2], r[3], repr(r[4]), repr(r[5]), repr(r[6]), repr(r[7])])
