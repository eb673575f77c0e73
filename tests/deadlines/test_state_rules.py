"""State deadline rules (Washington, Arizona, Michigan, Ohio, ...): the behaviour a person relying on them would notice."""

from datetime import date

import pytest

from app.deadlines import engine
from app.deadlines.engine import DeadlineRuleUnknown, compute, court_holidays, list_rules


def engine_triggers(jurisdiction, case_type, document):
    return {t["id"]: t for t in engine.suggest_triggers(jurisdiction, case_type, document)}


def only(results, rule_id):
    matches = [r for r in results if r.rule_id == rule_id]
    assert len(matches) == 1, [r.rule_id for r in results]
    return matches[0]


# --------------------------------------------------------------------------- Washington


def test_washington_pay_or_vacate_notice_went_from_three_to_fourteen_days_on_2019_07_28():
    before = only(compute("US-WA", "pay_or_vacate_served", date(2019, 7, 27)), "wa_pay_or_vacate_ends")
    after = only(compute("US-WA", "pay_or_vacate_served", date(2019, 7, 28)), "wa_pay_or_vacate_ends")
    assert before.due_date == date(2019, 7, 30) and before.version["period"] == 3
    assert after.due_date == date(2019, 8, 11) and after.version["period"] == 14
    assert "fourteen (14) days after service" in after.quote and after.verified


def test_washington_mailed_notice_shows_the_earlier_date_and_says_why():
    d = only(compute("US-WA", "pay_or_vacate_served", date(2025, 8, 1), "mail"), "wa_pay_or_vacate_ends")
    assert d.due_date == date(2025, 8, 15)
    assert any("RCW 59.12.040" in line and "no days added" in line for line in d.explanation)
    assert any(line.startswith("Left open") for line in d.explanation)


def test_washington_reinstatement_counts_court_days_past_native_american_heritage_day():
    d = only(compute("US-WA", "ud_nonpayment_judgment_entered", date(2025, 11, 24)), "wa_ud_reinstate_nonpayment")
    assert d.due_date == date(2025, 12, 3)
    assert any("Native American Heritage Day" in line for line in d.explanation)


def test_washington_juneteenth_is_a_court_holiday_only_from_2022():
    assert date(2021, 6, 18) not in court_holidays("US-WA", 2021)
    assert date(2021, 6, 19) not in court_holidays("US-WA", 2021)
    assert "Juneteenth" in court_holidays("US-WA", 2025)[date(2025, 6, 19)]


def test_washington_eviction_summons_window_is_seven_to_thirty_days():
    results = compute("US-WA", "ud_summons_served", date(2025, 3, 3))
    assert only(results, "wa_ud_response_earliest").due_date == date(2025, 3, 10)
    assert only(results, "wa_ud_response_latest").due_date == date(2025, 4, 2)


def test_washington_small_claims_service_deadline_counts_back_from_the_hearing():
    [d] = compute("US-WA", "small_claims_first_hearing", date(2026, 1, 5))
    assert d.due_date == date(2025, 12, 26) and "ten calendar days" in d.quote


def test_washington_answer_quotes_cr_12_and_is_refused_before_its_first_version():
    d = only(compute("US-WA", "civil_summons_served", date(2025, 3, 3)), "wa_civil_answer")
    assert d.due_date == date(2025, 3, 24) and d.verified
    assert "Within 20 days, exclusive of the day of service" in d.quote
    assert not any(line.startswith("NOT VERIFIED") for line in d.explanation)
    with pytest.raises(DeadlineRuleUnknown):
        compute("US-WA", "civil_summons_served", date(2024, 6, 3))


# --------------------------------------------------------------------------- Arizona


def test_arizona_five_day_rent_notice_is_not_moved_off_a_holiday():
    [d] = compute("US-AZ", "nonpayment_notice_received", date(2025, 5, 21))
    assert d.due_date == date(2025, 5, 26) and d.verified  # Memorial Day, shown unmoved (the earlier date)
    assert any("not moved" in line for line in d.explanation)


def test_arizona_juneteenth_and_the_day_after_thanksgiving_are_not_court_holidays():
    az = court_holidays("US-AZ", 2025)
    assert date(2025, 6, 19) not in az and date(2025, 11, 28) not in az
    assert "Columbus Day" in az[date(2025, 10, 13)]
    answer = only(compute("US-AZ", "civil_summons_served", date(2025, 5, 30)), "az_civil_answer")
    assert answer.due_date == date(2025, 6, 19)


