from phoihop.orgs import selectors


def test_unit_list_finds_units_by_folded_words_within_scope(tree, province_admin, commune_officer):
    found = selectors.unit_list(user=province_admin, query="an sinh")
    assert sorted(found.values_list("code", flat=True)) == ["07090", "07090-MTTQ", "07090-UBND"]
    # The same words as a commune officer: only what the membership reaches.
    assert list(selectors.unit_list(user=commune_officer, query="an sinh").values_list("code", flat=True)) == [
        "07090-UBND"
    ]


def test_unit_list_matches_a_code_prefix(tree, province_admin):
    assert set(selectors.unit_list(user=province_admin, query="0709").values_list("code", flat=True)) >= {
        "07090",
        "07093",
    }
