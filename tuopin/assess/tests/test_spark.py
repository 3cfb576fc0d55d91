"""The Spark engine against the SQL engine: the same rules, the same answers.

One local SparkSession (``local[2]``, two shuffle partitions, no UI) serves the whole module;
each test exports the registry as Parquet (``tuopin registry export --format parquet``) and
runs ``tuopin assess households|villages|county`` with both engines, comparing the JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.assess import spark as spark_engine
from tuopin.assess.models import RuleParameter, VillageBaseline
from tuopin.assess.tests.factories import adult, household
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit
from tuopin.registry import parquet
from tuopin.registry.models import VillageFacts
from tuopin.synth.parquet_counties import replicate
from tuopin.synth.registry_gen import generate_households

AS_OF = "2018-07-20"


@pytest.fixture(scope="session")
def spark_session():
    if not spark_engine.java_found():
        pytest.skip("需要 Java 运行环境（.ci/run 会安装 openjdk-17-jre-headless）")
    session = spark_engine.session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


def run(*args: str) -> str:
    out = StringIO()
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        call_command(*args, stdout=out)
    return out.getvalue()


def both(command: str, source: Path, *extra: str) -> tuple[object, object]:
    """The JSON of one assess command from the SQL engine and from the Spark engine."""
    sql = json.loads(run(command, "--as-of", AS_OF, "--format", "json", *extra))
    on_spark = json.loads(
        run(
            command,
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--engine",
            "spark",
            "--source",
            str(source),
            *extra,
        )
    )
    return sql, on_spark


def export(directory: Path, *extra: str) -> None:
    run("registry_export", "--format", "parquet", str(directory), *extra)


def assert_same_everywhere(world, source: Path, *extra: str) -> list[dict]:
    area = ("--area", world.county.code)
    sql, on_spark = both("assess_households", source, *area, *extra)
    assert len(sql) == len(on_spark)
    for expected, got in zip(sql, on_spark, strict=True):
        assert got == expected, expected["household_no"]
    villages_sql, villages_spark = both("assess_villages", source, *area, *extra)
    assert villages_spark == villages_sql
    county_sql, county_spark = both("assess_county", source, *area, *extra)
    assert county_spark == county_sql
    return sql


def test_a_generated_county_gets_the_same_verdicts_household_by_household(
    world, spark_session, tmp_path
):
    villages = list(OrgUnit.objects.under(world.county.code).villages())
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        generate_households(villages, seed=11, mean_households_per_village=60)
    VillageFacts.objects.filter(village=villages[0]).delete()  # a village without facts
    VillageBaseline.objects.create(village=villages[0], year=2017, income_share=Decimal("55.5"))
    RuleParameter.objects.create(
        ruleset="shaanxi-2018",
        name="county_rural_income",
        scope_code="",
        value="9000",
        set_at=clock.now(),
    )
    export(tmp_path / "export")
    households = assert_same_everywhere(world, tmp_path / "export")
    assert len(households) > 200
    assert 0 < sum(not h["pass"] for h in households) < len(households)
    # The text output too, line for line.
    for command in ("assess_households", "assess_villages", "assess_county"):
        common = (command, "--area", world.county.code, "--as-of", AS_OF)
        sql = run(*common)
        on_spark = run(*common, "--engine", "spark", "--source", str(tmp_path / "export"))
        assert on_spark == sql, command
    # A parameter given on the command line reaches both engines alike.
    assert_same_everywhere(world, tmp_path / "export", "--param", "income_line=6000")


def test_edge_cases_unknowns_boundaries_and_empty_households_agree(world, spark_session, tmp_path):
    village = world.cg_village
    line = Decimal("3200")
    edge = [
        # exactly at the line (not above), one cent above, a zero-member household
        dict(wage_income=line, business_income=Decimal(0)),
        dict(wage_income=line + Decimal("0.01"), business_income=Decimal(0)),
        dict(members=[], member_count=0),
        dict(members=[], member_count=2),
        # unknown years, an unregistered household with a status
        dict(exit_year=None, first_identified_year=None),
        dict(is_registered=False, exit_status="exited"),
        dict(first_identified_year=2018),
        # water at each boundary
        dict(
            water_liters_per_person_day=Decimal("20"),
            water_piped=False,
            water_minutes_round_trip=20,
        ),
        dict(water_liters_per_person_day=Decimal("19.9"), water_reliability=Decimal("95")),
        dict(housing_grade="D", relocation="not_moved_in"),
        dict(business_expense=Decimal("99999"), exit_status="exited"),
        # fractional money that binary floating point gets wrong
        dict(wage_income=Decimal("3000.1"), business_income=Decimal("199.91")),
    ]
    for fields in edge:
        household(village, **fields)
    born = dt.date(2018, 7, 20)
    ages = [
        adult(birth_date=born.replace(year=2012), schooling_status="00"),  # 6 today
        adult(birth_date=dt.date(2012, 7, 21), schooling_status="00"),  # 6 tomorrow
        adult(birth_date=born.replace(year=2003), schooling_status="08"),  # 15 today
        adult(birth_date=dt.date(2002, 7, 20), schooling_status="00"),  # 16 today
        adult(birth_date=dt.date(2004, 2, 29), schooling_status="08", health="4"),
        adult(birth_date=dt.date(2010, 1, 1), schooling_status="01"),  # contradiction
        adult(in_rural_medical_insurance=False),
    ]
    household(village, members=ages, member_count=len(ages))
    household(village, members=[adult()], member_count=3)
    export(tmp_path / "export")
    households = assert_same_everywhere(world, tmp_path / "export")
    assert len(households) == len(edge) + 2


def test_incremental_export_rewrites_one_county_and_refuses_bad_sources(
    world, spark_session, tmp_path
):
    household(world.cg_village)
    other = OrgUnit.objects.create(code="610328", name="另一县", level=Level.COUNTY)
    town = OrgUnit.objects.create(code="610328100", name="镇", level=Level.TOWN, parent=other)
    village = OrgUnit.objects.create(
        code="610328100201", name="村", level=Level.VILLAGE, parent=town
    )
    household(village)
    directory = tmp_path / "export"
    export(directory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["counties"][world.county.code]
    assert entry["counts"]["households"] == 1
    assert entry["ruleset"] == "shaanxi-2018"
    assert manifest["counts"]["households"] == 2
    other_files = {
        path: (directory / path).stat().st_mtime_ns
        for path in manifest["counties"]["610328"]["files"]
    }
    household(world.cg_village)
    household(village)  # not re-exported: the other county keeps its partitions as they were
    export(directory, "--area", world.county.code)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counties"][world.county.code]["counts"]["households"] == 2
    assert manifest["counties"]["610328"]["counts"]["households"] == 1
    assert {p: (directory / p).stat().st_mtime_ns for p in other_files} == other_files
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]
    # A folder that is neither empty nor an export is refused.
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="不是空文件夹"):
        export(tmp_path / "busy")

    def refused(source: Path, *extra: str) -> CommandError:
        with pytest.raises(CommandError) as raised:
            run("assess_county", "--engine", "spark", "--source", str(source), *extra)
        return raised.value

    # No manifest: refused with the exit code for a bad source, before Spark runs.
    bare = tmp_path / "bare"
    shutil.copytree(directory, bare)
    (bare / "manifest.json").unlink()
    error = refused(bare, "--area", world.county.code)
    assert "导出清单" in str(error) and error.returncode == spark_engine.EXIT_BAD_SOURCE
    # Another rule set version.
    other = tmp_path / "other"
    shutil.copytree(directory, other)
    data = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    data["counties"][world.county.code]["ruleset_version"] = "0000"
    (other / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert "版本" in str(refused(other, "--area", world.county.code))
    # A missing partition.
    missing = tmp_path / "missing"
    shutil.copytree(directory, missing)
    shutil.rmtree(missing / parquet.partition("persons", world.county.code))
    assert "缺少分区文件" in str(refused(missing, "--area", world.county.code))
    # A parameter the rule set does not know.
    assert "没有参数" in str(
        refused(directory, "--area", world.county.code, "--param", "no_such=1")
    )
    # No Java: a message naming what to install, its own exit code.
    saved = os.environ.get("PATH", ""), os.environ.pop("JAVA_HOME", None)
    try:
        os.environ["PATH"] = str(tmp_path)  # a new session on a master: Java is looked for
        error = refused(directory, "--area", world.county.code, "--master", "local[1]")
    finally:
        os.environ["PATH"] = saved[0]
        if saved[1]:
            os.environ["JAVA_HOME"] = saved[1]
    assert "Java" in str(error) and error.returncode == spark_engine.EXIT_NO_JAVA


def test_rollup_over_counties_writes_results_that_import_into_the_dashboard(
    world, spark_session, tmp_path, client
):
    province = OrgUnit.objects.create(code="61", name="陕西省", level=Level.PROVINCE)
    city = OrgUnit.objects.create(code="6103", name="宝鸡市", level=Level.CITY, parent=province)
    OrgUnit.objects.filter(pk=world.county.pk).update(parent=city)
    codes = [world.county.code]
    for serial in range(2):
        code = f"{world.county.code[:4]}{90 + serial}"
        county = OrgUnit.objects.create(
            code=code, name=f"测试县{serial}", level=Level.COUNTY, parent=city
        )
        town = OrgUnit.objects.create(code=f"{code}100", name="镇", level=Level.TOWN, parent=county)
        village = OrgUnit.objects.create(
            code=f"{code}100201", name="村", level=Level.VILLAGE, parent=town
        )
        household(village)
        household(village, wage_income=Decimal(100), exit_status="exited")
        codes.append(code)
    household(world.cg_village)
    export(tmp_path / "export")
    out = tmp_path / "results"
    printed = run(
        "assess_county",
        "--engine",
        "spark",
        "--source",
        str(tmp_path / "export"),
        "--level",
        "province",
        "--area",
        "61",
        "--as-of",
        AS_OF,
        "--out",
        str(out),
    )
    assert "已汇总 3 个县" in printed
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    levels = {row["level"] for row in document["areas"]}
    assert levels == {"county", "city", "province", "nation"}
    county_rows = {row["code"]: row for row in document["areas"] if row["level"] == "county"}
    assert set(county_rows) == set(codes)
    assert county_rows[codes[1]]["risks"]["wrong_exit"] == 1
    assert (out / "results.parquet").is_file()
    # The same county figures as the SQL engine's county assessment.
    sql = json.loads(run("assess_county", "--area", codes[1], "--as-of", AS_OF, "--format", "json"))
    assert county_rows[codes[1]]["passed"] == sql["pass"]

    # A hundred and more counties (copies of these three) in one national roll-up job.
    many = tmp_path / "many"
    replicate(tmp_path / "export", many, 34)
    national = tmp_path / "national"
    printed = run(
        "assess_county",
        "--engine",
        "spark",
        "--source",
        str(many),
        "--level",
        "nation",
        "--as-of",
        AS_OF,
        "--out",
        str(national),
    )
    assert "已汇总 102 个县" in printed
    rows = json.loads((national / "results.json").read_text(encoding="utf-8"))["areas"]
    assert sum(row["level"] == "city" for row in rows) == 2
    nation = next(row for row in rows if row["level"] == "nation")
    assert nation["households"] == 34 * sum(row["households"] for row in county_rows.values())

    printed = run("assess_import_results", str(out))
    assert "已导入 3 个县" in printed
    client.force_login(world.hq)
    page = client.get("/assess/comparison/").content.decode()
    assert "全国对比" in page and "测试县0" in page and "（本县）" in page
    # The county's dashboard shows where it stands among the imported counties.
    board = client.get(f"/dashboard/org/{world.county.code}/exit/").content.decode()
    assert "全国对比" in board and "在 3 个县中排第" in board
    # A tampered results folder is refused, nothing imported.
    (out / "results.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError):
        run("assess_import_results", str(out))


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_county_gets_the_same_verdicts_on_spark(spark_session, tmp_path):
    from tuopin.synth import registry_demo
    from tuopin.synth.county import build_county

    with clock.frozen("2018-07-20T10:00:00+08:00"):
        county = build_county(seed=1).county
        registry_demo.populate(county, seed=1, log=lambda message: None)
    export(tmp_path / "export")

    households = assert_same_everywhere(SimpleNamespace(county=county), tmp_path / "export")
    assert len(households) > 80_000
    assert 0 < sum(not h["pass"] for h in households) < len(households)


def test_text_values_reach_spark_sql_verbatim(spark_session):
    from tuopin.assess.sparksql import literal

    for text in ("a'b", "back\\slash", '双"引号', "--; DROP", "\n换行", ""):
        row = spark_session.sql(f"SELECT {literal(text)} AS v").collect()[0]
        assert row["v"] == text
    row = spark_session.sql(f"SELECT {literal(Decimal('3200.05'))} * 2 AS v").collect()[0]
    assert row["v"] == Decimal("6400.10")
