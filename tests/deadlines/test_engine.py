import json
import shutil
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.deadlines import engine
from app.deadlines.engine import (
    RULES_DIR,
    ComputedDeadline,
    DeadlineRuleUnknown,
    RuleFileError,
    compute,
    court_holidays,
    is_court_day,
    list_jurisdictions,
    list_rules,
    load_engine,
)


def only(results, rule_id):
    matches = [r for r in results if r.rule_id == rule_id]
    assert len(matches) == 1, [r.rule_id for r in results]
    return matches[0]


# --------------------------------------------------------------------------- loading


def test_bundled_jurisdictions_load():
    assert {"US-FED", "US-WV", "US-MA"} <= set(list_jurisdictions())


def test_list_rules_shape():
    rules = list_rules("US-FED")
    ids = {r["id"] for r in rules}
    assert {"fed_answer_after_service", "fed_notice_of_appeal", "fed_motion_notice_before_hearing"} <= ids
    for r in rules:
        assert r["citation"] and r["rule"] and r["title"] and r["trigger"]
        assert r["unit"] in engine.UNITS and r["direction"] in engine.DIRECTIONS
    answer = next(r for r in rules if r["id"] == "fed_answer_after_service")
    assert answer["rule"] == "21 days after service of the summons and complaint"
    # case-insensitive jurisdiction code
    assert list_rules("us-ma")


def test_required_rule_kinds_present():
    kinds = [(j, r) for j in list_jurisdictions() for r in list_rules(j)]
    assert any(r["unit"] == "court_days" for _, r in kinds)
    assert any(r["direction"] == "before" for _, r in kinds)
    assert any(r["short_period_excludes_nonbusiness"] for _, r in kinds)


# --------------------------------------------------------------------------- worked examples


def test_fed_answer_christmas_worked_example():
    [d] = compute("US-FED", "service_of_summons_and_complaint", date(2026, 12, 4), "personal")
    assert isinstance(d, ComputedDeadline)
    assert d.due_date == date(2026, 12, 28)
    assert d.due_time is None
    assert d.rule == "21 days after service of the summons and complaint"
    assert "12(a)(1)(A)(i)" in d.citation
    text = "\n".join(d.explanation)
    assert d.explanation[0].startswith("Trigger: service of the summons and complaint on Fri 2026-12-04 (day 0, excluded")
    assert "6(a)(1)(A)" in d.explanation[0]
    assert "Counting 21 calendar days" in text and "-> Fri 2026-12-25" in text
    assert "2026-12-25 is Christmas Day (legal holiday) -> next day" in text
    assert "2026-12-26 is a Saturday" in text
    assert "2026-12-27 is a Sunday" in text
    assert d.explanation[-1] == "Due Mon 2026-12-28"
    assert d.trigger == "service_of_summons_and_complaint"
    assert d.service_method == "personal"


def test_fed_answer_mail_service_of_summons_adds_nothing():
    [d] = compute("US-FED", "service_of_summons_and_complaint", date(2026, 12, 4), "mail")
    assert d.due_date == date(2026, 12, 28)
    assert d.service_days_added == 0
    assert any("Rule 4" in line for line in d.explanation)


def test_fed_mail_adds_three_days_after_period_then_rolls():
    # 14 days after Wed 2026-12-09 = Wed 12-23 (court day); +3 -> Sat 12-26 -> Sun -> Mon 12-28
    d = only(compute("US-FED", "service_of_motion", date(2026, 12, 9), "mail"), "fed_motion_response")
    assert d.due_date == date(2026, 12, 28)
    assert d.service_days_added == 3
    text = "\n".join(d.explanation)
    assert "6(d)" in text and "Wed 2026-12-23 + 3 -> Sat 2026-12-26" in text
    assert "2026-12-26 is a Saturday" in text
    # electronic service: no addition since the 2016 amendment
    e = only(compute("US-FED", "service_of_motion", date(2026, 12, 9), "electronic"), "fed_motion_response")
    assert e.due_date == date(2026, 12, 23)
    assert e.service_days_added == 0


def test_fed_mail_addition_applies_after_6a_roll():
    # 14 days after Fri 2026-12-11 = Fri 12-25 (Christmas) -> period would otherwise expire Mon 12-28;
    # Rule 6(d): 3 days added after that -> Thu 12-31.
    d = only(compute("US-FED", "service_of_motion", date(2026, 12, 11), "mail"), "fed_motion_response")
    assert d.due_date == date(2026, 12, 31)
    p = only(compute("US-FED", "service_of_motion", date(2026, 12, 11), "personal"), "fed_motion_response")
    assert p.due_date == date(2026, 12, 28)


