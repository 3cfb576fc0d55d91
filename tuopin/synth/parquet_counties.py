"""Many synthetic counties from one Parquet export, for roll-up tests and benchmarks.

:func:`replicate` copies every county of an export (``tuopin registry export --format parquet``)
``copies`` times under new county (and city) codes, rewriting the 户编号 and village codes,
with a manifest and checksums of its own: ~100 counties or ~10M persons in seconds, without
building each county's registry in a database.
"""

from __future__ import annotations

from pathlib import Path


def replicate(source: Path, target: Path, copies: int) -> dict:
    """``copies`` copies of every county of ``source`` under new county codes (and 户编号)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from tuopin.registry import parquet

    manifest = parquet.read_manifest(source)
    target.mkdir(parents=True)
    counties = {}
    serial = 0
    columns = {
        "villages": ["code"],
        "households": ["household_no", "village_code"],
        "persons": ["household_no"],
        "baselines": ["village_code"],
        "areas": ["code"],
    }
    for code, entry in sorted(manifest["counties"].items()):
        for _copy in range(copies):
            # Counties spread over cities, 100 per city code: the roll-up has every level.
            new_code = f"{code[:2]}{serial // 100 + 1:02d}{serial % 100:02d}"
            serial += 1
            files = {}
            for table in parquet.TABLES:
                data = pq.ParquetFile(
                    source / f"{parquet.partition(table, code)}/part-0.parquet"
                ).read()
                for column in columns[table]:
                    values = data[column]
                    if table == "areas":
                        for old, new in ((code, new_code), (code[:4], new_code[:4])):
                            mask = pc.equal(values, pa.scalar(old))
                            values = pc.if_else(mask, pa.scalar(new), values)
                        replaced = values
                    else:
                        replaced = pc.binary_join_element_wise(
                            pa.scalar(new_code), pc.utf8_slice_codeunits(values, 6), ""
                        )
                    data = data.set_column(data.schema.get_field_index(column), column, replaced)
                if table == "areas":
                    named = pc.if_else(
                        pc.equal(data["code"], pa.scalar(new_code)),
                        pa.scalar(f"合成县{new_code}"),
                        data["name"],
                    )
                    data = data.set_column(data.schema.get_field_index("name"), "name", named)
                relative = f"{parquet.partition(table, new_code)}/part-0.parquet"
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(data, target / relative, compression="zstd")
                files[relative] = {
                    "bytes": (target / relative).stat().st_size,
                    "sha256": parquet.sha256_of(target / relative),
                }
            counties[new_code] = {**entry, "name": f"合成县{new_code}", "files": files}
    replica = {**manifest, "counties": counties}
    replica["counts"] = {
        key: sum(entry["counts"][key] for entry in counties.values())
        for key in ("villages", "households", "persons")
    }
    parquet.write_json_atomically(target / parquet.MANIFEST, replica)
    return replica