def test_arizona_eviction_trial_window_counts_the_statutes_calendar_days_and_names_the_guides_business_days():
    results = compute("US-AZ", "eviction_complaint_filed", date(2025, 11, 25))
    earliest, latest = only(results, "az_eviction_trial_earliest"), only(results, "az_eviction_trial_latest")
    # A.R.S. 33-1377(B): "not more than six nor less than three days from the date of the summons",
    # calendar days (RPEA 3): Fri 11-28 and Mon 12-01, earlier than the guide's business days (12-01, 12-04).
    assert (earliest.due_date, latest.due_date) == (date(2025, 11, 28), date(2025, 12, 1))
    assert earliest.verified and "not more than six nor less than three days" in earliest.quote
    assert any("business days" in line for line in earliest.explanation)
    # a third day on a holiday moves to the next court day
    assert only(compute("US-AZ", "eviction_complaint_filed", date(2025, 1, 17)),
                "az_eviction_trial_earliest").due_date == date(2025, 1, 21)


def test_arizona_small_claims_answer_quotes_the_rule_and_has_no_appeal_rule():
    [d] = compute("US-AZ", "small_claims_served", date(2025, 3, 5))
    assert d.due_date == date(2025, 3, 25) and "within 20 days of service" in d.quote
    assert "no appeal" in d.notes.lower()


# --------------------------------------------------------------------------- Michigan


def test_michigan_court_calendar_follows_the_court_rule_not_the_package():
    mi26 = court_holidays("US-MI", 2026)
    assert date(2026, 11, 3) not in mi26  # Election Day: not a court holiday under MCR 8.110(D)(2)
    assert "Christmas Eve" in mi26[date(2026, 12, 24)] and "New Year's Eve" in mi26[date(2026, 12, 31)]
    assert date(2021, 6, 18) not in court_holidays("US-MI", 2021)  # Juneteenth was added in June 2022
    assert "New Year's Eve" in court_holidays("US-MI", 2023)[date(2023, 12, 29)]


def test_michigan_answer_rolls_past_christmas_eve_and_mail_gives_twenty_eight_days():
    served = date(2025, 12, 3)
    assert only(compute("US-MI", "civil_summons_served", served), "mi_civil_answer").due_date == date(2025, 12, 26)
    mailed = only(compute("US-MI", "civil_summons_served", date(2025, 3, 3), "mail"), "mi_civil_answer")
    assert mailed.due_date == date(2025, 3, 31) and mailed.verified and "within 28 days after service" in mailed.quote


def test_michigan_summons_window_and_service_deadline_come_from_mcl_600_5735():
    [latest] = compute("US-MI", "eviction_summons_issued", date(2025, 3, 3))
    [served_by] = compute("US-MI", "eviction_trial_date", date(2025, 3, 13))
    assert latest.due_date == date(2025, 3, 13) and served_by.due_date == date(2025, 3, 10)
    assert "not less than 3 days before the date set for trial" in served_by.quote
    assert any("5 days after it was served" in line for line in latest.explanation)


# --------------------------------------------------------------------------- Ohio


def test_ohio_notice_to_leave_counts_calendar_days_and_says_the_weekend_question_is_open():
    [d] = compute("US-OH", "notice_to_leave_served", date(2025, 3, 7))
    assert d.due_date == date(2025, 3, 10) and "three or more days" in d.quote
    assert any(line.startswith("Left open") and "Wintrow" in line for line in d.explanation)


def test_ohio_small_claims_counterclaim_counts_back_and_moves_earlier_off_a_holiday():
    [d] = compute("US-OH", "small_claims_trial_date", date(2025, 10, 20))
    assert d.due_date == date(2025, 10, 10)  # 7 days before is Columbus Day, Mon 10-13 -> Fri 10-10


def test_ohio_magistrate_objections_get_no_mail_days():
    mailed = only(compute("US-OH", "magistrate_decision_filed", date(2025, 3, 3), "mail"), "oh_magistrate_objections")
    assert mailed.due_date == date(2025, 3, 17) and mailed.verified
    assert "within fourteen days of the filing of the decision" in mailed.quote