def test_ma_mail_days_added_to_prescribed_period():
    # Mass. R. Civ. P. 6(d): "3 days shall be added to the prescribed period" -> 13 days
    d = only(compute("US-MA", "service_of_motion", date(2026, 12, 11), "mail"), "ma_super_9a_opposition")
    assert d.due_date == date(2026, 12, 24)
    assert any("-> 13 days" in line for line in d.explanation)


def test_fed_notice_of_appeal_30_days():
    [d] = compute("US-FED", "entry_of_judgment", date(2026, 3, 2))
    assert d.due_date == date(2026, 4, 1)
    assert "Fed. R. App. P. 4(a)(1)(A)" in d.citation
    assert any("Fed. R. App. P. 26(a)" in line for line in d.explanation)
    # lands on Saturday -> Monday
    [d2] = compute("US-FED", "entry_of_judgment", date(2026, 6, 1))  # +30 = Wed 07-01
    assert d2.due_date == date(2026, 7, 1)
    [d3] = compute("US-FED", "entry_of_judgment", date(2026, 6, 4))  # +30 = Sat 07-04 -> Mon 07-06
    assert d3.due_date == date(2026, 7, 6)
    [us] = compute("US-FED", "entry_of_judgment_us_party", date(2026, 3, 2))
    assert us.due_date == date(2026, 5, 1)


def test_fed_rule59_cannot_be_extended_note():
    results = compute("US-FED", "entry_of_judgment_rule59", date(2026, 1, 5))
    assert {r.rule_id for r in results} == {"fed_rule59_new_trial", "fed_rule59e_alter_amend"}
    for r in results:
        assert r.due_date == date(2026, 2, 2)
        assert "6(b)(2)" in r.citation


def test_fed_other_answer_periods():
    [w] = compute("US-FED", "waiver_of_service_sent", date(2026, 1, 2))
    assert w.due_date == date(2026, 3, 3)
    [wf] = compute("US-FED", "waiver_of_service_sent_outside_us", date(2026, 1, 2))
    assert wf.due_date == date(2026, 4, 2)
    [us] = compute("US-FED", "service_of_complaint_us_party", date(2026, 1, 2))
    assert us.due_date == date(2026, 3, 3)


def test_backward_from_hearing_rolls_back_past_holiday_and_weekend():
    # Hearing Mon 2026-06-08: 14 days before = Mon 05-25 (Memorial Day) -> Sun -> Sat -> Fri 05-22
    d = only(compute("US-FED", "hearing", date(2026, 6, 8)), "fed_motion_notice_before_hearing")
    assert d.due_date == date(2026, 5, 22)
    text = "\n".join(d.explanation)
    assert "2026-05-25 is Memorial Day (legal holiday) -> previous day" in text
    assert "2026-05-24 is a Sunday -> previous day" in text
    assert "2026-05-23 is a Saturday -> previous day" in text
    assert "6(a)(5)" in text
    assert "6(c)(1)" in d.citation
    # Christmas: hearing Fri 2027-01-08 -> 14 before = Fri 2026-12-25 -> Thu 12-24
    d2 = only(compute("US-FED", "hearing", date(2027, 1, 8)), "fed_motion_notice_before_hearing")
    assert d2.due_date == date(2026, 12, 24)


def test_wv_court_days_eviction_hearing_window():
    # filed Wed 2026-11-25: Thanksgiving + WV "Day After Thanksgiving" + weekend are skipped
    res = compute("US-WV", "eviction_petition_filed", date(2026, 11, 25))
    earliest = only(res, "wv_eviction_hearing_earliest")
    latest = only(res, "wv_eviction_hearing_latest")
    assert earliest.due_date == date(2026, 12, 4)
    assert latest.due_date == date(2026, 12, 11)
    text = "\n".join(earliest.explanation)
    assert "5 court days" in text and "Day After Thanksgiving" in text
    assert earliest.rule == "5 court days after filing of the petition for summary relief (eviction)"
    # The day after Thanksgiving is NOT a federal holiday
    assert is_court_day("US-FED", date(2026, 11, 27))
    assert not is_court_day("US-WV", date(2026, 11, 27))


