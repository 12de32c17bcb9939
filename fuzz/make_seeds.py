#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/seeds/): small CSV and Parquet files for `read_table`
(byte 0: mode, byte 1: column pick, then the file; with the Parquet files of
tests/fixtures/writers) and random byte strings for the structure-aware
`cli` target, which draws every choice from its bytes. Deterministic: rerunning gives the same
files. Parquet seeds need the `polars` Python package (the CI venv has it); without it they are
skipped."""
import io, os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
rt = os.path.join(here, "seeds", "read_table")
cl = os.path.join(here, "seeds", "cli")
os.makedirs(rt, exist_ok=True)
os.makedirs(cl, exist_ok=True)

csvs = {
    "plain": "a,b,y\n1,2,3\n4,5,6\n7,8,10\n",
    "semicolon": "a;b;y\n1.5;2;0\n-4e-3;5;1\n",
    "crlf_bom": "\ufeffa,b,y\r\n1,2,3\r\n4,5,6\r\n",
    "quoted": '"a","b,c","y"\n"1","2","3"\n4,"5",6\n',
    "dup_header": "a,a,y\n1,2,3\n",
    "empty_header": ",b,y\n1,2,3\n",
    "ragged": "a,b,y\n1,2\n3,4,5,6\n",
    "huge": "a,b,c,y\n1e308,1e308,-1e308,1e308\n1e-320,5e-324,0,1\n",
    "nan_text": "a,b,y\n1,NaN,2\n3,x,4\n5,,6\n",
    "label_score": "label,score,b\n0,0.1,x\n1,0.9,NaN\n1,0.4,3\n",
    "header_only": "a,b,y\n",
    "wide": ",".join(f"x{j}" for j in range(200)) + ",y\n" + ",".join("1" for _ in range(201)) + "\n",
    "spectrum": "frequency,real,imaginary,psd\n0.001,0.1,-0.2,1\n0.002,0.3,0.1,1\n0.003,-0.1,0.2,1\n",
}
for name, text in csvs.items():
    for mode in (0, 2, 4):
        with open(os.path.join(rt, f"{name}-{mode}.bin"), "wb") as f:
            f.write(bytes([mode, 0b101]) + text.encode())

try:
    import polars as pl
except ImportError:
    print("polars not installed: no Parquet seeds", file=sys.stderr)
else:
    frames = {
        "pq_plain": pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4, 5, 6], "y": [0.5, 0.1, 2.0]}),
        "pq_text": pl.DataFrame({"a": [1.0, None], "b": ["x", "y"], "y": [1, 2]}),
        "pq_nan": pl.DataFrame({"a": [float("nan"), 1.0], "y": [float("inf"), 2.0]}),
        "pq_bool": pl.DataFrame({"a": [True, False], "y": [1, 0]}),
    }
    for name, df in frames.items():
        buf = io.BytesIO()
        df.write_parquet(buf)
        for mode in (1, 3):
            with open(os.path.join(rt, f"{name}-{mode}.bin"), "wb") as f:
                f.write(bytes([mode, 0b101]) + buf.getvalue())

# Parquet files of other writers (pyarrow 26: v2 pages, zstd, page index, dictionaries, nulls,
# strings, a list column; Python polars with row groups): the committed test fixtures.
writers = os.path.join(here, "..", "tests", "fixtures", "writers")
for name in sorted(os.listdir(writers)):
    if name.endswith(".parquet"):
        with open(os.path.join(writers, name), "rb") as f:
            body = f.read()
        for mode in (1, 3):
            with open(os.path.join(rt, f"w_{name[:-8]}-{mode}.bin"), "wb") as f:
                f.write(bytes([mode, 0b111]) + body)

rng = random.Random(20)
for i in range(48):
    with open(os.path.join(cl, f"random-{i:02}.bin"), "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(rng.choice([64, 256, 1024, 4096]))))