def test_ohio_appeal_rule_starts_with_the_2021_text():
    [d] = compute("US-OH", "final_judgment_entered", date(2025, 6, 4))
    assert d.due_date == date(2025, 7, 7)
    with pytest.raises(DeadlineRuleUnknown):
        compute("US-OH", "final_judgment_entered", date(2021, 6, 30))


# --------------------------------------------------------------------------- Pennsylvania


def test_pennsylvania_notice_to_quit_period_depends_on_the_ground_and_the_lease():
    [rent] = compute("US-PA", "nonpayment_notice_to_quit_served", date(2025, 3, 3))
    short, long_ = (only(compute("US-PA", "breach_or_term_notice_to_quit_served", date(2025, 3, 3)), rid)
                    for rid in ("pa_notice_to_quit_short_lease_ends", "pa_notice_to_quit_long_lease_ends"))
    assert (rent.due_date, short.due_date, long_.due_date) == (date(2025, 3, 13), date(2025, 3, 18), date(2025, 4, 2))


def test_pennsylvania_possession_appeal_is_ten_days_thirty_for_domestic_violence_victims():
    results = compute("US-PA", "mdj_possession_judgment_entered", date(2025, 3, 3))
    assert only(results, "pa_possession_appeal").due_date == date(2025, 3, 13)
    assert only(results, "pa_possession_appeal_domestic_violence").due_date == date(2025, 4, 2)


def test_pennsylvania_juneteenth_counts_only_where_the_courts_were_ordered_closed():
    assert "Supreme Court order" in court_holidays("US-PA", 2021)[date(2021, 6, 18)]
    assert date(2025, 6, 19) not in court_holidays("US-PA", 2025)
    assert date(2023, 6, 19) not in court_holidays("US-PA", 2023)  # Philadelphia only: reported, not statewide
    assert "Columbus Day" in court_holidays("US-PA", 2025)[date(2025, 10, 13)]


# --------------------------------------------------------------------------- Illinois


def test_illinois_rent_demand_gives_five_days_and_is_not_moved_off_a_weekend():
    [d] = compute("US-IL", "rent_demand_served", date(2025, 3, 3))
    assert d.due_date == date(2025, 3, 8) and d.verified  # Sat, shown unmoved (the earlier date)
    assert "not less than 5 days after service thereof" in d.quote
    assert any(line.startswith("Left open") and "1.11" in line for line in d.explanation)


def test_illinois_notices_for_a_lease_breach_and_a_month_to_month_tenancy():
    [breach] = compute("US-IL", "lease_default_notice_served", date(2025, 11, 21))
    [ending] = compute("US-IL", "tenancy_termination_notice_served", date(2025, 1, 15))
    assert breach.due_date == date(2025, 12, 1) and not breach.verified
    assert ending.due_date == date(2025, 2, 14) and "30 days' notice, in writing" in ending.quote


def test_illinois_court_calendar_keeps_lincolns_birthday_but_not_pulaski_or_election_day():
    il = court_holidays("US-IL", 2026)
    assert "Lincoln's Birthday" in il[date(2026, 2, 12)]
    assert date(2026, 3, 2) not in il and date(2026, 11, 3) not in il  # courts read stay open: earlier, safe dates
    d = only(compute("US-IL", "civil_summons_served", date(2026, 1, 13)), "il_civil_appearance")
    assert d.due_date == date(2026, 2, 13) and not d.verified


def test_illinois_judgment_starts_the_motion_and_appeal_clocks():
    results = compute("US-IL", "final_judgment_entered", date(2025, 11, 25))
    motion, appeal = only(results, "il_postjudgment_motion"), only(results, "il_appeal")
    assert motion.due_date == appeal.due_date == date(2025, 12, 26)  # Christmas on day 30
    assert motion.verified and "tried without a jury" in motion.quote
    assert not appeal.verified and any(line.startswith("NOT VERIFIED") for line in appeal.explanation)
    assert "il_appeal" in {r["id"] for r in list_rules("US-IL", case_type="small_claims")}


# --------------------------------------------------------------------------- Texas after S.B. 38