def test_wv_short_period_excludes_weekends():
    # Magistrate Ct. R. 20(a): 5-day period -> intermediate weekend excluded
    d = only(compute("US-WV", "eviction_notice_received", date(2026, 3, 5)), "wv_eviction_written_defense")  # Thu
    # Fri 6 (1), Mon 9 (2), Tue 10 (3), Wed 11 (4), Thu 12 (5)
    assert d.due_date == date(2026, 3, 12)
    assert any("shorter than 7 days" in line for line in d.explanation)


def test_ma_summary_process_first_monday_and_patriots_day():
    res = compute("US-MA", "summary_process_entry", date(2026, 4, 13))
    answer = only(res, "ma_sp_answer")
    # First Monday after entry is Patriots' Day 2026-04-20 -> Tue 04-21
    assert answer.due_date == date(2026, 4, 21)
    assert "Patriots' Day" in "\n".join(answer.explanation)
    assert answer.rule == "first Monday after the entry date"
    assert only(res, "ma_sp_trial_date").due_date == date(2026, 4, 23)
    latest = only(res, "ma_sp_latest_service")
    assert latest.due_date == date(2026, 4, 6)
    earliest = only(res, "ma_sp_earliest_service")
    assert earliest.due_date == date(2026, 3, 14)  # Saturday: roll "none" by rule
    normal = only(compute("US-MA", "summary_process_entry", date(2026, 5, 4)), "ma_sp_answer")
    assert normal.due_date == date(2026, 5, 11)


def test_ma_entry_date_not_monday_warns():
    res = compute("US-MA", "summary_process_entry", date(2026, 5, 6))
    assert any("normally a Monday" in line for line in only(res, "ma_sp_answer").explanation)


def test_ma_court_days_before_first_event():
    # 3 business days before Thu 2026-11-12 -> Wed 11 is Veterans Day: Tue 10 (1), Mon 9 (2), Fri 6 (3)
    [d] = compute("US-MA", "summary_process_first_court_event", date(2026, 11, 12))
    assert d.due_date == date(2026, 11, 6)
    assert "Veterans Day" in "\n".join(d.explanation)


def test_ma_appeal_ten_days():
    [d] = compute("US-MA", "summary_process_judgment", date(2026, 1, 5))
    assert d.due_date == date(2026, 1, 15)
    assert "c. 239, § 5" in d.citation


def test_holiday_sources():
    fed = court_holidays("US-FED", 2025)
    assert "Christmas Eve" in fed[date(2025, 12, 24)]
    assert date(2025, 1, 9) in fed  # Carter day of mourning
    wv = court_holidays("US-WV", 2026)
    assert wv[date(2026, 6, 20)] == "West Virginia Day"
    assert "Primary Election Day" in wv[date(2026, 5, 12)]
    assert date(2027, 5, 11) not in court_holidays("US-WV", 2027)  # odd year: no primary
    ma = court_holidays("US-MA", 2026)
    assert "Patriots' Day" in ma[date(2026, 4, 20)]
    assert date(2026, 3, 17) not in ma  # Evacuation Day: Suffolk County only
    assert date(2026, 4, 20) not in court_holidays("US-FED", 2026)


# --------------------------------------------------------------------------- errors


def test_unknown_trigger_has_guidance_and_known_triggers():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-FED", "service_of_carrier_pigeon", date(2026, 1, 5))
    err = ei.value
    assert "service_of_carrier_pigeon" in str(err)
    assert err.guidance
    assert "service_of_summons_and_complaint" in err.known_triggers
    assert err.known_triggers == sorted(err.known_triggers)
    assert err.to_dict()["known_triggers"] == err.known_triggers


def test_unknown_jurisdiction():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-ZZ", "entry_of_judgment", date(2026, 1, 5))
    assert "US-FED" in ei.value.known_jurisdictions and ei.value.guidance
    with pytest.raises(DeadlineRuleUnknown):
        list_rules("nowhere")


def test_unknown_service_method():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-FED", "service_of_motion", date(2026, 1, 5), "telepathy")
    assert "mail" in ei.value.guidance
    # normalisation of spelling
    [d] = compute("US-FED", "service_of_motion", date(2026, 1, 5), "Leaving-With-Clerk")
    assert d.service_method == "leaving_with_clerk" and d.service_days_added == 3


