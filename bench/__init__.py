"""The portal's benchmarks: `make bench` seeds a database at Thredd's scale and measures it.

`bench.run` orchestrates; each other module measures one thing and returns figures, which
`bench.report` writes to BENCHMARKS.md beside the machine they were measured on.
"""