def test_texas_notice_to_vacate_after_sb38_keeps_three_days_and_quotes_the_amended_statute():
    before = only(compute("US-TX", "notice_to_vacate_delivered", date(2025, 12, 1)), "tx_notice_to_vacate_ends")
    after = only(compute("US-TX", "notice_to_vacate_delivered", date(2026, 1, 5)), "tx_notice_to_vacate_ends")
    assert before.verified and before.due_date == date(2025, 12, 4)
    # § 24.005(a) as amended by S.B. 38: still "at least three days' written notice to vacate"
    assert after.verified and after.due_date == date(2026, 1, 8)
    assert "S.B. 38" in after.version["citation"] and "at least three days' written notice" in after.quote
    assert not any(line.startswith("NOT VERIFIED") for line in after.explanation)


def test_texas_eviction_filed_in_2026_gets_the_amended_rule_510_trial_window():
    got = compute("US-TX", "eviction_petition_filed", date(2026, 1, 5))
    earliest, latest = only(got, "tx_eviction_trial_earliest"), only(got, "tx_eviction_trial_latest")
    # Rule 510.8(b)(10): "not less than 10 days nor more than 21 days after the petition is filed"
    assert (earliest.due_date, latest.due_date) == (date(2026, 1, 15), date(2026, 1, 26))
    assert earliest.version["effective_from"] == "2026-01-01" and "510.8(b)(10)" in earliest.version["citation"]
    assert earliest.verified and latest.verified


def test_texas_eviction_citation_served_tells_when_the_trial_may_be_held():
    # "No eviction trial may be held until 4 days has passed after service" (Rule 510.15(b));
    # served Thu 2026-01-15: the 4th day is Martin Luther King Jr. Day, so the period ends Tue 01-20.
    d = only(compute("US-TX", "eviction_citation_served", date(2026, 1, 15)), "tx_eviction_trial_after_service")
    assert d.due_date == date(2026, 1, 20) and d.verified and "4 days has passed after service" in d.quote
    served = engine_triggers("US-TX", "LANDLORD_TENANT", "summons")
    assert any("I was served with an eviction citation" in p for p in served["eviction_citation_served"]["plain"])


def test_texas_justice_court_answer_quotes_rule_502_5():
    d = only(compute("US-TX", "justice_citation_served", date(2025, 8, 18)), "tx_justice_answer")
    # 14th day is Labor Day, Mon 09-01: "due on the next day that is not a Saturday, Sunday, or legal holiday"
    assert d.due_date == date(2025, 9, 2) and d.verified and "end of the 14th day" in d.quote


# --------------------------------------------------------------------------- West Virginia answer period


def test_west_virginia_answer_before_2025_quotes_rule_12_and_names_the_thirty_day_exceptions():
    d = only(compute("US-WV", "service_of_summons_and_complaint", date(2024, 11, 8)), "wv_circuit_answer")
    # 20 days after Fri 2024-11-08 is Thanksgiving; the day after and the weekend push it to Monday.
    assert d.due_date == date(2024, 12, 2) and d.verified
    assert "within 20 days after the service of the summons" in d.quote
    assert any("bona fide defense" in line for line in d.explanation)


def test_west_virginia_answer_after_2025_shows_twenty_days_and_says_the_thirty_day_text_was_not_read():
    d = only(compute("US-WV", "service_of_summons_and_complaint", date(2025, 6, 2)), "wv_circuit_answer")
    assert d.due_date == date(2025, 6, 23) and not d.verified
    assert any(line.startswith("NOT VERIFIED") and "30 days" in line for line in d.explanation)


# --------------------------------------------------------------------------- settled from the texts


def test_massachusetts_summary_process_appeal_quotes_chapter_239_and_rolls_past_patriots_day():
    d = only(compute("US-MA", "summary_process_judgment", date(2026, 4, 10)), "ma_sp_appeal")
    # "within 10 days after the entry of the judgment": Mon 04-20 is Patriots' Day, so Tue 04-21.
    assert d.due_date == date(2026, 4, 21) and d.verified
    assert "within 10 days after the entry of the judgment" in d.quote
    assert not any(line.startswith("NOT VERIFIED") for line in d.explanation)