def test_out_of_range_date():
    with pytest.raises(DeadlineRuleUnknown):
        compute("US-FED", "entry_of_judgment", date(1800, 1, 1))


# --------------------------------------------------------------------------- custom rule dirs


def _copy_rules(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    return d


def test_bad_rule_file_is_rejected_with_clear_error(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-FED.json").read_text())
    data["rules"][0]["versions"][0]["unit"] = "fortnights"
    (d / "US-FED.json").write_text(json.dumps(data))
    with pytest.raises(RuleFileError) as ei:
        load_engine(d)
    assert "US-FED.json" in str(ei.value) and "unit" in str(ei.value)

    data["rules"][0]["versions"][0]["unit"] = "calendar_days"
    data["rules"][0]["trigger"] = "nope"
    (d / "US-FED.json").write_text(json.dumps(data))
    with pytest.raises(RuleFileError, match="not defined"):
        load_engine(d)

    data["rules"][0]["trigger"] = "service_of_summons_and_complaint"
    data["rules"][0]["servce_adjustments"] = {}
    (d / "US-FED.json").write_text(json.dumps(data))
    with pytest.raises(RuleFileError, match="unknown key"):
        load_engine(d)

    (d / "US-FED.json").write_text("{not json")
    with pytest.raises(RuleFileError, match="invalid JSON"):
        load_engine(d)


def test_check_reports_every_problem_not_just_the_first(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-MA.json").read_text())
    data["rules"][0]["versions"][0].pop("source_url")            # schema problem
    data["rules"][1]["examples"] = data["rules"][1]["examples"][:2]  # fewer than three worked examples
    (d / "US-MA.json").write_text(json.dumps(data))
    wv = json.loads((d / "US-WV.json").read_text())
    wv["rules"][0]["examples"][0]["expected"] = "2030-01-01"     # a worked example that does not compute
    (d / "US-WV.json").write_text(json.dumps(wv))
    problems = engine.check_rules_dir(d)
    assert any("ma_sp_answer" in p and "source_url" in p for p in problems)
    assert any("ma_sp_discovery" in p and "examples" in p for p in problems)
    assert not any("US-WV" in p for p in problems)  # examples are only run once every file is valid
    (d / "US-MA.json").write_text((RULES_DIR / "US-MA.json").read_text())
    problems = engine.check_rules_dir(d)
    assert problems == [p for p in problems if "wv_eviction_hearing_earliest" in p] and len(problems) == 1
    assert "expected 2030-01-01" in problems[0]
    with pytest.raises(RuleFileError) as ei:
        load_engine(tmp_path / "nothing-here")
    assert "no *.json rule files" in str(ei.value)


def test_unverified_rule_needs_a_reason(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-FED.json").read_text())
    v = next(v for r in data["rules"] for v in r["versions"] if v.get("verified") is False)
    v.pop("unverified_reason")
    (d / "US-FED.json").write_text(json.dumps(data))
    assert any("unverified_reason" in p for p in engine.check_rules_dir(d))


def test_overlapping_versions_rejected(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-WV.json").read_text())
    rule = next(r for r in data["rules"] if r["id"] == "wv_circuit_answer")
    rule["versions"][0]["effective_until"] = "2025-06-30"
    (d / "US-WV.json").write_text(json.dumps(data))
    assert any("overlaps" in p for p in engine.check_rules_dir(d))


def test_bad_holiday_date_rejected(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-WV.json").read_text())
    data["holidays"]["closures"] = [{"date": "2026-02-30", "name": "Nope", "kind": "proclamation",
                                     "source": {"citation": "none"}}]
    (d / "US-WV.json").write_text(json.dumps(data))
    with pytest.raises(RuleFileError, match="YYYY-MM-DD"):
        load_engine(d)


def _hours_dir(tmp_path):
    d = _copy_rules(tmp_path)
    data = json.loads((d / "US-FED.json").read_text())
    data["triggers"]["tro_entered"] = {"label": "entry of the order", "description": "test-only hours rule",
                                       "plain": ["A test order was entered"]}
    data["rules"].append(
        {
            "id": "test_hours",
            "trigger": "tro_entered",
            "title": "Hours test",
            "case_types": ["OTHER"],
            "direction": "after",
            "roll": "next_court_day",
            "service_adjustments": {},
            "versions": [{"effective_from": "2009-12-01", "period": 48, "unit": "hours",
                          "citation": "Fed. R. Civ. P. 6(a)(2)", "source_url": "https://www.uscourts.gov/",
                          "verified": False, "unverified_reason": "test rule"}],
            "examples": [{"trigger_date": "2026-12-23T15:30", "expected": "2026-12-28", "why": "Christmas, weekend"}] * 3,
        }
    )
    (d / "US-FED.json").write_text(json.dumps(data))
    return load_engine(d)


def test_hours_rule_needs_datetime_and_rolls_to_same_time(tmp_path):
    eng = _hours_dir(tmp_path)
    with pytest.raises(DeadlineRuleUnknown) as ei:
        eng.compute("US-FED", "tro_entered", date(2026, 12, 23))
    assert "date and time" in ei.value.guidance
    # Wed 12-23 15:30 + 48h = Fri 12-25 15:30 (Christmas) -> Sat -> Sun -> Mon 12-28 15:30
    tz = ZoneInfo("America/New_York")
    [d] = eng.compute("US-FED", "tro_entered", datetime(2026, 12, 23, 15, 30, tzinfo=tz))
    assert d.due_date == date(2026, 12, 28) and d.due_time == time(15, 30)
    assert any("same time on the next day" in line for line in d.explanation)
    # elapsed hours across the DST change: Sat 2026-03-07 12:00 EST + 48h = Mon 03-09 13:00 EDT
    [d2] = eng.compute("US-FED", "tro_entered", datetime(2026, 3, 7, 12, 0, tzinfo=tz))
    assert d2.due_date == date(2026, 3, 9) and d2.due_time == time(13, 0)


# --------------------------------------------------------------------------- properties

ALL_RULES = [(j, r) for j in list_jurisdictions() for r in list_rules(j) if r["unit"] != "hours"]


def _in_force(version, d):
    return version["effective_from"] <= d.isoformat() and (not version["effective_until"]
                                                           or d.isoformat() <= version["effective_until"])
SERVICE_METHODS = {j: [None, *engine.get_engine().jurisdictions[j].service_methods] for j in list_jurisdictions()}

dates_2025_2030 = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))


@pytest.mark.parametrize("jurisdiction,rule", ALL_RULES, ids=[f"{j}:{r['id']}" for j, r in ALL_RULES])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trigger_date=dates_2025_2030, data=st.data())
def test_property_result_is_court_day_and_on_right_side(jurisdiction, rule, trigger_date, data):
    method = data.draw(st.sampled_from(SERVICE_METHODS[jurisdiction]))
    if not any(_in_force(v, trigger_date) for v in rule["versions"]):
        with pytest.raises(DeadlineRuleUnknown) as ei:
            compute(jurisdiction, rule["trigger"], trigger_date, method)
        assert ei.value.field == "trigger_date"
        return
    d = only(compute(jurisdiction, rule["trigger"], trigger_date, method), rule["id"])
    if d.jurisdiction == "US-FED" and rule["direction"] == "after" and rule["unit"] != "hours":
        assert any("No state or district given" in line for line in d.explanation)
    if rule["roll"] != "none":
        assert is_court_day(jurisdiction, d.due_date), d.explanation
        assert d.due_date.weekday() < 5
        assert d.due_date not in court_holidays(jurisdiction, d.due_date.year)
    if rule["direction"] == "after":
        assert d.due_date > trigger_date
        # never absurdly far: period + service days + holiday/weekend rolls
        slack = 40 if rule["unit"] != "court_days" else 3 * rule["period"] + 20
        assert d.due_date - trigger_date <= timedelta(days=d.version["period"] * (7 if rule["unit"] == "weekday_after" else 1) + slack)
    else:
        assert d.due_date < trigger_date
    assert d.citation and d.explanation[0].startswith("Trigger:") and d.explanation[-1].startswith("Due ")
    assert d.explanation[-1].endswith(d.due_date.isoformat())


@settings(max_examples=200, deadline=None)
@given(trigger_date=dates_2025_2030)
def test_property_fed_mail_never_earlier_than_personal(trigger_date):
    mail = only(compute("US-FED", "service_of_motion", trigger_date, "mail"), "fed_motion_response")
    personal = only(compute("US-FED", "service_of_motion", trigger_date, "personal"), "fed_motion_response")
    assert mail.due_date >= personal.due_date + timedelta(days=3)


# --------------------------------------------------------------------------- the audit's worked examples


def test_ma_9a_opposition_revised_6d_adds_three_days_for_e_service():
    # Motion e-served Mon 2025-03-03: 10 + 3 = 13 days -> Sun 03-16 -> Mon 03-17 (revised Mass. R. Civ. P. 6(d)).
    for method in ("electronic", "email", "efiling_provider", "mail"):
        d = only(compute("US-MA", "service_of_motion", date(2025, 3, 3), method), "ma_super_9a_opposition")
        assert d.due_date == date(2025, 3, 17), method
    hand = only(compute("US-MA", "service_of_motion", date(2025, 3, 3), "personal"), "ma_super_9a_opposition")
    assert hand.due_date == date(2025, 3, 13)


def test_federal_period_skips_the_district_states_holidays():
    # D. Mass.: complaint served 2026-03-30; 21 days land on Patriots' Day Mon 04-20 -> Tue 04-21.
    for kwargs in ({"state": "US-MA"}, {"court": "mad"}, {"state": "us-ma", "court": "mad"}):
        [d] = compute("US-FED", "service_of_summons_and_complaint", date(2026, 3, 30), **kwargs)
        assert d.due_date == date(2026, 4, 21), kwargs
        assert d.state_holidays == "US-MA"
        text = "\n".join(d.explanation)
        assert "Patriots' Day" in text and "US-MA" in text and "6(a)(6)(C)" in text
    [plain] = compute("US-FED", "service_of_summons_and_complaint", date(2026, 3, 30))
    assert plain.due_date == date(2026, 4, 20) and plain.state_holidays is None
    assert any("No state or district given" in line for line in plain.explanation)
    # A state without a CaseOS rule file still gets its calendar, and the explanation says so.
    [nj] = compute("US-FED", "service_of_summons_and_complaint", date(2025, 3, 10), court="njd")
    assert nj.state_holidays == "US-NJ" and any("holidays package" in line for line in nj.explanation)
    # A state with a rule file lends its checked calendar: California's Lincoln's Birthday (Thu 2026-02-12).
    [ca] = compute("US-FED", "service_of_summons_and_complaint", date(2026, 1, 22), court="cand")
    assert ca.due_date == date(2026, 2, 13) and ca.state_holidays == "US-CA"


def test_federal_backward_period_ignores_state_holidays():
    # 6(a)(6)(C) covers periods measured after an event only: 14 days before Mon 2026-05-04 is Mon 04-20
    # (Patriots' Day), which stays the date in D. Mass.
    d = only(compute("US-FED", "hearing", date(2026, 5, 4), state="US-MA"), "fed_motion_notice_before_hearing")
    assert d.due_date == date(2026, 4, 20)
    assert any("counted backward" in line for line in d.explanation)


def test_state_or_court_that_does_not_fit_is_rejected_with_the_field():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-FED", "service_of_summons_and_complaint", date(2026, 3, 30), court="no-such-court")
    assert ei.value.field == "court"
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-FED", "service_of_summons_and_complaint", date(2026, 3, 30), state="US-ZZ")
    assert ei.value.field == "state"
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-FED", "service_of_summons_and_complaint", date(2026, 3, 30), state="US-WV", court="mad")
    assert ei.value.field == "state"
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-MA", "service_of_summons_and_complaint", date(2026, 3, 30), state="US-WV")
    assert ei.value.field == "state"


def test_wv_written_defense_circuit_counts_every_day_magistrate_skips_weekends():
    res = compute("US-WV", "eviction_notice_received", date(2025, 7, 10))  # Thu
    assert only(res, "wv_eviction_written_defense_circuit").due_date == date(2025, 7, 15)
    assert only(res, "wv_eviction_written_defense").due_date == date(2025, 7, 17)


def test_wv_juneteenth_is_not_a_holiday_but_west_virginia_day_is():
    wv = court_holidays("US-WV", 2025)
    assert date(2025, 6, 19) not in wv and wv[date(2025, 6, 20)] == "West Virginia Day"
    # 2026: WV Day falls on Saturday and is observed Friday June 19, which stays a holiday for that reason only.
    assert "Juneteenth" not in court_holidays("US-WV", 2026)[date(2026, 6, 19)]
    assert not is_court_day("US-WV", date(2026, 6, 19))
    assert not is_court_day("US-FED", date(2025, 6, 19))


def test_wv_circuit_answer_is_versioned_and_unverified_2025_text_is_flagged():
    [old] = compute("US-WV", "service_of_summons_and_complaint", date(2024, 6, 3))
    [new] = compute("US-WV", "service_of_summons_and_complaint", date(2025, 6, 2))
    assert old.version["effective_until"] == "2024-12-31" and new.version["effective_from"] == "2025-01-01"
    assert new.due_date == date(2025, 6, 23)  # 20 days: Sun 06-22 -> Mon 06-23
    assert not new.verified and any("NOT VERIFIED" in line for line in new.explanation)
    assert any("30 days" in line for line in new.explanation if line.startswith("Left open"))


def test_wv_discovery_adds_nothing_until_the_2025_text_is_verified():
    d = only(compute("US-WV", "service_of_discovery_requests", date(2025, 10, 31), "electronic"), "wv_discovery_responses")
    assert d.due_date == date(2025, 12, 1)  # 30 days: Sun 11-30 -> Mon 12-01
    assert any(line.startswith("Left open") and "e-service" in line for line in d.explanation)


def test_ma_cure_at_will_is_not_presented_as_verified():
    d = only(compute("US-MA", "notice_to_quit_nonpayment_received", date(2026, 1, 5)), "ma_ntq_cure_at_will")
    assert d.due_date == date(2026, 1, 15) and d.verified is False
    assert "NOT VERIFIED" in d.notes and any(line.startswith("NOT VERIFIED") for line in d.explanation)


def test_trigger_before_any_modelled_version_is_refused():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-MA", "service_of_motion", date(2023, 6, 1), "mail")
    assert ei.value.field == "trigger_date" and "2023-12-01" in ei.value.guidance


# --------------------------------------------------------------------------- rule data


def test_every_rule_carries_its_source_and_three_examples():
    for j in list_jurisdictions():
        for r in list_rules(j):
            assert r["citation"] and r["source_url"].startswith("http") and r["effective_from"], r["id"]
            assert r["quote"] or (r["verified"] is False and r["unverified_reason"]), r["id"]
            assert len(r["examples"]) >= 3, r["id"]
            assert r["case_types"] and r["counting_method"], r["id"]


@pytest.mark.parametrize("jurisdiction,rule_id,example", [
    (j, r["id"], ex) for j in list_jurisdictions() for r in list_rules(j) for ex in r["examples"]
], ids=lambda v: v if isinstance(v, str) else v.get("trigger_date") if isinstance(v, dict) else None)
def test_worked_example(jurisdiction, rule_id, example):
    raw = example["trigger_date"]
    trig = datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
    d = only(compute(jurisdiction, _trigger_of(jurisdiction, rule_id), trig, example.get("service_method"),
                     state=example.get("state")), rule_id)
    assert d.due_date.isoformat() == example["expected"], (example["why"], d.explanation)
    if example.get("expected_version"):
        assert d.version["effective_from"] == example["expected_version"]


def _trigger_of(jurisdiction, rule_id):
    return next(r["trigger"] for r in list_rules(jurisdiction) if r["id"] == rule_id)


def test_rules_filter_by_case_type_and_triggers_speak_plainly():
    lt = list_rules("US-WV", case_type="landlord_tenant")
    assert lt and all("LANDLORD_TENANT" in r["case_types"] for r in lt)
    assert {"wv_eviction_written_defense", "wv_eviction_written_defense_circuit"} <= {r["id"] for r in lt}
    assert "wv_discovery_responses" not in {r["id"] for r in lt}
    triggers = engine.suggest_triggers("US-MA", "LANDLORD_TENANT", "notice")
    assert "notice_to_quit_nonpayment_received" in {t["id"] for t in triggers}
    nq = next(t for t in triggers if t["id"] == "notice_to_quit_nonpayment_received")
    assert any("notice to pay rent or quit" in p for p in nq["plain"])
    assert all("notice" in t["documents"] for t in triggers)
    assert engine.suggest_triggers("US-MA", "FAMILY_LAW", "notice") == []


def test_california_unlawful_detainer_answer_follows_the_version_in_force():
    # CCP § 1167: 5 court days for service before 2025-01-01, 10 court days on or after (AB 2347).
    old = only(compute("US-CA", "ud_summons_served", date(2024, 12, 20)), "ca_ud_response")
    new = only(compute("US-CA", "ud_summons_served", date(2025, 1, 2)), "ca_ud_response")
    assert old.due_date == date(2024, 12, 30) and old.version["effective_until"] == "2024-12-31"
    assert new.due_date == date(2025, 1, 16) and new.version["effective_from"] == "2025-01-01"
    assert any("Version in force on 2025-01-02" in line for line in new.explanation)
    assert old.verified and "within five days, excluding Saturdays" in old.quote
    assert new.verified and "10 days, excluding Saturdays" in new.quote
    acp = only(compute("US-CA", "ud_summons_served", date(2025, 3, 24), "address_confidentiality_program"),
               "ca_ud_response")
    assert acp.due_date == date(2025, 4, 15)  # 15 court days, Cesar Chavez Day skipped
    mail = only(compute("US-CA", "ud_summons_served", date(2025, 3, 24), "mail"), "ca_ud_response")
    assert mail.due_date == date(2025, 4, 8) and any(line.startswith("Left open") for line in mail.explanation)


def test_california_court_calendar_follows_the_judiciary_not_the_package():
    ca = court_holidays("US-CA", 2026)
    assert "Lincoln's Birthday" in ca[date(2026, 2, 12)] and "Columbus Day" in ca[date(2026, 10, 12)]
    assert date(2026, 2, 15) not in ca  # Susan B. Anthony Day is no court holiday
    assert date(2026, 11, 8) not in ca and date(2026, 6, 19) not in ca


def test_texas_answer_is_due_the_monday_next_after_twenty_days():
    # Served Tue 2025-03-04: 20 days expire Mon 03-24, so the Monday next after is 03-31 (not 03-24).
    [d] = compute("US-TX", "district_citation_served", date(2025, 3, 4))
    assert d.due_date == date(2025, 3, 31) and "Monday next after" in d.rule
    [labor] = compute("US-TX", "district_citation_served", date(2025, 8, 7))
    assert labor.due_date == date(2025, 9, 2)  # Mon 09-01 is Labor Day


def test_texas_trial_window_refuses_a_filing_date_before_the_versions_it_models():
    with pytest.raises(DeadlineRuleUnknown) as ei:
        compute("US-TX", "eviction_petition_filed", date(2024, 6, 3))
    assert ei.value.field == "trigger_date" and "2024-12-01" in ei.value.guidance


def test_wv_juneteenth_counts_only_in_the_years_it_was_proclaimed():
    assert "proclaimed" in court_holidays("US-WV", 2024)[date(2024, 6, 19)]
    assert "proclaimed" in court_holidays("US-WV", 2021)[date(2021, 6, 18)]
    assert date(2025, 6, 19) not in court_holidays("US-WV", 2025)
    # The proclamation is a state-declared holiday, so a federal period in a West Virginia district skips it too.
    [fed] = compute("US-FED", "service_of_summons_and_complaint", date(2024, 5, 29), state="US-WV")
    assert fed.due_date == date(2024, 6, 21)  # 21 days -> Wed 06-19 (federal Juneteenth) -> Thu 06-20 (WV Day) -> Fri
    # 2021: June 19 was a Saturday; the Governor's proclamation made Friday June 18 the holiday. 21 days after
    # Fri 2021-05-28 is Fri 06-18 -> Mon 06-21 is West Virginia Day (observed) -> Tue 06-22.
    [fed21] = compute("US-FED", "service_of_summons_and_complaint", date(2021, 5, 28), state="US-WV")
    assert fed21.due_date == date(2021, 6, 22)


def test_georgia_dispossessory_answer_seven_days_rolls_past_the_state_holiday():
    [d] = compute("US-GA", "dispossessory_served", date(2025, 11, 21))
    assert d.due_date == date(2025, 12, 1)
    assert "O.C.G.A. § 44-7-51(b)" in d.citation and d.verified


def test_north_carolina_appeal_costs_period_changed_on_2025_10_01():
    # G.S. 7A-228(b): costs due 20 days after entry of judgment; from Oct. 1, 2025, 10 days after a summary
    # ejectment judgment is rendered.
    before = only(compute("US-NC", "magistrate_judgment", date(2025, 9, 30)), "nc_appeal_costs_summary_ejectment")
    after = only(compute("US-NC", "magistrate_judgment", date(2025, 10, 1)), "nc_appeal_costs_summary_ejectment")
    assert before.due_date == date(2025, 10, 20) and after.due_date == date(2025, 10, 13)
    assert before.version["effective_until"] == "2025-09-30" and after.version["effective_from"] == "2025-10-01"