def test_massachusetts_service_window_comes_from_rule_2b_and_says_the_standing_orders_were_not_checked():
    got = compute("US-MA", "summary_process_entry", date(2026, 5, 4))
    latest, earliest = only(got, "ma_sp_latest_service"), only(got, "ma_sp_earliest_service")
    # "no later than the seventh day nor earlier than the thirtieth day before the entry day"
    assert latest.due_date == date(2026, 4, 27) and earliest.due_date == date(2026, 4, 4)
    assert latest.verified and earliest.verified and "seventh day" in latest.quote
    assert any("Administrative Order 21-2" in line for line in latest.explanation)


def test_west_virginia_magistrate_appeal_quotes_50_5_12_and_moves_off_primary_election_day():
    d = only(compute("US-WV", "magistrate_judgment", date(2026, 4, 22)), "wv_magistrate_appeal")
    # "not later than twenty days after such judgment is rendered": Tue 05-12 is the primary election.
    assert d.due_date == date(2026, 5, 13) and d.verified
    assert "not later than twenty days after such judgment is rendered" in d.quote
    assert any("motion to set aside" in line for line in d.explanation)


def test_federal_answer_by_the_united_states_quotes_rule_12a2_and_rolls_past_a_weekend():
    [d] = compute("US-FED", "service_of_complaint_us_party", date(2025, 8, 19))
    # "within 60 days after service on the United States attorney": Sat 10-18, so Mon 2025-10-20.
    assert d.due_date == date(2025, 10, 20) and d.verified
    assert "within 60 days after service on the United States attorney" in d.quote


# --------------------------------------------------------------------------- "I was served with an eviction summons"


@pytest.mark.parametrize("jurisdiction,trigger", [
    ("US-IL", "eviction_summons_served"), ("US-NC", "eviction_summons_issued"), ("US-OH", "eviction_summons_served"),
    ("US-TX", "eviction_citation_served"),
])
def test_an_eviction_summons_is_a_trigger_a_person_recognises(jurisdiction, trigger):
    found = engine_triggers(jurisdiction, "LANDLORD_TENANT", "summons")
    assert trigger in found and any("served with an eviction" in p for p in found[trigger]["plain"])


def test_ohio_eviction_summons_must_come_seven_days_before_trial():
    d = only(compute("US-OH", "eviction_summons_served", date(2026, 1, 9)), "oh_eviction_trial_earliest")
    # R.C. 1923.06(A): "Such service shall be at least seven days before the day set for trial."
    assert d.due_date == date(2026, 1, 16) and d.verified and "at least seven days before the day set for trial" in d.quote


def test_north_carolina_summons_sets_appearance_within_seven_court_days_of_issuance():
    d = only(compute("US-NC", "eviction_summons_issued", date(2025, 12, 19)), "nc_summary_ejectment_appearance_latest")
    # G.S. 42-28: "not to exceed seven days from the issuance of the summons, excluding weekends and legal holidays";
    # Dec 24-26 and Jan 1 are North Carolina holidays.
    assert d.due_date == date(2026, 1, 5) and d.verified


def test_illinois_eviction_summons_service_rule_says_what_was_not_read():
    d = only(compute("US-IL", "eviction_summons_served", date(2026, 3, 6)), "il_eviction_appearance_earliest")
    assert d.due_date == date(2026, 3, 9) and not d.verified
    assert any(line.startswith("NOT VERIFIED") and "101(b)(2)" in line for line in d.explanation)


def test_texas_2026_eviction_periods_skip_texas_state_holidays_as_rule_510_4_says():
    # Rule 510.4(a)(3)(A): a last day that is "a Saturday, Sunday, or a state or federal holiday" moves;
    # Tue 2026-04-21 is San Jacinto Day (Tex. Gov't Code § 662.003(b)(3)), which the Texas court calendar
    # otherwise leaves open.
    d = only(compute("US-TX", "eviction_judgment_signed", date(2026, 4, 16)), "tx_eviction_appeal")
    assert d.due_date == date(2026, 4, 22)
    assert any(line.startswith("Also holidays for this rule: Texas state and federal") for line in d.explanation)
    # the justice-court answer (Rule 502.5, "legal holiday") keeps the court calendar: San Jacinto Day is open there
    answer = only(compute("US-TX", "justice_citation_served", date(2026, 4, 7)), "tx_justice_answer")
    assert answer.due_date == date(2026, 4, 21)
